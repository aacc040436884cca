"""What the audit trail says of co-planning: the sentences of `plans.*` events and a plan's status in the
reader's language."""

from __future__ import annotations

from typing import Any

from workspace.communities.policy import in_communities
from workspace.core import audit
from workspace.core.i18n import N_, gettext
from workspace.core.models import AuditEvent
from workspace.plans.services import STATUS_LABELS

MESSAGES = {
    "plans.created": N_("started the plan %(title)s in %(community)s"),
    "plans.exported": N_("exported the plan %(title)s of %(community)s as a Word file"),
    "plans.status_changed": N_("marked the plan %(title)s in %(community)s as %(after)s (it was %(before)s)"),
    "plans.adapted": N_("made an adaptation of the plan %(title)s in %(community)s"),
    "plans.adapted_from_library": N_("started the plan %(title)s in %(community)s from a plan in the library"),
    "plans.new_round": N_("started round %(count)s of the plan %(title)s in %(community)s"),
    "plans.published": N_("published the plan %(title)s of %(community)s to the library"),
    "plans.deleted": N_("moved the plan %(title)s of %(community)s to the trash"),
    "plans.restored": N_("restored the plan %(title)s of %(community)s"),
    "plans.template_created": N_("created the plan template %(name)s in %(community)s"),
    "plans.template_deleted": N_("removed the plan template %(name)s from %(community)s"),
}


def _status_change(data: dict[str, Any], _names: audit.EventNames) -> dict[str, str]:
    return {key: gettext(STATUS_LABELS[value]) if value in STATUS_LABELS else "…"
            for key, value in (("before", data.get("before")), ("after", data.get("status")))}


def register() -> None:
    """Give the trail this area's sentences and how a status change is said."""
    audit.register_messages(MESSAGES, {"plans.status_changed": _status_change})
    # New plans and rounds are news for those who read the community's material.
    audit.register_news(("plans.created", "plans.published", "plans.adapted", "plans.adapted_from_library",
                         "plans.new_round"), _material_readers)
    audit.register_target("PlanDoc", "plans.show", "plan_id")


def _material_readers(viewer: Any) -> Any:
    return in_communities(AuditEvent.community_id, viewer, "read_material")
