"""Small builders of facts and programs for the engine's tests: every field defaulted, the case's point explicit."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from workspace.compliance.facts import (
    ActivityFact,
    CommunityFacts,
    ExpenseFact,
    MemberFact,
    SchoolFact,
)

FIRST, LAST = dt.date(2011, 1, 1), dt.date(2012, 6, 30)  # the PLC-100 period
_ids = itertools.count(1)


def program(*rules: dict[str, Any], first: dt.date = FIRST, last: dt.date = LAST, **extra: Any) -> dict[str, Any]:
    """A program document around these rules (ids and versions filled in)."""
    filled = [{"id": f"r{n}", "version": 1, "message": "m", **rule} for n, rule in enumerate(rules, start=1)]
    return {"key": "test", "name": "Test", "period": {"first": first.isoformat(), "last": last.isoformat()},
            "rules": filled, **extra}


def school(classes: int = 24, evaluation: bool = False, id: int = 1, role: str = "own",
           name: str = "甲校") -> SchoolFact:
    """A school."""
    return SchoolFact(id=id, name=name, class_count=classes, in_evaluation_programme=evaluation, role=role)


def member(user_id: int | None = None, role: str = "member", joined: dt.date = FIRST, left: dt.date | None = None,
           evaluation: bool = False, name: str | None = None, **extra: Any) -> MemberFact:
    """A member of school 1 from the period's first day."""
    user_id = user_id or next(_ids)
    return MemberFact(user_id=user_id, name=name or f"老師{user_id}", role=role, school_id=1,
                      in_evaluation_programme=evaluation, joined_on=joined, left_on=left, **extra)


def activity(day: dt.date, held: bool = True, **extra: Any) -> ActivityFact:
    """A held offline activity of 90 minutes on that day, with no evidence unless given."""
    values: dict[str, Any] = {"id": next(_ids), "title": f"活動 {day}", "day": day, "minutes": 90,
                              "method": "topic_study", "mode": "offline", "held": held}
    return ActivityFact(**{**values, **extra})


def activities(count: int, first: dt.date = FIRST, every: int = 7, **extra: Any) -> list[ActivityFact]:
    """`count` activities `every` days apart from `first`."""
    return [activity(first + dt.timedelta(days=every * n), **extra) for n in range(count)]


def expense(category: str, amount: int, day: dt.date = dt.date(2011, 3, 1), **extra: Any) -> ExpenseFact:
    """A claimable expense with its receipt."""
    return ExpenseFact(**{"id": next(_ids), "category": category, "day": day, "amount": amount, "has_receipt": True,
                          **extra})


def facts(activities: list[ActivityFact] | tuple[ActivityFact, ...] = (), members: Any = (), schools: Any = None,
          **extra: Any) -> CommunityFacts:
    """A community's facts: one school of 24 classes unless given."""
    return CommunityFacts(community_id=1, community_name="數學社群", community_type="subject",
                          schools=tuple(schools if schools is not None else (school(),)), members=tuple(members),
                          activities=tuple(sorted(activities, key=lambda a: a.day)), **extra)


def one(program_: dict[str, Any], facts_: CommunityFacts, today: dt.date, **kwargs: Any):
    """The result of a one-rule program."""
    from workspace.compliance.engine import evaluate

    [found] = evaluate(program_, facts_, today, **kwargs)
    return found
