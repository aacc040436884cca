"""SQLite runs with WAL, foreign keys and a busy timeout; a request takes the write lock at its first write
(work outside a request, up front); times stay UTC."""

from __future__ import annotations

import datetime as dt
import os
import threading
import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from tests.factories import add_member, make_community, make_user
from workspace.communities.models import Membership
from workspace.core.database import UTCDateTime
from workspace.extensions import db

# These tests are about SQLite's own settings and locking; PostgreSQL has neither pragma nor file lock.
sqlite_only = pytest.mark.skipif(
    os.environ.get("WORKSPACE_TEST_DB") == "postgres", reason="SQLite settings and locking"
)


@sqlite_only
def test_sqlite_pragmas(ctx):
    assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 5000


def test_foreign_keys_are_enforced(ctx):
    db.session.add(Membership(community_id=999_999, user_id=999_999, role="member"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_database_refuses_a_second_active_convener(ctx):
    community = make_community()
    membership = add_member(community)
    membership.role = "convener"
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_naive_datetimes_are_refused_and_results_are_utc(ctx):
    column = UTCDateTime()
    with pytest.raises(ValueError, match="naive"):
        column.process_bind_param(dt.datetime(2026, 1, 1), db.engine.dialect)
    user = make_user()
    db.session.expire(user)
    assert user.created_at.tzinfo is not None
    assert user.created_at.utcoffset() == dt.timedelta(0)


@sqlite_only
def test_concurrent_writers_wait_instead_of_failing(app, ctx):
    """Two read-then-write transactions at once: with BEGIN IMMEDIATE the second waits, none fails."""
    user_id = make_user(display_name="start").id
    db.session.commit()  # end the test's own read transaction
    errors: list[Exception] = []
    barrier = threading.Barrier(2)

    def rename(suffix: str) -> None:
        try:
            with app.app_context(), db.engine.connect() as connection:
                barrier.wait()
                name = connection.execute(
                    text("SELECT display_name FROM users WHERE id = :id"), {"id": user_id}
                ).scalar()
                time.sleep(0.3)  # both have read before either writes, unless the first holds the lock
                connection.execute(
                    text("UPDATE users SET display_name = :name WHERE id = :id"),
                    {"name": f"{name}+{suffix}", "id": user_id},
                )
                connection.commit()
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=rename, args=(suffix,)) for suffix in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    db.session.expire_all()
    final = db.session.execute(text("SELECT display_name FROM users WHERE id = :id"), {"id": user_id}).scalar()
    assert final in {"start+a+b", "start+b+a"}, "a write was lost"


def _lock_is_free() -> bool:
    """Whether another connection could take SQLite's write lock right now (without waiting)."""
    import sqlite3

    other = sqlite3.connect(db.engine.url.database, isolation_level=None, timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        other.close()


@sqlite_only
def test_a_post_takes_the_write_lock_at_its_first_write_not_before(app):
    from workspace.auth.models import User

    with app.app_context():
        user_id = make_user().id
    with app.test_request_context("/anything", method="POST"):
        db.session.get(User, user_id)  # the user loader's read: no lock
        assert _lock_is_free()
        db.session.get(User, user_id).display_name = "改名"
        db.session.flush()  # the first write takes it, until the commit
        assert not _lock_is_free()
        db.session.commit()
        assert _lock_is_free()


@sqlite_only
def test_select_for_update_in_a_request_takes_the_write_lock_before_reading(app):
    from sqlalchemy import select

    from workspace.auth.models import User

    with app.app_context():
        user_id = make_user().id
    with app.test_request_context("/anything"):
        db.session.scalars(select(User).where(User.id == user_id)).one()
        assert _lock_is_free()
        db.session.scalars(select(User).where(User.id == user_id).with_for_update()).one()
        assert not _lock_is_free()  # no row locks in SQLite: "about to change this row" takes the database's
        db.session.rollback()
