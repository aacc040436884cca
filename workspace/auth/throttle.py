"""Login throttling that a stranger cannot turn against a teacher: it slows guessing, it never locks anyone out.

Failures are counted per account *and client*: the client is the browser when it has logged in to that
account before (the known-browser cookie, OWASP's "device cookie"), else the network address. Each client gets
a few free tries, then waits that grow with every further failure, up to a cap: a stranger's guesses slow the
stranger down, never the teacher's own browser, and never her on another network.

What a guesser on the teacher's own network can do (QA round 13): a browser that never logged in to the account
(a staff-room PC that clears its cookies, a borrowed laptop) cannot be told apart from a student's script behind
the school's one NAT address, so both share that address's count for the account. Whatever we let the teacher's
right password do there, we let the guesser's next guess do too: a correct password may not be tried during the
wait (that would make the refused answer a password oracle, and the wait no limit at all). So the two numbers are
one: the longest wait one address can build for an account is also the guesser's pace from there. It is capped
lower than a known browser's (LOGIN_DELAY_MAX_PER_ADDRESS_SECONDS, two minutes, against LOGIN_DELAY_MAX_SECONDS,
a quarter of an hour): the teacher waits two minutes at most and is told why and what gets her in at once (a
reset link, which nothing here holds back, or a device she logged in with before); the address gets at most 720
guesses a day at that account. The password rules (zxcvbn score 3: at least 10^8 guesses for the weakest password
accepted) make that centuries, and anything faster needs several addresses, which meet the account's ceiling below.

Two ceilings catch guessing spread over many clients, and both only *slow* (OWASP: throttle, don't lock):
- per account (distributed guessing): past LOGIN_FAILURES_PER_ACCOUNT failures from unknown browsers within the
  window, password logins to that account from unknown browsers wait after each further failure, doubling up to
  LOGIN_DELAY_MAX_SECONDS: a new device waits minutes at most and is told until when; a reset link and the
  browsers that logged in before are not held back at all. One address fills at most half of it (`_share`):
  the ceiling is for guessing from several networks, and one network guessing alone (its pace bounded above)
  must not slow the teacher's logins from home as well. Once two or more have met it, every further failure
  counts towards the doubling, wherever it comes from.
- per address (one password tried on many accounts): an address past LOGIN_RATE_LIMIT_PER_ADDRESS failures loses
  its free tries, so every account it fails on from then on waits from the first failure. The address is never
  refused as a whole: on a school's shared network (one NAT address for every teacher, and students on the same
  Wi-Fi) failures with made-up addresses must not stop a teacher with the right password, so a login for an
  account that has not failed from there is checked as usual.

Every count lives where every worker and every instance sees it: Redis when REDIS_URL is set, otherwise
the database (the `LoginAttempt` rows that record each login). Nothing is kept in a process's memory.
The checks look at the typed address only, never at whether it has an account, so the answer is the
same for an address with an account, a deactivated one, or none.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import logging
import math
import secrets
from dataclasses import dataclass
from typing import Any, Protocol

import limits
from flask import current_app
from sqlalchemy import ColumnElement, and_, delete, func, select

from workspace.auth.models import LoginAttempt
from workspace.core.database import utcnow
from workspace.extensions import db

DELAY = "delay"  # this browser failed too often for this account: wait, then try again
NETWORK = "network"  # this account failed too often from this network address (perhaps someone else there)
ACCOUNT = "account"  # too many failed logins for this account from unknown browsers: those wait a while

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Client:
    """Who is trying: the network address, and the known-browser id when this browser logged in to the account."""

    address: str
    browser: str | None = None


def network_of(address: str | None) -> str:
    """The address a client is counted by: an IPv4 address as it is, an IPv6 one by its /64, since one
    household or one attacker usually holds a whole /64 and could otherwise take a fresh address per guess."""
    try:
        parsed = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return (address or "")[:64]
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


@dataclass(frozen=True)
class Refusal:
    """Why a login may not be tried now, and for how many more seconds."""

    reason: str
    seconds: int


@dataclass(frozen=True)
class _Settings:
    free: int
    first_delay: float
    max_delay: float
    max_address_delay: float
    window: dt.timedelta
    per_account: int
    per_address: int
    address_period: dt.timedelta


def _settings() -> _Settings:
    config = current_app.config
    per_address = limits.parse(config["LOGIN_RATE_LIMIT_PER_ADDRESS"])
    return _Settings(
        free=config["LOGIN_FAILURES_BEFORE_DELAY"],
        first_delay=config["LOGIN_DELAY_SECONDS"],
        max_delay=config["LOGIN_DELAY_MAX_SECONDS"],
        max_address_delay=min(config["LOGIN_DELAY_MAX_PER_ADDRESS_SECONDS"], config["LOGIN_DELAY_MAX_SECONDS"]),
        window=dt.timedelta(minutes=config["LOGIN_FAILURE_WINDOW_MINUTES"]),
        per_account=config["LOGIN_FAILURES_PER_ACCOUNT"],
        per_address=per_address.amount,
        address_period=dt.timedelta(seconds=per_address.get_expiry()),
    )


def delay_after(failures: int, settings: _Settings | None = None, *, free: int | None = None,
                cap: float | None = None) -> float:
    """Seconds to wait after this many failures in a row: none for the first `free` (the configured few), then
    doubling up to the cap (LOGIN_DELAY_MAX_SECONDS unless `cap` says less)."""
    settings = settings or _settings()
    free = settings.free if free is None else free
    if failures < max(free, 1):
        return 0.0
    cap = settings.max_delay if cap is None else cap
    return min(settings.first_delay * 2 ** min(failures - max(free, 1), 62), cap)


def _share(settings: _Settings) -> int:
    """How many failures of one address count towards the account's ceiling: half of it, so that one network
    alone never meets it."""
    return max(1, settings.per_account // 2)


class _Store(Protocol):
    def streak(self, email: str, client: Client, since: dt.datetime) -> tuple[int, dt.datetime | None]: ...

    def account_failures(self, email: str, since: dt.datetime, share: int) -> tuple[int, int, dt.datetime | None]:
        """The failures for this account from unknown browsers since then: counted (each address's up to `share`),
        all of them, and the latest one's time."""
        ...

    def nth_latest_address_failure(self, address: str, n: int, since: dt.datetime) -> dt.datetime | None: ...

    def record(self, email: str, client: Client, succeeded: bool, now: dt.datetime) -> None: ...


def check(email: str, client: Client, *, now: dt.datetime | None = None) -> Refusal | None:
    """Say whether a login for this address from this client must wait, and how long (the longest wait wins)."""
    now = now or utcnow()
    try:
        return _check(_store(), email, client, now)
    except _redis_errors() as error:
        # Every attempt also has its row in the database: while Redis is away, count from there.
        logger.warning("login throttle: Redis unavailable (%s), counting from the database", error)
        return _check(DatabaseStore(), email, client, now)


def _check(store: _Store, email: str, client: Client, now: dt.datetime) -> Refusal | None:
    settings = _settings()
    # A busy address (one password tried on many accounts) loses its free tries: each account it fails on waits
    # from the first failure. It is never refused as a whole, so a teacher on the same school network whose
    # account nobody guessed logs in as usual.
    busy = client.browser is None and store.nth_latest_address_failure(
        client.address, settings.per_address, now - settings.address_period) is not None
    free = 0 if busy else settings.free
    waits: list[tuple[float, str]] = []
    failures, last = store.streak(email, client, now - settings.window)
    if last is not None and client.browser:
        waits.append(((last - now).total_seconds() + delay_after(failures, settings, free=free), DELAY))
    elif last is not None:
        # Every browser new to the account at this address shares this count, the teacher's with a guesser's: its
        # wait is capped lower, as that is also the guesser's pace (see the module's docstring).
        pause = delay_after(failures, settings, free=free, cap=settings.max_address_delay)
        waits.append(((last - now).total_seconds() + pause, NETWORK))
    if client.browser is None:  # a browser that logged in to this account before is spared the account's ceiling
        counted, failures, last = store.account_failures(email, now - settings.window, _share(settings))
        if last is not None and counted >= settings.per_account:
            # Past the ceiling every further failure doubles the wait, up to the cap: slowed, never locked for long.
            pause = delay_after(failures - settings.per_account + 1, settings, free=1)
            waits.append(((last - now).total_seconds() + pause, ACCOUNT))
    seconds, reason = max(waits, default=(0.0, DELAY))
    return Refusal(reason, math.ceil(seconds)) if seconds > 0 else None


def record(email: str, client: Client, succeeded: bool, *, now: dt.datetime | None = None) -> None:
    """Count a login attempt (a success forgives this client's earlier failures for the account)."""
    try:
        _store().record(email, client, succeeded, now or utcnow())
    except _redis_errors() as error:
        logger.warning("login throttle: Redis unavailable (%s), attempt kept in the database only", error)


def purge_attempts(*, now: dt.datetime | None = None) -> int:
    """Delete the login attempts older than anything the throttle still counts (the failure window and the
    per-address period, whichever is longer); return how many went. Run daily with the trash."""
    settings = _settings()
    horizon = (now or utcnow()) - max(settings.window, settings.address_period)
    return db.session.execute(delete(LoginAttempt).where(LoginAttempt.attempted_at < horizon)).rowcount


def _redis_errors() -> tuple[type[Exception], ...]:
    if not current_app.config.get("REDIS_URL"):
        return ()
    import redis

    return (redis.RedisError,)


# --- the database -------------------------------------------------------------------------------------


class DatabaseStore:
    """Counts read from the `LoginAttempt` rows (which `auth.services.authenticate` adds for every attempt)."""

    @staticmethod
    def _client(email: str, client: Client) -> ColumnElement[bool]:
        if client.browser:
            return and_(LoginAttempt.email == email, LoginAttempt.browser == client.browser)
        return and_(LoginAttempt.email == email, LoginAttempt.address == client.address,
                    LoginAttempt.browser.is_(None))

    def streak(self, email: str, client: Client, since: dt.datetime) -> tuple[int, dt.datetime | None]:
        condition = self._client(email, client)
        last_success = db.session.scalar(
            select(func.max(LoginAttempt.attempted_at)).where(condition, LoginAttempt.succeeded.is_(True)))
        count, last = db.session.execute(
            select(func.count(LoginAttempt.id), func.max(LoginAttempt.attempted_at)).where(
                condition, LoginAttempt.succeeded.is_(False),
                LoginAttempt.attempted_at > max(filter(None, [since, last_success])))
        ).one()
        return count or 0, last

    @staticmethod
    def _nth_latest(condition: ColumnElement[bool], n: int, since: dt.datetime) -> dt.datetime | None:
        return db.session.scalar(
            select(LoginAttempt.attempted_at)
            .where(condition, LoginAttempt.succeeded.is_(False), LoginAttempt.browser.is_(None),
                   LoginAttempt.attempted_at > since)
            .order_by(LoginAttempt.attempted_at.desc()).offset(max(n - 1, 0)).limit(1))

    def account_failures(self, email: str, since: dt.datetime, share: int) -> tuple[int, int, dt.datetime | None]:
        rows = db.session.execute(
            select(func.count(LoginAttempt.id), func.max(LoginAttempt.attempted_at)).where(
                LoginAttempt.email == email, LoginAttempt.succeeded.is_(False), LoginAttempt.browser.is_(None),
                LoginAttempt.attempted_at > since).group_by(LoginAttempt.address)
        ).all()
        return (sum(min(count, share) for count, _last in rows), sum(count for count, _last in rows),
                max((last for _count, last in rows), default=None))

    def nth_latest_address_failure(self, address: str, n: int, since: dt.datetime) -> dt.datetime | None:
        return self._nth_latest(LoginAttempt.address == address, n, since)

    def record(self, email: str, client: Client, succeeded: bool, now: dt.datetime) -> None:
        """Nothing more to do: the attempt's row is the count."""


# --- Redis --------------------------------------------------------------------------------------------


class RedisStore:
    """Counts in Redis sorted sets (one member per failure, scored by its time), expiring by themselves."""

    def __init__(self, client: Any, prefix: str) -> None:
        self.redis = client
        self.prefix = prefix

    @staticmethod
    def _hash(text: str) -> str:  # no email address is written to Redis
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def _pair_key(self, email: str, client: Client) -> str:
        who = f"b:{client.browser}" if client.browser else f"a:{client.address}"
        return f"{self.prefix}:pair:{self._hash(email)}:{self._hash(who)}"

    def _account_key(self, email: str) -> str:
        return f"{self.prefix}:account:{self._hash(email)}"

    def _address_key(self, address: str) -> str:
        return f"{self.prefix}:address:{self._hash(address)}"

    @staticmethod
    def _time(score: float) -> dt.datetime:
        return dt.datetime.fromtimestamp(score, dt.UTC)

    def streak(self, email: str, client: Client, since: dt.datetime) -> tuple[int, dt.datetime | None]:
        key = self._pair_key(email, client)
        pipe = self.redis.pipeline()
        pipe.zcount(key, f"({since.timestamp()}", "+inf")
        pipe.zrange(key, -1, -1, withscores=True)
        count, last = pipe.execute()
        return int(count), (self._time(last[0][1]) if count and last else None)

    def _nth_latest(self, key: str, n: int, since: dt.datetime) -> dt.datetime | None:
        found = self.redis.zrevrangebyscore(key, "+inf", f"({since.timestamp()}", start=max(n - 1, 0), num=1,
                                            withscores=True)
        return self._time(found[0][1]) if found else None

    def account_failures(self, email: str, since: dt.datetime, share: int) -> tuple[int, int, dt.datetime | None]:
        # Each member names its address (hashed): time:random:address. The set holds the window's failures only,
        # which the throttle keeps few (an attempt refused for a wait adds none).
        found = self.redis.zrangebyscore(self._account_key(email), f"({since.timestamp()}", "+inf", withscores=True)
        per_address: dict[bytes, int] = {}
        for member, _score in found:
            parts = member.split(b":")
            address = parts[2] if len(parts) > 2 else member  # a failure kept before addresses were named: its own
            per_address[address] = per_address.get(address, 0) + 1
        last = max((score for _member, score in found), default=None)
        return (sum(min(count, share) for count in per_address.values()), len(found),
                self._time(last) if last is not None else None)

    def nth_latest_address_failure(self, address: str, n: int, since: dt.datetime) -> dt.datetime | None:
        return self._nth_latest(self._address_key(address), n, since)

    def record(self, email: str, client: Client, succeeded: bool, now: dt.datetime) -> None:
        settings = _settings()
        pair = self._pair_key(email, client)
        pipe = self.redis.pipeline()
        if succeeded:
            pipe.delete(pair)
        else:
            member = f"{now.timestamp():.6f}:{secrets.token_hex(4)}"
            keys = [(pair, settings.window, member)]
            if client.browser is None:
                keys += [(self._account_key(email), settings.window, f"{member}:{self._hash(client.address)[:16]}"),
                         (self._address_key(client.address), settings.address_period, member)]
            for key, keep, name in keys:
                pipe.zadd(key, {name: now.timestamp()})
                pipe.zremrangebyscore(key, "-inf", (now - keep).timestamp())
                pipe.expire(key, math.ceil(keep.total_seconds()))
        pipe.execute()


def _store() -> _Store:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return DatabaseStore()
    client = current_app.extensions.get("login_throttle_redis")
    if client is None:
        import redis

        client = current_app.extensions["login_throttle_redis"] = redis.Redis.from_url(url)
    prefix = current_app.config["REDIS_PREFIX"] + ":login"
    return RedisStore(client, prefix)
