"""The one permission policy: can(user, action, obj) answers every question of access.

Routes call it through require() or load_community(); templates get the same can(), so a button
and its route never disagree. A community the user may not see answers 404, not 403.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

from flask import abort, g, has_app_context
from sqlalchemy import select

from workspace.core.database import utcnow
from workspace.extensions import db

F = TypeVar("F", bound=Callable[..., Any])

MANAGERS = frozenset({"convener", "co_convener"})
TRASH_DAYS = 30  # how long the author and conveners can restore what they deleted
# Who reads and writes a community's own material (resources, threads, plans): not guest experts.
CONTRIBUTORS = frozenset({"convener", "co_convener", "member", "mentor"})
# The roles a person can be given by invitation or role change, highest first (convenership moves
# only by transfer). Only the convener (and a site admin) grants or takes away co-convener; a
# co-convener grants the others.
GRANTABLE_ROLES = ("co_convener", "member", "mentor", "guest_expert")


def public(view: F) -> F:
    """Mark a view as open to visitors who are not logged in (login is required by default)."""
    view._public = True  # type: ignore[attr-defined]
    return view


def _authenticated(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def membership_of(user: Any, community: Any) -> Any:
    """Return the user's active membership in the community, or None (cached per request)."""
    from workspace.communities.models import Membership

    if not _authenticated(user) or community is None or community.id is None:
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


def forget_memberships() -> None:
    """Drop the per-request membership cache after memberships change."""
    if has_app_context():
        g.pop("_memberships", None)


def role_in(user: Any, community: Any) -> str | None:
    """Return the user's active role in the community, or None."""
    membership = membership_of(user, community)
    return membership.role if membership else None


def reviews(user: Any, community: Any) -> bool:
    """Whether the user holds a reviewer scope over any school of the community."""
    from workspace.communities.models import ReviewerScope

    if not _authenticated(user):
        return False
    scopes = reviewer_school_ids(user)
    if scopes is None:
        return False
    if ReviewerScope.ALL in scopes:
        return True
    return any(school.id in scopes for school in community.schools)


def reviewer_school_ids(user: Any) -> set[Any] | None:
    """Return the school ids the user reviews (ReviewerScope.ALL for every school), None if none."""
    from workspace.communities.models import ReviewerScope

    if not _authenticated(user):
        return None
    if has_app_context() and "_reviewer_scopes" in g:
        return g._reviewer_scopes
    rows = db.session.scalars(select(ReviewerScope.school_id).where(ReviewerScope.user_id == user.id)).all()
    scopes = {ReviewerScope.ALL if school_id is None else school_id for school_id in rows} or None
    if has_app_context():
        g._reviewer_scopes = scopes
    return scopes


def _community_rule(user: Any, action: str, community: Any) -> bool:
    role = role_in(user, community)
    admin = bool(getattr(user, "is_admin", False)) and _authenticated(user)
    archived = community.archived_at is not None
    if action == "view":
        return admin or role is not None or reviews(user, community)
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
    raise ValueError(f"unknown community action {action!r}")


def _membership_rule(user: Any, action: str, membership: Any) -> bool:
    community = membership.community
    role = role_in(user, community)
    admin = bool(getattr(user, "is_admin", False)) and _authenticated(user)
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


def _same_school(user: Any, community: Any) -> bool:
    school_id = getattr(user, "school_id", None)
    return school_id is not None and any(school.id == school_id for school in community.schools)


def _resource_rule(user: Any, action: str, resource: Any) -> bool:
    community = resource.community
    authenticated = _authenticated(user)
    admin = authenticated and bool(user.is_admin)
    role = role_in(user, community) if authenticated else None
    author = authenticated and resource.author_id == user.id
    managing = admin or role in MANAGERS
    if action == "view":
        if not resource.live:
            return admin or (role is not None and (author or role in MANAGERS))
        if resource.visibility == "public" or admin or role in CONTRIBUTORS:
            return True
        return resource.visibility == "school" and authenticated and _same_school(user, community)
    if action == "restore":
        if resource.live:
            return False
        # The author and conveners have 30 days; after that only a site administrator can.
        recent = resource.deleted_at > utcnow() - dt.timedelta(days=TRASH_DAYS)
        return admin or (recent and role is not None and (author or role in MANAGERS))
    if action == "purge":
        return admin
    if not resource.live or community.archived_at is not None:
        return False
    if action in {"edit", "add_version", "delete"}:
        return managing or (author and role in CONTRIBUTORS)
    if action == "comment":
        return admin or role in CONTRIBUTORS
    raise ValueError(f"unknown resource action {action!r}")


def _thread_rule(user: Any, action: str, thread: Any) -> bool:
    community = thread.community
    role = role_in(user, community)
    admin = bool(user.is_admin)
    reader = admin or role in CONTRIBUTORS
    moderator = not community.archived_at and (admin or role in MANAGERS)
    if action == "view":
        return reader
    if action == "moderate":  # pin, lock, move
        return moderator
    if action == "reply":
        return reader and not community.archived_at and not thread.locked
    if action == "mark_answer":  # the asker or a convener, in a question section
        owner = thread.author_id == user.id and role in CONTRIBUTORS
        return (moderator or owner) and thread.category.questions and not community.archived_at \
            and not thread.locked
    raise ValueError(f"unknown thread action {action!r}")


def _post_rule(user: Any, action: str, post: Any) -> bool:
    thread = post.thread
    community = thread.community
    role = role_in(user, community)
    admin = bool(user.is_admin)
    author = post.author_id == user.id and role in CONTRIBUTORS
    managing = admin or role in MANAGERS
    open_ = not community.archived_at  # nothing changes in an archived community
    if action == "view_history":
        return post.edited_at is not None and (managing or author)
    if action == "restore":
        return open_ and not post.live and managing
    if not post.live or not open_:
        return False
    if action == "edit":  # a lock freezes the thread for everybody, conveners unlock first
        return (author or managing) and not thread.locked
    if action == "delete":
        return author or managing
    if action in {"react", "report"}:  # not on one's own post
        return (admin or role in CONTRIBUTORS) and post.author_id != user.id
    raise ValueError(f"unknown post action {action!r}")


def _activity_rule(user: Any, action: str, activity: Any) -> bool:
    community = activity.community
    role = role_in(user, community)
    admin = bool(user.is_admin)
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


def _plan_rule(user: Any, action: str, doc: Any) -> bool:
    """Plans: members write the shared plan until it is final; an adaptation is its teacher's own."""
    community = doc.community
    role = role_in(user, community)
    admin = bool(user.is_admin)
    writer = admin or role in CONTRIBUTORS
    managing = admin or role in MANAGERS
    open_ = community.archived_at is None
    lead = doc.lead_id == user.id or doc.created_by_id == user.id
    owner = doc.adaptation and doc.owner_id == user.id and role in CONTRIBUTORS
    if action == "view":
        if not doc.live:
            return managing or (role in CONTRIBUTORS and (lead or owner))
        return writer
    if action == "restore":
        return open_ and not doc.live and (managing or (role in CONTRIBUTORS and (lead or owner)))
    if not open_ or not doc.live:
        return False
    if action == "comment":
        return writer
    if action == "delete":
        return managing or (role in CONTRIBUTORS and (owner if doc.adaptation else lead))
    if doc.adaptation:  # the teacher's own copy
        if action in {"edit", "edit_fields", "link", "record_lesson"}:
            return owner or (admin and action != "record_lesson")
        return False
    leading = managing or (lead and role in CONTRIBUTORS)
    if action in {"edit", "submit"}:  # sections of a plan not yet final; draft ⇄ under review
        return writer and not doc.final
    if action in {"edit_fields", "assign"}:
        return leading and not doc.final
    if action == "link":  # resources, the planning meeting, an observation: also after the plan is final
        return writer
    if action == "finalize":  # mark final, or reopen a final plan
        return leading
    if action in {"publish", "new_round"}:
        return leading and doc.final
    if action == "adapt":  # the teachers who will teach it (and the lead planner)
        return role in CONTRIBUTORS and (doc.lead_id == user.id or any(t.id == user.id for t in doc.teachers))
    if action == "record_lesson":  # lessons are recorded on one's adaptation, never on the shared plan
        return False
    raise ValueError(f"unknown plan action {action!r}")


def grantable_roles(user: Any, community: Any) -> tuple[str, ...]:
    """The roles `user` may give in `community` (invitations, role changes), highest first."""
    return tuple(role for role in GRANTABLE_ROLES if can(user, f"grant_{role}", community))


def can(user: Any, action: str, obj: Any = None) -> bool:
    """Answer whether `user` may do `action` on `obj` (a Community, Membership, Resource, Thread, Post or None)."""
    from workspace.communities.models import Community, Membership

    if obj is not None and type(obj).__name__ == "Resource":
        return _resource_rule(user, action, obj)  # public resources are open to visitors too
    if not _authenticated(user):
        return False
    if obj is None:
        if action == "create_community":
            return True
        if action == "administer":
            return bool(user.is_admin)
        if action == "review":
            return bool(user.is_admin) or reviewer_school_ids(user) is not None
        raise ValueError(f"unknown action {action!r}")
    if isinstance(obj, Community):
        return _community_rule(user, action, obj)
    if isinstance(obj, Membership):
        return _membership_rule(user, action, obj)
    kind = type(obj).__name__
    if kind == "Thread":
        return _thread_rule(user, action, obj)
    if kind == "Post":
        return _post_rule(user, action, obj)
    if kind == "Activity":
        return _activity_rule(user, action, obj)
    if kind == "PlanDoc":
        return _plan_rule(user, action, obj)
    if kind == "UserSession":  # a login: only its owner ends it (an administrator deactivates the account)
        if action == "end":
            return obj.user_id == user.id
        raise ValueError(f"unknown login action {action!r}")
    raise TypeError(f"no policy for {type(obj).__name__}")


def deny(*, hide: bool = False) -> NoReturn:
    """Abort with 403, or with 404 when the thing must not be known to exist."""
    abort(404 if hide else 403)


def require(allowed: bool, *, hide: bool = False) -> None:
    """Abort unless `allowed` (403, or 404 with hide=True)."""
    if not allowed:
        deny(hide=hide)


def admin_required(view: F) -> F:
    """Let only site admins through (others get 404: the admin pages are not advertised)."""
    from flask_login import current_user

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        require(can(current_user, "administer"), hide=True)
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]
