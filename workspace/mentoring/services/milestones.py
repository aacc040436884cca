"""Milestones of a pairing: steps due a set time after it starts, ticked by hand or by a record of their kind (a
meeting log ticks "first meeting", the mentor's observation "first observation of the new teacher", the new
teacher's observation "the new teacher observes the mentor"): each record the earliest open milestone of its kind."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from workspace.activities.models import Activity
from workspace.core.database import utcnow
from workspace.core.errors import ValidationError
from workspace.core.i18n import local_date
from workspace.core.records import local_midnight
from workspace.extensions import db
from workspace.mentoring.models import (
    Goal,
    Handbook,
    HandbookSection,
    Milestone,
    MilestoneKind,
    Owner,
    Pairing,
    PublicLesson,
)
from workspace.mentoring.services import notices


def note_progress(pairing: Pairing, kind: MilestoneKind | str, day: dt.date, *, actor_id: int | None = None) -> None:
    """Tick off the pairing's earliest open milestone of `kind` now that a record of that kind dated `day` exists:
    one record meets one milestone (a second observation is for "the second observation", not ticked at once by
    the first); a record dated before the pairing started ticks nothing."""
    if day < pairing.starts_on:
        return
    milestone = db.session.scalar(select(Milestone).where(
        Milestone.pairing_id == pairing.id, Milestone.kind == str(kind), Milestone.done_at.is_(None),
        Milestone.live).order_by(Milestone.due_on, Milestone.position, Milestone.id).limit(1))
    if milestone is not None:
        milestone.done_at = utcnow()
        milestone.done_by_id = actor_id


def note_existing(pairing: Pairing) -> None:
    """Tick the new pairing's milestones that records existing when it is made already meet (each its earliest
    open one of the kind): goals of the pairing (carried on from the pairing it takes over from), the new teacher's
    handbook begun in the community, a public lesson of theirs within the pairing's days. A meeting or an
    observation with the new mentor is still to come, so those stay open."""
    goals = select(Goal.id).where(Goal.pairing_id == pairing.id, Goal.live)
    begun = (select(HandbookSection.id).join(Handbook, Handbook.id == HandbookSection.handbook_id)
             .where(Handbook.community_id == pairing.community_id, Handbook.teacher_id == pairing.mentee_id,
                    HandbookSection.body != ""))
    lesson = (select(PublicLesson.id).join(Activity, Activity.id == PublicLesson.activity_id)
              .where(PublicLesson.community_id == pairing.community_id, PublicLesson.teacher_id == pairing.mentee_id,
                     Activity.live, Activity.starts_at >= local_midnight(pairing.starts_on),
                     Activity.starts_at < local_midnight(pairing.ends_on + dt.timedelta(days=1))))
    met = db.session.execute(select(goals.exists(), begun.exists(), lesson.exists())).one()
    for kind, found in zip((MilestoneKind.GOAL, MilestoneKind.HANDBOOK, MilestoneKind.PUBLIC_LESSON), met,
                           strict=True):
        if found:
            note_progress(pairing, kind, pairing.starts_on)


def observation_kind(pairing: Pairing, observer_id: int) -> MilestoneKind:
    """Which milestones an observation of the pair counts for: the new teacher observing the mentor, or the mentor
    observing the new teacher."""
    return MilestoneKind.OBSERVE_MENTOR if observer_id == pairing.mentee_id else MilestoneKind.OBSERVATION


def _clean_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise ValidationError(_("Give the milestone a title."), "title")
    return title[:200]


def _check(pairing: Pairing, title: str, due_on: dt.date | None, owner: str, kind: str) -> None:
    """Every problem of a milestone's fields at once: a title, a due day within the pairing's term (an ended
    pairing's milestones no longer change), an owner and a kind."""
    errors = []
    if not pairing.active:
        errors.append(ValidationError(_("This pairing has ended: its milestones no longer change."), None))
    try:
        _clean_title(title)
    except ValidationError as error:
        errors.append(error)
    if due_on is None:
        errors.append(ValidationError(_("Enter the day it is due."), "due_on"))
    elif not pairing.starts_on <= due_on <= pairing.ends_on:
        errors.append(ValidationError(_("Choose a day within the pairing's term, %(first)s to %(last)s.",
                                        first=local_date(pairing.starts_on), last=local_date(pairing.ends_on)),
                                      "due_on"))
    if owner not in {item.value for item in Owner}:
        errors.append(ValidationError(_("Choose who it falls to."), "owner"))
    if kind not in {item.value for item in MilestoneKind}:
        errors.append(ValidationError(_("Choose what ticks it off."), "kind"))
    if errors:
        raise ValidationError.combine(errors)


def add_milestone(pairing: Pairing, title: str, due_on: dt.date | None, owner: str, kind: str,
                  actor: Any) -> Milestone:
    """Add a milestone to one pairing (a convener changes the list the pairing started with)."""
    _check(pairing, title, due_on, owner, kind)
    title = _clean_title(title)
    position = db.session.scalar(select(func.coalesce(func.max(Milestone.position), -1)).where(
        Milestone.pairing_id == pairing.id)) + 1
    milestone = Milestone(pairing_id=pairing.id, title=title, due_on=due_on, owner=owner, kind=kind,
                          position=position)
    db.session.add(milestone)
    db.session.flush()
    return milestone


def update_milestone(milestone: Milestone, title: str, due_on: dt.date | None, owner: str, kind: str,
                     actor: Any) -> Milestone:
    """Change a milestone's title, due day, owner or kind."""
    _check(milestone.pairing, title, due_on, owner, kind)
    title = _clean_title(title)
    milestone.title, milestone.due_on, milestone.owner, milestone.kind = title, due_on, owner, kind
    db.session.flush()
    return milestone


def trash_milestone(milestone: Milestone, actor: Any) -> None:
    """Move a milestone to the trash (put back with restore_milestone); a reminder email not sent yet stays unsent."""
    milestone.deleted_at = utcnow()
    notices.withdraw_milestone_reminders([milestone.id])
    db.session.flush()


def restore_milestone(milestone: Milestone, actor: Any) -> None:
    """Put a trashed milestone back."""
    milestone.deleted_at = None
    db.session.flush()


def tick(milestone: Milestone, done: bool, actor: Any) -> Milestone:
    """Tick a milestone off by hand (or take the tick back)."""
    if done and milestone.done_at is None:
        milestone.done_at = utcnow()
        milestone.done_by_id = getattr(actor, "id", None)
    elif not done:
        milestone.done_at = None
        milestone.done_by_id = None
    db.session.flush()
    return milestone


def milestones_of(pairing_id: int, *, trashed: bool = False) -> list[Milestone]:
    """A pairing's milestones by due day (the trashed ones instead with `trashed`): one query."""
    condition = ~Milestone.live if trashed else Milestone.live
    return list(db.session.scalars(select(Milestone).where(Milestone.pairing_id == pairing_id, condition)
                                   .order_by(Milestone.due_on, Milestone.position, Milestone.id)))
