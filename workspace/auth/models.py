"""Accounts: users, their logins (one per device), login attempts and password-reset links."""

from __future__ import annotations

import datetime as dt
import enum

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workspace.core.cache import NEUTRAL, of_user, site_wide
from workspace.core.database import UTCDateTime, one_of, utcnow
from workspace.extensions import db

LOCALES = ("zh_Hant", "zh_Hans", "en")


class Title(enum.StrEnum):
    """A teacher's professional title (職稱), lowest first: the rules compare levels (URC's mentors hold
    intermediate or above), so the order of this enum is the order of the titles."""

    NONE = "none"
    JUNIOR = "junior"  # 初級
    INTERMEDIATE = "intermediate"  # 中級
    SENIOR = "senior"  # 高級
    PROFESSOR = "professor"  # 正高級


TITLE_LEVELS = {title.value: level for level, title in enumerate(Title)}  # none 0, junior 1 … professor 4


def title_level(title: str | None) -> int:
    """The level of a professional title (0 for none or an unknown value), for rules that compare them."""
    return TITLE_LEVELS.get(title or "", 0)


class User(UserMixin, db.Model):
    """A person with an account. Emails are stored lower-cased, so uniqueness ignores case."""

    __tablename__ = "users"
    # names show on every page; a login changes none (nor the language it was made in)
    __cache_rule__ = site_wide(ignoring=("last_login_at", "mail_locale"))
    __table_args__ = (one_of("title", Title),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    locale: Mapped[str | None] = mapped_column(String(10))
    # The language of the last login, for emails to someone who never chose one (the pages follow their browser;
    # an email has no browser to follow, and went out in the deployment's default).
    mail_locale: Mapped[str | None] = mapped_column(String(10))
    # The invitation a person signed up through while the site sends no email: joined when an administrator lets
    # the account in (communities.services.accept_pending_invitation). A plain id: the invitation may be gone.
    pending_invitation_id: Mapped[int | None] = mapped_column(Integer)
    # The school the person belongs to, as granted: by an administrator, by accepting an invitation from one of
    # its communities, or by a confirmed address at one of its email domains. Only this one opens the school's
    # school-wide material; a school the person picks only asks for it (requested_school_id).
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id", ondelete="SET NULL"), index=True)
    requested_school_id: Mapped[int | None] = mapped_column(
        ForeignKey("schools.id", ondelete="SET NULL"), index=True)
    # What the urban-rural and mentoring rules read of a teacher: the professional title and the subjects taught
    # (e.g. ["數學", "語文"], typed like an activity's subjects).
    title: Mapped[str] = mapped_column(String(20), default=Title.NONE.value)
    subjects: Mapped[list[str]] = mapped_column(JSON, default=list)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # When the account was let in (its address confirmed, an administrator's approval or creation, an
    # invitation sent to the address). Until then nobody can log in with it.
    approved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # When the person proved they read mail at this address (which is what an email domain's school trusts).
    email_confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    school = relationship("School", foreign_keys=[school_id])
    requested_school = relationship("School", foreign_keys=[requested_school_id])

    # The login this request runs under (set by the session loader and by a new login), not a column.
    login = None  # the UserSession
    session_token = None  # "<login id>:<secret>"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def approved(self) -> bool:
        """Whether the account may be used (its address confirmed or an administrator let it in)."""
        return self.approved_at is not None

    def get_id(self) -> str:
        """Flask-Login's id, kept in the session and the remember cookie: this login's id and secret."""
        if self.session_token is None:
            raise RuntimeError("no login: start one with auth.services.start_session()")
        return self.session_token

    def __eq__(self, other: object) -> bool:
        # UserMixin compares get_id(), which names a login, not a person.
        if isinstance(other, User):
            return self is other or (self.id is not None and self.id == other.id)
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class UserSession(db.Model):
    """One login on one device: its id and secret ride in the session and remember cookies.

    Loading the user checks that this row is still open, so logging out (or out everywhere), a new password
    and deactivation end a login on the server: a copied cookie stops working. Only the secret's SHA-256 is
    stored.
    """

    __tablename__ = "user_sessions"
    __cache_rule__ = NEUTRAL  # a login seen again changes no page
    __table_args__ = (Index("ix_user_sessions_user_open", "user_id", "ended_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    secret_hash: Mapped[str] = mapped_column(String(64))
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    user_agent: Mapped[str] = mapped_column(String(400), default="")
    address: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<UserSession {self.id} of user {self.user_id}>"


class LoginAttempt(db.Model):
    """A login attempt, kept in the database so that every worker counts the same failures (auth/throttle.py)."""

    __tablename__ = "login_attempts"
    __cache_rule__ = NEUTRAL  # no page shows login attempts
    __table_args__ = (
        Index("ix_login_attempts_email_at", "email", "attempted_at"),
        Index("ix_login_attempts_address_at", "address", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    address: Mapped[str | None] = mapped_column(String(64))
    # The known-browser id when the attempt came from a browser that had logged in to this account before.
    browser: Mapped[str | None] = mapped_column(String(32))
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)
    attempted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class PasswordReset(db.Model):
    """A one-time password-reset link. Only the token's SHA-256 is stored."""

    __tablename__ = "password_resets"
    __cache_rule__ = of_user()

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Sent to the account's address (forgotten password, a new account's welcome): using it proves the mailbox.
    mailed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    user = relationship("User", foreign_keys=[user_id], lazy="joined")
