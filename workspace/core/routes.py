"""Site-wide routes that belong to no area: the health check and the Markdown preview of every editor."""

from __future__ import annotations

from flask import Blueprint, current_app, request

from workspace.core.htmx import render_page
from workspace.core.permissions import public
from workspace.core.text import render_markdown
from workspace.extensions import limiter, per_person

bp = Blueprint("core", __name__)

MAX_PREVIEW = 200_000  # characters rendered; longer than any field that takes Markdown


@bp.get("/healthz")
@public
def health():
    """Answer that the process is up (for load balancers and the benchmark's baseline)."""
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


def _preview_limit() -> str:
    return current_app.config["PREVIEW_RATE_LIMIT"]


@bp.post("/markdown/preview")
@limiter.limit(_preview_limit, key_func=per_person)
def preview_markdown():
    """Render Markdown as it will look once saved (the editors' Preview tab and live previews)."""
    source = request.form.get("body") or ""
    return render_page("core/_markdown_preview.html", html=render_markdown(source[:MAX_PREVIEW]))
