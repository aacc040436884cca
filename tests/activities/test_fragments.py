"""The activity list's rows are cached fragments: an edit or a cancellation draws the row anew."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.activities.helpers import make_club
from workspace.activities import services
from workspace.extensions import db


@pytest.fixture()
def club(ctx):
    return make_club()


def _row(page: str, activity_id: int) -> str:
    start = page.index(f'id="activity-{activity_id}"')
    return page[start:page.index("</li>", start)]


def test_an_edit_and_a_cancellation_redraw_the_row(club, client):
    activity = club.activity("分數教學觀課", place="自然教室")
    client.login(club.member)
    row = _row(client.get("/c/club/activities/").get_data(as_text=True), activity.id)
    assert "分數教學觀課" in row and "自然教室" in row and "Cancelled" not in row

    starts = dt.datetime(2037, 12, 3, 9, 0)
    services.update_activity(activity, services.ActivityFields(
        title="分數教學觀課（改期）", method=activity.method, starts_at=starts, ends_at=starts + dt.timedelta(hours=1),
        place="視聽教室"), actor=club.convener, base_version=activity.version)
    db.session.commit()
    row = _row(client.get("/c/club/activities/").get_data(as_text=True), activity.id)
    assert "分數教學觀課（改期）" in row and "視聽教室" in row and "自然教室" not in row and "09:00" in row

    services.cancel_activity(activity, "颱風停課", actor=club.convener)
    db.session.commit()
    assert "Cancelled" in _row(client.get("/c/club/activities/").get_data(as_text=True), activity.id)


def test_the_rows_follow_each_readers_language(club, client):
    activity = club.activity()
    client.login(club.member)
    english = _row(client.get("/c/club/activities/").get_data(as_text=True), activity.id)
    club.member.locale = "zh_Hant"
    db.session.commit()
    chinese = _row(client.get("/c/club/activities/").get_data(as_text=True), activity.id)
    assert "Wed" in english and "Wed" not in chinese  # 2 December 2037 is a Wednesday
    assert "In person" in english and "In person" not in chinese
