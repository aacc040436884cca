"""The page cache serves a page again only while nothing it shows (or who may see it) has changed."""

from __future__ import annotations

import pytest

from tests.factories import add_member, make_community, make_user
from workspace.communities import services
from workspace.core.cache import current_generation, store
from workspace.extensions import db


@pytest.fixture(autouse=True)
def _empty_store():
    store.clear()
    yield
    store.clear()


def _warm(client, path: str) -> None:
    client.get(path)  # sets the session's CSRF secret
    client.get(path)  # rendered and stored


def test_a_repeated_page_is_served_from_the_cache(client, ctx, count_queries):
    convener = make_user()
    community = make_community(convener, name="Cache Club")
    client.login(convener)
    path = f"/c/{community.slug}/"
    _warm(client, path)
    db.session.commit()  # the test's own objects are expired now: read nothing inside the count
    with count_queries() as statements:
        response = client.get(path)
    assert response.status_code == 200 and "Cache Club" in response.get_data(as_text=True)
    assert len(statements) <= 2  # the user and the generation, nothing else
    assert "HX-Request" in response.headers["Vary"]
    assert response.headers["Content-Security-Policy"]  # headers are still set on a hit


def test_any_write_shows_on_the_next_request(client, ctx):
    convener = make_user()
    community = make_community(convener, name="Before")
    client.login(convener)
    _warm(client, f"/c/{community.slug}/")
    before = current_generation()
    community.name = "After"
    db.session.commit()
    assert current_generation() > before
    assert "After" in client.get(f"/c/{community.slug}/").get_data(as_text=True)


def test_losing_access_is_not_hidden_by_the_cache(client, ctx):
    convener = make_user()
    community = make_community(convener)
    member = add_member(community)
    client.login(member.user)
    _warm(client, f"/c/{community.slug}/")
    services.remove_member(member, actor=convener)
    db.session.commit()
    assert client.get(f"/c/{community.slug}/").status_code == 404


def test_users_languages_and_fragments_get_their_own_pages(client, make_client, ctx):
    convener = make_user(display_name="Convener Chen")
    community = make_community(convener)
    member = add_member(community, make_user(display_name="Member Lin"))
    client.login(convener)
    other = make_client().login(member.user)
    _warm(client, "/")
    _warm(other, "/")
    assert "Convener Chen" in client.get("/").get_data(as_text=True)
    assert "Member Lin" in other.get("/").get_data(as_text=True)
    chinese = client.get("/", headers={"Accept-Language": "zh-TW"}).get_data(as_text=True)
    assert 'lang="zh-Hant"' in chinese
    assert 'lang="en"' in client.get("/").get_data(as_text=True)


def test_a_pending_message_is_shown_not_a_cached_page(client, ctx):
    convener = make_user()
    community = make_community(convener)
    client.login(convener)
    _warm(client, f"/c/{community.slug}/")
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "A message for you")]
    assert "A message for you" in client.get(f"/c/{community.slug}/").get_data(as_text=True)


def test_login_attempts_do_not_empty_the_cache(client, ctx):
    from workspace.auth.services import authenticate

    before = current_generation()
    authenticate("nobody@school.test", "wrong password", "127.0.0.1")
    db.session.commit()
    assert current_generation() == before


def test_store_is_bounded():
    from workspace.core.cache import PageStore

    small = PageStore(max_entries=3, max_bytes=10)
    for number in range(5):
        small.put((number,), b"1234", "text/html")
    assert small.get((0,)) is None and small.get((4,)) is not None
    assert sum(len(body) for body, _ in small._entries.values()) <= 10
