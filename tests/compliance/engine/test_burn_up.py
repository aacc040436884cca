"""The burn-up chart and the count rule read one "expected by today": the chart's figures table and the rule's
"behind the even pace" gap can never give two numbers for the same day (county QA, M3)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.compliance.engine.builders import FIRST, LAST, activities, facts, one, program
from workspace.compliance.engine import Status, burn_up
from workspace.compliance.engine.pace import expected_by
from workspace.compliance.engine.windows import Window

PERIOD = Window(FIRST, LAST, "period")  # 2011-01-01 – 2012-06-30: 547 days


@pytest.mark.parametrize("target", [18, 20, 24, 7])
@pytest.mark.parametrize("today", [dt.date(2011, 3, 14), dt.date(2011, 7, 31), dt.date(2011, 12, 4),
                                   dt.date(2012, 2, 29), dt.date(2012, 5, 20)])
def test_the_chart_and_the_rule_agree_on_what_the_pace_asks_by_today(target, today):
    document = program({"kind": "count", "target": target})
    community = facts()  # nothing held yet: behind the pace on every day tested
    rule = one(document, community, today)
    chart = burn_up(document, community, today)
    assert rule.status is Status.AT_RISK
    [short] = [gap for gap in rule.gaps if gap.code == "count_short"]
    assert chart.expected_today == short.params["expected"] == expected_by(target, PERIOD, today)


def test_the_pace_asks_for_the_target_times_the_share_gone_rounded_up():
    # 2011-12-04: 337 of the period's 547 days wholly gone. 20 × 337 / 547 = 12.3, so 13 (a rounding would say
    # 12, and the old chart's share of 546 days said 12 too while the rule said 13)
    today = dt.date(2011, 12, 4)
    assert expected_by(20, PERIOD, today) == 13
    assert burn_up(program({"kind": "count", "target": 20}), facts(), today).expected_today == 13
    assert expected_by(20, PERIOD, FIRST) == 0  # nothing is asked on the first day
    assert burn_up(program({"kind": "count", "target": 20}), facts(), LAST + dt.timedelta(days=1)) \
        .expected_today is None  # outside the period the chart says nothing


@pytest.mark.parametrize("held", [0, 5, 12, 13, 14])
def test_a_count_at_the_figure_the_chart_shows_is_on_track_and_one_short_is_at_risk(held):
    today = dt.date(2011, 12, 4)
    document = program({"kind": "count", "target": 20})
    community = facts(activities(held, every=20))
    expected = burn_up(document, community, today).expected_today
    status = one(document, community, today).status
    assert status is (Status.ON_TRACK if held >= expected else Status.AT_RISK)
