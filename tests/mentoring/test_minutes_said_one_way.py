"""Lengths said one way in mentoring: a limit reads "between 1 and N <unit>" on the form and from the service alike,
and a length shows as the rest of the app shows hours and minutes (core.i18n.format_hours)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.mentoring.helpers import make_pair
from tests.mentoring.test_public_lessons import fields
from tests.mentoring.test_public_lessons import make_pair as make_lesson_pair
from workspace.core.errors import ValidationError
from workspace.extensions import db
from workspace.mentoring.services import logs, pairings, public_lessons
from workspace.mentoring.services.logs import LogFields

DAY = dt.date(2026, 9, 10)


def _log_url(pair, suffix: str = "") -> str:
    return f"/c/{pair.community.slug}/mentoring/pairings/{pair.pairing.id}/logs/{suffix}"


@pytest.mark.parametrize("typed", ["0", "601", "-5", "－5"])
def test_a_meeting_s_length_out_of_range_is_told_once_with_its_unit(client, ctx, typed):
    pair = make_pair()
    client.login(pair.mentor)
    body = client.post_form(_log_url(pair), {"held_on": DAY.isoformat(), "duration_minutes": typed,
                                             "topics": "x"}).get_data(as_text=True)
    error = re.search(r'<p class="field-error" id="duration_minutes-error">(.*?)</p>', body, re.S).group(1)
    assert error.strip() == "Give the length, between 1 and 600 minutes."


def test_the_service_says_the_same_as_the_form(ctx):
    pair = make_pair()
    with pytest.raises(ValidationError) as refused:
        logs.create_log(pair.pairing, LogFields(held_on=DAY, duration_minutes=0), actor=pair.mentor)
    assert dict(refused.value.errors)["duration_minutes"] == "Give the length, between 1 and 600 minutes."
    with pytest.raises(ValidationError) as refused:
        pairings.check_milestone_items([{"title": "見面", "days": 4000}])
    assert "Give the days after the start, between 0 and 3650 days." in str(refused.value.errors)
    with pytest.raises(ValidationError) as refused:
        pairings.save_settings(pair.community, 0, [], actor=pair.convener)
    assert dict(refused.value.errors)["term_months"] == "Give the term, between 1 and 120 months."


def test_a_milestone_s_days_out_of_range_on_the_settings_form(client, ctx):
    pair = make_pair()
    client.login(pair.convener)
    body = client.post_form(f"/c/{pair.community.slug}/mentoring/settings", {
        "term_months": "12", "milestones-0-title": "見面", "milestones-0-days": "4000", "milestones-0-owner": "mentor",
        "milestones-0-kind": "meeting"}).get_data(as_text=True)
    assert "Give the days after the start, between 0 and 3650 days." in body
    assert "Number must be between" not in body


@pytest.mark.parametrize(("minutes", "shown"), [(45, "45 minutes"), (60, "1 hour"), (90, "1.5 hours"),
                                                 (100, "1 hour 40 minutes")])
def test_a_meeting_s_length_shows_in_hours_and_minutes_as_everywhere(client, ctx, minutes, shown):
    pair = make_pair()
    logs.create_log(pair.pairing, LogFields(held_on=DAY, duration_minutes=minutes, topics="班級經營"),
                    actor=pair.mentor)
    db.session.commit()
    client.login(pair.mentor)
    assert shown in client.get(_log_url(pair)).get_data(as_text=True)
    client.login(pair.convener)  # the dates and lengths a convener sees say it the same way
    assert f"· {shown}</li>" in client.get(_log_url(pair)).get_data(as_text=True)


def test_a_public_lesson_s_longest_length_is_said_in_hours(ctx):
    pair = make_lesson_pair()
    with pytest.raises(ValidationError) as refused:
        public_lessons.check_lesson(pair.community, fields(pair, starts=dt.time(8, 0), ends=dt.time(13, 0)),
                                    actor=pair.mentee)
    assert dict(refused.value.errors)["ends"] == "A public lesson lasts at most 4 hours: check the end."


def test_a_note_s_minute_is_refused_in_one_way_by_the_form_the_script_and_the_service(client, ctx):
    """The pair helper's list: the note form said WTForms' "Number must be between 0 and 600.", the service "from 0 to
    600", the script its own copy of the form's; one message now, as a meeting log's length."""
    from workspace.mentoring.forms.observations import NoteForm
    from workspace.mentoring.services import observations

    said = "Give the minute of the lesson, between 0 and 600."
    assert NoteForm.minute_range() == said
    pair = make_pair()
    observation = observations.create_observation(pair.community, observations.PlanFields(
        observed_id=pair.mentee.id, observed_on=dt.date(2026, 10, 5), lesson_starts_at=dt.time(9, 0), subject="數學",
        focus="", pairing_id=pair.pairing.id), actor=pair.mentor)
    db.session.commit()
    with pytest.raises(ValidationError) as refused:
        observations.add_note(observation, observations.NoteFields(client_key="k", text="板書", minute=700),
                              actor=pair.mentor)
    assert dict(refused.value.errors)["minute"] == said
    db.session.rollback()
    client.login(pair.mentor)
    page = client.get(f"/c/{pair.community.slug}/mentoring/observations/{observation.id}").get_data(as_text=True)
    assert f'data-minute-range="{said}"' in page and 'max="600"' in page
    body = client.post_form(f"/c/{pair.community.slug}/mentoring/observations/{observation.id}/notes",
                            {"client_key": "k2", "minute": "700", "text": "板書"}).get_data(as_text=True)
    assert said in body and "Number must be between" not in body


@pytest.mark.parametrize("typed", ["-3", "−3", "700"])
def test_a_note_s_minute_below_zero_gets_the_range_sentence_too(client, ctx, typed):
    """QA 9: "-3" read "Number must be at least 0." without JavaScript: a whole number out of range, said as one."""
    from workspace.mentoring.services import observations

    pair = make_pair()
    observation = observations.create_observation(pair.community, observations.PlanFields(
        observed_id=pair.mentee.id, observed_on=dt.date(2026, 10, 5), lesson_starts_at=dt.time(9, 0), subject="數學",
        focus="", pairing_id=pair.pairing.id), actor=pair.mentor)
    db.session.commit()
    client.login(pair.mentor)
    body = client.post_form(f"/c/{pair.community.slug}/mentoring/observations/{observation.id}/notes",
                            {"client_key": "k3", "minute": typed, "text": "板書"}).get_data(as_text=True)
    error = re.search(r'<p class="field-error" id="minute-error">(.*?)</p>', body, re.S).group(1)
    assert error.strip() == "Give the minute of the lesson, between 0 and 600."
