"""What every rule kind receives: the program, the community's facts, today, and helpers to build a result."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from workspace.compliance.engine.results import RuleResult, Status
from workspace.compliance.engine.windows import Window, period_of
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
                             "counted": (), "gaps": (), "parts": ()}
    return replace(whole, status=status, **{**blank, **values})
