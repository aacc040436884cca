"""Page cache: a rendered GET page is reused until the data changes.

Every flush that adds, changes or deletes a record bumps one generation counter in the database
(in the same transaction), so every worker sees a change at once. A cached page is keyed on the
path, the htmx headers, the user (and their login and CSRF secret), the language and the
generation, so permission changes invalidate it like any other write. Only views that say
@cache_page are cached, only answers 200 without a pending flash or a new cookie are stored.
"""

from __future__ import annotations

import functools
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Response, current_app, g, has_request_context, request, session
from flask_login import current_user
from sqlalchemy import BigInteger, event, text, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from workspace.core.i18n import current_locale_code
from workspace.extensions import db

F = TypeVar("F", bound=Callable[..., Any])


class DataGeneration(db.Model):
    """One row counting the writes; a cached page is good while the count it saw is current."""

    __tablename__ = "data_generation"
    __cache_neutral__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


# Plain SQL: every cached page and every live poll reads it, and building an ORM select costs more than the read.
_READ_GENERATION = text("SELECT value FROM data_generation WHERE id = 1")


def current_generation() -> int:
    """Read the write counter once per request."""
    if has_request_context() and "_data_generation" in g:
        return g._data_generation
    value = db.session.execute(_READ_GENERATION).scalar() or 0
    if has_request_context():
        g._data_generation = value
    return value


def recent_generation() -> int:
    """The write counter as this process read it at most LIVE_POLL_STALENESS_SECONDS ago.

    For live polls only (pages use current_generation()): an open page polls every few seconds, and
    learning of a write up to a second later costs nothing, while most polls then touch no database.
    """
    max_age = float(current_app.config.get("LIVE_POLL_STALENESS_SECONDS", 1.0))
    now = time.monotonic()
    seen = current_app.extensions.get("recent_generation")
    if seen is not None and now - seen[0] < max_age:
        return seen[1]
    value = current_generation()
    current_app.extensions["recent_generation"] = (now, value)
    return value


def poll_unchanged() -> bool:
    """Whether a live poll's ?gen= is the write counter now: nothing anywhere changed, answer 204 at once.

    Safe before any login or permission check: an empty answer tells nothing.
    """
    return request.args.get("gen", "") == str(recent_generation())


def _changes_data(session: Session) -> bool:
    return any(
        not getattr(type(obj), "__cache_neutral__", False)
        for obj in (*session.new, *session.dirty, *session.deleted)
    )


@event.listens_for(Session, "after_flush")
def _bump_generation(session: Session, _context: Any) -> None:
    """Count a write once per transaction (cheap: one UPDATE on one row)."""
    if not _changes_data(session):
        return
    note_change(session)


def note_change(session: Session | None = None) -> None:
    """Count a write made with a Core statement (which the flush hook does not see), once per transaction."""
    session = session or db.session()
    if session.info.get("generation_bumped"):
        return
    connection = session.connection()
    bumped = connection.execute(update(DataGeneration).where(DataGeneration.id == 1)
                                .values(value=DataGeneration.value + 1))
    if bumped.rowcount == 0:  # an emptied database (tests): start counting again
        connection.execute(text("INSERT INTO data_generation (id, value) VALUES (1, 1)"))
    session.info["generation_bumped"] = True
    if has_request_context():
        g.pop("_data_generation", None)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _end_of_transaction(session: Session) -> None:
    session.info.pop("generation_bumped", None)


class PageStore:
    """A small in-process LRU of rendered pages, bounded in entries and bytes, safe across threads."""

    def __init__(self, max_entries: int = 512, max_bytes: int = 32 * 1024 * 1024) -> None:
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self._entries: OrderedDict[tuple, tuple[bytes, str]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple) -> tuple[bytes, str] | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: tuple, body: bytes, mimetype: str) -> None:
        with self._lock:
            if key in self._entries:
                self._bytes -= len(self._entries.pop(key)[0])
            self._entries[key] = (body, mimetype)
            self._bytes += len(body)
            while self._entries and (len(self._entries) > self.max_entries or self._bytes > self.max_bytes):
                _old_key, (old_body, _type) = self._entries.popitem(last=False)
                self._bytes -= len(old_body)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0


store = PageStore()


def _cache_key() -> tuple | None:
    if not current_app.config.get("PAGE_CACHE", True) or session.get("_flashes"):
        return None
    user = current_user._get_current_object()
    if not user.is_authenticated:
        return None
    return (
        request.full_path,
        request.headers.get("HX-Request"),
        request.headers.get("HX-Boosted"),
        request.headers.get("HX-History-Restore-Request"),
        user.id,
        user.login.id if user.login is not None else None,
        session.get("csrf_token"),
        current_locale_code(),
        current_generation(),
    )


def cache_page(view: F | None = None, *, vary: Callable[[], Any] | None = None) -> Any:
    """Serve the view's page from the cache while nothing it could show has changed.

    `vary` adds to the key what a page shows that no write changes, such as whether an activity has
    started yet (its page then offers feedback instead of leave): `@cache_page(vary=…)`.
    """
    if view is None:
        return lambda inner: cache_page(inner, vary=vary)

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        key = _cache_key()
        if key is not None and vary is not None:
            key = (*key, vary())
        if key is not None:
            hit = store.get(key)
            if hit is not None:
                response = Response(hit[0], mimetype=hit[1])
                response.vary.add("HX-Request")
                return response
        response = current_app.make_response(view(*args, **kwargs))
        if (key is not None and response.status_code == 200 and not session.modified
                and not response.headers.get("Set-Cookie") and not session.get("_flashes")):
            store.put(key, response.get_data(), response.mimetype or "text/html")
        return response

    return wrapped
