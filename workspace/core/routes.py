"""Site-wide routes that belong to no area: the health check."""

from __future__ import annotations

from flask import Blueprint

from workspace.core.permissions import public

bp = Blueprint("core", __name__)


@bp.get("/healthz")
@public
def health():
    """Answer that the process is up (for load balancers and the benchmark's baseline)."""
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}
