"""Logins as records on the server: logout ends them, the account page lists them, log out everywhere.

Each client here is a browser of its own; cookies are copied between clients the way a thief would replay them.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from tests.factories import PASSWORD, make_user
from workspace.auth import services
from workspace.auth.models import UserSession
from workspace.core.database import utcnow
from workspace.core.models import AuditEvent
from workspace.extensions import db

IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/17.4 Mobile/15E148 Safari/604.1")
WINDOWS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 "
           "Safari/537.36")


def _login_form(client, email: str, *, remember: bool = False, agent: str = WINDOWS):
    data = {"email": email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    response = client.post_form("/login", data, headers={"User-Agent": agent})
    assert response.status_code == 302, response.status_code
    client._csrf = None  # a login starts a fresh session, with a CSRF token of its own
    return response


def _logout(client):
    response = client.post_form("/logout")
    client._csrf = None
    return response


def _logged_in(client) -> bool:
    return client.get("/").status_code == 200


def _cookie(client, name: str) -> str | None:
    cookie = client.get_cookie(name, domain="workspace.test")  # the suite's SERVER_NAME
    return cookie.value if cookie is not None else None


def _replay(make_client, **cookies: str):
    """A new browser holding only the given cookies (a stolen session or remember cookie)."""
    thief = make_client()
    for name, value in cookies.items():
        thief.set_cookie(name, value, domain="workspace.test")
    return thief


def _login_ids(page: str) -> list[int]:
    return [int(number) for number in re.findall(r'<li id="session-(\d+)"', page)]


# --- logout ends the login on the server ---------------------------------------------------------------


def test_after_logout_the_old_session_cookie_gets_the_login_page(client, make_client, ctx):
    make_user(email="lin@school.test")
    _login_form(client, "lin@school.test")
    stolen = _cookie(client, "session")
    assert _logged_in(_replay(make_client, session=stolen))  # the copy works while the login is open
    assert _logout(client).status_code == 302
    replayed = _replay(make_client, session=stolen).get("/")
    assert replayed.status_code == 302 and "/login" in replayed.headers["Location"]


def test_after_logout_the_old_remember_cookie_gets_the_login_page(client, make_client, ctx):
    make_user(email="lin@school.test")
    _login_form(client, "lin@school.test", remember=True)
    remember = _cookie(client, "remember_token")
    assert remember
    assert _logged_in(_replay(make_client, remember_token=remember))  # a year-long cookie, on its own
    assert _logout(client).status_code == 302
    replayed = _replay(make_client, remember_token=remember).get("/")
    assert replayed.status_code == 302 and "/login" in replayed.headers["Location"]
    login = db.session.scalar(select(UserSession))
    assert login.ended_at is not None


def test_logging_in_again_after_logout_works(client, ctx):
    make_user(email="lin@school.test")
    _login_form(client, "lin@school.test")
    _logout(client)
    _login_form(client, "lin@school.test")
    assert _logged_in(client)


# --- the account page lists one's logins ------------------------------------------------------------------


def test_account_lists_only_the_persons_own_logins_with_this_device_marked(client, make_client, ctx):
    make_user(email="lin@school.test")
    make_user(email="wang@school.test")
    phone = make_client()
    _login_form(phone, "lin@school.test", agent=IPHONE)
    _login_form(make_client(), "wang@school.test", agent=IPHONE)  # someone else's login: never listed
    _login_form(client, "lin@school.test", agent=WINDOWS)
    page = client.get("/account").get_data(as_text=True)
    lin = services.find_user_by_email("lin@school.test")
    mine = db.session.scalars(select(UserSession.id).where(UserSession.user_id == lin.id)).all()
    assert sorted(_login_ids(page)) == sorted(mine) and len(mine) == 2
    assert "Mobile Safari on iPhone" in page and "Chrome on Windows" in page
    this_device = page.split("This device")[0].rsplit('<li id="session-', 1)[1]
    assert "Chrome on Windows" in this_device  # the mark sits on the login this browser uses
    assert "Log out everywhere else" in page


def test_a_login_seen_recently_is_loaded_with_one_query_and_no_write(client, ctx, count_queries):
    user = make_user()
    client.login(user)
    client.get("/account")
    with count_queries() as queries:
        assert client.get("/healthz").status_code == 200
        assert client.get("/account").status_code == 200
    touching = [sql for sql in queries if "user_sessions" in sql]
    assert len(touching) == 2, touching  # /account: the loader's one query, joined with the user, and the list
    assert not any(sql.lstrip().upper().startswith("UPDATE") for sql in touching)
    loader = [sql for sql in touching if "JOIN user_sessions" in sql or "JOIN users" in sql]
    assert len(loader) == 1 and "users" in loader[0] and "user_sessions" in loader[0]


def test_last_seen_is_written_at_most_every_few_minutes(client, ctx, count_queries):
    user = make_user()
    client.login(user)
    login = db.session.scalar(select(UserSession))
    login.last_seen_at = utcnow() - dt.timedelta(minutes=10)
    db.session.commit()
    with count_queries() as queries:
        assert client.get("/").status_code == 200
    assert len([sql for sql in queries if sql.lstrip().upper().startswith("UPDATE USER_SESSIONS")]) == 1
    db.session.expire_all()
    assert utcnow() - db.session.get(UserSession, login.id).last_seen_at < dt.timedelta(minutes=1)
    with count_queries() as queries:
        assert client.get("/").status_code == 200
    assert not [sql for sql in queries if sql.lstrip().upper().startswith("UPDATE USER_SESSIONS")]


# --- log out everywhere else, one device -----------------------------------------------------------------


def test_log_out_everywhere_else_ends_the_other_browsers_logins_only(client, make_client, ctx):
    user = make_user(email="lin@school.test")
    someone = make_user(email="wang@school.test")
    phone, tablet, theirs = make_client(), make_client(), make_client()
    for other in (phone, tablet):
        _login_form(other, "lin@school.test", agent=IPHONE, remember=True)
    _login_form(theirs, "wang@school.test")
    stolen_remember = _cookie(phone, "remember_token")
    _login_form(client, "lin@school.test")
    response = client.post_form("/account/sessions/end-others")
    assert response.status_code == 302 and response.headers["Location"].endswith("/account#sessions")
    assert "Logged out on 2 other devices." in client.get("/account").get_data(as_text=True)
    assert _logged_in(client)
    assert not _logged_in(phone) and not _logged_in(tablet)
    assert not _logged_in(_replay(make_client, remember_token=stolen_remember))
    assert _logged_in(theirs)  # another person's login is none of this
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.sessions_ended"))
    assert event.subject_id == user.id and event.actor_id == user.id and someone.id != user.id


def test_ending_one_other_device(client, make_client, ctx):
    make_user(email="lin@school.test")
    phone, laptop = make_client(), make_client()
    _login_form(phone, "lin@school.test", agent=IPHONE)
    _login_form(laptop, "lin@school.test")
    _login_form(client, "lin@school.test")
    phone_login = db.session.scalar(select(UserSession).where(UserSession.user_agent == IPHONE))
    response = client.post_form(f"/account/sessions/{phone_login.id}/end")
    assert response.status_code == 302
    assert not _logged_in(phone)
    assert _logged_in(laptop) and _logged_in(client)


def test_ending_this_devices_own_login_logs_out(client, ctx):
    make_user(email="lin@school.test")
    _login_form(client, "lin@school.test")
    login = db.session.scalar(select(UserSession))
    response = client.post_form(f"/account/sessions/{login.id}/end")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert not _logged_in(client)


def test_someone_elses_login_cannot_be_ended_and_is_not_found(client, make_client, ctx):
    make_user(email="lin@school.test")
    make_user(email="wang@school.test")
    theirs = make_client()
    _login_form(theirs, "wang@school.test")
    their_login = db.session.scalar(select(UserSession))
    _login_form(client, "lin@school.test")
    for login_id in (their_login.id, 999_999, 2**63):
        assert client.post_form(f"/account/sessions/{login_id}/end").status_code == 404
    assert _logged_in(theirs)


@pytest.mark.parametrize("path", ["/account/sessions/end-others", "/account/sessions/{id}/end"])
def test_the_login_routes_need_the_csrf_token(client, make_client, ctx, path):
    make_user(email="lin@school.test")
    phone = make_client()
    _login_form(phone, "lin@school.test", agent=IPHONE)
    phone_login = db.session.scalar(select(UserSession))
    _login_form(client, "lin@school.test")
    assert client.post(path.format(id=phone_login.id)).status_code == 400
    assert _logged_in(phone)


@pytest.mark.parametrize("path", ["/account/sessions/end-others", "/account/sessions/1/end"])
def test_the_login_routes_send_visitors_to_the_login_page(client, ctx, path):
    response = client.post_form(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_new_password_ends_the_other_logins_and_keeps_this_one(client, make_client, ctx):
    make_user(email="lin@school.test")
    phone = make_client()
    _login_form(phone, "lin@school.test", remember=True)
    remember = _cookie(phone, "remember_token")
    _login_form(client, "lin@school.test")
    response = client.post_form("/account/password", {
        "current_password": PASSWORD, "password": "a fresh and long passphrase",
        "password_confirm": "a fresh and long passphrase"})
    assert response.status_code == 302
    assert _logged_in(client) and not _logged_in(phone)
    assert not _logged_in(_replay(make_client, remember_token=remember))
    assert db.session.scalar(select(func.count(UserSession.id)).where(UserSession.ended_at.is_(None))) == 1


def test_the_daily_purge_removes_ended_and_expired_logins(app, client, make_client, ctx):
    make_user(email="lin@school.test")
    _login_form(client, "lin@school.test")
    kept = db.session.scalar(select(UserSession.id))
    old, ended = make_client(), make_client()
    _login_form(old, "lin@school.test")
    _login_form(ended, "lin@school.test")
    _logout(ended)
    db.session.scalar(select(UserSession).order_by(UserSession.id.desc()).offset(1)).expires_at = (
        utcnow() - dt.timedelta(minutes=1))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["purge-trash"])
    assert result.exit_code == 0, result.output
    assert "Ended or expired logins removed: 2" in result.output
    assert db.session.scalars(select(UserSession.id)).all() == [kept]
