"""Activity rules: planning (one, a copy, a weekly or monthly series), cancelling, the sign-in window
and its QR token, attendance (self sign-in, the convener's table, changes audited), excused leave and
the minutes.

Services take the actor explicitly, raise domain errors, flush but never commit. Times come in as the
deployment's local wall-clock time and are stored in UTC, so hours are right across midnight and across
daylight-saving changes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from workspace.activities import records
from workspace.activities.models import (
    Activity,
    Attendance,
    AttendanceStatus,
    Evidence,
    Feedback,
    LeaveRequest,
    Method,
    Mode,
    MonthlyPlan,
    Speaker,
)
from workspace.activities.records import ATTENDED
from workspace.auth.models import User
from workspace.communities.models import Community, Membership, School
from workspace.core import links
from workspace.core.database import advance, utcnow
from workspace.core.errors import Checks, Conflict, DomainError, NotAllowed, ValidationError
from workspace.core.i18n import N_, local_moment
from workspace.core.models import record_event
from workspace.core.parsing import bounded, check_in_range, shifted
from workspace.core.permissions import CONTRIBUTORS, can
from workspace.core.records import Period
from workspace.core.text import checked_line, checked_text, clean_line, has_visible_text, render_markdown
from workspace.extensions import db
from workspace.resources.models import Resource

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


# --- checks --------------------------------------------------------------------------------------


def _line(value: str | None, field_name: str, limit: int = MAX_LINE, *, required: bool = False) -> str:
    return checked_line(value, field_name, limit, required=required)


def _text(value: str | None, field_name: str, limit: int = MAX_TEXT) -> str:
    return checked_text(value, field_name, limit)


def _list(values: str | Iterable[str] | None, field_name: str, limit: int = 10) -> list[str]:
    parts = values.replace("、", ",").replace("，", ",").split(",") if isinstance(values, str) else list(values or [])
    items: list[str] = []
    for part in parts:
        item = clean_line(part)
        if item and has_visible_text(item) and item not in items:
            if len(item) > 60:
                raise ValidationError(str(_l("Use at most %(count)d characters.", count=60)), field=field_name)
            items.append(item)
    if len(items) > limit:
        raise ValidationError(str(_l("Use at most %(count)d entries.", count=limit)), field=field_name)
    return items


def _url(value: str | None) -> str:
    value = clean_line(value)
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc or len(value) > 500:
        raise ValidationError(str(_l("Give a web address that starts with https://")), field="meeting_url")
    return value


@dataclass
class SpeakerFields:
    name: str
    affiliation: str = ""
    external: bool = False
    hours: float | str = 0
    topic: str = ""
    user_id: int | None = None


@dataclass
class ActivityFields:
    """What a convener types about an activity; times are the deployment's local wall-clock times."""

    title: str
    method: str
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    mode: str = Mode.OFFLINE.value
    place: str = ""
    meeting_url: str = ""
    agenda: str = ""
    subjects: str | Sequence[str] = ""
    tags: str | Sequence[str] = ""
    school_ids: Sequence[int] = ()
    recorder_id: int | None = None
    speakers: Sequence[SpeakerFields] = field(default_factory=list)


def check_times(starts_at: dt.datetime | None, ends_at: dt.datetime | None) -> tuple[dt.datetime, dt.datetime]:
    """Both times given, the end after the start, at most 24 hours long; returned in UTC."""
    checks = Checks()
    with checks:
        if starts_at is None:
            raise ValidationError(str(_l("Give the start.")), field="starts_at")
        # Beyond these years converting to UTC, the sign-in window or the next day would leave the calendar.
        check_in_range(starts_at, "starts_at")
    with checks:
        if ends_at is None:
            raise ValidationError(str(_l("Give the end.")), field="ends_at")
        check_in_range(ends_at, "ends_at")
    checks.done()
    starts, ends = to_utc(starts_at), to_utc(ends_at)
    if ends <= starts:
        raise ValidationError(str(_l("The end must come after the start.")), field="ends_at")
    if ends - starts > dt.timedelta(hours=MAX_HOURS):
        raise ValidationError(str(_l("An activity lasts at most %(hours)d hours; split longer events.",
                                     hours=MAX_HOURS)), field="ends_at")
    return starts, ends


def _speakers(community: Community, speakers: Sequence[SpeakerFields], members: set[int]) -> list[Speaker]:
    """The speakers as typed; a name that is a member's name links the member (their hours count as theirs)."""
    by_name = {user.display_name.casefold(): user.id for user in community_members(community)} if speakers else {}
    rows = []
    for position, item in enumerate(speakers):
        name = clean_line(item.name)
        if not name:
            continue
        try:
            hours = float(item.hours or 0)
        except (TypeError, ValueError):
            raise ValidationError(str(_l("Give the hours as a number, e.g. 1.5")), field="speakers") from None
        if not 0 <= hours <= MAX_HOURS or math.isnan(hours):
            raise ValidationError(str(_l("Give the hours as a number, e.g. 1.5")), field="speakers")
        rows.append(Speaker(position=position, name=_line(name, "speakers", 100),
                            affiliation=_line(item.affiliation, "speakers"), external=bool(item.external),
                            hours=round(hours, 1), topic=_line(item.topic, "speakers"),
                            user_id=item.user_id if item.user_id in members else by_name.get(name.casefold())))
    return rows


def _member_ids(community: Community) -> set[int]:
    return set(db.session.scalars(select(Membership.user_id).where(
        Membership.community_id == community.id, Membership.live)))


@dataclass
class CheckedActivity:
    """An activity's fields once every rule passed: cleaned, times in UTC, speakers as rows to store."""

    title: str
    method: str
    mode: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str
    meeting_url: str
    agenda: str
    subjects: list[str]
    tags: list[str]
    schools: list[School]
    recorder_id: int | None
    speakers: list[Speaker]


def check_activity(community: Community, fields: ActivityFields, *, repeat: str | None = None,
                   count: int = 1) -> CheckedActivity:
    """Check every field of an activity (and of a series, when `repeat` is given) and refuse them together:
    one ValidationError naming each field that breaks a rule, so the form shows every problem at once."""
    checks = Checks()
    with checks:
        title = _line(fields.title, "title", MAX_TITLE, required=True)
    with checks:
        if fields.method not in {method.value for method in Method}:
            raise ValidationError(str(_l("Choose from the list.")), field="method")
    with checks:
        if fields.mode not in {mode.value for mode in Mode}:
            raise ValidationError(str(_l("Choose from the list.")), field="mode")
    with checks:
        starts_at, ends_at = check_times(fields.starts_at, fields.ends_at)
    with checks:
        place = _line(fields.place, "place")
    with checks:
        meeting_url = _url(fields.meeting_url)
    with checks:
        agenda = _text(fields.agenda, "agenda")
    with checks:
        subjects = _list(fields.subjects, "subjects")
    with checks:
        tags = _list(fields.tags, "tags")
    members = _member_ids(community)
    with checks:
        if fields.recorder_id is not None and fields.recorder_id not in members:
            raise ValidationError(str(_l("Choose a member of the community.")), field="recorder_id")
    with checks:
        speakers = _speakers(community, fields.speakers, members)
    if repeat is not None:
        with checks:
            if repeat not in {"weekly", "monthly"}:
                raise ValidationError(str(_l("Choose from the list.")), field="repeat")
        with checks:
            if not 1 <= count <= MAX_SERIES:
                raise ValidationError(str(_l("Plan between 1 and %(count)d activities at once.",
                                             count=MAX_SERIES)), field="count")
    checks.done()
    school_ids = {school.id for school in community.schools}
    chosen = [school_id for school_id in fields.school_ids if school_id in school_ids]
    schools = list(db.session.scalars(select(School).where(School.id.in_(chosen)))) if chosen else []
    return CheckedActivity(title=title, method=fields.method, mode=fields.mode, starts_at=starts_at, ends_at=ends_at,
                           place=place, meeting_url=meeting_url, agenda=agenda, subjects=subjects, tags=tags,
                           schools=schools, recorder_id=fields.recorder_id, speakers=speakers)


def _apply(activity: Activity, community: Community, fields: ActivityFields) -> None:
    checked = check_activity(community, fields)
    activity.title, activity.method, activity.mode = checked.title, checked.method, checked.mode
    activity.starts_at, activity.ends_at = checked.starts_at, checked.ends_at
    activity.place, activity.meeting_url = checked.place, checked.meeting_url
    activity.agenda = checked.agenda
    activity.agenda_html = str(render_markdown(activity.agenda))
    activity.subjects, activity.tags = checked.subjects, checked.tags
    activity.schools = checked.schools
    activity.recorder_id = checked.recorder_id
    activity.speakers = checked.speakers


def _check_manager(community: Community, actor: User) -> None:
    if community.archived_at is not None:
        raise NotAllowed(str(_l("This community is archived.")))
    if not can(actor, "manage_activities", community):
        raise NotAllowed(str(_l("Only conveners can plan activities.")))


# --- planning ------------------------------------------------------------------------------------


def create_activity(community: Community, fields: ActivityFields, *, actor: User,
                    copied_from: Activity | None = None, series_key: str | None = None) -> Activity:
    """Plan one activity."""
    _check_manager(community, actor)
    activity = Activity(community_id=community.id, created_by_id=actor.id, sign_in_nonce=secrets.token_hex(8),
                        copied_from_id=copied_from.id if copied_from else None, series_key=series_key)
    activity.community = community
    _apply(activity, community, fields)
    db.session.add(activity)
    db.session.flush()
    return activity


def _shift_months(local: dt.datetime, months: int) -> dt.datetime:
    """The same day and time `months` later (the 31st becomes the month's last day)."""
    year, month = divmod(local.month - 1 + months, 12)
    year, month = local.year + year, month + 1
    last = (dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return local.replace(year=year, month=month, day=min(local.day, last))


def create_series(community: Community, fields: ActivityFields, *, actor: User, repeat: str,
                  count: int) -> list[Activity]:
    """Plan a weekly or monthly series: the same local time each week or month (DST changes included)."""
    _check_manager(community, actor)
    check_activity(community, fields, repeat=repeat, count=count)
    starts, ends = fields.starts_at.replace(tzinfo=None), fields.ends_at.replace(tzinfo=None)  # local wall time
    key = uuid.uuid4().hex
    made = []
    for index in range(count):
        if repeat == "weekly":
            shift_start, shift_end = starts + dt.timedelta(weeks=index), ends + dt.timedelta(weeks=index)
        else:
            # The end follows the start (not its own day): the 30th 22:00–the 31st 01:00 would otherwise end
            # before it starts in a month whose last day clamps both to the same date.
            shift_start = _shift_months(starts, index)
            shift_end = shift_start + (ends - starts)
        made.append(create_activity(community, _replace_times(fields, shift_start, shift_end), actor=actor,
                                    series_key=key))
    return made


def _replace_times(fields: ActivityFields, starts: dt.datetime, ends: dt.datetime) -> ActivityFields:
    from dataclasses import replace

    return replace(fields, starts_at=starts, ends_at=ends)


def fields_of(activity: Activity) -> ActivityFields:
    """The form values of an activity (times as local wall-clock times): to edit or to copy it."""
    return ActivityFields(
        title=activity.title, method=activity.method, mode=activity.mode,
        starts_at=to_local(activity.starts_at).replace(tzinfo=None),
        ends_at=to_local(activity.ends_at).replace(tzinfo=None), place=activity.place,
        meeting_url=activity.meeting_url, agenda=activity.agenda, subjects=list(activity.subjects or []),
        tags=list(activity.tags or []), school_ids=[school.id for school in activity.schools],
        recorder_id=activity.recorder_id,
        speakers=[SpeakerFields(name=item.name, affiliation=item.affiliation, external=item.external,
                                hours=float(item.hours or 0), topic=item.topic, user_id=item.user_id)
                  for item in activity.speakers])


def update_activity(activity: Activity, fields: ActivityFields, *, actor: User, base_version: int) -> Activity:
    """Change an activity; an edit that started from an older version is refused (nothing overwritten)."""
    if not can(actor, "manage", activity):
        raise NotAllowed(str(_l("Only conveners can change activities.")))
    # The version moves in the database, only from the one the form was loaded at (a compare-and-swap).
    if base_version != activity.version or not advance(activity, expected=base_version):
        raise Conflict(str(_l("Someone changed this activity while you were editing. Look at the saved "
                              "version and make your change again.")))
    _apply(activity, activity.community, fields)
    activity.updated_at = utcnow()
    return activity


def cancel_activity(activity: Activity, reason: str, *, actor: User) -> None:
    """Mark an activity cancelled; it stays in the records with its reason."""
    if not can(actor, "manage", activity):
        raise NotAllowed(str(_l("Only conveners can cancel activities.")))
    if activity.cancelled:
        return
    activity.cancelled_at, activity.cancel_reason = utcnow(), _line(reason, "reason", 500)
    advance(activity)  # in the database: an editor's form from before the cancellation is refused
    record_event(actor, "activity.cancelled", activity, activity.community, title=activity.title)


def reinstate_activity(activity: Activity, *, actor: User) -> None:
    if not can(actor, "manage", activity):
        raise NotAllowed(str(_l("Only conveners can change activities.")))
    if not activity.cancelled:
        return
    activity.cancelled_at, activity.cancel_reason = None, ""
    advance(activity)
    record_event(actor, "activity.reinstated", activity, activity.community, title=activity.title)


# --- listing -------------------------------------------------------------------------------------


@dataclass
class ActivityPage:
    items: list[Activity]
    page: int
    pages: int
    total: int
    when: str  # upcoming, past
    attendance: dict[int, int] = field(default_factory=dict)  # activity id -> people who came
    mine: dict[int, str] = field(default_factory=dict)  # activity id -> the viewer's own status


def list_activities(community: Community, viewer: Any, *, when: str = "upcoming", page: int = 1,
                    per_page: int = PER_PAGE, now: dt.datetime | None = None) -> ActivityPage:
    """Upcoming activities soonest first, or past ones latest first, with attendance counts (4 queries)."""
    now = now or utcnow()
    query = select(Activity).where(Activity.community_id == community.id)
    if when == "past":
        query = query.where(Activity.ends_at < now).order_by(Activity.starts_at.desc(), Activity.id.desc())
    else:
        when = "upcoming"
        query = query.where(Activity.ends_at >= now).order_by(Activity.starts_at, Activity.id)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = max(math.ceil(total / per_page), 1)
    page = min(max(page, 1), pages)
    items = list(db.session.scalars(query.options(selectinload(Activity.speakers))
                                    .limit(per_page).offset((page - 1) * per_page)))
    ids = [item.id for item in items]
    came = mine = {}
    if ids:
        came = dict(db.session.execute(
            select(Attendance.activity_id, func.count()).where(
                Attendance.activity_id.in_(ids), Attendance.status.in_([status.value for status in ATTENDED]))
            .group_by(Attendance.activity_id)).all())
        if getattr(viewer, "is_authenticated", False):
            mine = dict(db.session.execute(select(Attendance.activity_id, Attendance.status).where(
                Attendance.activity_id.in_(ids), Attendance.user_id == viewer.id)).all())
    return ActivityPage(items=items, page=page, pages=pages, total=total, when=when, attendance=came, mine=mine)


@dataclass
class MonthDay:
    date: dt.date
    in_month: bool
    activities: list[Activity]


def month_calendar(community: Community, year: int, month: int) -> list[list[MonthDay]]:
    """The weeks (Monday first) of a month with each local day's activities (one query)."""
    first = bounded(dt.date(year, month, 1))
    year, month = first.year, first.month
    start = first - dt.timedelta(days=first.weekday())
    last = (dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1))
    end = last + dt.timedelta(days=6 - last.weekday())
    window_start = to_utc(dt.datetime.combine(start, dt.time()))
    window_end = to_utc(dt.datetime.combine(end + dt.timedelta(days=1), dt.time()))
    by_day: dict[dt.date, list[Activity]] = {}
    for activity in db.session.scalars(
            select(Activity).where(Activity.community_id == community.id, Activity.starts_at >= window_start,
                                   Activity.starts_at < window_end).order_by(Activity.starts_at)):
        by_day.setdefault(to_local(activity.starts_at).date(), []).append(activity)
    weeks, day = [], start
    while day <= end:
        weeks.append([MonthDay(day + dt.timedelta(days=offset), (day + dt.timedelta(days=offset)).month == month,
                               by_day.get(day + dt.timedelta(days=offset), [])) for offset in range(7)])
        day += dt.timedelta(days=7)
    return weeks


# --- sign-in -------------------------------------------------------------------------------------


# The code on the board changes every few seconds (a time step, as in TOTP): a token names its activity,
# community, the activity's nonce (voided by "New code") and its step, and is taken until its step is over plus
# a grace. Someone who scanned in time keeps that moment through a *scan receipt*: signed by the server, it
# records when the code was checked and who holds it (the person logged in, or, for a visitor sent to log in
# first, a random value in a cookie of the browser that scanned), and holds for SIGN_IN_LOGIN_MINUTES.


class CodeExpired(ValidationError):
    """A genuine code of the activity, scanned after its grace: the person should scan the screen again."""


@dataclass(frozen=True)
class SignInPurpose:
    """What a sign-in link in a login's `next` is for: the activity's title and community when its code is good."""

    title: str | None = None
    community: str | None = None


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="activity-sign-in")


def _receipts() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="activity-sign-in-scan")


def code_seconds() -> int:
    """How long each code is shown on the board (SIGN_IN_CODE_SECONDS, at least 1)."""
    return max(1, int(current_app.config.get("SIGN_IN_CODE_SECONDS", 15)))


def code_grace() -> dt.timedelta:
    """How long a code is still taken after the board replaced it (SIGN_IN_CODE_GRACE_SECONDS)."""
    return dt.timedelta(seconds=max(0, int(current_app.config.get("SIGN_IN_CODE_GRACE_SECONDS", 45))))


def login_grace() -> dt.timedelta:
    """How long a scan made in time stays good while the person logs in (SIGN_IN_LOGIN_MINUTES)."""
    return dt.timedelta(minutes=max(0, int(current_app.config.get("SIGN_IN_LOGIN_MINUTES", 10))))


def code_step(now: dt.datetime | None = None) -> int:
    """The number of the board's time step at `now` (steps of code_seconds() since the Unix epoch)."""
    return math.floor((now or utcnow()).timestamp()) // code_seconds()


def code_replaced_at(step: int) -> dt.datetime:
    """When the code of `step` leaves the board (the next step begins)."""
    return dt.datetime.fromtimestamp((step + 1) * code_seconds(), dt.UTC)


def sign_in_token(activity: Activity, now: dt.datetime | None = None) -> str:
    """The token in the QR code at `now`: signed, naming the activity, its community, its nonce and the step."""
    return _serializer().dumps({"a": activity.id, "c": activity.community_id, "n": activity.sign_in_nonce,
                                "s": code_step(now)})


def sign_in_window(activity: Activity) -> tuple[dt.datetime, dt.datetime]:
    """When QR sign-in opens and closes (UTC): SIGN_IN_OPENS before the start, SIGN_IN_CLOSES after the end."""
    return shifted(activity.starts_at, -SIGN_IN_OPENS), shifted(activity.ends_at, SIGN_IN_CLOSES)


def sign_in_state(activity: Activity, now: dt.datetime | None = None) -> str:
    """What the board shows at `now`: "cancelled", "upcoming" (before the window), "open" or "closed"."""
    if activity.cancelled:
        return "cancelled"
    now = now or utcnow()
    opens, closes = sign_in_window(activity)
    if now < opens:
        return "upcoming"
    return "open" if now <= closes else "closed"


def _token_data(token: str) -> dict[str, Any] | None:
    try:
        data = _serializer().loads(token or "")
    except BadSignature:
        return None
    return data if isinstance(data, dict) else None


def token_names(activity: Activity, token: str) -> bool:
    """Whether the token is a genuine code of this activity (whatever its window, step or nonce)."""
    data = _token_data(token)
    return data is not None and data.get("a") == activity.id and data.get("c") == activity.community_id


def check_token(activity: Activity, token: str, now: dt.datetime | None = None) -> None:
    """Refuse a token that is forged, made for another activity or community, voided, used outside the
    window, or scanned after its grace (CodeExpired). `now` is the moment of the scan."""
    data = _token_data(token)
    if data is None:
        raise ValidationError(str(_l("This sign-in code is not valid. Scan the code on the screen again.")))
    if data.get("a") != activity.id or data.get("c") != activity.community_id:
        raise ValidationError(str(_l("This sign-in code belongs to another activity.")))
    if data.get("n") != activity.sign_in_nonce:
        raise ValidationError(str(_l("This sign-in code has been replaced. Scan the code on the screen again.")))
    if activity.cancelled:
        raise ValidationError(str(_l("This activity was cancelled.")))
    now = now or utcnow()
    opens, closes = sign_in_window(activity)
    if now < opens:
        raise ValidationError(str(_l("Sign-in opens at %(when)s.", when=local_moment(opens))))
    if now > closes:
        raise ValidationError(str(_l("Sign-in closed at %(when)s. Ask the convener to mark you.",
                                     when=local_moment(closes))))
    step = data.get("s")
    # A code from before rotation (no step) or from a step not begun (a forged clock) is as stale as an old one.
    if (not isinstance(step, int) or isinstance(step, bool) or step > code_step(now) + 1
            or now > code_replaced_at(step) + code_grace()):
        raise CodeExpired(str(_l("This code has expired: the code on the screen changes every few seconds. "
                                 "Scan the code on the screen again.")))


def browser_mark(browser: str) -> str:
    """What a scan receipt keeps of a browser's scan cookie: a digest, so the link alone does not carry it."""
    return hashlib.sha256(("activity-sign-in-browser:" + browser).encode()).hexdigest()[:32]


def scan_receipt(activity: Activity, token: str, *, user: User | None = None, browser: str = "",
                 now: dt.datetime | None = None) -> str:
    """A signed record that the token was good at `now`, held by `user` (or, for a visitor, the browser).

    Raises the token's refusal when it is not good at `now`.
    """
    now = now or utcnow()
    check_token(activity, token, now)
    if user is None and not browser:
        raise ValueError("a scan receipt needs a holder: the user or the browser")
    data = _token_data(token) or {}
    return _receipts().dumps({"a": activity.id, "n": data.get("n"), "s": data.get("s"),
                              "at": math.floor(now.timestamp()), "u": user.id if user is not None else None,
                              "b": browser_mark(browser) if user is None else None})


def _read_receipt(activity: Activity, token: str, receipt: str, now: dt.datetime) -> dict[str, Any] | None:
    """The receipt's data when it is genuine, names this very code, and is no older than login_grace()."""
    if not receipt:
        return None
    try:
        data = _receipts().loads(receipt)
    except BadSignature:
        return None
    code = _token_data(token)
    if not isinstance(data, dict) or code is None or not isinstance(data.get("at"), int):
        return None
    if (data.get("a"), data.get("n"), data.get("s")) != (activity.id, code.get("n"), code.get("s")):
        return None
    scanned = dt.datetime.fromtimestamp(data["at"], dt.UTC)
    if scanned > now + dt.timedelta(seconds=5) or now - scanned > login_grace():
        return None
    return data


def scan_moment(activity: Activity, token: str, receipt: str, *, actor: User, browser: str = "",
                now: dt.datetime | None = None) -> dt.datetime:
    """The moment the code counts from: the receipt's when it is good and the actor holds it, else `now`."""
    now = now or utcnow()
    data = _read_receipt(activity, token, receipt, now)
    if data is None:
        return now
    held = (data.get("u") == actor.id if data.get("u") is not None
            else bool(browser) and hmac.compare_digest(str(data.get("b") or ""), browser_mark(browser)))
    return dt.datetime.fromtimestamp(data["at"], dt.UTC) if held else now


def sign_in_purpose(target: str, now: dt.datetime | None = None) -> SignInPurpose | None:
    """What a login's `next` address is for when it is a sign-in link: None for any other address.

    The title and community are told only while the link's code is good (or was, in its receipt), so a guessed
    or old link teaches nothing the person could not already see.
    """
    from werkzeug.exceptions import HTTPException

    parts = urlsplit(target or "")
    try:
        endpoint, args = current_app.url_map.bind("localhost").match(parts.path, method="GET")
    except HTTPException:
        return None
    if endpoint != "activities.sign_in_page":
        return None
    query = parse_qs(parts.query)
    token, receipt = (query.get("t") or [""])[0], (query.get("r") or [""])[0]
    if not 0 < args["activity_id"] < 2**63:  # no such row, and the database would refuse the number
        return SignInPurpose()
    activity = db.session.get(Activity, args["activity_id"])
    if activity is None or activity.community.slug != args["slug"]:
        return SignInPurpose()
    now = now or utcnow()
    data = _read_receipt(activity, token, receipt, now)
    moment = dt.datetime.fromtimestamp(data["at"], dt.UTC) if data else now
    try:
        check_token(activity, token, moment)
    except DomainError:
        return SignInPurpose()
    return SignInPurpose(activity.title, activity.community.name)


def sign_in(activity: Activity, token: str, *, actor: User, receipt: str = "", browser: str = "",
            now: dt.datetime | None = None) -> Attendance:
    """Sign the actor in with the QR code's token: present, or late after start + 10 minutes.

    The code is checked at the moment of the scan (a receipt the actor holds, else `now`), and that moment is
    recorded. Only oneself can be signed in this way; a second sign-in changes nothing; a non-member is refused.
    """
    now = now or utcnow()
    moment = scan_moment(activity, token, receipt, actor=actor, browser=browser, now=now)
    check_token(activity, token, moment)
    if not can(actor, "sign_in", activity):
        raise NotAllowed(str(_l("Only members of the community can sign in. Ask the convener to add you.")))
    attendance = db.session.scalar(select(Attendance).where(
        Attendance.activity_id == activity.id, Attendance.user_id == actor.id))
    if attendance is not None and attendance.signed_at is not None:
        return attendance  # already signed in: nothing changes
    status = AttendanceStatus.LATE if moment > activity.starts_at + LATE_AFTER else AttendanceStatus.PRESENT
    if attendance is None:
        attendance = Attendance(activity_id=activity.id, user_id=actor.id)
        db.session.add(attendance)
    attendance.status, attendance.signed_at, attendance.how = status.value, moment, "qr"
    attendance.updated_by_id, attendance.updated_at = actor.id, now
    db.session.flush()
    return attendance


def regenerate_sign_in(activity: Activity, *, actor: User) -> None:
    """Void every QR code issued for the activity (e.g. a photo of it was shared)."""
    if not can(actor, "manage", activity):
        raise NotAllowed(str(_l("Only conveners can change activities.")))
    activity.sign_in_nonce = secrets.token_hex(8)


def signed_in(activity: Activity) -> list[Attendance]:
    """Who signed in or was marked as come, in order of arrival (the live board)."""
    return list(db.session.scalars(
        select(Attendance).where(Attendance.activity_id == activity.id,
                                 Attendance.status.in_([status.value for status in ATTENDED]))
        .options(joinedload(Attendance.user)).order_by(Attendance.signed_at.is_(None), Attendance.signed_at,
                                                       Attendance.id)))


# --- the attendance table ------------------------------------------------------------------------


@dataclass
class RosterRow:
    user: User
    role: str
    status: str  # "" when nobody marked them yet
    how: str
    signed_at: dt.datetime | None
    leave: LeaveRequest | None


def roster(activity: Activity) -> list[RosterRow]:
    """Every current member (and anyone who was marked, even if they left since), with status and leave."""
    members = db.session.execute(
        select(User, Membership.role).join(Membership, Membership.user_id == User.id)
        .where(Membership.community_id == activity.community_id, Membership.live,
               Membership.role.in_(CONTRIBUTORS))
        .order_by(User.display_name)).all()
    marks = {row.user_id: row for row in db.session.scalars(
        select(Attendance).where(Attendance.activity_id == activity.id).options(joinedload(Attendance.user)))}
    leaves = {row.user_id: row for row in db.session.scalars(
        select(LeaveRequest).where(LeaveRequest.activity_id == activity.id))}
    rows = []
    seen = set()
    for user, role in members:
        mark = marks.get(user.id)
        rows.append(RosterRow(user, role, mark.status if mark else "", mark.how if mark else "",
                              mark.signed_at if mark else None, leaves.get(user.id)))
        seen.add(user.id)
    for user_id, mark in marks.items():
        if user_id not in seen:
            rows.append(RosterRow(mark.user, "", mark.status, mark.how, mark.signed_at, leaves.get(user_id)))
    return rows


def set_attendance(activity: Activity, statuses: dict[int, str], *, actor: User,
                   now: dt.datetime | None = None) -> int:
    """Save the convener's table: each person's status ("" leaves someone unmarked). Return how many changed.

    Changes made after the activity ended are recorded in the audit trail: who, from what, to what.
    """
    if not can(actor, "manage", activity):
        raise NotAllowed(str(_l("Only conveners can take attendance.")))
    now = now or utcnow()
    allowed = {status.value for status in AttendanceStatus}
    members = _member_ids(activity.community)
    late = now > activity.ends_at  # changes after the end are audited, naming the member
    names = {user_id: name for user_id, name in db.session.execute(select(User.id, User.display_name).where(
        User.id.in_(list(statuses))))} if late and statuses else {}
    marks = {row.user_id: row for row in db.session.scalars(
        select(Attendance).where(Attendance.activity_id == activity.id))}
    changed = 0
    for user_id, status in statuses.items():
        if status and status not in allowed:
            raise ValidationError(str(_l("Choose from the list.")), field=f"status-{user_id}")
        mark = marks.get(user_id)
        before = mark.status if mark else ""
        if status == before or (user_id not in members and mark is None):
            continue
        if not status:
            db.session.delete(mark)
        elif mark is None:
            db.session.add(Attendance(activity_id=activity.id, user_id=user_id, status=status, how="convener",
                                      updated_by_id=actor.id, updated_at=now))
        else:
            mark.status, mark.updated_by_id, mark.updated_at = status, actor.id, now
        changed += 1
        if late:
            record_event(actor, "attendance.changed", activity, activity.community, title=activity.title,
                         user_id=user_id, name=names.get(user_id, ""), before=before, after=status)
    db.session.flush()
    return changed


# --- excused leave -------------------------------------------------------------------------------


def request_leave(activity: Activity, reason: str, *, actor: User, now: dt.datetime | None = None) -> LeaveRequest:
    """Ask to be excused before the activity starts (asking again changes the reason)."""
    now = now or utcnow()
    if not can(actor, "request_leave", activity):
        raise NotAllowed(str(_l("Only members of the community can ask for leave.")))
    if now >= activity.starts_at:
        raise ValidationError(str(_l("Leave is asked for before the activity starts. Tell the convener "
                                     "directly.")), field="reason")
    reason = _line(reason, "reason", 500, required=True)
    leave = db.session.scalar(select(LeaveRequest).where(
        LeaveRequest.activity_id == activity.id, LeaveRequest.user_id == actor.id))
    if leave is None:
        leave = LeaveRequest(activity_id=activity.id, user_id=actor.id, reason=reason)
        db.session.add(leave)
    else:
        leave.reason, leave.status, leave.decided_at, leave.decided_by_id = reason, "pending", None, None
    db.session.flush()
    return leave


def decide_leave(leave: LeaveRequest, approve: bool, *, actor: User, now: dt.datetime | None = None) -> None:
    """Approve (the member is marked excused) or decline a leave request."""
    activity = db.session.get(Activity, leave.activity_id)
    if not can(actor, "manage", activity):
        raise NotAllowed(str(_l("Only conveners can decide on leave.")))
    now = now or utcnow()
    leave.status, leave.decided_at, leave.decided_by_id = ("approved" if approve else "declined"), now, actor.id
    mark = db.session.scalar(select(Attendance).where(
        Attendance.activity_id == activity.id, Attendance.user_id == leave.user_id))
    if approve and (mark is None or mark.status == AttendanceStatus.ABSENT):
        set_attendance(activity, {leave.user_id: AttendanceStatus.EXCUSED.value}, actor=actor, now=now)
    elif not approve and mark is not None and mark.status == AttendanceStatus.EXCUSED:
        set_attendance(activity, {leave.user_id: ""}, actor=actor, now=now)


def pending_leave(activity: Activity) -> list[LeaveRequest]:
    return list(db.session.scalars(select(LeaveRequest).where(
        LeaveRequest.activity_id == activity.id, LeaveRequest.status == "pending")
        .options(joinedload(LeaveRequest.user)).order_by(LeaveRequest.created_at)))


def my_leave(activity: Activity, user: Any) -> LeaveRequest | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(select(LeaveRequest).where(
        LeaveRequest.activity_id == activity.id, LeaveRequest.user_id == user.id))


def my_attendance(activity: Activity, user: Any) -> Attendance | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(select(Attendance).where(
        Attendance.activity_id == activity.id, Attendance.user_id == user.id))


# --- minutes -------------------------------------------------------------------------------------


def minutes_template(activity: Activity, gettext: Any) -> str:
    """The headings a new record starts from, in the writer's language, the agenda already filled in."""
    sections = []
    for heading in MINUTES_TEMPLATE:
        body = activity.agenda if heading == "Agenda" and activity.agenda else ""
        sections.append(f"## {gettext(heading)}\n\n{body}".rstrip() + "\n")
    return "\n".join(sections)


def save_minutes(activity: Activity, minutes: str, outcomes: str, *, actor: User, base_version: int) -> None:
    """Save the minutes and outcomes; a save that started from an older version is refused."""
    if not can(actor, "write_minutes", activity):
        raise NotAllowed(str(_l("Only the conveners and the named recorder write the minutes.")))
    # The version moves in the database, only from the one the writer started from (a compare-and-swap).
    if base_version != activity.minutes_version or not advance(activity, "minutes_version", expected=base_version):
        raise Conflict(str(_l("Someone saved the minutes while you were writing. Your text is below; "
                              "compare it with the saved version and save again.")), field="minutes")
    activity.minutes = _text(minutes, "minutes")
    activity.minutes_html = str(render_markdown(activity.minutes))
    activity.outcomes = _text(outcomes, "outcomes")
    activity.outcomes_html = str(render_markdown(activity.outcomes))
    activity.minutes_updated_at, activity.minutes_updated_by_id = utcnow(), actor.id


def community_members(community: Community) -> list[User]:
    """The community's members who take part in activities (not guest experts), by name."""
    return list(db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.community_id == community.id, Membership.live,
               Membership.role.in_(CONTRIBUTORS)).order_by(User.display_name)))


def members_for_sheet(activity: Activity) -> list[User]:
    """The names on the paper sign-in sheet."""
    return community_members(activity.community)


# --- evidence ------------------------------------------------------------------------------------

EVIDENCE_KINDS = ("photo", "video", "document", "sheet")
MAX_CAPTION = 300


def evidence_kind(media_type: str, *, sheet: bool = False) -> str:
    """What an upload is: a scanned sign-in sheet (when the uploader says so), a photo, a video or a document."""
    if sheet:
        return "sheet"
    if media_type.startswith("image/"):
        return "photo"
    if media_type.startswith(("video/", "audio/")):
        return "video"
    return "document"


def add_evidence(activity: Activity, stored: Any, *, actor: User, caption: str = "", sheet: bool = False) -> Evidence:
    """Keep a checked upload (core/storage did the checks and re-encoding) as evidence of the activity."""
    if not can(actor, "manage", activity) and not can(actor, "write_minutes", activity):
        raise NotAllowed(str(_l("Only the conveners and the recorder add evidence.")))
    evidence = Evidence(activity_id=activity.id, blob=stored.blob, kind=evidence_kind(stored.media_type, sheet=sheet),
                        filename=stored.filename, media_type=stored.media_type, size=stored.size,
                        caption=_line(caption, "caption", MAX_CAPTION), uploader_id=actor.id)
    db.session.add(evidence)
    db.session.flush()
    return evidence


def evidence_of(activity: Activity, *, include_deleted: bool = False) -> list[Any]:
    query = select(Evidence).where(Evidence.activity_id == activity.id)
    if not include_deleted:
        query = query.where(Evidence.live)
    return list(db.session.scalars(query.order_by(Evidence.created_at, Evidence.id)))


def set_caption(evidence: Any, caption: str, *, actor: User) -> None:
    activity = db.session.get(Activity, evidence.activity_id)
    if not can(actor, "manage", activity) and not can(actor, "write_minutes", activity):
        raise NotAllowed(str(_l("Only the conveners and the recorder add evidence.")))
    evidence.caption = _line(caption, "caption", MAX_CAPTION)


def remove_evidence(evidence: Any, *, actor: User, restore: bool = False) -> None:
    """Move evidence out of the bundle (kept, so a convener can bring it back) or back into it."""
    activity = db.session.get(Activity, evidence.activity_id)
    if not can(actor, "manage", activity):
        raise NotAllowed(str(_l("Only conveners can remove evidence.")))
    evidence.deleted_at = None if restore else utcnow()
    record_event(actor, "evidence.restored" if restore else "evidence.removed", evidence, activity.community,
                 title=activity.title, filename=evidence.filename)


@dataclass
class Checklist:
    """What a funder asks of every activity, ticked off as it is recorded."""

    minutes: bool
    attendance: bool
    photo: bool
    feedback: bool

    @property
    def done(self) -> int:
        return sum((self.minutes, self.attendance, self.photo, self.feedback))

    @property
    def complete(self) -> bool:
        return self.done == 4


def checklist(activity: Activity, evidence: Sequence[Evidence] | None = None,
              feedback_count: int | None = None) -> Checklist:
    """Minutes written, attendance taken, at least one photo, feedback collected."""
    evidence = evidence if evidence is not None else evidence_of(activity)
    attended = db.session.scalar(select(func.count()).select_from(Attendance).where(
        Attendance.activity_id == activity.id)) or 0
    if feedback_count is None:
        feedback_count = db.session.scalar(select(func.count()).select_from(Feedback).where(
            Feedback.activity_id == activity.id)) or 0
    return Checklist(minutes=bool(activity.minutes and has_visible_text(activity.minutes)), attendance=attended > 0,
                     photo=any(item.kind == "photo" for item in evidence), feedback=feedback_count > 0)


# --- feedback ------------------------------------------------------------------------------------

MAX_COMMENT = 2_000


def check_feedback(satisfaction: int | str | None, comment: str | None) -> tuple[int, str]:
    """The score (1–5) and the comment, checked together (one ValidationError naming each field)."""
    checks = Checks()
    with checks:
        try:
            score = int(satisfaction or 0)
        except (TypeError, ValueError):
            score = 0
        if not 1 <= score <= 5:
            raise ValidationError(str(_l("Choose from 1 (not at all) to 5 (very).")), field="satisfaction")
    with checks:
        comment = _text(comment, "comment", MAX_COMMENT)
    checks.done()
    return score, comment


def give_feedback(activity: Activity, satisfaction: int | str | None, comment: str, *, actor: User,
                  now: dt.datetime | None = None) -> Any:
    """A member's feedback, once, after the activity has started: satisfaction 1–5 and a comment."""
    now = now or utcnow()
    if not can(actor, "give_feedback", activity):
        raise NotAllowed(str(_l("Only members of the community give feedback.")))
    if now < activity.starts_at:
        raise ValidationError(str(_l("Feedback opens when the activity starts.")), field="satisfaction")
    if db.session.scalar(select(Feedback.id).where(Feedback.activity_id == activity.id,
                                                   Feedback.user_id == actor.id)) is not None:
        raise ValidationError(str(_l("You have already given your feedback on this activity. Thank you!")),
                              field="satisfaction")
    score, comment = check_feedback(satisfaction, comment)
    feedback = Feedback(activity_id=activity.id, user_id=actor.id, satisfaction=score, comment=comment,
                        created_at=now)
    db.session.add(feedback)
    db.session.flush()
    return feedback


def my_feedback(activity: Activity, user: Any) -> Any:
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(select(Feedback).where(Feedback.activity_id == activity.id,
                                                    Feedback.user_id == user.id))


@dataclass
class FeedbackSummary:
    """The distribution of satisfaction and the comments, without names (what a convener sees)."""

    count: int
    counts: dict[int, int]  # 1..5 -> how many
    average: float | None
    comments: list[str]

    @property
    def widest(self) -> int:
        return max(self.counts.values() or [0]) or 1


def feedback_summary(activity: Activity) -> FeedbackSummary:
    rows = db.session.execute(select(Feedback.satisfaction, Feedback.comment).where(
        Feedback.activity_id == activity.id).order_by(Feedback.created_at)).all()
    counts = {score: 0 for score in range(1, 6)}
    for score, _comment in rows:
        counts[score] += 1
    comments = [comment for _score, comment in rows if comment and has_visible_text(comment)]
    average = round(sum(score for score, _comment in rows) / len(rows), 2) if rows else None
    return FeedbackSummary(count=len(rows), counts=counts, average=average, comments=comments)


# --- participation -------------------------------------------------------------------------------


def participation(community: Community, start: dt.date, end: dt.date, *,
                  now: dt.datetime | None = None) -> records.Participation:
    """Who came to what between two local dates (inclusive): the participation page's one community."""
    return records.participation([community.id], Period(bounded(start), bounded(end)), now=now)


# --- monthly plans -------------------------------------------------------------------------------


def plan_deadline(month: dt.date) -> dt.date:
    """The day the plan for `month` is due: the configured day (default the 20th) of the month before."""
    day = int(current_app.config.get("MONTHLY_PLAN_DAY", 20))
    before = (month.replace(day=1) - dt.timedelta(days=1))
    return before.replace(day=min(day, before.day))


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    first = bounded(month).replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return to_utc(dt.datetime.combine(first, dt.time())), to_utc(dt.datetime.combine(following, dt.time()))


def activities_in_month(community: Community, month: dt.date) -> list[Activity]:
    start, end = month_bounds(month)
    return list(db.session.scalars(select(Activity).where(
        Activity.community_id == community.id, Activity.starts_at >= start, Activity.starts_at < end)
        .order_by(Activity.starts_at)))


def monthly_plan(community: Community, month: dt.date) -> MonthlyPlan | None:
    return db.session.scalar(select(MonthlyPlan).where(MonthlyPlan.community_id == community.id,
                                                       MonthlyPlan.month == month.replace(day=1)))


def submit_monthly_plan(community: Community, month: dt.date, note: str, *, actor: User,
                        now: dt.datetime | None = None) -> MonthlyPlan:
    """Submit (or submit again) the plan for a month: the activities planned in it so far, and a note."""
    _check_manager(community, actor)
    check_in_range(month, "month")
    month = month.replace(day=1)
    planned = [activity for activity in activities_in_month(community, month) if not activity.cancelled]
    if not planned:
        raise ValidationError(str(_l("Plan the month's activities first; the plan lists them.")), field="note")
    plan = monthly_plan(community, month)
    if plan is None:
        plan = MonthlyPlan(community_id=community.id, month=month)
        db.session.add(plan)
    plan.note = _text(note, "note", 5_000)
    plan.planned = [{"id": activity.id, "title": activity.title, "starts_at": activity.starts_at.isoformat(),
                     "method": activity.method} for activity in planned]
    plan.submitted_at, plan.submitted_by_id = now or utcnow(), actor.id
    record_event(actor, "monthly_plan.submitted", plan, community, month=month.isoformat(), count=len(planned))
    db.session.flush()
    return plan


@dataclass
class PlanStatus:
    """Where the plan for a month stands: due when, submitted when, planned versus held."""

    month: dt.date
    deadline: dt.date
    plan: Any
    activities: list[Activity]
    today: dt.date

    @property
    def submitted(self) -> bool:
        return self.plan is not None and self.plan.submitted_at is not None

    @property
    def late(self) -> bool:
        return self.submitted and to_local(self.plan.submitted_at).date() > self.deadline

    @property
    def past(self) -> bool:
        """The month is over: its page shows what happened, nobody can submit its plan any more."""
        return self.month < self.today.replace(day=1)

    @property
    def overdue(self) -> bool:
        """Due and not submitted while it can still be: a month that is over is not an alarm any more."""
        return not self.submitted and self.today > self.deadline and not self.past

    @property
    def due_soon(self) -> bool:
        return not self.submitted and self.deadline - dt.timedelta(days=10) <= self.today <= self.deadline

    @property
    def planned_ids(self) -> set[int]:
        return {item["id"] for item in (self.plan.planned if self.plan else [])}

    @property
    def held(self) -> list[Activity]:
        now = utcnow()
        return [activity for activity in self.activities if not activity.cancelled and activity.ends_at <= now]

    @property
    def unplanned(self) -> list[Activity]:
        return [activity for activity in self.activities if activity.id not in self.planned_ids]


def plan_status(community: Community, month: dt.date, today: dt.date | None = None) -> PlanStatus:
    month = month.replace(day=1)
    today = today or to_local(utcnow()).date()
    return PlanStatus(month, plan_deadline(month), monthly_plan(community, month),
                      activities_in_month(community, month), today)


def next_month(today: dt.date) -> dt.date:
    return (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


# --- what an activity produced -------------------------------------------------------------------


OUTPUT = "output"  # the role of a resource an activity produced or used (links.Link)


def _check_may_link(activity: Activity, actor: User) -> None:
    if not (can(actor, "manage", activity) or can(actor, "write_minutes", activity)):
        raise NotAllowed(str(_l("Only the conveners and the recorder link records to an activity.")))


def link_resource(activity: Activity, resource: Any, *, actor: User) -> links.Link:
    """Note a library resource the activity produced or used (a lesson plan, slides, a case)."""
    _check_may_link(activity, actor)
    if resource is None or resource.community_id != activity.community_id or not resource.live:
        raise ValidationError(str(_l("Choose a resource of this community.")), field="resource_id")
    return links.add_link(activity, resource, OUTPUT, actor=actor)


def unlink(activity: Activity, link: links.Link, *, actor: User) -> None:
    """Remove a resource link of the activity (the resource stays in the library)."""
    _check_may_link(activity, actor)
    if (link.from_type, link.from_id, link.role) != ("activity", activity.id, OUTPUT):
        raise NotAllowed(str(_l("Only the conveners and the recorder link records to an activity.")))
    links.remove_link(link)


def linked_resources(activity: Activity) -> list[tuple[links.Link, Any]]:
    """The resources linked to the activity (those still in the library), in the order they were linked."""
    return links.resolve(links.links_from(activity, to_kind="resource", roles=(OUTPUT,)))


def resources_to_link(activity: Activity, query: str = "", limit: int = 50) -> list[Any]:
    """The community's resources not linked yet, most recently changed first, whose title has `query`
    (the choices of the link picker, loaded when it is opened; ordered on ix_resources_community_recent)."""
    condition = [Resource.community_id == activity.community_id, Resource.live,
                 Resource.id.not_in(links.linked_ids(activity, "resource", roles=(OUTPUT,)))]
    if query:
        condition.append(Resource.title.icontains(query, autoescape=True))
    return list(db.session.scalars(select(Resource).where(*condition)
                                   .order_by(Resource.updated_at.desc()).limit(limit)))
