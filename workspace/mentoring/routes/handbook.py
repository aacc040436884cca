"""Mentoring routes: the new teacher's development handbook (教師專業發展手冊).

STUB endpoints (the names and URLs are fixed; the logs helper replaces the bodies)."""

from __future__ import annotations

from flask import abort

from workspace.mentoring.routes import bp


@bp.get("/c/<slug>/mentoring/handbooks/<int:teacher_id>/<int:school_year>")
def handbook(slug: str, teacher_id: int, school_year: int):
    """A new teacher's handbook for a school year."""
    abort(404)
