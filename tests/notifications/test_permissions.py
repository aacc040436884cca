"""Every /notifications route walked as a visitor, the owner and another user; CSRF on every unsafe request.

Notifications belong to one person: someone else's answers 404, as if it did not exist. Only the
unsubscribe link is public (its signed token names the person).
"""

from __future__ import annotations

import dataclasses

import pytest

from tests.factories import make_user
from tests.notifications.conftest import notify_one
from tests.permission_walk import DONE, LOGIN, NF, NONE, Step, Table, World, build_world, route_test
from workspace.notifications import services

ROLES = ("anonymous", "owner", "other")


def build_notifications_world() -> World:
    """The owner of one unread notification and another user, neither of them in the world's community."""
    world = build_world(())
    owner, other = make_user(), make_user()
    notification = notify_one(owner, make_user())
    world.users |= {"owner": owner, "other": other}
    world.ids = {"id": notification.id, "token": services.unsubscribe_token(owner)}
    return world


# Unlisted roles get 200.
STEPS = [
    Step("GET", "notifications.index", "/notifications/", None, dict(anonymous=LOGIN)),
    Step("POST", "notifications.open_notification", "/notifications/{id}/open", {},
         dict(anonymous=LOGIN, owner=DONE, other=NF)),
    Step("POST", "notifications.read_all", "/notifications/read-all", {}, dict(anonymous=LOGIN, default=DONE)),
    # The owner has one unread (a new bell); the other user has none, as the page said (204).
    Step("GET", "notifications.bell", "/notifications/bell?seen=0", None, dict(anonymous=LOGIN, other=NONE)),
    Step("GET", "notifications.settings", "/notifications/settings", None, dict(anonymous=LOGIN)),
    Step("POST", "notifications.update_settings", "/notifications/settings", {"notify_replies": "y"},
         dict(anonymous=LOGIN, default=DONE)),
    Step("GET", "notifications.unsubscribe", "/notifications/unsubscribe/{token}", None, {}),
    Step("POST", "notifications.confirm_unsubscribe", "/notifications/unsubscribe/{token}", {}, dict(default=DONE)),
    Step("GET", "notifications.unsubscribe", "/notifications/unsubscribe/bad-token", None, dict(default=NF)),
    Step("GET", "notifications.one_click_unsubscribe_page", "/notifications/unsubscribe/{token}/one-click", None,
         dict(default=302)),
]
# The mail program's one-click POST (RFC 8058) sends no CSRF token by design: walked here, not in the CSRF test.
ONE_CLICK = Step("POST", "notifications.one_click_unsubscribe", "/notifications/unsubscribe/{token}/one-click",
                 {"List-Unsubscribe": "One-Click"}, {})

TABLE = Table(ROLES, build_notifications_world,
              [dataclasses.replace(step, consuming=True) for step in [*STEPS, ONE_CLICK]])
test_each_route_answers_each_role = route_test(TABLE)


def test_an_anonymous_htmx_poll_is_sent_to_the_login_page(client, ctx):
    response = client.get("/notifications/bell?seen=0", headers={"HX-Request": "true"})
    assert response.status_code == 401 and "/login" in response.headers["HX-Redirect"]


@pytest.mark.parametrize("step", [step for step in STEPS if step.method == "POST"], ids=lambda step: step.url)
def test_unsafe_requests_without_the_csrf_token_are_refused(client, ctx, step):
    world = build_notifications_world()
    owner = world.users["owner"]
    client.login(owner)
    client.get("/notifications/")  # the session has a CSRF secret; the request just does not send it
    response = client.post(step.url.format(**world.fields()), data=step.data)
    assert response.status_code == 400
    assert services.unread_count(owner) == 1
    settings = services.settings_for(owner)
    assert settings.email_mentions and settings.email_replies and settings.notify_replies
