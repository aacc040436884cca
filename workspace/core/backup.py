"""Backups: one .tar.gz holding a manifest, a consistent database snapshot and the uploaded files.

SQLite is copied with the online backup API (never a file copy of the live, WAL-mode database);
PostgreSQL with `pg_dump -Fc` / `pg_restore`. Restores check the archive fully before touching
anything, and swap the uploads in with renames so that a failure leaves the old files in place.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from typing import Any, NamedTuple

from flask import current_app
from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError

from workspace.core.cache import start_new_epoch
from workspace.core.errors import ValidationError
from workspace.core.fragments import fragment_store
from workspace.extensions import db

FORMAT_VERSION = 1
APP_NAME = "workspace"
MANIFEST = "manifest.json"
UPLOADS = "uploads"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}
# A restore waits this long for a lock held by a running app before giving up (and rolling back).
PG_LOCK_TIMEOUT = "60s"


class BackupError(ValidationError):
    """The archive cannot be made or restored (not a backup, wrong database, unsafe member …)."""


class Keeper(NamedTuple):
    """What the world outside has already been told, kept across a restore (see keep_across_restore)."""

    name: str
    capture: Callable[[], Any]
    reapply: Callable[[Any], None]


_KEEPERS: list[Keeper] = []


def keep_across_restore(name: str, capture: Callable[[], Any], reapply: Callable[[Any], None]) -> None:
    """Register what a restore must not undo because it already left the app (an email sent, a reminder given):
    `capture()` reads it from the database about to be replaced, `reapply(captured)` writes it into the restored
    one, so that nothing is sent twice. Areas register at import (core imports no area). Either failing (the old
    database is damaged, which may be why it is restored; the backup predates the table) is logged, never fatal:
    the restore itself matters more."""
    _KEEPERS.append(Keeper(name, capture, reapply))


def _capture_kept() -> list[tuple[Keeper, Any]]:
    captured = []
    for keeper in _KEEPERS:
        try:
            captured.append((keeper, keeper.capture()))
        except SQLAlchemyError as error:
            db.session.rollback()
            current_app.logger.warning("restore: could not read %s before the restore (%s)", keeper.name, error)
    db.session.remove()
    return captured


def _reapply_kept(captured: list[tuple[Keeper, Any]]) -> None:
    for keeper, value in captured:
        try:
            keeper.reapply(value)
            db.session.commit()
        except SQLAlchemyError as error:
            db.session.rollback()
            current_app.logger.warning("restore: could not keep %s after the restore (%s)", keeper.name, error)


def make_backup(path: str) -> str:
    """Write a snapshot of the database and the uploads to PATH (.tar.gz) and return the path."""
    target = Path(path).expanduser().resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    dialect = _dialect()
    upload_dir = Path(current_app.config["UPLOAD_DIR"])
    with tempfile.TemporaryDirectory(prefix="workspace-backup-") as work:
        dump = Path(work) / DATABASE_FILES[dialect]
        # Database first, files second: blobs are written before their records, so every blob the
        # snapshot refers to is already on disk when the files are collected.
        if dialect == "sqlite":
            revision = _dump_sqlite(dump)
        else:
            revision = _alembic_revision()
            _dump_postgres(dump)
        uploads = sorted(_upload_files(upload_dir))
        manifest = {
            "format_version": FORMAT_VERSION,
            "app": APP_NAME,
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "dialect": dialect,
            "alembic_revision": revision,
            "database_file": dump.name,
            "upload_files": len(uploads),
            "upload_bytes": sum(size for _, _, size in uploads),
        }
        # A temporary name in the same directory, renamed at the end: a crash never leaves a
        # half-written archive under the final name. mkstemp's 0600 also suits password hashes.
        fd, partial = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
        try:
            with os.fdopen(fd, "wb") as raw:
                with tarfile.open(fileobj=raw, mode="w:gz") as archive:
                    _add_bytes(archive, MANIFEST, json.dumps(manifest, indent=2).encode())
                    archive.add(dump, arcname=dump.name, recursive=False)
                    for relative, source, _size in uploads:
                        archive.add(source, arcname=f"{UPLOADS}/{relative}", recursive=False)
                raw.flush()
                os.fsync(raw.fileno())
            os.replace(partial, target)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
    _fsync_dir(target.parent)
    return str(target)


def restore_backup(path: str) -> None:
    """Replace the database and the uploads with the snapshot in the archive at PATH."""
    dialect = _dialect()
    upload_dir = Path(current_app.config["UPLOAD_DIR"]).resolve()
    upload_dir.parent.mkdir(parents=True, exist_ok=True)
    with _open_archive(path) as archive:
        manifest = _read_manifest(archive, dialect)
        members = _checked_members(archive, manifest["database_file"])
        # Staging beside UPLOAD_DIR keeps the final swap a rename within one file system.
        staging = Path(tempfile.mkdtemp(dir=upload_dir.parent, prefix=f".{upload_dir.name}.restore-"))
        try:
            try:
                archive.extractall(staging, members=members, filter="data")
            except (tarfile.TarError, EOFError, zlib.error) as error:
                raise BackupError(f"The archive is damaged: {error}") from error
            new_uploads = staging / UPLOADS
            new_uploads.mkdir(exist_ok=True)
            _check_uploads(new_uploads, manifest)
            dump = staging / manifest["database_file"]
            if not dump.is_file():
                raise BackupError("The archive holds no database snapshot.")
            kept = _capture_kept()
            if dialect == "sqlite":
                _restore_sqlite(dump)
            else:
                _restore_postgres(dump)
            _swap_in(new_uploads, upload_dir, staging / "previous")
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    _reapply_kept(kept)
    # The restored counters are those of backup time: pages kept since would match them again (QA11 #1).
    start_new_epoch()
    fragment_store().clear()  # this process's; fragments' keys hold the versions they draw (created_at …)
    revision = manifest.get("alembic_revision")
    current_app.logger.info("restored backup %s (alembic revision %s)", path, revision)


# Database


def _dialect() -> str:
    name = db.engine.dialect.name
    if name not in DATABASE_FILES:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {name}.")
    return name


def _sqlite_path() -> str:
    database = db.engine.url.database
    if database in (None, "", ":memory:") or database.startswith("file:"):
        raise BackupError("Backups need an SQLite database file.")
    return database


def _alembic_revision() -> str | None:
    with db.engine.connect() as connection:
        try:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except SQLAlchemyError:  # no table yet: a database never migrated
            connection.rollback()
            return None


def _dump_sqlite(dump: Path) -> str | None:
    """Copy the live database into DUMP with the online backup API; return its Alembic revision."""
    source = sqlite3.connect(_sqlite_path(), timeout=30)
    target = sqlite3.connect(dump)
    try:
        # One step (pages=-1) reads the whole database under a single read transaction: a
        # consistent snapshot even while the app keeps writing to the WAL.
        source.backup(target)
        # The snapshot is a private, self-contained file: no WAL beside it.
        target.execute("PRAGMA journal_mode=DELETE")
        try:
            row = target.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.OperationalError:
            row = None
    finally:
        target.close()
        source.close()
    return row[0] if row else None


def _restore_sqlite(dump: Path) -> None:
    """Copy the snapshot into the live database with the backup API (never over its files)."""
    snapshot = sqlite3.connect(dump)
    try:
        if snapshot.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise BackupError("The database snapshot in the archive is damaged.")
        _release_engine()
        live = sqlite3.connect(_sqlite_path(), timeout=30)
        try:
            # SQLite refuses to back up into a WAL database with another page size.
            page_size = live.execute("PRAGMA page_size").fetchone()[0]
            if snapshot.execute("PRAGMA page_size").fetchone()[0] != page_size:
                snapshot.execute(f"PRAGMA page_size={int(page_size)}")
                snapshot.execute("VACUUM")
            snapshot.backup(live)
        except sqlite3.Error as error:
            raise BackupError(f"The database could not be restored: {error}") from error
        finally:
            live.close()
    finally:
        snapshot.close()


def _libpq_target(url: URL) -> tuple[str, dict[str, str]]:
    """Return a libpq URI without the password, and an environment carrying it (PGPASSWORD)."""
    # psycopg passes its query parameters (sslmode, host=/socket …) to libpq unchanged.
    libpq = URL.create("postgresql", username=url.username, host=url.host, port=url.port,
                       database=url.database, query=url.query)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return libpq.render_as_string(hide_password=False), env


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    except FileNotFoundError as error:
        raise BackupError(f"{command[0]} was not found; install the PostgreSQL client tools "
                          "matching the server version.") from error
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()}")


def _dump_postgres(dump: Path) -> None:
    uri, env = _libpq_target(db.engine.url)
    _run(["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", f"--dbname={uri}"], env)


# Every table of the schema goes, not only those the dump knows: a table a newer migration added (the backup is
# older than the database, e.g. going back after an upgrade) may reference one of the dump's tables, and would
# block dropping it (QA11 #2). The backup's alembic_version then says where `db upgrade` continues.
_DROP_EVERY_TABLE = """
DO $$
DECLARE item record;
BEGIN
  FOR item IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema() LOOP
    EXECUTE format('DROP TABLE IF EXISTS %I.%I CASCADE', current_schema(), item.tablename);
  END LOOP;
END $$;
"""


def _restore_postgres(dump: Path) -> None:
    """Empty the schema of every table and load the dump, in one transaction (psql -1): an error keeps the old."""
    uri, env = _libpq_target(db.engine.url)
    # Fail instead of hanging when a running app holds a lock; one transaction rolls back on error.
    env["PGOPTIONS"] = f"{env.get('PGOPTIONS', '')} -c lock_timeout={PG_LOCK_TIMEOUT}".strip()
    # The dump as SQL first, complete, beside it: psql would commit whatever part of a broken pipe it had read.
    script = dump.with_suffix(".sql")
    _run(["pg_restore", "--clean", "--if-exists", "--no-owner", f"--file={script}", str(dump)], env)
    _release_engine()
    _run(["psql", "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", "--single-transaction", f"--dbname={uri}",
          f"--command={_DROP_EVERY_TABLE}", f"--file={script}"], env)


def _release_engine() -> None:
    """Return and close our pooled connections so they hold no lock or stale schema."""
    db.session.remove()
    db.engine.dispose()


# Archive


def _open_archive(path: str) -> tarfile.TarFile:
    try:
        archive = tarfile.open(path, mode="r:*")  # noqa: SIM115 - the caller closes it with `with`
    except (tarfile.TarError, OSError) as error:
        raise BackupError(f"{path} is not a backup archive.") from error
    try:
        archive.getmembers()  # read the whole index now: a truncated archive fails before any change
    except (tarfile.TarError, EOFError, zlib.error) as error:
        archive.close()
        raise BackupError(f"The archive is damaged: {error}") from error
    return archive


def _read_manifest(archive: tarfile.TarFile, dialect: str) -> dict[str, Any]:
    try:
        handle = archive.extractfile(MANIFEST)
        manifest = json.load(handle) if handle else None
    except (KeyError, ValueError, tarfile.TarError) as error:
        raise BackupError("This archive is not a workspace backup (no readable manifest).") from error
    if not isinstance(manifest, dict) or manifest.get("app") != APP_NAME:
        raise BackupError("This archive is not a workspace backup.")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"Unknown backup format version {manifest.get('format_version')!r}; "
                          f"this version reads {FORMAT_VERSION}.")
    if manifest.get("dialect") != dialect:
        raise BackupError(f"This backup is of a {manifest.get('dialect')} database; "
                          f"the configured database is {dialect}.")
    if manifest.get("database_file") != DATABASE_FILES[dialect]:
        raise BackupError("The manifest names an unexpected database file.")
    return manifest


def _checked_members(archive: tarfile.TarFile, database_file: str) -> list[tarfile.TarInfo]:
    """Return the members to extract, refusing any path or type that could land outside."""
    members = []
    for member in archive.getmembers():
        name = PurePosixPath(member.name)
        if name.is_absolute() or ".." in name.parts or "\\" in member.name:
            raise BackupError(f"Unsafe path in the archive: {member.name}")
        if not (member.isfile() or member.isdir()):
            raise BackupError(f"Unexpected entry in the archive (not a file): {member.name}")
        if member.name == MANIFEST:
            continue
        in_uploads = name.parts[:1] == (UPLOADS,) and (len(name.parts) > 1 or member.isdir())
        if member.name != database_file and not in_uploads:
            raise BackupError(f"Unexpected entry in the archive: {member.name}")
        members.append(member)
    return members


def _check_uploads(uploads: Path, manifest: dict[str, Any]) -> None:
    files = list(_upload_files(uploads))
    count, total = len(files), sum(size for _, _, size in files)
    if (count, total) != (manifest.get("upload_files"), manifest.get("upload_bytes")):
        raise BackupError(f"The archive holds {count} files ({total} bytes) but its manifest lists "
                          f"{manifest.get('upload_files')} ({manifest.get('upload_bytes')} bytes).")


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    info.mtime = int(dt.datetime.now(dt.UTC).timestamp())
    archive.addfile(info, io.BytesIO(data))


# Files


def _upload_files(root: Path) -> Iterator[tuple[str, Path, int]]:
    """Yield (relative POSIX path, path, size) of every regular file under ROOT, symlinks skipped."""
    if not root.is_dir():
        return
    for directory, subdirectories, names in os.walk(root):
        if Path(directory) == root:  # uploads in progress (storage's tmp/) are not data yet
            subdirectories[:] = [name for name in subdirectories if name != "tmp"]
        subdirectories.sort()
        for name in sorted(names):
            source = Path(directory) / name
            if source.is_symlink() or not source.is_file():
                continue
            yield source.relative_to(root).as_posix(), source, source.stat().st_size


def _swap_in(new: Path, live: Path, previous: Path) -> None:
    """Put NEW in LIVE's place with renames, moving the old files to PREVIOUS (deleted later)."""
    if live.exists():
        os.replace(live, previous)
    try:
        os.replace(new, live)
    except OSError:
        if previous.exists():
            os.replace(previous, live)
        raise


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
