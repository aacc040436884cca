"""What the engine answers: a status per rule, its figure against its target, the records that count and the gaps.

Gaps and breaches are codes with parameters, never sentences: `workspace.compliance.wording` puts them into the
reader's language, so the engine stays plain Python and a result can be cached, compared and tested as data.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from typing import Any


class Status(enum.StrEnum):
    """Where a rule stands today (docs/rules.md, "Statuses")."""

    MET = "met"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    NOT_MET = "not_met"
    NOT_APPLICABLE = "not_applicable"
    WAIVED = "waived"


# From worst to best: a rule made of parts takes the worst of them; not applicable and waived never decide.
PROGRESS = (Status.NOT_MET, Status.AT_RISK, Status.ON_TRACK, Status.MET)


def worst(statuses: list[Status] | tuple[Status, ...]) -> Status:
    """The worst of these statuses (not applicable and waived left out); not applicable when none is left."""
    ranked = [status for status in statuses if status in PROGRESS]
    if not ranked:
        return Status.NOT_APPLICABLE
    return min(ranked, key=PROGRESS.index)


@dataclass(frozen=True)
class Gap:
    """What keeps a rule from being met, as a code and its parameters (e.g. activity_missing_evidence)."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def __hash__(self) -> int:
        return hash((self.code, tuple(sorted((key, repr(value)) for key, value in self.params.items()))))


@dataclass(frozen=True)
class RuleResult:
    """One rule (or one window or person of it, in `parts`) evaluated on one day."""

    rule_id: str
    version: int
    kind: str
    message: str
    citation: str
    status: Status
    figure: int | None = None  # what there is (activities counted, members, NT$ spent …)
    target: int | None = None  # what the rule asks for
    unit: str = ""  # activities, members, conveners, subjects, schools, public_lessons, percent, days, money, items
    window_first: dt.date | None = None
    window_last: dt.date | None = None
    counted: tuple[tuple[str, object], ...] = ()  # (record kind, id): activity, member, expense, deliverable …
    gaps: tuple[Gap, ...] = ()
    parts: tuple[RuleResult, ...] = ()  # per window, per person
    waived_reason: str | None = None
    label: str = ""  # what a part is: a window's label (period, `first 2010`, YYYY-MM) or a person's name
    part_kind: str = ""  # window or person, for a part; "" for a rule's own result


@dataclass(frozen=True)
class Breach:
    """A budget cap an expense (or the ledger) breaks: the rule, a code and its numbers (money in minor units)."""

    rule_id: str
    message: str
    code: str  # per_item, per_hour, per_person_session, total, claims, hours, share, range_high, range_low,
    # range_low_final (under the minimum with every claim made), category_not_allowed, unknown_category,
    # outside_period, no_book_list, book_without_relevance, missing_receipt, share_of_approved, over_approved
    # (the claimable total past the approved amount)
    params: dict[str, Any] = field(default_factory=dict)
    expense_id: int | None = None

    def __hash__(self) -> int:
        return hash((self.rule_id, self.code, self.expense_id))
