"""The library's part of the policy: who reads, changes and restores a resource, one at a time (the rule)
and as a list (the scope). A resource's visibility adds readers beyond its community: school-wide ones are
read by the people of its schools, public ones by everybody, visitors included."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import false, true

from workspace.communities.policy import member_of, of_same_school, role_in, same_school
from workspace.core.database import utcnow
from workspace.core.permissions import (
    CONTRIBUTORS,
    MANAGERS,
    TRASH_DAYS,
    StateChange,
    authenticated,
    is_admin,
    register_rule,
    register_scope,
)
from workspace.resources.models import Resource, Visibility


def _trash_cutoff() -> dt.datetime:
    """Resources deleted before this are past the 30 days in which their author and conveners restore them."""
    return utcnow() - dt.timedelta(days=TRASH_DAYS)


def resource_rule(user: Any, action: str, resource: Resource) -> bool:
    """What a person (or a visitor) may do with a resource."""
    community = resource.community
    logged_in = authenticated(user)
    admin = is_admin(user)
    role = role_in(user, community) if logged_in else None
    author = logged_in and resource.author_id == user.id
    managing = admin or role in MANAGERS
    if action == "view":
        if not resource.live:
            return admin or (role is not None and (author or role in MANAGERS))
        if resource.visibility == "public" or admin or role in CONTRIBUTORS:
            return True
        return resource.visibility == "school" and logged_in and same_school(user, community)
    # Moving to and from the trash: who may, whatever the resource's state now; where it starts from is
    # RESOURCE_CHANGES' (pressed again from a second tab, it is answered as done, not with a 403).
    if action == "restore":
        # The author and conveners have 30 days; after that only a site administrator can.
        recent = resource.live or resource.deleted_at > _trash_cutoff()
        return admin or (recent and role is not None and (author or role in MANAGERS))
    if action == "delete":
        return community.archived_at is None and (managing or (author and role in CONTRIBUTORS))
    if action == "purge":
        return admin
    if not resource.live or community.archived_at is not None:
        return False
    if action in {"edit", "add_version"}:
        return managing or (author and role in CONTRIBUTORS)
    if action == "comment":
        return admin or role in CONTRIBUTORS
    raise ValueError(f"unknown resource action {action!r}")


def resource_scope(user: Any, action: str) -> Any:
    """The resources on which can(user, action, resource) is true (view, restore), as a condition on Resource."""
    trashed = ~Resource.live
    if action not in {"view", "restore"}:
        raise ValueError(f"no list scope for the resource action {action!r}")
    if is_admin(user):
        return true() if action == "view" else trashed
    if authenticated(user):  # in the trash: its author or a convener, while still a member
        keepers = member_of(Resource.community_id, user) & (
            (Resource.author_id == user.id) | member_of(Resource.community_id, user, MANAGERS))
    else:
        keepers = false()
    if action == "restore":
        return trashed & (Resource.deleted_at > _trash_cutoff()) & keepers
    readers = ((Resource.visibility == Visibility.PUBLIC.value)
               | member_of(Resource.community_id, user, CONTRIBUTORS)
               | ((Resource.visibility == Visibility.SCHOOL.value) & of_same_school(Resource.community_id, user)))
    return (trashed & keepers) | (Resource.live & readers)


RESOURCE_CHANGES = {
    "delete": StateChange(lambda resource: resource.live, lambda resource: not resource.live,
                          _l("It is already in the trash.")),
    "restore": StateChange(lambda resource: not resource.live, lambda resource: resource.live,
                           _l("It is already restored.")),
}

# Public resources are open to visitors too.
register_rule(Resource, resource_rule, visitors=True, changes=RESOURCE_CHANGES)
register_scope(Resource, resource_scope)
