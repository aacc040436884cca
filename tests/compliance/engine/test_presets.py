"""The shipped presets and their cases: each case of presets/cases/<preset>/ is facts in, statuses out, so a changed
rule shows which funder's case broke. Every rule of a preset is named in each of its cases.
"""

from __future__ import annotations

import datetime as dt
import math

import pytest

from workspace.compliance.engine import Status, burn_up, evaluate, ledger
from workspace.compliance.engine.cases import facts_from_dict, load_cases
from workspace.compliance.programs import load_presets

PRESETS = {preset["key"]: preset for preset in load_presets()}
CASES = [(key, name, case) for key in PRESETS for name, case in load_cases(key)]


def test_every_preset_has_cases():
    assert {key for key, _, _ in CASES} == set(PRESETS)
    assert len([1 for key, _, _ in CASES if key == "plc-100"]) >= 4


@pytest.mark.parametrize(("key", "name", "case"), CASES, ids=[f"{key}/{name}" for key, name, _ in CASES])
def test_case(key, name, case):
    program = PRESETS[key]
    results = evaluate(program, facts_from_dict(case["facts"]), dt.date.fromisoformat(case["today"]),
                       case.get("waivers", {}))
    got = {result.rule_id: result.status.value for result in results}
    assert set(case["expect"]) == set(got), f"{key}/{name} must name every rule of the preset"
    wrong = {rule: (expected, got[rule]) for rule, expected in case["expect"].items() if got[rule] != expected}
    assert not wrong, f"{key}/{name}: (expected, got) {wrong}"


@pytest.mark.parametrize("key", sorted(PRESETS))
def test_every_rule_has_an_id_a_version_a_message_and_its_citation(key):
    for rule in PRESETS[key]["rules"]:
        assert rule["version"] == 1 and rule["message"] and rule["citation"], rule["id"]
        assert rule["id"].startswith(key.split("-")[0] + "."), rule["id"]


def test_the_plc_preset_holds_every_rule_of_grant_rules():
    rules = {rule["id"]: rule for rule in PRESETS["plc-100"]["rules"]}
    assert PRESETS["plc-100"]["period"] == {"first": "2011-01-01", "last": "2012-06-30"}
    assert rules["plc.activities"]["target"] == 18 and "不得少於18次" in rules["plc.activities"]["citation"]
    assert rules["plc.members"]["min_by_class_count"] == [{"up_to": 24, "min": 4}, {"min": 6}]
    assert (rules["plc.convener"]["min"], rules["plc.convener"]["max"]) == (1, 1)
    assert rules["plc.evaluation_members"]["min"] == 2
    assert (rules["plc.budget.external_intro"]["per_item_max"], rules["plc.budget.external_intro"]["claims_max"]) == (
        1000, 2)
    assert rules["plc.budget.external_hourly"]["per_hour_max"] == 1600
    assert rules["plc.budget.internal_hourly"]["per_hour_max"] == 800
    assert rules["plc.budget.external_hourly"]["hours_max"] == rules["plc.budget.internal_hourly"]["hours_max"] == 4
    assert rules["plc.budget.travel"]["claims_max"] == 2
    assert rules["plc.budget.materials"]["total_max"] == 5000 and rules["plc.budget.materials"]["requires_book_list"]
    assert (rules["plc.budget.printing_materials"]["per_item_max"],
            rules["plc.budget.printing_materials"]["total_max"]) == (200, 3000)
    assert rules["plc.budget.printing_report"]["range"] == {"min": 1000, "max": 1500}
    assert rules["plc.budget.refreshments"]["per_person_session_max"] == 20
    assert rules["plc.budget.sundries"]["share"] == {"max_percent": 6, "of_groups": ["operating"]}


def test_the_urc_preset_holds_every_rule_of_grant_rules():
    rules = {rule["id"]: rule for rule in PRESETS["urc"]["rules"]}
    assert rules["urc.sync_classes"]["target"] == 20 and rules["urc.sync_subjects"]["target"] == 2
    assert rules["urc.online_research"]["target"] == 8 and rules["urc.offline_research"]["target"] == 4
    assert rules["urc.exchanged_teachers"]["cover"] == "member_schools"
    assert rules["urc.collective_planning"]["window"] == rules["urc.sent_teaching"]["window"] == "semester"
    assert rules["urc.mentee_public_lessons"]["target"] == 1 and rules["urc.mentoring_term"]["target"] == 730


def test_the_burn_up_of_a_case():
    [case] = [case for key, name, case in CASES if name.startswith("01_") and key == "plc-100"]
    chart = burn_up(PRESETS["plc-100"], facts_from_dict(case["facts"]), dt.date(2011, 6, 1))
    assert chart.rule_id == "plc.activities" and chart.target == 18 and chart.counted == 8
    assert chart.points[0] == (dt.date(2011, 1, 1), 0) and chart.points[-1] == (dt.date(2011, 6, 1), 8)
    assert all(a[1] <= b[1] for a, b in zip(chart.points, chart.points[1:], strict=False))
    assert chart.pace == ((dt.date(2011, 1, 1), 0), (dt.date(2012, 6, 30), 18))
    # the last 28 days held nothing (the last activity was on 20 April): the projection stays flat
    assert chart.projection == ((dt.date(2011, 6, 1), 8), (dt.date(2012, 6, 30), 8))


def test_the_burn_up_projects_the_recent_pace():
    [case] = [case for key, name, case in CASES if name.startswith("01_") and key == "plc-100"]
    chart = burn_up(PRESETS["plc-100"], facts_from_dict(case["facts"]), dt.date(2011, 4, 21))
    # 2 activities in the last 28 days (6 and 20 April): 2/28 a day for the 436 days left → 31 more
    assert chart.projection == ((dt.date(2011, 4, 21), 8), (dt.date(2012, 6, 30), 8 + 2 * 436 // 28))


def test_a_program_without_a_count_rule_has_no_burn_up():
    assert burn_up({**PRESETS["plc-100"], "rules": []}, facts_from_dict({}), dt.date(2011, 6, 1)) is None


def test_the_ledger_of_the_budget_case():
    [case] = [case for key, name, case in CASES if name.startswith("04_")]
    book = ledger(PRESETS["plc-100"], facts_from_dict(case["facts"]))
    assert book.approved == 30_000 and book.not_claimable == 900
    assert book.spent == 3600 + 1000 + 1000 + 800 + 2900 + 500 + 200 + 601 + 500
    assert book.remaining == 30_000 - book.spent


def test_a_waiver_keeps_the_figures_and_the_reason():
    [case] = [case for key, name, case in CASES if key == "urc" and name.startswith("02_")]
    [waived] = [r for r in evaluate(PRESETS["urc"], facts_from_dict(case["facts"]), dt.date(2022, 9, 1),
                                    case["waivers"]) if r.status is Status.WAIVED]
    assert waived.rule_id == "urc.mentee_public_lessons" and waived.waived_reason.startswith("吳老師")
    assert (waived.figure, waived.target) == (1, 2) and waived.gaps[0].params["name"] == "吳老師"


def test_the_burn_up_says_what_the_pace_asks_by_today():
    """The chart's text alternative needs today's expected count: what the count rule's pace asks by today."""
    [case] = [case for key, name, case in CASES if name.startswith("01_") and key == "plc-100"]
    chart = burn_up(PRESETS["plc-100"], facts_from_dict(case["facts"]), dt.date(2011, 6, 1))
    # 151 days wholly gone of the 547 from 1 January 2011 to 30 June 2012, of 18, rounded up
    assert chart.expected_today == math.ceil(18 * 151 / 547) == 5
    after = burn_up(PRESETS["plc-100"], facts_from_dict(case["facts"]), dt.date(2013, 1, 1))
    assert after.expected_today is None
