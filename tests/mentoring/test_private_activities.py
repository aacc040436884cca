"""A pair's meeting or observation recorded as a community activity counts for the funder's rules, but who guides
whom and when stays the pair's: only the pair, the conveners and admins read it, on its page, in the lists, the
month calendar, the calendar feeds and the participation rows; nobody else gives it feedback or asks leave; the
compliance panel counts it for everyone and names it only to those who see the pairings (QA: members and reviewers
read "新進教師輔導：林老師" with both names, and a member's feedback on it counted as evidence)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from tests.factories import make_reviewer, make_user
from tests.mentoring.helpers import make_pair
from workspace.activities import feeds
from workspace.activities import services as activities
from workspace.activities.models import Activity, Feedback
from workspace.core.permissions import can
from workspace.extensions import db
from workspace.mentoring.services import logs
from workspace.mentoring.services.logs import LogFields

DAY = dt.date(2026, 9, 10)


@pytest.fixture()
def recorded(ctx):
    """A pair whose meeting was recorded as an activity, and an ordinary activity of the same day."""
    pair = make_pair()
    log = logs.create_log(pair.pairing, LogFields(held_on=DAY, duration_minutes=45, topics="班級經營", notes="",
                                                  as_activity=True), actor=pair.mentor)
    open_meeting = activities.create_activity(pair.community, activities.ActivityFields(
        title="全體共同備課", method="collaborative_planning", starts_at=dt.datetime(2026, 9, 10, 9, 0),
        ends_at=dt.datetime(2026, 9, 10, 10, 0)), actor=pair.convener)
    db.session.commit()
    pair.meeting = db.session.get(Activity, log.activity_id)
    pair.open_meeting = open_meeting
    pair.reviewer = make_reviewer(None)  # the county's: every community
    pair.admin = make_user(is_admin=True)
    db.session.commit()
    return pair


def test_the_recorded_meeting_is_private_and_read_by_the_pair_the_conveners_and_admins(recorded):
    meeting = recorded.meeting
    assert meeting.private and meeting.named_only
    for reader in (recorded.mentor, recorded.mentee, recorded.convener, recorded.admin):
        assert can(reader, "view", meeting), reader.display_name
    for outsider in (recorded.colleague, recorded.reviewer):
        assert not can(outsider, "view", meeting), outsider.display_name
        assert can(outsider, "view", recorded.open_meeting), outsider.display_name
    assert not can(recorded.colleague, "give_feedback", meeting)
    assert not can(recorded.colleague, "sign_in", meeting) and not can(recorded.colleague, "request_leave", meeting)
    assert can(recorded.mentee, "give_feedback", meeting)


def test_a_colleague_and_a_reviewer_neither_open_nor_list_it(client, recorded):
    slug, meeting = recorded.community.slug, recorded.meeting
    for outsider in (recorded.colleague, recorded.reviewer):
        client.login(outsider)
        assert client.get(f"/c/{slug}/activities/{meeting.id}").status_code == 404
        past = client.get(f"/c/{slug}/activities/?when=past").get_data(as_text=True)
        calendar = client.get(f"/c/{slug}/activities/calendar?month=2026-09").get_data(as_text=True)
        participation = client.get(f"/c/{slug}/activities/participation?start=2026-09-01&end=2026-09-30")
        for page in (past, calendar, participation.get_data(as_text=True)):
            assert "全體共同備課" in page  # the community's own activity is there
            assert meeting.title not in page
        assert "林老師" not in past and "林老師" not in calendar  # (participation lists her as a member, as before)
    client.login(recorded.convener)
    for path in (f"/c/{slug}/activities/{meeting.id}", f"/c/{slug}/activities/?when=past",
                 f"/c/{slug}/activities/calendar?month=2026-09",
                 f"/c/{slug}/activities/participation?start=2026-09-01&end=2026-09-30"):
        assert meeting.title in client.get(path).get_data(as_text=True), path


def test_a_colleagues_feedback_on_it_is_refused_and_not_stored(client, recorded):
    client.login(recorded.colleague)
    response = client.post_form(f"/c/{recorded.community.slug}/activities/{recorded.meeting.id}/feedback",
                                {"satisfaction": "1", "comment": "我沒去"})
    assert response.status_code == 404
    assert db.session.scalar(select(Feedback.id)) is None


def test_the_calendar_feeds_hold_it_only_for_the_pair(recorded):
    for person, expected in ((recorded.mentee, True), (recorded.colleague, False)):
        held = {activity.id for activity in feeds.feed_activities(feeds.ensure_feed(person, recorded.community),
                                                                  now=dt.datetime(2026, 9, 11, tzinfo=dt.UTC))}
        assert recorded.open_meeting.id in held
        assert (recorded.meeting.id in held) is expected, person.display_name
