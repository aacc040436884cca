"""Database plumbing: SQLite settings, write-transaction locking, UTC timestamps, audit helpers."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import current_app, g, has_request_context, request
from sqlalchemy import CheckConstraint, DateTime, event
from sqlalchemy.engine import Engine
from sqlalchemy.types import TypeDecorator

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def utcnow() -> dt.datetime:
    """Return the current time, aware, in UTC."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored as UTC and always returned time-zone aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; give a time zone")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def configure_sqlite(engine: Engine) -> None:
    """Apply WAL, foreign keys and a busy timeout, and take the write lock when a write begins.

    pysqlite opens transactions lazily and as readers; a reader that later writes fails at once
    with "database is locked" under concurrency. We therefore emit BEGIN ourselves: IMMEDIATE
    (take the write lock up front, waiting up to busy_timeout) for unsafe HTTP requests and for
    CLI and test work, DEFERRED for GET/HEAD so that readers never queue behind writers.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN DEFERRED" if _only_reads() else "BEGIN IMMEDIATE")


def writes(view: Any) -> Any:
    """Mark a GET view that writes (a download counter, a thumbnail), so SQLite takes the write lock first."""
    view._writes = True
    return view


@contextmanager
def short_write() -> Iterator[None]:
    """Run a GET's small write (a read mark) in a transaction that takes the write lock first.

    The caller commits (ending its read transaction) before entering and commits before leaving:
    the page is read and rendered without the lock, and the write never upgrades a stale snapshot
    (which SQLite answers with "database is locked" at once, whatever the busy timeout).
    """
    g._short_write = True
    try:
        yield
    finally:
        g._short_write = False


def write_aside(statement: Any) -> None:
    """Run one small bookkeeping write (a login's "last seen") without making the request a writer.

    A request that only reads holds no write lock, so the write runs at once in a short transaction of its own
    on another connection (taking the lock first); a request that writes already holds the lock in its own
    transaction, where the write then goes, committed with the request's work. Best effort: a write that
    cannot get the lock is skipped, to be made at a later request.
    """
    from sqlalchemy.exc import OperationalError

    from workspace.extensions import db

    if not _only_reads():
        db.session.execute(statement)
        return
    try:
        with short_write(), db.engine.begin() as connection:
            connection.execute(statement)
    except OperationalError:
        current_app.logger.warning("bookkeeping write skipped: the database is busy")


def _only_reads() -> bool:
    """Whether this request only reads: a safe method on a view not marked as writing (a download counter)."""
    if not has_request_context() or request.method in UNSAFE_METHODS or g.get("_short_write"):
        return False
    view = current_app.view_functions.get(request.endpoint or "")
    return not getattr(view, "_writes", False)


def one_of(column: str, values: type[enum.StrEnum]) -> CheckConstraint:
    """A CHECK constraint (named after the column) that keeps `column` to the values of a string enum."""
    allowed = ", ".join(f"'{value.value}'" for value in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=column)
