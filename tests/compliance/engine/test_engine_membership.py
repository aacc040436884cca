"""The membership kind: 24 and 25 classes (4 and 6 members), exactly one convener, the evaluation-programme rule
(not applicable when no school takes part), a member who left, and a window that has closed.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.compliance.engine.builders import FIRST, LAST, facts, member, one, program, school
from workspace.compliance.engine import Status
from workspace.compliance.engine.membership import member_within

MEMBERS = {"kind": "membership", "measure": "members", "min_by_class_count": [{"up_to": 24, "min": 4}, {"min": 6}]}
CONVENER = {"kind": "membership", "measure": "conveners", "min": 1, "max": 1}
EVALUATION = {"kind": "membership", "measure": "in_evaluation_programme", "min": 2,
              "applies_if": "school_in_evaluation_programme"}
TODAY = dt.date(2011, 6, 1)


@pytest.mark.parametrize(("classes", "members", "status"), [
    (24, 3, Status.AT_RISK), (24, 4, Status.MET), (25, 4, Status.AT_RISK), (25, 5, Status.AT_RISK),
    (25, 6, Status.MET),
])
def test_members_by_the_schools_class_count(classes, members, status):
    found = one(program(MEMBERS), facts(members=[member() for _ in range(members)], schools=[school(classes)]), TODAY)
    assert found.status is status
    assert found.target == (4 if classes <= 24 else 6) and found.figure == members


def test_too_few_members_when_the_period_has_closed_is_not_met():
    found = one(program(MEMBERS), facts(members=[member() for _ in range(3)]), LAST + dt.timedelta(days=1))
    assert found.status is Status.NOT_MET
    assert found.gaps[0].code == "membership_short" and found.gaps[0].params == {"measure": "members", "figure": 3,
                                                                                 "min": 4}


@pytest.mark.parametrize(("members", "status", "target"), [(3, Status.AT_RISK, None), (5, Status.AT_RISK, None),
                                                          (6, Status.MET, 6)])
def test_a_community_with_no_school_is_told_so_not_judged_against_the_smallest_band(members, status, target):
    """QA 13: a community created with no school read "met, 5 members (at least 4)" whatever its school would be:
    the class count of no school read as 0 classes. It now says it has no school, and is met only by as many
    members as every band asks for."""
    found = one(program(MEMBERS), facts(members=[member() for _ in range(members)], schools=[]), TODAY)
    assert found.status is status and found.figure == members and found.target == target
    assert found.gaps[0].code == "no_school"
    assert "membership_short" not in {gap.code for gap in found.gaps}
    closed = one(program(MEMBERS), facts(members=[member() for _ in range(5)], schools=[]), LAST + dt.timedelta(1))
    assert closed.status is Status.NOT_MET and closed.gaps[0].code == "no_school"


def test_the_evaluation_rule_of_a_community_with_no_school_says_it_has_none():
    found = one(program(EVALUATION), facts(members=[member(evaluation=True) for _ in range(3)], schools=[]), TODAY)
    assert found.status is Status.NOT_APPLICABLE and [gap.code for gap in found.gaps] == ["no_school"]


@pytest.mark.parametrize(("conveners", "status"), [(0, Status.AT_RISK), (1, Status.MET), (2, Status.AT_RISK)])
def test_exactly_one_convener(conveners, status):
    people = [member(role="convener") for _ in range(conveners)] + [member() for _ in range(3)]
    found = one(program(CONVENER), facts(members=people), TODAY)
    assert found.status is status
    assert found.figure == conveners
    if conveners == 2:
        assert found.gaps[0].code == "membership_over" and found.gaps[0].params["max"] == 1


def test_a_guest_expert_is_not_counted_as_a_member():
    people = [member() for _ in range(3)] + [member(role="guest_expert")]
    assert one(program(MEMBERS), facts(members=people), TODAY).figure == 3


def test_the_evaluation_rule_is_not_applicable_when_no_school_takes_part():
    found = one(program(EVALUATION), facts(members=[member()], schools=[school(evaluation=False)]), TODAY)
    assert found.status is Status.NOT_APPLICABLE
    assert found.gaps[0].code == "not_applicable"


@pytest.mark.parametrize(("flagged", "status"), [(1, Status.AT_RISK), (2, Status.MET)])
def test_the_evaluation_rule_counts_flagged_members_when_the_school_takes_part(flagged, status):
    people = [member(evaluation=True) for _ in range(flagged)] + [member() for _ in range(3)]
    assert one(program(EVALUATION), facts(members=people, schools=[school(evaluation=True)]), TODAY).status is status


def test_a_member_who_left_counts_for_their_time_only():
    people = [member() for _ in range(3)] + [member(left=dt.date(2011, 5, 31))]
    rules = program(MEMBERS)
    assert one(rules, facts(members=people), dt.date(2011, 5, 30)).status is Status.MET  # the day before they left
    assert one(rules, facts(members=people), dt.date(2011, 6, 1)).status is Status.AT_RISK
    late_joiner = [member() for _ in range(3)] + [member(joined=dt.date(2011, 9, 1))]
    assert one(rules, facts(members=late_joiner), dt.date(2011, 8, 31)).figure == 3


def test_a_closed_window_is_reckoned_on_its_last_day():
    rules = program({**MEMBERS, "window": "semester"})
    people = [member() for _ in range(3)] + [member(left=dt.date(2011, 2, 1))]  # a member to the end of January
    found = one(rules, facts(members=people), dt.date(2011, 3, 1))
    assert [p.status for p in found.parts[:2]] == [Status.MET, Status.AT_RISK]
    assert found.parts[0].window_first == FIRST


def test_members_removed_today_no_longer_count_today():
    """QA: the convener removed 3 of 6 members; the members page listed 3, the formation rule said 6 until the next
    day. One who left on a day is not a member at the end of it; one who joined on a day is."""
    today = dt.date(2011, 6, 1)
    people = [member() for _ in range(3)] + [member(left=today) for _ in range(3)]
    found = one(program(MEMBERS), facts(members=people), today)
    assert (found.figure, found.status) == (3, Status.AT_RISK)
    assert len(found.counted) == 3
    joined_today = [member() for _ in range(3)] + [member(joined=today)]
    assert one(program(MEMBERS), facts(members=joined_today), today).figure == 4
    same_day = [member() for _ in range(3)] + [member(joined=today, left=today)]
    assert one(program(MEMBERS), facts(members=same_day), today).figure == 3


def test_a_days_figure_does_not_change_once_the_day_is_over():
    """A window that closes today says the same figure tomorrow, reckoned on its last day: one who left on that day
    is not counted on it then either (it used to read 3 today and 4 from tomorrow on)."""
    rules = program({**MEMBERS, "window": "semester"})
    last = dt.date(2011, 1, 31)  # the first semester's part ends here
    people = [member() for _ in range(3)] + [member(left=last)]
    today = one(rules, facts(members=people), last).parts[0]
    tomorrow = one(rules, facts(members=people), last + dt.timedelta(days=1)).parts[0]
    assert today.figure == tomorrow.figure == 3
    assert tomorrow.status is Status.NOT_MET


@pytest.mark.parametrize(("joined", "left", "counted"), [
    (FIRST + dt.timedelta(days=9), FIRST + dt.timedelta(days=9), False),  # joined and left on one day: no day
    (FIRST + dt.timedelta(days=9), FIRST + dt.timedelta(days=10), True),  # a member at the end of one day
    (FIRST - dt.timedelta(days=30), FIRST, False),  # left on the period's first day
    (FIRST - dt.timedelta(days=30), FIRST + dt.timedelta(days=1), True),
    (LAST, None, True),  # joined on the last day, a member still
    (LAST + dt.timedelta(days=1), None, False),
])
def test_a_member_within_a_period_is_one_at_the_end_of_one_of_its_days(joined, left, counted):
    """QA13 #4: the admin who created a community and left three minutes later counted as a participant."""
    assert member_within(member(joined=joined, left=left), FIRST, LAST) is counted


def test_a_stint_of_no_day_between_two_is_not_membership_within_a_window():
    day = FIRST + dt.timedelta(days=20)
    person = member(joined=FIRST - dt.timedelta(days=60), left=FIRST - dt.timedelta(days=30),
                    stints=((FIRST - dt.timedelta(days=60), FIRST - dt.timedelta(days=30)), (day, day)))
    assert not member_within(person, FIRST, LAST)
    assert member_within(person, FIRST - dt.timedelta(days=40), LAST)
