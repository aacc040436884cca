"""Account rules: registration and its confirmation, password hashing and strength, logins (sessions, throttled
by auth/throttle.py), reset links, schools."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import email_validator
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from email_validator import EmailNotValidError, validate_email
from flask import current_app, g
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import Connection, bindparam, column, delete, exists, func, or_, select, table, update
from zxcvbn import zxcvbn

from workspace.auth import throttle
from workspace.auth.models import LOCALES, LoginAttempt, PasswordReset, Title, User, UserSession
from workspace.communities.models import Community, Membership, School, SchoolEmailDomain, community_schools
from workspace.core.cache import PageReader
from workspace.core.database import UTCDateTime, utcnow, write_aside
from workspace.core.errors import Checks, ValidationError
from workspace.core.models import record_event
from workspace.core.parsing import parse_id
from workspace.core.permissions import CONTRIBUTORS
from workspace.core.text import checked_list, clean_line, has_visible_text, name_key
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


# --- logins (one per device) ---------------------------------------------------------------------

# "Last seen" is written at most this often, so that a request does not write just because it was made.
SESSION_SEEN_EVERY = dt.timedelta(minutes=5)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _session_lifetime(remember: bool) -> dt.timedelta:
    """How long a login lasts: a remembered one as long as its cookie, another until it goes unused this long."""
    if remember:
        return current_app.config["REMEMBER_COOKIE_DURATION"]
    return dt.timedelta(days=current_app.config["SESSION_IDLE_DAYS"])


def start_session(user: User, *, user_agent: str | None, address: str | None, remember: bool = False) -> UserSession:
    """Open a login for the user on one device; its id and secret become the user's Flask-Login id."""
    now = utcnow()
    purge_sessions(user, now=now)  # their ended and expired logins go, so the table stays small
    secret = secrets.token_urlsafe(32)
    login = UserSession(user_id=user.id, secret_hash=_sha256(secret), remember=remember,
                        user_agent=(user_agent or "")[:400], address=(address or "")[:64],
                        created_at=now, last_seen_at=now, expires_at=now + _session_lifetime(remember))
    db.session.add(login)
    db.session.flush()
    user.login, user.session_token = login, f"{login.id}:{secret}"
    return login


# What every page shows about its reader rides on the user's query: the bell's unread count and whether they
# review any school (the Review link). Named as tables, not models: the notifications and communities packages
# import this module.
_notifications = table("notifications", column("user_id"), column("read_at"))
_reviewer_scopes = table("reviewer_scopes", column("user_id"))


@functools.cache
def _user_query() -> Any:
    """The loader's statement, built once (building it cost about as much as running it)."""
    return (select(User, UserSession)
            .join(UserSession, UserSession.user_id == User.id)
            .where(UserSession.id == bindparam("login_id"), UserSession.ended_at.is_(None),
                   UserSession.expires_at > bindparam("now", type_=UTCDateTime)))


@functools.cache
def _page_user_query() -> Any:
    """The loader's statement for a page: with the unread count and whether the user reviews a school."""
    return _user_query().add_columns(
        select(func.count()).select_from(_notifications)
        .where(_notifications.c.user_id == User.id, _notifications.c.read_at.is_(None)).scalar_subquery(),
        exists().where(_reviewer_scopes.c.user_id == User.id))


def load_user_from_session_id(session_id: str, *, address: str | None = None,
                              for_page: bool = False) -> User | None:
    """Flask-Login's loader: "<login id>:<secret>" names an open login; one query, user and login joined.

    An ended login (logout, log out everywhere, a new password, deactivation) or an expired one loads nobody.
    The login's "last seen" (and address) is written at most every SESSION_SEEN_EVERY. With `for_page` (a GET:
    nothing the request does can change them before the page renders) the same query counts the unread
    notifications and tells whether the user reviews any school, and leaves both where the bell
    (`unread_notifications`) and the policy (`reviewer_school_ids`) look first, so that a page pays one query
    for its reader instead of three.
    """
    text, _, secret = (session_id or "").partition(":")
    login_id = parse_id(text)
    if login_id is None or not secret:
        return None
    now = utcnow()
    row = db.session.execute(_page_user_query() if for_page else _user_query(),
                             {"login_id": login_id, "now": now}).first()
    if row is None:
        return None
    user, login = row[0], row[1]
    if not secrets.compare_digest(login.secret_hash, _sha256(secret)) or not user.active or not user.approved:
        return None
    if for_page:
        g._unread_notifications = row[2] or 0
        if not row[3]:
            g._reviewer_scopes = None  # reviewers' schools are read when asked: few users have any
    user.login, user.session_token = login, session_id
    if now - login.last_seen_at >= SESSION_SEEN_EVERY:
        values: dict[str, Any] = {"last_seen_at": now}
        if address:
            values["address"] = address[:64]
        if not login.remember:
            values["expires_at"] = now + _session_lifetime(False)
        write_aside(update(UserSession).where(UserSession.id == login.id).values(**values))
    return user


_users, _logins = User.__table__, UserSession.__table__
# Built once: the page cache asks it on every hit, where building a statement would cost as much as running it.
_PAGE_READER = (
    select(_users.c.id, _users.c.locale, _logins.c.secret_hash)
    .select_from(_logins.join(_users, _users.c.id == _logins.c.user_id))
    .where(_logins.c.id == bindparam("login_id"), _logins.c.ended_at.is_(None),
           _logins.c.expires_at > bindparam("now", type_=UTCDateTime),
           _logins.c.last_seen_at > bindparam("seen_since", type_=UTCDateTime),
           _users.c.active.is_(True), _users.c.approved_at.is_not(None))
)


def page_reader_from_session_id(session_id: str, connection: Connection) -> PageReader | None:
    """The page cache's reader for a login (see core/cache.answer_from_cache): what
    load_user_from_session_id would accept, in one plain query on `connection` and without writing. A login not
    seen within SESSION_SEEN_EVERY gives None, so that the loader records it as seen."""
    text, _, secret = (session_id or "").partition(":")
    login_id = parse_id(text)
    if login_id is None or not secret:
        return None
    now = utcnow()
    row = connection.execute(_PAGE_READER, {"login_id": login_id, "now": now,
                                            "seen_since": now - SESSION_SEEN_EVERY}).first()
    if row is None or not secrets.compare_digest(row.secret_hash, _sha256(secret)):
        return None
    return PageReader(user_id=row.id, login_id=login_id, locale=row.locale)


def active_sessions(user: User) -> list[UserSession]:
    """The user's open logins, the most recently used first."""
    return list(db.session.scalars(
        select(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None), UserSession.expires_at > utcnow())
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
    ))


def find_session(user: User, session_id: int) -> UserSession | None:
    """One of the user's own open logins, or None (someone else's is never found)."""
    if not 0 < session_id < 2**63:  # past the database's integers: nobody's
        return None
    login = db.session.get(UserSession, session_id)
    if login is None or login.user_id != user.id or login.ended_at is not None or login.expires_at <= utcnow():
        return None
    return login


def end_session(login: UserSession) -> None:
    """End one login: its cookies stop working at once (logout, or ending another device's login)."""
    if login.ended_at is None:
        login.ended_at = utcnow()


def end_sessions(user: User, *, keep: UserSession | None = None) -> int:
    """End every open login of the user except `keep`; return how many ended."""
    query = update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    if keep is not None:
        query = query.where(UserSession.id != keep.id)
    return db.session.execute(query.values(ended_at=utcnow())).rowcount


def end_other_sessions(user: User, *, keep: UserSession | None, actor: Any) -> int:
    """Log the user out on every other device ("log out everywhere"), audited; return how many ended."""
    ended = end_sessions(user, keep=keep)
    record_event(actor, "user.sessions_ended", user, count=ended)
    return ended


@functools.lru_cache(maxsize=512)
def _parse_agent(user_agent: str) -> tuple[str, str, str]:
    from ua_parser import parse

    result = parse(user_agent[:400])
    return (result.user_agent.family if result.user_agent else "",
            result.os.family if result.os else "",
            result.device.family if result.device else "")


# Devices worth naming instead of their system ("Safari on iPhone" says more than "Safari on iOS").
_NAMED_DEVICES = ("iPhone", "iPad", "iPod", "Mac")


def device_label(user_agent: str | None) -> str:
    """Say which browser on which system a login came from, in plain words ("Chrome on Windows")."""
    browser, system, device = _parse_agent(user_agent or "")
    browser = "" if browser == "Other" else browser
    system = device if device in _NAMED_DEVICES else ("" if system == "Other" else system)
    if browser and system:
        return str(_l("%(browser)s on %(system)s", browser=browser, system=system))
    if browser or system:
        return browser or str(_l("A browser on %(system)s", system=system))
    return str(_l("An unknown browser"))


def purge_sessions(user: User | None = None, *, now: dt.datetime | None = None) -> int:
    """Delete ended and expired logins (one user's at their login, everyone's from the daily job)."""
    now = now or utcnow()
    query = delete(UserSession).where(or_(UserSession.ended_at.is_not(None), UserSession.expires_at <= now))
    if user is not None:
        query = query.where(UserSession.user_id == user.id)
    return db.session.execute(query).rowcount


def _personal_words(values: Iterable[str | None]) -> list[str]:
    """The words of a person's email address and name that a guesser would try first: the whole, the address's
    local part, each word, and the local part's (the name's) words run together ("linjiarong" of
    lin.jiarong@…, "huangxiaoming" of "Huang Xiao-Ming"), which zxcvbn does not find from the words alone."""
    words: list[str] = []
    for value in values:
        value = (value or "").strip().lower()
        if not value:
            continue
        local = value.partition("@")[0]  # the name part of an email address, "lin.meiling" in lin.meiling@…
        joined = "".join(re.split(r"[\W_]+", local))
        for word in (value, local, joined, *re.split(r"[^\w]+", value)):
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


# A web address, or a host name that a mail program turns into a link ("evil.example/reset", "www.x", "a@b.tw"):
# a scheme, "www.", or labels joined by dots ending in letters right after the last dot ("Dr. Chen" has a space).
_LINK_LIKE = re.compile(r"[a-z][a-z0-9+.-]*:/|www\.|[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,63}(?![a-z0-9-])",
                        re.IGNORECASE)


def looks_like_a_link(text: str) -> bool:
    """Whether a mail program could make a link of this text: a web address, "www." or a domain, also when it is
    typed in full-width letters (ｅｖｉｌ．ｃｏｍ, folded first)."""
    return _LINK_LIKE.search(unicodedata.normalize("NFKC", text)) is not None


def _checked_name(display_name: str) -> str:
    """The name as it is stored: one line with visible text and nothing a mail program would turn into a link
    (names are quoted in other people's notification e-mails, where a link would be a phishing lure)."""
    display_name = clean_line(display_name, invisible=True)  # 陳怡君 + a zero-width space is not another name
    if not has_visible_text(display_name):
        raise ValidationError(str(_l("Enter your name.")), field="display_name")
    if looks_like_a_link(display_name):
        raise ValidationError(str(_l("A name cannot contain a web address or a domain (http://…, www.…, "
                                     "example.com): it is shown in other people's e-mails. After a full stop, "
                                     "leave a space (“Dr. Chen”).")), field="display_name")
    return display_name


def language_of(user: User) -> str:
    """The language a person reads in when no request says it (their emails, a document of theirs built for
    someone else): the one they chose, else the one of their last login, else the deployment's default."""
    if user.locale in LOCALES:
        return user.locale
    return user.mail_locale if user.mail_locale in LOCALES else current_app.config["BABEL_DEFAULT_LOCALE"]


def register_user(*, email: str, display_name: str, password: str, locale: str | None = None) -> User:
    """Create an account usable at once (the CLI's administrator, the demo); the same address twice is refused.

    People signing up on the site go through sign_up(), which confirms the address first.
    """
    email = valid_email(email)
    display_name = _checked_name(display_name)
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
        approved_at=utcnow(),
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


def set_password(user: User, password: str, *, actor: Any = None, field: str = "password",
                 keep: UserSession | None = None) -> None:
    """Set a new password and end every login of the user but `keep` (the one changing it)."""
    check_password_strength(password, field=field, personal=(user.email, user.display_name))
    user.password_hash = hash_password(password)
    end_sessions(user, keep=keep)
    record_event(actor or user, "user.password_changed", user)


def update_profile(user: User, *, display_name: str, locale: str | None, school_id: int | None,
                   title: str | None = None, subjects: str | Iterable[str] | None = None) -> None:
    """Change one's name and language, and ask for a school (which counts once it is confirmed); with `title`,
    also one's professional title and subjects (every refusal of the form together)."""
    checks = Checks()
    name = None
    with checks:
        name = _checked_name(display_name)
    if title is not None:
        with checks:
            set_teaching_profile(user, title=title, subjects=subjects, actor=user)
    if name is not None:
        with checks:
            if name_key(name) != name_key(user.display_name or ""):  # a namesake of old keeps saving their profile
                _refuse_a_namesake(user, name)
            user.display_name = name
    checks.done()
    user.locale = locale if locale in LOCALES else None
    choose_school(user, school_id)


def namesake_of(user: User, name: str) -> tuple[str, str] | None:
    """Another active member called `name` (as people tell names apart: core/text.name_key) in a community the
    person belongs to: (the community's name, that member's name as shown), active communities first; or None."""
    key = name_key(name)
    theirs = select(Membership.community_id).where(Membership.user_id == user.id, Membership.live)
    rows = db.session.execute(
        select(Community.name, User.display_name)
        .join(Membership, Membership.community_id == Community.id)
        .join(User, User.id == Membership.user_id)
        .where(Community.id.in_(theirs), Membership.live, User.id != user.id, User.active.is_(True))
        .order_by(Community.archived_at.is_not(None), Community.name, User.id))
    return next(((community, other) for community, other in rows if name_key(other) == key), None)


def _refuse_a_namesake(user: User, name: str) -> None:
    """Refuse a new name that another member of a shared community already has: readers of the board could not tell
    the two apart, and every earlier post of the person would seem to be the other's (names are read when shown).
    Namesakes who signed up or joined as such stay (two teachers called 陳怡君 in one school); they only may not
    rename into each other."""
    clash = namesake_of(user, name)
    if clash is None:
        return
    community, other = clash
    detail = next(iter(user.subjects or ()), None) or (user.school.name if user.school else None)
    if detail:
        message = _l("Another member of “%(community)s” is already called %(name)s. Add something that tells you "
                     "apart, such as %(example)s.", community=community, name=other,
                     example=_l("%(name)s (%(detail)s)", name=name, detail=detail))
    else:
        message = _l("Another member of “%(community)s” is already called %(name)s. Add something that tells you "
                     "apart, such as your subject or your school.", community=community, name=other)
    raise ValidationError(str(message), field="display_name")


MAX_SUBJECTS = 10  # subjects a teacher lists (語文、數學 …)
MAX_SUBJECT = 60  # characters of one, as for an activity's subjects


def check_teaching_profile(title: str | None, subjects: str | Iterable[str] | None) -> tuple[str, list[str]]:
    """A professional title from the list and the subjects taught (typed as "數學、語文"), or one ValidationError
    naming each field refused."""
    checks = Checks()
    with checks:
        if title not in {item.value for item in Title}:
            raise ValidationError(str(_l("Choose a title from the list.")), field="title")
    with checks:
        subjects = checked_list(subjects, "subjects", limit=MAX_SUBJECTS, length=MAX_SUBJECT)
    checks.done()
    return str(title), list(subjects or [])


def set_teaching_profile(user: User, *, title: str | None, subjects: str | Iterable[str] | None, actor: Any) -> None:
    """Set a teacher's professional title and subjects (by the person, or by a site administrator: audited)."""
    title, subjects = check_teaching_profile(title, subjects)
    if user.title == title and list(user.subjects or []) == subjects:
        return
    if getattr(actor, "id", None) != user.id:  # an administrator's change is on record; one's own is not news
        record_event(actor, "user.teaching_profile_changed", user)
    user.title, user.subjects = title, subjects


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_password_reset(user: User, *, actor: Any = None, hours: int | None = None, mailed: bool = False) -> str:
    """Make a one-time reset link token for the user (only its hash is kept); return the token.

    `mailed`: the link goes to the account's address, so using it proves the person reads mail there.
    """
    token = secrets.token_urlsafe(32)
    hours = hours or current_app.config["RESET_LINK_HOURS"]
    db.session.add(
        PasswordReset(
            user_id=user.id,
            token_hash=_token_hash(token),
            created_by_id=getattr(actor, "id", None),
            expires_at=utcnow() + dt.timedelta(hours=hours),
            mailed=mailed,
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
    if reset.mailed:  # the link came by mail: the address is the person's
        _confirm_address(reset.user)
    elif reset.created_by_id is not None and reset.user.approved_at is None:
        reset.user.approved_at = reset.used_at  # an administrator handed the link over: they vouch for the person
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
        end_sessions(user)
    record_event(actor, "user.activated" if active else "user.deactivated", user)


def set_user_admin(user: User, is_admin: bool, *, actor: Any) -> None:
    """Grant or take away site administration."""
    if user.id == getattr(actor, "id", None) and not is_admin:
        raise ValidationError(str(_l("You cannot remove your own administrator rights.")))
    user.is_admin = is_admin
    record_event(actor, "user.admin_granted" if is_admin else "user.admin_revoked", user)


def _name_from(email: str) -> str:
    """A name made of an address's local part ("chen.yijun" → "chen yijun": no dot a mail program could link)."""
    return re.sub(r"[._+]+", " ", email.split("@")[0]).strip() or "admin"


def create_admin(email: str, password: str, display_name: str | None = None) -> User:
    """Create a site administrator, or make an existing account one (used by the CLI); a name given is the
    account's (an administrator first named after the address, "it", is renamed by running it again)."""
    user = find_user_by_email(email)
    if user is None:
        user = register_user(email=email, display_name=display_name or _name_from(email), password=password)
    else:
        name = _checked_name(display_name) if display_name is not None else user.display_name
        set_password(user, password)
        user.display_name = name
    user.is_admin = True
    user.active = True
    user.approved_at = user.approved_at or utcnow()
    return user


# --- signing up on the site: the address is confirmed before the account is used --------------------


@dataclass(frozen=True)
class SignUp:
    """What a sign-up did: `taken` when the address already had an account in use (left as it was)."""

    user: User
    taken: bool


def sign_up(*, email: str, display_name: str, password: str, locale: str | None = None,
            school_id: int | None = None, invited: bool = False, invitation_id: int | None = None) -> SignUp:
    """Register from the sign-up form, answering alike whether or not the address already has an account.

    The form is checked first, the same way for everyone; the password is then hashed whatever happens (the
    costly step takes the same time either way). A new address gets an account that waits for its confirmation
    link (or an administrator's approval). An address whose account was never confirmed takes this sign-up's
    details (the latest one counts, earlier links stop working). An account in use is left alone: the route
    tells its owner by mail instead. `invited`: an invitation sent to this very address, whose holder may learn
    that the account exists, and whose account needs no further confirmation (the convener named the address).
    `invitation_id`: a shareable link it came through, kept with the waiting account (`pending_invitation_id`).
    """
    email = valid_email(email)
    display_name = _checked_name(display_name)
    check_password_strength(password, personal=(email, display_name))
    locale = locale if locale in LOCALES else None
    if school_id is not None and db.session.get(School, school_id) is None:
        raise ValidationError(str(_l("Choose a school from the list.")), field="school_id")
    password_hash = hash_password(password)
    user = find_user_by_email(email)
    if user is not None and (user.approved or user.email_confirmed_at is not None):
        if invited:
            raise ValidationError(
                str(_l("An account with this email address already exists. Log in instead.")), field="email")
        return SignUp(user=user, taken=True)
    if user is None:
        user = User(email=email, display_name=display_name, password_hash=password_hash, locale=locale)
        db.session.add(user)
        db.session.flush()
    else:
        user.display_name, user.password_hash, user.locale = display_name, password_hash, locale
    if invited:
        user.approved_at = utcnow()
    user.pending_invitation_id = None if invited else invitation_id
    choose_school(user, school_id)
    return SignUp(user=user, taken=False)


_CONFIRM_SALT = "confirm-email"


def _confirmation_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_CONFIRM_SALT)


def _registration_fingerprint(user: User) -> str:
    # Changes with the address and the password: a later sign-up for the same address voids earlier links.
    return _sha256(f"{user.email}\n{user.password_hash}")[:24]


def confirmation_token(user: User, *, invite: str = "") -> str:
    """The token of the link that confirms the address of a new account (and joins `invite`'s community)."""
    return _confirmation_serializer().dumps({"u": user.id, "f": _registration_fingerprint(user), "i": invite})


@dataclass(frozen=True)
class Confirmation:
    """A confirmation link read: its account and invitation token, or why it cannot be used."""

    user: User | None
    invite: str = ""
    problem: str | None = None
    already: bool = False  # the address was confirmed before: nothing left to do but log in


def read_confirmation(token: str) -> Confirmation:
    """Read a confirmation link's token, saying why it cannot be used when it cannot."""
    max_age = current_app.config["CONFIRM_LINK_HOURS"] * 3600
    try:
        data = _confirmation_serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        return Confirmation(None, problem=str(_l("This confirmation link has expired. Sign up again to get a new "
                                                 "one.")))
    except BadSignature:
        data = None
    user_id = data.get("u") if isinstance(data, dict) else None
    user = db.session.get(User, user_id) if isinstance(user_id, int) and 0 < user_id < 2**63 else None
    if user is None:
        return Confirmation(None, problem=str(_l("This confirmation link is not valid.")))
    if user.email_confirmed_at is not None:
        return Confirmation(user, problem=str(_l("This address is already confirmed. Log in.")), already=True)
    if data.get("f") != _registration_fingerprint(user):
        return Confirmation(None, problem=str(_l("This confirmation link was replaced by a newer one. Use the "
                                                 "latest email we sent, or sign up again.")))
    if not user.active:
        return Confirmation(None, problem=str(_l("This account is deactivated. Ask a site administrator.")))
    invite = data.get("i") if isinstance(data.get("i"), str) else ""
    return Confirmation(user, invite=invite)


def confirm_email(token: str, password: str) -> User:
    """Confirm a new account's address through its link, with the password chosen at sign-up.

    Asking for the password too means that the person who reads the mail is the one who signed up: someone who
    signed up first with another person's address, and their own password, gains nothing when that person clicks.
    """
    confirmation = read_confirmation(token)
    if confirmation.problem or confirmation.user is None:
        raise ValidationError(confirmation.problem or "", field=None)
    user = confirmation.user
    if not verify_password(user, password):
        raise ValidationError(str(_l("This is not the password chosen when signing up.")), field="password")
    _confirm_address(user)
    record_event(user, "user.email_confirmed", user)
    return user


def _confirm_address(user: User) -> None:
    """The person proved they read mail at the account's address: the account is let in, and a school whose
    email domain it is (registered by an administrator) is theirs, unless they already belong to another."""
    now = utcnow()
    user.email_confirmed_at = user.email_confirmed_at or now
    user.approved_at = user.approved_at or now
    school = school_of_address(user.email)
    if school is not None and school.id != user.school_id and (
            user.school_id is None or user.requested_school_id == school.id):
        grant_school(user, school, actor=user, how="email_domain")


def school_by_domain(user: User) -> School | None:
    """The school an administrator's word gives the account, by its address's domain: a registered domain's school,
    when the person belongs to no school yet or asked for that one (as a confirmed address at it would)."""
    school = school_of_address(user.email)
    if school is None or school.id == user.school_id:
        return None
    return school if user.school_id is None or user.requested_school_id == school.id else None


def approve_account(user: User, *, actor: Any) -> School | None:
    """Let in an account waiting for its address to be confirmed (the way in when the site sends no email).

    Without mail no address is ever confirmed, so a school's email domain never applied: the administrator who lets
    the account in vouches for the person, and the school whose domain the address is at is theirs (the page's
    button says so; the address stays unconfirmed). Returns that school, if any."""
    if user.approved:
        return None
    school = school_by_domain(user)
    user.approved_at = utcnow()
    record_event(actor, "user.approved", user)
    if school is not None:
        grant_school(user, school, actor=actor, how="approval")
    return school


# --- schools: a school counts once it is granted ----------------------------------------------------


def _domain_of(email: str) -> str:
    """The domain of an address, in the form school domains are stored in (canonical_domain)."""
    domain = normalize_email(email).rpartition("@")[2]
    return canonical_domain(domain) if domain else ""


def school_of_address(email: str) -> School | None:
    """The school whose registered email domain this address is at, or None."""
    domain = _domain_of(email)
    if not domain:
        return None
    return db.session.scalar(
        select(School).join(SchoolEmailDomain, SchoolEmailDomain.school_id == School.id)
        .where(SchoolEmailDomain.domain == domain))


def _member_of_a_community_of(user: User, school_id: int) -> bool:
    """Whether a convener let the user into a community of the school (as more than a guest expert)."""
    if user.id is None:
        return False
    return db.session.scalar(
        select(Membership.id)
        .join(Community, Community.id == Membership.community_id)
        .join(community_schools, community_schools.c.community_id == Community.id)
        .where(Membership.user_id == user.id, Membership.live, Membership.role.in_(CONTRIBUTORS),
               community_schools.c.school_id == school_id)
        .limit(1)) is not None


def grant_school(user: User, school: School | None, *, actor: Any, how: str = "admin") -> None:
    """Make `school` the one the user belongs to (None: no school), which opens its school-wide material.

    `how`: admin, email_domain (a confirmed address at its domain), approval (an account at its domain that an
    administrator let in or created), community (an invitation from one of its communities, or a convener's). An
    administrator's decision also settles any request.
    """
    school_id = school.id if school is not None else None
    if how == "admin" or user.requested_school_id == school_id:
        user.requested_school_id = None
    if user.school_id == school_id:
        return
    user.school_id = school_id
    user.school = school
    record_event(actor, "user.school_granted", user, how=how, name=school.name if school else "")


def choose_school(user: User, school_id: int | None) -> None:
    """The person's own choice of school: it counts at once when it can be confirmed (a confirmed address at the
    school's email domain, or membership of one of its communities), else it waits for an administrator. The
    school they belong to stays until another is confirmed; choosing none leaves it."""
    if school_id is None:
        user.requested_school_id = None
        if user.school_id is not None:
            grant_school(user, None, actor=user, how="self")
        return
    if school_id == user.school_id:
        user.requested_school_id = None
        return
    school = db.session.get(School, school_id)
    if school is None:
        raise ValidationError(str(_l("Choose a school from the list.")), field="school_id")
    user.requested_school_id = school.id
    if user.email_confirmed_at is not None and _domain_of(user.email) in {d.domain for d in school.domains}:
        grant_school(user, school, actor=user, how="email_domain")
    elif _member_of_a_community_of(user, school.id):
        grant_school(user, school, actor=user, how="community")


def confirm_school_through_invitation(user: User, community: Any, role: str) -> None:
    """An invitation accepted from a community of the school the person asked for confirms that school.

    Guest experts come from elsewhere by definition: their invitation confirms nothing.
    """
    requested = user.requested_school_id
    if requested is None or role not in CONTRIBUTORS:
        return
    if any(school.id == requested for school in community.schools):
        grant_school(user, db.session.get(School, requested), actor=user, how="community")


def refuse_school_request(user: User, *, actor: Any) -> None:
    """Turn down the school a person asked for (the school they belong to, if any, stays)."""
    if user.requested_school_id is not None:
        name = user.requested_school.name if user.requested_school else ""
        user.requested_school_id = None
        record_event(actor, "user.school_refused", user, name=name)


# Mail services where anyone may open an address: such a domain says nothing of a school, and registered for one
# it would move every confirmed person at it into that school (addresses are compared in canonical_domain's form).
PUBLIC_MAIL_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "yahoo.com", "yahoo.com.tw", "yahoo.com.hk", "yahoo.co.jp", "ymail.com",
    "hotmail.com", "hotmail.com.tw", "outlook.com", "live.com", "msn.com", "icloud.com", "me.com", "mac.com",
    "aol.com", "gmx.com", "mail.com", "proton.me", "protonmail.com", "yandex.com", "zoho.com", "qq.com",
    "foxmail.com", "163.com", "126.com", "yeah.net", "sina.com", "sina.cn", "sohu.com", "aliyun.com", "139.com",
    "189.cn", "hinet.net", "msa.hinet.net", "pchome.com.tw", "seed.net.tw",
})


def canonical_domain(domain: str) -> str:
    """A mail domain in the one form it is stored and compared in: lower-case Unicode (學校.tw, not its
    xn--… spelling), so that an address typed either way finds its school."""
    try:
        return validate_email(f"someone@{domain}", check_deliverability=False).domain.lower()
    except EmailNotValidError:
        return domain.lower()


def valid_domain(text: str | None) -> str:
    """An email domain as an administrator types it ("guanghua.edu.tw", "@guanghua.edu.tw", 學校.tw or its
    xn--… spelling), in canonical_domain's form; refused when it is no domain or a public mail service's."""
    domain = clean_line(text).lower().removeprefix("@").strip().rstrip(".")
    try:
        domain = validate_email(f"someone@{domain}", check_deliverability=False).domain.lower()
    except EmailNotValidError:
        raise ValidationError(str(_l("Enter a domain such as guanghua.edu.tw.")), field="domain") from None
    if domain in PUBLIC_MAIL_DOMAINS:
        raise ValidationError(str(_l(
            "%(domain)s is a public mail service: anyone can open an address there, so it cannot tell a school's "
            "teachers. Add the school's own domain, such as guanghua.edu.tw.", domain=domain)), field="domain")
    return domain


def add_school_domain(school: School, text: str, *, actor: Any) -> SchoolEmailDomain:
    """Register an email domain for a school: confirmed addresses there belong to it, now and later.

    People already confirmed at the domain who belong to no school yet, or who asked for this one, join it.
    """
    domain = valid_domain(text)
    owner = db.session.scalar(select(SchoolEmailDomain).where(SchoolEmailDomain.domain == domain))
    if owner is not None:
        raise ValidationError(str(_l("This domain already belongs to %(name)s.", name=owner.school.name)),
                              field="domain")
    row = SchoolEmailDomain(school_id=school.id, domain=domain)
    db.session.add(row)
    db.session.flush()
    record_event(actor, "school.domain_added", school, name=domain)
    spellings = {domain, validate_email(f"someone@{domain}", check_deliverability=False).ascii_domain}
    people = db.session.scalars(
        select(User).where(or_(*(User.email.like(f"%@{spelling}") for spelling in spellings)),
                           User.email_confirmed_at.is_not(None),
                           or_(User.school_id.is_(None), User.requested_school_id == school.id)))
    for user in people:
        if _domain_of(user.email) == domain:  # LIKE's "_" matches any character: check exactly
            grant_school(user, school, actor=actor, how="email_domain")
    return row


def remove_school_domain(row: SchoolEmailDomain, *, actor: Any) -> None:
    """Stop trusting an email domain for new members (those who joined through it stay)."""
    record_event(actor, "school.domain_removed", row.school, name=row.domain)
    db.session.delete(row)


def administrators() -> list[User]:
    """The site administrators whose accounts are in use, by id (those told of work only they may do)."""
    return list(db.session.scalars(select(User).where(User.is_admin.is_(True), User.active.is_(True))
                                   .order_by(User.id)))


def pending_counts() -> dict[str, int]:
    """How many accounts wait for approval and how many school requests wait, for the administrators."""
    waiting = db.session.scalar(select(func.count(User.id)).where(User.approved_at.is_(None), User.active.is_(True)))
    requests = db.session.scalar(select(func.count(User.id)).where(User.requested_school_id.is_not(None)))
    return {"accounts": waiting or 0, "schools": requests or 0}


# --- accounts an administrator creates -------------------------------------------------------------


def check_new_user(*, email: str | None, display_name: str | None,
                   school_id: int | None) -> tuple[str, str, School | None]:
    """The address, name and school of an account an administrator creates, checked together: every refusal at once,
    beside its field (a bad address was told only once the name was given). Returns them as stored."""
    checks = Checks()
    with checks:
        email = valid_email(email)
        if find_user_by_email(email) is not None:
            raise ValidationError(str(_l("An account with this email address already exists.")), field="email")
    with checks:
        display_name = _checked_name(display_name or "")
    school = None
    if school_id is not None:
        school = db.session.get(School, school_id)
        if school is None:
            checks.found.append(ValidationError(str(_l("Choose a school from the list.")), field="school_id"))
    checks.done()
    return str(email), str(display_name), school


def create_user(*, email: str, display_name: str, school_id: int | None, locale: str | None, is_admin: bool,
                actor: Any) -> User:
    """Create an account for someone (let in at once, its school granted: the one chosen, else the one whose email
    domain the address is at, the administrator vouching for the person as when letting an account in); they
    choose their password through the link of an invitation (create_password_reset). A duplicate address is refused
    beside the field."""
    email, display_name, school = check_new_user(email=email, display_name=display_name, school_id=school_id)
    user = User(
        email=email,
        display_name=display_name,
        # Nobody knows this password: the person sets their own through the link.
        password_hash=hash_password(secrets.token_urlsafe(32)),
        locale=locale if locale in LOCALES else None,
        is_admin=bool(is_admin),
        approved_at=utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    record_event(actor, "user.created", user, is_admin=bool(is_admin))
    if school is not None:
        grant_school(user, school, actor=actor, how="admin")
    elif (by_domain := school_by_domain(user)) is not None:
        grant_school(user, by_domain, actor=actor, how="approval")
    return user
