"""The budget: each cap of the PLC grant on its edge (6.0 % and 6.01 % sundries, NT$1,600 an hour, 2 claims,
4 hours, NT$20 a person a session, 1,000–1,500 for the report), the ledger, and what one expense would break.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from tests.compliance.engine.builders import LAST, expense, facts, one, program
from workspace.compliance.engine import Status, check_expense, ledger
from workspace.compliance.facts import BookFact
from workspace.compliance.programs import load_presets

OPEN, CLOSED = dt.date(2011, 6, 1), LAST + dt.timedelta(days=1)
CATEGORIES = {"categories": [
    {"key": "materials", "name": "資料蒐集費", "group": "operating"},
    {"key": "printing_materials", "name": "印刷費", "group": "operating"},
    {"key": "sundries", "name": "雜支", "group": "operating"},
    {"key": "external_speaker_hourly", "name": "外聘講座鐘點費", "group": "operating"},
    {"key": "refreshments", "name": "膳食費", "group": "operating"},
    {"key": "printing_report", "name": "成果報告", "group": "operating"},
    {"key": "equipment", "name": "設備費", "group": "equipment"},
]}


def budget(*rules):
    return program(*({"kind": "budget_cap", **rule} for rule in rules), budget=CATEGORIES)


@pytest.fixture(scope="module")
def plc():
    return next(p for p in load_presets() if p["key"] == "plc-100")


@pytest.mark.parametrize(("sundries", "status"), [(600, Status.MET), (601, Status.NOT_MET)])
def test_sundries_up_to_six_percent_of_the_other_operating_costs(sundries, status):
    rules = budget({"category": "sundries", "share": {"max_percent": 6, "of_groups": ["operating"]}})
    spent = [expense("materials", 4000), expense("printing_materials", 6000), expense("sundries", sundries),
             expense("equipment", 50_000)]  # equipment is not an operating cost
    found = one(rules, facts(expenses=tuple(spent)), OPEN)
    assert found.status is status and (found.figure, found.target) == (sundries, 600)
    if status is Status.NOT_MET:
        assert found.gaps[0].code == "budget_share"
        assert found.gaps[0].params["base"] == 10_000 and found.gaps[0].params["allowed"] == 600


def test_a_fractional_percentage_is_exact():
    rules = budget({"category": "sundries", "share": {"max_percent": 6.5, "of_categories": ["materials"]}})
    assert one(rules, facts(expenses=(expense("materials", 1000), expense("sundries", 65))), OPEN).status is Status.MET
    assert one(rules, facts(expenses=(expense("materials", 1000), expense("sundries", 66))), OPEN).status \
        is Status.NOT_MET


@pytest.mark.parametrize(("amount", "hours", "status"), [(3200, 2, Status.MET), (3201, 2, Status.NOT_MET),
                                                        (2400, 1.5, Status.MET), (2401, 1.5, Status.NOT_MET)])
def test_per_hour_fee(amount, hours, status):
    rules = budget({"category": "external_speaker_hourly", "per_hour_max": 1600})
    found = one(rules, facts(expenses=(expense("external_speaker_hourly", amount, hours=hours),)), OPEN)
    assert found.status is status


def test_claims_and_hours_claimed():
    rules = budget({"category": "external_speaker_hourly", "claims_max": 2, "hours_max": 4})
    two = (expense("external_speaker_hourly", 3200, hours=2, day=dt.date(2011, 3, 1)),
           expense("external_speaker_hourly", 3200, hours=2, day=dt.date(2011, 4, 1)))
    assert one(rules, facts(expenses=two), OPEN).status is Status.MET
    third = expense("external_speaker_hourly", 800, hours=0.5, day=dt.date(2011, 5, 1))
    found = one(rules, facts(expenses=(*two, third)), OPEN)
    assert found.status is Status.NOT_MET
    assert {(g.code, g.params["expense_id"]) for g in found.gaps} == {("budget_claims", third.id),
                                                                     ("budget_hours", third.id)}


@pytest.mark.parametrize(("amount", "status"), [(600, Status.MET), (601, Status.NOT_MET)])
def test_refreshments_per_person_and_session(amount, status):
    rules = budget({"category": "refreshments", "per_person_session_max": 20})
    assert one(rules, facts(expenses=(expense("refreshments", amount, persons=30),)), OPEN).status is status


def test_materials_total_and_the_book_list_with_relevance():
    rules = budget({"category": "materials", "total_max": 5000, "requires_book_list": True})
    books = (BookFact("學習共同體", "本社群以學共為主題"),)
    assert one(rules, facts(expenses=(expense("materials", 5000),), book_list=books), OPEN).status is Status.MET
    found = one(rules, facts(expenses=(expense("materials", 5001),), book_list=books), OPEN)
    assert [g.code for g in found.gaps] == ["budget_total"]
    found = one(rules, facts(expenses=(expense("materials", 100),)), OPEN)
    assert [g.code for g in found.gaps] == ["budget_no_book_list"]
    found = one(rules, facts(expenses=(expense("materials", 100),), book_list=(BookFact("教學觀察", " "),)), OPEN)
    assert [(g.code, g.params["title"]) for g in found.gaps] == [("budget_book_without_relevance", "教學觀察")]
    assert one(rules, facts(), OPEN).status is Status.MET  # no material bought, no list needed


@pytest.mark.parametrize(("amount", "today", "status"), [
    (None, OPEN, Status.MET), (999, CLOSED, Status.NOT_MET), (1000, CLOSED, Status.MET),
    (1500, CLOSED, Status.MET), (1501, OPEN, Status.NOT_MET), (None, CLOSED, Status.NOT_MET),
])
def test_the_results_report_printing_range(amount, today, status):
    rules = budget({"category": "printing_report", "range": {"min": 1000, "max": 1500}})
    spent = (expense("printing_report", amount),) if amount else ()
    assert one(rules, facts(expenses=spent), today).status is status


def test_a_single_claim_under_the_minimum_is_final_while_the_period_runs():
    """One claim of NT$1,000–1,500: a NT$500 claim uses it, and no second one can make up the rest; the panel
    says so now, not at the end of the year. A second claim allowed, it is only short while the period runs."""
    one_claim = budget({"category": "printing_report", "range": {"min": 1000, "max": 1500}, "claims_max": 1})
    found = one(one_claim, facts(expenses=(expense("printing_report", 500),)), OPEN)
    assert found.status is Status.NOT_MET
    assert [(g.code, g.params["total"], g.params["min"], g.params["cap"]) for g in found.gaps] == [
        ("budget_range_low_final", 500, 1000, 1)]
    assert one(one_claim, facts(expenses=(expense("printing_report", 1200),)), OPEN).status is Status.MET
    assert one(one_claim, facts(), OPEN).status is Status.MET
    not_claimed = expense("printing_report", 500, claimable=False)  # set aside: the claim is free again
    assert one(one_claim, facts(expenses=(not_claimed,)), OPEN).status is Status.MET
    two_claims = budget({"category": "printing_report", "range": {"min": 1000, "max": 1500}, "claims_max": 2})
    assert one(two_claims, facts(expenses=(expense("printing_report", 500),)), OPEN).status is Status.MET
    closed = one(one_claim, facts(expenses=(expense("printing_report", 500),)), CLOSED)
    assert closed.status is Status.NOT_MET and [g.code for g in closed.gaps] == ["budget_range_low"]


def test_only_operating_expenses_are_fundable():
    rules = budget({"allowed_groups": ["operating"]})
    assert one(rules, facts(expenses=(expense("materials", 100),)), OPEN).status is Status.MET
    found = one(rules, facts(expenses=(expense("materials", 100), expense("equipment", 9000))), OPEN)
    assert found.status is Status.NOT_MET and found.gaps[0].code == "budget_category_not_allowed"


def test_an_expense_marked_not_claimable_no_longer_breaks_the_cap():
    rules = budget({"category": "materials", "total_max": 5000})
    spent = (expense("materials", 4000), expense("materials", 2000, claimable=False))
    assert one(rules, facts(expenses=spent), OPEN).status is Status.MET


def test_a_missing_receipt_is_at_risk_while_the_period_runs():
    rules = budget({"requires_receipt": True})
    spent = (expense("materials", 100, has_receipt=False),)
    assert one(rules, facts(expenses=spent), OPEN).status is Status.AT_RISK
    assert one(rules, facts(expenses=spent), CLOSED).status is Status.NOT_MET


def test_two_instalments_seventy_percent_before_the_second():
    rules = budget({"max_percent_of_approved": 70, "until": "2011-06-30"},
                   {"max_percent_of_approved": 100})
    early = (expense("materials", 7000, day=dt.date(2011, 5, 1)),)
    from workspace.compliance.engine import evaluate

    assert [r.status for r in evaluate(rules, facts(expenses=early, approved_amount=10_000), OPEN)] == [
        Status.MET, Status.MET]
    over = (*early, expense("materials", 1, day=dt.date(2011, 6, 30)))
    assert [r.status for r in evaluate(rules, facts(expenses=over, approved_amount=10_000), OPEN)] == [
        Status.NOT_MET, Status.MET]
    later = (*early, expense("materials", 3000, day=dt.date(2011, 7, 1)))
    assert [r.status for r in evaluate(rules, facts(expenses=later, approved_amount=10_000), OPEN)] == [
        Status.MET, Status.MET]


# --- check_expense and the ledger --------------------------------------------------------------------------


def test_check_expense_names_the_cap_and_the_numbers(plc):
    fee = expense("external_speaker_hourly", 3600, hours=2)
    [breach] = check_expense(plc, facts(), fee)
    assert (breach.rule_id, breach.code) == ("plc.budget.external_hourly", "per_hour")
    assert breach.params == {"amount": 1800, "cap": 1600, "hours": 2} and breach.expense_id == fee.id
    assert check_expense(plc, facts(), dataclasses.replace(fee, amount=3200)) == []


def test_check_expense_outside_the_period_and_an_unknown_category(plc):
    listed = facts(book_list=(BookFact("學習共同體", "本社群的主題"),))
    codes = {b.code for b in check_expense(plc, listed, expense("materials", 100, day=dt.date(2010, 12, 31)))}
    assert codes == {"outside_period"}
    assert check_expense(plc, listed, expense("materials", 100, day=dt.date(2012, 6, 30))) == []
    assert [b.code for b in check_expense(plc, facts(), expense("materials", 100))] == ["no_book_list"]
    codes = {b.code for b in check_expense(plc, facts(), expense("snacks", 100))}
    assert "unknown_category" in codes


def test_check_expense_a_third_claim_and_an_edit(plc):
    first = expense("external_speaker_intro", 1000, day=dt.date(2011, 3, 1))
    second = expense("external_speaker_intro", 1000, day=dt.date(2011, 4, 1))
    before = facts(expenses=(first, second))
    third = expense("external_speaker_intro", 500, day=dt.date(2011, 5, 1))
    assert [(b.code, b.params) for b in check_expense(plc, before, third)] == [("claims", {"claims": 3, "cap": 2})]
    assert check_expense(plc, before, dataclasses.replace(second, amount=900)) == []  # an edit replaces
    assert [b.code for b in check_expense(plc, before, dataclasses.replace(second, amount=1001))] == ["per_item"]


def test_check_expense_an_edit_that_shrinks_the_base_of_sundries(plc):
    materials = expense("materials", 5000)
    spent = facts(expenses=(materials, expense("sundries", 300)))
    [breach] = check_expense(plc, spent, dataclasses.replace(materials, amount=4000))
    assert breach.code == "share" and breach.params["allowed"] == 240


def test_the_ledger(plc):
    spent = (expense("materials", 4000), expense("materials", 2000, claimable=False),
             expense("external_speaker_hourly", 3200, hours=2), expense("snacks", 50))
    book = ledger(plc, facts(expenses=spent, approved_amount=30_000))
    lines = {line.key: line for line in book.lines}
    assert list(lines)[:2] == ["external_speaker_intro", "external_speaker_hourly"] and list(lines)[-1] == "snacks"
    assert (lines["materials"].spent, lines["materials"].claimable, lines["materials"].claims) == (6000, 4000, 1)
    assert lines["external_speaker_hourly"].hours == 2
    assert {cap.code for cap in lines["external_speaker_hourly"].caps} == {"per_hour_max", "claims_max", "hours_max"}
    assert {cap.code for cap in lines["materials"].caps} == {"total_max", "requires_book_list"}
    assert (book.approved, book.spent, book.not_claimable, book.remaining, book.currency) == (
        30_000, 7250, 2000, 22_750, "TWD")
