"""Notification forms: the settings, and the one-button unsubscribe confirmation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField

from workspace.core.forms import WorkspaceForm


class SettingsForm(WorkspaceForm):
    notify_replies = BooleanField(_l("Tell me about replies in discussions I watch"))
    notify_lessons = BooleanField(_l("Tell me about colleagues' public lessons in my communities (scheduled, moved "
                                     "or cancelled)"))
    email_mentions = BooleanField(_l("Email me when someone mentions me, gives me a section to write or pairs me "
                                     "with a mentor"))
    email_replies = BooleanField(_l("Email me about replies in discussions I watch"))
    email_reviews = BooleanField(_l("Email me about the community's grant: enrolments (enrolled, confirmed, the "
                                    "amount changed) and submissions to the reviewers (handed in, returned, approved)"))
    email_lessons = BooleanField(_l("Email me about colleagues' public lessons in my communities"))
    notify_deadlines = BooleanField(_l("Remind me of deadlines: a deliverable of a community I convene (due in 7 days, "
                                       "due tomorrow, overdue) and my mentoring milestones (due in 3 days, overdue)"))
    email_deadlines = BooleanField(_l("Email me the reminders of deadlines"))


class UnsubscribeForm(WorkspaceForm):
    """Only the CSRF token: the link's token names the person."""
