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
