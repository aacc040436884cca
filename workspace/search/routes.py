"""/search?q=: the library's resources, the boards' threads and replies, and the co-planning documents the
person may read, at once.

The areas keep their own rules of who reads what (resources/services.visible_condition, the boards and plans
of the communities where the person reads material); this page only asks them and shows the lists.
"""

from __future__ import annotations

from flask import Blueprint, request
from flask_login import current_user
from sqlalchemy import select

from workspace.communities.models import Community
from workspace.core.cache import cache_page
from workspace.core.htmx import render_page
from workspace.core.text import clean_line
from workspace.discussions import services as discussions
from workspace.extensions import db
from workspace.plans import services as plans
from workspace.resources import services as resources

bp = Blueprint("search", __name__)


def _boards() -> list[Community]:
    """The communities whose boards and plans the person reads (every one for a site administrator)."""
    query = select(Community)
    if not current_user.is_admin:
        query = query.where(Community.id.in_(resources.member_community_ids(current_user)))
    return list(db.session.scalars(query))


@bp.get("/search")
@cache_page
def index():
    """Search everything the person may read; as they type, htmx swaps the results."""
    query = clean_line(request.args.get("q", ""))[:200]
    found = None
    if query:
        visible = resources.visible_condition(current_user)
        library = resources.list_resources(current_user, resources.ResourceFilters(q=query), visible=visible,
                                           per_page=10)
        communities = _boards()
        posts, total = discussions.search_boards(communities, query, limit=10)
        plan_hits, plan_total = plans.search_plans(communities, query, limit=10)
        found = {"library": library, "posts": posts, "post_total": total, "plans": plan_hits,
                 "plan_total": plan_total}
    return render_page("search/index.html", "search/_results.html", query=query, found=found,
                       kinds=resources.KIND_LABELS)
