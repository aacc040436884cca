"""Every /notifications route walked as a visitor, the owner and another user; CSRF on every unsafe request.

Notifications belong to one person: someone else's answers 404, as if it did not exist. Only the
unsubscribe link is public (its signed token names the person).
"""

from __future__ import annotations

import pytest

from tests.factories import make_user
from tests.notifications.conftest import notify_one
from workspace.notifications import services

ROLES = ("anonymous", "owner", "other")
L, NF = "login", 404  # sent to the login page, not found

# (method, url, form, {role: status}); 200 unless said otherwise.
ROUTES = [
    ("GET", "/notifications/", None, dict(anonymous=L)),
    ("POST", "/notifications/{id}/open", {}, dict(anonymous=L, owner=302, other=NF)),
    ("POST", "/notifications/read-all", {}, dict(anonymous=L, owner=302, other=302)),
    # The owner has one unread (a new bell); the other user has none, as the page said (204).
    ("GET", "/notifications/bell?seen=0", None, dict(anonymous=L, other=204)),
    ("GET", "/notifications/settings", None, dict(anonymous=L)),
    ("POST", "/notifications/settings", {"notify_replies": "y"}, dict(anonymous=L, owner=302, other=302)),
    ("GET", "/notifications/unsubscribe/{token}", None, {}),
    ("POST", "/notifications/unsubscribe/{token}", {}, dict(anonymous=302, owner=302, other=302)),
    ("GET", "/notifications/unsubscribe/bad-token", None, dict(anonymous=NF, owner=NF, other=NF)),
]


def _world():
    owner, other = make_user(), make_user()
    notification = notify_one(owner, make_user())
    return {"owner": owner, "other": other}, {"id": notification.id, "token": services.unsubscribe_token(owner)}


@pytest.mark.parametrize(("method", "url", "form", "rules"), ROUTES, ids=[f"{m} {u}" for m, u, _f, _r in ROUTES])
@pytest.mark.parametrize("role", ROLES)
def test_each_route_answers_each_role(client, ctx, method, url, form, rules, role):
    users, fields = _world()
    path = url.format(**fields)
    if role != "anonymous":
        client.login(users[role])
    response = client.get(path) if method == "GET" else client.post_form(path, form)
    expected = rules.get(role, 200)
    status = 302 if expected == L else expected
    assert response.status_code == status, f"{method} {path} as {role}: {response.status_code}"
    if status == 302:
        assert ("/login" in response.headers["Location"]) == (expected == L)


def test_an_anonymous_htmx_poll_is_sent_to_the_login_page(client, ctx):
    response = client.get("/notifications/bell?seen=0", headers={"HX-Request": "true"})
    assert response.status_code == 401 and "/login" in response.headers["HX-Redirect"]


@pytest.mark.parametrize(("url", "form"), [(url, form) for method, url, form, _ in ROUTES if method == "POST"])
def test_unsafe_requests_without_the_csrf_token_are_refused(client, ctx, url, form):
    users, fields = _world()
    client.login(users["owner"])
    client.get("/notifications/")  # the session has a CSRF secret; the request just does not send it
    response = client.post(url.format(**fields), data=form)
    assert response.status_code == 400
    assert services.unread_count(users["owner"]) == 1
    settings = services.settings_for(users["owner"])
    assert settings.email_mentions and settings.email_replies and settings.notify_replies


def test_every_notifications_route_is_walked(app):
    """A new /notifications route must be added above."""
    walked = {url.split("?")[0].replace("{id}", "<int:notification_id>").replace("{token}", "<token>")
              for _method, url, _form, _rules in ROUTES}
    rules = {rule.rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/notifications")}
    assert rules <= walked, sorted(rules - walked)
