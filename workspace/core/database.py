"""Database plumbing: SQLite settings, when the write lock is taken, compare-and-swap counters, UTC timestamps."""

from __future__ import annotations

import datetime as dt
import enum
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import current_app, g, has_app_context, has_request_context
from sqlalchemy import CheckConstraint, DateTime, Select, event, inspect, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.types import TypeDecorator

from workspace.core.cache import note_change, rule_of
from workspace.core.errors import is_lock_timeout
from workspace.extensions import db


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


DEFAULT_BUSY_TIMEOUT_MS = 5000
READING, WRITING = "reading", "writing"
_STATE = "workspace_sqlite_transaction"  # key in a connection's info: what its open transaction may do
_READ_STATEMENTS = ("SELECT", "PRAGMA", "EXPLAIN", "BEGIN", "COMMIT", "ROLLBACK", "RELEASE")


def configure_sqlite(engine: Engine) -> None:
    """Apply WAL, foreign keys and a busy timeout, and hold the write lock only while a request writes.

    pysqlite's own transaction handling is off; we emit BEGIN ourselves. A request reads in a DEFERRED
    transaction, which takes no lock, while its body arrives and its uploads are checked; its first
    write (or SELECT … FOR UPDATE) ends that read transaction and begins IMMEDIATE, which waits up to
    the busy timeout for the lock and holds it until the commit. A read transaction that simply wrote
    would fail at once with "database is locked" whenever another writer had committed since its
    snapshot. Work outside a request (CLI, tests) begins IMMEDIATE at once, unless it runs in
    `reads_first()`.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={_busy_timeout_ms()}")
        if _file_backed(engine):
            mode = cursor.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":  # e.g. a network file system: readers would then block writers
                logging.getLogger(__name__).warning(
                    "SQLite refused WAL mode (journal_mode=%s) for %s: put the database on a local disk",
                    mode, engine.url.database)
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if _reads_first():
            connection.exec_driver_sql("BEGIN DEFERRED")
            connection.info[_STATE] = READING
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            connection.info[_STATE] = WRITING

    @event.listens_for(engine, "before_cursor_execute")
    def _before_statement(connection: Any, _cursor: Any, statement: str, _parameters: Any, context: Any,
                          _many: bool) -> None:
        if connection.info.get(_STATE) == READING and _writes(statement, context):
            _take_write_lock(connection)


def advance(obj: Any, attribute: str = "version", *, expected: int | None = None) -> bool:
    """Add one to a row's counter in one UPDATE; given `expected`, only while the row still holds it.

    The compare-and-swap that keeps a save from overwriting another one made since its form was
    loaded. A check in Python compares against what this transaction read, which may be a moment old
    (PostgreSQL's READ COMMITTED, and SQLite's reads before the write lock); the UPDATE's condition is
    decided by the database with the row locked. Returns False, changing nothing, when the row has
    moved on (or is gone).
    """
    model = type(obj)
    column = getattr(model, attribute)
    state = inspect(obj)
    statement = update(model).where(*[key == value for key, value in zip(
        state.mapper.primary_key, state.identity, strict=True)])
    if expected is not None:
        statement = statement.where(column == expected)
    statement = statement.values({attribute: column + 1}).returning(column)
    value = db.session.execute(statement.execution_options(synchronize_session=False)).scalar_one_or_none()
    if value is None:
        return False
    set_committed_value(obj, attribute, value)
    note_change(*rule_of(model).scopes(obj))  # a Core write: the flush hooks do not see it
    return True


def _busy_timeout_ms() -> int:
    if not has_app_context():  # a script using the engine on its own
        return DEFAULT_BUSY_TIMEOUT_MS
    return int(current_app.config.get("SQLITE_BUSY_TIMEOUT_MS") or DEFAULT_BUSY_TIMEOUT_MS)


def _file_backed(engine: Engine) -> bool:
    """Whether the database is a file (WAL applies), not an in-memory one (`:memory:`, `?mode=memory`)."""
    database = engine.url.database or ""
    return database not in ("", ":memory:") and not database.startswith("file::memory:") \
        and engine.url.query.get("mode") != "memory"


def _writes(statement: str, context: Any) -> bool:
    """Whether a statement needs the write lock: anything but a plain read, and SELECT … FOR UPDATE
    (SQLite has no row locks: "I am about to change what I read" means taking the lock before reading)."""
    compiled = getattr(context, "compiled", None)
    target = getattr(compiled, "statement", None)
    if getattr(target, "_for_update_arg", None) is not None:
        return True
    head = statement.lstrip()[:8].upper()
    if head.startswith("WITH"):  # a CTE reads unless it ends in INSERT, UPDATE or DELETE
        return not isinstance(target, Select)
    return not head.startswith(_READ_STATEMENTS)


def _take_write_lock(connection: Any) -> None:
    """End the read transaction (it wrote nothing) and begin IMMEDIATE, waiting up to the busy timeout."""
    dbapi_connection = connection.connection.dbapi_connection
    connection.info[_STATE] = None  # whatever happens next, this transaction no longer only reads
    if dbapi_connection.in_transaction:
        dbapi_connection.execute("COMMIT")
    dbapi_connection.execute("BEGIN IMMEDIATE")
    connection.info[_STATE] = WRITING


def fresh_snapshot() -> None:
    """Let the reads that follow see what others committed meanwhile (SQLite; nothing elsewhere).

    Called once a request's body has arrived: a read transaction begun before a slow upload would
    otherwise show the request the data of a minute ago, and keep SQLite from checkpointing its WAL.
    """
    session = db.session()
    if not session.in_transaction() or db.engine.dialect.name != "sqlite":
        return
    connection = session.connection()
    if connection.info.get(_STATE) != READING:
        return
    dbapi_connection = connection.connection.dbapi_connection
    if dbapi_connection.in_transaction:
        dbapi_connection.execute("COMMIT")
        dbapi_connection.execute("BEGIN DEFERRED")


@contextmanager
def unless_busy() -> Iterator[None]:
    """Make a write that a page can do without (a read mark, a download count) give way to a busy database.

    When the lock cannot be had within the busy timeout, the write is rolled back and the page is served all
    the same (the mark moves at the next view) instead of answering 503 for something the person did not ask.
    """
    try:
        yield
    except OperationalError as error:
        if not is_lock_timeout(error):
            raise
        db.session.rollback()
        logging.getLogger(__name__).warning("the database stayed locked: a write that can wait was left out")


@contextmanager
def reads_first() -> Iterator[None]:
    """Outside a request, begin transactions as a request does: reading, the write lock taken at the first write.

    For long work that writes a little now and then (sending the notification emails), so that the lock
    is not held while a mail server answers.
    """
    previous = g.get("_reads_first", False)
    g._reads_first = True
    try:
        yield
    finally:
        g._reads_first = previous


def write_aside(statement: Any) -> None:
    """Run one small bookkeeping write (a login's "last seen") in a short transaction of its own.

    It runs on another connection and commits at once, so the request does not become a writer for it: the
    user is loaded before a request's body arrives, and a write there would hold the write lock while an upload
    streams in. Best effort: when the database stays busy the write is skipped, to be made at a later request.
    """
    try:
        with db.engine.begin() as connection:
            connection.execute(statement)
    except OperationalError as error:
        if not is_lock_timeout(error):
            raise
        logging.getLogger(__name__).warning("bookkeeping write skipped: the database is busy")


def _reads_first() -> bool:
    if has_request_context():
        return True
    return has_app_context() and bool(g.get("_reads_first", False))


def one_of(column: str, values: type[enum.StrEnum]) -> CheckConstraint:
    """A CHECK constraint (named after the column) that keeps `column` to the values of a string enum."""
    allowed = ", ".join(f"'{value.value}'" for value in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=column)


def unset(column: str) -> hybrid_property:
    """A model's "live" condition: `column` (deleted_at, left_at, cancelled_at) is NULL.

    One definition read both ways: `Resource.live` is the SQL condition every query filters on, and
    `resource.live` the same answer for a loaded row. Trashed, departed and cancelled records are told
    apart from the live ones here only (the area read modules and the services use it alike).
    """

    def is_live(obj: Any) -> bool:
        return getattr(obj, column) is None

    def live_condition(cls: Any) -> Any:
        return getattr(cls, column).is_(None)

    return hybrid_property(is_live, expr=live_condition)
