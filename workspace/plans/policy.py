"""The plans' part of the policy: members write the shared plan until it is final; an adaptation is its
teacher's own; the trash is read (and restored from) by the conveners and by each plan's lead, maker or
owner."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import false, select, true

from workspace.communities.models import Community
from workspace.communities.policy import in_communities, member_of, role_in
from workspace.core.permissions import (
    CONTRIBUTORS,
    MANAGERS,
    StateChange,
    authenticated,
    is_admin,
    register_rule,
    register_scope,
)
from workspace.plans.models import PlanDoc, PlanKind


def plan_rule(user: Any, action: str, doc: PlanDoc) -> bool:
    """What a person may do with a plan or an adaptation."""
    community = doc.community
    role = role_in(user, community)
    admin = is_admin(user)
    writer = admin or role in CONTRIBUTORS
    managing = admin or role in MANAGERS
    open_ = community.archived_at is None
    lead = doc.lead_id == user.id or doc.created_by_id == user.id
    owner = doc.adaptation and doc.owner_id == user.id and role in CONTRIBUTORS
    if action == "view":
        if not doc.live:
            return managing or (role in CONTRIBUTORS and (lead or owner))
        return writer
    # Moving to and from the trash: who may, whatever the plan's state now; where it starts from is PLAN_CHANGES'
    # (pressed again from a second tab, it is answered as done, not with a 403).
    if action == "restore":
        return open_ and (managing or (role in CONTRIBUTORS and (lead or owner)))
    if action == "delete":
        return open_ and (managing or (role in CONTRIBUTORS and (owner if doc.adaptation else lead)))
    if not open_ or not doc.live:
        return False
    if action == "comment":
        return writer
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


def plan_scope(user: Any, action: str) -> Any:
    """The plans the person may read (view, the trash included) or restore, as a condition on PlanDoc."""
    if action not in {"view", "restore"}:
        raise ValueError(f"no list scope for the plan action {action!r}")
    trashed = ~PlanDoc.live
    if not authenticated(user):
        return false()
    if is_admin(user):
        keepers = true()
    else:  # in the trash: the conveners, and a contributor's own plan (led, made, or their adaptation)
        own = ((PlanDoc.lead_id == user.id) | (PlanDoc.created_by_id == user.id)
               | ((PlanDoc.kind == PlanKind.ADAPTATION.value) & (PlanDoc.owner_id == user.id)))
        keepers = member_of(PlanDoc.community_id, user, MANAGERS) | (
            member_of(PlanDoc.community_id, user, CONTRIBUTORS) & own)
    if action == "restore":
        return trashed & keepers & PlanDoc.community_id.in_(
            select(Community.id).where(Community.archived_at.is_(None)))
    return (trashed & keepers) | (PlanDoc.live
                                  & in_communities(PlanDoc.community_id, user, "read_material"))


PLAN_CHANGES = {
    "delete": StateChange(lambda doc: doc.live, lambda doc: not doc.live, _l("The plan is already in the trash.")),
    "restore": StateChange(lambda doc: not doc.live, lambda doc: doc.live, _l("The plan is already restored.")),
}

register_rule(PlanDoc, plan_rule, changes=PLAN_CHANGES)
register_scope(PlanDoc, plan_scope)
