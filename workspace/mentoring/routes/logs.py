"""Mentoring routes: meeting logs (輔導紀錄) with next steps, and goals.

STUB endpoints (the names and URLs are fixed; the logs helper replaces the bodies)."""

from __future__ import annotations

from flask import abort

from workspace.mentoring.routes import bp


@bp.get("/c/<slug>/mentoring/pairings/<int:pairing_id>/logs/")
def logs(slug: str, pairing_id: int):
    """A pairing's meeting logs, newest first, and the form of the next one."""
    abort(404)


@bp.get("/c/<slug>/mentoring/pairings/<int:pairing_id>/goals/")
def goals(slug: str, pairing_id: int):
    """A pairing's goals."""
    abort(404)
