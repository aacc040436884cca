"""The per-person kind: a public lesson each semester for each mentee, attendance of a member who left,
mentors' titles, the mentoring term; a part per person, named in the gap.
"""

from __future__ import annotations

import datetime as dt

from tests.compliance.engine.builders import FIRST, activity, facts, member, one, program
from workspace.compliance.engine import Status
from workspace.compliance.facts import PairingTermFact, PublicLessonFact

LESSONS = {"kind": "per_person", "who": "mentees", "measure": "public_lessons", "target": 1, "window": "semester"}


def test_each_mentee_gives_a_public_lesson_each_semester():
    lin, wang = member(name="林老師"), member(name="王老師")
    lessons = (PublicLessonFact(lin.user_id, dt.date(2011, 3, 1)),)
    found = one(program(LESSONS, first=dt.date(2011, 2, 1), last=dt.date(2011, 7, 31)),
                facts(members=[lin, wang], mentees=(lin.user_id, wang.user_id), public_lessons=lessons),
                dt.date(2011, 8, 1))
    assert found.status is Status.NOT_MET
    # one semester in the period: the rule's parts are its people
    assert [(p.label, p.status) for p in found.parts] == [("林老師", Status.MET), ("王老師", Status.NOT_MET)]
    [gap] = found.gaps
    assert gap.code == "person_short" and gap.params["name"] == "王老師" and gap.params["figure"] == 0


def test_a_lesson_still_to_come_does_not_count():
    lin = member(name="林老師")
    lessons = (PublicLessonFact(lin.user_id, dt.date(2011, 7, 1), held=False),)
    found = one(program(LESSONS, first=dt.date(2011, 2, 1), last=dt.date(2011, 7, 31)),
                facts(members=[lin], mentees=(lin.user_id,), public_lessons=lessons), dt.date(2011, 8, 1))
    assert found.status is Status.NOT_MET


def test_no_mentee_no_rule():
    assert one(program(LESSONS), facts(members=[member()]), dt.date(2011, 5, 1)).status is Status.NOT_APPLICABLE


def test_attendance_counts_a_member_who_left_for_their_time_only():
    stays, leaves = member(), member(left=dt.date(2011, 3, 31), name="陳老師")
    early = [activity(dt.date(2011, 3, d), attendance_taken=True, attendees=frozenset({stays.user_id, leaves.user_id}))
             for d in (1, 15)]
    later = [activity(dt.date(2011, 4, d), attendance_taken=True, attendees=frozenset({stays.user_id}))
             for d in (1, 15)]
    rule = {"kind": "per_person", "who": "members", "measure": "attendance_percent", "target": 75}
    found = one(program(rule), facts(early + later, members=[stays, leaves]), dt.date(2011, 5, 1))
    assert found.status is Status.MET
    assert {p.label: p.figure for p in found.parts} == {stays.name: 100, "陳老師": 100}
    missed = [activity(dt.date(2011, 3, 20), attendance_taken=True, attendees=frozenset({stays.user_id}))]
    found = one(program(rule), facts(early + later + missed, members=[stays, leaves]), dt.date(2011, 5, 1))
    assert {p.label: p.figure for p in found.parts}["陳老師"] == 66  # 2 of 3, rounded down
    assert found.status is Status.AT_RISK


def test_a_pair_s_meeting_is_due_only_for_the_two_it_marks():
    """A meeting of a mentor and a new teacher recorded as an activity (named people only) is not missed by
    the other members: their attendance share is over the activities for everyone."""
    pair, other = member(name="林老師"), member(name="陳老師")
    everyone = [activity(dt.date(2011, 3, d), attendance_taken=True, attendees=frozenset({pair.user_id, other.user_id}),
                         marked=frozenset({pair.user_id, other.user_id})) for d in (1, 15)]
    meetings = [activity(dt.date(2011, 4, d), attendance_taken=True, attendees=frozenset({pair.user_id}),
                         marked=frozenset({pair.user_id}), named_only=True) for d in (1, 8, 15)]
    rule = {"kind": "per_person", "who": "members", "measure": "attendance_percent", "target": 75}
    found = one(program(rule), facts(everyone + meetings, members=[pair, other]), dt.date(2011, 5, 1))
    assert {p.label: p.figure for p in found.parts} == {"林老師": 100, "陳老師": 100}
    assert found.status is Status.MET


def test_mentors_hold_an_intermediate_title_or_above():
    rule = {"kind": "per_person", "who": "mentors", "measure": "title", "titles": ["中級", "高級"]}
    good, bad = member(role="mentor", title="中級"), member(role="mentor", title="初級", name="張老師")
    found = one(program(rule), facts(members=[good, bad]), dt.date(2011, 5, 1))
    assert found.status is Status.AT_RISK and found.gaps[0].params["name"] == "張老師"
    assert one(program(rule), facts(members=[good]), dt.date(2011, 5, 1)).status is Status.MET


def test_the_mentoring_term_lasts_two_years():
    rule = {"kind": "per_person", "who": "mentees", "measure": "tenure_days", "target": 730}
    serving, gone = member(), member(left=dt.date(2011, 12, 31))
    found = one(program(rule), facts(members=[serving], mentees=(serving.user_id,)), dt.date(2011, 6, 1))
    assert found.status is Status.ON_TRACK
    found = one(program(rule), facts(members=[gone], mentees=(gone.user_id,)), dt.date(2012, 1, 5))
    assert found.status is Status.NOT_MET
    two_years = FIRST + dt.timedelta(days=729)
    assert one(program(rule), facts(members=[serving], mentees=(serving.user_id,)), two_years).status is Status.MET


def test_the_mentoring_term_counts_the_pairing_not_the_membership():
    """A teacher who has been a member for years but paired last month has served a month of the term."""
    rule = {"kind": "per_person", "who": "mentees", "measure": "tenure_days", "target": 730}
    lin = member(name="林老師")  # a member since the period began
    today = dt.date(2011, 6, 30)
    paired = PairingTermFact(lin.user_id, dt.date(2011, 6, 1), dt.date(2013, 5, 31))
    found = one(program(rule), facts(members=[lin], mentees=(lin.user_id,), pairing_terms=(paired,)), today)
    assert found.status is Status.ON_TRACK and found.parts[0].figure == 30


def test_a_pairing_set_to_end_short_of_the_term_is_at_risk_then_not_met():
    rule = {"kind": "per_person", "who": "mentees", "measure": "tenure_days", "target": 730}
    lin = member(name="林老師")
    short = PairingTermFact(lin.user_id, dt.date(2011, 3, 1), dt.date(2011, 8, 31))
    running = one(program(rule), facts(members=[lin], mentees=(lin.user_id,), pairing_terms=(short,)),
                  dt.date(2011, 4, 1))
    assert running.status is Status.AT_RISK
    [gap] = running.gaps
    assert (gap.params["planned"], gap.params["term_last"], gap.params["figure"]) == (184, dt.date(2011, 8, 31), 32)
    over = one(program(rule), facts(members=[lin], mentees=(lin.user_id,), pairing_terms=(short,)),
               dt.date(2011, 9, 5))
    assert over.status is Status.NOT_MET


def test_a_re_pairing_continues_the_term_and_two_mentors_at_once_count_once():
    rule = {"kind": "per_person", "who": "mentees", "measure": "tenure_days", "target": 730}
    lin = member(name="林老師")
    first = PairingTermFact(lin.user_id, dt.date(2011, 1, 1), dt.date(2011, 12, 31))  # 365 days
    second = PairingTermFact(lin.user_id, dt.date(2012, 1, 1), dt.date(2012, 12, 30))  # 365 more: 730
    co_mentor = PairingTermFact(lin.user_id, dt.date(2011, 3, 1), dt.date(2011, 6, 30))  # inside the first
    terms = (first, co_mentor, second)
    found = one(program(rule), facts(members=[lin], mentees=(lin.user_id,), pairing_terms=terms),
                dt.date(2012, 1, 10))
    assert found.status is Status.ON_TRACK and found.parts[0].figure == 375
    assert one(program(rule), facts(members=[lin], mentees=(lin.user_id,), pairing_terms=(first, co_mentor)),
               dt.date(2012, 1, 10)).status is Status.NOT_MET


ATTENDANCE = {"kind": "per_person", "who": "members", "measure": "attendance_percent", "target": 75}


def test_attendance_on_the_day_a_member_left_counts_only_if_they_were_marked():
    """As the participation page counts them: an activity with the roll taken on the day one left expects them only
    when it marked them (they are not a member at the end of that day); one marked before they joined counts."""
    left_on = dt.date(2011, 3, 31)
    leaves = member(left=left_on, name="陳老師")
    before = activity(dt.date(2011, 3, 1), attendance_taken=True, attendees=frozenset({leaves.user_id}),
                      marked=frozenset({leaves.user_id}))
    that_day = activity(left_on, attendance_taken=True, marked=frozenset({999}))
    found = one(program(ATTENDANCE), facts([before, that_day], members=[leaves]), dt.date(2011, 5, 1))
    assert found.parts[0].figure == 100  # 1 of 1: the activity of the day they left did not expect them
    marked_absent = activity(left_on, attendance_taken=True, marked=frozenset({leaves.user_id}))
    found = one(program(ATTENDANCE), facts([before, marked_absent], members=[leaves]), dt.date(2011, 5, 1))
    assert found.parts[0].figure == 50
    late_joiner = member(joined=dt.date(2011, 4, 1), name="王老師")
    recorded_after = activity(dt.date(2011, 3, 20), attendance_taken=True, attendees=frozenset({late_joiner.user_id}),
                              marked=frozenset({late_joiner.user_id}))
    missed = activity(dt.date(2011, 4, 2), attendance_taken=True, marked=frozenset({999}))
    found = one(program(ATTENDANCE), facts([recorded_after, missed], members=[late_joiner]), dt.date(2011, 5, 1))
    assert found.parts[0].figure == 50  # the one that marked them before they joined counts, as on the page


def test_a_pair_s_private_meeting_is_in_no_one_s_attendance():
    """The participation page keeps a pair's private meeting out of every member's row (it would tell who mentors
    whom); the rule's per-person figures agree with it."""
    mentor, other = member(name="林老師"), member(name="陳老師")
    everyone = [activity(dt.date(2011, 3, d), attendance_taken=True, attendees=frozenset({other.user_id}),
                         marked=frozenset({mentor.user_id, other.user_id})) for d in (1, 15)]
    private = [activity(dt.date(2011, 4, d), attendance_taken=True, attendees=frozenset({mentor.user_id}),
                        marked=frozenset({mentor.user_id}), named_only=True, private=True) for d in (1, 8, 15)]
    found = one(program(ATTENDANCE), facts(everyone + private, members=[mentor, other]), dt.date(2011, 5, 1))
    assert {p.label: p.figure for p in found.parts} == {"林老師": 0, "陳老師": 100}  # 0 of 2, not 3 of 5


def test_a_member_who_left_on_a_window_s_first_day_is_not_asked_about_in_it():
    rule = {**ATTENDANCE, "window": "semester"}
    gone = member(left=dt.date(2011, 2, 1), name="陳老師")  # the second semester starts on 1 February
    stays = member(name="林老師")
    found = one(program(rule), facts(members=[gone, stays]), dt.date(2011, 3, 1))
    assert [p.label for p in found.parts[1].parts] == ["林老師"]


def test_the_term_served_ends_the_day_before_the_member_left():
    rule = {"kind": "per_person", "who": "members", "measure": "tenure_days", "target": 730}
    gone = member(left=FIRST + dt.timedelta(days=730))  # a member at the end of 730 days, gone on the 731st
    found = one(program(rule), facts(members=[gone]), FIRST + dt.timedelta(days=800))
    assert (found.parts[0].figure, found.status) == (730, Status.MET)
    short = member(left=FIRST + dt.timedelta(days=729))
    found = one(program(rule), facts(members=[short]), FIRST + dt.timedelta(days=800))
    assert (found.parts[0].figure, found.status) == (729, Status.NOT_MET)


def test_a_member_who_left_and_came_back_is_expected_and_counted_only_within_their_stints():
    """Between two stints a person was not a member: an activity of the gap does not expect them, and the days
    served are those of the stints."""
    first_left, back = dt.date(2011, 3, 1), dt.date(2011, 5, 1)
    lin = member(name="林老師", stints=((FIRST, first_left), (back, None)))
    during = activity(dt.date(2011, 2, 10), attendance_taken=True, attendees=frozenset({lin.user_id}),
                      marked=frozenset({lin.user_id}))
    gap = activity(dt.date(2011, 4, 1), attendance_taken=True, marked=frozenset({999}))
    again = activity(dt.date(2011, 5, 10), attendance_taken=True, attendees=frozenset({lin.user_id}),
                     marked=frozenset({lin.user_id}))
    found = one(program(ATTENDANCE), facts([during, gap, again], members=[lin]), dt.date(2011, 6, 1))
    assert found.parts[0].figure == 100  # 2 of 2: the gap's activity did not expect them
    tenure = {"kind": "per_person", "who": "members", "measure": "tenure_days", "target": 730}
    served = one(program(tenure), facts(members=[lin]), dt.date(2011, 5, 10)).parts[0].figure
    assert served == (first_left - FIRST).days + 10  # the first stint, then 1–10 May


def test_a_member_of_no_day_is_not_asked_about():
    """A person who joined and left on one day was a member at the end of no day (QA13 #4): no part of theirs."""
    rule = {**ATTENDANCE, "window": "semester"}
    day = dt.date(2011, 3, 1)
    passing = member(joined=day, left=day, name="資訊組長")
    stays = member(name="林老師")
    found = one(program(rule), facts(members=[passing, stays]), dt.date(2011, 3, 10))
    assert [p.label for p in found.parts[1].parts] == ["林老師"]
