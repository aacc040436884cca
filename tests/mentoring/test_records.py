"""The mentoring read module: mentees and mentors of the pairings overlapping a period, public lessons (cancelled
ones left out, held = over), and the counts a reviewer may see (trashed logs and observations left out)."""

from __future__ import annotations

import datetime as dt

from tests.factories import add_member, make_user
from tests.mentoring.helpers import make_pair
from workspace.core.database import utcnow
from workspace.core.records import Period
from workspace.extensions import db
from workspace.mentoring import records
from workspace.mentoring.models import MeetingLog, Observation, ObservationForm, Pairing, PairingStatus
from workspace.mentoring.services import public_lessons as lessons

FIRST_SEMESTER = Period(dt.date(2026, 8, 1), dt.date(2027, 1, 31))
SECOND_SEMESTER = Period(dt.date(2027, 2, 1), dt.date(2027, 7, 31))


def give(pair, day: dt.date, *, start: dt.time = dt.time(10, 0)):
    lesson = lessons.schedule_lesson(pair.community, lessons.LessonFields(
        teacher_id=pair.mentee.id, topic="公開課", day=day, starts=start,
        ends=(dt.datetime.combine(day, start) + dt.timedelta(minutes=40)).time()), actor=pair.mentee)
    db.session.commit()
    return lesson


def test_mentees_and_mentors_of_pairings_overlapping_the_period(ctx):
    pair = make_pair(dt.date(2026, 9, 1), dt.date(2028, 8, 31))
    later = make_user()
    add_member(pair.community, later)
    db.session.add(Pairing(community_id=pair.community.id, mentor_id=pair.mentor.id, mentee_id=later.id,
                           starts_on=dt.date(2027, 2, 1), ends_on=dt.date(2029, 1, 31)))
    db.session.commit()
    found = records.mentees([pair.community.id], FIRST_SEMESTER)
    assert [(row.user_id, row.mentor_id, row.starts_on, row.ends_on) for row in found] == [
        (pair.mentee.id, pair.mentor.id, dt.date(2026, 9, 1), dt.date(2028, 8, 31))]
    assert {row.user_id for row in records.mentees([pair.community.id], SECOND_SEMESTER)} == {pair.mentee.id, later.id}
    assert [(row.user_id, row.mentee_id) for row in records.mentors([pair.community.id], FIRST_SEMESTER)] == [
        (pair.mentor.id, pair.mentee.id)]
    assert records.mentees([], FIRST_SEMESTER) == []


def test_a_pairing_ended_early_ends_on_the_day_it_was_ended(ctx):
    pair = make_pair(dt.date(2026, 9, 1))
    pair.pairing.status = PairingStatus.ENDED.value
    pair.pairing.ended_at = dt.datetime(2026, 12, 1, 4, 0, tzinfo=dt.UTC)
    db.session.commit()
    assert [row.ends_on for row in records.mentees([pair.community.id], FIRST_SEMESTER)] == [dt.date(2026, 12, 1)]
    assert records.mentees([pair.community.id], SECOND_SEMESTER) == []


def test_public_lessons_in_the_period_cancelled_ones_out_held_when_over(ctx):
    pair = make_pair()
    held = give(pair, dt.date(2026, 10, 14))
    cancelled = give(pair, dt.date(2026, 11, 4))
    lessons.cancel_lesson(cancelled, "", actor=pair.mentee)
    give(pair, dt.date(2027, 3, 3))  # the second semester
    db.session.commit()
    now = dt.datetime(2026, 12, 2, tzinfo=dt.UTC)
    rows = records.public_lessons([pair.community.id], FIRST_SEMESTER, now=now)
    assert [(row.id, row.teacher_id, row.day, row.held, row.activity_id) for row in rows] == [
        (held.id, pair.mentee.id, dt.date(2026, 10, 14), True, held.activity_id)]
    early = records.public_lessons([pair.community.id], FIRST_SEMESTER, now=dt.datetime(2026, 10, 1, tzinfo=dt.UTC))
    assert [row.held for row in early] == [False]
    assert len(records.public_lessons([pair.community.id], SECOND_SEMESTER, now=now)) == 1


def test_a_lesson_belongs_to_the_local_day_it_starts(ctx):
    pair = make_pair()
    give(pair, dt.date(2027, 1, 31), start=dt.time(7, 30))  # before 08:00 local: still 30 January in UTC
    rows = records.public_lessons([pair.community.id], FIRST_SEMESTER)
    assert [row.day for row in rows] == [dt.date(2027, 1, 31)]
    assert records.public_lessons([pair.community.id], SECOND_SEMESTER) == []


def test_pairing_counts_leave_out_trashed_logs_and_observations_and_other_periods(ctx):
    pair, quiet = make_pair(), make_pair()
    form = ObservationForm(title="觀課紀錄表", rows=[], levels=[])
    db.session.add(form)
    db.session.flush()
    for day, deleted in ((dt.date(2026, 9, 10), False), (dt.date(2026, 9, 20), True), (dt.date(2027, 3, 1), False)):
        db.session.add(MeetingLog(pairing_id=pair.pairing.id, held_on=day, duration_minutes=30,
                                  deleted_at=utcnow() if deleted else None))
        db.session.add(Observation(community_id=pair.community.id, pairing_id=pair.pairing.id,
                                   observer_id=pair.mentor.id, observed_id=pair.mentee.id, form_id=form.id,
                                   observed_on=day, deleted_at=utcnow() if deleted else None))
    db.session.commit()
    counts = records.pairing_counts([pair.community.id, quiet.community.id], FIRST_SEMESTER)
    assert [(row.community_id, row.pairings, row.meeting_logs, row.observations) for row in counts] == sorted([
        (pair.community.id, 1, 1, 1), (quiet.community.id, 1, 0, 0)])


def test_the_reads_cost_the_same_for_one_or_many_records(ctx, count_queries):
    pair = make_pair()
    give(pair, dt.date(2026, 10, 14))

    def cost() -> int:
        with count_queries() as queries:
            records.mentees([pair.community.id], FIRST_SEMESTER)
            records.public_lessons([pair.community.id], FIRST_SEMESTER)
            records.pairing_counts([pair.community.id], FIRST_SEMESTER)
        return len(queries)

    one = cost()
    for index in range(10):
        give(pair, dt.date(2026, 10, 15) + dt.timedelta(days=index))
    assert cost() == one
