"""Activity pages run a fixed number of queries, whatever the number of activities and members (no N+1)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.activities.helpers import make_club, now_local
from tests.factories import add_member, make_user
from tests.measuring import measure
from workspace.activities import services
from workspace.core.cache import current_generation
from workspace.extensions import db

LIMIT = 23  # a page, whatever the size of the community (the activity page reads evidence, feedback, links too)
POLL_LIMIT = 1  # the unchanged board poll: the write counter, then 204


@pytest.fixture(autouse=True)
def _render_every_time(app, monkeypatch):
    """Measure the pages themselves, not the page cache (tests/core/test_cache.py covers that)."""
    monkeypatch.setitem(app.config, "PAGE_CACHE", False)


def grow(club, count: int, members: list) -> list:
    """`count` activities in the future and as many in the past, with speakers and attendance marks."""
    made = []
    for number in range(count):
        for days in (3 + number, -3 - number):
            activity = club.activity(f"A{days}", starts=now_local() + dt.timedelta(days=days),
                                     subjects="數學, 自然", speakers=[
                                         services.SpeakerFields(name="張教授", external=True, hours="1"),
                                         services.SpeakerFields(name="林老師", hours="1")])
            services.set_attendance(activity, {person.id: "present" for person in members[:3]},
                                    actor=club.convener, now=activity.starts_at)
            made.append(activity)
    db.session.commit()
    return made


def add_members(club, count: int) -> list:
    return [add_member(club.community, make_user(display_name=f"成員 {number}")).user for number in range(count)]


def test_the_list_and_the_calendar_do_not_grow_with_the_activities(client, ctx, count_queries):
    club = make_club()
    members = [club.member, club.other, club.convener]
    client.login(club.member)
    month = now_local().strftime("%Y-%m")
    grow(club, 3, members)
    pages = ("/c/club/activities/", "/c/club/activities/?when=past", f"/c/club/activities/calendar?month={month}")
    small = [measure(client, count_queries, path) for path in pages]
    grow(club, 37, members)  # 40 each way: two pages of the list, a full month
    big = [measure(client, count_queries, path) for path in pages]
    assert big == small, (small, big)
    assert max(big) <= LIMIT, big


def test_an_activity_and_its_attendance_table_do_not_grow_with_the_members(client, ctx, count_queries):
    club = make_club()
    client.login(club.convener)

    def pages_with(members: list) -> list[int]:
        activity = club.activity(starts=now_local() - dt.timedelta(minutes=5), recorder_id=club.member.id,
                                 agenda="- 暖身", speakers=[services.SpeakerFields(name="張教授", hours="2")])
        token = services.sign_in_token(activity)
        for person in members:
            services.sign_in(activity, token, actor=person)
        for person in members[::4]:
            services.request_leave(activity, "研習", actor=person, now=activity.starts_at - dt.timedelta(days=1))
        services.save_minutes(activity, "## 決議", "", actor=club.convener, base_version=1)
        db.session.commit()
        base = f"/c/club/activities/{activity.id}"
        return [measure(client, count_queries, path) for path in
                (base, f"{base}/attendance", f"{base}/board", f"{base}/sheet")]

    small = pages_with([club.member, club.other, *add_members(club, 3)])  # 5 members
    big = pages_with([club.member, club.other, *add_members(club, 35)])  # 40 members
    assert big == small, (small, big)
    assert max(big) <= LIMIT, big


def test_the_board_poll_is_cheap_when_nothing_changed(client, ctx, count_queries):
    club = make_club()
    add_members(club, 20)
    activity = club.activity(starts=now_local())
    client.login(club.convener)
    unchanged = f"/c/club/activities/{activity.id}/board/attendees?gen={current_generation('club')}"
    assert measure(client, count_queries, unchanged, 204, headers={"HX-Request": "true"}) <= POLL_LIMIT
    stale = f"/c/club/activities/{activity.id}/board/attendees?gen=0"
    assert measure(client, count_queries, stale, headers={"HX-Request": "true"}) <= LIMIT


def test_the_boards_code_poll_needs_no_database_until_the_step_changes(client, ctx, count_queries, app,
                                                                       monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_IN_CODE_SECONDS", 10**9)  # one step for the whole test (until 2033)
    club = make_club()
    activity = club.activity(starts=now_local())
    client.login(club.convener)
    unchanged = f"/c/club/activities/{activity.id}/board/code?step={services.code_step()}"
    assert measure(client, count_queries, unchanged, 204, headers={"HX-Request": "true"}) == 0
    changed = f"/c/club/activities/{activity.id}/board/code?step={services.code_step() - 1}"
    assert measure(client, count_queries, changed, headers={"HX-Request": "true"}) <= LIMIT
