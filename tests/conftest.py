"""Fixtures: one app per run on a real database (SQLite file, or PostgreSQL), emptied after each test.

WORKSPACE_TEST_DB=postgres runs the suite against TEST_DATABASE_URL; REQUIRE_POSTGRES=1 makes a
missing PostgreSQL fail instead of skip.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

# Background jobs run at once, in the test's own process and app context (the queue lives in memory): set before
# workspace.core.jobs makes its queue, so no queue file is made either.
os.environ.setdefault("JOBS_IMMEDIATE", "1")

from flask import Flask, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import Column, Table, create_engine, event, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from workspace import create_app
from workspace.core import cache
from workspace.core.fragments import fragment_store
from workspace.extensions import db, limiter

SHARED = Path(__file__).resolve().parents[2] / "shared"
if not SHARED.exists():
    SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def _database_url(tmp_dir: Path) -> str:
    if os.environ.get("WORKSPACE_TEST_DB") == "postgres":
        url = os.environ.get("TEST_DATABASE_URL")
        if not url:
            if os.environ.get("REQUIRE_POSTGRES") == "1":
                pytest.fail("REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set", pytrace=False)
            pytest.skip("TEST_DATABASE_URL is not set (REQUIRE_POSTGRES=1 makes this fail)")
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        return _worker_database(url)
    return f"sqlite:///{tmp_dir / 'test.sqlite3'}"


def _worker_database(url: str) -> str:
    """Under pytest-xdist, each worker gets a database of its own beside TEST_DATABASE_URL's (made when missing):
    the suite empties and rebuilds its schema, which two workers may not do to one database at once."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    base = make_url(url)
    name = f"{base.database}_{worker}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name})
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    except ProgrammingError as error:  # most often: the role may not create databases
        pytest.fail(f"could not make the worker database {name} ({error.orig}); grant CREATEDB to the test role, "
                    "make the database yourself, or run in one process (TEST_WORKERS=0)", pytrace=False)
    finally:
        engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _reset_postgres_schema(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


TRANSLATIONS = Path(__file__).resolve().parents[1] / "workspace" / "translations"


def compile_catalogs() -> None:
    """Compile each .po into its .mo when missing or older, so that `pytest` alone sees the catalogs."""
    import tempfile

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po_path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as source:
            catalog = read_po(source)
        # Write beside the target, then rename: another run may be reading the .mo right now.
        handle, temporary = tempfile.mkstemp(dir=mo_path.parent, suffix=".mo.tmp")
        with os.fdopen(handle, "wb") as out:
            write_mo(out, catalog)
        os.chmod(temporary, 0o644)
        os.replace(temporary, mo_path)


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The app on a database built by the migrations (so every run also proves them)."""
    compile_catalogs()
    tmp_dir = tmp_path_factory.mktemp("instance")
    url = _database_url(tmp_dir)
    if url.startswith("postgresql"):
        _reset_postgres_schema(url)
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": url,
        "INSTANCE_DIR": str(tmp_dir),
        "UPLOAD_DIR": str(tmp_dir / "uploads"),
        "PASSWORD_HASH_PROFILE": "fast",
        "SERVER_NAME": "workspace.test",
        "BASE_URL": "http://workspace.test",
        "MAIL_SERVER": None,
        "LIVE_POLL_STALENESS_SECONDS": 0,  # a test's write shows on its next poll (see test_routes for the delay)
    })
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


def _empty_tables() -> None:
    """Delete every row (referencing tables first) and, on PostgreSQL, start the used sequences again."""
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        _empty_postgres_tables(tables)
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


def cyclic_columns(table: Table) -> list[Column]:
    """The columns of `table` whose foreign key is in a cycle (a resource's current version, a thread's answer):
    set after both rows exist, and let go before either is deleted."""
    return [fk.parent for fk in table.foreign_keys if fk.use_alter or fk.constraint.use_alter]


def columns_set_after_insert(table: Table) -> list[Column]:
    """The columns to leave empty when a table's rows are inserted again all at once and to set afterwards: those
    in a cycle and those naming a row of the same table (a plan's parent, a pairing's successor), since the row
    named may come later in the batch (PostgreSQL returns rows in no set order)."""
    return [*cyclic_columns(table), *(fk.parent for fk in table.foreign_keys
                                      if fk.column.table is table and not (fk.use_alter or fk.constraint.use_alter))]


def _empty_postgres_tables(tables: list[Table]) -> None:
    """DELETE from the tables that hold rows (one query finds them), not TRUNCATE of all of them: a TRUNCATE of the
    79 tables makes new files for each table and index and took 0.3-0.6 s per test, most of the PostgreSQL run."""
    probe = " UNION ALL ".join(
        f"SELECT '{table.name}' WHERE EXISTS (SELECT 1 FROM \"{table.name}\")" for table in tables)  # noqa: S608
    names = set(db.session.scalars(text(probe)))
    filled = [table for table in tables if table.name in names]
    for table in filled:  # a foreign key in a cycle (a resource's current version) is let go first
        for column in cyclic_columns(table):
            db.session.execute(update(table).where(column.isnot(None)).values({column.name: None}))
    for table in filled:
        db.session.execute(table.delete())
    # Ids start again at 1, as after TRUNCATE ... RESTART IDENTITY (a sequence never read shows no last_value).
    db.session.execute(text("SELECT setval(format('%I.%I', schemaname, sequencename), 1, false) "
                            "FROM pg_sequences WHERE last_value IS NOT NULL"))


@pytest.fixture(autouse=True)
def _clean_state(app: Flask) -> Iterator[None]:
    """Give every test an empty database, fresh rate limits, no cached page and no mail server."""
    with app.app_context():
        limiter.reset()
        cache.store.clear()  # the counters start again with the emptied tables: so do the pages
        fragment_store(app).clear()  # and ids start again: a fragment kept by an earlier test keyed on one
    app.config["MAIL_SERVER"] = None
    yield
    with app.app_context():
        db.session.remove()
        _empty_tables()


@pytest.fixture()
def ctx(app: Flask) -> Iterator[Flask]:
    """An app context for service tests (and for the factories)."""
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield app
        db.session.rollback()


class Client(FlaskClient):
    """A test client that knows the session's CSRF token and can log a user in directly."""

    _csrf: str | None = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Tests read English messages unless they ask for another language explicitly.
        self.environ_base.setdefault("HTTP_ACCEPT_LANGUAGE", "en")

    def open(self, *args, **kwargs):
        # A fresh app context per request, as in production: nothing in `g` or the database
        # session leaks from the test's own context (the `ctx` fixture) into the request.
        # The test's own session commits around each request so that it neither holds a stale
        # read snapshot nor hides its changes from the request.
        outer = has_app_context()
        if outer:
            db.session.commit()
        try:
            with self.application.app_context():
                return super().open(*args, **kwargs)
        finally:
            if outer:
                db.session.commit()

    def csrf_token(self) -> str:
        if self._csrf is None:
            page = self.get("/login", follow_redirects=True).get_data(as_text=True)
            match = re.search(r'id="csrf-token" data-token="([^"]+)"', page)
            assert match, "no CSRF token on the login page"
            self._csrf = match.group(1)
        return self._csrf

    def post_form(self, url: str, data: dict | None = None, **kwargs):
        """POST a form with the CSRF token, as a browser would."""
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token())
        return self.post(url, data=data, **kwargs)

    def hx(self, method: str, url: str, data: dict | None = None, **kwargs):
        """Send a request as htmx does (HX-Request, the CSRF header)."""
        headers = {"HX-Request": "true", "X-CSRFToken": self.csrf_token(), **kwargs.pop("headers", {})}
        return self.open(url, method=method.upper(), data=data, headers=headers, **kwargs)

    def login(self, user) -> Client:
        """Log `user` in on this client with a login of its own, as the login form would (one per client)."""
        from workspace.auth.services import start_session

        def _start(person) -> str:
            start_session(person, user_agent="Werkzeug test client", address="127.0.0.1")
            token = person.session_token
            db.session.commit()
            return token

        if has_app_context():  # the test's own session: commit what it holds first, as open() does
            db.session.commit()
            session_id = _start(user)
        else:
            with self.application.app_context():
                session_id = _start(db.session.merge(user))
        with self.session_transaction() as session:
            session["_user_id"] = session_id
            session["_fresh"] = True
        return self

    def logout(self) -> Client:
        with self.session_transaction() as session:
            session.clear()
        self._csrf = None
        return self


@pytest.fixture()
def client(app: Flask) -> Client:
    app.test_client_class = Client
    return app.test_client()  # type: ignore[return-value]


@pytest.fixture()
def make_client(app: Flask):
    """Make extra clients (a second browser) on demand."""
    app.test_client_class = Client

    def _make() -> Client:
        return app.test_client()  # type: ignore[return-value]

    return _make


@contextmanager
def _count(engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def _before(_conn, _cursor, statement, *_args) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", _before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", _before)


@pytest.fixture()
def count_queries(app: Flask):
    """Count the SQL statements run inside a `with count_queries() as queries:` block."""
    with app.app_context():
        engine = db.engine

    return lambda: _count(engine)


from tests.test_mail import smtp  # noqa: E402, F401 - the local SMTP server, for every test that sends mail


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The shared/ folder beside the project (design, seeds, corpora)."""
    if not SHARED.exists():
        if os.environ.get("CI") or os.environ.get("REQUIRE_SHARED") == "1":
            pytest.fail("../shared is missing (CI and REQUIRE_SHARED=1 need it)", pytrace=False)
        pytest.skip("../shared is not beside the project (REQUIRE_SHARED=1 makes this fail)")
    return SHARED


@pytest.fixture(scope="session")
def naughty(shared_dir: Path) -> list[str]:
    """The Big List of Naughty Strings (shared/corpora): what every free-text field and the search must survive."""
    path = shared_dir / "corpora" / "naughty-strings" / "blns.json"
    if not path.exists():
        pytest.fail(f"{path} is missing from shared/ (REQUIRE_SHARED: the corpus ships with it)", pytrace=False)
    strings = json.loads(path.read_text(encoding="utf-8"))
    assert len(strings) > 400
    return strings
