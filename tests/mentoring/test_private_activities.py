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
from workspace.core.errors import ValidationError
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
                 f"/c/{slug}/activities/calendar?month=2026-09"):
        assert meeting.title in client.get(path).get_data(as_text=True), path
    # The participation page reads the records, which call it by a neutral name (as every report does).
    participation = client.get(f"/c/{slug}/activities/participation?start=2026-09-01&end=2026-09-30")
    assert "A mentoring record kept to the pair" in participation.get_data(as_text=True)


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


def test_its_sign_in_page_and_its_month_are_not_there_for_the_others(client, recorded):
    """QA: the sign-in page (403, titled with the pair) and the monthly plans page (planned and held, linked) named
    it to every member and reviewer."""
    slug, meeting = recorded.community.slug, recorded.meeting
    for outsider in (recorded.colleague, recorded.reviewer):
        client.login(outsider)
        assert client.get(f"/c/{slug}/activities/{meeting.id}/sign-in").status_code == 404
        assert client.get(f"/c/{slug}/activities/{meeting.id}/sign-in?t=x").status_code == 404
    assert activities.activities_in_month(recorded.community, DAY) == [recorded.open_meeting]


def test_a_plan_cannot_link_it_by_a_post_the_picker_would_not_make(client, recorded):
    """QA: the picker hid it, but a direct POST linked it and the plan then showed it to every member."""
    from workspace.core import links
    from workspace.plans import services as plans

    doc = plans.create_plan(recorded.community, plans.PlanFields(topic="分數"), actor=recorded.convener)
    db.session.commit()
    client.login(recorded.mentor)
    answer = client.post_form(f"/c/{recorded.community.slug}/plans/{doc.id}/links",
                              {"target": f"activity:{recorded.meeting.id}", "role": "meeting"})
    assert answer.status_code == 302  # back to the plan, which says why (as for any activity it cannot link)
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Choose one of this community" in page and "activities." in page
    with pytest.raises(ValidationError):  # nor the convener, through the service
        plans.link_target(doc, "activity", recorded.meeting.id, "meeting", actor=recorded.convener)
    assert links.links_from(doc, to_kind="activity") == []


def test_the_ledgers_attendance_counts_it_without_marking_names(recorded, app):
    """The activity ledger's attendance matrix counts it (its column, its totals) but marks no one against it."""
    from workspace.activities import records
    from workspace.core.records import Period

    period = Period(dt.date(2026, 8, 1), dt.date(2027, 7, 31))
    report = records.participation([recorded.community.id], period, now=dt.datetime(2026, 9, 11, tzinfo=dt.UTC))
    row = next(row for row in report.activities if row.activity.id == recorded.meeting.id)
    assert row.activity.private and row.activity.title == "A mentoring record kept to the pair"
    assert row.attended == 2
