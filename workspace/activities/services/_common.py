"""What every topic of the activities services shares: the limits, the labels, the deployment's time zone
(local wall-clock times in, UTC stored), the line and text checks, the manager check, the community's
members, and which marks say nothing yet of who came.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_, select

from workspace.activities.models import Activity, Attendance, AttendanceStatus, Method, Mode
from workspace.auth.models import User
from workspace.communities.models import Community, Membership
from workspace.core.errors import NotAllowed
from workspace.core.i18n import N_
from workspace.core.permissions import CONTRIBUTORS, can
from workspace.core.text import checked_line, checked_text
from workspace.extensions import db

MAX_TITLE = 200
MAX_LINE = 200
MAX_TEXT = 100_000
MAX_SERIES = 52
MAX_HOURS = 24
SIGN_IN_OPENS = dt.timedelta(minutes=30)  # before the start
SIGN_IN_CLOSES = dt.timedelta(minutes=30)  # after the end
LATE_AFTER = dt.timedelta(minutes=10)  # signing in later than start + this is "late"
PER_PAGE = 20

METHOD_LABELS = {
    Method.OBSERVATION_FEEDBACK: N_("Teaching observation and feedback"),
    Method.TEACHING_PORTFOLIO: N_("Teaching portfolio"),
    Method.TOPIC_STUDY: N_("Topic study (videos, books)"),
    Method.EXPERIENCE_SHARING: N_("Experience sharing"),
    Method.EXTERNAL_LECTURE: N_("External lecture"),
    Method.NEW_TEACHER_MENTORING: N_("New-teacher mentoring"),
    Method.NEW_CURRICULUM: N_("New curriculum development"),
    Method.TEACHING_INNOVATION: N_("Teaching innovation"),
    Method.MATERIALS_DEVELOPMENT: N_("Teaching materials development"),
    Method.ACTION_RESEARCH: N_("Action research"),
    Method.CO_TEACHING: N_("Co-teaching"),
    Method.PEER_REFLECTION: N_("Peer reflective dialogue"),
    Method.BENCHMARK_LEARNING: N_("Benchmark learning"),
    Method.CASE_ANALYSIS: N_("Case analysis"),
    Method.COLLABORATIVE_PLANNING: N_("Collaborative lesson planning"),
}
MODE_LABELS = {Mode.OFFLINE: N_("In person"), Mode.ONLINE: N_("Online"), Mode.HYBRID: N_("In person and online")}
STATUS_LABELS = {
    AttendanceStatus.PRESENT: N_("Present"),
    AttendanceStatus.LATE: N_("Late"),
    AttendanceStatus.LEFT_EARLY: N_("Left early"),
    AttendanceStatus.EXCUSED: N_("Excused"),
    AttendanceStatus.ABSENT: N_("Absent"),
}
MINUTES_TEMPLATE = (N_("Agenda"), N_("Discussion"), N_("Decisions"), N_("Next steps"))


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def to_utc(local: dt.datetime) -> dt.datetime:
    """A wall-clock time of the deployment's zone (naive) as an aware UTC time.

    In the hour a daylight-saving change repeats, the first (earlier) reading is taken; a time the
    change skips is moved forward by the gap, as a clock on the wall would be.
    """
    if local.tzinfo is not None:
        return local.astimezone(dt.UTC)
    # fold=0 is the earlier reading of a repeated hour and, for a skipped time, the offset before the
    # gap, which lands past it (02:30 on a spring-forward night in Europe/Berlin becomes 03:30 CEST).
    return local.replace(tzinfo=zone(), fold=0).astimezone(dt.UTC)


def to_local(moment: dt.datetime) -> dt.datetime:
    """A UTC time as the deployment's wall-clock time (aware).

    A time so near the end (or start) of the calendar that the zone's offset would leave it is shown in UTC:
    such a time can only have been stored before years were bounded (core/parsing), and its pages must
    still open so that it can be corrected.
    """
    try:
        return moment.astimezone(zone())
    except OverflowError:
        return moment.astimezone(dt.UTC)


def hours_of(activity: Activity) -> float:
    """The activity's length in hours, from its UTC times (right across midnight and DST changes)."""
    return round((activity.ends_at - activity.starts_at).total_seconds() / 3600, 2)


def _line(value: str | None, field_name: str, limit: int = MAX_LINE, *, required: bool = False) -> str:
    return checked_line(value, field_name, limit, required=required)


def _text(value: str | None, field_name: str, limit: int = MAX_TEXT) -> str:
    return checked_text(value, field_name, limit)


def _member_ids(community: Community) -> set[int]:
    return set(db.session.scalars(select(Membership.user_id).where(
        Membership.community_id == community.id, Membership.live)))


def _check_manager(community: Community, actor: User) -> None:
    if community.archived_at is not None:
        raise NotAllowed(str(_l("This community is archived.")))
    if not can(actor, "manage_activities", community):
        raise NotAllowed(str(_l("Only conveners can plan activities.")))


def community_members(community: Community) -> list[User]:
    """The community's members who take part in activities (not guest experts), by name."""
    return list(db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.community_id == community.id, Membership.live,
               Membership.role.in_(CONTRIBUTORS)).order_by(User.display_name)))


# --- marks given ahead ---------------------------------------------------------------------------------


def marked_ahead(now: dt.datetime) -> ColumnElement[bool]:
    """The marks given ahead of their activity, as of `now`: of an activity not started yet, and no sign-in (one who
    came early signs in within the window, SIGN_IN_OPENS before the start). A public lesson's teacher is marked
    present when it is scheduled, so that the counts have her once it is held (records.py counts held activities
    only); until it starts, such a mark says nothing of who came: the activity's page, its checklist and the list
    leave it out (QA13: a reviewer read "✓ Attendance taken" three weeks before the lesson). The query joins
    Activity; `is_marked_ahead` is the same rule on one mark."""
    return and_(Activity.starts_at > now, Attendance.signed_at.is_(None))


def is_marked_ahead(activity: Activity, mark: Attendance, now: dt.datetime) -> bool:
    """`marked_ahead` for one mark of `activity`."""
    return now < activity.starts_at and mark.signed_at is None
