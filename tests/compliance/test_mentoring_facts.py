"""What compliance reads of mentoring: each mentee's public lessons per semester and the pairings' mentors, read
through `mentoring.records` and only when a rule of the program reads them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from tests.communities.urban_rural import make_partnership
from tests.compliance.helpers import enrolled, judge, program_copy, result
from tests.factories import add_member, make_user
from workspace.communities.models import Membership
from workspace.compliance import services
from workspace.compliance.models import Enrollment
from workspace.extensions import db
from workspace.mentoring.models import Pairing
from workspace.mentoring.services import public_lessons as lessons

RULE = "urc.mentee_public_lessons"
# A past URC school year (its semesters: 1 Sep – 31 Jan, 1 Feb – 31 Aug), over by now.
PAST_FIRST, PAST_LAST = dt.date(2025, 9, 1), dt.date(2026, 8, 31)


def urc_with_mentee():
    """An urban–rural community enrolled in URC over the past school year, with a mentor and a new teacher paired."""
    team = make_partnership(2)
    mentor = make_user(display_name="王師傅", title="intermediate")
    mentee = make_user(display_name="林新進")
    add_member(team.community, mentor, role="mentor")
    add_member(team.community, mentee)
    for membership in db.session.scalars(select(Membership).where(Membership.community_id == team.community.id)):
        membership.joined_at = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    pairing = Pairing(community_id=team.community.id, mentor_id=mentor.id, mentee_id=mentee.id,
                      starts_on=PAST_FIRST, ends_on=dt.date(2027, 7, 31), created_by_id=team.convener.id)
    db.session.add(pairing)
    program = program_copy("urc", PAST_FIRST, PAST_LAST)
    enrollment = services.enrol(team.community, program, 0, team.convener)
    db.session.commit()
    return team, mentor, mentee, enrollment


def give(team, mentee, day: dt.date):
    lesson = lessons.schedule_lesson(team.community, lessons.LessonFields(
        teacher_id=mentee.id, topic="公開課", day=day, starts=dt.time(10, 0), ends=dt.time(10, 40)), actor=mentee)
    db.session.commit()
    return lesson


def person_gaps(found) -> list:
    """The gaps of the rule's people, wherever their parts sit (under a window, or the rule itself)."""
    if getattr(found, "part_kind", "") == "person":
        return list(found.gaps)
    return [gap for part in found.parts for gap in person_gaps(part)]


def judged(enrollment: Enrollment, rule_id: str):
    db.session.expire_all()
    return result(services.standings([db.session.get(Enrollment, enrollment.id)])[0], rule_id)


def test_a_mentee_s_held_public_lessons_count_in_their_semester(ctx):
    team, _mentor, mentee, enrollment = urc_with_mentee()
    give(team, mentee, dt.date(2025, 10, 15))
    give(team, mentee, dt.date(2026, 3, 18))
    found = judged(enrollment, RULE)
    assert found.status == "met"
    assert [(part.label, part.figure) for part in found.parts] == [(part.label, 1) for part in found.parts]
    assert len(found.parts) == 2
    facts = services.standings([enrollment])[0].facts
    assert facts.mentees == (mentee.id,)
    assert sorted(lesson.day for lesson in facts.public_lessons) == [dt.date(2025, 10, 15), dt.date(2026, 3, 18)]


def test_the_mentoring_term_is_read_from_the_pairing_and_one_set_to_end_short_is_named(ctx):
    """The mentee joined in January 2025 but was paired on 1 September: the term counts from the pairing; a term
    set to end after 700 days (short of 730) says so, with the day it ends."""
    _team, _mentor, mentee, enrollment = urc_with_mentee()
    pairing = db.session.scalar(select(Pairing).where(Pairing.mentee_id == mentee.id))
    assert services.standings([enrollment])[0].facts.pairing_terms[0].first == PAST_FIRST
    pairing.ends_on = PAST_FIRST + dt.timedelta(days=699)
    db.session.commit()
    found = judged(enrollment, "urc.mentoring_term")
    [gap] = person_gaps(found)
    assert (gap.params["planned"], gap.params["term_last"]) == (700, PAST_FIRST + dt.timedelta(days=699))
    assert found.status in ("at_risk", "not_met")


def test_a_semester_without_a_public_lesson_names_the_teacher_and_a_cancelled_one_does_not_count(ctx):
    team, _mentor, mentee, enrollment = urc_with_mentee()
    give(team, mentee, dt.date(2025, 10, 15))
    cancelled = give(team, mentee, dt.date(2026, 3, 18))
    lessons.cancel_lesson(cancelled, "", actor=mentee)
    db.session.commit()
    found = judged(enrollment, RULE)
    assert found.status == "not_met"
    gaps = person_gaps(found)
    assert [(gap.code, gap.params["name"], gap.params["user_id"]) for gap in gaps] == [
        ("person_short", "林新進", mentee.id)]


def test_the_mentors_of_pairings_are_judged_on_their_title_even_without_the_mentor_role(ctx):
    team, mentor, _mentee, enrollment = urc_with_mentee()
    assert judged(enrollment, "urc.mentor_title").status == "met"
    plain = make_user(display_name="張老師", title="junior")
    second = make_user(display_name="吳新進")
    for user in (plain, second):
        add_member(team.community, user).joined_at = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    db.session.add(Pairing(community_id=team.community.id, mentor_id=plain.id, mentee_id=second.id,
                           starts_on=PAST_FIRST, ends_on=dt.date(2027, 7, 31)))
    db.session.commit()
    found = judged(enrollment, "urc.mentor_title")
    assert found.status != "met"
    assert {gap.params["name"] for gap in person_gaps(found)} == {"張老師"}
    assert mentor.id in services.standings([enrollment])[0].facts.mentors


def test_a_pairing_outside_the_period_makes_no_mentee(ctx):
    _team, _mentor, mentee, enrollment = urc_with_mentee()
    db.session.scalar(select(Pairing).where(Pairing.mentee_id == mentee.id)).starts_on = PAST_LAST + dt.timedelta(1)
    db.session.commit()
    assert services.standings([enrollment])[0].facts.mentees == ()


def test_mentoring_is_read_only_for_a_program_whose_rules_read_it(ctx, count_queries):
    setup = enrolled()  # PLC-100: no mentee or mentor rule
    with count_queries() as queries:
        plc = judge(setup)
    assert not any("pairings" in statement or "public_lessons" in statement for statement in queries)
    assert plc.facts.mentees == () and plc.facts.public_lessons == ()
    _team, _mentor, _mentee, enrollment = urc_with_mentee()
    with count_queries() as queries:
        services.standings([db.session.get(Enrollment, enrollment.id)])
    assert any("public_lessons" in statement for statement in queries)


def test_the_panel_names_whose_part_each_line_of_a_person_rule_is(client, ctx):
    """Under "each mentor holds an intermediate title" the panel lists each mentor by name, not the period's
    dates again (which read as two identical lines for two mentors)."""
    team, _mentor, _mentee, enrollment = urc_with_mentee()
    junior = make_user(display_name="趙初級", title="junior")
    add_member(team.community, junior, role="mentor").joined_at = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    db.session.commit()
    client.login(team.convener)
    page = client.get(f"/c/{team.community.slug}/compliance/").get_data(as_text=True)
    rule = page[page.index(f'id="rule-{enrollment.id}-urc.mentor_title"'):]
    parts = rule[rule.index('class="parts"'):rule.index("</ul>", rule.index('class="parts"'))]
    assert ('<span class="part-person" lang="zh-Hant">王師傅</span>' in parts
            and '<span class="part-person" lang="zh-Hant">趙初級</span>' in parts)  # in their language (QA13)
    assert " of 1" not in parts  # a title is held or not: no "0 of 1"


def _activity_on(team, day: dt.date, title: str):
    """A held activity of the community on `day` (10:00–11:00 local), as its convener plans it."""
    from workspace.activities import services as activities

    starts = dt.datetime.combine(day, dt.time(10, 0))
    activity = activities.create_activity(team.community, activities.ActivityFields(
        title=title, method="co_teaching", starts_at=starts, ends_at=starts + dt.timedelta(hours=1),
        tags=["同步課堂"], subjects=["數學"]), actor=team.convener)
    db.session.commit()
    return activity


def test_activities_outside_an_urban_rural_agreement_s_term_do_not_count_and_the_panel_says_so(client, ctx):
    """The agreement runs from 1 August 2026; the program's year began on 1 September 2025: an activity of March
    2026 is not the partnership's work. Without a term every activity counts, and the panel asks for one."""
    team, _mentor, _mentee, enrollment = urc_with_mentee()  # agreement 2026-08-01 – 2028-07-31
    before = _activity_on(team, dt.date(2026, 3, 2), "協議前的同步課堂")
    within = _activity_on(team, dt.date(2026, 8, 10), "協議中的同步課堂")
    facts = services.standings([enrollment])[0].facts
    assert [activity.id for activity in facts.activities] == [within.id] and facts.outside_agreement == 1
    client.login(team.convener)
    panel = client.get(f"/c/{team.community.slug}/compliance/").get_data(as_text=True)
    assert "covers only part of the program's period" in panel and "1 activity of the period is outside it" in panel
    team.community.agreement_ends_on = None  # half a term, kept from before both days were asked: no term
    db.session.commit()
    facts = services.standings([db.session.get(Enrollment, enrollment.id)])[0].facts
    assert {activity.id for activity in facts.activities} == {before.id, within.id}
    team.community.agreement_starts_on = None
    db.session.commit()
    facts = services.standings([db.session.get(Enrollment, enrollment.id)])[0].facts
    assert {activity.id for activity in facts.activities} == {before.id, within.id}
    panel = client.get(f"/c/{team.community.slug}/compliance/").get_data(as_text=True)
    assert "The agreement's term is not set" in panel and f'href="/c/{team.community.slug}/settings"' in panel


def test_an_agreement_wholly_outside_the_program_s_period_is_said_plainly(client, ctx):
    team, _mentor, _mentee, _enrollment = urc_with_mentee()
    team.community.agreement_starts_on, team.community.agreement_ends_on = dt.date(2029, 9, 1), dt.date(2031, 8, 31)
    db.session.commit()
    client.login(team.convener)
    panel = client.get(f"/c/{team.community.slug}/compliance/").get_data(as_text=True)
    assert "lies outside the program's period" in panel and "covers only part" not in panel
    notice = panel[panel.index("lies outside the program's period"):]
    assert f'href="/c/{team.community.slug}/settings"' in notice[:800]


def test_a_pairing_set_to_end_short_links_the_convener_to_the_pairings(client, ctx):
    team, _mentor, mentee, _enrollment = urc_with_mentee()
    pairing = db.session.scalar(select(Pairing).where(Pairing.mentee_id == mentee.id))
    pairing.ends_on = PAST_FIRST + dt.timedelta(days=699)
    db.session.commit()
    client.login(team.convener)
    panel = client.get(f"/c/{team.community.slug}/compliance/").get_data(as_text=True)
    gap = panel[panel.index('The pairing of <span lang="zh-Hant">林新進</span> is set to end on') - 300:]
    assert f'href="/c/{team.community.slug}/mentoring/"' in gap[:600]
