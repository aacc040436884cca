"""Notification pages: the list, opening, marking read, the bell poll, settings, unsubscribe."""

from __future__ import annotations

import re

from flask import render_template

from tests.factories import make_community, make_user
from tests.notifications.conftest import notify_one
from workspace.extensions import db
from workspace.notifications import services
from workspace.notifications.models import Notification


def test_the_list_shows_notifications_newest_first_with_unread_highlighted(client, ctx):
    user, actor = make_user(), make_user(display_name="林美玲")
    community = make_community(name="五年級數學社群")
    read = notify_one(user, actor, community=community, title="舊的討論")
    services.mark_read(read, user)
    unread = notify_one(user, actor, "reply", community=community, title="新的討論", excerpt="我也這樣想")
    db.session.commit()
    page = client.login(user).get("/notifications/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<html" in html and "Vary" in page.headers and "HX-Request" in page.headers["Vary"]
    assert html.index("新的討論") < html.index("舊的討論")
    assert re.search(rf'id="notification-{unread.id}" class="notification is-unread"', html)
    assert re.search(rf'id="notification-{read.id}" class="notification"', html)
    # What people wrote carries its language on an English page (WCAG 3.1.2).
    assert '<span lang="zh-Hant">林美玲</span> replied in “<span lang="zh-Hant">新的討論</span>”' in html
    assert '<p class="snippet muted" lang="zh-Hant">我也這樣想</p>' in html
    assert '<span lang="zh-Hant">五年級數學社群</span>' in html
    assert f'/notifications/{unread.id}/open' in html
    assert "Mark all as read" in html


def test_htmx_gets_the_list_alone_and_a_boosted_request_the_page(client, ctx):
    user = make_user()
    notify_one(user, make_user(), title="分數")
    client.login(user)
    fragment = client.get("/notifications/", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.lstrip().startswith('<section id="notification-list"') and "<html" not in fragment
    boosted = client.get("/notifications/", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in boosted.get_data(as_text=True)


def test_an_empty_list_says_so_and_offers_no_mark_all(client, ctx):
    html = client.login(make_user()).get("/notifications/").get_data(as_text=True)
    assert "Nothing yet" in html and "Mark all as read" not in html


def test_the_list_is_paginated(client, ctx):
    user, actor = make_user(), make_user()
    for _ in range(32):
        services.notify([user], "mention", actor=actor, community=None, subject_type="post", subject_id=1,
                        title="x", excerpt="", path="/")
    db.session.commit()
    html = client.login(user).get("/notifications/").get_data(as_text=True)
    assert "Page 1 of 2" in html and "/notifications/?page=2" in html
    assert html.count('<li id="notification-') == 30
    second = client.get("/notifications/?page=2").get_data(as_text=True)
    assert second.count('<li id="notification-') == 2


def test_open_marks_read_and_goes_to_the_path(client, ctx):
    user = make_user()
    notification = notify_one(user, make_user(), path="/c/maths/discussions/3?page=2#post-51")
    response = client.login(user).post_form(f"/notifications/{notification.id}/open")
    assert response.status_code == 302
    assert response.headers["Location"] == "/c/maths/discussions/3?page=2#post-51"
    db.session.refresh(notification)
    assert notification.read_at is not None


def test_open_never_leaves_the_site_whatever_the_stored_path(client, ctx):
    user = make_user()
    for evil in ("https://evil.example/x", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"):
        notification = notify_one(user, make_user())
        notification.path = evil  # written past notify(), which would have refused it
        db.session.commit()
        response = client.login(user).post_form(f"/notifications/{notification.id}/open")
        assert response.status_code == 302
        assert response.headers["Location"] == "/notifications/", evil


def test_read_all_marks_everything_read(client, ctx):
    user, actor = make_user(), make_user()
    for _ in range(3):
        notify_one(user, actor)
    response = client.login(user).post_form("/notifications/read-all")
    assert response.status_code == 302 and response.headers["Location"] == "/notifications/"
    assert services.unread_count(user) == 0
    assert "3 notifications marked as read." in client.get("/notifications/").get_data(as_text=True)


def test_the_bell_is_in_the_top_bar_for_logged_in_people_only(client, ctx):
    user = make_user()
    assert 'id="bell"' not in client.get("/login").get_data(as_text=True)
    client.login(user)
    html = client.get("/").get_data(as_text=True)
    assert 'id="bell"' in html and 'hx-get="/notifications/bell?seen=0"' in html
    assert 'hx-trigger="every 30s"' in html and 'hx-swap="outerHTML"' in html
    assert "bell-count" not in html and "hx-swap-oob" not in html
    notify_one(user, make_user())
    notify_one(user, make_user())
    html = client.get("/").get_data(as_text=True)
    assert 'hx-get="/notifications/bell?seen=2"' in html
    assert re.search(r'<span class="bell-count"[^>]*>2</span>', html)


def test_the_bell_poll_answers_204_while_nothing_changed(client, ctx):
    user = make_user()
    client.login(user)
    quiet = client.get("/notifications/bell?seen=0", headers={"HX-Request": "true"})
    assert quiet.status_code == 204 and quiet.get_data() == b""
    notify_one(user, make_user())
    news = client.get("/notifications/bell?seen=0", headers={"HX-Request": "true"})
    assert news.status_code == 200
    html = news.get_data(as_text=True)
    assert html.lstrip().startswith('<a id="bell"') and "seen=1" in html and ">1</span>" in html
    assert "HX-Request" in news.headers["Vary"]
    assert client.get("/notifications/bell?seen=1").status_code == 204
    assert client.get("/notifications/bell?seen=nonsense").status_code == 200
    assert client.get("/notifications/bell").status_code == 200


def test_the_bell_can_be_swapped_out_of_band(ctx):
    html = render_template("notifications/_bell.html", bell_count=4, oob=True)
    assert 'id="bell"' in html and 'hx-swap-oob="true"' in html and ">4</span>" in html
    assert "seen=4" in html


def test_settings_show_the_defaults_and_save_choices(client, ctx):
    user = make_user()
    client.login(user)
    page = client.get("/notifications/settings")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    # every choice on by default (public lessons and deadline reminders: bell and email)
    assert len(re.findall(r'<input checked[^>]*type="checkbox"', html)) == 8
    assert 'id="notify_deadlines"' in html and 'id="email_deadlines"' in html
    assert "Mail is not set up" in html
    response = client.post_form("/notifications/settings", {"email_mentions": "y"})
    assert response.status_code == 302 and response.headers["Location"] == "/notifications/settings"
    settings = services.settings_for(user)
    assert (settings.notify_replies, settings.email_mentions, settings.email_replies) == (False, True, False)
    assert not settings.email_reviews and not settings.notify_lessons and not settings.email_lessons
    html = client.get("/notifications/settings").get_data(as_text=True)
    assert "Notification settings saved." in html
    assert len(re.findall(r'<input checked[^>]*type="checkbox"', html)) == 1
    assert not settings.notify_deadlines and not settings.email_deadlines


def test_deadline_reminders_are_turned_off_and_on_again_on_the_settings_page(client, ctx):
    user = make_user(locale="zh_Hant")
    client.login(user)
    html = client.get("/notifications/settings").get_data(as_text=True)
    assert re.search(r'<input checked id="notify_deadlines"', html)
    assert re.search(r'<input checked id="email_deadlines"', html)
    kept = {"notify_replies": "y", "notify_lessons": "y", "email_mentions": "y", "email_replies": "y",
            "email_reviews": "y", "email_lessons": "y"}
    response = client.post_form("/notifications/settings", {**kept, "notify_deadlines": "y"})
    assert response.status_code == 302
    settings = services.settings_for(user)
    assert settings.notify_deadlines and not settings.email_deadlines and settings.email_lessons
    html = client.get("/notifications/settings").get_data(as_text=True)
    assert re.search(r'<input checked id="notify_deadlines"', html) and 'id="email_deadlines"' in html
    assert not re.search(r'<input checked id="email_deadlines"', html)
    client.post_form("/notifications/settings", {**kept, "email_deadlines": "y"})
    settings = services.settings_for(user)
    assert not settings.notify_deadlines and settings.email_deadlines
    assert not services.emails_stopped(settings)
    services.stop_emails(user)  # the unsubscribe link stops the reminders' emails too
    assert not services.settings_for(user).email_deadlines


def test_unsubscribe_asks_then_stops_the_emails(make_client, ctx):
    user = make_user(display_name="林美玲")
    token = services.unsubscribe_token(user)
    browser = make_client()
    page = browser.get(f"/notifications/unsubscribe/{token}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "林美玲" in html and "Stop the emails" in html and 'name="csrf_token"' in html
    response = browser.post_form(f"/notifications/unsubscribe/{token}")
    assert response.status_code == 302
    settings = services.settings_for(user)
    assert not settings.email_mentions and not settings.email_replies
    html = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "You will get no more notification emails." in html and "Stop the emails" not in html


def test_the_mail_programs_one_click_stops_the_emails_without_a_page_or_a_cookie(make_client, ctx):
    """RFC 8058: the mail program POSTs List-Unsubscribe=One-Click, with no session and no CSRF token."""
    user = make_user(display_name="林美玲")
    path = f"/notifications/unsubscribe/{services.unsubscribe_token(user)}/one-click"
    program = make_client()
    response = program.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and response.mimetype == "text/plain"
    settings = services.settings_for(user)
    assert services.emails_stopped(settings) and not settings.email_deadlines


def test_one_click_needs_its_post_body_so_link_checkers_unsubscribe_nobody(make_client, ctx):
    user = make_user()
    token = services.unsubscribe_token(user)
    browser = make_client()
    # A scanner or a person opening the address is sent to the page that asks first.
    opened = browser.get(f"/notifications/unsubscribe/{token}/one-click")
    assert opened.status_code == 302 and opened.headers["Location"].endswith(f"/notifications/unsubscribe/{token}")
    assert browser.post(f"/notifications/unsubscribe/{token}/one-click").status_code == 400
    assert browser.post(f"/notifications/unsubscribe/{token}/one-click",
                        data={"List-Unsubscribe": "Yes"}).status_code == 400
    assert not services.emails_stopped(services.settings_for(user))
    # A forged token stops nobody's emails.
    assert browser.post("/notifications/unsubscribe/not-a-token/one-click",
                        data={"List-Unsubscribe": "One-Click"}).status_code == 404
    assert browser.get("/notifications/unsubscribe/not-a-token/one-click").status_code == 404


def test_a_bad_unsubscribe_token_gets_a_friendly_404(make_client, ctx):
    browser = make_client()
    response = browser.get("/notifications/unsubscribe/not-a-token")
    assert response.status_code == 404 and "<html" in response.get_data(as_text=True)
    assert browser.post_form("/notifications/unsubscribe/not-a-token").status_code == 404


def test_someone_elses_notification_cannot_be_opened(client, ctx):
    owner, other = make_user(), make_user()
    notification = notify_one(owner, make_user())
    assert client.login(other).post_form(f"/notifications/{notification.id}/open").status_code == 404
    db.session.refresh(notification)
    assert notification.read_at is None
    assert db.session.get(Notification, notification.id) is not None


def test_each_open_button_is_described_by_its_notification(client, ctx):
    """QA13: eight buttons named "Open" could not be told apart in a screen reader's list of buttons: each is described
    by the words of its own notification."""
    user, actor = make_user(), make_user(display_name="林美玲")
    community = make_community(name="五年級數學社群")
    first = notify_one(user, actor, community=community, title="分數的討論")
    second = notify_one(user, actor, "reply", community=community, title="通分的討論")
    db.session.commit()
    html = client.login(user).get("/notifications/").get_data(as_text=True)
    for notification, title in ((first, "分數的討論"), (second, "通分的討論")):
        item = html[html.index(f'id="notification-{notification.id}"'):]
        what = re.search(r'<p class="notification-what" id="([^"]+)">(.*?)</p>', item, re.S)
        assert what and title in what.group(2)
        button = re.search(r'<button type="submit" class="button-small"([^>]*)>Open</button>', item).group(1)
        assert f'aria-describedby="{what.group(1)}"' in button
