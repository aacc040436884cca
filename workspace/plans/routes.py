"""Co-planning pages."""

from __future__ import annotations

from flask import Blueprint

from workspace.plans import models as _models  # noqa: F401

bp = Blueprint("plans", __name__)
