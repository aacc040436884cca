"""A pair's records and public lessons are dated within a plausible window, as meeting logs are: an observation or a
public lesson within the pairing's term (outside a pairing, within the school year around today), a goal due on
or after the pairing's start. The message says the days allowed, in the reader's language (robustness QA)."""

from __future__ import annotations

import datetime as dt

import pytest
from flask_babel import force_locale

from tests.mentoring.helpers import make_pair
from workspace.core.database import utcnow
from workspace.core.errors import ValidationError
from workspace.core.records import local_day
from workspace.extensions import db
from workspace.mentoring.models import Goal, Observation, PublicLesson
from workspace.mentoring.services import goals, observations, public_lessons
from workspace.mentoring.services.terms import school_years_ahead

FIRST, LAST = dt.date(2026, 9, 1), dt.date(2028, 8, 31)  # make_pair's default term


def _refused(call) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value


def _plan(pair, day: dt.date, *, paired: bool = True) -> observations.PlanFields:
    return observations.PlanFields(observed_id=pair.mentee.id if paired else pair.colleague.id, observed_on=day,
                                   pairing_id=pair.pairing.id if paired else None)


def _lesson(teacher_id: int, day: dt.date) -> public_lessons.LessonFields:
    return public_lessons.LessonFields(teacher_id=teacher_id, topic="分數", day=day, starts=dt.time(9, 0),
                                       ends=dt.time(9, 40))


@pytest.mark.parametrize(("locale", "said"), [
    ("en", "Date the lesson from Sep 1, 2026 to Aug 31, 2028: within the pairing."),
    ("zh_Hant", "2026年9月1日"), ("zh_Hans", "2028年8月31日")])
def test_a_pair_s_observation_in_1900_is_refused_with_the_pairing_s_term(ctx, locale, said):
    pair = make_pair()
    with force_locale(locale):
        error = _refused(lambda: observations.create_observation(pair.community, _plan(pair, dt.date(1900, 1, 1)),
                                                                 actor=pair.mentor))
    assert error.errors == [("observed_on", error.errors[0][1])] and said in error.errors[0][1]
    assert observations.create_observation(pair.community, _plan(pair, LAST), actor=pair.mentor).id


def test_an_observation_outside_a_pairing_is_held_to_the_school_year(ctx):
    pair = make_pair()
    year = school_years_ahead(local_day(utcnow()))
    with pytest.raises(ValidationError) as caught:
        observations.create_observation(pair.community, _plan(pair, year.first - dt.timedelta(days=1), paired=False),
                                        actor=pair.mentor)
    assert caught.value.field == "observed_on" and "within this school year or the next" in caught.value.message
    with pytest.raises(ValidationError):  # past the next school year
        observations.create_observation(pair.community, _plan(pair, year.last + dt.timedelta(days=1), paired=False),
                                        actor=pair.mentor)
    # planned ahead: the next school year's first week is within reach (in July a teacher plans September)
    observations.create_observation(pair.community, _plan(pair, year.last - dt.timedelta(days=330), paired=False),
                                    actor=pair.mentor)
    kept = observations.create_observation(pair.community, _plan(pair, year.first, paired=False), actor=pair.mentor)
    kept.observed_on = dt.date(2001, 5, 5)  # recorded before the window was held: its day stays editable around it
    db.session.commit()
    observations.update_plan(kept, _plan(pair, dt.date(2001, 5, 5), paired=False), actor=pair.mentor)


def test_a_public_lesson_is_held_to_the_teacher_s_pairing_or_the_school_year(ctx):
    pair = make_pair()
    error = _refused(lambda: public_lessons.schedule_lesson(pair.community, _lesson(pair.mentee.id,
                                                                                     dt.date(1900, 1, 1)),
                                                            actor=pair.convener))
    assert error.field == "day" and "Sep 1, 2026" in error.message
    error = _refused(lambda: public_lessons.schedule_lesson(pair.community, _lesson(pair.colleague.id,
                                                                                     dt.date(1900, 1, 1)),
                                                            actor=pair.convener))
    assert error.field == "day" and "within this school year or the next" in error.message
    assert db.session.query(PublicLesson).count() == 0


def test_a_goal_due_before_the_pairing_starts_is_refused_but_a_kept_one_stays(ctx):
    pair = make_pair()
    error = _refused(lambda: goals.create_goal(pair.pairing, goals.GoalFields("提問", "", dt.date(1900, 1, 1)),
                                               actor=pair.mentee))
    assert error.field == "due_on" and "Sep 1, 2026" in error.message
    goal = goals.create_goal(pair.pairing, goals.GoalFields("提問", "", FIRST), actor=pair.mentee)
    goal.due_on = dt.date(2020, 1, 1)  # set before the check: an edit of its title keeps it
    db.session.commit()
    goals.update_goal(goal, goals.GoalFields("提問技巧", "", dt.date(2020, 1, 1)), actor=pair.mentee,
                      base_version=goal.version)
    assert db.session.get(Goal, goal.id).title == "提問技巧"


def test_a_goal_due_after_the_pairing_ends_is_refused_beside_the_field(ctx):
    """QA: a goal due 2099 was saved on a pairing ending 2028; logs, milestones and observations are bounded."""
    pair = make_pair()
    last = pair.pairing.ends_on
    error = _refused(lambda: goals.create_goal(pair.pairing, goals.GoalFields("很遠的目標", "", dt.date(2099, 1, 1)),
                                               actor=pair.mentee))
    assert error.field == "due_on" and "Sep 1, 2026" in error.message and "Aug 31, 2028" in error.message
    goal = goals.create_goal(pair.pairing, goals.GoalFields("提問", "", last), actor=pair.mentee)
    error = _refused(lambda: goals.update_goal(goal, goals.GoalFields("提問", "", last + dt.timedelta(days=1)),
                                               actor=pair.mentee, base_version=goal.version))
    assert error.field == "due_on"
    assert db.session.get(Goal, goal.id).due_on == last


def test_the_forms_say_the_window_beside_the_field_in_the_reader_s_language(client, ctx):
    pair = make_pair()
    pair.mentor.locale = "zh_Hant"
    db.session.commit()
    client.login(pair.mentor)
    slug = pair.community.slug
    response = client.post_form(f"/c/{slug}/mentoring/pairings/{pair.pairing.id}/goals/",
                                {"title": "提問", "status": "open", "due_on": "1900-01-01"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="due_on-error"' in body and "2026年9月1日" in body
    assert 'value="1900-01-01"' in body
    response = client.post_form(f"/c/{slug}/mentoring/observations/new", {
        "observed_id": str(pair.mentee.id), "observed_on": "1900-01-01", "pairing_id": str(pair.pairing.id)})
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="observed_on-error"' in body and "2028年8月31日" in body
    assert db.session.query(Goal).count() == db.session.query(Observation).count() == 0
