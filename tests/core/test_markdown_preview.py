"""The one Markdown preview (POST /markdown/preview): what every editor's Preview tab and live preview ask,
rendered by the sanitizer that saves; for people who are logged in, with the CSRF token, within a rate."""

from __future__ import annotations

import uuid

import pytest

from tests.factories import make_community, make_user
from tests.xss_corpus import PAYLOADS, assert_inert

URL = "/markdown/preview"
WRAPPER = '<div class="prose preview" hx-disable>'


@pytest.fixture()
def person(client, ctx):
    user = make_user()
    client.login(user)
    return user


def test_preview_renders_markdown_as_it_will_be_saved(client, person):
    response = client.hx("POST", URL, {"body": "這是**粗體**\n\n- 第一點"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<strong>粗體</strong>" in page and "<li>第一點</li>" in page
    assert "hx-disable" in page  # the container of user HTML never runs htmx attributes
    assert "<html" not in page


def test_preview_is_sanitized(app, client, person, monkeypatch):
    monkeypatch.setitem(app.config, "PREVIEW_RATE_LIMIT", "10000 per minute")
    for name, source in PAYLOADS:
        response = client.hx("POST", URL, {"body": source})
        assert response.status_code == 200, name
        page = response.get_data(as_text=True)
        assert page.startswith(WRAPPER) and page.endswith("</div>"), name
        assert_inert(page.removeprefix(WRAPPER).removesuffix("</div>"))


def test_preview_needs_a_login_and_the_csrf_token(client, ctx):
    assert client.post_form(URL, {"body": "x"}).status_code == 302
    assert client.hx("POST", URL, {"body": "x"}).status_code == 401
    client.login(make_user())
    assert client.post(URL, data={"body": "x"}, headers={"HX-Request": "true"}).status_code == 400


def test_preview_is_rate_limited_per_person(app, client, make_client, person, monkeypatch):
    monkeypatch.setitem(app.config, "PREVIEW_RATE_LIMIT", "2 per minute")
    monkeypatch.setitem(app.config, "RATELIMIT_KEY_PREFIX", f"test-{uuid.uuid4().hex}")
    assert [client.hx("POST", URL, {"body": "x"}).status_code for _ in range(3)] == [200, 200, 429]
    other = make_client()
    other.login(make_user())
    assert other.hx("POST", URL, {"body": "x"}).status_code == 200


def test_the_allowance_is_the_persons_not_the_logins_and_no_key_holds_a_session_secret(app, client, make_client,
                                                                                        person, monkeypatch):
    """Keyed by the login's id and secret, a fresh login gave a fresh allowance, and the limiter's storage (Redis)
    kept every live session's secret in its keys."""
    from workspace.extensions import limiter

    monkeypatch.setitem(app.config, "PREVIEW_RATE_LIMIT", "2 per minute")
    assert [client.hx("POST", URL, {"body": "x"}).status_code for _ in range(2)] == [200, 200]
    second_device = make_client().login(person)
    assert second_device.hx("POST", URL, {"body": "x"}).status_code == 429
    secret = person.session_token.split(":", 1)[1]
    keys = list(limiter.storage.storage)  # the memory storage's counters
    assert keys and not [key for key in keys if secret in key]
    assert any(f"user:{person.id}/" in key or key.endswith(f"user:{person.id}") for key in keys), keys


def test_every_editor_previews_through_the_one_route(client, ctx):
    convener = make_user()
    community = make_community(convener, slug="editors")
    client.login(convener)
    thread_page = client.get(f"/c/{community.slug}/discussions/new").get_data(as_text=True)
    assert f'data-preview-url="{URL}"' in thread_page
    assert f'data-mention-url="/c/{community.slug}/discussions/members"' in thread_page
    resource_page = client.get(f"/c/{community.slug}/resources/new").get_data(as_text=True)
    assert f'data-preview="{URL}"' in resource_page
