"""The communities' part of the policy: who belongs to a community and in what role, who reviews it, and the
rules and list scopes of communities and memberships.

Every other area's rule and scope starts from here (role_in, reviews, member_of, in_communities): a role
is a community's notion, so core/permissions.py knows none of it. Registered when the package is imported.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from flask import g, has_app_context
from sqlalchemy import false, or_, select, true

from workspace.communities.models import Community, ExchangedTeacher, Membership, ReviewerScope, community_schools
from workspace.core.permissions import (
    CONTRIBUTORS,
    GRANTABLE_ROLES,
    MANAGERS,
    authenticated,
    is_admin,
    register_rule,
    register_scope,
    register_site_action,
)
from workspace.extensions import db


def membership_of(user: Any, community: Any) -> Membership | None:
    """Return the user's active membership in the community, or None (cached per request)."""
    if not authenticated(user) or community is None or community.id is None:
        return None
    cache: dict[tuple[int, int], Any] | None = None
    if has_app_context():
        cache = g.setdefault("_memberships", {})
        key = (user.id, community.id)
        if key in cache:
            return cache[key]
    membership = db.session.scalar(
        select(Membership).where(
            Membership.user_id == user.id,
            Membership.community_id == community.id,
            Membership.live,
        )
    )
    if cache is not None:
        cache[(user.id, community.id)] = membership
    return membership


def remember_memberships(user: Any, memberships: Collection[Membership]) -> None:
    """Keep the user's active memberships a page read already (My communities' cards) as membership_of's answers for
    the rest of the request: the policy then asks nothing more of those communities."""
    if has_app_context() and authenticated(user):
        cache = g.setdefault("_memberships", {})
        for membership in memberships:
            cache[(user.id, membership.community_id)] = membership


def forget_memberships() -> None:
    """Drop the per-request membership cache after memberships change."""
    if has_app_context():
        g.pop("_memberships", None)


def role_in(user: Any, community: Any) -> str | None:
    """Return the user's active role in the community, or None."""
    membership = membership_of(user, community)
    return membership.role if membership else None


def reviewer_school_ids(user: Any) -> set[Any] | None:
    """Return the school ids the user reviews (ReviewerScope.ALL for every school), None if none."""
    if not authenticated(user):
        return None
    if has_app_context() and "_reviewer_scopes" in g:
        return g._reviewer_scopes
    rows = db.session.scalars(select(ReviewerScope.school_id).where(ReviewerScope.user_id == user.id)).all()
    scopes = {ReviewerScope.ALL if school_id is None else school_id for school_id in rows} or None
    if has_app_context():
        g._reviewer_scopes = scopes
    return scopes


def reviews(user: Any, community: Any) -> bool:
    """Whether the user holds a reviewer scope over any school of the community."""
    scopes = reviewer_school_ids(user)
    if scopes is None:
        return False
    if ReviewerScope.ALL in scopes:
        return True
    return any(school.id in scopes for school in community.schools)


def same_school(user: Any, community: Any) -> bool:
    """Whether the user belongs to one of the community's schools (school-wide material is theirs to read)."""
    school_id = getattr(user, "school_id", None)
    return school_id is not None and any(school.id == school_id for school in community.schools)


# --- the same questions as SQL conditions, for lists ---------------------------------------------


def member_of(column: Any, user: Any, roles: Collection[str] | None = None) -> Any:
    """The condition that the community id in `column` is one where `user` is an active member (in `roles`,
    any role when None)."""
    if not authenticated(user):
        return false()
    members = select(Membership.community_id).where(Membership.user_id == user.id, Membership.live)
    if roles is not None:
        members = members.where(Membership.role.in_(sorted(roles)))
    return column.in_(members)


def reviewed(column: Any, user: Any) -> Any:
    """The condition that the community id in `column` is one the user reviews (see reviews())."""
    scopes = reviewer_school_ids(user)
    if scopes is None:
        return false()
    if ReviewerScope.ALL in scopes:
        return true()
    return column.in_(select(community_schools.c.community_id)
                      .where(community_schools.c.school_id.in_(sorted(scopes))))


def of_same_school(column: Any, user: Any) -> Any:
    """The condition that the community id in `column` is one of the user's school (see same_school())."""
    school_id = getattr(user, "school_id", None)
    if not authenticated(user) or school_id is None:
        return false()
    return column.in_(select(community_schools.c.community_id).where(community_schools.c.school_id == school_id))


def reviewers_of(column: Any, community: Any) -> Any:
    """The condition that the user id in `column` reviews the community (reviews() turned around: who is in scope)."""
    school_ids = sorted(school.id for school in community.schools)
    return column.in_(select(ReviewerScope.user_id).where(
        or_(ReviewerScope.school_id.is_(None), ReviewerScope.school_id.in_(school_ids))))


def holders_of(column: Any, community: Any, roles: Collection[str]) -> Any:
    """The condition that the user id in `column` holds one of `roles` in the community now (role_in() turned
    around: who the conveners are)."""
    return column.in_(select(Membership.user_id).where(
        Membership.community_id == community.id, Membership.live, Membership.role.in_(sorted(roles))))


# action -> (only while not archived, the roles it takes (None: any), whether reviewers in scope may)
_LISTED_ACTIONS: dict[str, tuple[bool, frozenset[str] | None, bool]] = {
    "view": (False, None, True),
    "review": (False, frozenset(), True),
    "read_material": (False, CONTRIBUTORS, False),
    "read_activities": (False, CONTRIBUTORS, True),
    "view_audit": (False, MANAGERS, False),
    "contribute": (True, CONTRIBUTORS, False),
    "edit": (True, MANAGERS, False),
    "moderate": (True, MANAGERS, False),
    "manage_activities": (True, MANAGERS, False),
    "manage_plan_templates": (True, MANAGERS, False),
    "use_mentoring": (False, CONTRIBUTORS, False),
    "manage_mentoring": (True, MANAGERS, False),
    "view_pairings": (False, MANAGERS, False),
}


def changes_community(action: str) -> bool:
    """Whether a community action changes something (refused to everyone while the community is archived)."""
    if action in _LISTED_ACTIONS:
        return _LISTED_ACTIONS[action][0]
    return action not in _READING_ACTIONS


_READING_ACTIONS = frozenset({"view", "review", "read_material", "read_activities", "view_audit", "use_mentoring",
                              "view_pairings", "leave"})


def community_scope(user: Any, action: str) -> Any:
    """The communities on which can(user, action, community) is true, as a condition on Community."""
    if action not in _LISTED_ACTIONS:
        raise ValueError(f"no list scope for the community action {action!r}")
    open_only, roles, reviewers = _LISTED_ACTIONS[action]
    if not authenticated(user):
        return false()
    if is_admin(user):
        allowed = true()
    else:
        allowed = member_of(Community.id, user, roles) if roles is None or roles else false()
        if reviewers:
            allowed = allowed | reviewed(Community.id, user)
    return allowed & Community.archived_at.is_(None) if open_only else allowed


def in_communities(column: Any, user: Any, action: str) -> Any:
    """The condition that the community id in `column` is one on which can(user, action, community) is true:
    how an area scopes its records by what their community lets the person do."""
    if is_admin(user) and not _LISTED_ACTIONS.get(action, (True,))[0]:
        return true()  # every community: no subquery
    return column.in_(select(Community.id).where(community_scope(user, action)))


# --- the rules -----------------------------------------------------------------------------------


def community_rule(user: Any, action: str, community: Community) -> bool:
    """What a person may do in and with a community."""
    role = role_in(user, community)
    admin = is_admin(user)
    archived = community.archived_at is not None
    if action == "view":
        return admin or role is not None or reviews(user, community)
    if action == "review":  # the community is on the person's review page
        return admin or reviews(user, community)
    if action in {"manage_members", "invite"}:
        return not archived and (admin or role in MANAGERS)
    if action == "edit":
        return not archived and (admin or role in MANAGERS)
    if action == "transfer":
        return not archived and (admin or role == "convener")
    if action == "change_role":  # change someone's role at all; which roles: grant_<role>
        return not archived and (admin or role in MANAGERS)
    if action.startswith("grant_") and action.removeprefix("grant_") in GRANTABLE_ROLES:
        if archived:
            return False
        if action == "grant_co_convener":
            return admin or role == "convener"
        return admin or role in MANAGERS
    if action == "archive":
        return admin or role == "convener"
    if action == "leave":
        return role is not None and role != "convener"
    if action == "view_audit":
        return admin or role in MANAGERS
    if action == "read_material":  # the community's resources, threads and plans
        return admin or role in CONTRIBUTORS
    if action == "contribute":  # add resources, posts, plan sections
        return not archived and (admin or role in CONTRIBUTORS)
    if action == "moderate":  # pin, lock, move threads; delete or restore any post; reports; board sections
        return not archived and (admin or role in MANAGERS)
    if action == "read_activities":  # activities, attendance, evidence: reviewers in scope read them too
        return admin or role in CONTRIBUTORS or reviews(user, community)
    if action == "manage_activities":  # plan, cancel, take attendance, approve leave, add evidence
        return not archived and (admin or role in MANAGERS)
    if action == "manage_plan_templates":  # the community's own co-planning templates
        return not archived and (admin or role in MANAGERS)
    if action == "use_mentoring":  # the mentoring page: one's own pairings, the public lessons, the forms
        return admin or role in CONTRIBUTORS
    if action == "manage_mentoring":  # pair, end, re-pair; the term, default milestones and observation forms
        return not archived and (admin or role in MANAGERS)
    if action == "view_pairings":  # who guides whom and when, across the community (reviewers: the counts only)
        return admin or role in MANAGERS
    raise ValueError(f"unknown community action {action!r}")


def membership_rule(user: Any, action: str, membership: Membership) -> bool:
    """What a person may do to someone's membership."""
    community = membership.community
    role = role_in(user, community)
    admin = is_admin(user)
    if community.archived_at is not None or not membership.live:
        return False
    if action == "remove":
        if membership.role == "convener" or membership.user_id == getattr(user, "id", None):
            return False  # the convener transfers first; oneself leaves instead
        if admin or role == "convener":
            return True
        return role == "co_convener" and membership.role not in MANAGERS
    if action == "flag_evaluation":
        return admin or role in MANAGERS
    if action == "change_role":  # the convener changes anyone's but their own; a co-convener, non-managers'
        if membership.role == "convener":
            return False
        if admin or role == "convener":
            return True
        return role == "co_convener" and membership.role not in MANAGERS
    if action == "receive_convenership":
        return (admin or role == "convener") and membership.role != "convener"
    raise ValueError(f"unknown membership action {action!r}")


def exchanged_teacher_rule(user: Any, action: str, teacher: ExchangedTeacher) -> bool:
    """An urban–rural community's exchanged teachers: read by those who read its activities (members, reviewers
    in scope), kept by those who edit its settings (conveners, co-conveners, admins; not while archived)."""
    community = teacher.community
    if action == "view":
        return community_rule(user, "read_activities", community)
    if action in {"edit", "remove"}:
        return community_rule(user, "edit", community)
    raise ValueError(f"unknown exchanged-teacher action {action!r}")


def exchanged_teacher_scope(user: Any, action: str) -> Any:
    """The exchanged teachers on which can(user, action, teacher) is true, as a condition on ExchangedTeacher."""
    if action != "view":
        raise ValueError(f"no list scope for the exchanged-teacher action {action!r}")
    return in_communities(ExchangedTeacher.community_id, user, "read_activities")


register_rule(Community, community_rule)
register_scope(Community, community_scope)
register_rule(Membership, membership_rule)
register_rule(ExchangedTeacher, exchanged_teacher_rule)
register_scope(ExchangedTeacher, exchanged_teacher_scope)
register_site_action("create_community", lambda user: True)
register_site_action("review", lambda user: is_admin(user) or reviewer_school_ids(user) is not None)
