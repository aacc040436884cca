"""/search?q=: the library's resources, the boards' threads and replies, and the co-planning documents the
person may read, at once.

Who reads what is the policy's (its list scopes: the library's readable resources, the communities whose
boards and plans the person reads); this page only asks it and the areas, and shows the lists.
"""

from __future__ import annotations

from flask import Blueprint, request
from flask_login import current_user
from sqlalchemy import select

from workspace.communities.models import Community
from workspace.core.cache import EVERYTHING, cache_page
from workspace.core.htmx import render_page
from workspace.core.permissions import scope
from workspace.core.text import clean_line
from workspace.discussions import services as discussions
from workspace.extensions import db
from workspace.plans import services as plans
from workspace.resources import services as resources

bp = Blueprint("search", __name__)


def _boards() -> list[Community]:
    """The communities whose boards and plans the person reads (every one for a site administrator)."""
    return list(db.session.scalars(select(Community).where(scope(current_user, "read_material", Community))))


@bp.get("/search")
@cache_page(depends=[EVERYTHING])  # the library and the boards of every community the viewer reads
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
