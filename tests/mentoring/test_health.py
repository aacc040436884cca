"""Health at a glance: the figures of each pairing, the mentor-title flag, the homes, in bounded queries."""

from __future__ import annotations

import datetime as dt

from tests.compliance.helpers import program_copy
from tests.factories import add_member, make_user
from tests.mentoring import pairings_world as world
from tests.mentoring.helpers import make_pair
from workspace.compliance import services as compliance
from workspace.core.database import utcnow
from workspace.extensions import db
from workspace.mentoring.models import Pairing
from workspace.mentoring.services import health
from workspace.mentoring.services.terms import month_period, semester_of


def _started_long_ago(pair) -> None:
    pair.pairing.starts_on = health.today() - dt.timedelta(days=400)
    pair.pairing.ends_on = health.today() + dt.timedelta(days=300)
    db.session.commit()


def test_the_figures_count_live_records_of_this_month_and_semester(ctx):
    pair = make_pair()
    _started_long_ago(pair)
    today = health.today()
    month, semester = month_period(today), semester_of(today)
    pairing = pair.pairing
    world.log(pairing, month.first)
    world.log(pairing, today - dt.timedelta(days=70))
    world.log(pairing, today, trashed=True)
    world.log(pairing, today + dt.timedelta(days=5))  # not held yet
    form = world.form()
    world.observation(pairing, semester.first, form.id)
    world.observation(pairing, semester.first - dt.timedelta(days=10), form.id)
    world.observation(pairing, today, form.id, trashed=True)
    lesson = world.public_lesson(pairing, utcnow() - dt.timedelta(hours=3))
    world.milestone(pairing, today - dt.timedelta(days=1))
    world.milestone(pairing, today - dt.timedelta(days=1), done=True)
    world.milestone(pairing, today - dt.timedelta(days=1), trashed=True)
    world.milestone(pairing, today + dt.timedelta(days=1))
    row = health.health_of(pairing)
    assert row.meetings_this_month == 1
    assert row.last_meeting == month.first
    assert row.observations_this_semester == 1
    assert row.public_lesson_done and row.public_lesson_scheduled
    assert row.milestones_overdue == 1
    assert row.last_contact == health._as_date(lesson.activity.starts_at)
    assert not row.mentor_ineligible


def test_a_pairing_counts_only_what_falls_within_its_own_days(ctx):
    """QA: re-paired on the 1st, the ended pairing showed an observation dated the 4th as its last contact."""
    pair = make_pair()
    _started_long_ago(pair)
    today = health.today()
    pair.pairing.ends_on = today - dt.timedelta(days=3)
    db.session.commit()
    form = world.form()
    world.observation(pair.pairing, today - dt.timedelta(days=1), form.id)  # after its last day
    world.log(pair.pairing, today - dt.timedelta(days=2))
    row = health.health_of(pair.pairing)
    assert row.last_observation is None and row.last_meeting is None
    world.log(pair.pairing, today - dt.timedelta(days=4))
    assert health.health_of(pair.pairing).last_meeting == today - dt.timedelta(days=4)


def test_a_new_pairing_s_last_contact_is_not_a_public_lesson_from_before_it_started(ctx):
    """QA: re-paired today, the new pairing showed yesterday's public lesson (under the previous mentor) as its
    last contact. The lesson stays the teacher's for the semester; the last contact keeps to the pairing's days."""
    pair = make_pair()
    _started_long_ago(pair)
    today = health.today()
    old = pair.pairing
    old.ends_on = today - dt.timedelta(days=1)
    new = Pairing(community_id=pair.community.id, mentor_id=pair.colleague.id, mentee_id=pair.mentee.id,
                  starts_on=today, ends_on=today + dt.timedelta(days=300))
    db.session.add(new)
    db.session.commit()
    yesterday = today - dt.timedelta(days=1)
    world.public_lesson(old, health._start_of(yesterday) + dt.timedelta(hours=10))
    assert health.health_of(old).last_contact == yesterday
    row = health.health_of(new)
    assert row.last_lesson is None and row.last_contact is None
    if semester_of(yesterday) == semester_of(today):  # the teacher gave this semester's lesson all the same
        assert row.public_lesson_done and row.public_lesson_scheduled


def test_a_public_lesson_to_come_is_scheduled_not_done_and_a_cancelled_one_is_neither(ctx):
    pair = make_pair()
    _started_long_ago(pair)
    world.public_lesson(pair.pairing, utcnow() - dt.timedelta(hours=5), cancelled=True)
    row = health.health_of(pair.pairing)
    assert not row.public_lesson_done and not row.public_lesson_scheduled and row.last_contact is None
    soon = utcnow() + dt.timedelta(hours=1)
    if semester_of(health.today()).last >= health._as_date(soon):
        world.public_lesson(pair.pairing, soon)
        row = health.health_of(pair.pairing)
        assert row.public_lesson_scheduled and not row.public_lesson_done


def test_a_mentor_without_the_title_a_urc_enrolment_asks_for_is_flagged(ctx):
    pair = make_pair()
    assert not health.overview(pair.convener, pair.community).eligibility_asked
    program = program_copy("urc")
    compliance.enrol(pair.community, program, 10_000, pair.convener)
    db.session.commit()
    page = health.overview(pair.convener, pair.community)
    assert page.eligibility_asked and page.rows[0].mentor_ineligible
    pair.mentor.title = "intermediate"
    db.session.commit()
    assert not health.overview(pair.convener, pair.community).rows[0].mentor_ineligible


def test_the_overview_shows_a_convener_every_pairing_and_a_member_their_own(ctx):
    pair = make_pair()
    other = add_member(pair.community, make_user(display_name="新老師")).user
    db.session.add(Pairing(community_id=pair.community.id, mentor_id=pair.colleague.id, mentee_id=other.id,
                           starts_on=dt.date(2026, 9, 1), ends_on=dt.date(2028, 8, 31)))
    db.session.commit()
    assert health.overview(pair.convener, pair.community).total == 2
    mine = health.overview(pair.mentee, pair.community)
    assert [row.id for row in mine.rows] == [pair.pairing.id]
    assert health.overview(make_user(), pair.community).total == 0


def test_the_overview_pages_by_fifty(ctx):
    pair = make_pair()
    people = [add_member(pair.community).user for _ in range(3)]
    for person in people:
        db.session.add(Pairing(community_id=pair.community.id, mentor_id=pair.mentor.id, mentee_id=person.id,
                               starts_on=dt.date(2026, 9, 1), ends_on=dt.date(2028, 8, 31)))
    db.session.commit()
    page = health.overview(pair.convener, pair.community, page=2, per_page=3)
    assert (page.total, page.pages, len(page.rows)) == (4, 2, 1)


def test_the_homes_show_what_is_due_overdue_and_open(ctx):
    pair = make_pair()
    _started_long_ago(pair)
    today = health.today()
    world.log(pair.pairing, today - dt.timedelta(days=45), steps=("讀一本書", "備一節課"))
    world.milestone(pair.pairing, today + dt.timedelta(days=10), title="快到了")
    world.milestone(pair.pairing, today + dt.timedelta(days=40), title="還早")
    world.milestone(pair.pairing, today - dt.timedelta(days=3), title="遲了")
    world.goal(pair.pairing, "提問技巧")
    world.goal(pair.pairing, "放棄的目標", status="dropped")
    mentor_home = health.home(pair.mentor)
    assert [row.id for row in mentor_home.mentoring] == [pair.pairing.id] and not mentor_home.mentored
    row = mentor_home.mentoring[0]
    assert [item.title for item in mentor_home.due(row.id)] == ["快到了"]
    assert [item.title for item in mentor_home.late(row.id)] == ["遲了"]
    assert [step.text for step in mentor_home.steps[row.id]] == ["讀一本書", "備一節課"]
    assert set(row.overdue(today)) == {"meeting", "observation", "public_lesson", "milestones"}
    mentee_home = health.home(pair.mentee)
    assert [row.id for row in mentee_home.mentored] == [pair.pairing.id]
    assert [goal.title for goal in mentee_home.goals[pair.pairing.id]] == ["提問技巧"]
    assert health.home(pair.colleague).empty
    admin = make_user(is_admin=True)
    assert health.home(admin).empty  # an admin sees pairings, but has none of their own


def test_the_overview_and_the_home_run_the_same_number_of_queries_for_1_and_20_pairings(ctx, count_queries):
    def build(count: int):
        pair = make_pair()
        _started_long_ago(pair)
        form = world.form()
        for index in range(count):
            if index:
                mentee = add_member(pair.community).user
                pairing = Pairing(community_id=pair.community.id, mentor_id=pair.mentor.id, mentee_id=mentee.id,
                                  starts_on=pair.pairing.starts_on, ends_on=pair.pairing.ends_on)
                db.session.add(pairing)
                db.session.commit()
            else:
                pairing = pair.pairing
            world.log(pairing, health.today(), steps=("下一步",))
            world.observation(pairing, health.today(), form.id)
            world.milestone(pairing, health.today())
            world.goal(pairing, "目標")
        db.session.expire_all()
        return pair

    counts = []
    for size in (1, 20):
        pair = build(size)
        with count_queries() as overview_statements:
            page = health.overview(pair.convener, pair.community)
        with count_queries() as home_statements:
            home = health.home(pair.mentor)
        assert len(page.rows) == size and len(home.mentoring) == size
        counts.append((len(overview_statements), len(home_statements)))
    assert counts[0] == counts[1]


def test_the_overview_keeps_dates_whole_and_explains_the_badge_on_a_tap(client, ctx):
    """On a phone: the term's dates are <time> elements (kept on one line, not broken inside 2028年10月22 / 日), and
    the reason of 'Mentor not eligible' opens on a tap (a details), not only in a title tooltip."""
    from tests.stacked import element, unlabelled_cells

    pair = make_pair()
    compliance.enrol(pair.community, program_copy("urc"), 10_000, pair.convener)
    db.session.commit()
    client.login(pair.convener)
    page = client.get(f"/c/{pair.community.slug}/mentoring/").get_data(as_text=True)
    assert unlabelled_cells(page, within="pairings-overview") == []
    [term] = element(page, "//td[@data-label='Term']")
    assert [time.get("datetime") for time in term.xpath(".//time")] == [pair.pairing.starts_on.isoformat(),
                                                                       pair.pairing.ends_on.isoformat()]
    [badge] = element(page, "//*[contains(@class, 'badge-warn')][normalize-space()='Mentor not eligible']")
    assert badge.tag == "summary" and not badge.get("title")
    assert "asks for a mentor of a higher professional title" in badge.getparent().text_content()
