"""Notifications: what a person should hear about (a mention, a reply in a thread they watch …),
shown under the bell and, when SMTP is configured, sent by email in batches.

A notification names its subject generically (type and id) and keeps the path to open, so every area
(discussions, plans, mentoring, compliance's submissions) notifies through the same table.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workspace.core.cache import NEUTRAL, of_user
from workspace.core.database import UTCDateTime, utcnow
from workspace.extensions import db


class Notification(db.Model):
    """One thing for one person to see: who did what, where, and the path that opens it."""

    __tablename__ = "notifications"
    __cache_rule__ = of_user()  # the bell and the list are the recipient's own
    __table_args__ = (
        Index("ix_notifications_user_unread", "user_id", "read_at", "id"),
        Index("ix_notifications_email_pending", "email_state", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))  # services.KINDS: mention, reply, answer, report, assigned, …
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    subject_type: Mapped[str] = mapped_column(String(30))  # post, thread …
    subject_id: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200), default="")  # e.g. the thread's title
    excerpt: Mapped[str] = mapped_column(String(300), default="")  # the first words of the post
    path: Mapped[str] = mapped_column(String(500))  # where "open" goes, e.g. /c/x/discussions/3?page=2#post-51
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Email: "pending" until the batch sends it, then "sent"; "none" when no email is wanted.
    email_state: Mapped[str] = mapped_column(String(10), default="none")

    user = relationship("User", foreign_keys=[user_id])
    actor = relationship("User", foreign_keys=[actor_id])
    community = relationship("Community")


class NotificationSettings(db.Model):
    """A person's choices; without a row, the defaults below apply."""

    __tablename__ = "notification_settings"
    __cache_rule__ = of_user()

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    notify_replies: Mapped[bool] = mapped_column(Boolean, default=True)  # replies in threads I watch
    email_mentions: Mapped[bool] = mapped_column(Boolean, default=True)
    email_replies: Mapped[bool] = mapped_column(Boolean, default=True)
    email_reviews: Mapped[bool] = mapped_column(Boolean, default=True)  # submissions handed in, returned, approved
    notify_lessons: Mapped[bool] = mapped_column(Boolean, default=True)  # public lessons in my communities
    email_lessons: Mapped[bool] = mapped_column(Boolean, default=True)
    notify_deadlines: Mapped[bool] = mapped_column(Boolean, default=True)  # reminders of what is due (deliverables)
    email_deadlines: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReminderSent(db.Model):
    """That one person was reminded of one thing at one threshold (`key`, e.g. "deliverable:12:plc.report:
    2026-07-31:week"): a reminder job run twice, or late, tells nobody twice. The primary key is the guard."""

    __tablename__ = "reminders_sent"
    __cache_rule__ = NEUTRAL  # bookkeeping no page shows (the notice it guards bumps its reader)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
