"""Mentoring pages, one module per topic: pairings, milestones and homes (pairings.py), meeting logs and goals
(logs.py), observations and forms (observations.py), public lessons (public_lessons.py), the development handbook
(handbook.py).

Every route loads the community through the one policy (outsiders get 404) and its record through the loaders
here (a record of another community, or one the person may not see, is 404), then asks can() for the action.
"""

from __future__ import annotations

from typing import Any, TypeVar

from flask import Blueprint, abort
from flask_login import current_user

from workspace.communities.access import load_community
from workspace.core.permissions import can, require
from workspace.extensions import db
from workspace.mentoring import audit
from workspace.mentoring.models import Pairing

bp = Blueprint("mentoring", __name__)
bp.record_once(lambda _setup: audit.register())
T = TypeVar("T")


def load_record(community: Any, model: type[T], record_id: int, action: str = "read") -> T:
    """The `model` record `record_id` of `community` (by its community_id, or its pairing's), 404 when it is of
    another community or the person may not even know it exists, 403 when they may see it but not do `action`."""
    record = db.session.get(model, record_id)
    if record is None:
        abort(404)
    owner = record if hasattr(record, "community_id") else getattr(record, "pairing", None)
    if owner is None or owner.community_id != community.id:
        abort(404)
    require(can(current_user, "view", record), hide=True)
    if action != "view":
        require(can(current_user, action, record))
    return record


def load_pairing(slug: str, pairing_id: int, action: str = "view") -> tuple[Any, Pairing]:
    """The community at `slug` and its pairing `pairing_id`, checked as load_record() does."""
    community = load_community(slug, "use_mentoring")
    return community, load_record(community, Pairing, pairing_id, action)


from workspace.mentoring.routes import handbook, logs, observations, pairings, public_lessons  # noqa: E402,F401  (they add to bp)
