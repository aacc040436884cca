"""Calendar feeds: the ICS content, who sees what, secret addresses that can be replaced, and the pages."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from icalendar import Calendar

from tests.activities.helpers import make_club
from tests.factories import add_member, make_community, make_reviewer, make_user
from workspace.activities import feeds, services
from workspace.activities.models import CalendarFeed
from workspace.communities import services as community_services
from workspace.communities.models import Membership
from workspace.core.database import utcnow
from workspace.core.errors import NotAllowed
from workspace.extensions import db


@pytest.fixture(autouse=True)
def _render_every_time(app, monkeypatch):
    """Measure and check the pages themselves, not the page cache."""
    monkeypatch.setitem(app.config, "PAGE_CACHE", False)


def local_in(days: int, hour: int = 14) -> dt.datetime:
    """A local wall-clock time `days` from today (naive, the deployment's zone)."""
    today = services.to_local(utcnow()).date()
    return dt.datetime.combine(today + dt.timedelta(days=days), dt.time(hour, 0))


def parse(body: bytes) -> Calendar:
    return Calendar.from_ical(body)


def events_of(body: bytes) -> dict[str, object]:
    return {str(event["summary"]): event for event in parse(body).walk("VEVENT")}


def feed_path(token: str) -> str:
    return f"/calendar/{token}.ics"


def addresses(client, slug: str) -> dict[str, str]:
    page = client.get(f"/c/{slug}/activities/feed")
    assert page.status_code == 200
    found = dict(re.findall(r'id="feed-url-(community|personal)" type="text" readonly value="[^"]*?/calendar/'
                            r'([A-Za-z0-9_-]+)\.ics"', page.get_data(as_text=True)))
    assert set(found) == {"community", "personal"}
    return found


# --- the ICS file ----------------------------------------------------------------------------------


def test_the_ics_parses_back_with_utc_times_chinese_titles_status_and_sequence(ctx, app):
    club = make_club()
    club.member.locale = "en"
    held = club.activity("五年級數學共同備課", starts=local_in(3, 14), agenda="- 暖身\n- 討論分數的教學",
                         method="collaborative_planning")
    online = club.activity("線上讀書會", starts=local_in(5, 19), mode="online",
                           meeting_url="https://meet.example.test/abc", place="")
    cancelled = club.activity("取消的觀課", starts=local_in(7, 9), method="observation_feedback")
    services.cancel_activity(cancelled, "颱風停課", actor=club.convener)
    club.activity("太久以前", starts=local_in(-61))  # older than the feed's window
    db.session.commit()

    feed = feeds.ensure_feed(club.member, club.community)
    activities = feeds.feed_activities(feed)
    assert [activity.title for activity in activities] == ["五年級數學共同備課", "線上讀書會", "取消的觀課"]
    body = feeds.build_ics(activities, name="光華數學社群", url_of=lambda a: f"https://plc.example.test/a/{a.id}",
                           locale="en")
    assert isinstance(body, bytes)
    assert "五年級數學共同備課".encode() in body.replace(b"\r\n ", b"")  # UTF-8, not escaped away
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))  # folded (octets, CRLF excluded)

    calendar = parse(body)
    assert str(calendar["version"]) == "2.0" and "PLC Workspace" in str(calendar["prodid"])
    assert str(calendar["x-wr-calname"]) == "光華數學社群"
    assert str(calendar["x-wr-timezone"]) == app.config["TIMEZONE"]
    events = {str(event["uid"]): event for event in calendar.walk("VEVENT")}
    assert len(events) == 3

    host = feeds._uid_host()
    first = events[f"activity-{held.id}@{host}"]
    start = first.decoded("dtstart")
    assert start.utcoffset() == dt.timedelta(0) and start == held.starts_at
    assert first.decoded("dtend") == held.ends_at
    assert b"DTSTART:" in body and re.search(rb"DTSTART:\d{8}T\d{6}Z", body)
    assert str(first["summary"]) == "五年級數學共同備課"
    assert str(first["location"]) == "自然教室"
    assert str(first["status"]) == "CONFIRMED"
    assert int(first["sequence"]) == held.version
    description = str(first["description"])
    assert "Collaborative lesson planning" in description and "討論分數的教學" in description
    assert f"https://plc.example.test/a/{held.id}" in description
    assert str(first["url"]) == f"https://plc.example.test/a/{held.id}"

    second = events[f"activity-{online.id}@{host}"]
    assert str(second["location"]) == "https://meet.example.test/abc"

    third = events[f"activity-{cancelled.id}@{host}"]
    assert str(third["status"]) == "CANCELLED"
    assert int(third["sequence"]) == cancelled.version == 2
    assert "取消的觀課" in str(third["summary"]) and "Cancelled" in str(third["summary"])
    assert "颱風停課" in str(third["description"])


def test_the_uid_host_comes_from_base_url(ctx, app, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", "https://plc.school.example.tw")
    club = make_club()
    activity = club.activity(starts=local_in(1))
    body = feeds.build_ics([activity], name="x", url_of=lambda a: "https://plc.school.example.tw/")
    assert [str(event["uid"]) for event in parse(body).walk("VEVENT")] == [
        f"activity-{activity.id}@plc.school.example.tw"]
    monkeypatch.setitem(app.config, "BASE_URL", "")
    body = feeds.build_ics([activity], name="x", url_of=lambda a: "https://x/")
    assert f"activity-{activity.id}@plc-workspace".encode() in body


# --- what each feed holds --------------------------------------------------------------------------


def test_the_personal_feed_covers_the_persons_communities_only(ctx):
    one, two, three = make_club("one"), make_club("two"), make_club("three")
    teacher = make_user(display_name="跨社群老師")
    add_member(one.community, teacher)
    add_member(two.community, teacher, role="mentor")
    guest_of = make_club("guests")
    add_member(guest_of.community, teacher, role="guest_expert")  # guest experts do not read activities
    one.activity("一社活動", starts=local_in(2))
    two.activity("二社活動", starts=local_in(4))
    three.activity("三社活動", starts=local_in(6))
    guest_of.activity("來賓社群活動", starts=local_in(8))

    personal = feeds.ensure_feed(teacher)
    assert personal.community_id is None
    assert [activity.title for activity in feeds.feed_activities(personal)] == ["一社活動", "二社活動"]
    community_feed = feeds.ensure_feed(teacher, two.community)
    assert [activity.title for activity in feeds.feed_activities(community_feed)] == ["二社活動"]
    with pytest.raises(NotAllowed):
        feeds.ensure_feed(teacher, three.community)
    with pytest.raises(NotAllowed):
        feeds.feed_url_token(teacher, guest_of.community)


def test_a_person_who_left_gets_an_empty_feed(ctx):
    club = make_club()
    club.activity("離開前的活動", starts=local_in(2))
    community_feed = feeds.ensure_feed(club.member, club.community)
    personal = feeds.ensure_feed(club.member)
    db.session.commit()
    assert len(feeds.feed_activities(community_feed)) == 1 and len(feeds.feed_activities(personal)) == 1

    membership = db.session.scalar(db.select(Membership).filter_by(user_id=club.member.id))
    community_services.leave_community(membership, actor=club.member)
    db.session.commit()
    assert feeds.feed_activities(community_feed) == []
    assert feeds.feed_activities(personal) == []
    assert feeds.feed_for_token(feeds.feed_token(community_feed)) is community_feed  # still answers, empty


def test_the_feed_is_bounded(ctx, monkeypatch):
    monkeypatch.setattr(feeds, "MAX_EVENTS", 3)
    club = make_club()
    for day in range(5):
        club.activity(f"第{day}次", starts=local_in(day + 1))
    feed = feeds.ensure_feed(club.member, club.community)
    assert [activity.title for activity in feeds.feed_activities(feed)] == ["第0次", "第1次", "第2次"]


# --- tokens ----------------------------------------------------------------------------------------


def test_tokens_are_derived_stored_only_as_a_hash_and_replaced_by_regenerate(ctx):
    club = make_club()
    token = feeds.feed_url_token(club.member, club.community)
    db.session.commit()
    assert feeds.feed_url_token(club.member, club.community) == token  # shown again, the same
    feed = db.session.scalar(db.select(CalendarFeed).filter_by(user_id=club.member.id))
    assert token not in feed.token_hash and len(feed.token_hash) == 64
    assert feeds.feed_for_token(token) is feed

    new = feeds.regenerate_feed(club.member, club.community)
    db.session.commit()
    assert new != token
    assert feeds.feed_for_token(token) is None
    assert feeds.feed_for_token(new) is feed
    assert feeds.feed_url_token(club.member, club.community) == new
    assert db.session.scalar(db.select(db.func.count()).select_from(CalendarFeed)) == 1

    personal = feeds.feed_url_token(club.member)
    assert personal != new and feeds.feed_for_token(personal).community_id is None


def test_bad_tokens_find_nothing(ctx):
    club = make_club()
    token = feeds.feed_url_token(club.member, club.community)
    tampered = ("A" if token[0] != "A" else "B") + token[1:]
    for bad in (tampered, token[:-1], token + "x", "", "../../etc", "x" * 10_000):
        assert feeds.feed_for_token(bad) is None, bad


def test_a_new_secret_key_retires_every_address(ctx, app, monkeypatch):
    club = make_club()
    old = feeds.feed_url_token(club.member, club.community)
    db.session.commit()
    monkeypatch.setitem(app.config, "SECRET_KEY", "another-secret-key")
    assert feeds.feed_for_token(old) is None
    fresh = feeds.feed_url_token(club.member, club.community)
    assert fresh != old and feeds.feed_for_token(fresh) is not None


def test_a_closed_account_has_no_feed(ctx):
    club = make_club()
    token = feeds.feed_url_token(club.member)
    club.member.active = False
    db.session.commit()
    assert feeds.feed_for_token(token) is None


# --- the routes ------------------------------------------------------------------------------------


def test_the_feed_page_shows_both_addresses_and_the_index_links_to_it(client, ctx):
    club = make_club()
    client.login(club.member)
    index = client.get("/c/club/activities/").get_data(as_text=True)
    assert 'href="/c/club/activities/feed"' in index
    response = client.get("/c/club/activities/feed")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'data-copy="#feed-url-community"' in html and 'data-copy="#feed-url-personal"' in html
    assert "http://workspace.test/calendar/" in html  # absolute addresses
    assert "Google Calendar" in html and "Outlook" in html and "Apple Calendar" in html
    assert html.count('name="which"') == 2
    assert "private" in response.headers["Cache-Control"] and "no-store" in response.headers["Cache-Control"]
    assert addresses(client, "club") == addresses(client, "club")  # stable across visits


def test_the_feed_serves_ics_without_a_cookie(client, ctx, make_client):
    club = make_club()
    activity = club.activity("數學共同備課", starts=local_in(2))
    client.login(club.member)
    tokens = addresses(client, "club")

    calendar_app = make_client()
    response = calendar_app.get(feed_path(tokens["community"]))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'inline; filename="club.ics"'
    assert response.headers["Cache-Control"] == "private, max-age=300"
    assert "Set-Cookie" not in response.headers
    events = events_of(response.data)
    assert list(events) == ["數學共同備課"]
    assert str(events["數學共同備課"]["url"]) == f"http://workspace.test/c/club/activities/{activity.id}"

    personal = calendar_app.get(feed_path(tokens["personal"]))
    assert personal.status_code == 200 and "Set-Cookie" not in personal.headers
    assert personal.headers["Content-Disposition"] == 'inline; filename="my-activities.ics"'
    assert list(events_of(personal.data)) == ["數學共同備課"]
    assert calendar_app.head(feed_path(tokens["community"])).status_code == 200


def test_the_feed_is_written_in_the_owners_language(client, ctx, make_client):
    club = make_club()
    club.member.locale = "en"
    db.session.commit()
    club.activity(starts=local_in(2), method="collaborative_planning")
    client.login(club.member)
    token = addresses(client, "club")["personal"]
    response = make_client().get(feed_path(token), headers={"Accept-Language": "zh-TW"})
    calendar = parse(response.data)
    assert str(calendar["x-wr-calname"]) == "My PLC activities"
    assert "Collaborative lesson planning" in str(next(iter(calendar.walk("VEVENT")))["description"])


def test_unknown_tampered_and_regenerated_addresses_answer_404(client, ctx, make_client):
    club = make_club()
    client.login(club.member)
    tokens = addresses(client, "club")
    calendar_app = make_client()
    token = tokens["community"]
    tampered = ("A" if token[0] != "A" else "B") + token[1:]
    for path in (feed_path(tampered), feed_path("x" * 43), feed_path("short"), feed_path("é" * 43)):
        response = calendar_app.get(path)
        assert response.status_code == 404, path
        assert "Set-Cookie" not in response.headers

    for which in ("community", "personal"):
        old = tokens[which]
        response = client.post_form("/c/club/activities/feed/regenerate", {"which": which})
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/c/club/activities/feed#feed-{which}")
        tokens = addresses(client, "club")
        assert tokens[which] != old
        assert calendar_app.get(feed_path(old)).status_code == 404
        assert calendar_app.get(feed_path(tokens[which])).status_code == 200
    assert client.post_form("/c/club/activities/feed/regenerate", {"which": "everything"}).status_code == 400


def test_a_person_who_left_gets_an_empty_calendar_not_an_error(client, ctx, make_client):
    club = make_club()
    club.activity(starts=local_in(2))
    client.login(club.member)
    token = addresses(client, "club")["community"]
    membership = db.session.scalar(db.select(Membership).filter_by(user_id=club.member.id))
    community_services.leave_community(membership, actor=club.member)
    db.session.commit()
    response = make_client().get(feed_path(token))
    assert response.status_code == 200
    assert list(parse(response.data).walk("VEVENT")) == []


def test_the_regenerate_post_needs_the_csrf_token(client, ctx):
    club = make_club()
    client.login(club.member)
    tokens = addresses(client, "club")
    response = client.post("/c/club/activities/feed/regenerate", data={"which": "community"})
    assert response.status_code == 400
    assert addresses(client, "club") == tokens


# The feed routes are also in the activities permission walk (tests/activities/test_permissions.py); this
# adds the mentor and the personal feed's button.
@pytest.mark.parametrize(("who", "page", "post"), [
    ("convener", 200, 302),
    ("member", 200, 302),
    ("mentor", 200, 302),
    ("guest_expert", 403, 403),
    ("reviewer", 200, 302),
    ("outsider", 404, 404),
    ("anonymous", 302, 302),
])
def test_who_may_open_the_feed_page(client, ctx, who, page, post):
    club = make_club()
    people = {"convener": club.convener, "member": club.member}
    if who in {"mentor", "guest_expert"}:
        people[who] = add_member(club.community, make_user(), role=who).user
    elif who == "reviewer":
        people[who] = make_reviewer(club.community.schools[0])
    elif who == "outsider":
        people[who] = add_member(make_community(), make_user()).user
    if who != "anonymous":
        client.login(people[who])
    response = client.get("/c/club/activities/feed")
    assert response.status_code == page
    if who == "anonymous":
        assert "/login" in response.headers["Location"]
    answer = client.post_form("/c/club/activities/feed/regenerate", {"which": "personal"})
    assert answer.status_code == post
    if who == "anonymous":
        assert "/login" in answer.headers["Location"]


# --- queries ---------------------------------------------------------------------------------------


def test_the_feed_runs_the_same_queries_for_3_or_40_activities(client, ctx, make_client, count_queries):
    club = make_club()
    other = make_club("other")
    add_member(other.community, club.member)
    client.login(club.member)
    tokens = addresses(client, "club")
    calendar_app = make_client()

    def measure(token: str) -> int:
        calendar_app.get(feed_path(token))  # warm up
        with count_queries() as queries:
            response = calendar_app.get(feed_path(token))
        assert response.status_code == 200
        return len(queries)

    for number in range(3):
        club.activity(f"小 {number}", starts=local_in(number + 1))
        other.activity(f"他 {number}", starts=local_in(number + 1))
    small = {which: measure(token) for which, token in tokens.items()}
    for number in range(37):
        club.activity(f"大 {number}", starts=local_in(number % 50 + 1, hour=8 + number % 10),
                      mode="online", meeting_url="https://meet.example.test/x")
        other.activity(f"另 {number}", starts=local_in(number % 50 + 1, hour=8 + number % 10))
    big = {which: measure(token) for which, token in tokens.items()}
    assert len(events_of(make_client().get(feed_path(tokens["personal"])).data)) == 80
    assert big == small, (small, big)
    # token, owner, communities, memberships, activities, and the reviewer scopes the activity scope reads (a pair's
    # private meeting is in its pair's and the conveners' feeds only)
    assert small["community"] <= 6 and small["personal"] <= 7
