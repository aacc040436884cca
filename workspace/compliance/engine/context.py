"""What every rule kind receives: the program, the community's facts, today, and helpers to build a result."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from workspace.compliance.engine.results import RuleResult, Status, worst
from workspace.compliance.engine.windows import Window, current_or_closed, period_of, windows_of
from workspace.compliance.facts import CommunityFacts

DEFAULT_PARAMETERS = {"hybrid_counts_as": "both", "max_activities_per_day": 1, "deliverable_warning_days": 14}


@dataclass(frozen=True)
class Context:
    """One evaluation: the program document, the facts, the local day and the program's parameters."""

    program: dict[str, Any]
    facts: CommunityFacts
    today: dt.date

    @property
    def parameters(self) -> dict[str, Any]:
        """The program's parameters over their defaults."""
        return {**DEFAULT_PARAMETERS, **self.program.get("parameters", {})}

    @property
    def period(self) -> Window:
        """The program's period."""
        return period_of(self.program)


def result(rule: dict[str, Any], status: Status, **values: Any) -> RuleResult:
    """A result carrying the rule's id, version, kind, message and citation."""
    return RuleResult(rule_id=rule["id"], version=rule.get("version", 1), kind=rule["kind"],
                      message=rule.get("message", ""), citation=rule.get("citation", ""), status=status, **values)


def part(whole: RuleResult, status: Status, **values: Any) -> RuleResult:
    """A part (a window, a person) of a rule's result: the rule's identity, its own figures."""
    blank: dict[str, Any] = {"figure": None, "target": None, "window_first": None, "window_last": None,
                             "counted": (), "gaps": (), "parts": (), "part_kind": "window"}
    return replace(whole, status=status, **{**blank, **values})


WindowPart = Callable[[dict[str, Any], Context, Window, RuleResult], RuleResult]


def combine(whole: RuleResult, parts: list[RuleResult], deciding: list[RuleResult]) -> RuleResult:
    """A rule of several windows: the worst deciding part's status, the running (or last) part's figures.

    A rule of one window is that window's result (its parts, if any, are its people).
    """
    if len(parts) == 1:
        return replace(parts[0], label="", part_kind="")
    shown = deciding[-1] if deciding else parts[0]
    return replace(whole, status=worst([p.status for p in deciding]) if deciding else shown.status,
                   figure=shown.figure, target=shown.target, unit=shown.unit, window_first=shown.window_first,
                   window_last=shown.window_last,
                   counted=tuple(c for p in deciding for c in p.counted),
                   gaps=tuple(g for p in deciding for g in p.gaps), parts=tuple(parts))


def by_windows(rule: dict[str, Any], context: Context, window_part: WindowPart) -> RuleResult:
    """Evaluate a rule in each of its windows; the windows closed or running decide (docs/rules.md, "Windows")."""
    whole = result(rule, Status.ON_TRACK)
    windows = windows_of(context.program, rule.get("window"))
    started = current_or_closed(windows, context.today)
    parts = [window_part(rule, context, window, whole) for window in windows]
    return combine(whole, parts, [p for p, w in zip(parts, windows, strict=True) if w in started])
