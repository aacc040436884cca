"""The activities' part of the policy: who reads an activity (its contributors and the reviewers in scope; a pair's
private one, only the pair, the conveners and admins), who manages it, who records it (minutes, on an open one only;
evidence), and what a member does for themself (sign in, ask for leave where the activity expects them, give
feedback)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from workspace.activities import records
from workspace.activities.models import Activity, Attendance
from workspace.communities.policy import in_communities, reviews, role_in
from workspace.core.permissions import CONTRIBUTORS, MANAGERS, authenticated, is_admin, register_rule, register_scope
from workspace.extensions import db


def _marked(user: Any, activity: Activity) -> bool:
    """Whether the activity marks the person (present, excused …): one of those a private activity is for."""
    if not authenticated(user):
        return False
    return db.session.scalar(select(Attendance.id).where(Attendance.activity_id == activity.id,
                                                         Attendance.user_id == user.id).limit(1)) is not None


def may_ask_leave(role: str | None, community: Any, activity: Any, *, marked: bool) -> bool:
    """Whether a person of `role` in the community may ask to be excused from the activity (`request_leave`), from
    what a list already holds (the model, or a row of records.upcoming) and whether it marks them: only for oneself,
    as a member of an open community, from an activity not cancelled, a pair's private one only if it marks them, and
    only from what expects them (a colleague invited to a public lesson has nothing to be excused from). The rule
    asks it of the model; a home's list of next activities asks it of its rows, so the two never disagree."""
    if role not in CONTRIBUTORS or community.archived_at is not None or activity.cancelled:
        return False
    if activity.private and not marked:
        return False
    return records.expects(activity, marked=marked, member=True)


def activity_rule(user: Any, action: str, activity: Activity) -> bool:
    """What a person may do with an activity."""
    community = activity.community
    role = role_in(user, community)
    admin = is_admin(user)
    open_ = community.archived_at is None
    managing = open_ and (admin or role in MANAGERS)
    # A pair's meeting or observation: the pair, the conveners (who see the pairings) and admins, nobody else.
    if activity.private and not (admin or role in MANAGERS or (role in CONTRIBUTORS and _marked(user, activity))):
        return False
    if action == "view":
        return admin or role in CONTRIBUTORS or reviews(user, community)
    if action == "manage":
        return managing
    if action == "view_feedback":  # the distribution and the comments (never who wrote them)
        return admin or role in MANAGERS or reviews(user, community)
    if not open_ or activity.cancelled:
        return False
    if action == "request_leave":
        # whether it marks them, asked only where that decides: a private one, and one of named people
        return may_ask_leave(role, community, activity, marked=role in CONTRIBUTORS and (
            activity.private or activity.named_only) and _marked(user, activity))
    if action in {"sign_in", "give_feedback"}:  # only for oneself, as a member
        if role not in CONTRIBUTORS:
            return False
        return not activity.private or _marked(user, activity)
    if action == "add_evidence":  # photos, documents, linked resources: the conveners, or the recorder they named
        return managing or (activity.recorder_id == user.id and role in CONTRIBUTORS)
    if action == "write_minutes":  # the same people, but never on a pair's private one: the pair's own record
        # (the meeting's log, the observation's notes) is its minutes; text written on the activity went into no
        # export while the checklist ticked "minutes written" (QA round 13).
        return not activity.private and (managing or (activity.recorder_id == user.id and role in CONTRIBUTORS))
    raise ValueError(f"unknown activity action {action!r}")


def activity_scope(user: Any, action: str) -> Any:
    """The activities the person may read (view; cancelled ones too), as a condition on Activity: a private one
    only where they manage the community (or are an admin) or it marks them."""
    if action != "view":
        raise ValueError(f"no list scope for the activity action {action!r}")
    readable = in_communities(Activity.community_id, user, "read_activities")
    if is_admin(user):
        return readable
    shown = Activity.private.is_(False) | in_communities(Activity.community_id, user, "view_pairings")
    if authenticated(user):
        shown = shown | (Activity.id.in_(select(Attendance.activity_id).where(Attendance.user_id == user.id))
                         & in_communities(Activity.community_id, user, "use_mentoring"))
    return readable & shown


register_rule(Activity, activity_rule)
register_scope(Activity, activity_scope)
