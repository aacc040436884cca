"""Every rule set of GRANT_RULES.md, "Other rule sets seen in practice" included, written as a program document by
parameters alone (no code), validated by the schema, and evaluated: one test per set.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.compliance.engine.builders import activities, activity, expense, facts, member
from workspace.compliance.engine import Status, evaluate
from workspace.compliance.facts import DeliverableFact
from workspace.compliance.programs import load_presets, validate_program

FIRST, LAST = dt.date(2024, 8, 1), dt.date(2025, 7, 31)  # a school year
AFTER = LAST + dt.timedelta(days=1)


def program(*rules: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A school's own rule set, checked against the schema before use."""
    document = {"key": "school", "name": "校內社群", "period": {"first": FIRST.isoformat(), "last": LAST.isoformat()},
                "rules": [{"version": 1, "message": "m", "citation": "c", **rule} for rule in rules], **extra}
    assert validate_program(document) == []
    return document


def statuses(document: dict[str, Any], facts_: Any, today: dt.date) -> dict[str, Status]:
    return {result.rule_id: result.status for result in evaluate(document, facts_, today)}


def test_the_plc_grant_preset():
    plc = next(p for p in load_presets() if p["key"] == "plc-100")
    assert {r["kind"] for r in plc["rules"]} == {"membership", "count", "deliverable", "budget_cap"}
    assert len(plc["rules"]) == 18


def test_the_urban_rural_preset():
    urc = next(p for p in load_presets() if p["key"] == "urc")
    assert {r["kind"] for r in urc["rules"]} == {"count", "distinct", "per_person"}
    assert len(urc["rules"]) == 12


def test_six_meetings_of_an_hour_with_sign_in_sheets_and_records():
    rules = program({"id": "meetings", "kind": "count", "target": 6, "min_minutes": 60,
                     "evidence": ["sheet", ["minutes", "document"]]})
    good = activities(6, first=FIRST, minutes=60, sheets=1, has_minutes=True)
    assert statuses(rules, facts(good), AFTER) == {"meetings": Status.MET}
    short = [*good[:5], activity(FIRST + dt.timedelta(days=100), minutes=59, sheets=1, has_minutes=True)]
    assert statuses(rules, facts(short), AFTER) == {"meetings": Status.NOT_MET}
    unsigned = [*good[:5], activity(FIRST + dt.timedelta(days=100), minutes=60, documents=1)]
    assert statuses(rules, facts(unsigned), AFTER) == {"meetings": Status.NOT_MET}


def test_minutes_after_each_meeting():
    rules = program({"id": "minutes", "kind": "count", "every": True, "evidence": ["minutes"], "grace_days": 7})
    held = [activity(dt.date(2024, 9, 10), has_minutes=True), activity(dt.date(2024, 10, 8))]
    assert statuses(rules, facts(held), dt.date(2024, 10, 15)) == {"minutes": Status.ON_TRACK}
    assert statuses(rules, facts(held), dt.date(2024, 10, 16)) == {"minutes": Status.NOT_MET}


def test_the_final_report_with_photos_within_two_weeks_of_the_end():
    rules = program(
        {"id": "report", "kind": "deliverable", "item": "results_report", "due": {"after": "period_last", "days": 14}},
        {"id": "photos", "kind": "count", "every": True, "evidence": ["photo"]},
    )
    on_time = (DeliverableFact("results_report", LAST + dt.timedelta(days=14)),)
    held = facts(activities(3, first=FIRST, photos=2), deliverables=on_time)
    assert statuses(rules, held, LAST + dt.timedelta(days=20)) == {"report": Status.MET, "photos": Status.MET}
    late = facts(activities(3, first=FIRST), deliverables=(DeliverableFact("results_report", LAST + dt.timedelta(15)),))
    assert statuses(rules, late, LAST + dt.timedelta(days=20)) == {"report": Status.NOT_MET, "photos": Status.NOT_MET}


def test_seven_members_and_three_activities_each_semester():
    rules = program({"id": "members", "kind": "membership", "min": 7, "window": "semester"},
                    {"id": "activities", "kind": "count", "target": 3, "window": "semester"})
    people = [member(joined=FIRST) for _ in range(7)]
    first_semester = activities(3, first=dt.date(2024, 9, 1), every=30)
    second = activities(3, first=dt.date(2025, 3, 1), every=30)
    assert statuses(rules, facts(first_semester + second, members=people), AFTER) == {
        "members": Status.MET, "activities": Status.MET}
    assert statuses(rules, facts(first_semester + second[:2], members=people[:6]), AFTER) == {
        "members": Status.NOT_MET, "activities": Status.NOT_MET}


def test_only_operating_expenses_are_fundable():
    categories = {"categories": [{"key": "books", "name": "圖書", "group": "operating"},
                                 {"key": "laptop", "name": "筆電", "group": "equipment"},
                                 {"key": "stipend", "name": "津貼", "group": "personnel"}]}
    rules = program({"id": "operating", "kind": "budget_cap", "allowed_groups": ["operating"]}, budget=categories)
    assert statuses(rules, facts(expenses=(expense("books", 900),)), dt.date(2024, 9, 1)) == {
        "operating": Status.MET}
    for category in ("laptop", "stipend"):
        assert statuses(rules, facts(expenses=(expense("books", 900), expense(category, 100))),
                        dt.date(2024, 9, 1)) == {"operating": Status.NOT_MET}


def test_two_instalments_of_seventy_and_thirty_percent():
    """The funder pays 70 % first and 30 % after the mid-term report (1 February): spending before the second
    instalment may not pass 70 % of the approved amount, and never 100 %."""
    rules = program({"id": "first_instalment", "kind": "budget_cap", "max_percent_of_approved": 70,
                     "until": "2025-01-31"},
                    {"id": "whole", "kind": "budget_cap", "max_percent_of_approved": 100},
                    budget={"categories": [{"key": "books", "name": "圖書"}]})
    spent = (expense("books", 7000, day=dt.date(2024, 10, 1)),)
    assert statuses(rules, facts(expenses=spent, approved_amount=10_000), dt.date(2024, 12, 1)) == {
        "first_instalment": Status.MET, "whole": Status.MET}
    early = (*spent, expense("books", 500, day=dt.date(2025, 1, 31)))
    assert statuses(rules, facts(expenses=early, approved_amount=10_000), dt.date(2025, 2, 1)) == {
        "first_instalment": Status.NOT_MET, "whole": Status.MET}
    after = (*spent, expense("books", 3001, day=dt.date(2025, 2, 1)))
    assert statuses(rules, facts(expenses=after, approved_amount=10_000), dt.date(2025, 3, 1)) == {
        "first_instalment": Status.MET, "whole": Status.NOT_MET}
