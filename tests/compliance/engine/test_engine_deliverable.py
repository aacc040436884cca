"""The deliverable kind: a results report by the end (or two weeks after), a video from an activity, monthly plans
by the 20th of the month before; on time, late, missing, and the warning before the day.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.compliance.engine.builders import LAST, activity, facts, one, program
from workspace.compliance.engine import Status
from workspace.compliance.facts import DeliverableFact, MonthlyPlanFact

REPORT = {"kind": "deliverable", "item": "results_report", "due": {"after": "period_last", "days": 14}}
DUE = LAST + dt.timedelta(days=14)


@pytest.mark.parametrize(("done_on", "today", "status"), [
    (None, dt.date(2012, 1, 1), Status.ON_TRACK),
    (None, DUE - dt.timedelta(days=14), Status.AT_RISK),  # within the warning days
    (None, DUE, Status.AT_RISK),
    (None, DUE + dt.timedelta(days=1), Status.NOT_MET),
    (DUE, DUE + dt.timedelta(days=30), Status.MET),
    (DUE + dt.timedelta(days=1), DUE + dt.timedelta(days=30), Status.NOT_MET),
])
def test_the_results_report_within_two_weeks_of_the_end(done_on, today, status):
    done = (DeliverableFact("results_report", done_on, "成果報告.pdf"),) if done_on else ()
    found = one(program(REPORT), facts(deliverables=done), today)
    assert found.status is status
    assert found.window_last == DUE
    if status is Status.NOT_MET and done_on:
        assert found.gaps[0].code == "deliverable_late"


def test_a_fixed_due_date_and_a_deliverable_not_yet_done_on_today():
    rule = {"kind": "deliverable", "item": "book_list", "due": "2011-03-01"}
    later = (DeliverableFact("book_list", dt.date(2011, 2, 20)),)
    assert one(program(rule), facts(deliverables=later), dt.date(2011, 2, 10)).status is Status.ON_TRACK  # 19 days
    assert one(program(rule), facts(deliverables=later), dt.date(2011, 2, 19)).status is Status.AT_RISK  # not done yet
    assert one(program(rule), facts(deliverables=later), dt.date(2011, 2, 21)).status is Status.MET


def test_an_activity_video_serves_as_the_deliverable():
    rule = {"kind": "deliverable", "item": "activity_video", "or_activity_with": "video"}
    filmed = activity(dt.date(2011, 4, 1), videos=1, report_videos=1)
    found = one(program(rule), facts([filmed]), dt.date(2011, 5, 1))
    assert found.status is Status.MET and found.counted == (("activity", filmed.id),)
    assert one(program(rule), facts([activity(dt.date(2011, 4, 1))]), LAST + dt.timedelta(days=1)).status \
        is Status.NOT_MET


def test_a_video_the_results_report_cannot_carry_does_not_serve_and_its_gap_says_why():
    """QA: a video on a pair's private mentoring record met "keep one activity video for the results report", and
    the report then said no video was kept. Only a video the report may cite counts (`report_videos`, the
    activities read module's); the gap says how many records have one the report cannot carry."""
    rule = {"kind": "deliverable", "item": "activity_video", "or_activity_with": "video"}
    private = activity(dt.date(2011, 4, 1), videos=1, report_videos=0, private=True)
    found = one(program(rule), facts([private]), dt.date(2011, 5, 1))
    assert found.status is Status.ON_TRACK and found.figure == 0 and found.counted == ()
    assert found.gaps[0].code == "deliverable_missing"
    assert found.gaps[0].params == {"item": "activity_video", "due": LAST, "evidence": "video", "not_shareable": 1}
    late = one(program(rule), facts([private]), LAST + dt.timedelta(days=1))
    assert late.status is Status.NOT_MET and late.gaps[0].params["overdue"] is True
    shared = activity(dt.date(2011, 6, 1), videos=2, report_videos=2)
    assert one(program(rule), facts([private, shared]), dt.date(2011, 7, 1)).counted == (("activity", shared.id),)


def test_monthly_plans_by_the_20th_of_the_month_before():
    rule = {"kind": "deliverable", "item": "monthly_plan", "each_month": {"day": 20, "months_before": 1}}
    rules = program(rule, first=dt.date(2011, 3, 1), last=dt.date(2011, 5, 31))
    plans = (MonthlyPlanFact(dt.date(2011, 3, 1), dt.date(2011, 2, 20)),  # on the day
             MonthlyPlanFact(dt.date(2011, 4, 1), dt.date(2011, 3, 21)))  # a day late
    found = one(rules, facts(monthly_plans=plans), dt.date(2011, 4, 5))
    assert [(p.label, p.status) for p in found.parts] == [
        ("2011-03", Status.MET), ("2011-04", Status.NOT_MET), ("2011-05", Status.ON_TRACK)]  # due in 15 days
    assert one(rules, facts(monthly_plans=plans), dt.date(2011, 4, 6)).parts[2].status is Status.AT_RISK
    assert found.status is Status.NOT_MET
    assert found.parts[1].gaps[0].params == {"item": "monthly_plan", "due": dt.date(2011, 3, 20),
                                             "month": dt.date(2011, 4, 1)}


def test_a_month_whose_plan_was_not_handed_in_by_its_day_says_so_and_one_still_due_does_not():
    rule = {"kind": "deliverable", "item": "monthly_plan", "each_month": {"day": 20, "months_before": 1}}
    rules = program(rule, first=dt.date(2011, 3, 1), last=dt.date(2011, 5, 31))
    found = one(rules, facts(), dt.date(2011, 4, 5))
    march, april, may = found.parts
    assert (march.status, april.status, may.status) == (Status.NOT_MET, Status.NOT_MET, Status.ON_TRACK)
    assert march.gaps[0].params == {"item": "monthly_plan", "due": dt.date(2011, 2, 20), "month": dt.date(2011, 3, 1),
                                    "overdue": True}
    assert "overdue" not in may.gaps[0].params  # due on 20 April: still to be handed in
    # each part is the month's plan and its due day in the month before (window_first, window_last), not a range
    assert (may.window_first, may.window_last, may.label) == (dt.date(2011, 5, 1), dt.date(2011, 4, 20), "2011-05")


def test_a_deliverable_not_done_by_its_day_says_its_day_has_gone_and_one_still_due_does_not():
    rule = {"kind": "deliverable", "item": "activity_video", "due": "2011-12-04"}
    due = dt.date(2011, 12, 4)
    before = one(program(rule), facts(), due)
    assert before.gaps[0].params == {"item": "activity_video", "due": due}  # the day itself: still due
    after = one(program(rule), facts(), due + dt.timedelta(days=1))
    assert after.status is Status.NOT_MET
    assert after.gaps[0].params == {"item": "activity_video", "due": due, "overdue": True}
