"""Records every area shares: the audit trail and the content-addressed file blobs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workspace.core.cache import NEUTRAL, of_community
from workspace.core.database import UTCDateTime, utcnow
from workspace.extensions import db


class AuditEvent(db.Model):
    """Who did what to which record, when: role changes, removals, transfers, archives, exports."""

    __tablename__ = "audit_events"
    __cache_rule__ = of_community()  # the community's recent events; none: the admin's log (not cached)
    __table_args__ = (Index("ix_audit_events_community_created", "community_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(60))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int | None]
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    actor = relationship("User", lazy="raise")
    community = relationship("Community", lazy="raise")


def record_event(
    actor: Any,
    action: str,
    subject: Any,
    community: Any = None,
    **data: Any,
) -> AuditEvent:
    """Add an audit event for `action` on `subject` (flushed with the caller's transaction)."""
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        action=action,
        subject_type=type(subject).__name__,
        subject_id=getattr(subject, "id", None),
        community_id=getattr(community, "id", None),
        data=data,
    )
    db.session.add(event)
    return event


class Blob(db.Model):
    """The bytes of one uploaded file, stored once per content under its SHA-256 (see core/storage.py)."""

    __tablename__ = "blobs"
    __cache_rule__ = NEUTRAL  # stored bytes: the record that uses them bumps its own counters

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Blob {self.sha256[:12]} {self.media_type} {self.size}>"


class FormSubmission(db.Model):
    """A create form's one-time token, used once by one person, with where its answer sent them (core/once.py).

    Kept a day: a form sent twice is sent within seconds, or after the back button within minutes."""

    __tablename__ = "form_submissions"
    __cache_rule__ = NEUTRAL  # bookkeeping: the record the form created bumps its own counters
    __table_args__ = (UniqueConstraint("user_id", "token", name="uq_form_submissions_user_token"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token: Mapped[str] = mapped_column(String(64))
    location: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
