"""Mentoring routes: classroom observations (教學觀察與回饋), their notes, and observation forms.

STUB endpoints (the names and URLs are fixed; the observations helper replaces the bodies)."""

from __future__ import annotations

from flask import abort

from workspace.mentoring.routes import bp


@bp.get("/c/<slug>/mentoring/observations/")
def observations(slug: str):
    """The observations a person may see in the community (?pairing=<id> narrows to one pairing)."""
    abort(404)


@bp.get("/c/<slug>/mentoring/observations/new")
def new_observation(slug: str):
    """Start an observation (?observed=<user id>, ?pairing=<id>, ?public_lesson=<id> prefill it)."""
    abort(404)


@bp.get("/c/<slug>/mentoring/observations/<int:observation_id>")
def observation(slug: str, observation_id: int):
    """One observation: pre-conference focus, notes, ratings, post-conference."""
    abort(404)
