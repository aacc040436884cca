"""Outgoing email against a real local SMTP server (aiosmtpd): reset links and invitations."""

from __future__ import annotations

import base64
import datetime as dt
import email
import email.utils
import logging
import re
import socket
import socketserver
import threading
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from tests.factories import make_community, make_user
from workspace.auth import services
from workspace.auth.models import PasswordReset
from workspace.communities.models import Invitation, Membership
from workspace.core.mail import build_message, send_mail
from workspace.extensions import db

NEW_PASSWORD = "a fresh and long passphrase"


class Mailbox:
    """An aiosmtpd handler that keeps every envelope it receives."""

    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list[EmailMessage]:
        return [email.message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
                for envelope in self.envelopes]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture()
def smtp(app) -> Iterator[Mailbox]:
    """A local SMTP server the app is configured to send through."""
    mailbox = Mailbox()
    port = _free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    saved = {key: app.config.get(key) for key in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "MAIL_USE_SSL",
                                                  "MAIL_USERNAME", "MAIL_DEFAULT_SENDER")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False, MAIL_USE_SSL=False,
                      MAIL_USERNAME=None, MAIL_DEFAULT_SENDER="workspace@school.test")
    try:
        yield mailbox
    finally:
        controller.stop()
        app.config.update(saved)


def _body(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def _without_csrf(page: str) -> str:
    return re.sub(r'(data-token="|name="csrf_token" value=")[^"]+', r"\1", page)


def test_forgot_password_sends_one_utf8_email_with_a_working_link(client, make_client, smtp, ctx):
    user = make_user(email="lin@school.test", display_name="林美玲")
    form = client.get("/forgot").get_data(as_text=True)
    assert 'name="email"' in form
    response = client.post_form("/forgot", {"email": "LIN@School.test"})
    assert response.status_code == 200
    assert "Check your mailbox" in response.get_data(as_text=True)

    assert len(smtp.envelopes) == 1
    envelope = smtp.envelopes[0]
    assert envelope.mail_from == "workspace@school.test"
    assert envelope.rcpt_tos == ["lin@school.test"]
    [message] = smtp.messages
    assert message["To"] == "lin@school.test"
    assert message["Message-ID"]
    assert message.get_content_charset() == "utf-8"
    links = re.findall(r"https?://\S+/reset/[A-Za-z0-9_-]+", _body(message))
    assert len(links) == 1
    token = links[0].rsplit("/reset/", 1)[1]
    # Only the hash is kept, and the link lives one hour.
    reset = services.find_password_reset(token)
    assert reset is not None and reset.user_id == user.id
    assert token not in reset.token_hash

    browser = make_client()
    assert browser.get(f"/reset/{token}").status_code == 200
    response = browser.post_form(f"/reset/{token}", {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert "林美玲" in browser.get("/").get_data(as_text=True)
    db.session.refresh(user)
    assert services.verify_password(user, NEW_PASSWORD)


def test_unknown_or_deactivated_address_sends_nothing_and_answers_the_same(client, smtp, ctx):
    make_user(email="lin@school.test")
    make_user(email="gone@school.test", active=False)
    known = client.post_form("/forgot", {"email": "lin@school.test"})
    assert len(smtp.envelopes) == 1
    unknown = client.post_form("/forgot", {"email": "nobody@school.test"})
    deactivated = client.post_form("/forgot", {"email": "gone@school.test"})
    assert len(smtp.envelopes) == 1
    assert known.status_code == unknown.status_code == deactivated.status_code == 200
    page = _without_csrf(known.get_data(as_text=True))
    assert _without_csrf(unknown.get_data(as_text=True)) == page
    assert _without_csrf(deactivated.get_data(as_text=True)) == page
    assert db.session.scalar(select(func.count(PasswordReset.id))) == 1


def test_forgot_password_refuses_an_empty_address(client, smtp, ctx):
    response = client.post_form("/forgot", {"email": ""})
    assert response.status_code == 422
    assert 'id="email-error"' in response.get_data(as_text=True)
    assert smtp.envelopes == []


def test_email_invitation_sends_the_invite_link(client, make_client, smtp, ctx):
    convener = make_user(display_name="林美玲")
    community = make_community(convener=convener, name="五年級數學社群")
    client.login(convener)
    response = client.post_form(f"/c/{community.slug}/members/invitations", {
        "how": "email", "email": "Wang@School.test", "role": "member", "single_use": "y", "days": "14",
    })
    assert response.status_code == 302
    invitation = db.session.scalar(select(Invitation))
    assert invitation.email == "wang@school.test"

    assert len(smtp.envelopes) == 1
    assert smtp.envelopes[0].rcpt_tos == ["wang@school.test"]
    [message] = smtp.messages
    assert message.get_content_charset() == "utf-8"
    assert "五年級數學社群" in message["Subject"] and "林美玲" in message["Subject"]
    body = _body(message)
    assert "五年級數學社群" in body and "林美玲" in body
    links = re.findall(r"https?://\S+/invite/[A-Za-z0-9_-]+", body)
    assert len(links) == 1
    token = links[0].rsplit("/invite/", 1)[1]
    assert token == invitation.token
    assert "Invitation sent to wang@school.test" in client.get(f"/c/{community.slug}/members/").get_data(as_text=True)

    invitee = make_user(email="wang@school.test")
    browser = make_client().login(invitee)
    assert browser.get(f"/invite/{token}").status_code == 200
    assert browser.post_form(f"/invite/{token}").status_code == 302
    assert db.session.scalar(
        select(Membership).where(Membership.user_id == invitee.id, Membership.community_id == community.id)
    ) is not None


def test_link_invitation_sends_no_email(client, smtp, ctx):
    convener = make_user()
    community = make_community(convener=convener)
    client.login(convener)
    response = client.post_form(f"/c/{community.slug}/members/invitations", {
        "how": "link", "email": "", "role": "member", "days": "7",
    })
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(Invitation.id))) == 1
    assert smtp.envelopes == []


def test_without_a_mail_server_nothing_is_sent_and_nothing_fails(client, app, smtp, ctx):
    app.config["MAIL_SERVER"] = None  # the SMTP server runs, but the app is not told about it
    make_user(email="lin@school.test")
    response = client.post_form("/forgot", {"email": "lin@school.test"})
    assert response.status_code == 200
    assert "Ask a site administrator" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(PasswordReset.id))) == 0

    convener = make_user()
    community = make_community(convener=convener)
    client.login(convener)
    response = client.post_form(f"/c/{community.slug}/members/invitations", {
        "how": "email", "email": "wang@school.test", "role": "member", "single_use": "y", "days": "14",
    })
    assert response.status_code == 302
    invitation = db.session.scalar(select(Invitation))
    assert invitation.email == "wang@school.test"
    members = client.get(f"/c/{community.slug}/members/").get_data(as_text=True)
    assert "Mail is not set up here" in members
    assert invitation.token in members  # the convener copies the link instead
    assert smtp.envelopes == []


def test_an_unreachable_mail_server_breaks_nothing(client, app, ctx):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=_free_port(), MAIL_USE_TLS=False)  # nobody listens
    make_user(email="lin@school.test")
    response = client.post_form("/forgot", {"email": "lin@school.test"})
    assert response.status_code == 200
    assert "Check your mailbox" in response.get_data(as_text=True)  # the same answer: nothing is revealed

    convener = make_user()
    community = make_community(convener=convener)
    client.login(convener)
    response = client.post_form(f"/c/{community.slug}/members/invitations", {
        "how": "email", "email": "wang@school.test", "role": "member", "single_use": "y", "days": "14",
    })
    assert response.status_code == 302
    invitation = db.session.scalar(select(Invitation))
    members = client.get(f"/c/{community.slug}/members/").get_data(as_text=True)
    assert "Invitation sent" not in members
    assert invitation.token in members  # the convener can still copy the link


class _PlainAuthServer(socketserver.StreamRequestHandler):
    """An SMTP server that offers AUTH but no STARTTLS, and keeps every line a client sends it."""

    lines: list[bytes]
    starttls = False  # offer STARTTLS (and then refuse it: the test only needs to see it asked for)

    def handle(self) -> None:
        self.wfile.write(b"220 plain.test ESMTP\r\n")
        while line := self.rfile.readline():
            self.lines.append(line)
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                offer = b"250-STARTTLS\r\n" if self.starttls else b""
                self.wfile.write(b"250-plain.test\r\n" + offer + b"250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n")
            elif line.upper().startswith(b"STARTTLS"):
                self.wfile.write(b"454 TLS not available now\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            elif verb == b"DATA":
                self.wfile.write(b"354 go on\r\n")
            else:
                self.wfile.write(b"250 OK\r\n")


@pytest.fixture(params=[False])
def plain_auth_server(app, request) -> Iterator[list[bytes]]:
    """A server without STARTTLS the app is configured to log in to with MAIL_USE_TLS on (the default)."""
    lines: list[bytes] = []
    handler = type("Handler", (_PlainAuthServer,), {"lines": lines, "starttls": request.param})
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    saved = {key: app.config.get(key) for key in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "MAIL_USE_SSL",
                                                  "MAIL_USERNAME", "MAIL_PASSWORD", "MAIL_DEFAULT_SENDER")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.server_address[1], MAIL_USE_TLS=True,
                      MAIL_USE_SSL=False, MAIL_USERNAME="plc@school.test", MAIL_PASSWORD="S3cret-Mail-Pw",
                      MAIL_DEFAULT_SENDER="workspace@school.test")
    try:
        yield lines
    finally:
        server.shutdown()
        server.server_close()
        app.config.update(saved)


def test_with_tls_required_a_server_without_starttls_never_gets_the_password(ctx, plain_auth_server, caplog):
    with caplog.at_level(logging.ERROR):
        assert send_mail("lin@school.test", "Hello", "Body") is False
    received = b"".join(plain_auth_server)
    assert received.lower().startswith(b"ehlo")
    assert b"AUTH" not in received and b"MAIL FROM" not in received  # no login, no message, in clear
    assert base64.b64encode(b"\x00plc@school.test\x00S3cret-Mail-Pw") not in received
    assert any("offers no STARTTLS" in record.getMessage() or "offers no STARTTLS" in (record.exc_text or "")
               for record in caplog.records)


@pytest.mark.parametrize("plain_auth_server", [True], indirect=True)
def test_with_tls_required_starttls_is_asked_for_before_anything_else(ctx, plain_auth_server):
    """The STARTTLS offer is read from the EHLO answer (has_extn before any EHLO never saw it: no TLS at all)."""
    assert send_mail("lin@school.test", "Hello", "Body") is False  # this server then refuses to start TLS
    verbs = [line.split()[0].upper() for line in plain_auth_server if line.strip()]
    assert verbs[:2] == [b"EHLO", b"STARTTLS"]
    assert b"AUTH" not in verbs


def test_a_notification_email_refused_for_want_of_starttls_stays_pending(ctx, plain_auth_server):
    from workspace.notifications.models import Notification
    from workspace.notifications.services import send_pending_emails

    author, reader = make_user(), make_user(email="reader@school.test")
    community = make_community(convener=author)
    db.session.add(Notification(user_id=reader.id, actor_id=author.id, community_id=community.id, kind="mention",
                                subject_type="post", path="/c/x/", email_state="pending"))
    db.session.commit()
    assert send_pending_emails(delay=dt.timedelta(0)) == 0
    assert db.session.scalar(select(Notification.email_state)) == "pending"
    assert b"AUTH" not in b"".join(plain_auth_server)


def test_every_email_has_a_date_a_message_id_and_a_literal_list_unsubscribe(ctx):
    url = "https://plc.qa-deploy.example/notifications/unsubscribe/Mw.CF7CNrc201CgYlzbucDbQ5PfSHw"
    message = build_message("lin@school.test", "新的提及", "內文", headers={"List-Unsubscribe": f"<{url}>"})
    raw = message.as_bytes()
    assert f"List-Unsubscribe: <{url}>".encode() in raw  # one literal line: mail programs read no encoded words here
    assert b"=?utf-8?" not in raw.split(b"Subject:")[0]
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert parsed["List-Unsubscribe"] == f"<{url}>"
    assert parsed["Date"].endswith(" -0000")  # UTC (RFC 5322: the sender's own zone is not told)
    sent_at = email.utils.parsedate_to_datetime(parsed["Date"]).replace(tzinfo=dt.UTC)
    assert abs((sent_at - dt.datetime.now(dt.UTC)).total_seconds()) < 60
    assert re.fullmatch(r"<[^@<>\s]+@[^@<>\s]+>", parsed["Message-ID"])
    assert parsed["Subject"] == "新的提及"


def test_the_sent_email_arrives_with_its_date_and_list_unsubscribe(ctx, smtp):
    url = "http://127.0.0.1:5000/notifications/unsubscribe/Mw.CF7CNrc201CgYlzbucDbQ5PfSHwAAAAAAAAAAAAAAAA"
    assert send_mail("lin@school.test", "Hello", "Body", headers={"List-Unsubscribe": f"<{url}>"})
    (envelope,) = smtp.envelopes
    assert f"List-Unsubscribe: <{url}>".encode() in envelope.original_content
    (message,) = smtp.messages
    assert message["Date"] and message["Message-ID"].endswith("@school.test>")
