"""Public lessons (公開課): a new teacher schedules one each semester, colleagues observe it with the same form.

A public lesson is recorded once: scheduling it records a community activity (教學觀察與回饋, tagged 公開課)
through the activities area, so colleagues see it in the calendar, sign in and give feedback there, and it
counts toward the community's rules; moving or cancelling the lesson moves or cancels that activity. Its plan
document is linked through the one link table (core/links, role "plan").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import contains_eager, selectinload

from workspace.activities import records as activity_records
from workspace.activities.models import Activity, Method
from workspace.activities.services import feedback_summary, to_local, to_utc
from workspace.activities.services.checks import ActivityFields, check_times
from workspace.activities.services.feedback import FeedbackSummary
from workspace.activities.services.planning import (
    cancel_recorded_activity,
    move_recorded_activity,
    record_activity,
)
from workspace.auth.models import User
from workspace.communities import services as community_services
from workspace.communities.models import Community, Membership
from workspace.communities.records import records_language
from workspace.core import links
from workspace.core.database import utcnow
from workspace.core.errors import Checks, NotAllowed, ValidationError
from workspace.core.i18n import format_hours, local_date
from workspace.core.permissions import CONTRIBUTORS, can, scope
from workspace.core.records import Period, local_day
from workspace.core.text import checked_line
from workspace.extensions import db
from workspace.mentoring import records
from workspace.mentoring.models import (
    MilestoneKind,
    Observation,
    ObservationForm,
    Pairing,
    PairingStatus,
    PublicLesson,
)
from workspace.mentoring.services import notices
from workspace.mentoring.services.milestones import note_progress
from workspace.mentoring.services.terms import check_within, school_years_ahead, semester_of
from workspace.plans.models import PlanDoc

PLAN = "plan"  # the role of the plan document a public lesson links (links.Link)
TAG = "公開課"  # the activity's tag: the calendar and the rules find public lessons by it
activity_records.register_shipped_tag(TAG)  # the app's word, not the teacher's: read in the reader's script
MAX_TOPIC = 150  # the activity's title is "Public lesson: <topic> (<teacher>)", at most 200 characters


@dataclass
class LessonFields:
    """What the form says about a public lesson; the day and times are the deployment's local wall clock."""

    teacher_id: int | None
    topic: str
    day: dt.date | None
    starts: dt.time | None
    ends: dt.time | None
    subject: str = ""
    place: str = ""
    plan_id: int | None = None
    form_id: int | None = None


@dataclass(frozen=True)
class Teacher:
    """A person a public lesson may be scheduled for: a new teacher of an active pairing (or, for a convener,
    any member)."""

    user_id: int
    display_name: str
    pairing_id: int | None


@dataclass
class CheckedLesson:
    teacher: User
    pairing: Pairing | None
    topic: str
    subject: str
    place: str
    starts_at: dt.datetime  # local wall clock
    ends_at: dt.datetime
    plan: PlanDoc | None
    form: ObservationForm | None


# --- who gives public lessons --------------------------------------------------------------------


def _managing(actor: Any, community: Community) -> bool:
    return can(actor, "manage_mentoring", community)


def new_teachers(community: Community) -> list[Teacher]:
    """The new teachers of the community's active pairings who are still members, by name (one query)."""
    rows = db.session.execute(
        select(User.id, User.display_name, func.min(Pairing.id))
        .join(Pairing, Pairing.mentee_id == User.id)
        .join(Membership, and_(Membership.user_id == User.id, Membership.community_id == community.id,
                               Membership.live, Membership.role.in_(CONTRIBUTORS)))
        .where(Pairing.community_id == community.id, Pairing.status == PairingStatus.ACTIVE.value)
        .group_by(User.id, User.display_name).order_by(User.display_name, User.id)).all()
    return [Teacher(user_id, name, pairing_id) for user_id, name, pairing_id in rows]


def teachers_for(community: Community, actor: Any) -> list[Teacher]:
    """Whom `actor` may schedule a public lesson for: a convener any member (the new teachers first), a new
    teacher themselves; nobody else."""
    mentees = new_teachers(community)
    if _managing(actor, community):
        paired = {teacher.user_id for teacher in mentees}
        others = db.session.execute(
            select(User.id, User.display_name).join(Membership, Membership.user_id == User.id)
            .where(Membership.community_id == community.id, Membership.live,
                   Membership.role.in_(CONTRIBUTORS))
            .order_by(User.display_name, User.id)).all()
        return mentees + [Teacher(user_id, name, None) for user_id, name in others if user_id not in paired]
    uid = getattr(actor, "id", None)
    return [teacher for teacher in mentees if teacher.user_id == uid]


def may_schedule(community: Community, actor: Any) -> bool:
    """Whether `actor` may schedule any public lesson here (the button and the form's route ask this)."""
    if community.archived_at is not None:
        return False
    return _managing(actor, community) or bool(teachers_for(community, actor))


def plans_to_link(community: Community, actor: Any) -> list[PlanDoc]:
    """The community's plan documents `actor` may read, most recently changed first (the form's choices), with
    the owners of adaptations loaded (a choice names whose adaptation it is)."""
    return list(db.session.scalars(select(PlanDoc).where(
        PlanDoc.community_id == community.id, PlanDoc.live, scope(actor, "view", PlanDoc))
        .options(selectinload(PlanDoc.owner))
        .order_by(PlanDoc.updated_at.desc(), PlanDoc.id.desc()).limit(200)))


def plan_label(topic: str, adaptation: bool, owner_name: str | None) -> str:
    """A plan as a choice names it: its topic, and whose adaptation (二次備課) it is, so that a shared plan and a
    teacher's copy of it (the same topic) can be told apart."""
    if not adaptation:
        return topic
    return str(_l("%(title)s (adaptation by %(name)s)", title=topic, name=owner_name or _l("a former member")))


def forms_to_use(community: Community, actor: Any) -> list[ObservationForm]:
    """The current observation forms offered here (the shipped default and the community's own)."""
    return list(db.session.scalars(select(ObservationForm).where(
        ObservationForm.community_id.is_(None) | (ObservationForm.community_id == community.id),
        ObservationForm.current, ObservationForm.live, scope(actor, "view", ObservationForm))
        .order_by(ObservationForm.community_id.is_(None), ObservationForm.title, ObservationForm.id)))


# --- checks --------------------------------------------------------------------------------------

MAX_LESSON = dt.timedelta(hours=4)


def _times(fields: LessonFields) -> tuple[dt.datetime, dt.datetime]:
    """The lesson's local start and end from its day and times, refused beside `day`, `starts` or `ends`."""
    checks = Checks()
    with checks:
        if fields.day is None:
            raise ValidationError(str(_l("Give the day.")), field="day")
    with checks:
        if fields.starts is None:
            raise ValidationError(str(_l("Give the start.")), field="starts")
    with checks:
        if fields.ends is None:
            raise ValidationError(str(_l("Give the end.")), field="ends")
    checks.done()
    starts = dt.datetime.combine(fields.day, fields.starts)
    ends = dt.datetime.combine(fields.day, fields.ends)
    try:
        check_times(starts, ends)
    except ValidationError as error:
        renamed = {"starts_at": "starts", "ends_at": "ends"}
        raise ValidationError.combine([ValidationError(message, field=renamed.get(name or "", "day"))
                                       for name, message in error.errors]) from None
    if ends - starts > MAX_LESSON:  # a lesson, with its pre- and post-conference, not a whole day (00:00–23:59)
        raise ValidationError(str(_l("A public lesson lasts at most %(length)s: check the end.",
                                     length=format_hours(MAX_LESSON.total_seconds() / 3600))), field="ends")
    return starts, ends


def _check_free(teacher_id: int, starts: dt.datetime, ends: dt.datetime, *, besides: int | None = None) -> None:
    """Refuse a second public lesson of the same teacher at the same time (a form sent twice, a slip of the day):
    beside the day."""
    query = (select(PublicLesson.id).join(Activity, Activity.id == PublicLesson.activity_id)
             .where(PublicLesson.teacher_id == teacher_id, Activity.live,
                    Activity.starts_at < to_utc(ends), Activity.ends_at > to_utc(starts)))
    if besides is not None:
        query = query.where(PublicLesson.id != besides)
    if db.session.scalar(query.limit(1)) is not None:
        raise ValidationError(str(_l("This teacher already gives a public lesson at this time.")), field="day")


def _check_day(day: dt.date, pairing: Pairing | None) -> None:
    """A plausible day, beside `day`: within the teacher's pairing, or (a teacher in no pairing) the school year
    around today."""
    if pairing is not None:
        check_within(day, Period(pairing.starts_on, pairing.ends_on), "day",
                     _l("Date the lesson from %(first)s to %(last)s: within the pairing."))
    else:
        check_within(day, school_years_ahead(local_day(utcnow())), "day",
                     _l("Date the lesson from %(first)s to %(last)s: within this school year or the next."))


def _teacher(community: Community, fields: LessonFields, actor: Any) -> tuple[User, Pairing | None]:
    allowed = {teacher.user_id: teacher for teacher in teachers_for(community, actor)}
    chosen = allowed.get(fields.teacher_id) if fields.teacher_id is not None else None
    if chosen is None:
        if _managing(actor, community):
            raise ValidationError(str(_l("Choose a member of the community.")), field="teacher_id")
        raise ValidationError(str(_l("Only a new teacher of a pairing here schedules a public lesson, for "
                                     "themselves.")), field="teacher_id")
    teacher = db.session.get(User, chosen.user_id)
    return teacher, db.session.get(Pairing, chosen.pairing_id) if chosen.pairing_id else None


def check_lesson(community: Community, fields: LessonFields, *, actor: Any) -> CheckedLesson:
    """Check every field of a public lesson and refuse them together (one ValidationError naming each)."""
    checks = Checks()
    pairing = None  # the teacher's, once they are one who may give it
    with checks:
        teacher, pairing = _teacher(community, fields, actor)
    with checks:
        topic = checked_line(fields.topic, "topic", MAX_TOPIC, required=True)
    with checks:
        subject = checked_line(fields.subject, "subject", 60)
    with checks:
        place = checked_line(fields.place, "place", 200)
    times = None  # the lesson's times, once they hold: a clash is looked for only then
    with checks:
        times = _times(fields)
    with checks:  # a day outside the pairing is told with an end before the start, not after it is fixed
        if fields.day is not None:
            _check_day(fields.day, pairing)
    with checks:
        if times is not None and (teacher_id := fields.teacher_id):
            _check_free(teacher_id, *times)
    with checks:
        plan = None
        if fields.plan_id is not None:
            plan = next((doc for doc in plans_to_link(community, actor) if doc.id == fields.plan_id), None)
            if plan is None:
                raise ValidationError(str(_l("Choose a plan of this community.")), field="plan_id")
    with checks:
        form = None
        if fields.form_id is not None:
            form = next((item for item in forms_to_use(community, actor) if item.id == fields.form_id), None)
            if form is None:
                raise ValidationError(str(_l("Choose from the list.")), field="form_id")
    checks.done()
    starts_at, ends_at = times  # type: ignore[misc] - set: done() raised otherwise
    return CheckedLesson(teacher, pairing, topic, subject, place, starts_at, ends_at, plan, form)


def _activity_fields(checked: CheckedLesson, community_id: int) -> ActivityFields:
    with force_locale(records_language(community_id)):  # the community's records, not the writer's language
        title = str(_l("Public lesson: %(topic)s (%(teacher)s)", topic=checked.topic,
                       teacher=checked.teacher.display_name))[:200]
    return ActivityFields(title=title, method=Method.OBSERVATION_FEEDBACK.value, starts_at=checked.starts_at,
                          ends_at=checked.ends_at, place=checked.place,
                          subjects=[checked.subject] if checked.subject else [], tags=[TAG])


def _link_plan(lesson: PublicLesson, plan: PlanDoc | None, actor: Any) -> None:
    """Make `plan` the lesson's one linked plan (None: no plan)."""
    for link in links.links_from(lesson, to_kind="plan", roles=(PLAN,)):
        if plan is None or link.to_id != plan.id:
            links.remove_link(link)
    if plan is not None:
        links.add_link(lesson, plan, PLAN, actor=actor)
    db.session.flush()


# --- scheduling, moving, cancelling --------------------------------------------------------------


def schedule_lesson(community: Community, fields: LessonFields, *, actor: User) -> PublicLesson:
    """Schedule a public lesson: record its community activity (the teacher marked present), link its plan,
    and tick the pairing's public-lesson milestone."""
    if not may_schedule(community, actor):
        raise NotAllowed(str(_l("Only a new teacher of a pairing, or a convener, schedules a public lesson.")))
    checked = check_lesson(community, fields, actor=actor)
    activity = record_activity(community, _activity_fields(checked, community.id), actor=actor,
                               present=[checked.teacher.id])
    lesson = PublicLesson(community_id=community.id, teacher_id=checked.teacher.id,
                          pairing_id=checked.pairing.id if checked.pairing else None, activity_id=activity.id,
                          topic=checked.topic, subject=checked.subject,
                          form_id=checked.form.id if checked.form else None, created_by_id=actor.id)
    lesson.community, lesson.activity = community, activity
    db.session.add(lesson)
    db.session.flush()
    _link_plan(lesson, checked.plan, actor)
    if checked.pairing is not None:
        note_progress(checked.pairing, MilestoneKind.PUBLIC_LESSON, checked.starts_at.date(), actor_id=actor.id)
    notices.lesson_scheduled(lesson, actor)
    return lesson


def fields_of(lesson: PublicLesson) -> LessonFields:
    """The form values of a lesson (its day and times in local wall-clock time), to edit it."""
    starts, ends = to_local(lesson.activity.starts_at), to_local(lesson.activity.ends_at)
    plan = linked_plan(lesson, None)
    return LessonFields(teacher_id=lesson.teacher_id, topic=lesson.topic, day=starts.date(),
                        starts=starts.time().replace(tzinfo=None), ends=ends.time().replace(tzinfo=None),
                        subject=lesson.subject, place=lesson.activity.place,
                        plan_id=plan.id if plan else None, form_id=lesson.form_id)


def update_lesson(lesson: PublicLesson, fields: LessonFields, *, actor: User) -> PublicLesson:
    """Change a lesson (its teacher stays); its activity moves with it."""
    if not can(actor, "edit", lesson):
        raise NotAllowed(str(_l("Only the teacher and the conveners change a public lesson.")))
    if lesson.activity.cancelled:
        raise ValidationError(str(_l("This public lesson was cancelled.")))
    # The teacher is who gives it: kept as scheduled, whoever edits (a convener may edit a mentee's lesson).
    fields = replace(fields, teacher_id=lesson.teacher_id)
    community = lesson.community
    checks = Checks()
    with checks:
        topic = checked_line(fields.topic, "topic", MAX_TOPIC, required=True)
    with checks:
        subject = checked_line(fields.subject, "subject", 60)
    with checks:
        place = checked_line(fields.place, "place", 200)
    times = None  # as when scheduling: the times, the day and a clash are each told
    with checks:
        times = _times(fields)
    with checks:
        if fields.day is not None and fields.day != to_local(lesson.activity.starts_at).date():
            # a day kept is kept, whatever today is
            _check_day(fields.day, db.session.get(Pairing, lesson.pairing_id) if lesson.pairing_id else None)
    with checks:
        if times is not None:
            _check_free(lesson.teacher_id, *times, besides=lesson.id)
    with checks:
        plan = None
        if fields.plan_id is not None:
            current = linked_plan(lesson, None)  # a plan the editor cannot read may stay linked
            choices = [*plans_to_link(community, actor), *([current] if current else [])]
            plan = next((doc for doc in choices if doc.id == fields.plan_id), None)
            if plan is None:
                raise ValidationError(str(_l("Choose a plan of this community.")), field="plan_id")
    with checks:
        form = None
        if fields.form_id is not None:
            form = next((item for item in forms_to_use(community, actor) if item.id == fields.form_id), None)
            if form is None and fields.form_id != lesson.form_id:
                raise ValidationError(str(_l("Choose from the list.")), field="form_id")
    checks.done()
    starts_at, ends_at = times  # type: ignore[misc] - set: done() raised otherwise
    checked = CheckedLesson(lesson.teacher, None, topic, subject, place, starts_at, ends_at, plan, form)
    was = (lesson.activity.starts_at, lesson.activity.ends_at, lesson.activity.place)
    move_recorded_activity(lesson.activity, replace(_activity_fields(checked, lesson.community_id),
                                                     tags=_tags(lesson.activity)),
                           actor=actor)
    lesson.topic, lesson.subject = topic, subject
    lesson.form_id = fields.form_id
    _link_plan(lesson, plan, actor)
    db.session.flush()
    if (lesson.activity.starts_at, lesson.activity.ends_at, lesson.activity.place) != was:
        notices.lesson_moved(lesson, actor)  # another time or place; a save that changed neither tells nobody
    return lesson


def _tags(activity: Activity) -> list[str]:
    """The activity's tags, 公開課 among them (a convener may have added others in the activity's page)."""
    tags = list(activity.tags or [])
    return tags if TAG in tags else [*tags, TAG]


def cancel_lesson(lesson: PublicLesson, reason: str, *, actor: User) -> None:
    """Cancel a lesson: its activity is cancelled and kept, with the reason."""
    if not can(actor, "cancel", lesson):
        raise NotAllowed(str(_l("Only the teacher and the conveners cancel a public lesson.")))
    if lesson.activity.cancelled:
        return  # cancelled already (sent twice): nobody is told again
    cancel_recorded_activity(lesson.activity, reason, actor=actor)
    notices.lesson_cancelled(lesson, actor)


def _lessons_to_come(community_id: int, teacher_ids: list[int]) -> list[PublicLesson]:
    """The teachers' public lessons in the community that have not started and are not cancelled, each with its
    activity (one query)."""
    return list(db.session.scalars(
        select(PublicLesson).join(Activity, Activity.id == PublicLesson.activity_id)
        .options(contains_eager(PublicLesson.activity))
        .where(PublicLesson.community_id == community_id, PublicLesson.teacher_id.in_(teacher_ids),
               Activity.live, Activity.starts_at > utcnow())
        .order_by(Activity.starts_at, PublicLesson.id)))


@community_services.departure_asked.connect
def lessons_cancelled_with(community: Any, *, user_ids: list[int], own: bool = False) -> dict[int, list[str]]:
    """What removing each of `user_ids` would also cancel: their public lessons still to come there (one query), for
    the confirmation of Remove and of Leave, in the reader's language."""
    said: dict[int, list[str]] = {}
    for lesson in _lessons_to_come(community.id, user_ids):
        day = local_date(lesson.activity.starts_at)
        said.setdefault(lesson.teacher_id, []).append(
            _("This also cancels your public lesson of %(day)s.", day=day) if own
            else _("This also cancels their public lesson of %(day)s.", day=day))
    return said


@community_services.member_departed.connect
def cancel_lessons_of_departed(membership: Membership, *, actor: Any) -> list[PublicLesson]:
    """A teacher who leaves the community (or is removed) gives no public lesson there: their lessons still to come
    are cancelled that day, with the reason, and those told of them are told (QA: a departed teacher's lesson stayed
    on the list, her attendance marked). Lessons already given stay, as the records they are; one who comes back
    schedules anew."""
    lessons = _lessons_to_come(membership.community_id, [membership.user_id])
    name = membership.user.display_name if membership.user else ""
    for lesson in lessons:
        cancel_recorded_activity(lesson.activity, _("%(name)s left the community.", name=name), actor=actor)
        notices.lesson_cancelled(lesson, actor)
    return lessons


# --- reading -------------------------------------------------------------------------------------


def linked_plan(lesson: PublicLesson, viewer: Any) -> PlanDoc | None:
    """The lesson's plan document (None when there is none, it is in the trash, or `viewer` may not read it;
    viewer None: whoever may)."""
    for _link, plan in links.resolve(links.links_from(lesson, to_kind="plan", roles=(PLAN,))):
        if viewer is None or can(viewer, "view", plan):
            return plan
    return None


def status_of(lesson: PublicLesson, now: dt.datetime | None = None) -> str:
    """cancelled, held (over) or scheduled."""
    activity = lesson.activity
    if activity.cancelled:
        return "cancelled"
    return "held" if activity.ends_at <= (now or utcnow()) else "scheduled"


@dataclass(frozen=True)
class ObservationLine:
    """An observation of the lesson the viewer may see: who, when, its status; `readable` opens its content."""

    id: int
    observer: str
    observed_on: dt.date
    status: str
    readable: bool


@dataclass(frozen=True)
class LessonObservations:
    total: int  # every observation of the lesson not in the trash (a count, whoever asks)
    visible: tuple[ObservationLine, ...]


def observations_of(lesson: PublicLesson, viewer: Any) -> LessonObservations:
    """The observations of the lesson: how many there are, and those the viewer may see, marked readable
    where the viewer may read their content (two queries)."""
    total = db.session.scalar(select(func.count(Observation.id)).where(
        Observation.public_lesson_id == lesson.id, Observation.live)) or 0
    readable = case((scope(viewer, "read", Observation), True), else_=False)
    rows = db.session.execute(
        select(Observation.id, User.display_name, Observation.observed_on, Observation.status,
               readable.label("readable"))
        .join(User, User.id == Observation.observer_id)
        .where(Observation.public_lesson_id == lesson.id, Observation.live, scope(viewer, "view", Observation))
        .order_by(Observation.observed_on, Observation.id)).all()
    return LessonObservations(total, tuple(ObservationLine(row.id, row.display_name, row.observed_on, row.status,
                                                           bool(row.readable)) for row in rows))


def feedback_of(lesson: PublicLesson) -> FeedbackSummary:
    """The activity's feedback, without names (the activities area's summary)."""
    return feedback_summary(lesson.activity)


@dataclass(frozen=True)
class LessonRow:
    """A public lesson on the list: what, who, when, its status and how many observed it."""

    id: int
    topic: str
    subject: str
    teacher: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str
    status: str  # scheduled, held, cancelled
    observations: int


@dataclass(frozen=True)
class TeacherStatus:
    """A new teacher's public lesson this semester: scheduled, held, or not yet scheduled."""

    user_id: int
    display_name: str
    status: str


@dataclass(frozen=True)
class LessonList:
    upcoming: tuple[LessonRow, ...]  # soonest first
    past: tuple[LessonRow, ...]  # latest first, cancelled ones included
    semester: Period
    teachers: tuple[TeacherStatus, ...]


def lesson_list(community: Community, viewer: Any, *, now: dt.datetime | None = None) -> LessonList:
    """The community's public lessons the viewer may see, upcoming and past, and each new teacher's status
    this semester (four queries, whatever the number of lessons and teachers)."""
    now = now or utcnow()
    counts = (select(Observation.public_lesson_id, func.count(Observation.id).label("n"))
              .where(Observation.community_id == community.id, Observation.live,
                     Observation.public_lesson_id.is_not(None))
              .group_by(Observation.public_lesson_id).subquery())
    rows = db.session.execute(
        select(PublicLesson.id, PublicLesson.topic, PublicLesson.subject, User.display_name, Activity.starts_at,
               Activity.ends_at, Activity.place, Activity.cancelled_at, func.coalesce(counts.c.n, 0).label("n"))
        .join(Activity, Activity.id == PublicLesson.activity_id).join(User, User.id == PublicLesson.teacher_id)
        .outerjoin(counts, counts.c.public_lesson_id == PublicLesson.id)
        .where(PublicLesson.community_id == community.id, scope(viewer, "view", PublicLesson))
        .order_by(Activity.starts_at, PublicLesson.id)).all()
    lines = [LessonRow(row.id, row.topic, row.subject, row.display_name, row.starts_at, row.ends_at, row.place,
                       "cancelled" if row.cancelled_at is not None else "held" if row.ends_at <= now
                       else "scheduled", row.n) for row in rows]
    upcoming = tuple(line for line in lines if line.status == "scheduled")
    past = tuple(reversed([line for line in lines if line.status != "scheduled"]))
    semester = semester_of(to_local(now).date())
    state: dict[int, str] = {}
    for lesson in records.public_lessons([community.id], semester, now=now):
        state[lesson.teacher_id] = "held" if lesson.held or state.get(lesson.teacher_id) == "held" else "scheduled"
    teachers = tuple(TeacherStatus(teacher.user_id, teacher.display_name, state.get(teacher.user_id, "not_scheduled"))
                     for teacher in new_teachers(community))
    return LessonList(upcoming, past, semester, teachers)
