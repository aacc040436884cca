"""Command-line tools: create-admin, demo-data, lock-demo-accounts, install-presets, prepare, backup, restore,
purge-trash, send-notifications, send-reminders."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_babel import force_locale
from sqlalchemy import inspect
from sqlalchemy.exc import OperationalError

from workspace import demo, tasks
from workspace.auth.models import User
from workspace.auth.services import create_admin
from workspace.compliance import services as compliance
from workspace.config import is_local_url
from workspace.core.backup import make_backup, restore_backup
from workspace.core.errors import DomainError
from workspace.extensions import db


def require_migrated_database() -> None:
    """Stop with one line that says what to do when the database cannot be reached or has no tables yet.

    The commands an administrator types first on a new server (create-admin right after installing) would
    otherwise end in a long traceback ("relation users does not exist"): only `make run` migrates."""
    try:
        ready = inspect(db.engine).has_table(User.__tablename__)
    except OperationalError as error:
        reason = str(error.orig or error).strip().splitlines()[0]
        raise click.ClickException(f"cannot reach the database: {reason}") from None
    if not ready:
        raise click.ClickException("the database is not set up yet: run `flask --app wsgi db upgrade` first")


def needs_migrated_database(command: Callable[..., Any]) -> Callable[..., Any]:
    """Check the database (`require_migrated_database`) before a command that reads or writes its tables."""

    @functools.wraps(command)
    def checked(*args: Any, **kwargs: Any) -> Any:
        require_migrated_database()
        return command(*args, **kwargs)

    return checked


def in_english(command: Callable[..., Any]) -> Callable[..., Any]:
    """Run a command in English, as the command line speaks (click's own words, every other line the commands
    print): outside a request the app's catalogue is the deployment's default language, and a refusal from the
    services (a weak password) came out in Traditional Chinese between English lines. Inside the app context."""

    @functools.wraps(command)
    def english(*args: Any, **kwargs: Any) -> Any:
        with force_locale("en"):
            return command(*args, **kwargs)

    return english


@click.command("create-admin")
@click.option("--email", required=True, help="The administrator's email address.")
@click.option("--name", "display_name", default=None,
              help='The name others see ("--name \"林美玲\""); left out, a new account is named after the address.')
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Asked for when left out.")
@with_appcontext
@in_english
@needs_migrated_database
def create_admin_command(email: str, password: str, display_name: str | None) -> None:
    """Create the first site administrator (or make an existing account one, its name changed with --name)."""
    try:
        user = create_admin(email, password, display_name)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"Administrator ready: {user.display_name} <{user.email}>")
    if display_name is None:
        click.echo(f'Others see the name "{user.display_name}": run it again with --name "…" to change it.')


@click.command("demo-data")
@click.option("--if-empty", is_flag=True, help="Load only into a database that has no users yet.")
@with_appcontext
@needs_migrated_database
def demo_data_command(if_empty: bool) -> None:
    """Load the demo schools, communities and people, and print the demo logins.

    `make run` asks for it on every start (--if-empty). Its accounts share one public password, an administrator
    among them: on a deployment (BASE_URL not this machine's own address) they are loaded only when DEMO_DATA=1
    says so, and DEMO_DATA=0 never loads them."""
    base_url = current_app.config["BASE_URL"]
    wanted = os.environ.get("DEMO_DATA", "").strip()
    if wanted == "0" or (if_empty and wanted != "1" and not is_local_url(base_url)):
        if not demo.demo_accounts_exist():
            click.echo(f"No demo data: BASE_URL is {base_url}, a deployment (the demo accounts' password is public; "
                       "DEMO_DATA=1 loads them anyway)." if wanted != "0" else "No demo data (DEMO_DATA=0).")
            return
        loaded = False
    else:
        loaded = demo.load_demo_data(only_if_empty=if_empty)
        db.session.commit()
        click.echo("Demo data loaded." if loaded else "The database already has data; no demo data loaded.")
    if demo.demo_accounts_exist():
        demo.print_logins(click.echo)
        if not is_local_url(base_url):
            click.echo(f"WARNING: the demo accounts can log in at {base_url} with their public password, "
                       "admin@demo.example as a site administrator. Before others can reach this site: "
                       "flask --app wsgi lock-demo-accounts", err=True)


@click.command("lock-demo-accounts")
@with_appcontext
@needs_migrated_database
def lock_demo_accounts_command() -> None:
    """Stop every demo account from logging in (their password is public); their records stay."""
    locked = demo.lock_demo_accounts()
    db.session.commit()
    click.echo(f"Demo accounts locked: {locked}." if locked else "No demo account could still log in.")


@click.command("install-presets")
@with_appcontext
@needs_migrated_database
def install_presets_command() -> None:
    """Add the funders' programs shipped with the app (PLC-100, URC) that were never installed here."""
    added = compliance.install_presets()
    db.session.commit()
    click.echo("Programs installed: " + ", ".join(program.key for program in added) if added
               else "The shipped programs are installed already.")


@click.command("prepare")
@with_appcontext
@click.pass_context
def prepare_command(ctx: click.Context) -> None:
    """Migrate, add new presets and load the demo into an empty try-out database, then say where the site is.

    What `make run` does before gunicorn starts, in one process: each `flask` command loads the whole app (seconds
    on a busy server), and a proxy in front answers 502 until gunicorn listens."""
    from flask_migrate import upgrade

    upgrade()
    for step, options in ((install_presets_command, {}), (demo_data_command, {"if_empty": True})):
        ctx.invoke(step, **options)
        # A step's last words may read a committed row again, which begins a transaction (on SQLite, one that holds
        # the write lock): end it, as the end of a process of its own would.
        db.session.close()
    click.echo("")
    click.echo(f"  {announcement(current_app.config['BASE_URL'])}")
    click.echo("")


def announcement(base_url: str) -> str:
    """The line `make run` prints before serving: the address every link is built on, and, when that is not the
    address gunicorn listens on (a deployment behind a proxy), the latter too."""
    listening = f"{os.environ.get('HOST') or '127.0.0.1'}:{os.environ.get('PORT') or '5000'}"
    if base_url.rstrip("/") == f"http://{listening}":
        return f"The workspace is at {base_url.rstrip('/')}/   (Ctrl-C stops it)"
    return f"The workspace is at {base_url.rstrip('/')}/ (gunicorn on {listening})"


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
@with_appcontext
def backup_command(path: str) -> None:
    """Write a consistent snapshot (database and uploaded files) to PATH (.tar.gz)."""
    try:
        written = make_backup(path)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Backup written: {written}")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask before replacing the current data.")
@with_appcontext
def restore_command(path: str, yes: bool) -> None:
    """Replace the database and uploaded files with the snapshot at PATH."""
    if not yes:
        click.confirm("This replaces all current data. Continue?", abort=True)
    try:
        restore_backup(path)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    click.echo("Restored. If the snapshot is older than this version, run `flask --app wsgi db upgrade`.")


@click.command("purge-trash")
@with_appcontext
@needs_migrated_database
def purge_trash_command() -> None:
    """Delete for good what has been in a trash for more than 30 days, ended or expired logins, and login attempts
    the throttle no longer counts (the job queue runs it nightly; this is for cron or by hand)."""
    purged = tasks.purge_trash()
    click.echo(f"Deleted for good: {purged.trashed}")
    click.echo(f"Ended or expired logins removed: {purged.logins}")
    click.echo(f"Old login attempts removed: {purged.attempts}")
    click.echo(f"Finished export jobs forgotten: {purged.export_jobs}")


@click.command("send-notifications")
@with_appcontext
@needs_migrated_database
def send_notifications_command() -> None:
    """Email each person their pending notifications in one message (the job queue runs it every five minutes;
    this is for cron or by hand)."""
    count = tasks.send_notifications()
    click.echo(f"Notification emails sent: {count}")


@click.command("send-reminders")
@with_appcontext
@needs_migrated_database
def send_reminders_command() -> None:
    """Remind the conveners of deliverables due in 7 days, due tomorrow or overdue, and each mentoring milestone's
    owner of one due in 3 days or overdue, each person once (the job queue runs it daily at REMINDER_HOUR; this is
    for cron, once a day, or by hand: a second run sends nothing twice)."""
    count = tasks.send_reminders()
    click.echo(f"Deadline reminders given: {count}")


def register(app: Flask) -> None:
    """Add the commands to `flask --app wsgi …`."""
    for command in (create_admin_command, demo_data_command, lock_demo_accounts_command, install_presets_command,
                    prepare_command, backup_command, restore_command, purge_trash_command, send_notifications_command,
                    send_reminders_command):
        app.cli.add_command(command)
