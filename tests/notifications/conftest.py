"""Fixtures of the notification tests: a local SMTP server, a fixed BASE_URL, notifications made quickly."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller

from tests.test_mail import Mailbox, _free_port
from workspace.extensions import db
from workspace.notifications import services

BASE_URL = "https://plc.example.test"


@pytest.fixture(autouse=True)
def _base_url(app, monkeypatch) -> None:
    """Build email links on a known address."""
    monkeypatch.setitem(app.config, "BASE_URL", BASE_URL)


@pytest.fixture()
def smtp(app) -> Iterator[Mailbox]:
    """A local SMTP server (aiosmtpd) the app is configured to send through."""
    mailbox = Mailbox()
    port = _free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    keys = ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "MAIL_USE_SSL", "MAIL_USERNAME", "MAIL_DEFAULT_SENDER")
    saved = {key: app.config.get(key) for key in keys}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False, MAIL_USE_SSL=False,
                      MAIL_USERNAME=None, MAIL_DEFAULT_SENDER="workspace@school.test")
    try:
        yield mailbox
    finally:
        controller.stop()
        app.config.update(saved)


def notify_one(user, actor, kind: str = "mention", *, community=None, title: str = "分數的教學",
               excerpt: str = "請大家看看這個教案", path: str = "/c/maths/discussions/3#post-7"):
    """Create one notification for `user` and commit it."""
    [notification] = services.notify([user], kind, actor=actor, community=community, subject_type="post",
                                     subject_id=7, title=title, excerpt=excerpt, path=path)
    db.session.commit()
    return notification
