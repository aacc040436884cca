"""Backups: snapshot, change, restore; refusal of foreign, mismatched and unsafe archives; the CLI."""

from __future__ import annotations

import io
import json
import os
import socket
import tarfile
import uuid
from pathlib import Path

import pytest
from sqlalchemy import delete, make_url, select, text

from tests.factories import make_community, make_user
from workspace.auth.models import User
from workspace.communities.models import Community
from workspace.core import backup, cache
from workspace.core.backup import BackupError, make_backup, restore_backup
from workspace.extensions import db


@pytest.fixture()
def uploads(app, tmp_path, monkeypatch) -> Path:
    """A per-test UPLOAD_DIR holding a few files, one of them in a sub-folder with a Chinese name."""
    root = tmp_path / "instance" / "uploads"
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(root))
    (root / "ab").mkdir(parents=True)
    (root / "ab" / "abcdef").write_bytes(b"blob one")
    (root / "ab" / "教案.pdf").write_bytes(b"%PDF-1.4 plan")
    (root / "top.bin").write_bytes(bytes(range(256)) * 10)
    return root


def _files(root: Path) -> dict[str, bytes]:
    if not root.exists():
        return {}
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in root.rglob("*") if path.is_file()}


def _emails() -> set[str]:
    return set(db.session.scalars(select(User.email)))


def _slugs() -> set[str]:
    return set(db.session.scalars(select(Community.slug)))


def _archive(path: Path, manifest: dict | None, members: dict[str, bytes]) -> Path:
    """Write a hand-made .tar.gz with MANIFEST (when given) and MEMBERS."""
    with tarfile.open(path, "w:gz") as archive:
        entries = dict(members)
        if manifest is not None:
            entries = {"manifest.json": json.dumps(manifest).encode(), **entries}
        for name, data in entries.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def _manifest(**overrides) -> dict:
    dialect = db.engine.dialect.name
    values = {"format_version": backup.FORMAT_VERSION, "app": "workspace", "created_at": "2026-01-01T00:00:00Z",
              "dialect": dialect, "alembic_revision": None, "database_file": backup.DATABASE_FILES[dialect],
              "upload_files": 0, "upload_bytes": 0}
    values.update(overrides)
    return values


def test_restore_brings_back_rows_and_files(ctx, uploads, tmp_path):
    convener = make_user(email="convener@school.test")
    make_community(convener=convener, slug="maths-circle")
    leaver = make_user(email="leaver@school.test")
    emails, slugs, files = _emails(), _slugs(), _files(uploads)

    written = make_backup(str(tmp_path / "backups" / "snapshot.tar.gz"))

    make_user(email="newcomer@school.test")
    db.session.execute(delete(User).where(User.id == leaver.id))
    db.session.commit()
    (uploads / "ab" / "abcdef").unlink()
    (uploads / "top.bin").write_bytes(b"overwritten")
    (uploads / "new.txt").write_text("added after the backup")
    assert _emails() != emails and _files(uploads) != files

    restore_backup(written)

    assert _emails() == emails
    assert _slugs() == slugs
    assert _files(uploads) == files
    # Nothing of the staging or the old files is left beside UPLOAD_DIR.
    assert sorted(p.name for p in uploads.parent.iterdir()) == ["uploads"]


def test_restored_database_accepts_writes(ctx, uploads, tmp_path):
    make_user(email="before@school.test")
    written = make_backup(str(tmp_path / "snapshot.tar.gz"))
    restore_backup(written)

    make_user(email="after@school.test")
    assert _emails() == {"before@school.test", "after@school.test"}


def _redis_url() -> str:
    """The test Redis (TEST_REDIS_URL), or a skip (REQUIRE_REDIS=1: a failure) when nothing answers."""
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            pass
    except OSError:
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail("REQUIRE_REDIS=1 but Redis is not reachable on 127.0.0.1:6379")
        pytest.skip("Redis is not reachable on 127.0.0.1:6379 (REQUIRE_REDIS=1 makes this fail)")
    return os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture(params=["embedded", "redis"])
def page_cache(request, app, monkeypatch) -> str:
    """The page store of each kind: files under instance/page-cache, or Redis under a prefix of the test's own."""
    if request.param == "redis":
        monkeypatch.setitem(app.config, "REDIS_URL", _redis_url())
        monkeypatch.setitem(app.config, "REDIS_PREFIX", f"test-{uuid.uuid4().hex}")
    monkeypatch.delitem(app.extensions, "page_store", raising=False)
    yield request.param
    app.extensions.pop("page_store", None)


def _rename(community_id: int, name: str) -> None:
    db.session.get(Community, community_id).name = name  # through the ORM: the community's counter moves
    db.session.commit()


def test_a_restore_makes_every_kept_page_stale(app, ctx, client, uploads, tmp_path, page_cache):
    """QA11 #1: the restored counters are those of backup time, so the first write after a restore brought them back
    to values a page of the discarded timeline was kept under, and that page was served again."""
    convener = make_user()
    community = make_community(convener=convener, name="Before the backup")
    client.login(convener)
    community_id, path = community.id, f"/c/{community.slug}/"
    client.get(path)  # the session's CSRF secret, before the snapshot holds the login
    written = make_backup(str(tmp_path / "snapshot.tar.gz"))

    _rename(community_id, "Written after the backup")
    assert "Written after the backup" in client.get(path).get_data(as_text=True)  # now kept in the store
    assert "Written after the backup" in client.get(path).get_data(as_text=True)
    kept = _kept_pages(app)
    assert kept

    restore_backup(written)
    assert _kept_pages(app) == 0  # the store was emptied
    assert "Before the backup" in client.get(path).get_data(as_text=True)
    _rename(community_id, "Written after the restore")  # the counter reaches the value of the discarded write
    page = client.get(path).get_data(as_text=True)
    assert "Written after the restore" in page
    assert "Written after the backup" not in page


def _kept_pages(app) -> int:
    found = cache.page_store(app)
    if isinstance(found, cache.RedisStore):
        return len(list(found.redis.scan_iter(f"{found.prefix}:*")))
    return len(list(found.directory.glob("*/*")))


def test_a_restore_makes_pages_kept_by_another_instance_stale(app, ctx, client, uploads, tmp_path, monkeypatch):
    """A store the restoring process cannot empty (another instance's files) holds no page a key asks for again."""
    convener = make_user()
    community = make_community(convener=convener, name="Before the backup")
    client.login(convener)
    community_id, path = community.id, f"/c/{community.slug}/"
    client.get(path)
    written = make_backup(str(tmp_path / "snapshot.tar.gz"))
    _rename(community_id, "Written after the backup")
    client.get(path)
    client.get(path)
    monkeypatch.setattr(cache.FileStore, "clear", lambda _self: None)  # as if it were another machine's
    restore_backup(written)
    _rename(community_id, "Written after the restore")
    assert "Written after the restore" in client.get(path).get_data(as_text=True)


def test_a_backup_older_than_the_schema_restores_over_tables_it_does_not_know(ctx, uploads, tmp_path):
    """QA11 #2: going back after an upgrade. A newer migration's table referencing an old one (reminders_sent → users)
    blocked pg_restore's drop of users; the restore empties the whole schema first, then loads the backup, whose
    alembic revision says where `db upgrade` continues."""
    make_user(email="before@school.test")
    revision = db.session.scalar(text("SELECT version_num FROM alembic_version"))
    written = make_backup(str(tmp_path / "snapshot.tar.gz"))
    newer = make_user(email="after-upgrade@school.test")
    try:
        db.session.execute(text("CREATE TABLE upgrade_reminders_sent (id INTEGER PRIMARY KEY, "
                                "user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE)"))
        db.session.execute(text("INSERT INTO upgrade_reminders_sent (id, user_id) VALUES (1, :user)"),
                           {"user": newer.id})
        db.session.execute(text("UPDATE alembic_version SET version_num = 'f00dfacecafe'"))
        db.session.commit()

        restore_backup(written)

        assert _emails() == {"before@school.test"}
        assert db.session.scalar(text("SELECT version_num FROM alembic_version")) == revision
        assert "upgrade_reminders_sent" not in db.inspect(db.engine).get_table_names()
        make_user(email="after-restore@school.test")  # the restored schema takes writes
        assert "after-restore@school.test" in _emails()
    finally:
        db.session.rollback()
        db.session.execute(text("DROP TABLE IF EXISTS upgrade_reminders_sent"))
        db.session.commit()


def test_backup_is_one_archive_with_manifest_dump_and_uploads(ctx, uploads, tmp_path):
    make_user()
    target = tmp_path / "snapshot.tar.gz"

    written = make_backup(str(target))

    assert written == str(target.resolve())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["instance", "snapshot.tar.gz"]  # no leftovers
    with tarfile.open(written) as archive:
        names = archive.getnames()
        manifest = json.load(archive.extractfile("manifest.json"))
    revision = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    dialect = db.engine.dialect.name
    assert manifest["format_version"] == backup.FORMAT_VERSION
    assert manifest["app"] == "workspace"
    assert manifest["dialect"] == dialect
    assert manifest["alembic_revision"] == revision and revision
    assert manifest["created_at"].endswith("Z")
    assert manifest["upload_files"] == 3
    assert manifest["upload_bytes"] == sum(len(data) for data in _files(uploads).values())
    assert names[0] == "manifest.json"
    assert backup.DATABASE_FILES[dialect] in names
    assert {"uploads/ab/abcdef", "uploads/ab/教案.pdf", "uploads/top.bin"} <= set(names)


def test_backup_and_restore_without_upload_folder(app, ctx, tmp_path, monkeypatch):
    root = tmp_path / "never-created" / "uploads"
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(root))
    make_user(email="only@school.test")

    written = make_backup(str(tmp_path / "snapshot.tar.gz"))
    make_user()
    restore_backup(written)

    assert _emails() == {"only@school.test"}
    assert root.is_dir() and _files(root) == {}


def test_restore_empties_uploads_added_after_an_empty_backup(app, ctx, tmp_path, monkeypatch):
    root = tmp_path / "uploads"
    root.mkdir()
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(root))
    written = make_backup(str(tmp_path / "snapshot.tar.gz"))
    (root / "late.txt").write_text("uploaded later")

    restore_backup(written)

    assert _files(root) == {}


def test_failed_backup_leaves_no_archive(ctx, uploads, tmp_path, monkeypatch):
    def _broken(_root):
        raise OSError("disk full")
        yield  # pragma: no cover

    monkeypatch.setattr(backup, "_upload_files", _broken)
    folder = tmp_path / "backups"
    folder.mkdir()

    with pytest.raises(OSError, match="disk full"):
        make_backup(str(folder / "snapshot.tar.gz"))

    assert list(folder.iterdir()) == []


def test_failed_database_restore_keeps_the_old_files(ctx, uploads, tmp_path, monkeypatch):
    make_user(email="kept@school.test")
    written = make_backup(str(tmp_path / "snapshot.tar.gz"))
    (uploads / "new.txt").write_text("added after the backup")
    files = _files(uploads)

    def _broken(_dump):
        raise BackupError("database went away")

    monkeypatch.setattr(backup, "_restore_sqlite", _broken)
    monkeypatch.setattr(backup, "_restore_postgres", _broken)
    with pytest.raises(BackupError, match="went away"):
        restore_backup(written)

    assert _files(uploads) == files
    assert sorted(p.name for p in uploads.parent.iterdir()) == ["uploads"]


@pytest.mark.parametrize("content", [b"just some text, not a tar", b""])
def test_file_that_is_not_an_archive_is_refused(ctx, uploads, tmp_path, content):
    path = tmp_path / "notes.tar.gz"
    path.write_bytes(content)
    with pytest.raises(BackupError, match="not a backup"):
        restore_backup(str(path))


def test_tar_without_manifest_is_refused(ctx, uploads, tmp_path):
    make_user(email="stays@school.test")
    files = _files(uploads)
    path = _archive(tmp_path / "photos.tar.gz", None, {"uploads/photo.jpg": b"jpeg"})

    with pytest.raises(BackupError, match="not a workspace backup"):
        restore_backup(str(path))

    assert _emails() == {"stays@school.test"}
    assert _files(uploads) == files


def test_manifest_of_another_dialect_is_refused(ctx, uploads, tmp_path):
    make_user(email="stays@school.test")
    other = "postgresql" if db.engine.dialect.name == "sqlite" else "sqlite"
    manifest = _manifest(dialect=other, database_file=backup.DATABASE_FILES[other])
    path = _archive(tmp_path / "other.tar.gz", manifest, {backup.DATABASE_FILES[other]: b"dump"})

    with pytest.raises(BackupError, match=f"{other} database"):
        restore_backup(str(path))

    assert _emails() == {"stays@school.test"}


def test_unknown_format_version_is_refused(ctx, uploads, tmp_path):
    path = _archive(tmp_path / "future.tar.gz", _manifest(format_version=99), {})
    with pytest.raises(BackupError, match="format version 99"):
        restore_backup(str(path))


def test_manifest_of_another_app_is_refused(ctx, uploads, tmp_path):
    path = _archive(tmp_path / "other-app.tar.gz", _manifest(app="wordpress"), {})
    with pytest.raises(BackupError, match="not a workspace backup"):
        restore_backup(str(path))


@pytest.mark.parametrize("name", ["../evil", "uploads/../../evil", "ABSOLUTE", "uploads/..\\evil"])
def test_member_escaping_the_target_is_refused_and_writes_nothing(ctx, uploads, tmp_path, name):
    outside = tmp_path / "outside" / "evil"
    name = str(outside) if name == "ABSOLUTE" else name
    make_user(email="stays@school.test")
    files = _files(uploads)
    manifest = _manifest()
    members = {manifest["database_file"]: b"dump", name: b"pwned"}
    path = _archive(tmp_path / "evil.tar.gz", manifest, members)
    before = {p for p in tmp_path.rglob("*")}

    with pytest.raises(BackupError, match="Unsafe path"):
        restore_backup(str(path))

    assert {p for p in tmp_path.rglob("*")} == before
    assert not (tmp_path.parent / "evil").exists()
    assert not outside.exists()
    assert _files(uploads) == files
    assert _emails() == {"stays@school.test"}


def test_link_member_is_refused(ctx, uploads, tmp_path):
    path = tmp_path / "link.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        data = json.dumps(_manifest()).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("uploads/passwd")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        archive.addfile(link)

    with pytest.raises(BackupError, match="not a file"):
        restore_backup(str(path))
    assert not (uploads / "passwd").exists()


def test_unexpected_member_is_refused(ctx, uploads, tmp_path):
    manifest = _manifest()
    path = _archive(tmp_path / "extra.tar.gz", manifest, {manifest["database_file"]: b"x", "wsgi.py": b"import os"})
    with pytest.raises(BackupError, match="Unexpected entry"):
        restore_backup(str(path))


def test_uploads_that_disagree_with_the_manifest_are_refused(ctx, uploads, tmp_path):
    written = make_backup(str(tmp_path / "snapshot.tar.gz"))
    with tarfile.open(written) as archive:
        members = {m.name: archive.extractfile(m).read() for m in archive.getmembers() if m.isfile()}
    manifest = json.loads(members.pop("manifest.json"))
    members.pop("uploads/top.bin")
    path = _archive(tmp_path / "truncated.tar.gz", manifest, members)
    (uploads / "new.txt").write_text("kept")
    files = _files(uploads)

    with pytest.raises(BackupError, match="manifest lists"):
        restore_backup(str(path))
    assert _files(uploads) == files


def test_cli_backup_and_restore(app, ctx, uploads, tmp_path):
    make_user(email="cli@school.test")
    files = _files(uploads)
    target = tmp_path / "cli.tar.gz"
    runner = app.test_cli_runner()
    db.session.commit()  # hold no transaction (nor its locks) while the commands run

    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert "Backup written" in result.output and target.is_file()

    make_user(email="later@school.test")
    (uploads / "top.bin").unlink()
    db.session.commit()

    result = runner.invoke(args=["restore", str(target), "--yes"])
    assert result.exit_code == 0, result.output
    assert "Restored." in result.output
    assert _emails() == {"cli@school.test"}
    assert _files(uploads) == files


def test_cli_restore_asks_first_and_refuses_a_foreign_archive(app, ctx, uploads, tmp_path):
    make_user(email="stays@school.test")
    path = _archive(tmp_path / "photos.tar.gz", None, {"uploads/photo.jpg": b"jpeg"})
    db.session.commit()
    runner = app.test_cli_runner()

    declined = runner.invoke(args=["restore", str(path)], input="n\n")
    refused = runner.invoke(args=["restore", str(path), "--yes"])

    assert declined.exit_code != 0 and "Continue?" in declined.output
    assert refused.exit_code != 0 and "Restored." not in refused.output
    assert _emails() == {"stays@school.test"}


def test_postgres_password_goes_to_the_environment_not_the_command_line(monkeypatch):
    monkeypatch.delenv("PGPASSWORD", raising=False)
    url = make_url("postgresql+psycopg://teacher:s3cr%3At%40x@db.internal:6543/plc?sslmode=require")

    uri, env = backup._libpq_target(url)

    assert "s3cr" not in uri
    assert make_url(uri) == make_url("postgresql://teacher@db.internal:6543/plc?sslmode=require")
    assert env["PGPASSWORD"] == "s3cr:t@x"


def test_truncated_archive_is_refused_and_changes_nothing(ctx, uploads, tmp_path):
    make_user(email="stays@school.test")
    written = Path(make_backup(str(tmp_path / "snapshot.tar.gz")))
    make_user(email="later@school.test")
    files = _files(uploads)
    data = written.read_bytes()
    written.write_bytes(data[: len(data) // 2])

    with pytest.raises(BackupError, match=r"damaged|not a backup"):
        restore_backup(str(written))

    assert _emails() == {"stays@school.test", "later@school.test"}
    assert _files(uploads) == files
