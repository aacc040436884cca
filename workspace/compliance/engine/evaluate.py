"""The kind table and `evaluate()`: every rule of a program on a community's facts on one day.

Adding a kind = one function `(rule, context) -> RuleResult` registered in KINDS, and its `$defs` entry in
schema/program.schema.json (docs/rules.md, "Adding a kind").
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from workspace.compliance.engine.budget import evaluate_budget_cap
from workspace.compliance.engine.context import Context
from workspace.compliance.engine.count import evaluate_count
from workspace.compliance.engine.deliverable import evaluate_deliverable
from workspace.compliance.engine.distinct import evaluate_distinct
from workspace.compliance.engine.membership import evaluate_membership
from workspace.compliance.engine.per_person import evaluate_per_person
from workspace.compliance.engine.results import RuleResult, Status
from workspace.compliance.facts import CommunityFacts

Kind = Callable[[dict[str, Any], Context], RuleResult]

KINDS: dict[str, Kind] = {
    "count": evaluate_count,
    "distinct": evaluate_distinct,
    "membership": evaluate_membership,
    "budget_cap": evaluate_budget_cap,
    "deliverable": evaluate_deliverable,
    "per_person": evaluate_per_person,
}


def evaluate_rule(rule: dict[str, Any], context: Context, waivers: Mapping[str, str] | None = None) -> RuleResult:
    """One rule's result; a waived rule keeps its figures and gaps, with the status waived and the reason."""
    found = KINDS[rule["kind"]](rule, context)
    reason = (waivers or {}).get(rule["id"])
    if reason is not None:
        return dataclasses.replace(found, status=Status.WAIVED, waived_reason=reason)
    return found


def evaluate(program: dict[str, Any], facts: CommunityFacts, today: dt.date,
             waivers: Mapping[str, str] | None = None) -> list[RuleResult]:
    """Every rule of a (validated) program on the facts, in the program's order; waivers: rule id → reason."""
    context = Context(program, facts, today)
    return [evaluate_rule(rule, context, waivers) for rule in program.get("rules", [])]
