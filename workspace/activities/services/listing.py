"""Lists of activities, the month calendar, and the next activities a reader's homes show."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from workspace.activities import records
from workspace.activities.models import Activity, Attendance
from workspace.activities.policy import may_ask_leave
from workspace.activities.records import ATTENDED
from workspace.activities.services._common import PER_PAGE, marked_ahead, to_local, to_utc
from workspace.communities.models import Community
from workspace.communities.policy import role_in
from workspace.core.database import utcnow
from workspace.core.pagination import require_page
from workspace.core.parsing import bounded
from workspace.core.permissions import CONTRIBUTORS, scope
from workspace.extensions import db

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
    """Upcoming activities soonest first, or past ones latest first, with attendance counts (4 queries); those the
    viewer may read (a pair's private meeting only for the pair and the conveners)."""
    now = now or utcnow()
    query = select(Activity).where(Activity.community_id == community.id, scope(viewer, "view", Activity))
    if when == "past":
        query = query.where(Activity.ends_at < now).order_by(Activity.starts_at.desc(), Activity.id.desc())
    else:
        when = "upcoming"
        query = query.where(Activity.ends_at >= now).order_by(Activity.starts_at, Activity.id)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = require_page(page, total, per_page)
    items = list(db.session.scalars(query.options(selectinload(Activity.speakers))
                                    .limit(per_page).offset((page - 1) * per_page)))
    ids = [item.id for item in items]
    came = mine = {}
    if ids:
        came = dict(db.session.execute(
            select(Attendance.activity_id, func.count()).where(
                Attendance.activity_id.in_(ids), Attendance.status.in_([status.value for status in ATTENDED]))
            .group_by(Attendance.activity_id)).all())
        if getattr(viewer, "is_authenticated", False):  # a mark given ahead is not "You: Present" yet
            mine = dict(db.session.execute(
                select(Attendance.activity_id, Attendance.status).join(Activity, Activity.id == Attendance.activity_id)
                .where(Attendance.activity_id.in_(ids), Attendance.user_id == viewer.id, ~marked_ahead(now))).all())
    return ActivityPage(items=items, page=page, pages=pages, total=total, when=when, attendance=came, mine=mine)


@dataclass(frozen=True)
class NextActivity:
    """An activity still to come on a reader's home (the community's, or My communities), with what it asks of
    them: a frozen row, so a kept fragment's key by itself (every value it draws is here)."""

    activity: records.UpcomingActivity
    slug: str  # its community's, for the links
    community: str  # its community's name (My communities names it)
    started: bool  # under way when the page was drawn: no more "you are expected"
    expected: bool  # records.expects, as the activity's page says "You are expected"
    may_ask_leave: bool  # the policy's request_leave, as the activity's page offers the form


def next_activities(viewer: Any, communities: Sequence[Community], *, limit: int = 3,
                    now: dt.datetime | None = None) -> list[NextActivity]:
    """The next `limit` activities of these communities (whose activities the caller has let the viewer read), not
    cancelled, soonest first, each with what it asks of the viewer, as the activity's page tells them: expected
    (records.expects: marked, or a member unless only named people are) and whether they may ask to be excused
    (the policy). One query: the viewer's role in each community is the policy's, read once per request."""
    now = now or utcnow()
    by_id = {community.id: community for community in communities}
    person_id = viewer.id if getattr(viewer, "is_authenticated", False) else None
    found = []
    for row in records.upcoming(list(by_id), person_id=person_id, now=now, limit=limit):
        community = by_id[row.community_id]
        role = role_in(viewer, community)
        found.append(NextActivity(
            row, community.slug, community.name, row.starts_at <= now,
            records.expects(row, marked=row.marked, member=role in CONTRIBUTORS),
            may_ask_leave(role, community, row, marked=row.marked)))
    return found


@dataclass
class MonthDay:
    date: dt.date
    in_month: bool
    activities: list[Activity]


def month_calendar(community: Community, year: int, month: int, viewer: Any) -> list[list[MonthDay]]:
    """The weeks (Monday first) of a month with each local day's activities the viewer may read (one query)."""
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
                                   Activity.starts_at < window_end, scope(viewer, "view", Activity))
            .order_by(Activity.starts_at)):
        by_day.setdefault(to_local(activity.starts_at).date(), []).append(activity)
    weeks, day = [], start
    while day <= end:
        weeks.append([MonthDay(day + dt.timedelta(days=offset), (day + dt.timedelta(days=offset)).month == month,
                               by_day.get(day + dt.timedelta(days=offset), [])) for offset in range(7)])
        day += dt.timedelta(days=7)
    return weeks
