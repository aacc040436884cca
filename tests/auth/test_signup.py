"""Signing up confirms the address by a mailed link, and says nothing about which addresses have accounts.

Against a real local SMTP server (the `smtp` fixture of tests/test_mail.py).
"""

from __future__ import annotations

import re
from email.message import EmailMessage

from argon2 import PasswordHasher
from sqlalchemy import func, select

from tests.factories import PASSWORD, make_community, make_school, make_user
from workspace.auth import services
from workspace.auth.models import User
from workspace.communities import services as community_services
from workspace.communities.models import Membership
from workspace.extensions import db

NEW_PASSWORD = "a fresh and long passphrase"


def _sign_up(client, **overrides):
    data = {"display_name": "王小明", "email": "wang@school.test", "password": NEW_PASSWORD,
            "password_confirm": NEW_PASSWORD, "school_id": "", "locale": ""}
    data.update(overrides)
    return client.post_form("/register", data)


def _body(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def _link(message: EmailMessage) -> str:
    [path] = re.findall(r"https?://[^/\s]+(/confirm/\S+)", _body(message))
    return path


def _page(response) -> str:
    return response.get_data(as_text=True)


def _without_csrf(page: str) -> str:
    return re.sub(r'(data-token="|name="csrf_token" value=")[^"]+', r"\1", page)


def _logged_in(client) -> bool:
    return client.get("/").status_code == 200


def test_sign_up_mails_a_link_and_the_account_opens_with_it(client, smtp, ctx):
    response = _sign_up(client, email="Wang@School.test")
    assert response.status_code == 200
    assert "Check your mailbox" in _page(response) and "wang@school.test" in _page(response)
    assert not _logged_in(client)
    [message] = smtp.messages
    assert message["To"] == "wang@school.test" and message["Subject"] == "Confirm your email address"
    link = _link(message)
    # Until the link is used, the right password does not open the account; it sends a fresh link instead.
    response = client.post_form("/login", {"email": "wang@school.test", "password": NEW_PASSWORD})
    assert response.status_code == 403 and "Confirm your email address first" in _page(response)
    assert len(smtp.messages) == 2
    page = client.get(link)
    assert page.status_code == 200 and "wang@school.test" in _page(page) and 'name="password"' in _page(page)
    response = client.post_form(link, {"password": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    client._csrf = None
    assert _logged_in(client)
    user = services.find_user_by_email("wang@school.test")
    assert user.approved and user.email_confirmed_at is not None
    # The link has done its work.
    response = client.get(link)
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")


def test_the_link_needs_the_password_chosen_at_sign_up(client, make_client, smtp, ctx):
    _sign_up(client)
    link = _link(smtp.messages[0])
    reader = make_client()
    response = reader.post_form(link, {"password": "somebody else's password"})
    assert response.status_code == 422
    assert 'id="password-error"' in _page(response) and "not the password chosen" in _page(response)
    assert not services.find_user_by_email("wang@school.test").approved
    assert not _logged_in(reader)


def test_signing_up_again_voids_the_earlier_link(client, make_client, smtp, ctx):
    # Someone signs up first with another person's address and a password of their own ...
    _sign_up(make_client(), display_name="冒名者", password="the squatter's password",
             password_confirm="the squatter's password")
    squatters_link = _link(smtp.messages[0])
    # ... then the owner signs up: the latest sign-up counts, the earlier link is dead.
    _sign_up(client)
    owners_link = _link(smtp.messages[1])
    assert client.get(squatters_link).status_code == 410
    assert client.post_form(squatters_link, {"password": "the squatter's password"}).status_code == 410
    assert client.post_form(owners_link, {"password": NEW_PASSWORD}).status_code == 302
    user = services.find_user_by_email("wang@school.test")
    assert user.display_name == "王小明" and services.verify_password(user, NEW_PASSWORD)
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_a_tampered_or_made_up_link_is_refused(client, smtp, ctx):
    _sign_up(client)
    link = _link(smtp.messages[0])
    for bad in (link[:-3] + "xyz", "/confirm/not-a-token", "/confirm/" + "A" * 500):
        response = client.get(bad)
        assert response.status_code == 410, bad
        assert "not valid" in _page(response)


class CountingHasher(PasswordHasher):
    """The real argon2 hasher, counting its hashes and checks (the costly work whose time could tell)."""

    def __init__(self, inner: PasswordHasher) -> None:
        super().__init__(time_cost=inner.time_cost, memory_cost=inner.memory_cost, parallelism=inner.parallelism)
        self.calls: list[str] = []

    def hash(self, password, **kwargs):
        self.calls.append("hash")
        return super().hash(password, **kwargs)

    def verify(self, hash, password):
        self.calls.append("verify")
        return super().verify(hash, password)


def test_sign_up_answers_alike_for_a_taken_and_a_free_address(client, make_client, smtp, app, monkeypatch, ctx):
    owner = make_user(email="wang@school.test", display_name="王老師", locale="zh_Hant")
    counting = CountingHasher(services._HASHERS["fast"])
    monkeypatch.setitem(services._HASHERS, "fast", counting)
    taken = _sign_up(client, display_name="另一個人")
    work_for_taken = list(counting.calls)
    counting.calls.clear()
    free = _sign_up(make_client(), email="chen@school.test", display_name="另一個人")
    work_for_free = list(counting.calls)
    assert taken.status_code == free.status_code == 200
    assert _without_csrf(_page(taken)).replace("wang@", "chen@") == _without_csrf(_page(free))
    assert work_for_taken == work_for_free == ["hash"]
    # One message each: the owner hears that someone tried (in the owner's language), the new address gets its link.
    to_owner, to_new = smtp.messages
    assert to_owner["To"] == "wang@school.test" and "/confirm/" not in _body(to_owner)
    assert to_owner["Subject"] == "您已經有帳號了" and "/forgot" in _body(to_owner)
    assert to_new["To"] == "chen@school.test" and "/confirm/" in _body(to_new)
    db.session.refresh(owner)
    assert owner.display_name == "王老師" and services.verify_password(owner, PASSWORD)


def test_a_link_invitation_is_joined_once_the_address_is_confirmed(client, smtp, ctx):
    school = make_school(name="光華國小")
    community = make_community(name="五年級數學社群", schools=[school])
    convener = db.session.get(User, community.created_by_id)
    invitation = community_services.create_invitation(community, actor=convener, role="member", single_use=False)
    db.session.commit()
    response = _sign_up(client, invite=invitation.token, school_id=str(school.id))
    assert response.status_code == 200 and "Check your mailbox" in _page(response)
    user = services.find_user_by_email("wang@school.test")
    assert db.session.scalar(select(Membership).where(Membership.user_id == user.id)) is None
    response = client.post_form(_link(smtp.messages[0]), {"password": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == f"/c/{community.slug}/"
    db.session.refresh(user)
    membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
    assert membership.community_id == community.id
    assert user.school_id == school.id  # the invitation from a community of the school asked for confirms it


def test_a_confirmed_address_at_a_registered_domain_joins_its_school(client, smtp, ctx):
    school = make_school(name="光華國小")
    services.add_school_domain(school, "guanghua.edu.tw", actor=make_user(is_admin=True))
    db.session.commit()
    _sign_up(client, email="lin@guanghua.edu.tw")
    user = services.find_user_by_email("lin@guanghua.edu.tw")
    assert user.school_id is None  # not before the address is confirmed
    client.post_form(_link(smtp.messages[0]), {"password": NEW_PASSWORD})
    db.session.refresh(user)
    assert user.school_id == school.id


def test_a_forgotten_password_link_confirms_a_waiting_account(client, smtp, ctx):
    _sign_up(client)
    smtp.envelopes.clear()
    client.post_form("/forgot", {"email": "wang@school.test"})
    [message] = smtp.messages
    [path] = re.findall(r"https?://[^/\s]+(/reset/\S+)", _body(message))
    other = "another long passphrase"
    assert client.post_form(path, {"password": other, "password_confirm": other}).status_code == 302
    user = services.find_user_by_email("wang@school.test")
    assert user.approved and user.email_confirmed_at is not None
