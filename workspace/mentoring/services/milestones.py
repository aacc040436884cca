"""Milestones of a pairing: steps due a set time after it starts, ticked by hand or by the first record of
their kind (a meeting log ticks "first meeting", an observation "first observation")."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from workspace.core.database import utcnow
from workspace.extensions import db
from workspace.mentoring.models import Milestone, MilestoneKind, Pairing


def note_progress(pairing: Pairing, kind: MilestoneKind | str, day: dt.date, *, actor_id: int | None = None) -> None:
    """Tick off the pairing's open milestones of `kind` now that a record of that kind dated `day` exists
    (a record dated before the pairing started ticks nothing)."""
    if day < pairing.starts_on:
        return
    for milestone in db.session.scalars(select(Milestone).where(
            Milestone.pairing_id == pairing.id, Milestone.kind == str(kind), Milestone.done_at.is_(None),
            Milestone.live)):
        milestone.done_at = utcnow()
        milestone.done_by_id = actor_id
