"""One URL, two representations: render_page picks the fragment only for plain htmx requests."""

from __future__ import annotations

from tests.factories import make_user


def test_admin_users_page_and_fragment(client, ctx):
    client.login(make_user(is_admin=True))
    full = client.get("/admin/users/")
    assert "<html" in full.get_data(as_text=True)
    assert "HX-Request" in full.headers["Vary"]
    fragment = client.get("/admin/users/", headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and 'id="user-rows"' in body
    assert "HX-Request" in fragment.headers["Vary"]


def test_boosted_and_history_restore_requests_get_full_pages(client, ctx):
    client.login(make_user(is_admin=True))
    for headers in ({"HX-Request": "true", "HX-Boosted": "true"},
                    {"HX-Request": "true", "HX-History-Restore-Request": "true"}):
        assert "<html" in client.get("/admin/users/", headers=headers).get_data(as_text=True)


def test_htmx_error_gets_a_small_fragment(client, ctx):
    client.login(make_user())
    response = client.get("/c/nowhere/", headers={"HX-Request": "true"})
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "<html" not in body and 'class="error-page"' in body


def test_a_refused_boosted_form_keeps_the_page_s_address(client, ctx):
    """A boosted form answered 422 is shown again with its errors; htmx must not push the POST's address, which a
    reload would answer 405."""
    from tests.factories import make_community

    convener = make_user()
    community = make_community(convener)
    client.login(convener)
    path = f"/c/{community.slug}/discussions/new"
    boosted = client.post_form(path, {"title": "", "body": ""}, headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert boosted.status_code == 422 and boosted.headers["HX-Push-Url"] == "false"
    plain = client.post_form(path, {"title": "", "body": ""})
    assert plain.status_code == 422 and "HX-Push-Url" not in plain.headers


def test_an_in_place_action_puts_its_message_into_the_page_s_live_region(client, ctx):
    """What an htmx action flashes comes out of band into #flashes, replacing its content only (the live region stays
    on the page, so a screen reader announces the message), and not inside the swapped region."""
    import datetime as dt

    from tests.mentoring import pairings_world as world
    from tests.mentoring.helpers import make_pair

    pair = make_pair()
    entry = world.log(pair.pairing, dt.date(2026, 9, 10))
    client.login(pair.mentor)
    base = f"/c/{pair.community.slug}/mentoring/pairings/{pair.pairing.id}"
    answer = client.hx("post", f"{base}/logs/{entry.id}/share", data={"shared": "1"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "<html" not in html
    region, flashes = html.split('<div id="flashes"')
    assert 'class="flashes" role="status" aria-live="polite" hx-swap-oob="innerHTML">' in flashes
    assert "The conveners can read this log now." in flashes
    assert 'class="flash' not in region and "The conveners can read" not in region
    # Nothing waits in the session to show again on the next page.
    assert "The conveners can read" not in client.get(f"{base}/logs/").get_data(as_text=True)
    # A plain form still gets the message on the page it is sent back to.
    client.post_form(f"{base}/logs/{entry.id}/share", {"shared": "0"})
    assert "The log is no longer shared with the conveners." in client.get(f"{base}/logs/").get_data(as_text=True)
