"""What mentoring tells people through the notifications area: the pair of a new pairing, a pairing ended (to the
outgoing mentor on a handover), an observation shared with the observed teacher, the reflection written on it, the
mentor's comment on the handbook; and the community's colleagues of a public lesson scheduled (they are meant to
come and observe it), then moved or cancelled (to those told of it).

A pair's notice names the record (the two people, an observation's day, a handbook section) and opens its page; it
never carries what the pair wrote (no excerpt), so the notifications list and any e-mail stay as private as
the pages they open. A public lesson is open to the community: its notice names the teacher, the subject, the time
(read in each reader's language and the deployment's zone) and, as excerpt, the topic and the place.

A milestone's owner (the mentor or the new teacher) is reminded of it 3 days before its due day and once overdue,
through the daily reminders (`remind_milestones`, beside compliance's deadlines): only an open milestone of an active
pairing in a community not archived, and only while the owner is still a member, i.e. one who sees the pairing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from flask_babel import gettext
from sqlalchemy import select

from workspace.auth.models import User
from workspace.communities.models import Community
from workspace.communities.policy import holders_of
from workspace.communities.records import current_members
from workspace.core.database import utcnow
from workspace.core.i18n import local_date, local_span
from workspace.core.permissions import CONTRIBUTORS
from workspace.core.records import local_day
from workspace.extensions import db
from workspace.mentoring.models import (
    HandbookSection,
    Milestone,
    Observation,
    Owner,
    Pairing,
    PairingStatus,
    PublicLesson,
)
from workspace.notifications import services as notifications
from workspace.notifications.models import Notification


def _people(*user_ids: int) -> list[User]:
    return [user for user in (db.session.get(User, user_id) for user_id in user_ids) if user is not None]


def _pairing_notice(pairing: Pairing, kind: str, people: list[User], actor: Any) -> None:
    names = {user.id: user.display_name for user in _people(pairing.mentor_id, pairing.mentee_id)}
    title = f"{names.get(pairing.mentor_id, '')} · {names.get(pairing.mentee_id, '')}"
    notifications.notify(people, kind, actor=actor, community=pairing.community, subject_type="pairing",
                         subject_id=pairing.id, title=title, excerpt="",
                         path=f"/c/{pairing.community.slug}/mentoring/pairings/{pairing.id}")


def paired(pairing: Pairing, actor: Any) -> None:
    """Tell the mentor and the new teacher that the convener paired them."""
    _pairing_notice(pairing, "paired", _people(pairing.mentor_id, pairing.mentee_id), actor)


def pairing_ended(pairing: Pairing, actor: Any, *, handed_over: bool = False, left: bool = False) -> None:
    """Tell the pair that the convener ended their pairing; on a handover to another mentor, the outgoing mentor
    alone (the new teacher hears of the new pairing); `left`: the actor, one of the pair, left the community (the
    other is told so, not that they ended it). The notice opens the ended pairing, which the two still see."""
    people = _people(pairing.mentor_id) if handed_over else _people(pairing.mentor_id, pairing.mentee_id)
    _pairing_notice(pairing, "partner_left" if left else "unpaired", people, actor)


def _observation_title(observation: Observation) -> str:
    """The observation kept as its day (2026-10-01): each reader reads it in their language (`observation_words`)."""
    return observation.observed_on.isoformat()


def observation_words(kept: str) -> str:
    """An observation's notice title as its reader reads it: "Observation of Oct 1, 2026" (a title kept before the
    day was, already worded, is shown as kept)."""
    try:
        day = dt.date.fromisoformat(kept)
    except ValueError:
        return kept
    return gettext("Observation of %(day)s", day=local_date(day))


notifications.register_title_words("observation", observation_words)


def _observation_path(observation: Observation) -> str:
    return f"/c/{observation.community.slug}/mentoring/observations/{observation.id}"


def observation_shared(observation: Observation, actor: Any) -> None:
    """Tell the observed teacher that the observer shared the observation with them (to read and reflect on)."""
    people = _people(observation.observed_id)
    notifications.notify(people, "observation", actor=actor,
                         community=observation.community, subject_type="observation", subject_id=observation.id,
                         title=_observation_title(observation), excerpt="",
                         path=_observation_path(observation))


def reflection_written(observation: Observation, actor: Any) -> None:
    """Tell the observer that the observed teacher wrote their reflection."""
    people = _people(observation.observer_id)
    notifications.notify(people, "reflection", actor=actor,
                         community=observation.community, subject_type="observation", subject_id=observation.id,
                         title=_observation_title(observation), excerpt="",
                         path=_observation_path(observation))


HANDBOOK = "handbook"  # the notices' subject type; its title is the section's key, worded by handbook.py


def handbook_commented(section: HandbookSection, actor: Any) -> None:
    """Tell the new teacher that their mentor commented on a section of their handbook: the section kept as its key,
    read as its heading in the reader's language (handbook.section_title), not the mentor's."""
    handbook = section.handbook
    notifications.notify(_people(handbook.teacher_id), "comment", actor=actor, community=handbook.community,
                         subject_type=HANDBOOK, subject_id=handbook.id, title=section.key, excerpt="",
                         path=f"/c/{handbook.community.slug}/mentoring/handbooks/{handbook.teacher_id}/"
                              f"{handbook.school_year}#handbook-{section.key}")


# --- public lessons ------------------------------------------------------------------------------

LESSON = "public_lesson"  # the notices' subject type


def _lesson_title(lesson: PublicLesson, actor: Any) -> str:
    """The lesson kept as data (its topic and subject, start and end in UTC, and its teacher when someone else
    scheduled it: the notice names whoever acted already), worded by each reader (`lesson_words`); the longest text
    shortened until it fits the notice's title."""
    activity = lesson.activity
    texts = {"teacher": "" if getattr(actor, "id", None) == lesson.teacher_id else lesson.teacher.display_name,
             "topic": lesson.topic or "", "subject": lesson.subject or ""}
    while True:
        kept = json.dumps({**texts, "starts": activity.starts_at.astimezone(dt.UTC).isoformat(timespec="minutes"),
                           "ends": activity.ends_at.astimezone(dt.UTC).isoformat(timespec="minutes")},
                          ensure_ascii=False, separators=(",", ":"))
        if len(kept) <= notifications.MAX_TITLE:
            return kept
        longest = max(texts, key=lambda key: len(texts[key]))
        texts[longest] = texts[longest][:-10] + "…"


def lesson_words(kept: str) -> str:
    """A public lesson's notice title as its reader reads it: "Adding fractions (Mathematics), Oct 1, 2026
    10:00–10:50", its teacher first when someone else scheduled it ("林老師's …"); the time in the deployment's zone,
    the day in the reader's language. A title kept before the topic was (teacher, subject) reads as it did."""
    try:
        data = json.loads(kept)
        when = local_span(dt.datetime.fromisoformat(data["starts"]), dt.datetime.fromisoformat(data["ends"]))
        if "topic" not in data:
            return gettext("%(teacher)s, %(subject)s, %(when)s", teacher=data["teacher"], subject=data["subject"],
                           when=when)
        lesson = data["topic"] or data["subject"]
        if data["topic"] and data["subject"]:
            lesson = gettext("%(text)s (%(detail)s)", text=data["topic"], detail=data["subject"])
        if data["teacher"]:
            return gettext("%(teacher)s's %(lesson)s, %(when)s", teacher=data["teacher"], lesson=lesson, when=when)
        return gettext("%(lesson)s, %(when)s", lesson=lesson, when=when)
    except (ValueError, KeyError, TypeError):
        return kept


notifications.register_title_words(LESSON, lesson_words)


def _lesson_excerpt(lesson: PublicLesson) -> str:
    """Where: the topic is in the title."""
    return lesson.activity.place or ""


def _colleagues(lesson: PublicLesson, among: list[User] | None = None) -> list[User]:
    """The community's live members who read its material (`holders_of`: the policy's list scope for what a
    public lesson's rule lets a member view, so a notice never opens onto a 404), with active accounts; only those
    `among` when given. One query, not a check per person."""
    query = select(User).where(holders_of(User.id, lesson.community, CONTRIBUTORS), User.active.is_(True))
    if among is not None:
        query = query.where(User.id.in_([person.id for person in among]))
    return list(db.session.scalars(query.order_by(User.id)))


def _tell_lesson(people: list[User], kind: str, lesson: PublicLesson, actor: Any) -> None:
    notifications.notify(people, kind, actor=actor, community=lesson.community,
                         subject_type=LESSON, subject_id=lesson.id, title=_lesson_title(lesson, actor),
                         excerpt=_lesson_excerpt(lesson),
                         path=f"/c/{lesson.community.slug}/mentoring/public-lessons/{lesson.id}")


def lesson_scheduled(lesson: PublicLesson, actor: Any) -> None:
    """Tell the community's members (those who read its material: the colleagues who may come and observe) that a
    public lesson is scheduled; not whoever scheduled it. The teacher hears of it when a convener scheduled it."""
    _tell_lesson(_colleagues(lesson), "lesson", lesson, actor)


def _told(lesson: PublicLesson) -> list[User]:
    """Those told of the lesson who may still read it (one who left since is not told again)."""
    return _colleagues(lesson, among=notifications.notified_about(LESSON, lesson.id, ("lesson",)))


def lesson_moved(lesson: PublicLesson, actor: Any) -> None:
    """Tell those told of the lesson that it moved (another time or place); an email of the old time not yet sent
    is withdrawn, so that nobody comes at the old time."""
    notifications.withdraw_emails(LESSON, lesson.id)
    _tell_lesson(_told(lesson), "lesson_moved", lesson, actor)


def lesson_cancelled(lesson: PublicLesson, actor: Any) -> None:
    """Tell those told of the lesson that it is cancelled (an email about it not yet sent is withdrawn)."""
    notifications.withdraw_emails(LESSON, lesson.id)
    _tell_lesson(_told(lesson), "lesson_cancelled", lesson, actor)


# --- milestone reminders -------------------------------------------------------------------------

MILESTONE = "milestone"  # the reminders' subject type
MILESTONE_AHEAD = (3,)  # days before the due day


def _milestone_title(milestone: Milestone, overdue: bool) -> str:
    """The milestone kept as data (its title, its day, overdue or not), worded by each reader (`milestone_words`);
    a long title shortened until it fits the notice's title."""
    title = milestone.title
    while True:
        data: dict[str, Any] = {"title": title, "due": milestone.due_on.isoformat()}
        if overdue:
            data["overdue"] = True
        kept = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        if len(kept) <= notifications.MAX_TITLE:
            return kept
        title = title[:-10] + "…"


def milestone_words(kept: str) -> str:
    """A milestone reminder's title as its reader reads it: "First meeting (due Nov 20, 2026)", once overdue "First
    meeting (overdue: it was due Nov 20, 2026)" (not "Reminder: Overdue: …", two labels in a row)."""
    try:
        data = json.loads(kept)
        day = local_date(dt.date.fromisoformat(data["due"]))
        detail = (gettext("overdue: it was due %(date)s", date=day) if data.get("overdue")
                  else gettext("due %(date)s", date=day))
        return gettext("%(text)s (%(detail)s)", text=data["title"], detail=detail)
    except (ValueError, KeyError, TypeError):
        return kept


notifications.register_title_words(MILESTONE, milestone_words)


def withdraw_milestone_reminders(milestone_ids: Iterable[int]) -> None:
    """Send no reminder email still waiting for the nightly batch about these milestones (moved to the trash, or of a
    pairing that ended): the bell keeps the notice, whose link then says what became of the milestone."""
    for milestone_id in sorted(set(milestone_ids)):
        notifications.withdraw_emails(MILESTONE, milestone_id)


def remind_milestones(*, now: dt.datetime | None = None) -> list[Notification]:
    """Remind each open milestone's owner, 3 days before its due day (or nearer, after a missed run) and once
    overdue, each once (notifications.send_reminders). Read in three queries whatever their number: the milestones
    due near today with their pairings and communities, the live members among their pairs, the pairs' accounts."""
    now = now or utcnow()
    today = local_day(now)
    rows = db.session.execute(
        select(Milestone, Pairing, Community).join(Pairing, Pairing.id == Milestone.pairing_id)
        .join(Community, Community.id == Pairing.community_id)
        .where(Milestone.live, Milestone.done_at.is_(None),
               Milestone.due_on >= today - dt.timedelta(days=notifications.CATCH_UP_DAYS),
               Milestone.due_on <= today + dt.timedelta(days=max(MILESTONE_AHEAD)),
               Pairing.status == PairingStatus.ACTIVE.value, Community.archived_at.is_(None))
        .order_by(Milestone.due_on, Milestone.id)).all()
    if not rows:
        return []
    # The owner sees the pairing (policy.in_pair) only while a member of its community: one who left hears nothing.
    members = {(member.community_id, member.user_id)
               for member in current_members({pairing.community_id for _m, pairing, _c in rows})}
    people = {user.id: user for user in db.session.scalars(select(User).where(
        User.id.in_({user_id for _m, pairing, _c in rows for user_id in (pairing.mentor_id, pairing.mentee_id)})))}
    reminders = []
    for milestone, pairing, community in rows:
        owner_id = pairing.mentee_id if milestone.owner == Owner.MENTEE.value else pairing.mentor_id
        reached = notifications.reached_threshold(milestone.due_on, today, MILESTONE_AHEAD)
        owner = people.get(owner_id)
        if reached is None or owner is None or not owner.active or (community.id, owner_id) not in members:
            continue
        names = [people[user_id].display_name if user_id in people else ""
                 for user_id in (pairing.mentor_id, pairing.mentee_id)]
        reminders.append(notifications.Reminder(
            key=f"{MILESTONE}:{milestone.id}:{milestone.due_on.isoformat()}:{reached}", recipients=(owner,),
            kind="due", community=community, subject_type=MILESTONE, subject_id=milestone.id,
            title=_milestone_title(milestone, reached == notifications.OVERDUE), excerpt=" · ".join(names),
            path=f"/c/{community.slug}/mentoring/pairings/{pairing.id}/milestones/{milestone.id}"))
    return notifications.send_reminders(reminders, now=now)
