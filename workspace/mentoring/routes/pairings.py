"""Mentoring routes: pairings, milestones, the convener's overview and the mentor's and new teacher's homes.

STUB endpoints (the names and URLs are fixed; the pairings helper replaces the bodies)."""

from __future__ import annotations

from flask import abort

from workspace.mentoring.routes import bp


@bp.get("/c/<slug>/mentoring/")
def index(slug: str):
    """The community's mentoring page: the convener's overview, or one's own pairings."""
    abort(404)


@bp.get("/c/<slug>/mentoring/pairings/<int:pairing_id>")
def pairing(slug: str, pairing_id: int):
    """One pairing: its health, milestones and links to what the pair wrote."""
    abort(404)


@bp.get("/mentoring/")
def home():
    """The signed-in person's mentoring home: as a mentor (mentees, due, overdue) and as a new teacher."""
    abort(404)
