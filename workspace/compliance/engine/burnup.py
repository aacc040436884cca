"""The burn-up chart of the main activity-count rule: held activities so far, the pace line, a projection.

The main rule is the count rule marked `main: true`, else the first count rule over the whole period with a
target. Points are weekly (each seventh day from the period's first, then today); the projection continues
from today at the pace of the last 28 days (activities counted in them / 28 a day) to the period's last day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from workspace.compliance.engine.context import Context
from workspace.compliance.engine.count import evaluate_count
from workspace.compliance.engine.pace import expected_by
from workspace.compliance.engine.windows import Window
from workspace.compliance.facts import CommunityFacts

RECENT_DAYS = 28


@dataclass(frozen=True)
class BurnUp:
    """What the chart draws: cumulative counted activities, the pace line, a projection, today."""

    rule_id: str
    target: int
    first: dt.date
    last: dt.date
    today: dt.date
    points: tuple[tuple[dt.date, int], ...]  # (day, activities counted up to and including that day)
    pace: tuple[tuple[dt.date, int], tuple[dt.date, int]]  # from (first, 0) to (last, target)
    projection: tuple[tuple[dt.date, int], tuple[dt.date, int]] | None  # from (today, now) to (last, projected)
    counted: int

    @property
    def expected_today(self) -> int | None:
        """How many the pace needed asks for by today (None outside the period): the chart's text alternative,
        the very figure the count rule's status and its "behind the even pace" gap read (`pace.expected_by`)."""
        if not self.first <= self.today <= self.last:
            return None
        return expected_by(self.target, Window(self.first, self.last, "period"), self.today)


def main_rule(program: dict[str, Any]) -> dict[str, Any] | None:
    """The program's main activity-count rule, if it has one."""
    counts = [r for r in program.get("rules", []) if r["kind"] == "count" and "target" in r and not r.get("every")]
    marked = [r for r in counts if r.get("main")]
    whole = [r for r in counts if r.get("window", "period") == "period"]
    return (marked or whole or [None])[0]


def burn_up(program: dict[str, Any], facts: CommunityFacts, today: dt.date) -> BurnUp | None:
    """The burn-up of the main count rule (None when the program has none)."""
    rule = main_rule(program)
    if rule is None:
        return None
    context = Context(program, facts, today)
    period = context.period
    found = evaluate_count({**rule, "window": "period"}, context)
    ids = {record_id for kind, record_id in found.counted if kind == "activity"}
    days = sorted(a.day for a in facts.activities if a.id in ids)
    end = min(today, period.last)
    marks = []
    day = period.first
    while day <= end:
        marks.append(day)
        day += dt.timedelta(days=7)
    if end >= period.first and (not marks or marks[-1] != end):
        marks.append(end)
    points = tuple((mark, sum(1 for d in days if d <= mark)) for mark in marks)
    now = sum(1 for d in days if d <= end)
    projection = None
    if period.first <= today <= period.last:
        recent = sum(1 for d in days if today - dt.timedelta(days=RECENT_DAYS) < d <= today)
        ahead = (period.last - today).days
        projected = now + int(Fraction(recent, RECENT_DAYS) * ahead)
        projection = ((today, now), (period.last, projected))
    return BurnUp(rule_id=rule["id"], target=rule["target"], first=period.first, last=period.last, today=today,
                  points=points, pace=((period.first, 0), (period.last, rule["target"])), projection=projection,
                  counted=now)
