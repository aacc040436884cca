"""Command-line tools: create-admin, demo-data, backup, restore, purge-trash, send-notifications."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from workspace import demo, tasks
from workspace.auth.services import create_admin
from workspace.compliance import services as compliance
from workspace.core.backup import make_backup, restore_backup
from workspace.core.errors import DomainError
from workspace.extensions import db


@click.command("create-admin")
@click.option("--email", required=True, help="The administrator's email address.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Asked for when left out.")
@click.option("--name", "display_name", default=None, help="The name shown in the interface.")
@with_appcontext
def create_admin_command(email: str, password: str, display_name: str | None) -> None:
    """Create the first site administrator (or make an existing account one)."""
    try:
        user = create_admin(email, password, display_name)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"Administrator ready: {user.email}")


@click.command("demo-data")
@click.option("--if-empty", is_flag=True, help="Load only into a database that has no users yet.")
@with_appcontext
def demo_data_command(if_empty: bool) -> None:
    """Load the demo schools, communities and people, and print the demo logins."""
    loaded = demo.load_demo_data(only_if_empty=if_empty)
    db.session.commit()
    click.echo("Demo data loaded." if loaded else "The database already has data; nothing loaded.")
    demo.print_logins(click.echo)


@click.command("install-presets")
@with_appcontext
def install_presets_command() -> None:
    """Add the funders' programs shipped with the app (PLC-100, URC) that were never installed here."""
    added = compliance.install_presets()
    db.session.commit()
    click.echo("Programs installed: " + ", ".join(program.key for program in added) if added
               else "The shipped programs are installed already.")


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
def send_notifications_command() -> None:
    """Email each person their pending notifications in one message (the job queue runs it every five minutes;
    this is for cron or by hand)."""
    count = tasks.send_notifications()
    click.echo(f"Notification emails sent: {count}")


def register(app: Flask) -> None:
    """Add the commands to `flask --app wsgi …`."""
    for command in (create_admin_command, demo_data_command, install_presets_command, backup_command, restore_command,
                    purge_trash_command, send_notifications_command):
        app.cli.add_command(command)
