"""The command-line tools on a database that is not ready: one line that says what to do, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from workspace import create_app


def _app_on(tmp_path: Path, database_url: str) -> Flask:
    return create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_DIR": str(tmp_path),
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "PASSWORD_HASH_PROFILE": "fast",
        "MAIL_SERVER": None,
    })


@pytest.mark.parametrize("command", [
    ["create-admin", "--email", "boss@school.test", "--password", "a good long password"],
    ["lock-demo-accounts"],
    ["send-notifications"],
])
def test_a_command_on_a_database_never_migrated_says_to_run_db_upgrade(tmp_path, command):
    app = _app_on(tmp_path, f"sqlite:///{tmp_path / 'new.sqlite3'}")
    result = app.test_cli_runner().invoke(args=command)
    assert result.exit_code == 1
    assert result.output == "Error: the database is not set up yet: run `flask --app wsgi db upgrade` first\n"
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_create_admin_on_a_database_it_cannot_reach_says_so_in_one_line(tmp_path):
    # Nothing listens on port 9 of this machine: the connection is refused at once.
    app = _app_on(tmp_path, "postgresql+psycopg://plc@127.0.0.1:9/plc?connect_timeout=2")
    result = app.test_cli_runner().invoke(args=["create-admin", "--email", "boss@school.test",
                                                "--password", "a good long password"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: cannot reach the database: ")
    assert result.output.count("\n") == 1 and "Traceback" not in result.output


def test_prepare_migrates_installs_the_presets_and_announces_base_url(tmp_path, monkeypatch):
    monkeypatch.delenv("DEMO_DATA", raising=False)
    monkeypatch.setenv("HOST", "127.0.0.1")
    monkeypatch.setenv("PORT", "5163")
    app = _app_on(tmp_path, f"sqlite:///{tmp_path / 'new.sqlite3'}")
    app.config["BASE_URL"] = "https://plc.school.test"
    runner = app.test_cli_runner()
    result = runner.invoke(args=["prepare"])
    assert result.exit_code == 0, result.output
    assert "Programs installed: plc-100, urc" in result.output
    assert "No demo data: BASE_URL is https://plc.school.test" in result.output
    # What the journal shows under systemd: the address people use, and where gunicorn listens behind the proxy.
    assert "The workspace is at https://plc.school.test/ (gunicorn on 127.0.0.1:5163)" in result.output
    assert "http://127.0.0.1:5163/" not in result.output
    # A second start finds everything in place, and the commands that need the tables now work.
    again = runner.invoke(args=["prepare"])
    assert again.exit_code == 0, again.output
    assert "The shipped programs are installed already." in again.output
    admin = runner.invoke(args=["create-admin", "--email", "boss@school.test", "--password", "a good long password"])
    assert admin.exit_code == 0, admin.output


def test_prepare_on_this_machine_announces_its_own_address(tmp_path, monkeypatch):
    monkeypatch.setenv("DEMO_DATA", "0")
    monkeypatch.setenv("HOST", "127.0.0.1")
    monkeypatch.setenv("PORT", "5000")
    app = _app_on(tmp_path, f"sqlite:///{tmp_path / 'new.sqlite3'}")
    app.config["BASE_URL"] = "http://127.0.0.1:5000"
    result = app.test_cli_runner().invoke(args=["prepare"])
    assert result.exit_code == 0, result.output
    assert "The workspace is at http://127.0.0.1:5000/   (Ctrl-C stops it)" in result.output


def test_create_admin_speaks_one_language_refusal_and_success_alike(tmp_path):
    """QA 13: on a deployment whose default language is Traditional Chinese, the weak-password refusal came out as
    "Error: 這是最常見的密碼之一…" while the success line was English: the command line speaks English throughout."""
    app = _app_on(tmp_path, f"sqlite:///{tmp_path / 'new.sqlite3'}")
    assert app.config["BABEL_DEFAULT_LOCALE"] == "zh_Hant"
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    weak = runner.invoke(args=["create-admin", "--email", "it@newschool.edu.tw", "--password", "password12"])
    assert weak.exit_code == 1
    assert weak.output.startswith("Error: This is one of the most common passwords"), weak.output
    named = runner.invoke(args=["create-admin", "--email", "it@newschool.edu.tw", "--name", "www.evil.example",
                                "--password", "a good long password"])
    assert named.exit_code == 1 and named.output.startswith("Error: A name cannot contain a web address")
    unnamed = runner.invoke(args=["create-admin", "--email", "it@newschool.edu.tw",
                                  "--password", "a good long password"])
    assert unnamed.exit_code == 0
    assert unnamed.output == ('Administrator ready: it <it@newschool.edu.tw>\nOthers see the name "it": run it again '
                              'with --name "…" to change it.\n')
    # Run again with --name: the administrator named after the address ("it") is renamed.
    renamed = runner.invoke(args=["create-admin", "--email", "it@newschool.edu.tw", "--name", "資訊組 林老師",
                                  "--password", "a good long password"])
    assert renamed.exit_code == 0 and renamed.output == "Administrator ready: 資訊組 林老師 <it@newschool.edu.tw>\n"
