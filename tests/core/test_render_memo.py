"""A fresh page pays little for what every page shows: its reader in one query, and its heavy lists cached."""

from __future__ import annotations

import pytest

from tests.factories import add_member, make_community, make_reviewer, make_school, make_user
from workspace.core.cache import store
from workspace.extensions import db
from workspace.notifications import services as notifications
from workspace.resources import services as resources


@pytest.fixture(autouse=True)
def _empty_store():
    store.clear()
    yield
    store.clear()


def _notify(user, community, times: int) -> None:
    for number in range(times):
        notifications.notify([user], "reply", actor=None, community=community, subject_type="Thread",
                             subject_id=number + 1, title=f"Reply {number}", excerpt="", path="/")
    db.session.commit()


def test_a_page_reads_its_reader_the_bell_and_the_review_scope_in_one_query(app, client, ctx, count_queries,
                                                                             monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_CACHE", False)
    convener = make_user()
    community = make_community(convener)
    member = add_member(community).user
    _notify(member, community, 2)
    client.login(member)
    client.get(f"/c/{community.slug}/")
    with count_queries() as statements:
        page = client.get(f"/c/{community.slug}/").get_data(as_text=True)
    about_the_reader = [s for s in statements if "notifications" in s or "reviewer_scopes" in s]
    assert len(about_the_reader) == 1 and "user_sessions" in about_the_reader[0], about_the_reader
    assert 'class="bell-count" aria-hidden="true">2<' in page
    assert 'href="/review/"' not in page  # not a reviewer: the policy took the answer from the same query


def test_a_reviewer_still_gets_the_review_link_and_page(app, client, ctx, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_CACHE", False)
    school = make_school()
    reviewer = make_reviewer(school)
    make_community(make_user(), name="Reviewed Club", schools=[school])
    client.login(reviewer)
    assert 'href="/review/"' in client.get("/").get_data(as_text=True)
    assert "Reviewed Club" in client.get("/review/").get_data(as_text=True)


def _cached_paths(community, convener, reviewer_school) -> dict[str, str]:
    resource = resources.create_text_resource(
        community, resources.ResourceFields(title="Fractions", kind="lesson_plan"), "Fractions text", actor=convener)
    db.session.commit()
    return {"resource": f"/c/{community.slug}/resources/{resource.id}", "search": "/search?q=Fractions",
            "review": "/review/"}


@pytest.mark.parametrize("page", ["resource", "search", "review"])
def test_the_resource_search_and_review_pages_are_served_from_the_cache(client, ctx, count_queries, page):
    school = make_school()
    convener = make_reviewer(school)
    community = make_community(convener, schools=[school])
    path = _cached_paths(community, convener, school)[page]
    client.login(convener)
    client.get(path)
    client.get(path)
    db.session.commit()
    with count_queries() as statements:
        response = client.get(path)
    assert response.status_code == 200
    assert len(statements) <= 2, statements  # the user and the write counter, nothing else


def test_fixed_addresses_follow_the_script_root(client):
    """Built once per process, but per script root: a site mounted under a prefix links under it."""
    plain = client.get("/login").get_data(as_text=True)
    mounted = client.get("/login", base_url="http://localhost/plc").get_data(as_text=True)
    assert 'href="/static/css/app.css"' in plain and 'href="/library/"' in plain
    assert 'href="/plc/static/css/app.css"' in mounted and 'href="/plc/library/"' in mounted
