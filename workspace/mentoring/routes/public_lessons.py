"""Mentoring routes: public lessons (公開課).

STUB endpoints (the names and URLs are fixed; the public-lessons helper replaces the bodies)."""

from __future__ import annotations

from flask import abort

from workspace.mentoring.routes import bp


@bp.get("/c/<slug>/mentoring/public-lessons/")
def public_lessons(slug: str):
    """The community's public lessons, upcoming first."""
    abort(404)


@bp.get("/c/<slug>/mentoring/public-lessons/<int:lesson_id>")
def public_lesson(slug: str, lesson_id: int):
    """One public lesson: when, the plan, its observations and feedback."""
    abort(404)
