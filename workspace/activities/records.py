"""Viewer-free reads of the activities of communities in a period, for compliance, exports and the pages.

Communities and a Period (core/records.py: first and last day included, local time) in, frozen rows out,
in a fixed number of queries whatever the number of activities, marks and members. Cancelled activities
and removed evidence are left out here, through the models' `live` condition; an activity belongs to the
period its start falls in. Nothing here checks who asks: the caller has decided that already.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Protocol

from blinker import Namespace
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, ScalarSelect, and_, case, exists, false, func, literal, select

from workspace.activities.models import (
    Activity,
    Attendance,
    AttendanceStatus,
    Evidence,
    Feedback,
    LeaveRequest,
    MonthlyPlan,
    Speaker,
)
from workspace.activities.models import activity_schools as activity_schools_table
from workspace.communities import records as community_records
from workspace.communities.records import MemberDuring
from workspace.core.database import utcnow
from workspace.core.i18n import in_reader_script, script_variants
from workspace.core.models import Blob
from workspace.core.permissions import CONTRIBUTORS
from workspace.core.records import Period
from workspace.core.text import has_visible_text, without_empty_sections
from workspace.extensions import db

ATTENDED = frozenset({AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.LEFT_EARLY})


@dataclass(frozen=True)
class ActivityRecord:
    """An activity of the period that was not cancelled (held, or still to come), with what a funder asks of it."""

    id: int
    community_id: int
    title: str
    method: str
    mode: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    subjects: tuple[str, ...]
    tags: tuple[str, ...]  # as typed; the app's own (公開課) in the reader's script, as read (`tag_label`)
    held: bool  # ended by the time asked about; False: still to come (or under way)
    has_minutes: bool
    photos: int  # evidence not removed, by kind
    videos: int
    documents: int
    sheets: int  # scanned sign-in sheets
    named_only: bool = False  # only those marked were expected (a pair's meeting recorded by mentoring)
    private: bool = False  # a pair's meeting or observation: read by the pair, the conveners and admins only
    report_videos: int = 0  # of `videos`, those a results report may cite (`report_videos`): none of a private one

    @property
    def minutes(self) -> float:
        """The length in minutes, from the UTC times (right across midnight and DST changes)."""
        return (self.ends_at - self.starts_at).total_seconds() / 60

    @property
    def hours(self) -> float:
        """The length in hours, rounded to two decimals: to show, never to add up (`total_hours` adds)."""
        return round(self.minutes / 60, 2)

    @property
    def status(self) -> str:
        return "held" if self.held else "scheduled"


# Tags the app itself puts on the activities other areas record (a public lesson's 公開課, by mentoring): the app's
# own words, shown in the reader's script as its other shipped names are (#公开课 on a Simplified page, in a
# Simplified ledger); a tag people typed is shown as they typed it. Stored as shipped: the rules fold the scripts.
_SHIPPED_TAGS: set[str] = set()


def register_shipped_tag(tag: str) -> None:
    """Say that `tag` is the app's own word: an area that records activities tags them with it."""
    _SHIPPED_TAGS.add(tag)


def tag_label(tag: str) -> str:
    """A tag as the reader reads it: one the app ships in the reader's script, one people typed as typed."""
    return in_reader_script(tag) if tag in _SHIPPED_TAGS else tag


def stored_tag(tag: str) -> str:
    """A tag as it is kept: the app's own word as shipped when typed (or kept from the edit form) in either script
    (a Simplified convener saving a public lesson's activity sends 公开课 back), any other as typed."""
    for shipped in _SHIPPED_TAGS:
        if tag in script_variants(shipped):
            return shipped
    return tag


class NamesItsPeople(Protocol):
    """Anything that says whether an activity expects only the people it marks (a record, a model, the engine's
    fact)."""

    named_only: bool


def expects(activity: NamesItsPeople, *, marked: bool, member: bool) -> bool:
    """Whether the activity expects a person: anyone it marks (present, excused …), and a member of its community at
    its start unless only the people it marks were expected (`named_only`: what another area recorded, a pair's
    meeting, an observation, a public lesson that colleagues are invited to). The one answer to "expected": the
    tallies and an activity's row count by it, and the activity's page tells by it who is expected and who may ask
    to be excused (a colleague was asked to send a leave request for a public lesson they were never required at)."""
    return marked or (member and not activity.named_only)


def total_hours(activities: Iterable[ActivityRecord]) -> float:
    """The hours of `activities` together: their minutes added, then turned into hours and rounded once (310
    minutes are 5.17 hours; adding each activity's rounded hours would give 5.16)."""
    return round(sum(activity.minutes for activity in activities) / 60, 2)


@dataclass(frozen=True)
class AttendanceMark:
    """One person's mark for one held activity (present, late, left_early, excused, absent)."""

    activity_id: int
    user_id: int
    status: str

    @property
    def attended(self) -> bool:
        return self.status in ATTENDED


@dataclass(frozen=True)
class MemberAttendance:
    """A member of one community over the period: the held activities they came to, of those they were expected at."""

    community_id: int
    user_id: int
    display_name: str
    role: str
    attended: int
    held: int  # activities held with attendance taken while they were a member (or that marked them)
    hours: float  # hours of the activities attended

    @property
    def rate(self) -> float | None:
        return round(self.attended / self.held, 3) if self.held else None


@dataclass(frozen=True)
class ActivityAttendance:
    """A held activity: who came of the members expected then, and its marks counted by status."""

    activity: ActivityRecord
    attended: int
    members: int  # members at the time of the activity (or marked)
    statuses: tuple[tuple[str, int], ...]  # (status, marks), in AttendanceStatus order, zeros left out

    @property
    def taken(self) -> bool:
        """Whether attendance was taken: anyone marked at all. Nobody marked is no roll call, not everyone absent:
        such an activity counts in no total (docs/rules.md, attendance_percent)."""
        return bool(self.statuses)

    @property
    def rate(self) -> float | None:
        return round(self.attended / self.members, 3) if self.taken and self.members else None


@dataclass(frozen=True)
class Participation:
    """Who came to what in the period: per member, per held activity, hours held by method."""

    start: dt.date
    end: dt.date
    members: tuple[MemberAttendance, ...]  # best attendance first
    activities: tuple[ActivityAttendance, ...]  # oldest first
    hours_by_method: tuple[tuple[str, float], ...]  # (method, hours held), largest first
    # Activities the reader may not open (a pair's private meeting, to a member or reviewer): listed by their neutral
    # name without a link, and counted in every figure, as the panel and the reports count them.
    unlinked: frozenset[int] = frozenset()

    @property
    def average_rate(self) -> float | None:
        """The mean of the rates of the activities with attendance taken."""
        rates = [row.rate for row in self.activities if row.rate is not None]
        return round(sum(rates) / len(rates), 3) if rates else None

    @property
    def not_taken(self) -> int:
        """Held activities where nobody was marked: left out of every attendance figure (the pages say how many)."""
        return sum(1 for row in self.activities if not row.taken)

    @property
    def attended(self) -> int:
        """Person-times attended, over the activities with attendance taken."""
        return sum(row.attended for row in self.activities if row.taken)

    @property
    def expected(self) -> int:
        """Person-times expected, over the activities with attendance taken."""
        return sum(row.members for row in self.activities if row.taken)

    @property
    def overall_rate(self) -> float | None:
        """Attended over expected, the activities with attendance taken together (beside `average_rate`, which
        weighs a two-person meeting as much as a meeting of the whole community)."""
        return round(self.attended / self.expected, 3) if self.expected else None


@dataclass(frozen=True)
class ActivityFeedback:
    """The feedback on one held activity, without names: how many answered, the average, the comments."""

    activity_id: int
    responses: int
    average: float | None
    distribution: tuple[int, int, int, int, int]  # answers of satisfaction 1 … 5
    comments: tuple[str, ...]  # those with visible text, oldest first


@dataclass(frozen=True)
class EvidenceFile:
    """A file of an activity's evidence that was not removed: photo, video, document or scanned sign-in sheet."""

    id: int
    activity_id: int
    kind: str  # photo, video, document, sheet
    filename: str
    media_type: str
    size: int
    caption: str
    blob_id: int
    sha256: str  # the blob's: the store keeps it under this name (core/storage.blob_path)


@dataclass(frozen=True)
class ActivityText:
    """What was written of an activity: its minutes and outcomes (Markdown) and its place."""

    activity_id: int
    minutes: str
    outcomes: str
    place: str


@dataclass(frozen=True)
class FeedbackComment:
    """One comment of a held activity's feedback, without its author (a report quotes chosen ones by id)."""

    id: int
    activity_id: int
    satisfaction: int
    comment: str


@dataclass(frozen=True)
class SpeakerRecord:
    """Who led or spoke at an activity (講座), as a funder's plan names them: name, affiliation, internal or
    external, topic and hours."""

    activity_id: int
    name: str
    affiliation: str
    external: bool
    topic: str
    hours: float


def speakers(community_ids: Collection[int], period: Period) -> list[SpeakerRecord]:
    """The speakers of the activities starting in the period (cancelled ones left out), by the activity's start,
    then in the activity's order (one query)."""
    return [SpeakerRecord(row.activity_id, row.name, row.affiliation or "", bool(row.external), row.topic or "",
                          float(row.hours or 0)) for row in db.session.execute(
        select(Speaker.activity_id, Speaker.name, Speaker.affiliation, Speaker.external, Speaker.topic,
               Speaker.hours)
        .join(Activity, Activity.id == Speaker.activity_id).where(_in_period(community_ids, period))
        .order_by(Activity.starts_at, Activity.id, Speaker.position, Speaker.id))]


def _in_period(community_ids: Collection[int], period: Period) -> ColumnElement[bool]:
    return (Activity.community_id.in_(list(community_ids)) & Activity.live & period.holds(Activity.starts_at))


def _held_ids(community_ids: Collection[int], period: Period, now: dt.datetime) -> ScalarSelect[int]:
    return select(Activity.id).where(_in_period(community_ids, period), Activity.ends_at <= now).scalar_subquery()


# What the pair keeps to itself: a private activity's minutes, files and feedback are not read out of the area.
_shared = Activity.private.is_(False)

# An activity video for the results report: a video not removed, of an activity whose files leave the area (a pair's
# private record keeps its own). The one definition: `activities` counts them (`report_videos`), `report_videos`
# lists them, and the compliance rule "keep an activity's video for the results report" and the report itself both
# read it from here, so the panel never counts a video the report cannot cite.
_REPORT_VIDEO = and_(Evidence.kind == "video", Evidence.live, _shared)


def private_title() -> str:
    """What the records, and so every export and the panel, call a pair's private meeting or observation: it
    counts as an activity; its own title names the pair, which is theirs (the reports go to the reviewers)."""
    return str(_l("A mentoring record kept to the pair"))


@dataclass(frozen=True)
class KeptRecord:
    """What another area keeps of a pair's private activity it recorded: its minutes (a meeting's log with topics or
    notes, an observation's notes: the only minutes such an activity has, none are written on it) and its photos
    (taken during an observed lesson)."""

    minutes: bool = False
    photos: int = 0


# Asked, once per read, of the pair's private activities among the activities read (`activity_ids`): an area that
# recorded such an activity and keeps its record (mentoring: the meeting log, the observation) answers
# {activity id: KeptRecord}. The log of a meeting is its minutes: asking the pair to write them again on the
# activity (the convener could not, and the rules "minutes and photos of every activity" stayed not met) was a fact
# typed twice. Activities imports none of those areas.
record_kept = Namespace().signal("activities.record-kept")


def _kept_elsewhere(activity_ids: list[int]) -> dict[int, KeptRecord]:
    kept: dict[int, KeptRecord] = {}
    if not activity_ids:
        return kept
    for _receiver, answer in record_kept.send(None, activity_ids=activity_ids):
        for activity_id, record in (answer or {}).items():
            before = kept.get(activity_id, KeptRecord())
            kept[activity_id] = KeptRecord(before.minutes or record.minutes, before.photos + record.photos)
    return kept


def kept_record(activity: Activity) -> KeptRecord:
    """What another area keeps of one of the pair's private activities (its minutes, its photos); nothing asked of
    an open one (one query per answering area)."""
    if not activity.private:
        return KeptRecord()
    return _kept_elsewhere([activity.id]).get(activity.id, KeptRecord())


def activities(community_ids: Collection[int], period: Period, *,
               now: dt.datetime | None = None) -> list[ActivityRecord]:
    """The activities starting in the period, cancelled ones left out, oldest first (two queries, and one per area
    keeping the record of a pair's private activity among them: `record_kept`). Read in the language of what they
    go into: a pair's private one by its neutral name, the app's own tags in that reader's script."""
    now = now or utcnow()
    rows = db.session.execute(
        select(Activity.id, Activity.community_id, Activity.title, Activity.method, Activity.mode,
               Activity.starts_at, Activity.ends_at, Activity.subjects, Activity.tags,
               # minutes as the page shows them: the template's headings left unfilled are not minutes yet
               (func.length(func.trim(Activity.minutes_html)) > 0).label("has_minutes"), Activity.named_only,
               Activity.private)
        .where(_in_period(community_ids, period)).order_by(Activity.starts_at, Activity.id)).all()
    if not rows:
        return []
    counts: dict[tuple[int, str], int] = {}
    for_report: dict[int, int] = {}
    for activity_id, kind, number, reportable in db.session.execute(
            select(Evidence.activity_id, Evidence.kind, func.count(), func.sum(case((_REPORT_VIDEO, 1), else_=0)))
            .join(Activity, Activity.id == Evidence.activity_id)
            .where(Evidence.live, _in_period(community_ids, period))
            .group_by(Evidence.activity_id, Evidence.kind)):
        counts[(activity_id, kind)] = number
        for_report[activity_id] = for_report.get(activity_id, 0) + int(reportable or 0)
    kept = _kept_elsewhere([row.id for row in rows if row.private])
    nothing = KeptRecord()
    return [ActivityRecord(row.id, row.community_id, private_title() if row.private else row.title, row.method,
                           row.mode, row.starts_at, row.ends_at, tuple(row.subjects or ()),
                           tuple(tag_label(tag) for tag in row.tags or ()),
                           row.ends_at <= now,
                           # a pair's private one: its own record only, never text typed on the activity, which
                           # no export carries (QA round 13: a convener's text ticked "minutes written")
                           kept.get(row.id, nothing).minutes if row.private else bool(row.has_minutes),
                           counts.get((row.id, "photo"), 0) + kept.get(row.id, nothing).photos,
                           counts.get((row.id, "video"), 0), counts.get((row.id, "document"), 0),
                           counts.get((row.id, "sheet"), 0), bool(row.named_only), bool(row.private),
                           for_report.get(row.id, 0))
            for row in rows]


@dataclass(frozen=True)
class UpcomingActivity:
    """An activity that has not ended (still to come, or under way), not cancelled, as a person's list of what comes
    next shows it: when, where, and what it asks of that person (`marked`: it names them; `leave`: the status of
    their leave request, pending, approved or declined, "" when they asked for none)."""

    id: int
    community_id: int
    title: str
    mode: str
    place: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    named_only: bool
    private: bool
    marked: bool
    leave: str

    @property
    def cancelled(self) -> bool:
        """Never: a cancelled activity is not read (what the policy asks of an activity, `activity.cancelled`)."""
        return False


def upcoming(community_ids: Collection[int], *, person_id: int | None, now: dt.datetime | None = None,
             limit: int = 3) -> list[UpcomingActivity]:
    """The next `limit` activities of these communities that have not ended by `now` (the activity list's
    "upcoming": under way included), cancelled ones left out, soonest first, with what each asks of the person
    (one query, whatever the number of communities and activities). A pair's private meeting or observation is
    read only when it marks the person: to anyone else it is no activity of theirs to come to."""
    if not community_ids:
        return []
    now = now or utcnow()
    if person_id is None:
        marked: ColumnElement[bool] = false()
        leave: ColumnElement[str] | ScalarSelect[str] = literal("")
    else:
        marked = exists().where(Attendance.activity_id == Activity.id, Attendance.user_id == person_id)
        leave = (select(LeaveRequest.status).where(LeaveRequest.activity_id == Activity.id,
                                                   LeaveRequest.user_id == person_id).scalar_subquery())
    rows = db.session.execute(
        select(Activity.id, Activity.community_id, Activity.title, Activity.mode, Activity.place,
               Activity.starts_at, Activity.ends_at, Activity.named_only, Activity.private,
               marked.label("marked"), leave.label("leave"))
        .where(Activity.community_id.in_(sorted(community_ids)), Activity.live, Activity.ends_at >= now,
               Activity.private.is_(False) | marked)
        .order_by(Activity.starts_at, Activity.id).limit(limit))
    return [UpcomingActivity(row.id, row.community_id, row.title, row.mode, row.place or "", row.starts_at,
                             row.ends_at, bool(row.named_only), bool(row.private), bool(row.marked), row.leave or "")
            for row in rows]


@dataclass(frozen=True)
class LinkedActivity:
    """An activity another record names by id (an expense's), cancelled or not, wherever its day falls."""

    id: int
    community_id: int
    title: str  # a pair's private activity: private_title()
    starts_at: dt.datetime
    cancelled: bool


def linked_activities(activity_ids: Collection[int]) -> list[LinkedActivity]:
    """The activities with these ids, cancelled ones and those of any period included (one query; none without
    ids): what a record linked to one says of it once it was cancelled or moved."""
    if not activity_ids:
        return []
    return [LinkedActivity(row.id, row.community_id, private_title() if row.private else row.title, row.starts_at,
                           row.cancelled_at is not None) for row in db.session.execute(
        select(Activity.id, Activity.community_id, Activity.title, Activity.starts_at, Activity.cancelled_at,
               Activity.private).where(Activity.id.in_(sorted(activity_ids))).order_by(Activity.starts_at,
                                                                                      Activity.id))]


def held_activities(community_ids: Collection[int], period: Period, *,
                    now: dt.datetime | None = None) -> list[ActivityRecord]:
    """Activities held in the period: started in it, not cancelled, ended by `now` (two queries)."""
    return [row for row in activities(community_ids, period, now=now) if row.held]


def attendance(community_ids: Collection[int], period: Period, *,
               now: dt.datetime | None = None) -> list[AttendanceMark]:
    """Every mark of the activities held in the period, by activity then person (one query)."""
    now = now or utcnow()
    return [AttendanceMark(*row) for row in db.session.execute(
        select(Attendance.activity_id, Attendance.user_id, Attendance.status)
        .where(Attendance.activity_id.in_(_held_ids(community_ids, period, now)))
        .order_by(Attendance.activity_id, Attendance.user_id))]


def participation(community_ids: Collection[int], period: Period, *,
                  now: dt.datetime | None = None) -> Participation:
    """Who came to what in the period: per member of each community, per held activity, hours by method.

    Held = not cancelled and already ended. A member's tally counts the held activities with attendance taken
    (anyone marked: one where nobody was marked had no roll call, and is in no total, only in its own row as not
    taken) while they were a member, and any that marked them (records entered after the fact count whom the
    convener marked); an activity of named people (`named_only`: a public lesson recorded by mentoring) counts
    only those it marked; a pair's private activity is in no member's tally (its row counts its attendees,
    unnamed); one who left before anything counted is not listed. Four queries, whatever the data.
    """
    now = now or utcnow()
    held = held_activities(community_ids, period, now=now)
    memberships = community_records.members_ever(community_ids, CONTRIBUTORS)  # one per person, their stints
    came: dict[int, set[int]] = {}
    marked: dict[int, set[int]] = {}  # anyone with a mark, come or not: they were expected
    statuses: dict[int, dict[str, int]] = {}
    for mark in (attendance(community_ids, period, now=now) if held else ()):
        marked.setdefault(mark.activity_id, set()).add(mark.user_id)
        tally = statuses.setdefault(mark.activity_id, {})
        tally[mark.status] = tally.get(mark.status, 0) + 1
        if mark.attended:
            came.setdefault(mark.activity_id, set()).add(mark.user_id)

    def counts_for(member: MemberDuring, activity: ActivityRecord) -> bool:
        """A member of its community then, or marked (only marked, for an activity of named people). A pair's
        private meeting or observation is in no one's tally: counted against the two names, it would tell every
        reader of the figures who mentors whom."""
        if member.community_id != activity.community_id or activity.private:
            return False
        # a member within one of their stints (a gap between two is not)
        return expects(activity, marked=member.user_id in marked.get(activity.id, set()),
                       member=member.member_at(activity.starts_at))

    members = []
    for member in memberships:
        during = [activity for activity in held if activity.id in marked and counts_for(member, activity)]
        attended = [activity for activity in during if member.user_id in came.get(activity.id, set())]
        if member.left_at is not None and not attended:
            continue  # left before anything counted: not listed
        members.append(MemberAttendance(member.community_id, member.user_id, member.display_name, member.role,
                                        len(attended), len(during), total_hours(attended)))
    members.sort(key=lambda row: (-(row.rate or 0), -row.hours, row.display_name))
    def expected_at(member: MemberDuring, activity: ActivityRecord) -> bool:
        """Whom the activity's own row expects: as the tallies, and for a private one the pair it marks (its row
        names no one: "2 of 2", not "2 of 0")."""
        if activity.private:
            return member.community_id == activity.community_id and member.user_id in marked.get(activity.id, set())
        return counts_for(member, activity)

    rows = tuple(ActivityAttendance(
        activity, len(came.get(activity.id, set())), sum(1 for member in memberships if expected_at(member, activity)),
        tuple((status.value, statuses[activity.id][status.value]) for status in AttendanceStatus
              if statuses.get(activity.id, {}).get(status.value)))
        for activity in held)
    by_method: dict[str, list[ActivityRecord]] = {}
    for activity in held:
        by_method.setdefault(activity.method, []).append(activity)
    hours = {method: total_hours(activities) for method, activities in by_method.items()}
    return Participation(period.first, period.last, tuple(members), rows,
                         tuple(sorted(hours.items(), key=lambda item: -item[1])))


def feedback(community_ids: Collection[int], period: Period, *,
             now: dt.datetime | None = None) -> list[ActivityFeedback]:
    """The feedback of each held activity of the period that has any, oldest activity first (one query)."""
    now = now or utcnow()
    gathered: dict[int, list[tuple[int, str]]] = {}
    for activity_id, satisfaction, comment in db.session.execute(
            select(Feedback.activity_id, Feedback.satisfaction, Feedback.comment)
            .join(Activity, Activity.id == Feedback.activity_id)
            .where(Feedback.activity_id.in_(_held_ids(community_ids, period, now)), _shared)
            .order_by(Activity.starts_at, Activity.id, Feedback.created_at, Feedback.id)):
        gathered.setdefault(activity_id, []).append((satisfaction, comment))
    summaries = []
    for activity_id, answers in gathered.items():
        distribution = tuple(sum(1 for score, _ in answers if score == value) for value in range(1, 6))
        summaries.append(ActivityFeedback(
            activity_id, len(answers), round(sum(score for score, _ in answers) / len(answers), 2),
            distribution,  # type: ignore[arg-type] - five counts
            tuple(comment for _, comment in answers if comment and has_visible_text(comment))))
    return summaries



def activity_schools(community_ids: Collection[int], period: Period) -> dict[int, tuple[int, ...]]:
    """The schools each activity of the period was held at or sent to (urban–rural rules read them), by activity
    id; activities with none are left out (one query)."""
    schools: dict[int, list[int]] = {}
    for activity_id, school_id in db.session.execute(
            select(activity_schools_table.c.activity_id, activity_schools_table.c.school_id)
            .where(activity_schools_table.c.activity_id.in_(
                select(Activity.id).where(_in_period(community_ids, period)).scalar_subquery()))
            .order_by(activity_schools_table.c.activity_id, activity_schools_table.c.school_id)):
        schools.setdefault(activity_id, []).append(school_id)
    return {activity_id: tuple(ids) for activity_id, ids in schools.items()}


@dataclass(frozen=True)
class MonthlyPlanRecord:
    """A community's monthly plan (月計畫) for a month of the period, and when it was submitted (None: not yet)."""

    community_id: int
    month: dt.date  # the first day of the planned month
    submitted_at: dt.datetime | None
    planned: int  # activities it lists


def monthly_plans(community_ids: Collection[int], period: Period) -> list[MonthlyPlanRecord]:
    """The monthly plans of the months that start in the period, by community then month (one query)."""
    return [MonthlyPlanRecord(community_id, month, submitted_at, len(planned or ()))
            for community_id, month, submitted_at, planned in db.session.execute(
                select(MonthlyPlan.community_id, MonthlyPlan.month, MonthlyPlan.submitted_at, MonthlyPlan.planned)
                .where(MonthlyPlan.community_id.in_(list(community_ids)), period.holds_day(MonthlyPlan.month))
                .order_by(MonthlyPlan.community_id, MonthlyPlan.month))]


def _evidence_rows(*conditions: ColumnElement[bool]) -> list[EvidenceFile]:
    """The evidence files meeting `conditions`, by activity start, then kind and upload order (one query)."""
    return [EvidenceFile(*row) for row in db.session.execute(
        select(Evidence.id, Evidence.activity_id, Evidence.kind, Evidence.filename, Evidence.media_type,
               Evidence.size, Evidence.caption, Evidence.blob_id, Blob.sha256)
        .join(Blob, Blob.id == Evidence.blob_id).join(Activity, Activity.id == Evidence.activity_id)
        .where(*conditions)
        .order_by(Activity.starts_at, Activity.id, Evidence.kind, Evidence.created_at, Evidence.id))]


def evidence_files(community_ids: Collection[int], period: Period, *,
                   kinds: Collection[str] = ("photo", "video", "document", "sheet")) -> list[EvidenceFile]:
    """The evidence of the period's activities (cancelled ones, removed files and a pair's private activities
    left out: how many files they have is in `activities`, the files are the pair's), by activity start, then
    kind and upload order (one query)."""
    return _evidence_rows(_in_period(community_ids, period), _shared, Evidence.live, Evidence.kind.in_(list(kinds)))


def report_videos(community_ids: Collection[int], period: Period, *,
                  now: dt.datetime | None = None) -> list[EvidenceFile]:
    """The videos of the activities held in the period that a results report may cite and the evidence pack
    carries (a pair's private record's are the pair's; `ActivityRecord.report_videos` counts the same), oldest
    activity first, then upload order (one query)."""
    now = now or utcnow()
    return _evidence_rows(_in_period(community_ids, period), Activity.ends_at <= now, _REPORT_VIDEO)


_HEADING_LINE = re.compile(r"^ {0,3}#{1,6}(?:\s|$)")


def minutes_written(minutes: str | None, agenda: str | None) -> str:
    """The minutes as they are shown, exported and counted: the template's unfilled sections left out, and nothing
    at all when what is left is only the agenda the template copied in (the template saved unchanged is not a
    record of the meeting)."""
    shown = without_empty_sections(minutes or "")
    content = [line.strip() for line in shown.split("\n") if line.strip() and not _HEADING_LINE.match(line)]
    planned = [line.strip() for line in (agenda or "").split("\n") if line.strip()]
    return "" if content == planned else shown


def activity_texts(community_ids: Collection[int], period: Period) -> dict[int, ActivityText]:
    """The minutes, outcomes and place of each activity of the period (cancelled left out), by id (one query); the
    minutes as the page shows them, without the template's sections left unfilled. A pair's private activity
    has none here: whether the pair's record serves as its minutes is in `activities`, what it says is the
    pair's (and text written on such an activity before that, the page's only)."""
    return {row.id: ActivityText(row.id, minutes_written(row.minutes, row.agenda), row.outcomes or "",
                                 row.place or "")
            for row in db.session.execute(
                select(Activity.id, Activity.minutes, Activity.agenda, Activity.outcomes, Activity.place)
                .where(_in_period(community_ids, period), _shared))}


def feedback_comments(community_ids: Collection[int], period: Period, *,
                      now: dt.datetime | None = None) -> list[FeedbackComment]:
    """Every feedback comment with visible text on the period's held activities, oldest first (one query)."""
    now = now or utcnow()
    return [FeedbackComment(*row) for row in db.session.execute(
        select(Feedback.id, Feedback.activity_id, Feedback.satisfaction, Feedback.comment)
        .join(Activity, Activity.id == Feedback.activity_id)
        .where(Feedback.activity_id.in_(_held_ids(community_ids, period, now)), _shared)
        .order_by(Activity.starts_at, Activity.id, Feedback.created_at, Feedback.id))
        if row.comment and has_visible_text(row.comment)]
