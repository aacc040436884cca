"""A pairing's goals: the new teacher's improvement goals, what success looks like, by when, their status and the
records that show it (evidence links through the one link table, core/links: a goal links resources, plan
documents and observations in the role "evidence").

Either of the pair writes them (policy: Goal edit/delete/restore/share); the conveners read a goal the pair shared.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from workspace.core import links
from workspace.core.database import advance, utcnow
from workspace.core.errors import Checks, Conflict, NotAllowed, ValidationError
from workspace.core.i18n import local_date
from workspace.core.parsing import check_in_range
from workspace.core.permissions import can, scope
from workspace.core.records import Period, local_day
from workspace.core.text import checked_line, checked_text
from workspace.extensions import db
from workspace.mentoring.models import Goal, GoalStatus, MilestoneKind, Observation, Pairing
from workspace.mentoring.services.milestones import note_progress
from workspace.mentoring.services.terms import check_within

EVIDENCE = "evidence"  # the role of a goal's links
MAX_TITLE = 200
MAX_CRITERIA = 4000
STATUS_LABELS = {
    GoalStatus.OPEN.value: _l("Not started"),
    GoalStatus.IN_PROGRESS.value: _l("In progress"),
    GoalStatus.ACHIEVED.value: _l("Achieved"),
    GoalStatus.DROPPED.value: _l("Dropped"),
}
EVIDENCE_KINDS = ("resource", "plan", "observation")  # what a goal may link as its evidence

links.register_kind("goal", Goal, live=lambda: Goal.live)
links.register_kind("observation", Observation, live=lambda: Observation.live)


@dataclass
class GoalFields:
    """What the pair types about a goal."""

    title: str | None
    success_criteria: str | None = ""
    due_on: dt.date | None = None
    status: str = GoalStatus.OPEN.value


def check_goal(fields: GoalFields, pairing: Pairing | None = None, kept: dt.date | None = None) -> GoalFields:
    """The fields cleaned, or one ValidationError naming every field that breaks a rule. With the pairing, a due
    date falls within its term, as a milestone's does (a due date `kept` from before is kept)."""
    checks = Checks()
    with checks:
        title = checked_line(fields.title, "title", MAX_TITLE, required=True)
    with checks:
        criteria = checked_text(fields.success_criteria, "success_criteria", MAX_CRITERIA)
    with checks:
        check_in_range(fields.due_on, "due_on")
        if pairing is not None and fields.due_on is not None and fields.due_on != kept:
            check_within(fields.due_on, Period(pairing.starts_on, pairing.ends_on), "due_on",
                         _l("Choose a day within the pairing's term, %(first)s to %(last)s."))
    with checks:
        if fields.status not in STATUS_LABELS:
            raise ValidationError(str(_l("Choose from the list.")), field="status")
    checks.done()
    return GoalFields(title, criteria, fields.due_on, fields.status)


def _require(allowed: bool) -> None:
    if not allowed:
        raise NotAllowed(str(_l("Only the mentor and the new teacher of an active pairing write its goals.")))


def create_goal(pairing: Pairing, fields: GoalFields, *, actor: Any) -> Goal:
    """Add a goal to the pairing (either of the pair); the first goal ticks the pairing's goal milestone."""
    _require(can(actor, "write", pairing))
    checked = check_goal(fields, pairing)
    goal = Goal(pairing_id=pairing.id, title=checked.title, success_criteria=checked.success_criteria,
                due_on=checked.due_on, status=checked.status, created_by_id=actor.id)
    goal.pairing = pairing
    db.session.add(goal)
    db.session.flush()
    note_progress(pairing, MilestoneKind.GOAL, local_day(utcnow()), actor_id=actor.id)
    return goal


def update_goal(goal: Goal, fields: GoalFields, *, actor: Any, base_version: int) -> Goal:
    """Change a goal; an edit started from an older version is refused and nothing is overwritten."""
    _require(can(actor, "edit", goal))
    checked = check_goal(fields, goal.pairing, kept=goal.due_on)
    if base_version != goal.version or not advance(goal, expected=base_version):
        raise Conflict(str(_l("Someone changed this goal while you were editing it. Look at the saved goal and "
                              "make your change again; your text is kept below.")))
    goal.title, goal.success_criteria = checked.title, checked.success_criteria
    goal.due_on, goal.status = checked.due_on, checked.status
    goal.updated_at = utcnow()
    return goal


def trash_goal(goal: Goal, *, actor: Any) -> None:
    """Move a goal to the trash (restorable)."""
    _require(can(actor, "delete", goal))
    goal.deleted_at = goal.deleted_at or utcnow()


def restore_goal(goal: Goal, *, actor: Any) -> None:
    """Take a goal out of the trash."""
    _require(can(actor, "restore", goal))
    goal.deleted_at = None


def share_goal(goal: Goal, shared: bool, *, actor: Any) -> None:
    """Let the community's conveners read the goal (or stop)."""
    _require(can(actor, "share", goal))
    goal.shared = shared


def carry_goals(old: Pairing, new: Pairing) -> list[Goal]:
    """Move the old pairing's unfinished goals (not started, in progress) to the pairing that takes over from it:
    they are the new teacher's, and go on with the new mentor. Achieved and dropped goals stay the record of the
    pairing they were met in (its mentor no longer reads the ones moved: the policy follows the pairing)."""
    moved = list(db.session.scalars(select(Goal).where(
        Goal.pairing_id == old.id, Goal.live, Goal.status.in_([GoalStatus.OPEN.value, GoalStatus.IN_PROGRESS.value]))
        .order_by(Goal.id)))
    for goal in moved:
        goal.pairing_id, goal.pairing = new.id, new
    db.session.flush()
    return moved


def goals_of(pairing: Pairing, viewer: Any, *, trashed: bool = False) -> list[Goal]:
    """The pairing's goals the viewer may read (in the trash, when `trashed`), by due date then newest."""
    live = ~Goal.live if trashed else Goal.live
    return list(db.session.scalars(select(Goal).where(
        Goal.pairing_id == pairing.id, live, scope(viewer, "read", Goal)).order_by(
        Goal.due_on.is_(None), Goal.due_on, Goal.id.desc())))


def goal_counts(pairing: Pairing) -> dict[str, int]:
    """How many live goals the pairing has per status (what a convener sees without the content)."""
    counts = dict.fromkeys(STATUS_LABELS, 0)
    for status in db.session.scalars(select(Goal.status).where(Goal.pairing_id == pairing.id, Goal.live)):
        counts[status] = counts.get(status, 0) + 1
    return counts


def open_goals_for(pairing_ids: Sequence[int]) -> dict[int, list[Goal]]:
    """The goals not yet achieved nor dropped of many pairings at once (a home page's list), by due date:
    {pairing id: goals}. For the pair's own pages only: the caller checks that the viewer reads the pairing."""
    found: dict[int, list[Goal]] = {}
    if not pairing_ids:
        return found
    for goal in db.session.scalars(select(Goal).where(
            Goal.pairing_id.in_(list(pairing_ids)), Goal.live,
            Goal.status.in_([GoalStatus.OPEN.value, GoalStatus.IN_PROGRESS.value])).order_by(
            Goal.due_on.is_(None), Goal.due_on, Goal.id)):
        found.setdefault(goal.pairing_id, []).append(goal)
    return found


# --- evidence ----------------------------------------------------------------------------------


def _evidence_target(goal: Goal, kind: str, target_id: int | None, actor: Any) -> Any:
    """The record of `kind` a goal may link: of the pairing's community, still live, one the actor may read (not
    the other's draft observation, nor a resource kept from them)."""
    if kind not in EVIDENCE_KINDS or target_id is None:
        raise ValidationError(str(_l("Choose from the list.")), field="target")
    model = links.kind(kind).model
    record = db.session.get(model, target_id)
    community_id = goal.pairing.community_id
    if record is None or getattr(record, "community_id", None) != community_id or not record.live:
        raise ValidationError(str(_l("Choose a record of this community.")), field="target")
    if kind == "observation" and record.pairing_id != goal.pairing_id:
        raise ValidationError(str(_l("Choose an observation of this pairing.")), field="target")
    if not can(actor, "read" if kind == "observation" else "view", record):  # a resource's or plan's "read"
        raise ValidationError(str(_l("Choose from the list.")), field="target")
    return record


def add_evidence(goal: Goal, kind: str, target_id: int | None, *, actor: Any) -> links.Link:
    """Link a resource, a plan document or an observation of the pair to the goal as its evidence."""
    _require(can(actor, "edit", goal))
    return links.add_link(goal, _evidence_target(goal, kind, target_id, actor), EVIDENCE, actor=actor)


def remove_evidence(goal: Goal, link: links.Link, *, actor: Any) -> None:
    """Unlink one piece of evidence (the record stays)."""
    _require(can(actor, "edit", goal))
    if (link.from_type, link.from_id, link.role) != ("goal", goal.id, EVIDENCE):
        raise NotAllowed(str(_l("This link is not the goal's.")))
    links.remove_link(link)


def evidence_of(goals: Sequence[Goal]) -> dict[int, list[tuple[links.Link, Any]]]:
    """Each goal's evidence that still shows, in a fixed number of queries: {goal id: [(link, record)]}."""
    found = links.links_from_many("goal", [goal.id for goal in goals], roles=(EVIDENCE,))
    resolved = links.resolve([link for items in found.values() for link in items])
    by_goal: dict[int, list[tuple[links.Link, Any]]] = {}
    for link, record in resolved:
        by_goal.setdefault(link.from_id, []).append((link, record))
    return by_goal


def evidence_choices(pairing: Pairing, viewer: Any, limit: int = 50) -> list[tuple[str, str]]:
    """The records a goal may link, as (kind:id, label): the community's newest resources and plan documents and
    the pairing's observations that `viewer` may read (the policy's list scopes: not the other's draft)."""
    from workspace.auth.models import User
    from workspace.mentoring.services.public_lessons import plan_label
    from workspace.plans.models import PlanDoc, PlanKind
    from workspace.resources.models import Resource

    choices: list[tuple[str, str]] = []
    for item in db.session.execute(select(Resource.id, Resource.title).where(
            Resource.community_id == pairing.community_id, Resource.live, scope(viewer, "view", Resource))
            .order_by(Resource.id.desc()).limit(limit)):
        choices.append((f"resource:{item.id}", str(_l("Resource: %(title)s", title=item.title))))
    for item in db.session.execute(select(PlanDoc.id, PlanDoc.topic, PlanDoc.kind, User.display_name)
                                   .outerjoin(User, User.id == PlanDoc.owner_id).where(
            PlanDoc.community_id == pairing.community_id, PlanDoc.live, scope(viewer, "view", PlanDoc))
            .order_by(PlanDoc.id.desc()).limit(limit)):
        label = plan_label(item.topic, item.kind == PlanKind.ADAPTATION.value, item.display_name)
        choices.append((f"plan:{item.id}", str(_l("Plan: %(title)s", title=label))))
    for item in db.session.execute(select(Observation.id, Observation.observed_on, Observation.subject).where(
            Observation.pairing_id == pairing.id, Observation.live, scope(viewer, "read", Observation))
            .order_by(Observation.observed_on.desc()).limit(limit)):
        choices.append((f"observation:{item.id}", str(_l("Observation of %(date)s %(subject)s",
                                                         date=local_date(item.observed_on), subject=item.subject))))
    return choices
