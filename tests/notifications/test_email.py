"""The notification batch against a real local SMTP server (aiosmtpd), and the cron command."""

from __future__ import annotations

import datetime as dt
import os
import re
import sqlite3

import pytest
from sqlalchemy import func, select

from tests.factories import make_community, make_user
from tests.notifications.conftest import BASE_URL, notify_one
from tests.test_mail import _free_port
from workspace.core.database import utcnow
from workspace.extensions import db
from workspace.notifications import services
from workspace.notifications.models import Notification

LATER = dt.timedelta(minutes=6)


def _body(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def _pending() -> int:
    return db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.email_state == "pending"))


def test_the_batch_sends_one_utf8_email_per_person_with_working_links(ctx, smtp, make_client):
    lin = make_user(email="lin@school.test", display_name="林美玲", locale="en")
    wang = make_user(email="wang@school.test", display_name="王小明", locale="en")
    actor = make_user(display_name="陳老師")
    community = make_community(name="五年級數學社群")
    for title in ("分數的教學", "小數的加減"):
        notify_one(lin, actor, community=community, title=title, excerpt="請看第二段的提問設計",
                   path="/c/maths/discussions/3?page=2#post-51")
    notify_one(lin, actor, "reply", community=community, title="期末評量")
    notify_one(wang, actor, "reply", community=community, title="教研活動")

    assert services.send_pending_emails(now=utcnow() + LATER) == 2
    db.session.commit()
    assert sorted(envelope.rcpt_tos[0] for envelope in smtp.envelopes) == ["lin@school.test", "wang@school.test"]
    messages = {message["To"]: message for message in smtp.messages}
    message = messages["lin@school.test"]
    assert message.get_content_charset() == "utf-8"
    assert message["Subject"] == "3 new notifications in the PLC Workspace"
    body = _body(message)
    assert "Hello 林美玲," in body
    assert "陳老師 mentioned you in “分數的教學”" in body and "陳老師 mentioned you in “小數的加減”" in body
    assert "陳老師 replied in “期末評量”" in body
    assert "五年級數學社群" in body and "請看第二段的提問設計" in body
    assert f"{BASE_URL}/c/maths/discussions/3?page=2#post-51" in body
    assert f"{BASE_URL}/notifications/" in body and f"{BASE_URL}/notifications/settings" in body
    assert "教研活動" not in body  # Wang's news goes to Wang only
    assert "教研活動" in _body(messages["wang@school.test"])
    assert _pending() == 0

    [link] = re.findall(re.escape(BASE_URL) + r"/notifications/unsubscribe/\S+", body)
    # Mail programs show their own button, one click (RFC 8058): the header names the same token's one-click address.
    assert message["List-Unsubscribe"] == f"<{link}/one-click>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    path = link.removeprefix(BASE_URL)
    browser = make_client()  # not logged in: the link works from any mail client
    page = browser.get(path)
    assert page.status_code == 200 and "林美玲" in page.get_data(as_text=True)
    response = browser.post_form(path)
    assert response.status_code == 302
    db.session.expire_all()
    settings = services.settings_for(lin)
    assert not settings.email_mentions and not settings.email_replies

    # Lin hears nothing by email from now on; Wang still does.
    notify_one(lin, actor, community=community)
    notify_one(wang, actor, community=community)
    assert services.send_pending_emails(now=utcnow() + LATER) == 1
    assert smtp.envelopes[-1].rcpt_tos == ["wang@school.test"]


def test_an_unreachable_mail_server_leaves_notifications_pending(ctx, app, smtp):
    notify_one(make_user(), make_user())
    app.config["MAIL_PORT"] = _free_port()  # nobody listens there
    assert services.send_pending_emails(now=utcnow() + LATER) == 0
    db.session.commit()
    assert _pending() == 1
    assert smtp.envelopes == []


def test_the_cron_command_sends_and_commits(ctx, app, smtp, monkeypatch):
    monkeypatch.setitem(app.config, "NOTIFY_EMAIL_DELAY_MINUTES", 0)
    notify_one(make_user(email="lin@school.test"), make_user())
    result = app.test_cli_runner().invoke(args=["send-notifications"])
    assert result.exit_code == 0, result.output
    assert "Notification emails sent: 1" in result.output
    assert len(smtp.envelopes) == 1
    db.session.expire_all()
    assert _pending() == 0  # committed by the command
    result = app.test_cli_runner().invoke(args=["send-notifications"])
    assert "Notification emails sent: 0" in result.output


def test_each_email_is_in_its_recipients_language(ctx, smtp):
    taipei = make_user(email="tw@school.test", display_name="黃老師", locale="zh_Hant")
    county = make_user(email="cn@school.test", display_name="周老师", locale="zh_Hans")
    english = make_user(email="en@school.test", display_name="Emily", locale="en")
    actor = make_user(display_name="陳老師")
    for person in (taipei, county, english):
        notify_one(person, actor, title="分數的教學")
    assert services.send_pending_emails(now=utcnow() + LATER) == 3
    messages = {message["To"]: message for message in smtp.messages}
    assert messages["tw@school.test"]["Subject"] == "教師專業學習社群平台有 1 則新通知"
    assert "陳老師在「分數的教學」中提及您" in _body(messages["tw@school.test"])
    assert messages["cn@school.test"]["Subject"] == "教师专业学习社群平台有 1 条新通知"
    assert "陳老師在“分數的教學”中提及了您" in _body(messages["cn@school.test"])
    assert messages["en@school.test"]["Subject"] == "1 new notification in the PLC Workspace"


@pytest.mark.skipif(os.environ.get("WORKSPACE_TEST_DB") == "postgres", reason="SQLite's database-wide write lock")
def test_the_notification_emails_go_out_without_holding_the_write_lock(app, smtp, monkeypatch):
    """The cron sends email after email; while a mail server takes its time, people's saves go on."""
    with app.app_context():
        for index in range(3):
            notify_one(make_user(email=f"teacher-{index}@school.test"), make_user())
        db.session.commit()
        database = db.engine.url.database
    monkeypatch.setitem(app.config, "NOTIFY_EMAIL_DELAY_MINUTES", 0)
    writes_meanwhile: list[str] = []
    send = smtp.handle_DATA

    async def while_sending(server, session, envelope):  # another person saves as each email is handed over
        other = sqlite3.connect(database, isolation_level=None, timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("UPDATE cache_counters SET value = value + 1")
            other.execute("COMMIT")
            writes_meanwhile.append("saved")
        except sqlite3.OperationalError as error:
            writes_meanwhile.append(str(error))
        finally:
            other.close()
        return await send(server, session, envelope)

    monkeypatch.setattr(smtp, "handle_DATA", while_sending)
    result = app.test_cli_runner().invoke(args=["send-notifications"])
    assert "Notification emails sent: 3" in result.output, result.output
    assert writes_meanwhile == ["saved"] * 3
