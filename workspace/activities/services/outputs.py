"""What an activity produced: the library resources linked to it."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from workspace.activities.models import Activity
from workspace.auth.models import User
from workspace.core import links
from workspace.core.errors import NotAllowed, ValidationError
from workspace.core.i18n import script_variants
from workspace.core.permissions import can
from workspace.extensions import db
from workspace.resources.models import Resource

# --- what an activity produced -------------------------------------------------------------------


OUTPUT = "output"  # the role of a resource an activity produced or used (links.Link)


def _check_may_link(activity: Activity, actor: User) -> None:
    if not (can(actor, "manage", activity) or can(actor, "add_evidence", activity)):
        raise NotAllowed(str(_l("Only the conveners and the recorder link records to an activity.")))


def link_resource(activity: Activity, resource: Any, *, actor: User) -> links.Link:
    """Note a library resource the activity produced or used (a lesson plan, slides, a case)."""
    _check_may_link(activity, actor)
    if resource is None or resource.community_id != activity.community_id or not resource.live:
        raise ValidationError(str(_l("Choose a resource of this community.")), field="resource_id")
    return links.add_link(activity, resource, OUTPUT, actor=actor)


def unlink(activity: Activity, link: links.Link, *, actor: User) -> None:
    """Remove a resource link of the activity (the resource stays in the library)."""
    _check_may_link(activity, actor)
    if (link.from_type, link.from_id, link.role) != ("activity", activity.id, OUTPUT):
        raise NotAllowed(str(_l("Only the conveners and the recorder link records to an activity.")))
    links.remove_link(link)


def linked_resources(activity: Activity) -> list[tuple[links.Link, Any]]:
    """The resources linked to the activity (those still in the library), in the order they were linked."""
    return links.resolve(links.links_from(activity, to_kind="resource", roles=(OUTPUT,)))


def resources_to_link(activity: Activity, query: str = "", limit: int = 50) -> list[Any]:
    """The community's resources not linked yet, most recently changed first, whose title has `query`
    (the choices of the link picker, loaded when it is opened; ordered on ix_resources_community_recent)."""
    condition = [Resource.community_id == activity.community_id, Resource.live,
                 Resource.id.not_in(links.linked_ids(activity, "resource", roles=(OUTPUT,)))]
    if query:  # in either script: 分数 finds 分數
        condition.append(or_(*(Resource.title.icontains(text, autoescape=True) for text in script_variants(query))))
    return list(db.session.scalars(select(Resource).where(*condition)
                                   .order_by(Resource.updated_at.desc()).limit(limit)))
