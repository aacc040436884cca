"""The bell poll runs a small, constant number of queries however many notifications there are."""

from __future__ import annotations

import pytest

from tests.factories import make_user
from workspace.extensions import db
from workspace.notifications import services


@pytest.fixture(autouse=True)
def _render_every_time(app, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_CACHE", False)


def _notifications(user, count: int) -> None:
    actor = make_user()
    for _ in range(count):
        services.notify([user], "mention", actor=actor, community=None, subject_type="post", subject_id=1,
                        title="分數", excerpt="", path="/")
    db.session.commit()


def _poll(client, count_queries, seen: int, expected: int) -> int:
    client.get(f"/notifications/bell?seen={seen}")  # warm: first-request work is not what we count
    with count_queries() as statements:
        response = client.get(f"/notifications/bell?seen={seen}", headers={"HX-Request": "true"})
    assert response.status_code == expected
    return len(statements)


def test_a_quiet_bell_poll_is_cheap_and_constant(client, ctx, count_queries):
    few, many = make_user(), make_user()
    _notifications(few, 2)
    _notifications(many, 150)
    few_count = _poll(client.login(few), count_queries, 2, 204)
    client.logout()
    many_count = _poll(client.login(many), count_queries, 150, 204)
    assert few_count == many_count <= 3, (few_count, many_count)
    changed = _poll(client, count_queries, 149, 200)
    assert changed <= 3


def test_the_list_page_is_bounded(client, ctx, count_queries):
    few, many = make_user(), make_user()
    _notifications(few, 2)
    _notifications(many, 60)

    def page_queries(user) -> int:
        client.logout()
        client.login(user).get("/notifications/")
        with count_queries() as statements:
            assert client.get("/notifications/").status_code == 200
        return len(statements)

    assert page_queries(few) == page_queries(many) <= 6
