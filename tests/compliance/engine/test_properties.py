"""Properties of the engine over generated facts: adding a record never sets a rule back.

On one day, adding a held activity (or a public lesson, a member, a deliverable) only moves a status forward,
not_met → at_risk → on_track → met, never back; in particular a met count rule stays met. (`every` rules are left
out on purpose: an activity without its minutes is exactly what they exist to report.)
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.compliance.engine.builders import facts, member, program
from workspace.compliance.engine import Status, evaluate
from workspace.compliance.engine.results import PROGRESS
from workspace.compliance.facts import ActivityFact, DeliverableFact, PublicLessonFact

FIRST, LAST = dt.date(2011, 1, 1), dt.date(2011, 12, 31)
days = st.dates(min_value=FIRST - dt.timedelta(days=5), max_value=LAST + dt.timedelta(days=5))
EVIDENCE = ["photo", "video", "minutes", "attendance", "sheet", "document"]


@st.composite
def activities(draw, start_id: int = 1):
    return ActivityFact(
        id=draw(st.integers(start_id, start_id + 10_000)), title="活動", day=draw(days),
        minutes=draw(st.sampled_from([30, 59, 60, 120])),
        method=draw(st.sampled_from(["topic_study", "collaborative_planning", "co_teaching"])),
        mode=draw(st.sampled_from(["offline", "online", "hybrid"])), held=draw(st.booleans()),
        subjects=tuple(draw(st.lists(st.sampled_from(["數學", "國語", "英語"]), max_size=2, unique=True))),
        tags=tuple(draw(st.lists(st.sampled_from(["同步課堂", "教研"]), max_size=2, unique=True))),
        has_minutes=draw(st.booleans()), photos=draw(st.integers(0, 1)), videos=draw(st.integers(0, 1)),
        sheets=draw(st.integers(0, 1)), documents=draw(st.integers(0, 1)), attendance_taken=draw(st.booleans()),
    )


def count_rules():
    return st.fixed_dictionaries(
        {"kind": st.just("count"), "target": st.integers(1, 25),
         "window": st.sampled_from(["period", "semester", "month"])},
        optional={"evidence": st.lists(st.sampled_from(EVIDENCE), max_size=2, unique=True),
                  "modes": st.lists(st.sampled_from(["online", "offline"]), min_size=1, max_size=1),
                  "tags": st.just(["同步課堂"]), "min_minutes": st.sampled_from([60, 90]),
                  "methods": st.just(["topic_study"])})


def distinct_rules():
    return st.fixed_dictionaries(
        {"kind": st.just("distinct"), "of": st.sampled_from(["subjects", "methods"]), "target": st.integers(1, 3),
         "window": st.sampled_from(["period", "semester"])},
        optional={"evidence": st.lists(st.sampled_from(EVIDENCE), max_size=1)})


def rank(status: Status) -> int:
    return PROGRESS.index(status)


def status_of(rules, community, today) -> Status:
    [result] = evaluate(rules, community, today)
    return result.status


SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
HYBRID = st.sampled_from(["online", "offline", "both"])


@SETTINGS
@given(rule=st.one_of(count_rules(), distinct_rules()), existing=st.lists(activities(), max_size=25),
       added=activities(start_id=20_000), today=days, hybrid=HYBRID)
def test_adding_a_held_activity_never_sets_a_rule_back(rule, existing, added, today, hybrid):
    rules = program(rule, first=FIRST, last=LAST, parameters={"hybrid_counts_as": hybrid})
    before = status_of(rules, facts(existing), today)
    after = status_of(rules, facts([*existing, dataclasses.replace(added, held=True)]), today)
    assert rank(after) >= rank(before), (before, after)
    if before is Status.MET:
        assert after is Status.MET


@SETTINGS
@given(existing=st.lists(days, max_size=6), added=days, today=days, target=st.integers(1, 3))
def test_adding_a_public_lesson_never_sets_a_mentee_back(existing, added, today, target):
    mentee = member(user_id=7, joined=FIRST)
    rules = program({"kind": "per_person", "who": "mentees", "measure": "public_lessons", "target": target,
                     "window": "semester"}, first=FIRST, last=LAST)
    lessons = tuple(PublicLessonFact(7, day) for day in existing)
    before = status_of(rules, facts(members=[mentee], mentees=(7,), public_lessons=lessons), today)
    after = status_of(rules, facts(members=[mentee], mentees=(7,),
                                   public_lessons=(*lessons, PublicLessonFact(7, added))), today)
    assert rank(after) >= rank(before)


@SETTINGS
@given(count=st.integers(0, 8), minimum=st.integers(1, 8), today=days, window=st.sampled_from(["period", "semester"]))
def test_a_member_joining_never_sets_the_membership_rule_back(count, minimum, today, window):
    rules = program({"kind": "membership", "min": minimum, "window": window}, first=FIRST, last=LAST)
    people = [member(user_id=n + 1, joined=FIRST) for n in range(count)]
    before = status_of(rules, facts(members=people), today)
    after = status_of(rules, facts(members=[*people, member(user_id=99, joined=FIRST)]), today)
    assert rank(after) >= rank(before)


@SETTINGS
@given(done=st.lists(days, max_size=2), added=days, today=days, late_days=st.integers(0, 30))
def test_a_deliverable_done_never_sets_its_rule_back(done, added, today, late_days):
    rules = program({"kind": "deliverable", "item": "results_report", "due": {"after": "period_last",
                                                                              "days": late_days}},
                    first=FIRST, last=LAST)
    items = tuple(DeliverableFact("results_report", day) for day in done)
    before = status_of(rules, facts(deliverables=items), today)
    after = status_of(rules, facts(deliverables=(*items, DeliverableFact("results_report", added))), today)
    assert rank(after) >= rank(before)


@st.composite
def expenses(draw):
    from workspace.compliance.facts import ExpenseFact

    return ExpenseFact(id=draw(st.integers(1, 10_000)), category=draw(st.sampled_from(
        ["external_speaker_hourly", "materials", "sundries", "refreshments", "printing_report", "gifts"])),
        day=draw(days), amount=draw(st.integers(0, 100_000)),
        hours=draw(st.one_of(st.none(), st.sampled_from([0, 0.5, 1, 2.5]))),
        persons=draw(st.one_of(st.none(), st.integers(0, 40))), claimable=draw(st.booleans()),
        has_receipt=draw(st.booleans()))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(acts=st.lists(activities(), max_size=15), spent=st.lists(expenses(), max_size=8), today=days,
       people=st.integers(0, 7), new=expenses())
def test_every_preset_answers_any_facts(acts, spent, today, people, new):
    from workspace.compliance.engine import burn_up, check_expense, ledger
    from workspace.compliance.programs import load_presets

    community = facts(acts, members=[member(user_id=n + 1, role="mentor" if n == 0 else "member")
                                     for n in range(people)],
                      expenses=tuple(spent), mentees=(2, 3), approved_amount=30_000)
    for preset in load_presets():
        shifted = {**preset, "period": {"first": FIRST.isoformat(), "last": LAST.isoformat()}}
        results = evaluate(shifted, community, today)
        assert len(results) == len(preset["rules"]) and all(r.status in Status for r in results)
        burn_up(shifted, community, today)
        book = ledger(shifted, community)
        assert book.remaining == 30_000 - book.spent
        for breach in check_expense(shifted, community, new):
            assert breach.rule_id and breach.code
