"""Account pages through the test client: login, throttling, logout, sign-up, reset links, profile, headers."""

from __future__ import annotations

import datetime as dt
import json
import re
from html import unescape

import pytest
from itsdangerous import URLSafeSerializer
from sqlalchemy import func, select

from tests.factories import PASSWORD, add_member, make_community, make_reviewer, make_school, make_user
from workspace.auth import services
from workspace.auth.models import LoginAttempt, PasswordReset, User
from workspace.communities import services as community_services
from workspace.communities.models import Membership
from workspace.core.database import utcnow
from workspace.extensions import db
from workspace.notifications import services as notifications
from workspace.notifications.models import Notification

NEW_PASSWORD = "a fresh and long passphrase"


@pytest.fixture()
def config(app):
    """Change app.config for one test and put it back afterwards."""
    saved: dict = {}

    def _set(**values):
        for key, value in values.items():
            saved.setdefault(key, app.config.get(key))
            app.config[key] = value

    yield _set
    app.config.update(saved)


def _login(client, email: str, password: str = PASSWORD, *, environ_base: dict | None = None, **extra):
    options = {"environ_base": environ_base} if environ_base else {}
    return client.post_form("/login", {"email": email, "password": password, **extra}, **options)


def _logged_in(client) -> bool:
    """Whether the client's session is a live login (the home page answers instead of redirecting)."""
    return client.get("/").status_code == 200


def _page(response) -> str:
    return response.get_data(as_text=True)


# --- login ---------------------------------------------------------------------------------------


def test_login_page_is_public_and_home_sends_visitors_to_it(client, ctx):
    assert client.get("/login").status_code == 200
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")


def test_login_success_redirects_home_and_records_the_attempt(client, ctx):
    user = make_user(email="lin@school.test", display_name="林老師")
    response = _login(client, "LIN@school.test")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200 and "林老師" in _page(home)
    attempt = db.session.scalar(select(LoginAttempt))
    assert attempt.email == "lin@school.test" and attempt.succeeded
    db.session.refresh(user)
    assert user.last_login_at is not None


def test_login_follows_a_local_next(client, ctx):
    make_user(email="lin@school.test")
    response = _login(client, "lin@school.test", next="/account?tab=password")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account?tab=password"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "//evil.example/path",
        "https://evil.example",
        "http://evil.example/login",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "javascript:alert(1)",
        "evil.example",
        " //evil.example",
    ],
)
def test_login_refuses_open_redirects(client, ctx, target):
    make_user(email="lin@school.test")
    response = _login(client, "lin@school.test", next=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_an_empty_login_form_starts_in_the_email_field(client, ctx):
    [focused] = re.findall(r'<input[^>]*autofocus[^>]*>', _page(client.get("/login")))
    assert 'name="email"' in focused


def test_login_form_carries_a_safe_next_only(client, ctx):
    def hidden_next(query: str) -> str:
        page = _page(client.get("/login", query_string={"next": query}))
        [value] = re.findall(r'<input id="next" name="next" type="hidden" value="([^"]*)">', page)
        return unescape(value)

    assert hidden_next("/c/math-5/") == "/c/math-5/"
    assert hidden_next("https://evil.example") == "/"
    assert hidden_next("//evil.example") == "/"


def test_wrong_password_is_422_with_the_message_and_the_email_kept(client, ctx):
    make_user(email="lin@school.test")
    response = _login(client, "lin@school.test", "my secret guess 42")
    assert response.status_code == 422
    page = _page(response)
    assert "The email address or password is not right." in page
    assert 'value="lin@school.test"' in page
    assert "my secret guess 42" not in page
    # The address is kept, so the cursor waits in the password field, not in the address.
    [focused] = re.findall(r'<input[^>]*autofocus[^>]*>', page)
    assert 'name="password"' in focused
    assert not _logged_in(client)
    assert db.session.scalar(select(LoginAttempt.succeeded)) is False


def test_unknown_email_gets_the_same_answer_as_a_wrong_password(client, ctx):
    response = _login(client, "nobody@school.test", "my secret guess 42")
    assert response.status_code == 422
    assert "The email address or password is not right." in _page(response)


def test_deactivated_user_cannot_log_in(client, ctx):
    make_user(email="lin@school.test", active=False)
    response = _login(client, "lin@school.test")
    assert response.status_code == 422
    assert not _logged_in(client)


def test_login_requires_the_csrf_token(client, ctx):
    make_user(email="lin@school.test")
    response = client.post("/login", data={"email": "lin@school.test", "password": PASSWORD})
    assert response.status_code == 400
    assert not _logged_in(client)


STRANGER = {"REMOTE_ADDR": "198.51.100.66"}
TEACHER = {"REMOTE_ADDR": "203.0.113.10"}


def _backdate_attempts(seconds: float) -> None:
    """Move every recorded login attempt into the past, as if the wait had been sat out."""
    for attempt in db.session.scalars(select(LoginAttempt)):
        attempt.attempted_at -= dt.timedelta(seconds=seconds)
    db.session.commit()


def test_after_three_failures_each_try_waits_longer_and_the_page_says_how_long(client, ctx):
    make_user(email="lin@school.test")
    for number in range(3):
        assert _login(client, "lin@school.test", f"wrong password {number}").status_code == 422
    response = _login(client, "lin@school.test")  # even the right password waits
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "5"
    page = _page(response)
    # Counted by the network address (this browser never logged in): perhaps someone else's, the page says.
    assert "Someone on this network (perhaps you) has entered a wrong password for this account several times. " \
           "Wait 5 seconds, then try again." in page
    assert 'value="lin@school.test"' in page and PASSWORD not in page
    assert not _logged_in(client)
    _backdate_attempts(5)
    assert _login(client, "lin@school.test", "wrong password 3").status_code == 422
    assert "Wait 10 seconds" in _page(_login(client, "lin@school.test"))
    _backdate_attempts(10)
    assert _login(client, "lin@school.test", "wrong password 4").status_code == 422
    assert "Wait 20 seconds" in _page(_login(client, "lin@school.test"))
    _backdate_attempts(20)
    assert _login(client, "lin@school.test").status_code == 302  # no lock: the right password gets in
    assert _logged_in(client)


def test_a_stranger_failing_20_times_does_not_stop_the_teacher_logging_in(client, make_client, ctx):
    make_user(email="lin@school.test")
    stranger = make_client()
    answers = [_login(stranger, "lin@school.test", f"guess number {n}!", environ_base=STRANGER).status_code
               for n in range(20)]
    assert answers[:3] == [422] * 3 and set(answers[3:]) == {429}
    assert _login(client, "lin@school.test", environ_base=TEACHER).status_code == 302
    assert _logged_in(client)


def test_the_teachers_own_browser_is_not_slowed_by_strangers_at_the_same_address(client, make_client, ctx):
    """A classroom behind the school's one public address guesses her password; her browser still gets in."""
    make_user(email="lin@school.test")
    assert _login(client, "lin@school.test", environ_base=STRANGER).status_code == 302  # she logged in here once
    assert client.get_cookie("known_browser", domain="workspace.test") is not None
    client.logout()
    classroom = make_client()
    for n in range(5):
        _login(classroom, "lin@school.test", f"guess number {n}!", environ_base=STRANGER)
    assert _login(classroom, "lin@school.test", environ_base=STRANGER).status_code == 429
    assert _login(client, "lin@school.test", environ_base=STRANGER).status_code == 302
    assert _logged_in(client)


def test_a_forged_known_browser_cookie_counts_for_nothing(client, make_client, ctx):
    make_user(email="lin@school.test")
    client.set_cookie("known_browser", "eyJpZCI6ImFhYWEiLCJhY2NvdW50cyI6W119.forged", domain="workspace.test")
    for n in range(3):
        _login(client, "lin@school.test", f"guess number {n}!", environ_base=STRANGER)
    assert _login(client, "lin@school.test", environ_base=STRANGER).status_code == 429


def test_guessing_from_many_addresses_pauses_unknown_browsers_briefly_and_a_reset_link_gets_in(client, make_client,
                                                                                               config, ctx):
    config(LOGIN_FAILURES_PER_ACCOUNT=6)
    user = make_user(email="lin@school.test")
    for n in range(6):
        _login(make_client(), "lin@school.test", "a wrong password!", environ_base={"REMOTE_ADDR": f"198.51.100.{n}"})
    response = _login(client, "lin@school.test", environ_base=TEACHER)
    assert response.status_code == 429
    page = _page(response)
    assert "logging in to this account with its password is paused for 5 seconds" in page
    assert response.headers["Retry-After"] == "5"
    # No mail server here: no reset link can be mailed, so the page says who can give one.
    assert "or ask a site administrator for a link to choose a new password" in page
    assert "To get in now, use “Forgot your password?”" not in page
    config(MAIL_SERVER="mail.school.test")
    page = _page(_login(client, "lin@school.test", environ_base=TEACHER))
    assert "To get in now, use “Forgot your password?”" in page
    config(MAIL_SERVER=None)
    # Proving control of the mailbox (or an administrator's link) gets her in, and her browser is known from then on.
    token = _reset_token(user)
    assert client.post_form(f"/reset/{token}", {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
                            environ_base=TEACHER).status_code == 302
    client.logout()
    assert _login(client, "lin@school.test", NEW_PASSWORD, environ_base=TEACHER).status_code == 302


def test_a_student_on_the_school_network_delays_a_new_browser_there_briefly_says_why_and_a_reset_gets_her_in(
        client, make_client, smtp, ctx):
    """QA round 13: a student behind the school's NAT failed a teacher's login each time the wait ended; the
    teacher, in a fresh browser at the same address, got 429 with her right password, "wait 6 minutes", no reason
    and no way in. The wait that address can build is two minutes at most; the page says it is this network's
    failures and offers the reset link, which the throttle does not hold back and which logs her in at once; from
    then on her browser is known, and the student's further failures do not slow it."""
    from tests.test_mail import _body

    user = make_user(email="lin@school.test")
    student = make_client()
    for n in range(9):  # one more failure each time the wait ends
        assert _login(student, "lin@school.test", f"guess number {n}!", environ_base=STRANGER).status_code == 422
        _backdate_attempts(120)
    assert _login(student, "lin@school.test", "guess number 9!", environ_base=STRANGER).status_code == 422
    response = _login(client, "lin@school.test", environ_base=STRANGER)  # her right password, a fresh browser
    assert response.status_code == 429 and response.headers["Retry-After"] == "120"
    page = _page(response)
    assert "Someone on this network (perhaps you) has entered a wrong password for this account" in page
    assert "Wait 2 minutes, then try again" in page and "use “Forgot your password?”" in page
    assert re.search(r'<a class="button" href="/forgot">Forgot your password\?</a>', page)
    # The reset request and the link are not held back by the login throttle.
    assert client.post_form("/forgot", {"email": "lin@school.test"}, environ_base=STRANGER).status_code == 200
    [message] = smtp.messages
    token = re.search(r"/reset/([A-Za-z0-9_-]+)", _body(message)).group(1)
    assert client.get(f"/reset/{token}", environ_base=STRANGER).status_code == 200
    response = client.post_form(f"/reset/{token}", {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
                                environ_base=STRANGER)
    assert response.status_code == 302 and _logged_in(client)  # in at once, no wait
    db.session.refresh(user)
    assert services.verify_password(user, NEW_PASSWORD)
    # The student goes on; her browser, known now, logs in at once all the same.
    client.logout()
    _login(student, "lin@school.test", "guess number 10!", environ_base=STRANGER)
    assert _login(student, "lin@school.test", NEW_PASSWORD, environ_base=STRANGER).status_code == 429
    assert _login(client, "lin@school.test", NEW_PASSWORD, environ_base=STRANGER).status_code == 302


def test_without_mail_the_network_wait_says_whom_to_ask_and_offers_no_reset_button(client, make_client, ctx):
    make_user(email="lin@school.test")
    for n in range(3):
        _login(make_client(), "lin@school.test", f"guess number {n}!", environ_base=STRANGER)
    page = _page(_login(client, "lin@school.test", environ_base=STRANGER))
    assert "Someone on this network (perhaps you)" in page
    assert "ask a site administrator for a link to choose a new password" in page
    assert '<a class="button" href="/forgot">' not in page


def test_made_up_addresses_from_the_school_network_do_not_stop_a_teacher_on_a_new_browser(client, make_client,
                                                                                          ctx):
    """Everyone at a school shares one address: 50 failures with invented addresses from it (a student on the
    Wi-Fi) leave a teacher with the right password free to log in there, from a browser never used here."""
    make_user(email="lin@school.test")
    student = make_client()
    answers = {_login(student, f"nobody{n}@x.example", "any password!", environ_base=STRANGER).status_code
               for n in range(50)}
    assert answers == {422}  # each one was checked and failed; nothing is refused wholesale
    assert client.get_cookie("known_browser", domain="workspace.test") is None
    assert _login(client, "lin@school.test", environ_base=STRANGER).status_code == 302
    assert _logged_in(client)


def test_a_busy_address_guessing_one_account_is_slowed_from_its_first_failure(client, make_client, config, ctx):
    config(LOGIN_RATE_LIMIT_PER_ADDRESS="3 per minute")
    make_user(email="lin@school.test")
    for number in range(3):
        assert _login(client, f"someone{number}@school.test", "wrong password!",
                      environ_base=STRANGER).status_code == 422
    assert _login(client, "lin@school.test", "a guess!", environ_base=STRANGER).status_code == 422
    response = _login(client, "lin@school.test", "another guess!", environ_base=STRANGER)
    assert response.status_code == 429 and response.headers["Retry-After"] == "5"
    assert "Wait 5 seconds, then try again." in _page(response)
    assert not _logged_in(client)
    assert _login(make_client(), "lin@school.test", environ_base=TEACHER).status_code == 302


def test_a_throttled_answer_is_the_same_for_any_account_and_checks_no_password(client, counting, ctx):
    make_user(email="lin@school.test")
    make_user(email="gone@school.test", active=False)
    pages = {}
    for email in ("lin@school.test", "gone@school.test", "nobody@school.test"):
        for n in range(3):
            _login(client, email, f"wrong password {n}")
        counting.verified.clear()
        response = _login(client, email)
        assert response.status_code == 429 and counting.verified == []
        pages[email] = re.sub(r'(data-token="|value=")[^"]*', r"\1", _page(response))
    assert len(set(pages.values())) == 1


# --- logout --------------------------------------------------------------------------------------


def test_logout_requires_post_and_csrf(client, ctx):
    client.login(make_user())
    assert client.get("/logout").status_code == 405
    assert _logged_in(client)
    assert client.post("/logout").status_code == 400
    assert _logged_in(client)
    response = client.post_form("/logout")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert not _logged_in(client)


# --- registration --------------------------------------------------------------------------------


def _register(client, **overrides):
    data = {
        "display_name": "王小明", "email": "wang@school.test", "password": NEW_PASSWORD,
        "password_confirm": NEW_PASSWORD, "school_id": "", "locale": "",
    }
    data.update(overrides)
    return client.post_form("/register", data)


def _without_csrf(page: str) -> str:
    return re.sub(r'(data-token="|name="csrf_token" value=")[^"]+', r"\1", page)


def test_register_without_mail_makes_an_account_that_waits_for_an_administrator(client, ctx):
    school = make_school(name="光華國小")
    response = _register(client, email="Wang@School.test", school_id=str(school.id))
    assert response.status_code == 200
    assert "a site administrator lets new accounts in" in _page(response)
    user = db.session.scalar(select(User))
    assert user.email == "wang@school.test" and user.display_name == "王小明"
    # The school picked is only asked for: it opens nothing until it is confirmed.
    assert (user.school_id, user.requested_school_id) == (None, school.id)
    assert user.approved_at is None and user.email_confirmed_at is None
    assert not _logged_in(client)
    # The right password says why it does not open the account yet.
    response = _login(client, "wang@school.test", NEW_PASSWORD)
    assert response.status_code == 403
    assert "waiting for a site administrator" in _page(response)
    assert not _logged_in(client)
    services.approve_account(user, actor=make_user(is_admin=True))
    db.session.commit()
    assert _login(client, "wang@school.test", NEW_PASSWORD).status_code == 302
    assert _logged_in(client)


def test_a_sign_up_that_waits_for_approval_tells_the_administrators_and_nobody_else(client, make_client, config,
                                                                                       ctx):
    """QA 13: the page told the newcomer "a site administrator lets new accounts in", and the administrator's bell
    said nothing. Without mail, each administrator in office is told, once; with mail the person confirms their own
    address and nobody is told; nor is anyone of a sign-up let in at once by an invitation to that very address."""
    school = make_school(name="新校國小")
    admin, other_admin = make_user(is_admin=True), make_user(is_admin=True)
    retired_admin = make_user(is_admin=True, active=False)
    reviewer = make_reviewer(school)
    community = make_community(schools=[school])
    convener = db.session.get(User, community.created_by_id)
    colleague = make_user(school_id=school.id)

    def told() -> dict[int, Notification]:
        return {notice.user_id: notice for notice in db.session.scalars(
            select(Notification).where(Notification.kind == "signup"))}

    _register(client, email="huang.xiaoming@newschool.edu.tw", display_name="黃小明")
    newcomer = db.session.scalar(select(User).where(User.email == "huang.xiaoming@newschool.edu.tw"))
    heard = told()
    assert set(heard) == {admin.id, other_admin.id}
    assert not heard.keys() & {retired_admin.id, reviewer.id, convener.id, colleague.id, newcomer.id}
    notice = heard[admin.id]
    assert notice.path == f"/admin/users/{newcomer.id}" and notice.actor_id == newcomer.id
    assert notice.email_state == "none"
    said = notifications.describe(notice)
    assert "黃小明" in said and "huang.xiaoming@newschool.edu.tw" in said and "waits for you to let it in" in said
    _register(make_client(), email="huang.xiaoming@newschool.edu.tw", display_name="黃小明")  # again: told once
    assert db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.kind == "signup")) == 2
    invitation = community_services.create_invitation(community, actor=convener, role="member",
                                                      email="wu.yating@newschool.edu.tw")
    db.session.commit()
    _register(make_client(), email="wu.yating@newschool.edu.tw", display_name="吳雅婷", invite=invitation.token)
    config(MAIL_SERVER="mail.school.test")
    _register(make_client(), email="chen@newschool.edu.tw", display_name="陳明德")
    assert db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.kind == "signup")) == 2


def test_register_answers_the_same_whether_or_not_the_address_has_an_account(client, make_client, ctx):
    make_user(email="wang@school.test", display_name="王老師")
    taken = _register(client, email="WANG@School.Test", display_name="另一個王老師")
    fresh = _register(make_client(), email="chen@school.test", display_name="另一個王老師")
    assert taken.status_code == fresh.status_code == 200
    assert _without_csrf(_page(taken)) == _without_csrf(_page(fresh))
    assert NEW_PASSWORD not in _page(taken)
    existing = services.find_user_by_email("wang@school.test")
    assert existing.display_name == "王老師" and services.verify_password(existing, PASSWORD)  # untouched
    assert db.session.scalar(select(func.count(User.id))) == 2
    assert not _logged_in(client)


def test_register_password_confirmation_must_match(client, ctx):
    response = _register(client, password_confirm=NEW_PASSWORD + "!")
    assert response.status_code == 422
    page = _page(response)
    assert 'id="password_confirm-error"' in page and "The two passwords differ." in page
    assert 'value="王小明"' in page and 'value="wang@school.test"' in page
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_register_weak_password_is_refused_beside_the_field(client, ctx):
    response = _register(client, password="short", password_confirm="short")
    assert response.status_code == 422
    page = _page(response)
    assert 'id="password-error"' in page and "at least 10" in page
    assert db.session.scalar(select(func.count(User.id))) == 0


def _invitation_token() -> str:
    community = make_community(name="五年級數學社群")
    convener = db.session.get(User, community.created_by_id)
    invitation = community_services.create_invitation(community, actor=convener, role="member")
    db.session.commit()
    return invitation.token


@pytest.mark.parametrize("weak", ["password12", "1234567890"])
@pytest.mark.parametrize("where", ["register", "invitation", "reset", "change"])
def test_a_common_password_is_refused_everywhere_a_password_is_set(client, ctx, where, weak):
    """Sign-up, sign-up through an invitation, a reset link and the account page all refuse it beside the field."""
    user = make_user(email="lin@school.test")
    token = _invitation_token() if where == "invitation" else None
    accounts = db.session.scalar(select(func.count(User.id)))
    fields = {"password": weak, "password_confirm": weak}
    if where == "register":
        response = _register(client, **fields)
    elif where == "invitation":
        response = _register(client, invite=token, **fields)
    elif where == "reset":
        token = _reset_token(user)
        response = client.post_form(f"/reset/{token}", fields)
    else:
        client.login(user)
        response = client.post_form("/account/password", {"current_password": PASSWORD, **fields})
    assert response.status_code == 422
    page = _page(response)
    assert 'id="password-error"' in page and "most common passwords" in page
    assert weak not in page
    db.session.refresh(user)
    assert services.verify_password(user, PASSWORD)  # nothing changed
    assert db.session.scalar(select(func.count(User.id))) == accounts


def test_the_create_admin_command_refuses_a_common_password(app, ctx):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-admin", "--email", "boss@school.test", "--password", "password12"])
    assert result.exit_code != 0
    assert "most common passwords" in result.output or "常見" in result.output
    assert db.session.scalar(select(func.count(User.id))) == 0
    result = runner.invoke(args=["create-admin", "--email", "boss@school.test", "--password", "a good long password"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_closed_registration_shows_the_invitation_page(client, config, ctx):
    config(ALLOW_REGISTRATION=False)
    response = client.get("/register")
    assert response.status_code == 403
    assert "Sign-up is by invitation" in _page(response)
    assert 'name="password"' not in _page(response)
    assert "/register" not in _page(client.get("/login"))  # no sign-up link either
    response = _register(client)
    assert response.status_code == 403
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_closed_registration_still_accepts_an_invitation_link(client, config, ctx):
    config(ALLOW_REGISTRATION=False)
    community = make_community(name="五年級數學社群")
    convener = db.session.get(User, community.created_by_id)
    invitation = community_services.create_invitation(community, actor=convener, role="member",
                                                      email="wang@school.test")
    db.session.commit()
    token = invitation.token
    page = client.get("/register", query_string={"invite": token})
    assert page.status_code == 200
    assert "五年級數學社群" in _page(page)
    assert f'value="{token}"' in _page(page)
    # An invitation sent to this very address needs no further confirmation: in at once.
    response = _register(client, invite=token)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/c/{community.slug}/"
    user = db.session.scalar(select(User).where(User.email == "wang@school.test"))
    membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
    assert membership.community_id == community.id and membership.role == "member"
    assert client.get(f"/c/{community.slug}/").status_code == 200
    # A made-up token does not open sign-up.
    client.logout()
    assert client.get("/register", query_string={"invite": "made-up"}).status_code == 403


def test_an_invitation_for_another_address_is_refused_on_sign_up(client, ctx):
    community = make_community()
    convener = db.session.get(User, community.created_by_id)
    invitation = community_services.create_invitation(community, actor=convener, role="member",
                                                      email="someone.else@school.test")
    db.session.commit()
    response = _register(client, invite=invitation.token)
    assert response.status_code == 422
    assert "This invitation was sent to so…@school.test" in _page(response)
    assert db.session.scalar(select(func.count(User.id))) == 1  # only the convener


def test_an_invitation_to_an_address_with_an_account_says_to_log_in(client, ctx):
    make_user(email="wang@school.test")
    community = make_community()
    convener = db.session.get(User, community.created_by_id)
    invitation = community_services.create_invitation(community, actor=convener, role="member",
                                                      email="wang@school.test")
    db.session.commit()
    response = _register(client, invite=invitation.token)
    assert response.status_code == 422
    assert 'id="email-error"' in _page(response) and "already exists" in _page(response)


# --- forgotten password and reset links ----------------------------------------------------------


def test_forgot_password_without_mail_says_to_ask_an_admin(client, ctx):
    user = make_user(email="lin@school.test")
    page = _page(client.get("/forgot"))
    assert "Ask a site administrator" in page
    assert 'name="email"' not in page
    response = client.post_form("/forgot", {"email": user.email})
    assert response.status_code == 200
    assert "Ask a site administrator" in _page(response)
    assert "Check your mailbox" not in _page(response)
    assert db.session.scalar(select(func.count(PasswordReset.id))) == 0


def _reset_token(user, **changes) -> str:
    token = services.create_password_reset(user)
    db.session.flush()
    reset = services.find_password_reset(token)
    for key, value in changes.items():
        setattr(reset, key, value)
    db.session.commit()
    return token


def test_reset_link_valid_shows_the_form(client, ctx):
    token = _reset_token(make_user())
    response = client.get(f"/reset/{token}")
    assert response.status_code == 200
    assert 'name="password"' in _page(response) and 'name="password_confirm"' in _page(response)


@pytest.mark.parametrize(
    ("state", "message"),
    [("used", "already been used"), ("expired", "has expired"), ("unknown", "is not valid")],
)
def test_reset_link_that_cannot_be_used_says_why(client, ctx, state, message):
    user = make_user()
    if state == "used":
        token = _reset_token(user, used_at=utcnow())
    elif state == "expired":
        token = _reset_token(user, expires_at=utcnow() - dt.timedelta(minutes=1))
    else:
        _reset_token(user)
        token = "no-such-token"
    response = client.get(f"/reset/{token}")
    assert response.status_code == 410
    page = _page(response)
    assert message in page
    assert 'name="password"' not in page
    response = client.post_form(f"/reset/{token}", {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert response.status_code == 410
    db.session.refresh(user)
    assert services.verify_password(user, PASSWORD)


def test_reset_sets_the_password_logs_in_and_signs_out_elsewhere(client, make_client, ctx):
    user = make_user(email="lin@school.test", display_name="林老師")
    other = make_client().login(user)
    assert _logged_in(other)
    token = _reset_token(user)
    response = client.post_form(f"/reset/{token}", {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200 and "林老師" in _page(home)
    db.session.refresh(user)
    assert services.verify_password(user, NEW_PASSWORD)
    assert not _logged_in(other)
    assert client.get(f"/reset/{token}").status_code == 410
    client.logout()
    assert _login(client, "lin@school.test", NEW_PASSWORD).status_code == 302


def test_reset_form_errors_keep_the_link_usable(client, ctx):
    user = make_user()
    token = _reset_token(user)
    response = client.post_form(f"/reset/{token}", {"password": NEW_PASSWORD, "password_confirm": "different one!"})
    assert response.status_code == 422
    assert "The two passwords differ." in _page(response)
    response = client.post_form(f"/reset/{token}", {"password": "short", "password_confirm": "short"})
    assert response.status_code == 422
    assert 'id="password-error"' in _page(response)
    assert client.get(f"/reset/{token}").status_code == 200


# --- the account page ----------------------------------------------------------------------------


def test_account_page_needs_login(client, ctx):
    response = client.get("/account")
    assert response.status_code == 302
    assert "/login?next=/account" in response.headers["Location"]


def test_account_profile_update(client, ctx):
    school = make_school(name="光華國小")
    user = make_user(email="lin@school.test", display_name="林老師")
    client.login(user)
    page = _page(client.get("/account"))
    assert "lin@school.test" in page and 'value="林老師"' in page
    response = client.post_form("/account", {"display_name": "  林大明 ", "school_id": str(school.id), "locale": "en"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.display_name, user.locale) == ("林大明", "en")
    # A school one picks is asked for, not granted.
    assert (user.school_id, user.requested_school_id) == (None, school.id)
    page = _page(client.get("/account"))
    assert "Your school counts once a site administrator confirms it." in page
    assert "Waiting for confirmation" in page and "You asked to join 光華國小" in page


def test_account_profile_refuses_an_empty_name(client, ctx):
    user = make_user(display_name="林老師")
    client.login(user)
    response = client.post_form("/account", {"display_name": "   ", "school_id": "", "locale": ""})
    assert response.status_code == 422
    assert 'id="display_name-error"' in _page(response)
    db.session.refresh(user)
    assert user.display_name == "林老師"


@pytest.mark.parametrize(("locale", "words"), [("en", "A name cannot contain a web address"),
                                               ("zh_Hant", "姓名不能含有網址"), ("zh_Hans", "姓名不能含有网址")])
def test_account_profile_refuses_a_link_in_the_name_beside_the_field_keeping_it(client, ctx, locale, words):
    """A name with a web address would reach other people's notification e-mails as a link (phishing)."""
    user = make_user(display_name="林老師", locale=locale)
    client.login(user)
    typed = "系統通知：密碼已過期，請至 http://evil.example 重設"
    response = client.post_form("/account", {"display_name": typed, "school_id": "", "locale": locale})
    assert response.status_code == 422
    page = _page(response)
    error = re.search(r'id="display_name-error"[^>]*>(.*?)</p>', page, re.S)
    assert error and words in error.group(1)
    assert "http://evil.example" in page  # what was typed is kept in the field
    db.session.refresh(user)
    assert user.display_name == "林老師"


@pytest.mark.parametrize("typed", ["陳怡君", "陳怡君\u200b", "陈怡君", "\u202e陳怡君"])
def test_account_profile_refuses_another_members_name_beside_the_field_keeping_it(client, ctx, typed):
    """QA: a member renamed to the convener's name (and then to it + a zero-width space); the board showed two
    陳怡君 and relabelled every earlier post of the member."""
    convener = make_user(display_name="陳怡君")
    member = make_user(display_name="張家瑋", locale="zh_Hant", subjects=["數學"])
    add_member(make_community(convener, name="五年級數學"), member)
    client.login(member)
    response = client.post_form("/account", {"display_name": typed, "school_id": "", "locale": "zh_Hant",
                                             "title": "none", "subjects": "數學"})
    assert response.status_code == 422
    page = _page(response)
    error = re.search(r'id="display_name-error"[^>]*>(.*?)</p>', page, re.S)
    assert error and "「五年級數學」已有另一位成員叫做陳怡君" in unescape(error.group(1))
    assert f"{typed.strip(chr(0x202e) + chr(0x200b))}（數學）" in unescape(error.group(1))  # the name as it would be
    assert f'value="{typed}"' in page  # what was typed is kept in the field
    db.session.refresh(member)
    assert member.display_name == "張家瑋"


def test_password_change_with_a_wrong_current_password(client, ctx):
    user = make_user()
    client.login(user)
    response = client.post_form("/account/password", {
        "current_password": "not my password", "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD,
    })
    assert response.status_code == 422
    page = _page(response)
    assert 'id="current_password-error"' in page and "This is not your current password." in page
    assert NEW_PASSWORD not in page
    db.session.refresh(user)
    assert services.verify_password(user, PASSWORD)


def test_password_change_signs_out_other_sessions_but_not_this_one(client, make_client, ctx):
    user = make_user(email="lin@school.test")
    other = make_client().login(user)
    assert _logged_in(other)
    client.login(user)
    response = client.post_form("/account/password", {
        "current_password": PASSWORD, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD,
    })
    assert response.status_code == 302
    assert response.headers["Location"] == "/account"
    assert client.get("/account").status_code == 200
    assert not _logged_in(other)
    db.session.refresh(user)
    assert services.verify_password(user, NEW_PASSWORD)


# --- cookies, headers and sessions ---------------------------------------------------------------


def test_session_cookie_is_httponly_and_samesite_lax(client, ctx):
    make_user(email="lin@school.test")
    response = _login(client, "lin@school.test")
    cookies = [value for value in response.headers.getlist("Set-Cookie") if value.startswith("session=")]
    assert cookies, "the login sets the session cookie"
    flags = [part.strip().lower() for part in cookies[-1].split(";")]
    assert "httponly" in flags
    assert "samesite=lax" in flags


def test_known_browser_cookie_is_httponly_samesite_lax_names_no_address_and_lasts_a_year(client, ctx):
    make_user(email="lin@school.test")
    response = _login(client, "lin@school.test")
    [cookie] = [value for value in response.headers.getlist("Set-Cookie") if value.startswith("known_browser=")]
    flags = [part.strip().lower() for part in cookie.split(";")]
    assert "httponly" in flags and "samesite=lax" in flags and f"max-age={365 * 86400}" in flags
    signed = cookie.split(";")[0].split("=", 1)[1]
    value = URLSafeSerializer(ctx.config["SECRET_KEY"], salt="known-browser").loads(signed)
    assert "lin" not in json.dumps(value) and len(value["accounts"]) == 1  # a hash, not the address
    assert not [value for value in _login(client, "lin@school.test", "a wrong password!").headers.getlist(
        "Set-Cookie") if value.startswith("known_browser=")]  # only a login that worked makes a browser known


def test_remember_cookie_is_httponly_and_samesite_lax(client, ctx):
    make_user(email="lin@school.test")
    response = _login(client, "lin@school.test", remember="y")
    cookies = [value for value in response.headers.getlist("Set-Cookie") if value.startswith("remember_token=")]
    assert cookies
    flags = [part.strip().lower() for part in cookies[-1].split(";")]
    assert "httponly" in flags and "samesite=lax" in flags


@pytest.mark.parametrize("path", ["/login", "/register", "/forgot", "/account", "/no-such-page"])
def test_security_headers_on_pages(client, ctx, path):
    client.login(make_user()) if path == "/account" else None
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in (d.strip() for d in csp.split(";")) if part}
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-eval'" not in directives["script-src"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in {"same-origin", "no-referrer", "strict-origin-when-cross-origin"}


def test_pages_have_no_inline_scripts(client, ctx):
    client.login(make_user())
    for path in ("/", "/account"):
        page = _page(client.get(path))
        scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", page, flags=re.S)
        assert scripts
        for attributes, body in scripts:
            assert "src=" in attributes and not body.strip()
        assert not re.search(r"\son[a-z]+\s*=", page)


def test_deactivated_users_existing_session_stops_working(client, ctx):
    admin = make_user(is_admin=True)
    user = make_user()
    client.login(user)
    assert _logged_in(client)
    services.set_user_active(user, False, actor=admin)
    db.session.commit()
    assert not _logged_in(client)
    assert client.get("/account").status_code == 302


def test_inactive_flag_alone_ends_the_session(client, ctx):
    user = make_user()
    client.login(user)
    assert _logged_in(client)
    user.active = False  # even without a new nonce, an inactive account has no session
    db.session.commit()
    assert not _logged_in(client)


def test_login_starts_a_fresh_session(client, ctx):
    make_user(email="lin@school.test")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    assert _login(client, "lin@school.test").status_code == 302
    with client.session_transaction() as session:
        assert "planted" not in session


def test_error_message_text_is_escaped(client, ctx):
    response = _login(client, "<script>alert(1)</script>@x.test", "whatever password")
    page = _page(response)
    assert "<script>alert(1)</script>" not in page
    assert response.status_code == 422
    assert "<script>alert(1)</script>" in unescape(page)  # shown, as text


def test_a_pupil_using_up_reset_requests_does_not_stop_teachers_at_the_same_address(client, make_client, config,
                                                                                    ctx):
    """A school's teachers share one address behind its NAT: the limit on sign-up and reset requests is per address
    and account (or link), with a far higher one per address over them all for a flood of made-up addresses."""
    config(LOGIN_RATE_LIMIT_PER_ADDRESS="3 per 10 minutes", ACCOUNT_REQUESTS_LIMIT_PER_ADDRESS="8 per 10 minutes")
    make_user(email="lin@school.test")
    pupil = make_client()

    def forgot(who, email: str) -> int:
        return who.post_form("/forgot", {"email": email}, environ_base=STRANGER).status_code

    assert [forgot(pupil, "lin@school.test") for _ in range(4)] == [200, 200, 200, 429]
    assert forgot(pupil, "LIN@school.test ") == 429  # the same account however it is typed
    assert forgot(client, "wang@school.test") == 200  # another teacher's request from the same address
    assert client.post_form("/forgot", {"email": "lin@school.test"}, environ_base=TEACHER).status_code == 200
    answers = [forgot(pupil, f"made-up-{number}@school.test") for number in range(6)]
    # the address's ceiling over every account: eight requests in all, the refused ones counted too
    assert answers == [200, 200, 429, 429, 429, 429]
    assert forgot(client, "chen@school.test") == 429
    register = client.post_form("/register", {"email": "new@school.test"}, environ_base=STRANGER)
    assert register.status_code == 429  # one allowance for sign-up and reset requests together
