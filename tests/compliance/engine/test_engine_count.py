"""The count kind on its edges: 17 and 18 activities, a window's first and last day, evidence, hybrid sessions,
filters, the pace (on track, at risk, too few days left), per-semester windows and `every`.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.compliance.engine.builders import FIRST, LAST, activities, activity, facts, one, program
from workspace.compliance.engine import Status

AFTER = LAST + dt.timedelta(days=1)
EIGHTEEN = {"kind": "count", "target": 18}


@pytest.mark.parametrize(("held", "status"), [(17, Status.NOT_MET), (18, Status.MET), (19, Status.MET)])
def test_eighteen_activities_in_the_period(held, status):
    found = one(program(EIGHTEEN), facts(activities(held)), AFTER)
    assert found.status is status
    assert (found.figure, found.target, found.unit) == (held, 18, "activities")
    assert len(found.counted) == held and all(kind == "activity" for kind, _ in found.counted)


def test_met_as_soon_as_the_target_is_reached_before_the_end():
    assert one(program(EIGHTEEN), facts(activities(18)), dt.date(2011, 6, 1)).status is Status.MET


def test_the_windows_first_and_last_day_count_and_the_days_outside_do_not():
    inside = [activity(FIRST), activity(LAST)]
    outside = [activity(FIRST - dt.timedelta(days=1)), activity(AFTER)]
    found = one(program({"kind": "count", "target": 2}), facts(inside + outside), AFTER)
    assert found.status is Status.MET
    assert {record_id for _, record_id in found.counted} == {a.id for a in inside}


def test_an_activity_still_to_come_counts_for_nothing():
    found = one(program({"kind": "count", "target": 1}), facts([activity(dt.date(2011, 5, 1), held=False)]),
                dt.date(2011, 4, 1))
    assert found.figure == 0 and found.counted == () and found.status is Status.AT_RISK


def test_an_activity_without_the_evidence_asked_for_does_not_count_and_says_what_it_lacks():
    bare = activity(dt.date(2011, 5, 3), title="共同備課", has_minutes=True)
    documented = activity(dt.date(2011, 5, 10), photos=2, has_minutes=True)
    found = one(program({"kind": "count", "target": 2, "evidence": ["photo", "minutes"]}),
                facts([bare, documented]), dt.date(2011, 6, 1))
    assert found.figure == 1
    [gap] = [g for g in found.gaps if g.code == "activity_missing_evidence"]
    assert gap.params == {"activity_id": bare.id, "day": dt.date(2011, 5, 3), "title": "共同備課",
                          "missing": ("photo",)}


def test_evidence_alternatives_any_one_will_do():
    rule = {"kind": "count", "target": 2, "evidence": [["minutes", "document"]]}
    found = one(program(rule), facts([activity(FIRST, has_minutes=True), activity(LAST, documents=1)]), AFTER)
    assert found.status is Status.MET
    found = one(program(rule), facts([activity(FIRST, photos=3)]), AFTER)
    assert found.gaps[0].params["missing"] == ("minutes|document",)


@pytest.mark.parametrize(("counts_as", "online", "offline"), [
    ("online", 1, 0), ("offline", 0, 1), ("both", 1, 1),
])
def test_a_hybrid_session_counts_as_the_program_says(counts_as, online, offline):
    hybrid = [activity(dt.date(2011, 3, 1), mode="hybrid")]
    for mode, expected in (("online", online), ("offline", offline)):
        rules = program({"kind": "count", "target": 1, "modes": [mode]}, parameters={"hybrid_counts_as": counts_as})
        assert one(rules, facts(hybrid), AFTER).figure == expected, (counts_as, mode)


def test_a_rule_without_a_mode_counts_a_hybrid_session_once():
    rules = program({"kind": "count", "target": 1}, parameters={"hybrid_counts_as": "both"})
    assert one(rules, facts([activity(FIRST, mode="hybrid")]), AFTER).figure == 1


def test_filters_methods_tags_subjects_and_minimum_minutes():
    acts = [
        activity(FIRST, method="collaborative_planning", tags=("同步課堂",), subjects=("數學",), minutes=60),
        activity(FIRST + dt.timedelta(days=1), method="collaborative_planning", tags=("同步課堂",), minutes=59),
        activity(FIRST + dt.timedelta(days=2), method="topic_study", tags=("同步課堂",), subjects=("數學",)),
        activity(FIRST + dt.timedelta(days=3), method="collaborative_planning", subjects=("數學",)),
        activity(FIRST + dt.timedelta(days=4), method="collaborative_planning", tags=("同步課堂",), subjects=("國語",)),
    ]
    rule = {"kind": "count", "target": 1, "methods": ["collaborative_planning"], "tags": ["同步課堂"],
            "subjects": ["數學"], "min_minutes": 60}
    found = one(program(rule), facts(acts), AFTER)
    assert [record_id for _, record_id in found.counted] == [acts[0].id]


def test_the_pace_on_track_at_risk_and_too_few_days_left():
    rules = program({"kind": "count", "target": 10}, first=dt.date(2011, 1, 1), last=dt.date(2011, 4, 10))  # 100 days
    assert one(rules, facts([]), dt.date(2011, 1, 1)).status is Status.ON_TRACK  # nothing is due on the first day
    assert one(rules, facts([]), dt.date(2011, 1, 11)).status is Status.AT_RISK  # 10 days gone: 1 was due
    assert one(rules, facts(activities(1)), dt.date(2011, 1, 11)).status is Status.ON_TRACK
    # 9 missing, 9 days left (today included): still possible at one a day; 8 days left: not
    assert one(rules, facts(activities(1)), dt.date(2011, 4, 2)).status is Status.AT_RISK
    assert one(rules, facts(activities(1)), dt.date(2011, 4, 3)).status is Status.NOT_MET


def test_the_most_activities_a_day_is_a_parameter():
    rules = program({"kind": "count", "target": 10}, first=dt.date(2011, 1, 1), last=dt.date(2011, 4, 10),
                    parameters={"max_activities_per_day": 2})
    assert one(rules, facts(activities(1)), dt.date(2011, 4, 3)).status is Status.AT_RISK


def test_a_short_count_says_how_many_more_and_by_when():
    found = one(program(EIGHTEEN), facts(activities(4)), dt.date(2011, 3, 1))
    [gap] = [g for g in found.gaps if g.code == "count_short"]
    assert gap.params == {"needed": 14, "by": LAST, "unit": "activities"}


def test_a_count_behind_the_pace_says_what_the_even_pace_asks_by_today():
    """1 held on 1 June 2011, 151 of the period's 547 days gone: an even pace asks for 18 × 151 / 547 = 4.97,
    so 5 by today (rounded up), which is what makes the rule at risk."""
    found = one(program(EIGHTEEN), facts(activities(1)), dt.date(2011, 6, 1))
    assert found.status is Status.AT_RISK
    [gap] = [g for g in found.gaps if g.code == "count_short"]
    assert gap.params == {"needed": 17, "by": LAST, "unit": "activities", "expected": 5}


def test_per_semester_windows_have_parts_and_a_missed_semester_stays_missed():
    rules = program({"kind": "count", "target": 3, "window": "semester"})
    spring = activities(3, first=dt.date(2011, 2, 1))  # the spring semester of 2011 (1 Feb – 31 Jul)
    found = one(rules, facts(spring), dt.date(2011, 9, 15))
    assert [part.label for part in found.parts] == ["first 2010", "second 2010", "first 2011", "second 2011"]
    assert [part.status for part in found.parts][:2] == [Status.NOT_MET, Status.MET]  # January 2011: none held
    assert found.parts[0].window_first == FIRST and found.parts[0].window_last == dt.date(2011, 1, 31)
    assert found.status is Status.NOT_MET
    # the rule shows the running semester's figures
    assert (found.window_first, found.window_last, found.figure) == (dt.date(2011, 8, 1), dt.date(2012, 1, 31), 0)


def test_semesters_to_come_do_not_decide():
    rules = program({"kind": "count", "target": 1, "window": "semester"}, first=dt.date(2011, 2, 1))
    found = one(rules, facts(activities(1, first=dt.date(2011, 2, 1))), dt.date(2011, 3, 1))
    assert found.status is Status.MET


def test_per_month_windows():
    rules = program({"kind": "count", "target": 1, "window": "month"}, first=dt.date(2011, 1, 1),
                    last=dt.date(2011, 3, 31))
    found = one(rules, facts([activity(dt.date(2011, 1, 31)), activity(dt.date(2011, 3, 1))]), dt.date(2011, 4, 1))
    assert [(p.label, p.status) for p in found.parts] == [
        ("2011-01", Status.MET), ("2011-02", Status.NOT_MET), ("2011-03", Status.MET)]
    assert found.status is Status.NOT_MET


def test_an_explicit_window():
    rules = program({"kind": "count", "target": 1, "window": {"first": "2011-03-01", "last": "2011-03-31"}})
    assert one(rules, facts([activity(dt.date(2011, 2, 28))]), AFTER).status is Status.NOT_MET
    assert one(rules, facts([activity(dt.date(2011, 3, 31))]), AFTER).status is Status.MET


def test_every_activity_must_carry_the_evidence_within_the_grace_days():
    rules = program({"kind": "count", "every": True, "evidence": ["minutes"], "grace_days": 7})
    meeting = activity(dt.date(2011, 3, 1))
    assert one(rules, facts([]), AFTER).status is Status.MET  # no meeting, nothing missing
    assert one(rules, facts([meeting]), dt.date(2011, 3, 8)).status is Status.ON_TRACK
    late = one(rules, facts([meeting]), dt.date(2011, 3, 9))
    assert late.status is Status.NOT_MET and late.gaps[0].params["overdue"] is True
    written = one(rules, facts([activity(dt.date(2011, 3, 1), has_minutes=True), meeting]), dt.date(2011, 3, 2))
    assert (written.figure, written.target) == (1, 2)


def test_a_program_reads_attendance_when_a_rule_names_it_or_counts_per_person():
    from workspace.compliance.engine import reads_attendance

    count = {"id": "c", "kind": "count", "target": 1, "evidence": ["photo", ["minutes", "sheet"]],
             "messages": {"en": "attendance is not read from the messages"}}
    assert not reads_attendance({"rules": [count]})
    assert reads_attendance({"rules": [{**count, "evidence": [["sheet", "attendance"]]}]})
    assert reads_attendance({"rules": [{"id": "v", "kind": "deliverable", "or_activity_with": "attendance"}]})
    assert reads_attendance({"rules": [{"id": "p", "kind": "per_person", "measure": "public_lessons"}]})
    assert not reads_attendance({"rules": []})


def test_a_tag_or_subject_typed_in_simplified_script_meets_a_rule_written_in_traditional():
    # The presets are written once (URC's tags in Traditional script); a mainland community types Simplified.
    rule = {"kind": "count", "target": 2, "tags": ["同步課堂"], "subjects": ["數學"]}
    acts = [activity(FIRST, tags=("同步课堂",), subjects=("数学",)),
            activity(LAST, tags=("同步課堂",), subjects=("數學",)),
            activity(LAST, tags=("同步课堂",), subjects=("语文",))]  # another subject: not counted
    found = one(program(rule), facts(acts), LAST + dt.timedelta(days=1))
    assert (found.status, found.figure) == (Status.MET, 2)
