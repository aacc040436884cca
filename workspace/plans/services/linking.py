"""A plan's links: resources, the planning meeting, observations (through `core.links`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from workspace.activities.models import Activity, Method
from workspace.auth.models import User
from workspace.core import links
from workspace.core.errors import NotAllowed, ValidationError
from workspace.core.i18n import script_variants
from workspace.core.permissions import can
from workspace.extensions import db
from workspace.plans.models import PlanDoc
from workspace.resources.models import Resource

# --- links: resources, the planning meeting, observations -----------------------------------------

# The roles of a plan's links (links.Link from the plan): an attached resource; an activity as the planning
# meeting or an observation of the lesson. A plan links a record once, in one of these roles.
LINK_ROLES = {"resource": ("attachment",), "activity": ("meeting", "observation")}
PLAN_ROLES = tuple(role for roles in LINK_ROLES.values() for role in roles)
CHOICES_LIMIT = 200


@dataclass
class LinkedItem:
    link: links.Link
    target: Any  # a Resource or an Activity


def links_of(doc: PlanDoc) -> list[LinkedItem]:
    """The plan's linked resources and activities, resolved in one query per kind."""
    return [LinkedItem(link, target)
            for link, target in links.resolve(links.links_from(doc, roles=PLAN_ROLES))]


def link_target(doc: PlanDoc, target_type: str, target_id: int | None, role: str = "", *,
                actor: User) -> links.Link:
    """Attach a library resource of this community, or link one of its activities (as the planning meeting
    or an observation of the lesson)."""
    if not can(actor, "link", doc):
        raise NotAllowed(str(_l("You cannot change this plan's links.")))
    if target_type not in LINK_ROLES:
        raise ValidationError(str(_l("Choose a resource or an activity.")), field="target_id")
    role = role if role in LINK_ROLES[target_type] else LINK_ROLES[target_type][0]
    model = links.kind(target_type).model
    target = db.session.get(model, target_id) if target_id else None
    # A pair's private meeting is no plan's to link (the picker does not offer it; a plan shows its links to all).
    if (target is None or target.community_id != doc.community_id or getattr(target, "deleted_at", None)
            or getattr(target, "private", False)):
        raise ValidationError(str(_l("Choose one of this community's resources.")) if target_type == "resource"
                              else str(_l("Choose one of this community's activities.")), field="target_id")
    existing = next((link for link in links.links_from(doc, to_kind=target_type, roles=PLAN_ROLES)
                     if link.to_id == target.id), None)
    if existing is not None:  # linked again in another role: the role changes, the plan still links it once
        existing.role = role
        return existing
    return links.add_link(doc, target, role, actor=actor)


def unlink(doc: PlanDoc, link: links.Link, *, actor: User) -> None:
    """Remove one of the plan's links (the resource or activity stays)."""
    if (not can(actor, "link", doc) or (link.from_type, link.from_id) != ("plan", doc.id)
            or link.role not in PLAN_ROLES):
        raise NotAllowed(str(_l("You cannot change this plan's links.")))
    links.remove_link(link)


def plans_linked_to(target: Any) -> list[PlanDoc]:
    """The plans that link a resource or an activity (shown on its page)."""
    return list(db.session.scalars(
        select(PlanDoc).where(links.linking_condition("plan", PlanDoc.id, target, roles=PLAN_ROLES),
                              PlanDoc.live)
        .order_by(PlanDoc.topic)))


def link_choices(doc: PlanDoc, query: str = "") -> dict[str, list[Any]]:
    """The community's resources and activities that can be linked, whose title has `query` (the plan's
    link picker, loaded when it is opened). Both lists are bounded and read on an index: resources on
    ix_resources_community_recent (most recently changed first), activities on their starts_at indexes
    (latest first, then the planning meetings moved to the top, as the picker always showed them)."""
    resource_filter = [Resource.community_id == doc.community_id, Resource.live]
    activity_filter = [Activity.community_id == doc.community_id, Activity.live,
                       Activity.private.is_(False)]  # a pair's meeting is not a plan's to link
    if query:  # in either script: 分数 finds 分數, as the search does
        variants = script_variants(query)
        resource_filter.append(or_(*(Resource.title.icontains(text, autoescape=True) for text in variants)))
        activity_filter.append(or_(*(Activity.title.icontains(text, autoescape=True) for text in variants)))
    resources = list(db.session.scalars(select(Resource).where(*resource_filter)
                                        .order_by(Resource.updated_at.desc()).limit(CHOICES_LIMIT)))
    activities = list(db.session.scalars(select(Activity).where(*activity_filter)
                                         .order_by(Activity.starts_at.desc()).limit(CHOICES_LIMIT)))
    planning = Method.COLLABORATIVE_PLANNING.value
    activities.sort(key=lambda activity: activity.method != planning)  # stable: latest first within each
    return {"resource": resources, "activity": activities}
