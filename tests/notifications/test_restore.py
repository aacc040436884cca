"""A restore of an earlier backup does not send again what was sent since (core/backup.keep_across_restore):
notification emails and deadline reminders."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from tests.factories import make_user
from tests.notifications.conftest import notify_one
from workspace.core.backup import make_backup, restore_backup
from workspace.core.database import utcnow
from workspace.extensions import db
from workspace.notifications import services
from workspace.notifications.models import Notification, ReminderSent

LATER = dt.timedelta(minutes=6)
REMINDER = "deliverable:1:plc.report:2027-07-31:week"


def _state(notification_id: int) -> str:
    return db.session.scalar(select(Notification.email_state).where(Notification.id == notification_id))


def test_emails_and_reminders_sent_after_the_backup_are_not_sent_again_after_its_restore(
        app, ctx, smtp, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path / "uploads"))
    actor, lin, wang, kim = make_user(), make_user(email="lin@school.test"), make_user(), make_user()
    for_lin, for_wang, for_kim = (notify_one(person, actor).id for person in (lin, wang, kim))
    lin_id, kim_email = lin.id, kim.email  # the restore closes the session: its objects are gone with it
    archive = make_backup(str(tmp_path / "before-the-batch.tar.gz"))

    # After the backup: Kim reads hers under the bell (no email), the batch emails Lin and Wang, Lin is reminded of
    # a deadline, and a newcomer signs up and is reminded too.
    db.session.get(Notification, for_kim).read_at = utcnow()
    db.session.commit()
    assert services.send_pending_emails(now=utcnow() + LATER) == 2
    newcomer = make_user()
    db.session.add_all([ReminderSent(user_id=lin.id, key=REMINDER), ReminderSent(user_id=newcomer.id, key=REMINDER)])
    db.session.commit()
    assert len(smtp.envelopes) == 2

    restore_backup(archive)

    assert _state(for_lin) == _state(for_wang) == "sent"
    assert _state(for_kim) == "pending"  # never emailed, and unread again in the restored timeline: still due
    assert db.session.scalars(select(ReminderSent.user_id).where(ReminderSent.key == REMINDER)).all() == [lin_id]
    assert services.send_pending_emails(now=utcnow() + LATER) == 1
    assert [envelope.rcpt_tos for envelope in smtp.envelopes[2:]] == [[kim_email]]


def test_a_notification_made_anew_under_a_reused_id_is_still_emailed(app, ctx, smtp, tmp_path, monkeypatch):
    """Only the same notification (id, person and the moment it was made) counts as sent: the restored timeline's
    own new notification under that id was never emailed."""
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path / "uploads"))
    actor, lin = make_user(), make_user()
    archive = make_backup(str(tmp_path / "empty.tar.gz"))
    first = notify_one(lin, actor).id
    assert services.send_pending_emails(now=utcnow() + LATER) == 1

    restore_backup(archive)

    again = notify_one(lin, actor).id
    assert again == first and _state(again) == "pending"
    assert services.send_pending_emails(now=utcnow() + LATER) == 1
