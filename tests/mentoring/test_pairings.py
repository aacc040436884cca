"""The pairing services: pairing, ending, re-pairing, settings and milestones, without HTTP."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from tests.factories import add_member, make_user
from tests.mentoring.helpers import freeze_clock, make_pair
from workspace.core.errors import ValidationError
from workspace.core.models import AuditEvent
from workspace.extensions import db
from workspace.mentoring.models import Milestone, MilestoneKind, Pairing
from workspace.mentoring.services import milestones, pairings

START = dt.date(2026, 9, 1)


def _fields(error: ValidationError) -> dict:
    return dict(error.errors)


def test_a_pairing_of_several_new_teachers_makes_one_each_with_the_default_term_and_milestones(ctx):
    pair = make_pair()
    other = add_member(pair.community, make_user(display_name="吳老師")).user
    made = pairings.create_pairings(pair.community, pair.mentor.id, [pair.colleague.id, other.id], START, None,
                                    pair.convener)
    db.session.commit()
    assert [p.mentee_id for p in made] == [pair.colleague.id, other.id]
    assert all(p.ends_on == dt.date(2028, 8, 31) for p in made)  # 24 months minus a day
    items = db.session.scalars(select(Milestone).where(Milestone.pairing_id == made[0].id)
                               .order_by(Milestone.position)).all()
    assert [(m.kind, m.owner, m.due_on) for m in items] == [
        ("meeting", "mentor", START + dt.timedelta(days=14)),
        ("observation", "mentor", START + dt.timedelta(days=42)),
        ("observe_mentor", "mentee", START + dt.timedelta(days=60)),
        ("goal", "mentee", START + dt.timedelta(days=30)),
        ("public_lesson", "mentee", START + dt.timedelta(days=120)),
        ("handbook", "mentee", START + dt.timedelta(days=30)),
    ]
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "pairing.created",
                                                      AuditEvent.subject_id == made[0].id)) is not None


def test_the_community_s_term_and_milestones_are_what_a_new_pairing_copies(ctx):
    pair = make_pair()
    pairings.save_settings(pair.community, 12, [
        {"title": "見面", "days": 7, "owner": "mentee", "kind": "meeting"},
        {"title": "", "days": None, "owner": "mentor", "kind": "other"},  # a blank row is dropped
    ], pair.convener)
    made = pairings.create_pairings(pair.community, pair.mentor.id, [pair.colleague.id], START, None, pair.convener)
    db.session.commit()
    assert made[0].ends_on == dt.date(2027, 8, 31)
    items = db.session.scalars(select(Milestone).where(Milestone.pairing_id == made[0].id)).all()
    assert [(m.title, m.due_on, m.owner) for m in items] == [("見面", START + dt.timedelta(days=7), "mentee")]


def test_settings_refuse_a_term_out_of_range_and_a_milestone_without_days(ctx):
    pair = make_pair()
    with pytest.raises(ValidationError) as caught:
        pairings.save_settings(pair.community, 0, [{"title": "x", "days": None, "owner": "mentor",
                                                    "kind": "meeting"}], pair.convener)
    assert set(_fields(caught.value)) == {"term_months", "milestones"}


def test_a_person_cannot_be_paired_with_themselves(ctx):
    pair = make_pair()
    with pytest.raises(ValidationError) as caught:
        pairings.create_pairings(pair.community, pair.mentor.id, [pair.mentor.id], START, None, pair.convener)
    assert "themselves" in _fields(caught.value)["mentee_ids"]


@pytest.mark.parametrize("who", ["outsider", "guest", "departed"])
def test_a_mentor_who_is_not_an_active_member_is_refused(ctx, who):
    pair = make_pair()
    if who == "outsider":
        person = make_user()
    else:
        membership = add_member(pair.community, role="guest_expert" if who == "guest" else "member")
        if who == "departed":
            from workspace.core.database import utcnow
            membership.left_at = utcnow()
            db.session.commit()
        person = membership.user
    with pytest.raises(ValidationError) as caught:
        pairings.create_pairings(pair.community, person.id, [pair.colleague.id], START, None, pair.convener)
    assert "mentor_id" in _fields(caught.value)
    with pytest.raises(ValidationError) as caught:
        pairings.create_pairings(pair.community, pair.mentor.id, [person.id], START, None, pair.convener)
    assert "mentee_ids" in _fields(caught.value)


def test_an_end_before_the_start_is_refused(ctx):
    pair = make_pair()
    with pytest.raises(ValidationError) as caught:
        pairings.create_pairings(pair.community, pair.mentor.id, [pair.colleague.id], START,
                                 START - dt.timedelta(days=1), pair.convener)
    assert "ends_on" in _fields(caught.value)


def test_a_term_longer_than_the_settings_allow_is_refused(ctx):
    """1900-01-01 to 2200-12-31 is a slip of the keyboard: a term is at most the longest the settings allow."""
    pair = make_pair()
    with pytest.raises(ValidationError) as caught:
        pairings.create_pairings(pair.community, pair.mentor.id, [pair.colleague.id], dt.date(1900, 1, 1),
                                 dt.date(2200, 12, 31), pair.convener)
    assert "at most 10 years" in _fields(caught.value)["ends_on"]
    made = pairings.create_pairings(pair.community, pair.mentor.id, [pair.colleague.id], START,
                                    pairings.default_end(START, pairings.MAX_TERM_MONTHS), pair.convener)
    assert len(made) == 1


def test_an_overlapping_active_pairing_of_the_same_two_is_refused_and_a_later_one_is_not(ctx):
    pair = make_pair(START, dt.date(2027, 8, 31))
    with pytest.raises(ValidationError) as caught:
        pairings.create_pairings(pair.community, pair.mentor.id, [pair.mentee.id], dt.date(2027, 8, 1), None,
                                 pair.convener)
    assert "already paired" in _fields(caught.value)["mentee_ids"]
    made = pairings.create_pairings(pair.community, pair.mentor.id, [pair.mentee.id], dt.date(2027, 9, 1), None,
                                    pair.convener)
    assert made[0].id


def test_a_second_mentor_at_once_is_allowed_and_named_as_a_notice(ctx):
    """Co-mentoring is allowed, but the convener who meant to re-pair is told the first pairing still runs."""
    pair = make_pair(START, dt.date(2027, 8, 31))
    made = pairings.create_pairings(pair.community, pair.colleague.id, [pair.mentee.id], dt.date(2027, 2, 1), None,
                                    pair.convener)
    notices = pairings.other_mentors(made)
    assert [(n.mentee, n.mentor, n.ends_on) for n in notices] == [("林老師", "王老師", dt.date(2027, 8, 31))]
    # after the first pairing's end, or once it is ended, nothing to say
    third = add_member(pair.community, make_user(display_name="吳老師")).user
    later = pairings.create_pairings(pair.community, third.id, [pair.mentee.id], dt.date(2029, 2, 1), None,
                                     pair.convener)
    assert pairings.other_mentors(later) == []
    pairings.end_pairing(pair.pairing, dt.date(2026, 11, 30), "", pair.convener)
    assert pairings.other_mentors(made) == []
    assert pairings.other_mentors([]) == []


def test_ending_keeps_the_pairing_with_its_reason_and_refuses_an_end_before_its_start(ctx):
    pair = make_pair(START)
    with pytest.raises(ValidationError) as caught:
        pairings.end_pairing(pair.pairing, START - dt.timedelta(days=3), "", pair.convener)
    assert "ends_on" in _fields(caught.value)
    pairings.end_pairing(pair.pairing, dt.date(2026, 11, 30), "  moved   school ", pair.convener)
    db.session.commit()
    pairing = db.session.get(Pairing, pair.pairing.id)
    assert (pairing.status, pairing.ends_on, pairing.end_reason) == ("ended", dt.date(2026, 11, 30), "moved school")
    with pytest.raises(ValidationError):
        pairings.end_pairing(pairing, None, "", pair.convener)


def test_two_people_are_not_each_the_other_s_mentor_at_once(ctx):
    pair = make_pair(START, dt.date(2027, 6, 30))
    with pytest.raises(ValidationError) as caught:
        pairings.create_pairings(pair.community, pair.mentee.id, [pair.mentor.id], dt.date(2027, 1, 1), None,
                                 pair.convener)
    assert "other way round" in dict(caught.value.errors)["mentee_ids"]
    # after the first pairing's term, the new teacher may grow into the other's mentor
    made = pairings.create_pairings(pair.community, pair.mentee.id, [pair.mentor.id], dt.date(2027, 7, 1), None,
                                    pair.convener)
    assert made[0].mentor_id == pair.mentee.id


def test_the_last_day_falls_within_the_term_and_not_after_today(ctx, monkeypatch):
    """Ending is now: a last day after today would mark ended a pair still meeting, and one after the planned end
    would stretch the term the convener agreed to."""
    freeze_clock(monkeypatch, dt.datetime(2027, 1, 15, 4, 0, tzinfo=dt.UTC))
    pair = make_pair(START, dt.date(2027, 6, 30))
    for day in (dt.date(2027, 1, 16), dt.date(2027, 7, 1)):
        with pytest.raises(ValidationError) as caught:
            pairings.end_pairing(pair.pairing, day, "", pair.convener)
        assert list(_fields(caught.value)) == ["ends_on"], day
    assert pair.pairing.active
    pairings.end_pairing(pair.pairing, None, "", pair.convener)  # today, by default
    assert (pair.pairing.status, pair.pairing.ends_on) == ("ended", dt.date(2027, 1, 15))


def test_a_pairing_that_has_not_started_ends_on_its_first_day(ctx, monkeypatch):
    freeze_clock(monkeypatch, dt.datetime(2026, 8, 20, 4, 0, tzinfo=dt.UTC))
    pair = make_pair(START)
    pairings.end_pairing(pair.pairing, None, "changed plans", pair.convener)
    assert pair.pairing.ends_on == START


def test_a_milestone_falls_due_within_the_term_and_an_ended_pairing_s_list_no_longer_changes(ctx):
    pair = make_pair(START, dt.date(2027, 6, 30))
    for day in (START - dt.timedelta(days=1), dt.date(2027, 7, 1)):
        with pytest.raises(ValidationError) as caught:
            milestones.add_milestone(pair.pairing, "共讀", day, "mentee", "other", pair.convener)
        assert list(_fields(caught.value)) == ["due_on"], day
    item = milestones.add_milestone(pair.pairing, "共讀", dt.date(2027, 6, 30), "mentee", "other", pair.convener)
    with pytest.raises(ValidationError) as caught:
        milestones.update_milestone(item, "共讀", dt.date(2027, 8, 1), "mentee", "other", pair.convener)
    assert list(_fields(caught.value)) == ["due_on"]
    pairings.end_pairing(pair.pairing, dt.date(2026, 11, 30), "", pair.convener)
    for change in (lambda: milestones.add_milestone(pair.pairing, "再讀", dt.date(2026, 10, 1), "mentee", "other",
                                                    pair.convener),
                   lambda: milestones.update_milestone(item, "共讀", dt.date(2026, 10, 1), "mentee", "other",
                                                       pair.convener)):
        with pytest.raises(ValidationError) as caught:
            change()
        assert None in _fields(caught.value)
    assert item.due_on == dt.date(2027, 6, 30)


def test_an_ended_pairing_s_open_milestones_are_not_overdue(ctx):
    from workspace.mentoring.services import health

    pair = make_pair(START, dt.date(2027, 6, 30))
    milestones.add_milestone(pair.pairing, "共讀", dt.date(2026, 9, 10), "mentee", "other", pair.convener)
    db.session.commit()
    assert health.health_of(pair.pairing).milestones_overdue >= 1
    pairings.end_pairing(pair.pairing, dt.date(2026, 11, 30), "", pair.convener)
    db.session.commit()
    assert health.health_of(pair.pairing).milestones_overdue == 0


def test_re_pairing_ends_the_old_pairing_the_day_before_and_links_the_new_one(ctx, monkeypatch):
    freeze_clock(monkeypatch, dt.datetime(2027, 2, 1, 4, 0, tzinfo=dt.UTC))
    pair = make_pair(START)
    new = pairings.repair(pair.pairing, pair.colleague.id, dt.date(2027, 2, 1), "mentor left", pair.convener)
    db.session.commit()
    old = db.session.get(Pairing, pair.pairing.id)
    assert old.status == "ended" and old.ends_on == dt.date(2027, 1, 31) and old.replaced_by_id == new.id
    assert (new.mentor_id, new.mentee_id, new.starts_on, new.ends_on) == (
        pair.colleague.id, pair.mentee.id, dt.date(2027, 2, 1), dt.date(2028, 8, 31))
    assert db.session.scalar(select(Milestone).where(Milestone.pairing_id == new.id)) is not None


def test_re_pairing_refuses_the_same_mentor_a_start_too_early_and_a_non_member(ctx):
    pair = make_pair(START)
    with pytest.raises(ValidationError) as caught:
        pairings.repair(pair.pairing, pair.mentor.id, START, "", pair.convener)
    assert set(_fields(caught.value)) >= {"mentor_id", "starts_on"}
    with pytest.raises(ValidationError) as caught:
        pairings.repair(pair.pairing, make_user().id, dt.date(2027, 2, 1), "", pair.convener)
    assert "mentor_id" in _fields(caught.value)


def test_re_pairing_hands_over_today_or_a_day_past_within_the_old_term(ctx, monkeypatch):
    """The old pairing ends as it is handed over: a later day left the teacher with neither mentor until then, and
    a day past the term stretched the old pairing over years it never ran (2026 – 2029, then a one-day pairing)."""
    freeze_clock(monkeypatch, dt.datetime(2027, 2, 1, 4, 0, tzinfo=dt.UTC))
    pair = make_pair(START)
    term_end = pair.pairing.ends_on
    for day, message in ((term_end + dt.timedelta(days=1), "by the end of this pairing's term"),
                         (dt.date(2030, 1, 1), "by the end of this pairing's term"),
                         (dt.date(2027, 2, 2), "today at the latest")):
        with pytest.raises(ValidationError, match=message) as caught:
            pairings.repair(pair.pairing, pair.colleague.id, day, "", pair.convener)
        assert list(_fields(caught.value)) == ["starts_on"]
    db.session.expire_all()
    old = db.session.get(Pairing, pair.pairing.id)
    assert old.active and old.ends_on == term_end  # untouched by the refusals
    new = pairings.repair(old, pair.colleague.id, dt.date(2026, 12, 1), "", pair.convener)  # recorded afterwards
    assert (new.starts_on, new.ends_on, old.ends_on) == (dt.date(2026, 12, 1), term_end, dt.date(2026, 11, 30))


def test_milestones_are_added_changed_trashed_restored_and_ticked(ctx):
    pair = make_pair(START)
    item = milestones.add_milestone(pair.pairing, " 共讀 ", dt.date(2026, 10, 1), "mentee", "other", pair.convener)
    with pytest.raises(ValidationError) as caught:
        milestones.add_milestone(pair.pairing, " ", None, "nobody", "x", pair.convener)
    assert set(_fields(caught.value)) == {"title", "due_on", "owner", "kind"}
    milestones.update_milestone(item, "共讀一本書", dt.date(2026, 10, 8), "mentor", "other", pair.convener)
    milestones.tick(item, True, pair.mentee)
    assert item.done_at is not None and item.done_by_id == pair.mentee.id
    milestones.tick(item, False, pair.mentee)
    assert item.done_at is None
    milestones.trash_milestone(item, pair.convener)
    assert item not in milestones.milestones_of(pair.pairing.id)
    assert item in milestones.milestones_of(pair.pairing.id, trashed=True)
    milestones.restore_milestone(item, pair.convener)
    assert item in milestones.milestones_of(pair.pairing.id)


def test_note_progress_ticks_the_earliest_open_milestone_of_its_kind_only(ctx):
    pair = make_pair()
    made = pairings.create_pairings(pair.community, pair.mentor.id, [pair.colleague.id], START, None, pair.convener)
    later = milestones.add_milestone(made[0], "第二次會談", START + dt.timedelta(days=60), "mentor", "meeting",
                                     pair.convener)
    milestones.note_progress(made[0], MilestoneKind.MEETING, START + dt.timedelta(days=3), actor_id=pair.mentor.id)
    done = [(m.kind, m.title) for m in milestones.milestones_of(made[0].id) if m.done_at]
    assert done == [("meeting", "First meeting")]
    assert later.done_at is None
    milestones.note_progress(made[0], MilestoneKind.MEETING, START + dt.timedelta(days=9), actor_id=pair.mentor.id)
    assert later.done_at is not None


def test_has_pairings_and_the_candidates(ctx):
    pair = make_pair()
    guest = add_member(pair.community, role="guest_expert").user
    assert pairings.has_pairings(pair.mentor.id) and pairings.has_pairings(pair.mentee.id)
    assert not pairings.has_pairings(pair.colleague.id)
    ids = {pid for pid, _name, _role in pairings.candidates(pair.community.id)}
    assert pair.mentor.id in ids and guest.id not in ids


def test_default_end_keeps_to_the_month_s_last_day():
    assert pairings.default_end(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 27)
    assert pairings.default_end(dt.date(2026, 1, 1), 24) == dt.date(2027, 12, 31)


def test_the_demo_pairs_the_demo_mentors(ctx):
    """The demo data (workspace/demo.py calls mentoring's load_demo) pairs each demo mentor with a new teacher."""
    from workspace.auth.models import User
    from workspace.demo import PEOPLE, load_demo_data
    from workspace.mentoring.models import Pairing

    assert load_demo_data()
    people = {person.key: db.session.scalar(select(User).where(User.email == person.email)) for person in PEOPLE}
    made = list(db.session.scalars(select(Pairing).order_by(Pairing.id)))
    assert {(p.mentor_id, p.mentee_id) for p in made} == {
        (people["wang"].id, people["huang"].id), (people["liu"].id, people["sun"].id),
        (people["zhao"].id, people["wu"].id)}
    assert any(m.done_at for m in milestones.milestones_of(made[0].id))


def test_a_pairing_whose_term_ran_out_is_ended_and_one_recorded_after_its_term_is_ended_at_once(ctx):
    """QA: a term over without anyone pressing End read as active on the overview and both homes, with every
    milestone overdue and "no meeting in 30 days" for a pair that had finished months before."""
    from workspace.mentoring.services import health

    pair = make_pair()
    other = add_member(pair.community, make_user(display_name="吳老師")).user
    past = pairings.create_pairings(pair.community, pair.mentor.id, [other.id], dt.date(2024, 9, 1),
                                    dt.date(2026, 6, 30), pair.convener)[0]
    db.session.commit()
    assert not past.active and past.ends_on == dt.date(2026, 6, 30)
    row = health.health_of(past)
    assert not row.active and row.milestones_overdue == 0
    # One still running, and one whose last day was yesterday: the hourly job ends the second only.
    pair.pairing.ends_on = dt.date(2026, 12, 3)
    running = pairings.create_pairings(pair.community, pair.mentor.id, [pair.colleague.id], START,
                                       dt.date(2027, 8, 31), pair.convener)[0]
    db.session.commit()
    assert pairings.end_finished_terms(dt.date(2026, 12, 4)) == 1
    assert not pair.pairing.active and pair.pairing.ends_on == dt.date(2026, 12, 3) and running.active
    assert pairings.end_finished_terms(dt.date(2026, 12, 4)) == 0


def _handover(monkeypatch):
    """A pair of 2026-09-01 with goals of each status, a log with an open and a done step and a handbook begun,
    handed to another mentor on 2027-02-01 (today)."""
    from tests.mentoring import pairings_world as world
    from workspace.mentoring.services import handbook

    freeze_clock(monkeypatch, dt.datetime(2027, 2, 1, 4, 0, tzinfo=dt.UTC))
    pair = make_pair(START)
    for title, status in (("提問技巧", "open"), ("班級經營", "in_progress"), ("聯絡簿", "achieved"),
                          ("舊目標", "dropped")):
        world.goal(pair.pairing, title, status)
    log = world.log(pair.pairing, dt.date(2026, 12, 1), steps=("試教引入活動", "寫三則聯絡簿範例"))
    log.next_steps[1].done_at = dt.datetime(2026, 12, 5, tzinfo=dt.UTC)
    book = handbook.open_handbook(pair.community, pair.mentee.id, 2026, actor=pair.mentee)
    handbook.save_section(book.sections[0], "我的優勢", actor=pair.mentee, base_version=book.sections[0].version)
    new_mentor = add_member(pair.community, make_user(display_name="林志豪"), "mentor").user
    db.session.commit()
    new = pairings.repair(pair.pairing, new_mentor.id, dt.date(2027, 2, 1), "借調", pair.convener)
    db.session.commit()
    return pair, new, new_mentor, log


def test_re_pairing_carries_the_goals_in_progress_and_the_open_steps_to_the_new_pairing(ctx, monkeypatch):
    """QA: after the handover the new teacher's goals and open steps were gone from her home, the new pairing's
    goals page and the new log form. The unfinished ones follow her; the achieved and dropped stay on the record
    of the pairing they were met in."""
    from workspace.mentoring.models import Goal
    from workspace.mentoring.services import goals, health, logs

    pair, new, new_mentor, _log = _handover(monkeypatch)
    carried = {goal.title for goal in goals.goals_of(new, pair.mentee)}
    assert carried == {"提問技巧", "班級經營"}
    assert {goal.title for goal in goals.goals_of(new, new_mentor)} == carried
    assert set(db.session.scalars(select(Goal.title).where(Goal.pairing_id == pair.pairing.id))) == {"聯絡簿", "舊目標"}
    assert [step.text for step in logs.open_steps(new)] == ["試教引入活動"]
    assert logs.open_steps(pair.pairing) == []
    home = health.home(pair.mentee)
    assert [step.text for step in home.steps[new.id]] == ["試教引入活動"]
    assert {goal.title for goal in home.goals[new.id]} == carried


def test_re_pairing_keeps_the_carried_records_to_the_new_pair(ctx, monkeypatch):
    """The outgoing mentor no longer reads the goals nor ticks the steps that went on; the new mentor does."""
    from workspace.core.errors import NotAllowed
    from workspace.core.permissions import can
    from workspace.mentoring.services import goals, logs

    pair, new, new_mentor, _log = _handover(monkeypatch)
    goal = goals.goals_of(new, pair.mentee)[0]
    step = logs.open_steps(new)[0]
    assert not can(pair.mentor, "read", goal) and goals.goals_of(new, pair.mentor) == []
    assert not can(pair.mentor, "view", step) and not can(pair.mentor, "edit", step)
    with pytest.raises(NotAllowed):
        logs.tick_step(step, True, actor=pair.mentor)
    assert can(new_mentor, "read", goal) and can(new_mentor, "edit", step)
    logs.tick_step(step, True, actor=new_mentor)
    assert step.done_at is not None
    entry = logs.create_log(new, logs.LogFields(held_on=dt.date(2027, 2, 1), duration_minutes=30), actor=new_mentor)
    logs.tick_step(step, False, actor=pair.mentee)
    logs._tick(new, [step.id], entry)
    assert step.done_in_log_id == entry.id


def test_re_pairing_ticks_the_milestones_that_existing_records_already_meet(ctx, monkeypatch):
    """QA: the new pairing's "handbook begun" and "first goals" opened again (and would show overdue) although
    both existed; what the new mentor has not done yet (a meeting, an observation) stays open."""
    _pair, new, _new_mentor, _log = _handover(monkeypatch)
    done = {m.kind: m.done_at is not None for m in milestones.milestones_of(new.id)}
    assert done == {"meeting": False, "observation": False, "observe_mentor": False, "goal": True,
                    "public_lesson": False, "handbook": True}


def test_a_new_pairing_of_a_teacher_whose_handbook_is_begun_starts_with_that_milestone_ticked(ctx):
    from workspace.mentoring.services import handbook

    pair = make_pair(START)
    book = handbook.open_handbook(pair.community, pair.mentee.id, 2026, actor=pair.mentee)
    handbook.save_section(book.sections[0], "我的優勢", actor=pair.mentee, base_version=book.sections[0].version)
    (made,) = pairings.create_pairings(pair.community, pair.colleague.id, [pair.mentee.id], START, None,
                                       pair.convener)
    done = {m.kind for m in milestones.milestones_of(made.id) if m.done_at is not None}
    assert done == {"handbook"}


def test_re_pairing_tells_the_outgoing_mentor_that_the_pairing_ended(ctx, monkeypatch):
    """QA: the former mentor learned of the handover only when the handbook answered 404."""
    from workspace.notifications.models import Notification

    pair, new, new_mentor, _log = _handover(monkeypatch)
    told = {(row.user_id, row.kind, row.subject_id) for row in db.session.scalars(select(Notification))}
    assert (pair.mentor.id, "unpaired", pair.pairing.id) in told
    assert {(new_mentor.id, "paired", new.id), (pair.mentee.id, "paired", new.id)} <= told
    assert not any(user == pair.mentor.id and kind == "paired" for user, kind, _id in told)
    notice = db.session.scalar(select(Notification).where(Notification.kind == "unpaired"))
    assert notice.path.endswith(f"/mentoring/pairings/{pair.pairing.id}") and notice.excerpt == ""


def test_ending_a_pairing_tells_the_pair(ctx):
    from workspace.notifications.models import Notification

    pair = make_pair(START)
    pairings.end_pairing(pair.pairing, None, "調校", pair.convener)
    told = {(row.user_id, row.kind) for row in db.session.scalars(select(Notification))}
    assert told == {(pair.mentor.id, "unpaired"), (pair.mentee.id, "unpaired")}


@pytest.mark.parametrize("who", ["mentee", "mentor"])
def test_a_pairing_ends_when_its_mentor_or_new_teacher_leaves_the_community(ctx, who):
    """QA: the new teacher left; her pairing read as active, the mentor's home still alerted "no meeting in 30
    days", while the public lessons page said the community had no paired teacher."""
    from sqlalchemy import select

    from workspace.communities import services as community_services
    from workspace.communities.models import Membership
    from workspace.notifications.models import Notification

    pair = make_pair(starts_on=dt.date(2026, 1, 5))
    person = getattr(pair, who)
    membership = db.session.scalar(select(Membership).where(Membership.community_id == pair.community.id,
                                                            Membership.user_id == person.id))
    community_services.leave_community(membership, actor=person)
    db.session.commit()
    db.session.refresh(pair.pairing)
    assert pair.pairing.status == "ended" and pair.pairing.ends_on <= dt.date.today() + dt.timedelta(days=1)
    assert person.display_name in pair.pairing.end_reason
    told = {notice.user_id for notice in db.session.scalars(select(Notification).where(
        Notification.kind == "partner_left"))}  # told that the other left, not that they ended it
    assert told == {pair.mentor.id, pair.mentee.id} - {person.id}  # the other of the pair (who left knows)
    other = make_pair(starts_on=dt.date(2026, 1, 5))  # another community's pairing is left as it was
    assert other.pairing.status == "active"


def test_a_colleague_leaving_ends_no_pairing(ctx):
    from sqlalchemy import select

    from workspace.communities import services as community_services
    from workspace.communities.models import Membership

    pair = make_pair(starts_on=dt.date(2026, 1, 5))
    membership = db.session.scalar(select(Membership).where(Membership.community_id == pair.community.id,
                                                            Membership.user_id == pair.colleague.id))
    community_services.remove_member(membership, actor=pair.convener)
    db.session.commit()
    db.session.refresh(pair.pairing)
    assert pair.pairing.status == "active"


def test_a_re_pairing_of_the_same_two_may_not_overlap_their_ended_pairing(ctx):
    """They left and came back: the ended pairing keeps its days, so a new one starts after its last day."""
    pair = make_pair(START, dt.date(2027, 8, 31))
    pair.pairing.status, pair.pairing.ends_on = "ended", dt.date(2026, 12, 5)
    db.session.commit()
    for mentor, mentee in ((pair.mentor, pair.mentee), (pair.mentee, pair.mentor)):
        with pytest.raises(ValidationError) as caught:
            pairings.create_pairings(pair.community, mentor.id, [mentee.id], dt.date(2026, 12, 1), None,
                                     pair.convener)
        assert "paired until Dec 5, 2026" in _fields(caught.value)["starts_on"]
    made = pairings.create_pairings(pair.community, pair.mentor.id, [pair.mentee.id], dt.date(2026, 12, 6), None,
                                    pair.convener)
    assert made[0].id


def test_a_pairing_ended_before_its_first_day_holds_no_day_of_a_re_pairing(ctx):
    """Review 12 #4: paired from 1 Sep, one left on 25 Aug (the pairing's end is recorded as its first day) and came
    back: pairing them again from 1 Sep was refused, over a day the ended pairing never ran."""
    first_day = dt.date(2037, 9, 1)
    pair = make_pair(first_day, dt.date(2039, 8, 31))
    pair.pairing.status, pair.pairing.ends_on = "ended", first_day
    pair.pairing.ended_at = dt.datetime(2037, 8, 25, 2, 0, tzinfo=dt.UTC)
    db.session.commit()
    made = pairings.create_pairings(pair.community, pair.mentor.id, [pair.mentee.id], first_day, None,
                                    pair.convener)
    assert made[0].starts_on == first_day
