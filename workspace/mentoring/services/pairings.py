"""Pairings (師徒結對): a convener pairs a mentor with new teachers, ends a pairing or re-pairs its new teacher with
another mentor; the community's settings (the term, the default milestones) that a new pairing starts from.

Plain Python: the actor is passed in, refusals are ValidationErrors beside their field, nothing is committed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import exists, or_, select
from sqlalchemy.orm import aliased

from workspace.auth.models import User
from workspace.communities import services as community_services
from workspace.communities.models import Membership
from workspace.core.database import utcnow
from workspace.core.errors import ValidationError
from workspace.core.i18n import N_, local_date
from workspace.core.models import record_event
from workspace.core.permissions import CONTRIBUTORS
from workspace.core.records import add_months, local_day
from workspace.extensions import db
from workspace.mentoring.models import MentoringSettings, Milestone, MilestoneKind, Owner, Pairing, PairingStatus
from workspace.mentoring.services import goals, logs, milestones, notices

DEFAULT_TERM_MONTHS = 24  # 師徒結對: two years
MAX_TERM_MONTHS = 120  # the longest term a community may set (PairingSettingsForm.term_months)
MAX_MILESTONE_DAYS = 3650
# One way to say a length's limits, with its unit, on the form (NumberRange fills %(min)d and %(max)d) and in the
# service: a milestone's days after the start, a term's months (as a meeting log's minutes, logs.MINUTES_RANGE).
DAYS_RANGE = N_("Give the days after the start, between %(min)d and %(max)d days.")
MONTHS_RANGE = N_("Give the term, between %(min)d and %(max)d months.")
MAX_MILESTONES = 30

# The milestones of a community that set none (title in English source, translated when copied).
DEFAULT_MILESTONES: tuple[dict[str, Any], ...] = (
    {"title": N_("First meeting"), "days": 14, "owner": "mentor", "kind": "meeting"},
    {"title": N_("First observation of the new teacher"), "days": 42, "owner": "mentor", "kind": "observation"},
    {"title": N_("The new teacher observes the mentor"), "days": 60, "owner": "mentee", "kind": "observe_mentor"},
    {"title": N_("First goals"), "days": 30, "owner": "mentee", "kind": "goal"},
    {"title": N_("Public lesson scheduled"), "days": 120, "owner": "mentee", "kind": "public_lesson"},
    {"title": N_("Development handbook begun"), "days": 30, "owner": "mentee", "kind": "handbook"},
)

MESSAGES = {
    "pairing.created": N_("paired %(member)s with the mentor %(name)s in %(community)s"),
    "pairing.ended": N_("ended the pairing of %(member)s with %(name)s in %(community)s"),
    "pairing.repaired": N_("re-paired %(member)s with the mentor %(name)s in %(community)s"),
    "mentoring.settings_changed": N_("changed the mentoring settings of %(community)s"),
}


@dataclass(frozen=True)
class Settings:
    """A community's mentoring settings as a new pairing reads them (the defaults where it set none)."""

    term_months: int
    milestones: list[dict[str, Any]]
    stored: bool


def today() -> dt.date:
    """Today in the deployment's time zone."""
    return local_day(utcnow())


def default_milestones() -> list[dict[str, Any]]:
    """The shipped default milestones, their titles in the reader's language."""
    return [dict(item, title=_(item["title"])) for item in DEFAULT_MILESTONES]


def settings_of(community_id: int) -> Settings:
    """The community's term and default milestones (the shipped defaults where it saved none)."""
    stored = db.session.get(MentoringSettings, community_id)
    if stored is None:
        return Settings(DEFAULT_TERM_MONTHS, default_milestones(), False)
    return Settings(stored.term_months or DEFAULT_TERM_MONTHS, list(stored.milestones or []), True)


def default_end(starts_on: dt.date, term_months: int) -> dt.date:
    """The last day of a term of `term_months` starting on `starts_on`."""
    return add_months(starts_on, term_months) - dt.timedelta(days=1)


def _active_members(community_id: int, user_ids: Sequence[int]) -> set[int]:
    """Which of `user_ids` are members now with a role that takes part (guest experts do not)."""
    return set(db.session.scalars(select(Membership.user_id).where(
        Membership.community_id == community_id, Membership.user_id.in_(list(user_ids)), Membership.live,
        Membership.role.in_(sorted(CONTRIBUTORS)))))


def _overlapping(community_id: int, mentor_id: int, mentee_id: int, starts_on: dt.date, ends_on: dt.date,
                 *, besides: int | None = None) -> bool:
    condition = (Pairing.community_id == community_id) & (Pairing.mentor_id == mentor_id) & (
        Pairing.mentee_id == mentee_id) & (Pairing.status == PairingStatus.ACTIVE.value) & (
        Pairing.starts_on <= ends_on) & (Pairing.ends_on >= starts_on)
    if besides is not None:
        condition &= Pairing.id != besides
    return bool(db.session.scalar(select(exists().where(condition))))


def _ended_overlap(community_id: int, one_id: int, other_id: int, starts_on: dt.date, ends_on: dt.date,
                   *, besides: int | None = None) -> dt.date | None:
    """The last day of an ended pairing of the same two people (either way round) over some of these days, else
    None: its days are counted (meetings, milestones, the panel) for that pairing, and the guide promises the same
    two are never paired twice over the same days. Pairings are never trashed, so every ended one counts."""
    pair = ((Pairing.mentor_id == one_id) & (Pairing.mentee_id == other_id)) | (
        (Pairing.mentor_id == other_id) & (Pairing.mentee_id == one_id))
    condition = (Pairing.community_id == community_id) & pair & (Pairing.status == PairingStatus.ENDED.value) & (
        Pairing.starts_on <= ends_on) & (Pairing.ends_on >= starts_on)
    if besides is not None:
        condition &= Pairing.id != besides
    # One ended before its first day never ran (its end is recorded as that day): it holds no day of anyone's.
    ran = [ends for starts, ends, ended_at in db.session.execute(
        select(Pairing.starts_on, Pairing.ends_on, Pairing.ended_at).where(condition))
        if ended_at is None or local_day(ended_at) >= starts]
    return max(ran, default=None)


def check_pairings(community: Any, mentor_id: int | None, mentee_ids: Sequence[int], starts_on: dt.date | None,
                   ends_on: dt.date | None, *, besides: int | None = None,
                   mentee_field: str = "mentee_ids") -> None:
    """Refuse a pairing of someone with themselves, of a person who is not an active member (guest experts
    neither mentor nor are mentored), an end before the start, or one that overlaps a pairing of the same two people
    (either way round; an ended one beside the start, with its last day). Every refusal at once, each beside its
    field."""
    errors: list[ValidationError] = []
    mentee_ids = list(dict.fromkeys(mentee_ids))
    if mentor_id is None:
        errors.append(ValidationError(_("Choose the mentor."), "mentor_id"))
    if not mentee_ids:
        errors.append(ValidationError(_("Choose at least one new teacher."), mentee_field))
    if starts_on is None:
        errors.append(ValidationError(_("Enter the first day of the pairing."), "starts_on"))
    if starts_on is not None and ends_on is not None and ends_on < starts_on:
        errors.append(ValidationError(_("The end must not come before the start."), "ends_on"))
    elif starts_on is not None and ends_on is not None and ends_on > default_end(starts_on, MAX_TERM_MONTHS):
        # the longest term the settings allow: 1900–2200 is a slip of the keyboard, not a pairing
        errors.append(ValidationError(_("A pairing lasts at most %(years)d years.", years=MAX_TERM_MONTHS // 12),
                                      "ends_on"))
    if mentor_id is not None and mentor_id in mentee_ids:
        errors.append(ValidationError(_("A person cannot mentor themselves."), mentee_field))
    people = [pid for pid in [mentor_id, *mentee_ids] if pid is not None]
    members = _active_members(community.id, people) if people else set()
    if mentor_id is not None and mentor_id not in members:
        errors.append(ValidationError(_("The mentor must be a member of this community (not a guest expert)."),
                                      "mentor_id"))
    if any(pid not in members for pid in mentee_ids):
        errors.append(ValidationError(
            _("Each new teacher must be a member of this community (not a guest expert)."), mentee_field))
    if not errors and starts_on is not None and ends_on is not None and mentor_id is not None:
        for mentee_id in mentee_ids:
            if _overlapping(community.id, mentor_id, mentee_id, starts_on, ends_on, besides=besides):
                errors.append(ValidationError(
                    _("These two are already paired over some of these days."), mentee_field))
                break
            if _overlapping(community.id, mentee_id, mentor_id, starts_on, ends_on, besides=besides):
                # each the other's mentor: whose milestones, whose handbook, who observes whom?
                errors.append(ValidationError(
                    _("These two are already paired the other way round over some of these days."), mentee_field))
                break
            ended = _ended_overlap(community.id, mentor_id, mentee_id, starts_on, ends_on, besides=besides)
            if ended is not None:
                errors.append(ValidationError(
                    _("These two were paired until %(day)s: start the new pairing after that day.",
                      day=local_date(ended)), "starts_on"))
                break
    if errors:
        raise ValidationError.combine(errors)


@dataclass(frozen=True)
class OtherMentor:
    """A new teacher's other active pairing over some of the days of a new one: a second mentor at once."""

    mentee: str
    mentor: str
    ends_on: dt.date


def other_mentors(made: Sequence[Pairing]) -> list[OtherMentor]:
    """For the pairings one form just made (one mentor, the same days), each new teacher's active pairings with
    another mentor over some of those days.

    Co-mentoring is allowed (a subject mentor beside a class mentor), so this is a notice, not a refusal: the
    convener who meant to re-pair sees that the old pairing still runs (one query)."""
    if not made:
        return []
    first = made[0]
    mentor, mentee = aliased(User), aliased(User)
    rows = db.session.execute(
        select(mentee.display_name, mentor.display_name, Pairing.ends_on)
        .join(mentor, mentor.id == Pairing.mentor_id).join(mentee, mentee.id == Pairing.mentee_id)
        .where(Pairing.community_id == first.community_id,
               Pairing.mentee_id.in_([pairing.mentee_id for pairing in made]),
               Pairing.mentor_id != first.mentor_id, Pairing.status == PairingStatus.ACTIVE.value,
               Pairing.starts_on <= first.ends_on, Pairing.ends_on >= first.starts_on)
        .order_by(mentee.display_name, Pairing.starts_on, Pairing.id))
    return [OtherMentor(*row) for row in rows]


def copy_milestones(pairing: Pairing, items: Sequence[dict[str, Any]]) -> list[Milestone]:
    """Give a pairing its milestones from a list of (title, days after the start, owner, kind)."""
    made = []
    for position, item in enumerate(items):
        milestone = Milestone(pairing=pairing, title=str(item["title"])[:200],
                              due_on=pairing.starts_on + dt.timedelta(days=int(item["days"])),
                              owner=item.get("owner") or Owner.MENTOR.value,
                              kind=item.get("kind") or MilestoneKind.OTHER.value, position=position)
        db.session.add(milestone)
        made.append(milestone)
    return made


def _names(*user_ids: int) -> dict[int, str]:
    return dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids))).all())


def create_pairings(community: Any, mentor_id: int | None, mentee_ids: Sequence[int], starts_on: dt.date | None,
                    ends_on: dt.date | None, actor: Any) -> list[Pairing]:
    """Pair a mentor with one or more new teachers (one pairing each), from `starts_on` (default today) to
    `ends_on` (default the community's term), each with the community's default milestones."""
    settings = settings_of(community.id)
    starts_on = starts_on or today()
    ends_on = ends_on or (default_end(starts_on, settings.term_months) if starts_on else None)
    check_pairings(community, mentor_id, mentee_ids, starts_on, ends_on)
    assert mentor_id is not None and ends_on is not None
    names = _names(mentor_id)
    made = []
    for mentee_id in dict.fromkeys(mentee_ids):
        pairing = Pairing(community_id=community.id, mentor_id=mentor_id, mentee_id=mentee_id, starts_on=starts_on,
                          ends_on=ends_on, created_by_id=getattr(actor, "id", None))
        db.session.add(pairing)
        copy_milestones(pairing, settings.milestones)
        db.session.flush()
        milestones.note_existing(pairing)
        record_event(actor, "pairing.created", pairing, community, user_id=mentee_id, name=names.get(mentor_id))
        notices.paired(pairing, actor)
        made.append(pairing)
    if ends_on < today():  # recorded after its term: these pairings ended, as the hourly job would end them
        for pairing in made:
            _term_over(pairing)
        db.session.flush()
    return made


def end_pairing(pairing: Pairing, ends_on: dt.date | None, reason: str, actor: Any) -> Pairing:
    """End a pairing on `ends_on` (default today), saying why; everything the pair wrote is kept.

    The last day falls within the term (from its start to its planned end) and not after today: the pairing
    ends now, so a later last day would be a pair still meeting marked ended.
    """
    reason = " ".join((reason or "").split())[:500]
    ends_on = ends_on or min(max(today(), pairing.starts_on), pairing.ends_on)
    errors = []
    if not pairing.active:
        errors.append(ValidationError(_("This pairing has already ended."), None))
    if ends_on < pairing.starts_on:
        errors.append(ValidationError(_("The end must not come before the start."), "ends_on"))
    elif ends_on > pairing.ends_on:
        errors.append(ValidationError(_("The last day must be on or before the end of the term, %(day)s.",
                                        day=local_date(pairing.ends_on)), "ends_on"))
    elif ends_on > max(today(), pairing.starts_on):
        errors.append(ValidationError(_("The last day must not be after today: end the pairing on the day it "
                                        "ends."), "ends_on"))
    if errors:
        raise ValidationError.combine(errors)
    _close(pairing, ends_on, reason, actor)
    notices.pairing_ended(pairing, actor)
    return pairing


@community_services.departure_asked.connect
def pairings_ending_with(community: Any, *, user_ids: list[int], own: bool = False) -> dict[int, list[str]]:
    """What removing each of `user_ids` from `community` would end: their active pairings there, named by the other
    person (one query), in the reader's language; `own`: said to the person leaving ("your pairing")."""
    mentor, mentee = aliased(User), aliased(User)
    said: dict[int, list[str]] = {}
    for mentor_id, mentee_id, mentor_name, mentee_name in db.session.execute(
            select(Pairing.mentor_id, Pairing.mentee_id, mentor.display_name, mentee.display_name)
            .join(mentor, mentor.id == Pairing.mentor_id).join(mentee, mentee.id == Pairing.mentee_id)
            .where(Pairing.community_id == community.id, Pairing.status == PairingStatus.ACTIVE.value,
                   or_(Pairing.mentor_id.in_(user_ids), Pairing.mentee_id.in_(user_ids)))
            .order_by(Pairing.id)):
        for user_id, name in ((mentor_id, mentee_name), (mentee_id, mentor_name)):
            said.setdefault(user_id, []).append(
                _("This also ends your mentoring pairing with %(name)s.", name=name) if own
                else _("This also ends their mentoring pairing with %(name)s.", name=name))
    return {user_id: sentences for user_id, sentences in said.items() if user_id in user_ids}


@community_services.member_departed.connect
def end_pairings_of_departed(membership: Membership, *, actor: Any) -> list[Pairing]:
    """A mentor or new teacher who leaves the community (or is removed) ends their active pairings there that day,
    and the pair is told: the pairing read as active, its health alerts went to the mentor, while the public
    lessons page said the community had no paired teacher. What the pair wrote is kept."""
    ended = list(db.session.scalars(select(Pairing).where(
        Pairing.community_id == membership.community_id, Pairing.status == PairingStatus.ACTIVE.value,
        or_(Pairing.mentor_id == membership.user_id, Pairing.mentee_id == membership.user_id))))
    name = membership.user.display_name if membership.user else ""
    for pairing in ended:
        _close(pairing, min(max(today(), pairing.starts_on), pairing.ends_on),
               _("%(name)s left the community.", name=name), actor)
        notices.pairing_ended(pairing, actor, left=getattr(actor, "id", None) == membership.user_id)
    return ended


def _withdraw_reminders(pairing: Pairing) -> None:
    """An ended pairing's milestones remind nobody: their reminder emails not sent yet stay unsent."""
    notices.withdraw_milestone_reminders(db.session.scalars(
        select(Milestone.id).where(Milestone.pairing_id == pairing.id, Milestone.done_at.is_(None))))


def _close(pairing: Pairing, ends_on: dt.date, reason: str, actor: Any) -> Pairing:
    """Mark the pairing ended on `ends_on` (checked by the caller: a re-pairing hands over on a later day)."""
    pairing.status = PairingStatus.ENDED.value
    pairing.ends_on = ends_on
    pairing.end_reason = reason
    pairing.ended_at = utcnow()
    pairing.version += 1
    _withdraw_reminders(pairing)
    db.session.flush()
    record_event(actor, "pairing.ended", pairing, pairing.community, user_id=pairing.mentee_id,
                 name=_names(pairing.mentor_id).get(pairing.mentor_id), reason=reason, ends_on=ends_on.isoformat())
    return pairing


def end_finished_terms(day: dt.date | None = None) -> int:
    """End every active pairing whose term is over (its last day before `day`, default today), as if someone had
    pressed End on that day: a term that ran out no longer counts as active, nor its milestones as overdue, on
    the overview or either home. The queue runs it every hour; a pairing recorded after its term is ended at
    once. Answers how many were ended."""
    day = day or today()
    ended = 0
    for pairing in db.session.scalars(select(Pairing).where(Pairing.status == PairingStatus.ACTIVE.value,
                                                            Pairing.ends_on < day)):
        _term_over(pairing)
        ended += 1
    db.session.flush()
    return ended


def _term_over(pairing: Pairing) -> None:
    """Mark a pairing whose term ran out ended (its last day stays the term's)."""
    pairing.status = PairingStatus.ENDED.value
    pairing.ended_at = utcnow()
    pairing.version += 1
    _withdraw_reminders(pairing)


def repair(pairing: Pairing, mentor_id: int | None, starts_on: dt.date | None, reason: str, actor: Any) -> Pairing:
    """End the pairing the day before `starts_on` and pair its new teacher with another mentor from that day to
    the end of the old term (the new pairing gets the default milestones; `replaced_by_id` links the two).

    What goes on goes with the new teacher: the unfinished goals and the open next steps move to the new pairing,
    whose milestones that existing records already meet (goals set, the handbook begun) are ticked at once. The
    outgoing mentor is told that the pairing ended; the new pair that they are paired."""
    starts_on = starts_on or today()
    errors = []
    if not pairing.active:
        errors.append(ValidationError(_("This pairing has already ended."), None))
    if mentor_id is not None and mentor_id == pairing.mentor_id:
        errors.append(ValidationError(_("Choose another mentor."), "mentor_id"))
    # The old pairing ends as it is handed over (its status changes now), so the handover day is today or a day
    # past, within the old term: a later day left the new teacher with neither mentor until then, and a day past
    # the term stretched the old pairing over years it never ran.
    if starts_on <= pairing.starts_on:
        errors.append(ValidationError(_("The new pairing must start after the old one started."), "starts_on"))
    elif starts_on > pairing.ends_on:
        errors.append(ValidationError(_("The new pairing must start by the end of this pairing's term, %(day)s.",
                                        day=local_date(pairing.ends_on)), "starts_on"))
    elif starts_on > max(today(), pairing.starts_on + dt.timedelta(days=1)):
        errors.append(ValidationError(_("The new mentor takes over today at the latest: pair them on the day of "
                                        "the handover."), "starts_on"))
    ends_on = max(pairing.ends_on, starts_on)
    try:
        check_pairings(pairing.community, mentor_id, [pairing.mentee_id], starts_on, ends_on, mentee_field="mentor_id")
    except ValidationError as error:
        errors.append(error)
    if errors:
        raise ValidationError.combine(errors)
    assert mentor_id is not None
    settings = settings_of(pairing.community_id)
    new = Pairing(community_id=pairing.community_id, mentor_id=mentor_id, mentee_id=pairing.mentee_id,
                  starts_on=starts_on, ends_on=ends_on, created_by_id=getattr(actor, "id", None))
    db.session.add(new)
    copy_milestones(new, settings.milestones)
    db.session.flush()
    _close(pairing, starts_on - dt.timedelta(days=1), " ".join((reason or "").split())[:500], actor)
    pairing.replaced_by_id = new.id
    goals.carry_goals(pairing, new)
    logs.carry_open_steps(pairing, new)
    milestones.note_existing(new)
    record_event(actor, "pairing.repaired", new, pairing.community, user_id=pairing.mentee_id,
                 name=_names(mentor_id).get(mentor_id), replaces=pairing.id)
    db.session.flush()
    notices.paired(new, actor)
    notices.pairing_ended(pairing, actor, handed_over=True)
    return new


def check_milestone_items(items: Sequence[dict[str, Any]], field: str = "milestones") -> list[dict[str, Any]]:
    """The milestone list cleaned (blank rows dropped), or a ValidationError beside `field`."""
    cleaned = []
    for item in items:
        title = " ".join(str(item.get("title") or "").split())
        if not title:
            continue
        days = item.get("days")
        if not isinstance(days, int) or not 0 <= days <= MAX_MILESTONE_DAYS:
            raise ValidationError(_(DAYS_RANGE, min=0, max=MAX_MILESTONE_DAYS), field)
        owner = item.get("owner") or Owner.MENTOR.value
        kind = item.get("kind") or MilestoneKind.OTHER.value
        if owner not in {o.value for o in Owner} or kind not in {k.value for k in MilestoneKind}:
            raise ValidationError(_("Choose who each milestone falls to and what ticks it off."), field)
        cleaned.append({"title": title[:200], "days": days, "owner": owner, "kind": kind})
    if len(cleaned) > MAX_MILESTONES:
        raise ValidationError(_("At most %(max)s milestones.", max=MAX_MILESTONES), field)
    return cleaned


def save_settings(community: Any, term_months: int | None, items: Sequence[dict[str, Any]],
                  actor: Any) -> MentoringSettings:
    """Save the community's term (months) and default milestones; pairings made before keep theirs."""
    errors = []
    if term_months is None or not 1 <= term_months <= MAX_TERM_MONTHS:
        errors.append(ValidationError(_(MONTHS_RANGE, min=1, max=MAX_TERM_MONTHS), "term_months"))
    try:
        cleaned = check_milestone_items(items)
    except ValidationError as error:
        errors.append(error)
    if errors:
        raise ValidationError.combine(errors)
    stored = db.session.get(MentoringSettings, community.id)
    if stored is None:
        stored = MentoringSettings(community_id=community.id)
        db.session.add(stored)
    stored.term_months = term_months
    stored.milestones = cleaned
    stored.updated_at = utcnow()
    db.session.flush()
    record_event(actor, "mentoring.settings_changed", community, community, term_months=term_months)
    return stored


def candidates(community_id: int) -> list[tuple[int, str, str]]:
    """The members who may mentor or be mentored (id, name, role), by name: one query."""
    return [tuple(row) for row in db.session.execute(
        select(User.id, User.display_name, Membership.role).join(Membership, Membership.user_id == User.id)
        .where(Membership.community_id == community_id, Membership.live, Membership.role.in_(sorted(CONTRIBUTORS)))
        .order_by(User.display_name, User.id))]


def has_pairings(user_id: int | None) -> bool:
    """Whether the person is (or was) a mentor or new teacher of any pairing: one query."""
    if user_id is None:
        return False
    return bool(db.session.scalar(select(exists().where(
        or_(Pairing.mentor_id == user_id, Pairing.mentee_id == user_id)))))
