"""The convener's attendance table (changes audited), excused leave, and participation between two dates."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from workspace.activities import records
from workspace.activities.models import Activity, Attendance, AttendanceStatus, LeaveRequest
from workspace.activities.services._common import _line, _member_ids
from workspace.auth.models import User
from workspace.communities.models import Community, Membership
from workspace.communities.policy import role_in
from workspace.core.database import utcnow
from workspace.core.errors import NotAllowed, ValidationError
from workspace.core.models import record_event
from workspace.core.parsing import bounded
from workspace.core.permissions import CONTRIBUTORS, can, scope
from workspace.core.records import Period
from workspace.extensions import db

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
    """Every current member (and anyone who was marked, even if they left since), with status and leave. A pair's
    private meeting or observation lists only the pair (those it marks): a mark is what lets a member read it."""
    members = [] if activity.private else db.session.execute(
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
        if activity.private and (mark is None or not status):
            continue  # a private one's marks are the pair's: changed, never given to another or taken away
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


_UNREAD: Any = object()  # is_expected's `mine` not given: read it


def is_expected(activity: Activity, user: Any, *, mine: Attendance | None = _UNREAD) -> bool:
    """Whether the activity expects `user` (`records.expects`): marked by it, or a member of its community unless only
    those it marks were. Its page says "You are expected" by it; a colleague invited to a public lesson is welcome,
    not expected. `mine`: their mark, when the caller has read it (`my_attendance`), so it is not read twice."""
    if not getattr(user, "is_authenticated", False):
        return False
    marked = (my_attendance(activity, user) if mine is _UNREAD else mine) is not None
    return records.expects(activity, marked=marked, member=role_in(user, activity.community) in CONTRIBUTORS)


# --- participation -------------------------------------------------------------------------------


def participation(community: Community, start: dt.date, end: dt.date, *, viewer: Any = None,
                  now: dt.datetime | None = None) -> records.Participation:
    """Who came to what between two local dates (inclusive): the participation page's one community, with the
    figures of the compliance panel and the reports. Given a viewer, the activities they may not open (a pair's
    private meeting, already named neutrally by the records) are marked `unlinked`: listed and counted, not linked
    (the page once left them out, and a reviewer read 2 activities where the report they approve says 4). No
    member's rate counts them (records.participation)."""
    report = records.participation([community.id], Period(bounded(start), bounded(end)), now=now)
    private = [row.activity.id for row in report.activities if row.activity.private]
    if viewer is None or not private:
        return report
    readable = set(db.session.scalars(select(Activity.id).where(Activity.id.in_(private),
                                                                scope(viewer, "view", Activity))))
    return dataclasses.replace(report, unlinked=frozenset(private) - readable)
