"""Mentoring pages, one module per topic: pairings, milestones and homes (pairings.py), meeting logs and goals
(logs.py), observations and forms (observations.py), public lessons (public_lessons.py), the development handbook
(handbook.py).

Every route loads the community through the one policy (outsiders get 404) and its record through the loaders
here (a record of another community, or one the person may not see, is 404), then asks can() for the action.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Blueprint, abort, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import joinedload

from workspace.communities.access import load_community
from workspace.core.permissions import can, require
from workspace.extensions import db
from workspace.mentoring import audit
from workspace.mentoring.models import Handbook, Pairing
from workspace.mentoring.services import handbook as handbook_services
from workspace.mentoring.services.pairings import today
from workspace.mentoring.services.terms import school_year_of

bp = Blueprint("mentoring", __name__)
bp.record_once(lambda _setup: audit.register())
T = TypeVar("T")
# A pairing is read with its two people in the same query: every page of it names them in its header
# (templates/mentoring/_pair_head.html), which would otherwise load each of them by a query of its own.
WITH_PAIR = (joinedload(Pairing.mentor), joinedload(Pairing.mentee))


def load_record(community: Any, model: type[T], record_id: int, action: str = "read") -> T:
    """The `model` record `record_id` of `community` (by its community_id, or its pairing's), 404 when it is of
    another community or the person may not even know it exists, 403 when they may see it but not do `action`."""
    record = db.session.get(model, record_id, options=WITH_PAIR if model is Pairing else None)
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


@dataclass(frozen=True)
class PairLink:
    """One link of a pairing's navigation (templates/mentoring/_pair_nav.html)."""

    key: str
    label: Any
    url: str


# The pair's pages, in the one order every pair page shows them.
PAIR_PAGES = ("pairing", "logs", "goals", "observations", "handbook", "public_lessons")
_PAIR_LABELS = {"pairing": _l("Overview"), "logs": _l("Meeting logs"), "goals": _l("Goals"),
                "observations": _l("Observations"), "handbook": _l("Development handbook"),
                "public_lessons": _l("Public lessons")}


def handbook_year(pairing: Pairing) -> int:
    """The school year a pairing's handbook link opens: this one, or the nearest the pairing spans (an ended
    pairing opens its last year's, a pairing still to start its first)."""
    return school_year_of(min(max(today(), pairing.starts_on), pairing.ends_on))


def pair_nav(community: Any, pairing: Pairing) -> list[PairLink]:
    """The links between a pairing's pages that the viewer may open, each asked as its route asks: whoever sees
    the pairing (the pair, admins, the conveners) opens its logs, goals and observations (a convener their dates,
    counts and states, not what was written); the handbook as its own rule says (not a mentor whose pairing ended).
    One query at most, once per page."""
    if not can(current_user, "view", pairing):
        return []
    slug = community.slug
    year = handbook_year(pairing)
    book = handbook_services.find_handbook(community.id, pairing.mentee_id, year) or Handbook(
        community_id=community.id, teacher_id=pairing.mentee_id, school_year=year, shared=False,
        community=community, teacher=pairing.mentee)
    urls = {
        "pairing": url_for("mentoring.pairing", slug=slug, pairing_id=pairing.id),
        "logs": url_for("mentoring.logs", slug=slug, pairing_id=pairing.id),
        "goals": url_for("mentoring.goals", slug=slug, pairing_id=pairing.id),
        "observations": url_for("mentoring.observations", slug=slug, pairing=pairing.id),
        "handbook": url_for("mentoring.handbook", slug=slug, teacher_id=pairing.mentee_id, school_year=year)
        if can(current_user, "view", book) else None,
        "public_lessons": url_for("mentoring.public_lessons", slug=slug, pairing=pairing.id)
        if can(current_user, "use_mentoring", community) else None,
    }
    return [PairLink(key, _PAIR_LABELS[key], urls[key]) for key in PAIR_PAGES if urls[key]]


# A page whose route does not pass `pair_nav` (the observations') gets it from the partial itself, by this name.
bp.add_app_template_global(pair_nav, "pair_links")

from workspace.mentoring.routes import handbook, logs, observations, pairings, public_lessons  # noqa: E402,F401  (they add to bp)
