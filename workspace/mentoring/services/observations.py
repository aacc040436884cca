"""Classroom observations (教學觀察與回饋): the pre-conference, minute-stamped notes and ratings during the lesson,
the post-conference, and the way an observation moves: draft → shared with the observed teacher → finalized
(reopened only by its observer or an admin, with a trail in the audit log).

Notes are typed on a phone or tablet, maybe while the classroom's Wi-Fi is down: each carries the key its device
made when it was typed, and a note sent again is stored once (`add_note`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from workspace.activities.models import Method
from workspace.activities.services import ActivityFields, record_activity, to_local, to_utc
from workspace.auth.models import User
from workspace.communities.models import Community, Membership
from workspace.communities.records import records_language
from workspace.core.database import utcnow
from workspace.core.errors import Checks, Conflict, NotAllowed, ValidationError
from workspace.core.i18n import local_date
from workspace.core.models import AuditEvent, record_event
from workspace.core.parsing import check_in_range
from workspace.core.permissions import CONTRIBUTORS, can, scope
from workspace.core.records import Period, local_day
from workspace.core.text import checked_line, checked_text, clean_line
from workspace.extensions import db
from workspace.mentoring.models import (
    Observation,
    ObservationForm,
    ObservationNote,
    ObservationStatus,
    Pairing,
    PairingStatus,
    PublicLesson,
)
from workspace.mentoring.services import notices
from workspace.mentoring.services.milestones import note_progress, observation_kind
from workspace.mentoring.services.rubrics import check_ratings, default_form, learning_form
from workspace.mentoring.services.terms import check_within, school_years_ahead

MAX_TEXT = 20_000
MAX_NOTE = 4_000
MAX_MINUTE = 600  # a lesson (or a school day's block of them) lasts under ten hours
# One way to say a note's minute's limits, on the form (NumberRange fills %(min)d and %(max)d), in the note script
# (before a note is queued) and in the service, as a meeting log's length (logs.MINUTES_RANGE).
MINUTE_RANGE = _l("Give the minute of the lesson, between %(min)d and %(max)d.")
# How long after its start a lesson's clock still runs: a note typed later (written up after the lesson, an
# observation of yesterday's lesson) is not "minute 600" but minute 0, unless its minute is typed.
CLOCK_RUNS_MINUTES = 180
MAX_KEY = 64

STATUS_LABELS = {
    ObservationStatus.DRAFT.value: _l("Draft"),
    ObservationStatus.SHARED.value: _l("Shared with the observed teacher"),
    ObservationStatus.FINALIZED.value: _l("Finalized"),
}

# The post-conference's two columns (strengths, suggestions) and the note form's row picker, said per form: a form
# without levels (the form to learn by, 觀課學習單) is the observer's learning, not an evaluation of the teacher
# observed, so it asks what worked and what to ask; a rubric keeps the funder's words.
_RUBRIC_WORDS = {"strengths": _l("Strengths"), "suggestions": _l("Suggestions"), "row_key": _l("Rubric row")}
_LEARNING_WORDS = {"strengths": _l("What worked well"), "suggestions": _l("Questions for the teacher"),
                   "row_key": _l("Row")}


def learns_by(form: ObservationForm) -> bool:
    """Whether the form is one to learn by (rows for notes, no levels) rather than a rubric that rates."""
    return not form.levels


def form_words(form: ObservationForm) -> dict[str, str]:
    """The post-conference's and the row picker's labels for an observation on `form` (the page, print, DOCX)."""
    return {key: str(label) for key, label in (_LEARNING_WORDS if learns_by(form) else _RUBRIC_WORDS).items()}


TRAIL_LABELS = {
    "observation.shared_with_observed": _l("shared it with the observed teacher"),
    "observation.finalized": _l("finalized it"),
    "observation.reopened": _l("reopened it"),
    "observation.trashed": _l("moved it to the trash"),
    "observation.restored": _l("restored it"),
}


@dataclass
class PlanFields:
    """The pre-conference: who is observed, when, on which form, and the focus agreed."""

    observed_id: int | None
    observed_on: dt.date | None
    lesson_starts_at: dt.time | None = None  # the lesson's start on that day, local wall-clock time
    subject: str = ""
    focus: str = ""
    form_id: int | None = None
    pairing_id: int | None = None
    public_lesson_id: int | None = None


def _is_member(community: Community, user_id: int | None) -> bool:
    if user_id is None:
        return False
    return db.session.scalar(select(Membership.id).where(
        Membership.community_id == community.id, Membership.user_id == user_id, Membership.live,
        Membership.role.in_(sorted(CONTRIBUTORS)))) is not None


def members_for_observation(community: Community, user: User, pairing: Pairing | None = None) -> list[User]:
    """The members `user` may observe in `community` (everyone taking part but themselves), by name; within a
    pairing of which `user` is one, only the other one (the pair observe each other)."""
    query = (select(User).join(Membership, Membership.user_id == User.id)
             .where(Membership.community_id == community.id, Membership.live, User.id != user.id,
                    Membership.role.in_(sorted(CONTRIBUTORS))).order_by(User.display_name))
    if pairing is not None and pairing.community_id == community.id and user.id in pairing.member_ids():
        query = query.where(User.id.in_(pairing.member_ids()))
    return list(db.session.scalars(query))


def _starts(day: dt.date, at: dt.time | None) -> dt.datetime | None:
    return to_utc(dt.datetime.combine(day, at)) if at is not None else None


def _check_plan(community: Community, fields: PlanFields, *, actor: User,
                observation: Observation | None = None) -> tuple[dt.date, Any, Any, ObservationForm]:
    """Check the pre-conference's fields; every refusal at once, each beside its field."""
    checks = Checks()
    pairing = lesson = None
    dated = False
    with checks:
        if fields.observed_on is None:
            raise ValidationError(str(_l("Give the date of the lesson.")), field="observed_on")
        check_in_range(fields.observed_on, "observed_on")
        dated = True
    with checks:
        if fields.observed_id is None:
            raise ValidationError(str(_l("Choose the teacher you observe.")), field="observed_id")
        if fields.observed_id == actor.id:
            raise ValidationError(str(_l("You cannot observe yourself: choose a colleague.")), field="observed_id")
        if not _is_member(community, fields.observed_id):
            raise ValidationError(str(_l("Choose a member of the community.")), field="observed_id")
    with checks:
        if fields.pairing_id is not None:
            pairing = db.session.get(Pairing, fields.pairing_id)
            # The pairing is a hidden field: its refusals are shown above the form, or beside the teacher.
            if pairing is None or pairing.community_id != community.id:
                raise ValidationError(str(_l("Choose a pairing of this community.")))
            if {actor.id, fields.observed_id} != set(pairing.member_ids()) and (
                    observation is None or {observation.observer_id, fields.observed_id} != set(pairing.member_ids())):
                raise ValidationError(str(_l("In a pairing's observation, the mentor and the new teacher observe "
                                             "each other.")), field="observed_id")
    with checks:
        if fields.public_lesson_id is not None:
            lesson = db.session.get(PublicLesson, fields.public_lesson_id)
            if lesson is None or lesson.community_id != community.id:
                raise ValidationError(str(_l("Choose a public lesson of this community.")))
            if lesson.teacher_id != fields.observed_id:
                raise ValidationError(str(_l("At a public lesson you observe the teacher who gives it.")),
                                      field="observed_id")
    with checks:  # a plausible day: a pair's within its pairing, another within the school year (a day kept: kept)
        if dated and (observation is None or fields.observed_on != observation.observed_on):
            if pairing is not None:
                check_within(fields.observed_on, Period(pairing.starts_on, pairing.ends_on), "observed_on",
                             _l("Date the lesson from %(first)s to %(last)s: within the pairing."))
            else:
                check_within(fields.observed_on, school_years_ahead(local_day(utcnow())), "observed_on",
                             _l("Date the lesson from %(first)s to %(last)s: within this school year or the next."))
    with checks:
        form = db.session.get(ObservationForm, fields.form_id) if fields.form_id is not None else form_by_default(
            community, actor.id, fields.observed_id, fields.observed_on if dated else None, pairing)
        if form is None or form.community_id not in (None, community.id) or not form.live or (
                form.superseded_at is not None and (observation is None or observation.form_id != form.id)):
            raise ValidationError(str(_l("Choose one of the community's observation forms.")), field="form_id")
        if observation is not None and form.id != observation.form_id and observation.ratings:
            raise ValidationError(str(_l("The lesson was already rated on its form: keep that form.")),
                                  field="form_id")
    checks.done()
    return fields.observed_on, pairing, lesson, form  # type: ignore[return-value]


def _pairing_between(community_id: int, observer_id: int, observed_id: int | None, day: dt.date) -> Pairing | None:
    """The two's active pairing over `day`, if they are a pair: an observation between a mentor and their new
    teacher counts for the pairing (its milestone, the overview, the handbook) from wherever it was started."""
    pair = {observer_id, observed_id}
    return db.session.scalar(
        select(Pairing).where(Pairing.community_id == community_id, Pairing.status == PairingStatus.ACTIVE.value,
                              Pairing.mentor_id.in_(pair), Pairing.mentee_id.in_(pair),
                              Pairing.starts_on <= day, Pairing.ends_on >= day)
        .order_by(Pairing.starts_on.desc(), Pairing.id.desc()).limit(1))


def form_by_default(community: Community, observer_id: int, observed_id: int | None, day: dt.date | None,
                    pairing: Pairing | None = None) -> ObservationForm:
    """The form an observation starts on when none is chosen: the form to learn by when the observer is the new
    teacher of a pairing with the observed (the pairing given, else theirs over `day`), else the rubric."""
    if pairing is None and day is not None and observed_id is not None:
        pairing = _pairing_between(community.id, observer_id, observed_id, day)
    if pairing is not None and pairing.mentee_id == observer_id and pairing.mentor_id == observed_id:
        return learning_form()
    return default_form()


def default_forms_by_observed(community: Community, observer_id: int, day: dt.date) -> tuple[dict[int, int], int]:
    """The form an observation starts on by the person observed, for the new-observation page's form list to follow
    the person list: {observed id: form id} for those who differ from the rest (the observer's mentors, when they
    are the new teacher of a pairing over `day`: the form to learn by), and the form of everyone else (the rubric).
    One query; the same rule as `form_by_default`."""
    mentors = db.session.scalars(
        select(Pairing.mentor_id).where(Pairing.community_id == community.id, Pairing.mentee_id == observer_id,
                                        Pairing.status == PairingStatus.ACTIVE.value, Pairing.starts_on <= day,
                                        Pairing.ends_on >= day)).all()
    learning = learning_form().id if mentors else None
    return {mentor_id: learning for mentor_id in mentors if learning is not None}, default_form().id


def create_observation(community: Community, fields: PlanFields, *, actor: User) -> Observation:
    """Start an observation (the observer's draft) from the pre-conference; tick the pairing's milestone."""
    if community.archived_at is not None:
        raise NotAllowed(str(_l("This community is archived.")))
    if not _is_member(community, actor.id):
        raise NotAllowed(str(_l("Only members of the community observe lessons here.")))
    checks = Checks()
    with checks:
        day, pairing, lesson, form = _check_plan(community, fields, actor=actor)
    with checks:
        subject, focus = _texts(fields)
    checks.done()
    if pairing is None and lesson is None:
        pairing = _pairing_between(community.id, actor.id, fields.observed_id, day)
    observation = Observation(
        community_id=community.id, pairing_id=pairing.id if pairing else None,
        public_lesson_id=lesson.id if lesson else None, observer_id=actor.id, observed_id=fields.observed_id,
        form_id=form.id, observed_on=day, lesson_starts_at=_starts(day, fields.lesson_starts_at), subject=subject,
        focus=focus)
    observation.community = community
    db.session.add(observation)
    db.session.flush()
    if pairing is not None:
        note_progress(pairing, observation_kind(pairing, actor.id), day, actor_id=actor.id)
    return observation


def _texts(fields: PlanFields) -> tuple[str, str]:
    checks = Checks()
    with checks:
        subject = checked_line(fields.subject, "subject", 100)
    with checks:
        focus = checked_text(fields.focus, "focus", MAX_TEXT)
    checks.done()
    return subject, focus


def plan_fields_of(observation: Observation) -> PlanFields:
    """The pre-conference's values of an observation, to edit them."""
    starts = to_local(observation.lesson_starts_at).time().replace(tzinfo=None) \
        if observation.lesson_starts_at else None
    return PlanFields(observed_id=observation.observed_id, observed_on=observation.observed_on,
                      lesson_starts_at=starts, subject=observation.subject, focus=observation.focus,
                      form_id=observation.form_id, pairing_id=observation.pairing_id,
                      public_lesson_id=observation.public_lesson_id)


def update_plan(observation: Observation, fields: PlanFields, *, actor: User) -> None:
    """Change the pre-conference (the date, the lesson's start, the subject, the focus, the form)."""
    if not can(actor, "edit", observation):
        raise NotAllowed(str(_l("Only the observer changes the observation.")))
    fields.observed_id = observation.observed_id  # who is observed stays: start another observation instead
    fields.pairing_id, fields.public_lesson_id = observation.pairing_id, observation.public_lesson_id
    observer = db.session.get(User, observation.observer_id)
    day, _pairing, _lesson, form = _check_plan(observation.community, fields, actor=observer,
                                               observation=observation)
    observation.subject, observation.focus = _texts(fields)
    observation.observed_on, observation.form_id = day, form.id
    observation.lesson_starts_at = _starts(day, fields.lesson_starts_at)
    _touch(observation)


def start_clock(observation: Observation, *, actor: User, now: dt.datetime | None = None) -> dt.datetime:
    """Start the lesson's clock now (the observer forgot the start time in the pre-conference): from then on
    notes are stamped with the minute of the lesson. Only on the lesson's day, and only when no start is set."""
    if not can(actor, "add_note", observation):
        raise NotAllowed(str(_l("Only the observer changes the observation.")))
    now = now or utcnow()
    if observation.lesson_starts_at is not None:
        raise ValidationError(str(_l("The lesson's start is set already: change it in the pre-conference.")))
    if to_local(now).date() != observation.observed_on:
        raise ValidationError(str(_l("The clock starts on the day of the lesson, %(day)s: set the start time in "
                                     "the pre-conference.", day=local_date(observation.observed_on))))
    observation.lesson_starts_at = now.replace(second=0, microsecond=0)
    _touch(observation)
    return observation.lesson_starts_at


def _touch(observation: Observation) -> None:
    observation.updated_at = utcnow()
    observation.version = (observation.version or 1) + 1


def set_ratings(observation: Observation, ratings: Mapping[str, Any], *, actor: User) -> dict[str, int]:
    """Rate the lesson on the form's rows (each one of its levels, or none)."""
    if not can(actor, "edit", observation):
        raise NotAllowed(str(_l("Only the observer changes the observation.")))
    form = db.session.get(ObservationForm, observation.form_id)
    observation.ratings = check_ratings(form, ratings)
    _touch(observation)
    return observation.ratings


def update_feedback(observation: Observation, strengths: str, suggestions: str, *, actor: User) -> None:
    """The observer's side of the post-conference: strengths and suggestions."""
    if not can(actor, "edit", observation):
        raise NotAllowed(str(_l("Only the observer changes the observation.")))
    checks = Checks()
    with checks:
        observation.strengths = checked_text(strengths, "strengths", MAX_TEXT)
    with checks:
        observation.suggestions = checked_text(suggestions, "suggestions", MAX_TEXT)
    checks.done()
    _touch(observation)


def reflect(observation: Observation, reflection: str, *, actor: User) -> None:
    """The observed teacher's reflection, once the observer shared the observation with them.

    Sent after the observer finalized it (the observed teacher was still writing), it is refused as a conflict
    that names who may reopen it, not as a lack of right: the teacher keeps the text and asks."""
    if not can(actor, "reflect", observation) and can(actor, "reflect_once_reopened", observation):
        observer = observation.observer.display_name
        raise Conflict(str(_l("%(observer)s finalized this observation while you were writing, so your reflection "
                              "was not saved. Only %(observer)s or a site admin can reopen it: copy your text from "
                              "below, ask them to reopen the observation, then save your reflection again.",
                              observer=observer)))
    if not can(actor, "reflect", observation):
        raise NotAllowed(str(_l("Only the observed teacher writes the reflection, once the observation is "
                                "shared with them.")))
    first = not observation.reflection
    observation.reflection = checked_text(reflection, "reflection", MAX_TEXT)
    _touch(observation)
    if first and observation.reflection:
        notices.reflection_written(observation, actor)


def share_with_observed(observation: Observation, *, actor: User) -> None:
    """Let the observed teacher read the observation and write their reflection."""
    if not can(actor, "share_with_observed", observation):
        raise NotAllowed(str(_l("Only the observer shares a draft.")))
    observation.status = ObservationStatus.SHARED.value
    _touch(observation)
    record_event(actor, "observation.shared_with_observed", observation, observation.community)
    notices.observation_shared(observation, actor)


def finalize(observation: Observation, *, actor: User) -> None:
    """Close the observation after the post-conference; a pair's observation is recorded once as a community
    activity (教學觀察與回饋) with the two present and nothing of its content."""
    if not can(actor, "finalize", observation):
        raise NotAllowed(str(_l("Only the observer finalizes a shared observation.")))
    observation.status = ObservationStatus.FINALIZED.value
    observation.finalized_at = utcnow()
    _touch(observation)
    if observation.activity_id is None and observation.public_lesson_id is None:
        observation.activity_id = _record_as_activity(observation, actor).id
    record_event(actor, "observation.finalized", observation, observation.community)


def _record_as_activity(observation: Observation, actor: User) -> Any:
    starts = to_local(observation.lesson_starts_at).replace(tzinfo=None) if observation.lesson_starts_at \
        else dt.datetime.combine(observation.observed_on, dt.time(8, 0))
    with force_locale(records_language(observation.community_id)):  # the community's records, not the writer's
        title = str(_l("Classroom observation"))
    fields = ActivityFields(title=title, method=Method.OBSERVATION_FEEDBACK.value,
                            starts_at=starts, ends_at=starts + dt.timedelta(minutes=50))
    return record_activity(observation.community, fields, actor=actor,
                           present=[observation.observer_id, observation.observed_id], private=True)


def reopen(observation: Observation, reason: str, *, actor: User) -> None:
    """Open a finalized observation again (its observer or an admin), with the reason in the trail."""
    if not can(actor, "reopen", observation):
        raise NotAllowed(str(_l("Only the observer or a site admin reopens an observation.")))
    # a finalized observation is the pair's record (and maybe a counted activity): reopening it says why
    reason = checked_line(reason, "reason", 500, required=True)
    observation.status = ObservationStatus.SHARED.value
    observation.finalized_at = None
    _touch(observation)
    record_event(actor, "observation.reopened", observation, observation.community, reason=reason)


def set_shared(observation: Observation, shared: bool, *, actor: User) -> None:
    """Let the conveners read the observation's content (either of the two, once it is no longer a draft)."""
    if not can(actor, "share", observation):
        raise NotAllowed(str(_l("Either of the two shares the observation, once it is no longer a draft.")))
    observation.shared = shared
    _touch(observation)


def trash(observation: Observation, *, actor: User) -> None:
    """Move a draft to the trash (its observer brings it back with restore())."""
    if not can(actor, "delete", observation):
        raise NotAllowed(str(_l("Only the observer moves a draft to the trash.")))
    observation.deleted_at = utcnow()
    record_event(actor, "observation.trashed", observation, observation.community)


def restore(observation: Observation, *, actor: User) -> None:
    """Take an observation out of the trash."""
    if not can(actor, "restore", observation):
        raise NotAllowed(str(_l("Only the observer restores an observation.")))
    observation.deleted_at = None
    record_event(actor, "observation.restored", observation, observation.community)


# --- notes ---------------------------------------------------------------------------------------


@dataclass
class NoteFields:
    """A note as the device sent it: its idempotency key, the lesson's minute, the text, maybe a rubric row."""

    client_key: str
    text: str = ""
    minute: int | None = None
    row_key: str = ""
    typed_at: dt.datetime | None = None


def minute_of(observation: Observation, moment: dt.datetime) -> int:
    """The minute of the lesson at `moment` (0 before the start, when no start was given, or once the lesson is
    long over: CLOCK_RUNS_MINUTES)."""
    if observation.lesson_starts_at is None:
        return 0
    minutes = int((moment - observation.lesson_starts_at).total_seconds() // 60)
    return minutes if 0 <= minutes <= CLOCK_RUNS_MINUTES else 0


# A note's file is a photo: a file of another kind (an SVG, a PDF) is told so, not listed every kind the site takes.
PHOTO_ONLY = _l("Add a photo (JPEG, PNG, GIF or WebP).")


def add_note(observation: Observation, fields: NoteFields, *, actor: User, photo: Any = None
             ) -> tuple[ObservationNote, bool]:
    """Store a note once per (observation, client key): a repeat answers the stored note (and False).

    `photo` is a StoredFile core/storage checked and re-encoded. Two sends of the same note racing each other
    both end with the one row (the loser's insert meets the unique constraint and reads the winner's)."""
    if not can(actor, "add_note", observation):
        raise NotAllowed(str(_l("Only the observer takes notes, until the observation is finalized.")))
    key = clean_line(fields.client_key)
    if not key or len(key) > MAX_KEY:
        raise ValidationError(str(_l("The note has no valid key: reload the page and send it again.")),
                              field="client_key")
    found = _note_by_key(observation, key)
    if found is not None:
        return found, False
    checks = Checks()
    with checks:
        text = checked_text(fields.text, "text", MAX_NOTE)
        if not text.strip() and photo is None:
            raise ValidationError(str(_l("Write a note or add a photo.")), field="text")
    with checks:
        row_key = clean_line(fields.row_key)
        if row_key and row_key not in {row["key"] for row in observation.form.rows}:
            raise ValidationError(str(_l("Choose one of the form's rows.")), field="row_key")
    with checks:
        minute = fields.minute
        if minute is None:
            minute = minute_of(observation, fields.typed_at or utcnow())
        if not 0 <= minute <= MAX_MINUTE:
            raise ValidationError(str(MINUTE_RANGE % {"min": 0, "max": MAX_MINUTE}),
                                  field="minute")
    with checks:
        if photo is not None and not photo.media_type.startswith("image/"):
            raise ValidationError(str(PHOTO_ONLY), field="photo")
    checks.done()
    typed_at = fields.typed_at if fields.typed_at and abs(fields.typed_at - utcnow()) < dt.timedelta(days=30) \
        else None
    note = ObservationNote(observation_id=observation.id, client_key=key, minute=minute, row_key=row_key, text=text,
                           photo_blob_id=photo.blob.id if photo is not None else None, author_id=actor.id,
                           typed_at=typed_at)
    try:
        with db.session.begin_nested():
            db.session.add(note)
            db.session.flush()
    except IntegrityError:
        found = _note_by_key(observation, key)
        if found is None:
            raise
        return found, False
    return note, True


def _note_by_key(observation: Observation, key: str) -> ObservationNote | None:
    return db.session.scalar(select(ObservationNote).where(
        ObservationNote.observation_id == observation.id, ObservationNote.client_key == key))


def notes_of(observation: Observation) -> list[ObservationNote]:
    """The notes of an observation in the lesson's order (minute, then as typed)."""
    return list(db.session.scalars(select(ObservationNote).where(ObservationNote.observation_id == observation.id)
                                   .order_by(ObservationNote.minute, ObservationNote.id)))


def trail_of(observation: Observation) -> list[tuple[AuditEvent, str]]:
    """The observation's trail: shared, finalized, reopened (with the reason), trashed, restored; by whom."""
    events = list(db.session.execute(
        select(AuditEvent, User.display_name).outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.subject_type == "Observation", AuditEvent.subject_id == observation.id)
        .order_by(AuditEvent.created_at, AuditEvent.id)))
    return [(event, name or "") for event, name in events]


# --- the list ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ObservationRow:
    """One observation as a list shows it: the date, the two people and the status always; the content only
    where the reader may read it."""

    id: int
    observed_on: dt.date
    status: str
    shared: bool
    live: bool
    observer: str
    observed: str
    readable: bool
    subject: str
    focus: str
    note_count: int
    pairing_id: int | None
    public_lesson_id: int | None
    for_reader: bool = False  # the reader is the observed teacher: waiting for the observer to share it with them


def list_observations(community: Community, user: User, *, pairing_id: int | None = None,
                      trashed: bool = False) -> list[ObservationRow]:
    """The observations of `community` the person sees (view scope), newest first, in one query; the subject
    and focus are read only where the read scope allows."""
    observer, observed = aliased(User), aliased(User)
    readable = case((scope(user, "read", Observation), True), else_=False)
    notes = (select(func.count(ObservationNote.id)).where(ObservationNote.observation_id == Observation.id)
             .correlate(Observation).scalar_subquery())
    query = (select(Observation.id, Observation.observed_on, Observation.status, Observation.shared,
                    Observation.deleted_at, observer.display_name, observed.display_name, readable,
                    Observation.subject, Observation.focus, notes, Observation.pairing_id,
                    Observation.public_lesson_id, Observation.observed_id)
             .join(observer, observer.id == Observation.observer_id)
             .join(observed, observed.id == Observation.observed_id)
             .where(Observation.community_id == community.id, scope(user, "view", Observation)))
    if trashed:
        query = query.where(~Observation.live, Observation.observer_id == user.id)
    else:
        query = query.where(Observation.live)
    if pairing_id is not None:
        query = query.where(Observation.pairing_id == pairing_id)
    rows = []
    ordered = query.order_by(Observation.observed_on.desc(), Observation.id.desc()).limit(500)
    for (id_, day, status, shared, deleted_at, observer_name, observed_name, can_read, subject, focus, count,
         pairing, lesson, observed_id) in db.session.execute(ordered):
        can_read = bool(can_read)
        rows.append(ObservationRow(id_, day, status, bool(shared), deleted_at is None, observer_name, observed_name,
                                   can_read, subject if can_read else "", focus if can_read else "", count or 0,
                                   pairing, lesson, for_reader=observed_id == user.id))
    return rows
