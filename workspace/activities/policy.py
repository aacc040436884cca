"""The activities' part of the policy: who reads an activity (its contributors and the reviewers in scope),
who manages it, and what a member does for themself (sign in, ask for leave, give feedback)."""

from __future__ import annotations

from typing import Any

from workspace.activities.models import Activity
from workspace.communities.policy import in_communities, reviews, role_in
from workspace.core.permissions import CONTRIBUTORS, MANAGERS, is_admin, register_rule, register_scope


def activity_rule(user: Any, action: str, activity: Activity) -> bool:
    """What a person may do with an activity."""
    community = activity.community
    role = role_in(user, community)
    admin = is_admin(user)
    open_ = community.archived_at is None
    managing = open_ and (admin or role in MANAGERS)
    if action == "view":
        return admin or role in CONTRIBUTORS or reviews(user, community)
    if action == "manage":
        return managing
    if action == "view_feedback":  # the distribution and the comments (never who wrote them)
        return admin or role in MANAGERS or reviews(user, community)
    if not open_ or activity.cancelled:
        return False
    if action in {"sign_in", "request_leave", "give_feedback"}:  # only for oneself, as a member
        return role in CONTRIBUTORS
    if action == "write_minutes":  # the conveners, or the recorder they named
        return managing or (activity.recorder_id == user.id and role in CONTRIBUTORS)
    raise ValueError(f"unknown activity action {action!r}")


def activity_scope(user: Any, action: str) -> Any:
    """The activities the person may read (view; cancelled ones too), as a condition on Activity."""
    if action != "view":
        raise ValueError(f"no list scope for the activity action {action!r}")
    return in_communities(Activity.community_id, user, "read_activities")


register_rule(Activity, activity_rule)
register_scope(Activity, activity_scope)
