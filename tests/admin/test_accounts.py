"""What an administrator does with accounts: create one, let one in, settle schools, register email domains."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import func, select

from tests.factories import make_school, make_user
from workspace.auth import services
from workspace.auth.models import PasswordReset, User
from workspace.communities.models import SchoolEmailDomain
from workspace.core.models import AuditEvent
from workspace.extensions import db

NEW_PASSWORD = "a fresh and long passphrase"


def _page(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture()
def admin(client, ctx):
    user = make_user(is_admin=True, display_name="Admin Chen")
    client.login(user)
    return user


def _create(client, **overrides):
    data = {"email": "Lin.Meiling@Guanghua.edu.tw", "display_name": "林美玲", "school_id": "", "locale": "zh_Hant"}
    data.update(overrides)
    return client.post_form("/admin/users/new", data)


# --- creating an account ---------------------------------------------------------------------------------------


def test_the_users_page_offers_to_create_an_account(client, admin):
    page = _page(client.get("/admin/users/"))
    assert 'href="/admin/users/new"' in page
    form = _page(client.get("/admin/users/new"))
    for name in ("email", "display_name", "school_id", "locale", "is_admin"):
        assert f'name="{name}"' in form


def test_without_mail_the_admin_gets_a_one_time_link_that_sets_the_password(client, make_client, admin):
    school = make_school(name="光華國小")
    response = _create(client, school_id=str(school.id), is_admin="y")
    assert response.status_code == 200
    page = _page(response)
    [link] = re.findall(r'id="welcome-link-value" type="text" readonly value="([^"]+)"', page)
    assert "/reset/" in link and "shown only now" in page
    user = services.find_user_by_email("lin.meiling@guanghua.edu.tw")
    assert (user.display_name, user.locale, user.is_admin, user.school_id) == ("林美玲", "zh_Hant", True, school.id)
    assert user.approved and user.email_confirmed_at is None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.created"))
    assert event.actor_id == admin.id and event.subject_id == user.id
    # The person opens the link, chooses a first password and is in.
    person = make_client()
    path = unescape(link).split("workspace.test", 1)[1]
    form = _page(person.get(path))
    assert "Choose your password" in form and "lin.meiling@guanghua.edu.tw" in form
    response = person.post_form(path, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert person.get("/").status_code == 200
    db.session.refresh(user)
    assert services.verify_password(user, NEW_PASSWORD)
    assert user.email_confirmed_at is None  # a link handed over proves no mailbox


def test_with_mail_the_person_is_invited_by_email(client, make_client, admin, smtp):
    response = _create(client)
    assert response.status_code == 302
    user = services.find_user_by_email("lin.meiling@guanghua.edu.tw")
    assert response.headers["Location"].endswith(f"/admin/users/{user.id}")
    assert "An invitation to choose a password went to lin.meiling@guanghua.edu.tw" in _page(client.get(
        response.headers["Location"]))
    [message] = smtp.messages
    assert message["To"] == "lin.meiling@guanghua.edu.tw"
    assert message["Subject"] == "您的帳號已經建立"  # in the new person's language
    body = message.get_body(preferencelist=("plain",)).get_content()
    [path] = re.findall(r"https?://[^/\s]+(/reset/\S+)", body)
    person = make_client()
    assert person.post_form(path, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}).status_code == 302
    db.session.refresh(user)
    assert user.email_confirmed_at is not None  # the mailed link proves the address
    assert db.session.scalar(select(PasswordReset.mailed)) is True


def test_a_duplicate_email_is_refused_beside_the_field_keeping_what_was_typed(client, admin):
    make_user(email="lin.meiling@guanghua.edu.tw")
    response = _create(client, display_name="另一位林老師")
    assert response.status_code == 422
    page = _page(response)
    assert 'id="email-error"' in page and "An account with this email address already exists." in page
    assert 'value="另一位林老師"' in page and 'value="Lin.Meiling@Guanghua.edu.tw"' in page
    assert db.session.scalar(select(func.count(User.id))) == 2


@pytest.mark.parametrize(("data", "field"), [
    ({"email": "not an address"}, "email"),
    ({"email": ""}, "email"),
    ({"display_name": "   "}, "display_name"),
    ({"school_id": "999999"}, "school_id"),
    ({"locale": "klingon"}, "locale"),
])
def test_invalid_fields_are_refused_beside_them(client, admin, data, field):
    response = _create(client, **data)
    assert response.status_code == 422
    assert f'id="{field}-error"' in _page(response)
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_every_refused_field_is_told_at_once(client, admin):
    """A bad address was told only once the missing name and the made-up school were fixed (the form's own checks
    stopped before the service's)."""
    school = make_school(name="光華國小")
    for data in ({"email": "not an address", "display_name": "", "school_id": "999999"},
                 {"email": "not an address", "display_name": "", "school_id": str(school.id)},
                 {"email": "not an address", "display_name": "http://example.com", "school_id": ""}):
        response = _create(client, **data)
        assert response.status_code == 422, data
        page = _page(response)
        assert 'id="email-error">Enter a valid email address.' in page, data
        assert 'id="display_name-error">' in page, data
        assert 'value="not an address"' in page
    assert 'id="school_id-error">Choose a school from the list.' in _page(_create(
        client, email="x y", display_name="", school_id="999999"))
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_a_duplicate_address_and_a_missing_name_are_told_together(client, admin):
    make_user(email="lin.meiling@guanghua.edu.tw")
    page = _page(_create(client, display_name=""))
    assert "An account with this email address already exists." in page
    assert 'id="display_name-error">This field is required.' in page


def test_the_messages_are_in_the_admins_language(client, admin):
    admin.locale = "zh_Hant"
    db.session.commit()
    make_user(email="lin.meiling@guanghua.edu.tw")
    page = _page(_create(client))
    assert "此電子郵件地址已經有帳號。" in page


@pytest.mark.parametrize("kind", ["anonymous", "member"])
def test_only_administrators_create_accounts(client, ctx, kind):
    if kind == "member":
        client.login(make_user())
    expected = 302 if kind == "anonymous" else 404
    assert client.get("/admin/users/new").status_code == expected
    assert _create(client).status_code == expected
    assert services.find_user_by_email("lin.meiling@guanghua.edu.tw") is None


def test_creating_an_account_needs_the_csrf_token(client, admin):
    response = client.post("/admin/users/new", data={"email": "x@school.test", "display_name": "X"})
    assert response.status_code == 400
    assert services.find_user_by_email("x@school.test") is None


# --- letting accounts in, settling schools --------------------------------------------------------------------


def test_waiting_accounts_and_school_requests_are_listed_to_settle(client, admin):
    school = make_school(name="光華國小")
    waiting = make_user(display_name="等待中的人", confirmed=False)
    asking = make_user(display_name="想加入的人", requested_school_id=school.id)
    make_user(display_name="沒事的人")
    page = _page(client.get("/admin/users/"))
    assert "Asks to join 光華國小" in page and "Waiting to be let in" in page
    waiting_list = _page(client.get("/admin/users/", query_string={"show": "waiting"}))
    assert "等待中的人" in waiting_list and "想加入的人" not in waiting_list and "沒事的人" not in waiting_list
    requests = _page(client.get("/admin/users/", query_string={"show": "requests"}))
    assert "想加入的人" in requests and "等待中的人" not in requests
    assert client.get("/admin/users/", query_string={"show": "<script>"}).status_code == 200
    # Letting the account in; confirming the school.
    assert client.post_form(f"/admin/users/{waiting.id}/approve").status_code == 302
    assert client.post_form(f"/admin/users/{asking.id}/school", {"school_id": str(school.id)}).status_code == 302
    db.session.refresh(waiting)
    db.session.refresh(asking)
    assert waiting.approved and (asking.school_id, asking.requested_school_id) == (school.id, None)
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"user.approved", "user.school_granted"} <= actions


def test_turning_down_a_school_request(client, admin):
    school = make_school(name="光華國小")
    asking = make_user(requested_school_id=school.id)
    page = _page(client.get(f"/admin/users/{asking.id}"))
    assert "Confirm 光華國小" in page and "Turn down" in page
    assert client.post_form(f"/admin/users/{asking.id}/school/refuse").status_code == 302
    db.session.refresh(asking)
    assert (asking.school_id, asking.requested_school_id) == (None, None)


def test_an_administrators_reset_link_lets_a_waiting_account_in(client, make_client, admin):
    waiting = make_user(email="wait@school.test", confirmed=False)
    page = _page(client.post_form(f"/admin/users/{waiting.id}/reset-link"))
    [link] = re.findall(r'id="reset-link-value" type="text" readonly value="([^"]+)"', page)
    person = make_client()
    path = unescape(link).split("workspace.test", 1)[1]
    assert person.post_form(path, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}).status_code == 302
    assert person.get("/").status_code == 200  # logged in, not sent back to the login page
    db.session.refresh(waiting)
    assert waiting.approved and waiting.email_confirmed_at is None


def test_setting_a_made_up_school_is_refused(client, admin):
    user = make_user()
    response = client.post_form(f"/admin/users/{user.id}/school", {"school_id": "999999"})
    assert response.status_code == 422
    db.session.refresh(user)
    assert user.school_id is None


# --- a school's email domains ---------------------------------------------------------------------------------


def test_registering_and_removing_a_schools_email_domain(client, admin):
    school = make_school(name="光華國小")
    confirmed = make_user(email="lin@guanghua.edu.tw")
    response = client.post_form(f"/admin/schools/{school.id}/domains", {"domain": "@GuangHua.edu.tw"})
    assert response.status_code == 302
    page = _page(client.get(f"/admin/schools/{school.id}"))
    assert "@guanghua.edu.tw" in page
    db.session.refresh(confirmed)
    assert confirmed.school_id == school.id
    row = db.session.scalar(select(SchoolEmailDomain))
    assert client.post_form(f"/admin/schools/{school.id}/domains/{row.id}/remove").status_code == 302
    assert db.session.scalar(select(func.count(SchoolEmailDomain.id))) == 0
    db.session.refresh(confirmed)
    assert confirmed.school_id == school.id  # who joined through it stays


def test_a_bad_or_taken_domain_is_refused_beside_the_field(client, admin):
    school, other = make_school(name="光華國小"), make_school(name="Other")
    client.post_form(f"/admin/schools/{school.id}/domains", {"domain": "guanghua.edu.tw"})
    response = client.post_form(f"/admin/schools/{other.id}/domains", {"domain": "guanghua.edu.tw"})
    assert response.status_code == 422
    assert 'id="domain-error"' in _page(response) and "already belongs to 光華國小" in _page(response)
    response = client.post_form(f"/admin/schools/{other.id}/domains", {"domain": "no such thing"})
    assert response.status_code == 422 and 'value="no such thing"' in _page(response)


def test_a_public_mail_domain_is_refused_beside_the_field_with_the_text_kept(client, admin):
    school = make_school(name="桃嶺村小學")
    response = client.post_form(f"/admin/schools/{school.id}/domains", {"domain": "Gmail.com"})
    assert response.status_code == 422
    page = _page(response)
    assert 'id="domain-error"' in page and "gmail.com is a public mail service" in page
    assert 'value="Gmail.com"' in page
    assert db.session.scalar(select(func.count(SchoolEmailDomain.id))) == 0


def test_a_domain_of_another_school_cannot_be_removed_through_this_one(client, admin):
    school, other = make_school(name="光華國小"), make_school(name="Other")
    client.post_form(f"/admin/schools/{school.id}/domains", {"domain": "guanghua.edu.tw"})
    row = db.session.scalar(select(SchoolEmailDomain))
    assert client.post_form(f"/admin/schools/{other.id}/domains/{row.id}/remove").status_code == 404
    assert db.session.scalar(select(func.count(SchoolEmailDomain.id))) == 1


# --- without mail: the school's domain through the administrator's word ---------------------------------------


def _new_school_with_domain(client) -> object:
    school = make_school(name="新校國小")
    assert client.post_form(f"/admin/schools/{school.id}/domains", {"domain": "newschool.edu.tw"}).status_code == 302
    return school


def test_the_domain_section_says_it_needs_mail(client, admin, app, monkeypatch):
    """QA 13: on a site without mail no address is ever confirmed, so a registered domain never applied, and neither
    the school's page nor the deployment guide said so."""
    school = _new_school_with_domain(client)
    page = unescape(_page(client.get(f"/admin/schools/{school.id}")))
    assert "so the domains need email to work" in page and "you vouch for the person" in page
    assert 'id="domains-without-mail"' in page and "nobody can confirm an address" in page
    monkeypatch.setitem(app.config, "MAIL_SERVER", "mail.school.test")
    assert 'id="domains-without-mail"' not in _page(client.get(f"/admin/schools/{school.id}"))


def test_letting_an_account_in_at_the_school_s_domain_gives_it_the_school_as_its_button_says(client, admin):
    """QA 13: 黃小明 signed up as huang.xiaoming@newschool.edu.tw; let in, he had no school, though the domain was
    registered. Letting him in, the administrator vouches for him: the button names the school it gives."""
    school = _new_school_with_domain(client)
    other = make_school(name="別校國小")
    newcomer = make_user(email="huang.xiaoming@newschool.edu.tw", display_name="黃小明", confirmed=False)
    asking = make_user(email="wu.yating@newschool.edu.tw", confirmed=False, requested_school_id=other.id)
    elsewhere = make_user(email="chen@newschool.edu.tw", confirmed=False, school_id=other.id)
    stranger = make_user(email="zhang.zhiwei@gmail.com", confirmed=False)
    page = unescape(_page(client.get(f"/admin/users/{newcomer.id}")))
    assert "Let this account in, in 新校國小" in page and 'id="approval-school"' in page
    assert "the address itself stays unconfirmed" in page
    for person in (stranger, elsewhere):  # no registered domain; another school already theirs: a plain button
        page = unescape(_page(client.get(f"/admin/users/{person.id}")))
        assert "Let this account in</button>" in page and 'id="approval-school"' not in page
    response = client.post_form(f"/admin/users/{newcomer.id}/approve")
    assert response.status_code == 302
    assert "belongs to 新校國小 by its address" in unescape(_page(client.get(response.headers["Location"])))
    for person in (newcomer, asking, elsewhere, stranger):
        client.post_form(f"/admin/users/{person.id}/approve")
        db.session.refresh(person)
        assert person.approved and person.email_confirmed_at is None  # let in, the address still unconfirmed
    assert newcomer.school_id == school.id and newcomer.requested_school_id is None
    assert (asking.school_id, asking.requested_school_id) == (school.id, other.id)  # as a confirmed address would
    assert elsewhere.school_id == other.id and stranger.school_id is None
    granted = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.school_granted",
                                                         AuditEvent.subject_id == newcomer.id))
    assert granted.actor_id == admin.id and granted.data["how"] == "approval"


def test_an_account_created_without_a_school_at_the_school_s_domain_belongs_to_it(client, admin):
    school = _new_school_with_domain(client)
    other = make_school(name="別校國小")
    assert "the school whose email domain the address is at" in unescape(_page(client.get("/admin/users/new")))
    _create(client, email="lin.jiarong@newschool.edu.tw", display_name="林佳蓉")
    _create(client, email="chen.mingde@newschool.edu.tw", display_name="陳明德", school_id=str(other.id))
    _create(client, email="zhang.zhiwei@gmail.com", display_name="張志偉")
    schools = dict(db.session.execute(select(User.email, User.school_id)).all())
    assert schools["lin.jiarong@newschool.edu.tw"] == school.id
    assert schools["chen.mingde@newschool.edu.tw"] == other.id  # the school chosen wins
    assert schools["zhang.zhiwei@gmail.com"] is None
