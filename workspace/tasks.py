"""The jobs the queue runs: the periodic upkeep (notification emails, the daily reminders of deadlines, emptying the
trash) and, imported from the areas, their background jobs (exports). `huey_consumer workspace.tasks.huey` runs them;
`make run` starts that consumer beside the web server (gunicorn.conf.py), so a school needs no cron.

The CLI's `purge-trash`, `send-notifications` and `send-reminders` call the same functions, for a deployment that
prefers cron.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import current_app

from workspace import create_app
from workspace.auth.services import purge_sessions
from workspace.auth.throttle import purge_attempts
from workspace.compliance.services import remind_deadlines
from workspace.core.database import reads_first, utcnow
from workspace.core.jobs import beat, crontab, huey, periodic_job, use_app_factory
from workspace.exports import jobs as export_jobs  # also registers the exports' background jobs
from workspace.extensions import db
from workspace.mentoring.services.notices import remind_milestones
from workspace.mentoring.services.pairings import end_finished_terms
from workspace.notifications.services import send_pending_emails
from workspace.resources.services import purge_expired_trash

__all__ = ["huey"]
use_app_factory(create_app)  # the consumer's jobs run in an app of their own


@dataclass(frozen=True)
class Purged:
    """What one emptying of the trash removed."""

    trashed: int
    logins: int
    attempts: int
    export_jobs: int = 0


def purge_trash() -> Purged:
    """Delete for good what has been in a trash for more than 30 days, ended or expired logins, login attempts
    the throttle no longer counts, and background export jobs finished more than 30 days ago."""
    purged = Purged(purge_expired_trash(), purge_sessions(), purge_attempts(), export_jobs.forget_old_jobs())
    db.session.commit()
    return purged


def send_notifications() -> int:
    """Email each person their pending notifications in one message; the number of emails sent."""
    # Reading first: the write lock is taken only to mark an email sent, never while a mail server answers.
    with reads_first():
        count = send_pending_emails(after_each=db.session.commit)  # each email's state is saved as it goes
        db.session.commit()
    return count


@huey.on_startup()
def first_heartbeat() -> None:
    """A consumer that has just started is ready before its first minute is up."""
    beat()


@periodic_job(crontab())
def heartbeat_job() -> None:
    """Every minute: the heartbeat /healthz/ready reads (it proves that a consumer takes jobs from the queue)."""
    beat()


@periodic_job(crontab(minute="*/5"))
def send_notifications_job() -> int:
    """Every five minutes: the pending notification emails."""
    return send_notifications()


def send_reminders(now: dt.datetime | None = None) -> int:
    """Remind the conveners of the deadlines reached today (compliance's deliverables) and each milestone's owner of
    theirs (mentoring), each person once per deadline and threshold, however often it runs; the number of notices
    given. Their emails go with the next batch."""
    count = len(remind_deadlines(now=now)) + len(remind_milestones(now=now))
    db.session.commit()
    return count


def reminder_hour(now: dt.datetime) -> bool:
    """Whether `now` is in the hour of the day (REMINDER_HOUR, in the deployment's TIMEZONE) the reminders go out."""
    return now.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).hour == current_app.config["REMINDER_HOUR"]


@periodic_job(crontab(minute="23"))
def send_reminders_job(now: dt.datetime | None = None) -> int:
    """Every hour, acting once a day: at 07:00 local time (REMINDER_HOUR) the reminders of deadlines. The queue
    keeps UTC, the deployment its TIMEZONE: the hour is checked here, so that a change of zone (or summer time)
    needs no other schedule. A day missed is caught up the next (the latest threshold reached)."""
    now = now or utcnow()
    return send_reminders(now) if reminder_hour(now) else 0


@periodic_job(crontab(minute="7"))
def end_finished_terms_job() -> int:
    """Every hour: end the pairings whose term is over (mentoring), so that none reads as active after its term."""
    ended = end_finished_terms()
    db.session.commit()
    return ended


@periodic_job(crontab(hour="3", minute="17"))
def purge_trash_job() -> Purged:
    """Every night at 03:17 (UTC): empty what has been in a trash for more than 30 days."""
    return purge_trash()
