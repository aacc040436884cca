"""How pairings are doing, in dates, counts and statuses only (never what the pair wrote): the convener's overview
of a community, one pairing's figures, and the mentor's and new teacher's homes.

Every figure of every pairing shown comes from a fixed handful of grouped queries (GROUP BY pairing), whatever
the number of pairings, logs or observations.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Date, and_, bindparam, case, func, or_, select
from sqlalchemy.orm import aliased

from workspace.activities.models import Activity
from workspace.auth.models import User
from workspace.communities.models import Community
from workspace.compliance import services as compliance
from workspace.core.database import UTCDateTime, utcnow
from workspace.core.pagination import require_page
from workspace.core.permissions import scope
from workspace.extensions import db
from workspace.mentoring.models import (
    Goal,
    GoalStatus,
    MeetingLog,
    Milestone,
    NextStep,
    Observation,
    Pairing,
    PairingStatus,
    PublicLesson,
)
from workspace.mentoring.services.terms import month_period, school_year_of, school_year_period, semester_of

PER_PAGE = 50
DUE_WITHIN_DAYS = 14  # a milestone due this soon is on the home's "due" list
QUIET_DAYS = 30  # no meeting for this long is overdue


@dataclass
class Health:
    """One pairing at a glance: who, when, and the figures the convener sees."""

    id: int
    community_id: int
    community_slug: str
    community_name: str
    mentor_id: int
    mentor_name: str
    mentor_title: str
    mentee_id: int
    mentee_name: str
    starts_on: dt.date
    ends_on: dt.date
    status: str
    last_meeting: dt.date | None = None
    last_observation: dt.date | None = None
    last_lesson: dt.date | None = None
    meetings_this_month: int = 0
    observations_this_semester: int = 0
    public_lesson_done: bool = False
    public_lesson_scheduled: bool = False
    milestones_overdue: int = 0
    mentor_ineligible: bool = False

    @property
    def active(self) -> bool:
        return self.status == PairingStatus.ACTIVE.value

    def key(self) -> tuple:
        """Every value the row shows, for the fragment cache (a changed figure makes a new key)."""
        return tuple(vars(self).values())

    @property
    def last_contact(self) -> dt.date | None:
        """The latest day the two met: a meeting, an observation or a public lesson held."""
        days = [day for day in (self.last_meeting, self.last_observation, self.last_lesson) if day is not None]
        return max(days) if days else None

    def overdue(self, today: dt.date) -> list[str]:
        """What is overdue in an active pairing (keys: meeting, observation, public_lesson, milestones)."""
        if not self.active or self.starts_on > today:
            return []
        late = []
        if (self.last_meeting or self.starts_on) < today - dt.timedelta(days=QUIET_DAYS):
            late.append("meeting")
        if not self.observations_this_semester:
            late.append("observation")
        if not self.public_lesson_scheduled:
            late.append("public_lesson")
        if self.milestones_overdue:
            late.append("milestones")
        return late


@dataclass
class OverviewPage:
    """One page of a community's pairings with their health."""

    rows: list[Health]
    total: int
    page: int
    pages: int
    eligibility_asked: bool


def today() -> dt.date:
    """Today in the deployment's time zone."""
    return utcnow().astimezone(_zone()).date()


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def _start_of(day: dt.date) -> dt.datetime:
    """The first moment of a local day, in UTC (how activities' times are stored)."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=_zone()).astimezone(dt.UTC)


def _as_date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(_zone()).date()
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    return value


_mentor, _mentee = aliased(User), aliased(User)
_COLUMNS = (Pairing.id, Pairing.community_id, Community.slug, Community.name, Pairing.mentor_id,
            _mentor.display_name, _mentor.title, Pairing.mentee_id, _mentee.display_name, Pairing.starts_on,
            Pairing.ends_on, Pairing.status)


def _select(condition: Any) -> Any:
    return (select(*_COLUMNS).join(Community, Community.id == Pairing.community_id)
            .join(_mentor, _mentor.id == Pairing.mentor_id).join(_mentee, _mentee.id == Pairing.mentee_id)
            .where(condition))


def _health_rows(statement: Any) -> list[Health]:
    return [Health(*row) for row in db.session.execute(statement)]


@functools.cache
def _figure_statements() -> tuple[Any, Any, Any, Any]:
    """The four grouped queries of fill_figures(), built once (each request only binds its values)."""
    ids = bindparam("ids", expanding=True)
    day = bindparam("day", type_=Date)
    in_month = and_(MeetingLog.held_on >= bindparam("month_first", type_=Date),
                    MeetingLog.held_on <= bindparam("month_last", type_=Date))
    # What a pairing counts falls within its own days: an observation dated after a handover is not the ended
    # pairing's last contact (QA: "last contact 4 Dec" on a pairing ended on 30 Nov).
    meetings = (select(MeetingLog.pairing_id, func.max(MeetingLog.held_on), func.sum(case((in_month, 1), else_=0)))
                .join(Pairing, Pairing.id == MeetingLog.pairing_id)
                .where(MeetingLog.pairing_id.in_(ids), MeetingLog.live, MeetingLog.held_on <= day,
                       MeetingLog.held_on.between(Pairing.starts_on, Pairing.ends_on))
                .group_by(MeetingLog.pairing_id))
    in_semester = and_(Observation.observed_on >= bindparam("semester_first", type_=Date),
                       Observation.observed_on <= bindparam("semester_last", type_=Date))
    observations = (select(Observation.pairing_id, func.max(Observation.observed_on),
                           func.sum(case((in_semester, 1), else_=0)))
                    .join(Pairing, Pairing.id == Observation.pairing_id)
                    .where(Observation.pairing_id.in_(ids), Observation.live, Observation.observed_on <= day,
                           Observation.observed_on.between(Pairing.starts_on, Pairing.ends_on))
                    .group_by(Observation.pairing_id))
    lesson_live = Activity.live
    this_semester = and_(lesson_live, Activity.starts_at >= bindparam("first", type_=UTCDateTime),
                         Activity.starts_at < bindparam("after", type_=UTCDateTime))
    held = and_(lesson_live, Activity.ends_at < bindparam("now", type_=UTCDateTime))
    # A public lesson is the new teacher's in the community, whichever pairing it was planned under: this
    # semester's is done or scheduled whoever the mentor was. As a contact it counts only within the pairing's own
    # days, compared as local days in fill_figures (the lesson's time is stored in UTC, the pairing's days are
    # local): one row per held lesson, the semester's counted in the same rows.
    lessons = (select(Pairing.id, Pairing.starts_on, Pairing.ends_on, case((held, Activity.starts_at)),
                      case((and_(this_semester, held), 1), else_=0), case((this_semester, 1), else_=0))
               .join(PublicLesson, and_(PublicLesson.teacher_id == Pairing.mentee_id,
                                        PublicLesson.community_id == Pairing.community_id))
               .join(Activity, Activity.id == PublicLesson.activity_id)
               .where(Pairing.id.in_(ids), lesson_live))
    overdue = (select(Milestone.pairing_id, func.count())
               .where(Milestone.pairing_id.in_(ids), Milestone.live, Milestone.done_at.is_(None),
                      Milestone.due_on < day)
               .group_by(Milestone.pairing_id))
    return meetings, observations, lessons, overdue


def fill_figures(rows: Sequence[Health], day: dt.date | None = None) -> None:
    """Count each pairing's meetings, observations, public lessons and overdue milestones: four grouped queries
    for all the rows."""
    if not rows:
        return
    day = day or today()
    by_id = {row.id: row for row in rows}
    month, semester = month_period(day), semester_of(day)
    values = {"ids": list(by_id), "day": day, "month_first": month.first, "month_last": month.last,
              "semester_first": semester.first, "semester_last": semester.last, "now": utcnow(),
              "first": _start_of(semester.first), "after": _start_of(semester.last + dt.timedelta(days=1))}
    meetings, observations, lessons, overdue = _figure_statements()
    for pairing_id, last, count in db.session.execute(meetings, values):
        by_id[pairing_id].last_meeting, by_id[pairing_id].meetings_this_month = _as_date(last), int(count or 0)
    for pairing_id, last, count in db.session.execute(observations, values):
        by_id[pairing_id].last_observation = _as_date(last)
        by_id[pairing_id].observations_this_semester = int(count or 0)
    for pairing_id, starts_on, ends_on, held_at, done, scheduled in db.session.execute(lessons, values):
        row = by_id[pairing_id]
        held_on = _as_date(held_at)
        if held_on is not None and _as_date(starts_on) <= held_on <= _as_date(ends_on):
            row.last_lesson = max(row.last_lesson or held_on, held_on)
        row.public_lesson_done = row.public_lesson_done or bool(done)
        row.public_lesson_scheduled = row.public_lesson_scheduled or bool(scheduled)
    for pairing_id, count in db.session.execute(overdue, values):
        if by_id[pairing_id].active:  # an ended pairing owes nothing more: its open milestones are not late
            by_id[pairing_id].milestones_overdue = int(count)


def mentor_titles_asked(community_id: int) -> set[str] | None:
    """The professional titles a mentor must hold in the community, by the programs it is enrolled in (the
    per-person rules on mentors' titles, e.g. URC's intermediate or above); None when no program asks."""
    titles: set[str] | None = None
    for enrollment in compliance.enrollments_of(community_id):
        for rule in (enrollment.program.definition or {}).get("rules", ()):
            if rule.get("kind") == "per_person" and rule.get("who") == "mentors" and rule.get("measure") == "title":
                titles = (titles or set()) | set(rule.get("titles") or ())
    return titles


def flag_eligibility(rows: Sequence[Health], titles: set[str] | None) -> None:
    """Flag the mentors whose title is not one the community's programs ask for."""
    if titles is None:
        return
    for row in rows:
        row.mentor_ineligible = row.mentor_title not in titles


def overview(user: Any, community: Any, page: int = 1, per_page: int = PER_PAGE) -> OverviewPage:
    """The pairings of a community that `user` may see (a convener: all; a member: their own), active first,
    with their health: a page of at most `per_page`."""
    condition = and_(Pairing.community_id == community.id, scope(user, "view", Pairing))
    total = db.session.scalar(select(func.count()).select_from(Pairing).where(condition)) or 0
    pages = require_page(page, total, per_page)
    rows = _health_rows(_select(condition).order_by(
        case((Pairing.status == PairingStatus.ACTIVE.value, 0), else_=1), _mentee.display_name, Pairing.id)
        .limit(per_page).offset((page - 1) * per_page))
    fill_figures(rows)
    titles = mentor_titles_asked(community.id) if rows else None
    flag_eligibility(rows, titles)
    return OverviewPage(rows, total, page, pages, titles is not None)


def health_of(pairing: Pairing) -> Health:
    """One pairing's health (its mentor's eligibility flagged as on the overview)."""
    row = _health_rows(_select(Pairing.id == pairing.id))[0]
    fill_figures([row])
    flag_eligibility([row], mentor_titles_asked(pairing.community_id))
    return row


@dataclass
class DueItem:
    """A milestone not yet done, as a home lists it."""

    id: int
    pairing_id: int
    title: str
    due_on: dt.date
    owner: str
    kind: str


@dataclass
class OpenStep:
    """A next step agreed at a meeting and not yet done."""

    id: int
    pairing_id: int
    text: str
    owner: str
    held_on: dt.date


@dataclass
class GoalItem:
    """A goal of the new teacher (not dropped)."""

    id: int
    pairing_id: int
    title: str
    due_on: dt.date | None
    status: str


@dataclass
class Home:
    """A person's mentoring home: the pairings in which they mentor, those in which they are mentored, and what
    is due, overdue and open in them."""

    today: dt.date
    mentoring: list[Health] = field(default_factory=list)
    mentored: list[Health] = field(default_factory=list)
    milestones: dict[int, list[DueItem]] = field(default_factory=dict)
    steps: dict[int, list[OpenStep]] = field(default_factory=dict)
    goals: dict[int, list[GoalItem]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.mentoring and not self.mentored

    def due(self, pairing_id: int) -> list[DueItem]:
        """The pairing's milestones due within DUE_WITHIN_DAYS (not the overdue ones)."""
        horizon = self.today + dt.timedelta(days=DUE_WITHIN_DAYS)
        return [item for item in self.milestones.get(pairing_id, ()) if self.today <= item.due_on <= horizon]

    def handbook_year(self, row: Health) -> int | None:
        """The school year whose handbook the card links (this one), when the pairing's term reaches into it."""
        year = school_year_of(self.today)
        period = school_year_period(year)
        return year if row.starts_on <= period.last and row.ends_on >= period.first else None

    def card_key(self, row: Health, viewer_id: int) -> tuple:
        """Every value a pairing's card on the home shows, for the fragment cache."""
        def values(items: Sequence[Any]) -> tuple:
            return tuple(tuple(vars(item).values()) for item in items)

        return (viewer_id, self.today, row.key(), values(self.milestones.get(row.id, ())),
                values(self.steps.get(row.id, ())), values(self.goals.get(row.id, ())))

    def late(self, pairing_id: int) -> list[DueItem]:
        """The pairing's milestones past their day."""
        return [item for item in self.milestones.get(pairing_id, ()) if item.due_on < self.today]


def home(user: Any) -> Home:
    """The person's active pairings as mentor and as new teacher, each with its health, open milestones, open
    next steps and (for the new teacher) goals: a fixed number of queries for all of them."""
    day = today()
    result = Home(day)
    uid = getattr(user, "id", None)
    if uid is None:
        return result
    condition = and_(or_(Pairing.mentor_id == uid, Pairing.mentee_id == uid), scope(user, "read", Pairing),
                     Pairing.status == PairingStatus.ACTIVE.value)
    rows = _health_rows(_select(condition).order_by(Pairing.starts_on, _mentee.display_name, Pairing.id))
    fill_figures(rows, day)
    result.mentoring = [row for row in rows if row.mentor_id == uid]
    result.mentored = [row for row in rows if row.mentee_id == uid]
    ids = [row.id for row in rows]
    if not ids:
        return result
    for item in db.session.execute(
            select(Milestone.id, Milestone.pairing_id, Milestone.title, Milestone.due_on, Milestone.owner,
                   Milestone.kind)
            .where(Milestone.pairing_id.in_(ids), Milestone.live, Milestone.done_at.is_(None))
            .order_by(Milestone.due_on, Milestone.position, Milestone.id)):
        result.milestones.setdefault(item.pairing_id, []).append(DueItem(*item))
    for item in db.session.execute(
            select(NextStep.id, NextStep.pairing_id, NextStep.text, NextStep.owner, MeetingLog.held_on)
            .join(MeetingLog, MeetingLog.id == NextStep.log_id)
            .where(NextStep.pairing_id.in_(ids), NextStep.done_at.is_(None), MeetingLog.live)
            .order_by(MeetingLog.held_on.desc(), NextStep.position, NextStep.id)):
        result.steps.setdefault(item.pairing_id, []).append(OpenStep(*item))
    mentored_ids = [row.id for row in result.mentored]
    if mentored_ids:
        for item in db.session.execute(
                select(Goal.id, Goal.pairing_id, Goal.title, Goal.due_on, Goal.status)
                .where(Goal.pairing_id.in_(mentored_ids), Goal.live, Goal.status != GoalStatus.DROPPED.value)
                .order_by(Goal.due_on.is_(None), Goal.due_on, Goal.id)):
            result.goals.setdefault(item.pairing_id, []).append(GoalItem(*item))
    return result
