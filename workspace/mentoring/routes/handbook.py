"""Mentoring routes: handbook."""

from __future__ import annotations

from workspace.mentoring.routes import bp  # noqa: F401
