"""Page cache with narrow invalidation: a rendered GET page is reused until something it shows changes.

Counters. Every write bumps the counters of what it touches, in the database and in the same
transaction as the write (so a page can never be stored under a counter that a later-committed write
already passed, and every worker and instance sees a write at once): a record in a community bumps that
community's counter, a person's own state (memberships, read marks, notifications, watches) that person's
counter, site-wide records (users, schools) the site counter. Every write also bumps the "everything"
counter, which the few pages that show every community (the library) depend on. Counters are rows
(kind, scope_id, value) of `cache_counters`, created by an upsert on first use.

Epoch. A restore (core/backup.py) puts the counters back to their values at backup time, so the next writes would
bring them to values pages of the discarded timeline are kept under. It therefore sets the epoch row ("epoch", 0)
to a new random value, which every key holds (it is read with the other counters, in the same query): every page
kept before, in any worker or instance, is stale at once. It also empties the store (start_new_epoch()).

Rules. Each mapped model says what a change to one of its records bumps with a class attribute
`__cache_rule__` (see Rule and the helpers below: of_community(), of_user(), like(), site_wide(),
NEUTRAL); tests/core/test_cache.py fails for a model without one. A write made with a Core statement
(which the flush hooks do not see) calls note_change() with its scopes.

Pages. Only views that say `@cache_page(depends=…)` are cached. A page always depends on the site and on
its viewer's own counter, plus what `depends` names: COMMUNITY (the community of the view's `slug`),
MY_COMMUNITIES (every community the viewer is or was a member of) or EVERYTHING. The key also holds the
path, the htmx headers, the user (and their login and CSRF secret) and the language; time enters it
only through `expires=` (a time bucket) or `vary=` (e.g. whether an activity has started). Only answers
200 without a pending flash or a new cookie are stored.

Store. Shared by every worker and instance: Redis when REDIS_URL is set, otherwise files under
instance/page-cache (shared by the gunicorn workers of one machine; a hit is one small file read).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from flask import Flask, Response, current_app, g, has_app_context, has_request_context, request, session
from flask_login import current_user
from sqlalchemy import BigInteger, Connection, Integer, String, event, inspect, text
from sqlalchemy.orm import Mapped, Session, mapped_column, object_session

from workspace.core.fragments import fragment_store
from workspace.core.i18n import choose_locale, current_locale_code
from workspace.extensions import db

F = TypeVar("F", bound=Callable[..., Any])
Scope = tuple[str, int]

logger = logging.getLogger(__name__)

EVERYTHING_SCOPE: Scope = ("any", 0)
SITE_SCOPE: Scope = ("site", 0)
EPOCH_SCOPE: Scope = ("epoch", 0)  # set anew by each restore: see the module's docstring


def community_scope(community_id: int) -> Scope:
    """The counter of one community: every record in it bumps it."""
    return ("community", community_id)


def user_scope(user_id: int) -> Scope:
    """The counter of one person's own state, which every page they see depends on."""
    return ("user", user_id)


# --- rules: what a change to a record bumps ------------------------------------------------------


class Rule:
    """What a change to a record of a model bumps: the union of the scopes its parts give for the record.

    `ignoring` names attributes whose change alone bumps nothing (e.g. a user's last login time).
    """

    def __init__(self, *parts: Callable[[Any], Iterable[Scope]], ignoring: Iterable[str] = ()) -> None:
        self.parts = parts
        self.ignoring = frozenset(ignoring)

    def __or__(self, other: Rule) -> Rule:
        return Rule(*self.parts, *other.parts, ignoring=self.ignoring & other.ignoring)

    def scopes(self, record: Any) -> set[Scope]:
        """The counters a change to `record` bumps."""
        return {scope for part in self.parts for scope in part(record)}


NEUTRAL = Rule()  # bookkeeping no page shows (login attempts, sessions, presence, stored bytes)


def site_wide(*, ignoring: Iterable[str] = ()) -> Rule:
    """Records every page may show (users' names, schools): a change refreshes every page."""
    return Rule(lambda _record: (SITE_SCOPE,), ignoring=ignoring)


def of_community(attribute: str = "community_id") -> Rule:
    """Records of one community (its id in `attribute`; none bumps nothing, as for a site-wide audit event)."""

    def scopes(record: Any) -> Iterable[Scope]:
        community_id = getattr(record, attribute)
        return (community_scope(community_id),) if community_id is not None else ()

    return Rule(scopes)


def of_user(attribute: str = "user_id") -> Rule:
    """A person's own state (their id in `attribute`): only the pages that person sees change."""

    def scopes(record: Any) -> Iterable[Scope]:
        user_id = getattr(record, attribute)
        return (user_scope(user_id),) if user_id is not None else ()

    return Rule(scopes)


def like(foreign_key: str, *, ignoring: Iterable[str] = ()) -> Rule:
    """Records that belong to another (a post to its thread, named by `thread_id`): a change bumps what a
    change to that record would (read from the session's identity map, or loaded once). `ignoring` as for
    site_wide()."""

    def scopes(record: Any) -> Iterable[Scope]:
        parent_id = getattr(record, foreign_key)
        if parent_id is None:
            return ()
        model = _parent_model(type(record), foreign_key)
        parent = (object_session(record) or db.session).get(model, parent_id)
        return rule_of(model).scopes(parent) if parent is not None else ()

    return Rule(scopes, ignoring=ignoring)


@functools.cache
def _parent_model(model: type, foreign_key: str) -> type:
    """The model a foreign key column points to."""
    column = inspect(model).columns[foreign_key]
    (target,) = {key.column.table for key in column.foreign_keys}
    return next(mapper.class_ for mapper in db.Model.registry.mappers if mapper.local_table is target)


def rule_of(model: type) -> Rule:
    """The model's declared cache rule (an error names a model that has none)."""
    rule = getattr(model, "__cache_rule__", None)
    if not isinstance(rule, Rule):
        raise TypeError(f"{model.__name__} declares no __cache_rule__ (see workspace/core/cache.py)")
    return rule


class CacheCounter(db.Model):
    """How many writes touched one scope (a community, a person, the site, everything)."""

    __tablename__ = "cache_counters"
    __cache_rule__ = NEUTRAL

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    scope_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


# --- counting writes -------------------------------------------------------------------------------


def _changed(record: Any, rule: Rule) -> bool:
    """Whether a dirty record changed anything its rule does not ignore (a no-op assignment bumps nothing)."""
    state = inspect(record)
    return any(attribute.history.has_changes() for attribute in state.attrs if attribute.key not in rule.ignoring)


def _pending(session: Session) -> set[Scope]:
    return session.info.setdefault("cache_pending", set())


@event.listens_for(Session, "before_flush")
def _note_deleted(session: Session, _context: Any, _instances: Any) -> None:
    """Deleted records are read now, while their rows (and those of their parents) still exist."""
    pending = _pending(session)
    for record in session.deleted:
        pending |= rule_of(type(record)).scopes(record)


@event.listens_for(Session, "after_flush")
def _bump_touched(session: Session, _context: Any) -> None:
    """New and changed records are read after the flush, when their ids and foreign keys are set."""
    pending = session.info.pop("cache_pending", set())
    for record in session.new:
        pending |= rule_of(type(record)).scopes(record)
    for record in session.dirty:
        rule = rule_of(type(record))
        if rule.parts and _changed(record, rule):
            pending |= rule.scopes(record)
    if pending:
        note_change(*pending, session=session)


_BUMP = text("INSERT INTO cache_counters (kind, scope_id, value) VALUES (:kind, :scope_id, 1) "
             "ON CONFLICT (kind, scope_id) DO UPDATE SET value = cache_counters.value + 1")


def note_change(*scopes: Scope, session: Session | None = None) -> None:
    """Bump these counters (and the everything counter), each once per transaction.

    The flush hooks call it for ORM writes; a write made with a Core statement calls it itself.
    Every bumping transaction takes the everything row first and the rest in order: no deadlock.
    """
    session = session or db.session()
    bumped: set[Scope] = session.info.setdefault("cache_bumped", set())
    fresh = sorted({EVERYTHING_SCOPE, *scopes} - bumped)
    if not fresh:
        return
    session.connection().execute(_BUMP, [{"kind": kind, "scope_id": scope_id} for kind, scope_id in fresh])
    bumped.update(fresh)
    if has_request_context():
        g.pop("_community_generation", None)


_NEW_EPOCH = text("INSERT INTO cache_counters (kind, scope_id, value) VALUES (:kind, :scope_id, :value) "
                  "ON CONFLICT (kind, scope_id) DO UPDATE SET value = excluded.value")


def start_new_epoch() -> None:
    """After a restore: make every kept page stale and empty the page store.

    The epoch is random, not counted up: a second restore of the same backup must not come back to the first one's
    value. Pages in the store of another instance without shared storage go stale through the epoch in their keys.
    """
    kind, scope_id = EPOCH_SCOPE
    db.session.execute(_NEW_EPOCH, {"kind": kind, "scope_id": scope_id, "value": secrets.randbits(62)})
    db.session.commit()
    current_app.extensions.pop("recent_generation", None)
    try:
        page_store().clear()
    except _store_errors() as error:  # the epoch alone already makes every kept page stale
        logger.warning("page cache: could not empty the store after a restore (%s)", error)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _end_of_transaction(session: Session) -> None:
    session.info.pop("cache_bumped", None)
    session.info.pop("cache_pending", None)


# --- reading counters ------------------------------------------------------------------------------

COMMUNITY = "community"  # the community named by the view's `slug` argument
MY_COMMUNITIES = "mine"  # every community the viewer is (or was) a member of
EVERYTHING = "any"  # every write anywhere (pages that list every community)

# Plain SQL: every cached page and every live poll reads it, and building an ORM select costs more than the read.
_DEPENDENCY_SQL = {
    COMMUNITY: "(kind = 'community' AND scope_id = (SELECT id FROM communities WHERE slug = :slug))",
    MY_COMMUNITIES: "(kind = 'community' AND scope_id IN (SELECT community_id FROM memberships WHERE user_id = :user))",
    EVERYTHING: "(kind = 'any' AND scope_id = 0)",
}


@functools.lru_cache(maxsize=32)
def _counters_statement(depends: tuple[str, ...], viewer: bool) -> Any:
    conditions = ["(kind = 'site' AND scope_id = 0)", "(kind = 'epoch' AND scope_id = 0)"]
    if viewer:
        conditions.append("(kind = 'user' AND scope_id = :user)")
    conditions += [_DEPENDENCY_SQL[name] for name in depends]
    # Only the fixed fragments above are joined: no value from a request reaches the text.
    return text(f"SELECT kind, scope_id, value FROM cache_counters WHERE {' OR '.join(conditions)}")  # noqa: S608


def read_counters(depends: Iterable[str], *, slug: str | None = None, user_id: int | None = None,
                  connection: Connection | None = None) -> tuple:
    """The counters a page depends on (the site, the viewer, what `depends` names), in one query, as a tuple
    that changes whenever one of them does (a counter not yet written is absent, i.e. 0). `connection`: read
    there instead of in the request's session (an early hit's own connection)."""
    statement = _counters_statement(tuple(sorted(set(depends))), user_id is not None)
    rows = (connection or db.session).execute(statement, {"slug": slug, "user": user_id}).all()
    # The restore epoch is among them: this process's fragments follow it (another worker may have restored).
    if has_app_context():
        fragment_store().follow_epoch(next((value for kind, _scope, value in rows if kind == EPOCH_SCOPE[0]), 0))
    return tuple(sorted((kind, scope_id, value) for kind, scope_id, value in rows))


def current_generation(slug: str | None = None) -> str:
    """The write counter of a community (the request's `slug` by default) and the site, as a live poll's ?gen=.

    Read once per request; a poll that hands it back learns whether anything in that community changed.
    """
    if slug is None:
        slug = request.view_args.get("slug") if has_request_context() and request.view_args else None
    cached = g.get("_community_generation") if has_request_context() else None
    if cached is not None and cached[0] == slug:
        return cached[1]
    counters = read_counters((COMMUNITY,), slug=slug)
    value = ".".join(str(counter_value) for _kind, _id, counter_value in counters) or "0"
    if has_request_context():
        g._community_generation = (slug, value)
    return value


def recent_generation() -> str:
    """The request community's write counter as this process read it at most LIVE_POLL_STALENESS_SECONDS ago.

    For live polls only (pages use current_generation()): an open page polls every few seconds, and
    learning of a write up to a second later costs nothing, while most polls then touch no database.
    """
    max_age = float(current_app.config.get("LIVE_POLL_STALENESS_SECONDS", 1.0))
    slug = request.view_args.get("slug") if request.view_args else None
    now = time.monotonic()
    seen: dict[str | None, tuple[float, str]] = current_app.extensions.setdefault("recent_generation", {})
    if slug in seen and now - seen[slug][0] < max_age:
        return seen[slug][1]
    value = current_generation(slug)
    if len(seen) > 4096:  # bounded: one entry per community polled
        seen.clear()
    seen[slug] = (now, value)
    return value


def poll_unchanged() -> bool:
    """Whether a live poll's ?gen= is its community's write counter now: nothing there changed, answer 204.

    Safe before any login or permission check: an empty answer tells nothing.
    """
    return request.args.get("gen", "") == recent_generation()


# --- the store -------------------------------------------------------------------------------------


class PageStore(Protocol):
    """Where rendered pages are kept, by key digest."""

    def get(self, digest: str) -> tuple[bytes, str] | None: ...

    def put(self, digest: str, body: bytes, mimetype: str) -> None: ...

    def clear(self) -> None: ...


class FileStore:
    """Pages as files under one directory, shared by every process of the machine.

    A hit is one open and read of a small file; a page is written beside its name and renamed into place,
    so a reader never sees half of one. Pages older than `max_age` seconds, then the oldest beyond
    `max_bytes`, are pruned every `prune_every` writes (old keys are never asked for again: their counters
    moved on).
    """

    def __init__(self, directory: Path, *, max_bytes: int = 256 * 1024 * 1024, max_age: float = 86400,
                 prune_every: int = 200) -> None:
        self.directory, self.max_bytes, self.max_age, self.prune_every = directory, max_bytes, max_age, prune_every
        self._writes = 0
        self._lock = threading.Lock()

    def _path(self, digest: str) -> Path:
        return self.directory / digest[:2] / digest[2:]

    def get(self, digest: str) -> tuple[bytes, str] | None:
        try:
            with open(self._path(digest), "rb") as page:
                data = page.read()
        except OSError:
            return None
        mimetype, _, body = data.partition(b"\n")
        return body, mimetype.decode()

    def put(self, digest: str, body: bytes, mimetype: str) -> None:
        path = self._path(digest)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, draft = tempfile.mkstemp(dir=path.parent, prefix=".draft-")
            with os.fdopen(handle, "wb") as out:
                out.write(mimetype.encode() + b"\n" + body)
            os.replace(draft, path)
        except OSError as error:  # a full disk costs the cache, never the page
            logger.warning("page cache: could not store a page (%s)", error)
            return
        with self._lock:
            self._writes += 1
            due = self._writes % self.prune_every == 0
        if due:
            self.prune()

    def prune(self) -> None:
        """Remove pages past their age, then the oldest until the rest fit in max_bytes."""
        now = time.time()
        pages = []
        for path in self.directory.glob("*/*"):
            try:
                stat = path.stat()
            except OSError:
                continue
            if now - stat.st_mtime > self.max_age:
                path.unlink(missing_ok=True)
            else:
                pages.append((stat.st_mtime, stat.st_size, path))
        total = sum(size for _time, size, _path in pages)
        for _mtime, size, path in sorted(pages):
            if total <= self.max_bytes:
                break
            path.unlink(missing_ok=True)
            total -= size

    def clear(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)


class RedisStore:
    """Pages in Redis, shared by every instance, each expiring by itself after `max_age` seconds."""

    def __init__(self, client: Any, prefix: str, max_age: float) -> None:
        self.redis, self.prefix, self.max_age = client, prefix, max_age

    def get(self, digest: str) -> tuple[bytes, str] | None:
        data = self.redis.get(f"{self.prefix}:{digest}")
        if data is None:
            return None
        mimetype, _, body = data.partition(b"\n")
        return body, mimetype.decode()

    def put(self, digest: str, body: bytes, mimetype: str) -> None:
        self.redis.set(f"{self.prefix}:{digest}", mimetype.encode() + b"\n" + body, ex=int(self.max_age))

    def clear(self) -> None:
        keys = list(self.redis.scan_iter(f"{self.prefix}:*", count=1000))
        for start in range(0, len(keys), 1000):
            self.redis.delete(*keys[start:start + 1000])


def _make_store(app: Flask) -> PageStore:
    config = app.config
    max_age = float(config.get("PAGE_CACHE_MAX_AGE", 86400))
    if config.get("REDIS_URL"):
        import redis

        prefix = config["REDIS_PREFIX"] + ":page"
        return RedisStore(redis.Redis.from_url(config["REDIS_URL"]), prefix, max_age)
    return FileStore(Path(config["INSTANCE_DIR"]) / "page-cache", max_age=max_age,
                     max_bytes=int(config.get("PAGE_CACHE_MAX_BYTES", 256 * 1024 * 1024)))


def page_store(app: Flask | None = None) -> PageStore:
    """The app's page store (made on first use)."""
    app = app or current_app._get_current_object()
    found = app.extensions.get("page_store")
    if found is None:
        found = app.extensions["page_store"] = _make_store(app)
    return found


def _store_errors() -> tuple[type[Exception], ...]:
    if not current_app.config.get("REDIS_URL"):
        return ()
    import redis

    return (redis.RedisError,)


class _CurrentStore:
    """The current app's page store (tests empty it with `store.clear()`)."""

    def get(self, digest: str) -> tuple[bytes, str] | None:
        try:
            return page_store().get(digest)
        except _store_errors() as error:  # the store away is a miss, never a failed page
            logger.warning("page cache: store unavailable (%s)", error)
            return None

    def put(self, digest: str, body: bytes, mimetype: str) -> None:
        try:
            page_store().put(digest, body, mimetype)
        except _store_errors() as error:
            logger.warning("page cache: store unavailable (%s)", error)

    def clear(self) -> None:
        if has_app_context():
            page_store().clear()


store = _CurrentStore()


# --- cached views ----------------------------------------------------------------------------------


def _cache_key(depends: tuple[str, ...], expires: float | None,
               vary: Callable[[Connection], Any] | None) -> str | None:
    """The key of the page asked for, for the logged-in user (None: this answer is not cached)."""
    if not current_app.config.get("PAGE_CACHE", True) or session.get("_flashes"):
        return None
    user = current_user._get_current_object()
    if not user.is_authenticated:
        return None
    return _key(depends, expires, vary, user_id=user.id,
                login_id=user.login.id if user.login is not None else None, locale=current_locale_code())


def _key(depends: tuple[str, ...], expires: float | None, vary: Callable[[Connection], Any] | None, *,
         user_id: int, login_id: int | None, locale: str, connection: Connection | None = None) -> str:
    slug = request.view_args.get("slug") if request.view_args else None
    parts = (
        request.full_path,
        request.headers.get("HX-Request"),
        request.headers.get("HX-Boosted"),
        request.headers.get("HX-History-Restore-Request"),
        user_id,
        login_id,
        session.get("csrf_token"),
        locale,
        read_counters(depends, slug=slug, user_id=user_id, connection=connection),
        int(time.time() // expires) if expires else None,
        vary(connection if connection is not None else db.session.connection()) if vary is not None else None,
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()


# What a kept page must not repeat from one view to the next (a create form's one-time token: core/once.py registers
# it), rewritten in each hit's copy. Registered by the module that renders it: the cache imports no such module.
_HIT_FILTERS: list[Callable[[bytes], bytes]] = []


def register_hit_filter(rewrite: Callable[[bytes], bytes]) -> None:
    """Rewrite every page answered from the cache with `rewrite(body)` first (e.g. fresh one-time tokens)."""
    if rewrite not in _HIT_FILTERS:
        _HIT_FILTERS.append(rewrite)


def _hit(page: tuple[bytes, str]) -> Response:
    body = page[0]
    for rewrite in _HIT_FILTERS:
        body = rewrite(body)
    response = Response(body, mimetype=page[1])
    response.vary.add("HX-Request")
    # What set_security_headers adds for a loaded user: a hit answered before the load says it too.
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- a hit before the user is loaded ---------------------------------------------------------------


@dataclass(frozen=True)
class PageReader:
    """Who asks for a page, as far as its key needs them, read in one plain query instead of the ORM's user."""

    user_id: int
    login_id: int
    locale: str | None  # the language they saved, if any


def install_reader(app: Flask, read: Callable[[str, Connection], PageReader | None]) -> None:
    """Let cached pages be answered before the user is loaded: `read` takes the session's login id (Flask-Login's
    `_user_id`) and the connection to read on, and gives its reader only for a login that loading the user would
    accept without writing anything (open, unexpired, seen recently, its secret right, the account active and
    approved), else None."""
    app.extensions["page_reader"] = read


def answer_from_cache() -> Response | None:
    """Before the login gate: a logged-in GET for a page kept in the cache is answered here, without loading
    the user (about half the cost of a hit). Anything unusual (no reader, a pending message, a login the loader
    would touch) goes the ordinary way, which decides and stores as always."""
    if request.method != "GET" or not current_app.config.get("PAGE_CACHE", True) or request.endpoint is None:
        return None
    declared = getattr(current_app.view_functions.get(request.endpoint), "_cache_page", None)
    read = current_app.extensions.get("page_reader")
    session_id = session.get("_user_id")
    if declared is None or read is None or not session_id or session.get("_flashes"):
        return None
    if session.get("_fresh") is not False and session.get("_id") != _login_identifier():
        return None  # Flask-Login's session protection would mark this session as not fresh: let it
    with _early_connection() as connection:
        reader = read(session_id, connection)
        if reader is None:
            return None
        depends, expires, vary = declared
        key = _key(depends, expires, vary, user_id=reader.user_id, login_id=reader.login_id,
                   locale=choose_locale(reader.locale), connection=connection)
    page = store.get(key)
    return _hit(page) if page is not None else None


@contextlib.contextmanager
def _early_connection() -> Iterator[Connection]:
    """The connection an early hit reads its login and counters on. On PostgreSQL a connection of its own in
    autocommit: two reads need no transaction (each sees a committed state, and counters read a moment later
    only make the key newer), and a hit is spared the BEGIN and ROLLBACK round trips to the server. On SQLite
    the request's session, as before: its reads are in-process, and its connections begin their own way
    (BEGIN DEFERRED, core/database)."""
    if db.engine.dialect.name != "postgresql":
        yield db.session.connection()
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        yield connection


def _login_identifier() -> str | None:
    manager = getattr(current_app, "login_manager", None)
    return manager._session_identifier_generator() if manager is not None else None


def cache_page(*, depends: Iterable[str], expires: float | None = None,
               vary: Callable[[Connection], Any] | None = None) -> Callable[[F], F]:
    """Serve the view's page from the cache while nothing it could show has changed.

    `depends` names what the page shows besides the site and the viewer's own state: COMMUNITY (the
    community of the view's `slug`), MY_COMMUNITIES, EVERYTHING. Time is declared, one of two ways:
    `expires=` seconds for a page that changes with the clock (a list of upcoming activities, a
    deadline to come): it is rendered anew at least that often (the buckets start at whole multiples of
    `expires` since the epoch, so 3600 turns at every whole hour, local midnight included in a zone of whole
    hours); `vary=` adds to the key what a page
    shows that no write changes, such as whether an activity has started yet (its page then offers
    feedback instead of leave). It reads nothing of the viewer, on the connection it is given (an early hit's
    own on PostgreSQL, in autocommit): a hit is answered before the user is loaded, without a transaction.
    """
    depends = tuple(sorted(set(depends)))
    unknown = set(depends) - set(_DEPENDENCY_SQL)
    if unknown:
        raise ValueError(f"unknown cache dependencies: {sorted(unknown)}")

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            key = _cache_key(depends, expires, vary)
            if key is not None:
                hit = store.get(key)
                if hit is not None:
                    return _hit(hit)
            response = current_app.make_response(view(*args, **kwargs))
            if (key is not None and response.status_code == 200 and not session.modified
                    and not response.headers.get("Set-Cookie") and not session.get("_flashes")):
                store.put(key, response.get_data(), response.mimetype or "text/html")
            return response

        wrapped._cache_page = (depends, expires, vary)  # type: ignore[attr-defined]  # for answer_from_cache
        return wrapped  # type: ignore[return-value]

    return decorate
