"""A preset's cases: facts written as JSON, a day, and the statuses the rules must give (presets/cases/<key>/).

Each case is `{"description", "today", "facts": {...}, "waivers": {...}, "expect": {rule id: status}}`. Facts
mirror `facts.py` (dates ISO, lists for tuples); an activity may carry `"repeat": n` and `"every_days": d` to
stand for n activities d days apart (ids counted on from its id), so a case of 18 activities stays short.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import typing
from pathlib import Path
from typing import Any

from workspace.compliance import facts as f

CASES = Path(__file__).resolve().parents[1] / "presets" / "cases"


def _convert(kind: type, data: dict[str, Any]) -> Any:
    hints = typing.get_type_hints(kind, vars(f))
    values = {}
    for name, value in data.items():
        hint = str(hints[name])
        if "date" in hint and isinstance(value, str):
            value = dt.date.fromisoformat(value)
        elif "frozenset" in hint:
            value = frozenset(value)
        elif isinstance(value, list):
            value = tuple(value)
        values[name] = value
    return kind(**values)


def _activities(rows: list[dict[str, Any]]) -> tuple[f.ActivityFact, ...]:
    found = []
    for row in rows:
        fields = dict(row)  # a copy to take the repeat keys off
        repeat, every = fields.pop("repeat", 1), fields.pop("every_days", 7)
        first = _convert(f.ActivityFact, fields)
        found += [dataclasses.replace(first, id=first.id + n, day=first.day + dt.timedelta(days=every * n))
                  for n in range(repeat)]
    return tuple(sorted(found, key=lambda activity: (activity.day, activity.id)))


def facts_from_dict(data: dict[str, Any]) -> f.CommunityFacts:
    """CommunityFacts from a case's JSON facts."""
    parts: dict[str, Any] = {
        "community_id": data.get("community_id", 1),
        "community_name": data.get("community_name", "社群"),
        "community_type": data.get("community_type", "subject"),
        "schools": tuple(_convert(f.SchoolFact, row) for row in data.get("schools", [])),
        "members": tuple(_convert(f.MemberFact, row) for row in data.get("members", [])),
        "activities": _activities(data.get("activities", [])),
        "expenses": tuple(_convert(f.ExpenseFact, row) for row in data.get("expenses", [])),
        "approved_amount": data.get("approved_amount", 0),
        "deliverables": tuple(_convert(f.DeliverableFact, row) for row in data.get("deliverables", [])),
        "monthly_plans": tuple(_convert(f.MonthlyPlanFact, row) for row in data.get("monthly_plans", [])),
        "public_lessons": tuple(_convert(f.PublicLessonFact, row) for row in data.get("public_lessons", [])),
        "mentees": tuple(data.get("mentees", [])),
        "mentors": tuple(data.get("mentors", [])),
        "book_list": tuple(_convert(f.BookFact, row) for row in data.get("book_list", [])),
        "exchanged_teachers": tuple(_convert(f.ExchangedTeacherFact, row)
                                    for row in data.get("exchanged_teachers", [])),
    }
    return f.CommunityFacts(**parts)


def load_cases(preset_key: str) -> list[tuple[str, dict[str, Any]]]:
    """A preset's cases as (file name, case), in name order."""
    folder = CASES / preset_key
    return [(path.name, json.loads(path.read_text(encoding="utf-8"))) for path in sorted(folder.glob("*.json"))]
