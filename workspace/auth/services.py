"""Account rules: registration, password hashing and strength, logins (throttled by auth/throttle.py), reset links."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Iterable
from typing import Any

import email_validator
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from zxcvbn import zxcvbn

from workspace.auth import throttle
from workspace.auth.models import LOCALES, LoginAttempt, PasswordReset, User, new_session_nonce
from workspace.core.database import utcnow
from workspace.core.errors import ValidationError
from workspace.core.models import record_event
from workspace.core.text import clean_line, has_visible_text
from workspace.extensions import db

MIN_PASSWORD_LENGTH = 10
# zxcvbn's score: 3 means about 10^10 guesses or more ("safely unguessable"); 2 lets "woaini1314" and
# "teacher2026" through.
MIN_PASSWORD_SCORE = 3
ZXCVBN_MAX_LENGTH = 72

# School networks run mail on internal names (school.local, lab.test): accept them, as the
# email_validator documentation suggests, by trimming its list of special-use domains.
_INTERNAL_MAIL_DOMAINS = {"local", "test", "internal", "lan", "home.arpa"}
email_validator.SPECIAL_USE_DOMAIN_NAMES[:] = [
    name for name in email_validator.SPECIAL_USE_DOMAIN_NAMES if name not in _INTERNAL_MAIL_DOMAINS
]

# argon2id is memory-hard; tests use a cheap profile so that hundreds of logins stay fast.
_HASHERS = {
    "default": PasswordHasher(),
    "fast": PasswordHasher(time_cost=1, memory_cost=8, parallelism=1),
}


def _hasher() -> PasswordHasher:
    return _HASHERS.get(current_app.config.get("PASSWORD_HASH_PROFILE", "default"), _HASHERS["default"])


def hash_password(password: str) -> str:
    """Hash a password with argon2id."""
    return _hasher().hash(password)


def _matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# One throwaway hash per hashing profile, made with that profile's parameters: checking a password against
# it costs what checking a real account's hash costs.
_DUMMY_HASHES: dict[int, str] = {}


def _dummy_hash() -> str:
    hasher = _hasher()
    if id(hasher) not in _DUMMY_HASHES:
        _DUMMY_HASHES[id(hasher)] = hasher.hash(secrets.token_urlsafe(24))
    return _DUMMY_HASHES[id(hasher)]


def verify_password(user: User, password: str) -> bool:
    """Check a password against the user's hash (and upgrade the hash when parameters changed)."""
    if not _matches(user.password_hash, password):
        return False
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return True


def normalize_email(email: str | None) -> str:
    """Lower-case and trim an address, so that one person has one account whatever the case."""
    return clean_line(email).lower()


def valid_email(email: str | None, *, field: str = "email") -> str:
    """Return the address normalised, or refuse it with a message for the field."""
    address = normalize_email(email)
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        raise ValidationError(str(_l("Enter a valid email address.")), field=field) from None
    return address


def find_user_by_email(email: str) -> User | None:
    """Return the account with this address (case-insensitive), or None."""
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def load_user_from_session_id(session_id: str) -> User | None:
    """Flask-Login's loader: "id:nonce"; a changed nonce (new password, deactivation) signs out."""
    user_id, _, nonce = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not secrets.compare_digest(user.session_nonce, nonce):
        return None
    return user


def _personal_words(values: Iterable[str | None]) -> list[str]:
    """The words of a person's email address and name that a guesser would try first."""
    words: list[str] = []
    for value in values:
        value = (value or "").strip().lower()
        if not value:
            continue
        local = value.partition("@")[0]  # the name part of an email address, "lin.meiling" in lin.meiling@…
        for word in (value, local, *re.split(r"[^\w]+", value)):
            if len(word) >= 3 and word not in words:
                words.append(word)
    return words


def check_password_strength(password: str, *, field: str = "password", personal: Iterable[str | None] = ()) -> None:
    """Refuse a password that is short or easy to guess: common passwords and their variants, words, names,
    keyboard rows, dates, repeats and sequences (zxcvbn), or the person's own name or email address (`personal`).
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            str(_l("Use at least %(count)d characters.", count=MIN_PASSWORD_LENGTH)), field=field
        )
    # zxcvbn refuses more than 72 characters (its matching grows fast with the length); a password whose first
    # 72 characters are hard to guess is hard to guess.
    result = zxcvbn(password[:ZXCVBN_MAX_LENGTH], user_inputs=_personal_words(personal))
    if result["score"] >= MIN_PASSWORD_SCORE:
        return
    found = {match.get("dictionary_name") for match in result["sequence"]}
    if "user_inputs" in found:
        message = _l("This password contains your name or email address, which others can guess. "
                     "A short sentence of four or five words is easy to remember and hard to guess.")
    elif "passwords" in found:
        message = _l("This is one of the most common passwords, or close to one. "
                     "A short sentence of four or five words is easy to remember and hard to guess.")
    else:
        message = _l("This password is too easy to guess (a repeated or simple pattern, a keyboard row, a date "
                     "or a common word). A short sentence of four or five words is easy to remember and hard to guess.")
    raise ValidationError(str(message), field=field)


def register_user(
    *, email: str, display_name: str, password: str, locale: str | None = None, school_id: int | None = None
) -> User:
    """Create an account; a second account with the same address (in any case) is refused."""
    email = valid_email(email)
    display_name = clean_line(display_name)
    if not has_visible_text(display_name):
        raise ValidationError(str(_l("Enter your name.")), field="display_name")
    if find_user_by_email(email) is not None:
        raise ValidationError(
            str(_l("An account with this email address already exists. Log in instead.")), field="email"
        )
    check_password_strength(password, personal=(email, display_name))
    user = User(
        email=email,
        display_name=display_name,
        password_hash=hash_password(password),
        locale=locale if locale in LOCALES else None,
        school_id=school_id,
    )
    db.session.add(user)
    db.session.flush()
    return user


def login_refusal(email: str, client: throttle.Client, *, now: dt.datetime | None = None) -> throttle.Refusal | None:
    """Say whether a login for this address from this client must wait first (the same for every address,
    whether or not it has an account)."""
    return throttle.check(normalize_email(email), client, now=now)


def authenticate(email: str, password: str, client: throttle.Client | str | None, *,
                 now: dt.datetime | None = None) -> User | None:
    """Return the user when the address and password match an active account; record the attempt.

    `client` is a throttle.Client, or just the network address.
    """
    if not isinstance(client, throttle.Client):
        client = throttle.Client(address=client or "")
    email = normalize_email(email)
    user = find_user_by_email(email)
    # One password check, against the account's hash or a dummy one with the same parameters, whatever the
    # account's state: the time taken says nothing about whether the account exists or is deactivated.
    matches = _matches(user.password_hash if user is not None else _dummy_hash(), password)
    ok = user is not None and matches and user.active
    if ok and _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    now = now or utcnow()
    db.session.add(LoginAttempt(email=email[:254], address=client.address[:64], browser=client.browser,
                                succeeded=ok, attempted_at=now))
    throttle.record(email, client, ok, now=now)
    if ok and user is not None:
        user.last_login_at = now
        return user
    return None


def set_password(user: User, password: str, *, actor: Any = None, field: str = "password") -> None:
    """Set a new password and sign the user out of every other session."""
    check_password_strength(password, field=field, personal=(user.email, user.display_name))
    user.password_hash = hash_password(password)
    user.session_nonce = new_session_nonce()
    record_event(actor or user, "user.password_changed", user)


def update_profile(user: User, *, display_name: str, locale: str | None, school_id: int | None) -> None:
    """Change one's name, language and school."""
    display_name = clean_line(display_name)
    if not has_visible_text(display_name):
        raise ValidationError(str(_l("Enter your name.")), field="display_name")
    user.display_name = display_name
    user.locale = locale if locale in LOCALES else None
    user.school_id = school_id


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_password_reset(user: User, *, actor: Any = None, hours: int | None = None) -> str:
    """Make a one-time reset link token for the user (only its hash is kept); return the token."""
    token = secrets.token_urlsafe(32)
    hours = hours or current_app.config["RESET_LINK_HOURS"]
    db.session.add(
        PasswordReset(
            user_id=user.id,
            token_hash=_token_hash(token),
            created_by_id=getattr(actor, "id", None),
            expires_at=utcnow() + dt.timedelta(hours=hours),
        )
    )
    record_event(actor or user, "user.reset_link_created", user)
    return token


def find_password_reset(token: str) -> PasswordReset | None:
    """Return the reset record for a token, whatever its state, or None."""
    return db.session.scalar(select(PasswordReset).where(PasswordReset.token_hash == _token_hash(token)))


def reset_link_problem(reset: PasswordReset | None) -> str | None:
    """Say why a reset link cannot be used, or None when it can."""
    if reset is None:
        return str(_l("This password reset link is not valid. Ask for a new one."))
    if reset.used_at is not None:
        return str(_l("This password reset link has already been used. Ask for a new one."))
    if utcnow() >= reset.expires_at:
        return str(_l("This password reset link has expired. Ask for a new one."))
    if not reset.user.active:
        return str(_l("This account is deactivated. Ask a site administrator."))
    return None


def use_password_reset(token: str, password: str) -> User:
    """Set a new password through a reset link; the link then stops working."""
    reset = find_password_reset(token)
    problem = reset_link_problem(reset)
    if problem or reset is None:
        raise ValidationError(problem or "", field=None)
    set_password(reset.user, password)
    reset.used_at = utcnow()
    # Every other open link for this account dies with it.
    for other in db.session.scalars(
        select(PasswordReset).where(PasswordReset.user_id == reset.user_id, PasswordReset.used_at.is_(None))
    ):
        other.used_at = reset.used_at
    return reset.user


def set_user_active(user: User, active: bool, *, actor: Any) -> None:
    """Deactivate (sign out everywhere, refuse logins) or reactivate an account."""
    if user.id == getattr(actor, "id", None) and not active:
        raise ValidationError(str(_l("You cannot deactivate your own account.")))
    user.active = active
    if not active:
        user.session_nonce = new_session_nonce()
    record_event(actor, "user.activated" if active else "user.deactivated", user)


def set_user_admin(user: User, is_admin: bool, *, actor: Any) -> None:
    """Grant or take away site administration."""
    if user.id == getattr(actor, "id", None) and not is_admin:
        raise ValidationError(str(_l("You cannot remove your own administrator rights.")))
    user.is_admin = is_admin
    record_event(actor, "user.admin_granted" if is_admin else "user.admin_revoked", user)


def create_admin(email: str, password: str, display_name: str | None = None) -> User:
    """Create a site administrator, or make an existing account one (used by the CLI)."""
    user = find_user_by_email(email)
    if user is None:
        user = register_user(email=email, display_name=display_name or email.split("@")[0], password=password)
    else:
        set_password(user, password)
    user.is_admin = True
    user.active = True
    return user
