"""Settings from environment variables, with safe defaults (no secret is ever hard-coded)."""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _instance_dir() -> Path:
    return Path(os.environ.get("INSTANCE_DIR", PROJECT_ROOT / "instance")).resolve()


ANY_ADDRESS = {"0.0.0.0", "::", ""}  # noqa: S104 - naming the addresses, not binding: a server on every one


def default_base_url(host: str, port: str) -> str:
    """The address links are built on when BASE_URL is not set: the host served, or, for a server listening on
    every address (`make run HOST=0.0.0.0`, to try it on the school network), this machine's own address on its
    network: http://0.0.0.0:5000 in an invitation or a QR code opens nothing on anyone's phone."""
    if host in ANY_ADDRESS:
        host = _own_address()
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


def default_redis_prefix(base_url: str) -> str:
    """What every Redis key the app writes starts with when REDIS_PREFIX is not set: `plc-workspace:` and BASE_URL's
    host, port and path, so that two installations on one Redis (each reached at its own address) never share page
    cache, login-throttle or rate-limit keys."""
    parts = urlsplit(base_url)
    return f"plc-workspace:{parts.netloc.lower()}{parts.path.rstrip('/')}"


def _own_address() -> str:
    """The machine's address on the network it would reach others through (no packet is sent: connecting a UDP
    socket only picks the route); 127.0.0.1 on a machine without one."""
    import socket

    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: never routed anywhere
            return probe.getsockname()[0]
    except OSError:
        return "127.0.0.1"


LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


def is_local_url(url: str) -> bool:
    """Whether an address is this machine's alone (localhost, 127.x, ::1): a try-out, not a deployment."""
    from urllib.parse import urlsplit

    host = (urlsplit(url).hostname or "").lower()
    return host in LOCAL_HOSTS or host.startswith("127.") or host.endswith(".localhost")


def _secret_key(instance: Path) -> str:
    """Return SECRET_KEY, or a key generated on first run and kept in instance/ (mode 0600).

    Several processes may start on a new instance at once (gunicorn's workers, a parallel test run): the key is
    written to a file of this process's own and linked into place, which succeeds for exactly one of them; the
    others read the key it wrote, never a half-written or a second one.
    """
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = instance / "secret_key"
    if not key_file.exists():
        instance.mkdir(parents=True, exist_ok=True)
        draft = instance / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
        try:
            os.link(draft, key_file)
        except FileExistsError:
            pass  # another process was first: its key counts
        finally:
            draft.unlink()
    return key_file.read_text().strip()


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def _list(name: str) -> list[str] | None:
    value = os.environ.get(name)
    if not value or not value.strip():
        return None
    return [item.strip() for item in value.split(",") if item.strip()]


def load_config() -> dict[str, Any]:
    """Build the configuration from the environment."""
    instance = _instance_dir()
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'workspace.sqlite3'}"
    if database_url.startswith("postgres://"):  # Heroku-style URLs name no driver
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgres://")
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    max_upload_mb = _int("MAX_UPLOAD_MB", 50)
    redis_url = os.environ.get("REDIS_URL") or None
    mail_server = os.environ.get("MAIL_SERVER") or None
    secure_cookies = _bool("SESSION_COOKIE_SECURE", False)
    # Every absolute link (emails, feeds, QR codes) is built on BASE_URL, never on the request's Host.
    base_url = os.environ.get("BASE_URL") or default_base_url(os.environ.get("HOST") or "127.0.0.1",
                                                              os.environ.get("PORT") or "5000")
    return {
        "INSTANCE_DIR": str(instance),
        "SECRET_KEY": _secret_key(instance),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # How long a write waits for SQLite's write lock before the person is asked to send again (503).
        "SQLITE_BUSY_TIMEOUT_MS": _int("SQLITE_BUSY_TIMEOUT_MS", 5000),
        "UPLOAD_DIR": os.environ.get("UPLOAD_DIR") or str(instance / "uploads"),
        "MAX_UPLOAD_MB": max_upload_mb,
        "MAX_VIDEO_UPLOAD_MB": _int("MAX_VIDEO_UPLOAD_MB", 500),
        "MAX_IMAGE_PIXELS": _int("MAX_IMAGE_PIXELS", 40_000_000),  # decompression-bomb guard
        "DISCUSSION_MAX_POST": _int("DISCUSSION_MAX_POST", 50_000),  # characters per post
        "DISCUSSION_POSTS_PER_PAGE": _int("DISCUSSION_POSTS_PER_PAGE", 50),
        "MONTHLY_PLAN_DAY": _int("MONTHLY_PLAN_DAY", 20),  # the plan for a month is due by this day of the month before
        # The QR code on a sign-in board changes every SIGN_IN_CODE_SECONDS and a scanned code is still taken for
        # SIGN_IN_CODE_GRACE_SECONDS after it was replaced, so a photo sent to a chat stops working within a minute.
        # Someone who scanned in time and must log in first has SIGN_IN_LOGIN_MINUTES to do it.
        "SIGN_IN_CODE_SECONDS": _int("SIGN_IN_CODE_SECONDS", 15),
        "SIGN_IN_CODE_GRACE_SECONDS": _int("SIGN_IN_CODE_GRACE_SECONDS", 45),
        "SIGN_IN_LOGIN_MINUTES": _int("SIGN_IN_LOGIN_MINUTES", 10),
        # A live poll may learn of a write this much later (it then mostly needs no database at all).
        "LIVE_POLL_STALENESS_SECONDS": float(os.environ.get("LIVE_POLL_STALENESS_SECONDS") or 1.0),
        # Requests above the largest allowed upload are cut off by Werkzeug with a 413.
        # The form around the file (boundary, fields) needs room too: a video of exactly the limit must pass.
        "MAX_CONTENT_LENGTH": (max(max_upload_mb, _int("MAX_VIDEO_UPLOAD_MB", 500)) + 1) * 1024 * 1024,
        "REDIS_URL": redis_url,
        # What every Redis key the app writes starts with (page cache, login throttle, rate limits; the job queue's
        # keys are named by JOBS_QUEUE); create_app derives it from BASE_URL when unset (default_redis_prefix) and
        # gives it to Flask-Limiter as RATELIMIT_KEY_PREFIX.
        "REDIS_PREFIX": os.environ.get("REDIS_PREFIX") or None,
        "JOBS_IMMEDIATE": _bool("JOBS_IMMEDIATE", False),  # run background jobs at once, in the caller (tests)
        # /healthz/ready fails when no job queue consumer has beaten (every minute) for this long; 0 turns it off.
        "JOBS_HEARTBEAT_MAX_AGE_SECONDS": _int("JOBS_HEARTBEAT_MAX_AGE_SECONDS", 180),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "MAIL_SERVER": mail_server,
        "MAIL_PORT": _int("MAIL_PORT", 587),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", True),
        "MAIL_USE_SSL": _bool("MAIL_USE_SSL", False),
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER") or "workspace@localhost",
        "BASE_URL": base_url.rstrip("/"),
        # Host names requests may use besides BASE_URL's (create_app completes the list); others get 400.
        "TRUSTED_HOSTS": _list("TRUSTED_HOSTS"),
        # A notification waits this long before its email, so that a busy thread makes one email, not ten.
        "NOTIFY_EMAIL_DELAY_MINUTES": _int("NOTIFY_EMAIL_DELAY_MINUTES", 5),
        "TIMEZONE": os.environ.get("TIMEZONE") or "Asia/Taipei",
        # The hour (local, in TIMEZONE) at which the queue reminds of deadlines, once a day.
        "REMINDER_HOUR": _int("REMINDER_HOUR", 7),
        "BABEL_DEFAULT_LOCALE": "zh_Hant",
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("TIMEZONE") or "Asia/Taipei",
        "ALLOW_REGISTRATION": _bool("ALLOW_REGISTRATION", True),
        # Tokens bound to the session, not to a clock: a tab left open over lunch can still save.
        "WTF_CSRF_TIME_LIMIT": None,
        # Our forms take WTForms' messages from our own catalogues (core/forms.WorkspaceForm); Flask-WTF's would
        # give zh_Hant readers WTForms' only Chinese catalogue, which is Simplified.
        "WTF_I18N_ENABLED": False,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        # "Keep me logged in" lasts this long; a login without it ends after SESSION_IDLE_DAYS unused.
        "REMEMBER_COOKIE_DURATION": dt.timedelta(days=_int("REMEMBER_DAYS", 365)),
        "SESSION_IDLE_DAYS": _int("SESSION_IDLE_DAYS", 7),
        "PREFERRED_URL_SCHEME": "https" if secure_cookies else "http",
        "PASSWORD_HASH_PROFILE": os.environ.get("PASSWORD_HASH_PROFILE") or "default",
        # Login throttling (auth/throttle.py): failures per account and browser (or address) get a few free tries,
        # then waits from LOGIN_DELAY_SECONDS doubling up to LOGIN_DELAY_MAX_SECONDS; failures are remembered for
        # the window (until a success from the same browser or address).
        "LOGIN_FAILURES_BEFORE_DELAY": _int("LOGIN_FAILURES_BEFORE_DELAY", 3),
        "LOGIN_DELAY_SECONDS": _int("LOGIN_DELAY_SECONDS", 5),
        "LOGIN_DELAY_MAX_SECONDS": _int("LOGIN_DELAY_MAX_SECONDS", 900),
        # The cap for browsers that never logged in to the account, counted together by their network address: a
        # teacher on a fresh browser behind a school's NAT shares that count with whoever guesses from there, so
        # this is both the longest she can be made to wait and the guesser's pace (auth/throttle.py).
        "LOGIN_DELAY_MAX_PER_ADDRESS_SECONDS": _int("LOGIN_DELAY_MAX_PER_ADDRESS_SECONDS", 120),
        "LOGIN_FAILURE_WINDOW_MINUTES": _int("LOGIN_FAILURE_WINDOW_MINUTES", 1440),
        # Failed logins for one account from browsers that never logged in to it, within the window, before each
        # further one makes such browsers wait, doubling up to LOGIN_DELAY_MAX_SECONDS (a reset link and known
        # browsers are not held back); one address's failures count for half of it at most.
        "LOGIN_FAILURES_PER_ACCOUNT": _int("LOGIN_FAILURES_PER_ACCOUNT", 100),
        # Failed logins from one address over all accounts before that address loses its free tries (it waits from
        # the first failure on each account; a right password for an account nobody guessed still gets in, so a
        # school's shared address is never locked); also the limit on sign-up and reset requests per address and
        # account.
        "LOGIN_RATE_LIMIT_PER_ADDRESS": os.environ.get("LOGIN_RATE_LIMIT_PER_ADDRESS") or "20 per 10 minutes",
        # sign-up and reset requests from one address over every account and link (a flood of made-up addresses)
        "ACCOUNT_REQUESTS_LIMIT_PER_ADDRESS": os.environ.get("ACCOUNT_REQUESTS_LIMIT_PER_ADDRESS")
        or "200 per 10 minutes",
        # Markdown previews per person (the live preview asks after each pause in typing).
        "PREVIEW_RATE_LIMIT": os.environ.get("PREVIEW_RATE_LIMIT") or "120 per minute",
        # New threads and replies on the boards per person (discussions.services.check_pace): far above what a
        # teacher writes (a busy afternoon is a few threads, a lively thread a reply a minute), far below a script's
        # flood (QA: 504 threads in a minute). Past it the form comes back, its text kept, with the wait.
        "DISCUSSION_THREAD_RATE_LIMIT": os.environ.get("DISCUSSION_THREAD_RATE_LIMIT") or "20 per hour",
        "DISCUSSION_REPLY_RATE_LIMIT": os.environ.get("DISCUSSION_REPLY_RATE_LIMIT") or "60 per 10 minutes",
        # Documents built on request per person (exports: the evidence pack, ledgers, forms, sheets, summary, jobs).
        "EXPORT_RATE_LIMIT": os.environ.get("EXPORT_RATE_LIMIT") or "60 per 10 minutes",
        "INVITATION_DAYS": _int("INVITATION_DAYS", 14),
        "RESET_LINK_HOURS": _int("RESET_LINK_HOURS", 24),
        "CONFIRM_LINK_HOURS": _int("CONFIRM_LINK_HOURS", 48),  # the link that confirms a new account's address
        "WELCOME_LINK_DAYS": _int("WELCOME_LINK_DAYS", 7),  # an account made by an administrator: choose a password
        "BEHIND_PROXY": _bool("BEHIND_PROXY", False),
        "PAGE_CACHE": _bool("PAGE_CACHE", True),
        # Rendered pages kept in instance/page-cache (or Redis with REDIS_URL): how long, and how much on disk.
        "PAGE_CACHE_MAX_AGE": _int("PAGE_CACHE_MAX_AGE", 86400),
        "PAGE_CACHE_MAX_BYTES": _int("PAGE_CACHE_MAX_MB", 256) * 1024 * 1024,
        # Parts of pages kept per worker process under the versions they show (core/fragments.py), in memory.
        "FRAGMENT_CACHE": _bool("FRAGMENT_CACHE", True),
        "FRAGMENT_CACHE_MAX_BYTES": _int("FRAGMENT_CACHE_MAX_MB", 32) * 1024 * 1024,
    }
