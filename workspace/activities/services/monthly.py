"""Monthly plans: deadlines, a month's activities, submitting the plan and its status."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from workspace.activities.models import Activity, MonthlyPlan
from workspace.activities.services._common import _check_manager, _text, to_local, to_utc
from workspace.auth.models import User
from workspace.communities.models import Community
from workspace.core.database import utcnow
from workspace.core.errors import ValidationError
from workspace.core.models import record_event
from workspace.core.parsing import bounded, check_in_range
from workspace.extensions import db

# --- monthly plans -------------------------------------------------------------------------------


def plan_deadline(month: dt.date) -> dt.date:
    """The day the plan for `month` is due: the configured day (default the 20th) of the month before."""
    day = int(current_app.config.get("MONTHLY_PLAN_DAY", 20))
    before = (month.replace(day=1) - dt.timedelta(days=1))
    return before.replace(day=min(day, before.day))


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    first = bounded(month).replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return to_utc(dt.datetime.combine(first, dt.time())), to_utc(dt.datetime.combine(following, dt.time()))


def activities_in_month(community: Community, month: dt.date) -> list[Activity]:
    """The community's activities of a month, for its plan: not a pair's private meeting or observation (the plan
    is the community's, handed to the reviewers, and the meeting's title names the pair)."""
    start, end = month_bounds(month)
    return list(db.session.scalars(select(Activity).where(
        Activity.community_id == community.id, Activity.starts_at >= start, Activity.starts_at < end,
        Activity.private.is_(False)).order_by(Activity.starts_at)))


def monthly_plan(community: Community, month: dt.date) -> MonthlyPlan | None:
    return db.session.scalar(select(MonthlyPlan).where(MonthlyPlan.community_id == community.id,
                                                       MonthlyPlan.month == month.replace(day=1)))


def submit_monthly_plan(community: Community, month: dt.date, note: str, *, actor: User,
                        now: dt.datetime | None = None) -> MonthlyPlan:
    """Submit (or submit again) the plan for a month: the activities planned in it so far, and a note. Submitted
    again, it keeps the day it was first handed in, which the deadline is judged on (a correction does not make an
    on-time plan late); a month that is over takes no plan."""
    _check_manager(community, actor)
    check_in_range(month, "month")
    month = month.replace(day=1)
    now = now or utcnow()
    if month < to_local(now).date().replace(day=1):  # a tab left open since the month before
        raise ValidationError(str(_l("That month is over: its plan can no longer be submitted.")), field="note")
    planned = [activity for activity in activities_in_month(community, month) if not activity.cancelled]
    if not planned:
        raise ValidationError(str(_l("Plan the month's activities first; the plan lists them.")), field="note")
    plan = monthly_plan(community, month)
    if plan is None:
        plan = MonthlyPlan(community_id=community.id, month=month)
        db.session.add(plan)
    plan.note = _text(note, "note", 5_000)
    plan.planned = [{"id": activity.id, "title": activity.title, "starts_at": activity.starts_at.isoformat(),
                     "method": activity.method} for activity in planned]
    if plan.submitted_at is None:
        plan.submitted_at, plan.submitted_by_id = now, actor.id
    else:
        plan.corrected_at = now  # shown beside the first hand-in, which stays what the deadline is judged on
    record_event(actor, "monthly_plan.submitted", plan, community, month=month.isoformat(), count=len(planned))
    db.session.flush()
    return plan


@dataclass
class PlanStatus:
    """Where the plan for a month stands: due when, submitted when, planned versus held."""

    month: dt.date
    deadline: dt.date
    plan: Any
    activities: list[Activity]
    today: dt.date

    @property
    def submitted(self) -> bool:
        return self.plan is not None and self.plan.submitted_at is not None

    @property
    def late(self) -> bool:
        return self.submitted and to_local(self.plan.submitted_at).date() > self.deadline

    @property
    def past(self) -> bool:
        """The month is over: its page shows what happened, nobody can submit its plan any more."""
        return self.month < self.today.replace(day=1)

    @property
    def overdue(self) -> bool:
        """Due and not submitted while it can still be: a month that is over is not an alarm any more."""
        return not self.submitted and self.today > self.deadline and not self.past

    @property
    def due_soon(self) -> bool:
        return not self.submitted and self.deadline - dt.timedelta(days=10) <= self.today <= self.deadline

    @property
    def planned_ids(self) -> set[int]:
        return {item["id"] for item in (self.plan.planned if self.plan else [])}

    @property
    def planned(self) -> list[dict]:
        """The activities the plan listed when it was handed in, a pair's private one left out (a plan submitted
        before such activities were kept private may hold one)."""
        return [item for item in (self.plan.planned if self.plan else []) if item["id"] not in self.private_ids]

    private_ids: frozenset[int] = frozenset()
    held_kept_to_pairs: int = 0  # the pairs' private meetings and observations held in the month: counted, unnamed

    @property
    def held(self) -> list[Activity]:
        now = utcnow()
        return [activity for activity in self.activities if not activity.cancelled and activity.ends_at <= now]

    @property
    def unplanned(self) -> list[Activity]:
        return [activity for activity in self.activities if activity.id not in self.planned_ids]


def plan_status(community: Community, month: dt.date, today: dt.date | None = None) -> PlanStatus:
    month = month.replace(day=1)
    today = today or to_local(utcnow()).date()
    plan = monthly_plan(community, month)
    listed = [item["id"] for item in (plan.planned if plan else [])]
    private = frozenset(db.session.scalars(select(Activity.id).where(Activity.id.in_(listed), Activity.private))
                        ) if listed else frozenset()
    start, end = month_bounds(month)
    # Counted as the results report counts the month's activities (QA: October "held 0" here, 2 in the report).
    kept = db.session.scalar(select(func.count(Activity.id)).where(
        Activity.community_id == community.id, Activity.starts_at >= start, Activity.starts_at < end,
        Activity.private.is_(True), Activity.live, Activity.ends_at <= utcnow())) or 0
    return PlanStatus(month, plan_deadline(month), plan, activities_in_month(community, month), today, private, kept)


def next_month(today: dt.date) -> dt.date:
    return (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
