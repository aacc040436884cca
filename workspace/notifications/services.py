"""Notification rules: who hears about what, the unread count, settings, and the batched email.

Services take the people involved explicitly, flush but never commit. Messages are chosen and
translated when shown (the bell, the list, the email), so each reader sees their own language.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import flask_babel
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from markupsafe import Markup, escape
from sqlalchemy import ColumnElement, bindparam, func, select, text, true, update
from sqlalchemy.orm import joinedload

from workspace.auth.models import User
from workspace.auth.services import language_of
from workspace.communities.models import Community, Membership
from workspace.core.backup import keep_across_restore
from workspace.core.cache import note_change, user_scope
from workspace.core.database import UTCDateTime, utcnow
from workspace.core.errors import NotAllowed
from workspace.core.forms import safe_next
from workspace.core.i18n import N_, gettext, in_reader_script, local_moment
from workspace.core.mail import mail_configured, send_mail
from workspace.core.pagination import require_page
from workspace.core.text import clean_line, isolate_bidi
from workspace.core.text_language import lang_span
from workspace.core.urls import absolute_path, external_url
from workspace.extensions import db
from workspace.notifications.models import Notification, NotificationSettings, ReminderSent

KINDS = ("mention", "reply", "answer", "report", "assigned", "reflection", "comment", "paired", "unpaired",
         "partner_left",
         "observation", "lesson", "lesson_moved", "lesson_cancelled",
         "submitted", "returned", "approved", "enrolled", "confirmed", "amount_changed",
         "withdrawn", "due", "signup")
MAX_TITLE = 200
MAX_EXCERPT = 300
MAX_PATH = 500
PER_PAGE = 30
UNSUBSCRIBE_SALT = "notifications-unsubscribe"

# What each kind says, translated where it is shown (the reader's language, not the actor's).
MESSAGES = {
    "mention": N_("%(actor)s mentioned you in “%(title)s”"),
    "reply": N_("%(actor)s replied in “%(title)s”"),
    "answer": N_("%(actor)s marked your post in “%(title)s” as the answer"),
    "report": N_("%(actor)s reported a post in “%(title)s”"),
    "assigned": N_("%(actor)s assigned you the section “%(title)s”"),
    "reflection": N_("%(actor)s wrote a reflection on “%(title)s”"),
    "comment": N_("%(actor)s commented on “%(title)s”"),
    "paired": N_("%(actor)s paired you for mentoring: “%(title)s”"),
    "unpaired": N_("%(actor)s ended your mentoring pairing: “%(title)s”"),
    # the other of the pair left the community (they did not end it: their leaving did)
    "partner_left": N_("%(actor)s left the community, which ends your mentoring pairing: “%(title)s”"),
    "observation": N_("%(actor)s shared an observation with you: “%(title)s”"),
    # A public lesson's title reads as its teacher, subject and time in the reader's language (title words).
    "lesson": N_("%(actor)s scheduled a public lesson: %(title)s"),
    "lesson_moved": N_("%(actor)s moved a public lesson: %(title)s"),
    "lesson_cancelled": N_("%(actor)s cancelled a public lesson: %(title)s"),
    "submitted": N_("%(actor)s submitted “%(title)s” to the reviewers"),
    "returned": N_("%(actor)s returned “%(title)s” with comments"),
    "approved": N_("%(actor)s approved “%(title)s”"),
    "enrolled": N_("%(actor)s enrolled a community in “%(title)s”: it waits for your confirmation"),
    "confirmed": N_("%(actor)s confirmed the enrolment in “%(title)s”"),
    "amount_changed": N_("%(actor)s changed the approved amount of “%(title)s”"),
    "withdrawn": N_("%(actor)s withdrew a community from “%(title)s”"),
    # A reminder has no actor: its title is what is due and when, worded by its area for each reader (title words).
    "due": N_("Reminder: %(title)s"),
    # To the administrators, of an account that waits for them (a site without mail): the actor is the newcomer,
    # the title their address.
    "signup": N_("%(actor)s (%(title)s) signed up: the account waits for you to let it in"),
}
SOMEONE = N_("Someone")  # the actor's account was deleted
# Kinds whose title is a funder's text (a program's name), shown in the reader's script like the pages show it;
# other titles are what people wrote (a thread, a plan), shown as written.
# Titles worded as each notice is read (a subject type → how its kept title reads): an observation is kept as its
# day (2026-10-01) and read as "Observation of Oct 1, 2026" or 「2026年10月1日的觀課」 in the reader's own language,
# which the writer of the notice cannot know (a reader who never chose one reads as their browser asks).
_TITLE_WORDS: dict[str, Callable[[str], str]] = {}


# Titles whose words mark what people wrote in them (`words(kept, mark=…)`): a plan's topic among a section's
# built-in name, each part marked with its own language on the list (WCAG 3.1.2) and left bare in an e-mail.
_MARKED_WORDS: set[str] = set()
# Excerpts worded as each notice is read, likewise: a plan section's built-in guidance is kept as its key.
_EXCERPT_WORDS: dict[str, Callable[[str], str]] = {}


def register_title_words(subject_type: str, words: Callable[..., str], *, marks: bool = False) -> None:
    """Have notices about `subject_type` read their kept title through `words`, in the reader's language.

    `marks`: `words` also takes `mark=`, a function it passes each part people wrote through (the list marks
    their language; a bare e-mail leaves them as they are), and returns the joined parts."""
    _TITLE_WORDS[subject_type] = words
    if marks:
        _MARKED_WORDS.add(subject_type)
    else:
        _MARKED_WORDS.discard(subject_type)


def register_excerpt_words(subject_type: str, words: Callable[[str], str]) -> None:
    """Have notices about `subject_type` read their kept excerpt through `words`, in the reader's language."""
    _EXCERPT_WORDS[subject_type] = words


def keep_data(data: Mapping[str, object], limit: int = MAX_TITLE) -> str:
    """`data` kept as compact JSON for words registered for a subject type, its longest text shortened (with an
    ellipsis) until it fits `limit`: a title or excerpt cut by `notify` would no longer read as JSON."""
    data = dict(data)
    while True:
        kept = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        texts = [key for key, value in data.items() if isinstance(value, str) and len(value) > 1]
        if len(kept) <= limit or not texts:
            return kept
        longest = max(texts, key=lambda key: len(str(data[key])))
        value = str(data[longest])
        data[longest] = value[: max(len(value) - max(len(kept) - limit, 10), 0)].rstrip() + "…"


def read_data(kept: str) -> dict | None:
    """A title or excerpt kept by `keep_data`, else None (one kept before its words were registered: shown as
    kept)."""
    if not kept.startswith("{"):
        return None
    try:
        data = json.loads(kept)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


FUNDER_TITLES = frozenset({"submitted", "returned", "approved", "enrolled", "confirmed", "amount_changed", "withdrawn"})
# Which setting lets a kind be emailed; kinds not named here are never emailed.
# Being given a plan's section to write or a mentor is addressed to the person, as a mention is: emailed with it
# (a new teacher learned of the section they were to write only from the bell).
EMAIL_SETTING = {"mention": "email_mentions", "assigned": "email_mentions", "paired": "email_mentions",
                 "unpaired": "email_mentions", "partner_left": "email_mentions",
                 "reply": "email_replies",
                 **dict.fromkeys(("lesson", "lesson_moved", "lesson_cancelled"), "email_lessons"),
                 **dict.fromkeys(("submitted", "returned", "approved", "enrolled", "confirmed", "amount_changed",
                                  "withdrawn"),
                                 "email_reviews"),
                 "due": "email_deadlines"}


@dataclass
class NotificationPage:
    """One page of a person's notifications, newest first."""

    items: list[Notification]
    page: int
    pages: int
    total: int
    per_page: int = PER_PAGE

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def _clip(text: str | None, limit: int) -> str:
    """One line of plain text, cut to `limit` characters with an ellipsis when it is longer."""
    text = " ".join(clean_line(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def default_settings(user: User) -> NotificationSettings:
    """Return the defaults (every notification, every email) as an unsaved row."""
    return NotificationSettings(user_id=user.id, notify_replies=True, email_mentions=True, email_replies=True,
                                email_reviews=True, notify_lessons=True, email_lessons=True, notify_deadlines=True,
                                email_deadlines=True)


def settings_for(user: User) -> NotificationSettings:
    """Return the user's settings, or unsaved defaults when they never changed them."""
    return db.session.get(NotificationSettings, user.id) or default_settings(user)


def _settings_by_user(user_ids: Sequence[int]) -> dict[int, NotificationSettings]:
    if not user_ids:
        return {}
    rows = db.session.scalars(select(NotificationSettings).where(NotificationSettings.user_id.in_(user_ids)))
    return {row.user_id: row for row in rows}


# Which setting lets a kind show under the bell at all; kinds not named here always do (a mention, a report). A
# colleague's public lesson is an invitation to the whole community: each member may turn those off; so is a reminder
# of a deadline (a convener may keep their own calendar).
BELL_SETTING = {"reply": "notify_replies",
                **dict.fromkeys(("lesson", "lesson_moved", "lesson_cancelled"), "notify_lessons"),
                "due": "notify_deadlines"}


def wants(kind: str, settings: NotificationSettings) -> bool:
    """Whether a person with these settings hears of `kind` under the bell."""
    setting = BELL_SETTING.get(kind)
    return setting is None or bool(getattr(settings, setting))


def _wants_email(kind: str, settings: NotificationSettings) -> bool:
    setting = EMAIL_SETTING.get(kind)
    return setting is not None and bool(getattr(settings, setting))


def notify(
    recipients: Iterable[User],
    kind: str,
    *,
    actor: User | None,
    community: Community | None,
    subject_type: str,
    subject_id: int | None,
    title: str,
    excerpt: str,
    path: str,
    settings: Mapping[int, NotificationSettings] | None = None,
) -> list[Notification]:
    """Tell each recipient (once, never the actor, never an inactive account) that something happened.

    `title` and `excerpt` are plain text; `path` is a path on this site, opened by the "open" button.
    A reply (a public lesson) is skipped for people who turned replies (public lessons) off (BELL_SETTING); email
    waits for the batch only when mail is configured and the person wants email for this kind. `settings`: the
    people's saved settings when the caller read them already (by user id; the defaults for one not in it).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    targets: list[User] = []
    seen: set[int] = set()
    for user in recipients:
        if user is None or user.id in seen:
            continue
        seen.add(user.id)
        if (actor is not None and user.id == actor.id) or not user.active:
            continue
        targets.append(user)
    if not targets:
        return []
    chosen = settings if settings is not None else _settings_by_user([user.id for user in targets])
    mail = mail_configured()
    title, excerpt = _clip(title, MAX_TITLE), _clip(excerpt, MAX_EXCERPT)
    path = safe_next(path, "/")[:MAX_PATH]
    created = []
    for user in targets:
        settings = chosen.get(user.id) or default_settings(user)
        if not wants(kind, settings):
            continue
        notification = Notification(
            user_id=user.id, kind=kind, actor_id=actor.id if actor is not None else None,
            community_id=community.id if community is not None else None, subject_type=subject_type,
            subject_id=subject_id, title=title, excerpt=excerpt, path=path, created_at=utcnow(),
            email_state="pending" if mail and _wants_email(kind, settings) else "none",
        )
        db.session.add(notification)
        created.append(notification)
    db.session.flush()
    return created


OVERDUE = "overdue"
CATCH_UP_DAYS = 7  # an overdue reminder goes out up to a week late (the queue down some days), never for one long gone


def reached_threshold(due: dt.date, today: dt.date, ahead: Sequence[int]) -> str | None:
    """The one threshold a deadline has reached today, so that a run after missed days gives the latest only: the
    nearest of `ahead` (days before the due day) at or above the days left, as "due-7" (for ahead (7, 1): due in 2 to
    7 days) or "due-1" (due tomorrow, or today after a missed run); OVERDUE from the day after it up to CATCH_UP_DAYS
    (the first run after an upgrade lists no year of past deadlines); else None."""
    days = (due - today).days
    if days < 0:
        return OVERDUE if days >= -CATCH_UP_DAYS else None
    fitting = [before for before in ahead if before >= days]
    return f"due-{min(fitting)}" if fitting else None


@dataclass(frozen=True)
class Reminder:
    """A reminder to give once per person: `key` names what it is about and the threshold reached (an area's
    own words, e.g. "deliverable:12:plc.results_report:2026-07-31:week"); the rest is what `notify` takes."""

    key: str
    recipients: tuple[User, ...]
    kind: str
    community: Community | None
    subject_type: str
    subject_id: int | None
    title: str
    path: str
    excerpt: str = ""


def send_reminders(reminders: Sequence[Reminder], *, now: dt.datetime | None = None) -> list[Notification]:
    """Give each reminder to each of its recipients who was not given it before (by person and key), and note it
    given (reminders_sent): a job run twice, or late, tells nobody twice. A person who turned the kind off is noted
    too, so that turning it on again brings no burst of old reminders. Two reads whatever their number (what was
    given already, the people's settings), then the rows written."""
    keys = sorted({reminder.key for reminder in reminders})
    if not keys:
        return []
    given = {(user_id, key) for user_id, key in db.session.execute(
        select(ReminderSent.user_id, ReminderSent.key).where(ReminderSent.key.in_(keys)))}
    now = now or utcnow()
    chosen = _settings_by_user(sorted({user.id for reminder in reminders for user in reminder.recipients}))
    created: list[Notification] = []
    for reminder in reminders:
        people = [user for user in reminder.recipients if (user.id, reminder.key) not in given]
        if not people:
            continue
        for user in people:
            given.add((user.id, reminder.key))
            db.session.add(ReminderSent(user_id=user.id, key=reminder.key, sent_at=now))
        created += notify(people, reminder.kind, actor=None, community=reminder.community,
                          subject_type=reminder.subject_type, subject_id=reminder.subject_id, title=reminder.title,
                          excerpt=reminder.excerpt, path=reminder.path, settings=chosen)
    db.session.flush()
    return created


def notified_about(subject_type: str, subject_id: int, kinds: Iterable[str]) -> list[User]:
    """The people told of a record by notices of `kinds` (to tell the same people what became of it), by id."""
    return list(db.session.scalars(select(User).where(User.id.in_(
        select(Notification.user_id).where(Notification.subject_type == subject_type,
                                           Notification.subject_id == subject_id,
                                           Notification.kind.in_(sorted(kinds))))).order_by(User.id)))


def withdraw_emails(subject_type: str, subject_id: int, kinds: Iterable[str] | None = None) -> None:
    """Send no email about a record that is gone (a post deleted before the batch went out), or that asks for what
    was done meanwhile (an enrolment to confirm, confirmed): its notifications' pending emails (of `kinds`, else of
    every kind) are dropped; the bell keeps them, where the post says it was deleted."""
    about = [Notification.subject_type == subject_type, Notification.subject_id == subject_id,
             Notification.email_state == "pending"]
    if kinds is not None:
        about.append(Notification.kind.in_(sorted(kinds)))
    db.session.execute(update(Notification).where(*about).values(email_state="none"))


def requote(subject_type: str, subject_id: int, kinds: Iterable[str], excerpt: str, *,
            readers_in: int | None = None, done: bool = False) -> None:
    """Have the notices of `kinds` about a record quote `excerpt` instead of the words kept when they were made
    (a post edited or deleted since: the bell never shows words their writer took back). `readers_in`: a community
    whose live members alone may read `excerpt` (new words); the notices of those no longer in it quote nothing
    (someone who left reads no word written since). `done`: what the notices asked of their readers is done (an
    enrolment that waited for a reviewer's confirmation, confirmed): they are marked read as well, out of the bell's
    count of open work. One UPDATE each; the readers' pages are invalidated."""
    clipped = _clip(excerpt, MAX_EXCERPT)
    about = (Notification.subject_type == subject_type, Notification.subject_id == subject_id,
             Notification.kind.in_(sorted(kinds)))
    changes: list[tuple[ColumnElement[bool], str]] = [(true(), clipped)]
    if readers_in is not None:
        members = select(Membership.user_id).where(Membership.community_id == readers_in, Membership.live)
        changes = [(Notification.user_id.in_(members), clipped), (Notification.user_id.not_in(members), "")]
    readers: set[int] = set()
    for condition, quoted in changes:
        readers.update(db.session.scalars(
            update(Notification).where(*about, condition, Notification.excerpt != quoted)
            .values(excerpt=quoted).returning(Notification.user_id)
            .execution_options(synchronize_session="fetch")).all())
    if done:
        readers.update(db.session.scalars(
            update(Notification).where(*about, Notification.read_at.is_(None))
            .values(read_at=utcnow()).returning(Notification.user_id)
            .execution_options(synchronize_session="fetch")).all())
    if readers:
        note_change(*(user_scope(user_id) for user_id in readers))


def unread_count(user: User) -> int:
    """Count the user's unread notifications (one query, on the unread index)."""
    return db.session.scalar(
        select(func.count()).select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    ) or 0


def recent(user: User, *, page: int = 1, per_page: int = PER_PAGE) -> NotificationPage:
    """Return a page of the user's notifications, newest first, actor and community loaded (2 queries)."""
    total = db.session.scalar(
        select(func.count()).select_from(Notification).where(Notification.user_id == user.id)) or 0
    pages = require_page(page, total, per_page)
    items = list(db.session.scalars(
        select(Notification).where(Notification.user_id == user.id)
        .options(joinedload(Notification.actor), joinedload(Notification.community).lazyload(Community.schools))
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(per_page).offset((page - 1) * per_page)))
    return NotificationPage(items=items, page=page, pages=pages, total=total, per_page=per_page)


def mark_read(notification: Notification, user: User) -> None:
    """Mark one of the user's notifications as read (someone else's is refused)."""
    if notification.user_id != user.id:
        raise NotAllowed("not this user's notification")
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()


def mark_all_read(user: User) -> int:
    """Mark all of the user's notifications as read; return how many were unread."""
    unread = list(db.session.scalars(
        select(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))))
    now = utcnow()
    for notification in unread:  # through the ORM, so that cached pages see the change
        notification.read_at = now
    db.session.flush()
    return len(unread)


def update_settings(user: User, *, notify_replies: bool, email_mentions: bool, email_replies: bool,
                    email_reviews: bool | None = None, notify_lessons: bool | None = None,
                    email_lessons: bool | None = None, notify_deadlines: bool | None = None,
                    email_deadlines: bool | None = None) -> NotificationSettings:
    """Save the user's choices (creating their row the first time); a choice given as None keeps it as it was."""
    settings = db.session.get(NotificationSettings, user.id)
    if settings is None:
        settings = default_settings(user)
        db.session.add(settings)
    settings.notify_replies = bool(notify_replies)
    settings.email_mentions = bool(email_mentions)
    settings.email_replies = bool(email_replies)
    if email_reviews is not None:
        settings.email_reviews = bool(email_reviews)
    if notify_lessons is not None:
        settings.notify_lessons = bool(notify_lessons)
    if email_lessons is not None:
        settings.email_lessons = bool(email_lessons)
    if notify_deadlines is not None:
        settings.notify_deadlines = bool(notify_deadlines)
    if email_deadlines is not None:
        settings.email_deadlines = bool(email_deadlines)
    settings.updated_at = utcnow()
    db.session.flush()
    return settings


def stop_emails(user: User) -> NotificationSettings:
    """Turn off every notification email for the user (what the unsubscribe link does)."""
    current = settings_for(user)
    return update_settings(user, notify_replies=current.notify_replies, email_mentions=False, email_replies=False,
                           email_reviews=False, email_lessons=False, email_deadlines=False)


def emails_stopped(settings: NotificationSettings) -> bool:
    """Whether every notification email is off (what the unsubscribe page says)."""
    return not any(getattr(settings, setting) for setting in sorted(set(EMAIL_SETTING.values())))


# --- what a notification says ---------------------------------------------------------------------


def _title(notification: Notification, mark: Callable[[str], str] | None = None) -> str:
    """The notice's title in the reader's words; `mark` (the list's) wraps what people wrote in it."""
    kept = notification.title
    words = _TITLE_WORDS.get(notification.subject_type or "")
    if words is not None:
        if notification.subject_type in _MARKED_WORDS:
            return words(kept, mark=mark or isolate_bidi)
        return isolate_bidi(words(kept))
    title = isolate_bidi(in_reader_script(kept) if notification.kind in FUNDER_TITLES else kept)
    return mark(title) if mark is not None else title


def describe(notification: Notification, translate: Callable[..., str] | None = None) -> str:
    """Say in the reader's language what happened ("Lin mentioned you in “Fractions”")."""
    translate = translate or gettext
    actor = notification.actor.display_name if notification.actor is not None else translate(SOMEONE)
    message = MESSAGES.get(notification.kind)
    if message is None:
        return notification.title
    return translate(message, actor=isolate_bidi(actor), title=_title(notification))


def describe_marked(notification: Notification, page: str | None = None) -> Markup:
    """`describe` for a page: the title people wrote (a thread's, a plan's topic) and the actor's name marked with
    their language where it is not the page's (`lang_span`), the sentence around it escaped."""
    actor = notification.actor.display_name if notification.actor is not None else gettext(SOMEONE)
    message = MESSAGES.get(notification.kind)
    if message is None:
        return lang_span(notification.title, page)
    title = _title(notification, mark=lambda text: lang_span(isolate_bidi(text), page))
    actor = lang_span(isolate_bidi(actor), page) if notification.actor is not None else actor
    return escape(gettext(message)) % {"actor": actor, "title": title}


def excerpt_of(notification: Notification) -> str:
    """The notice's excerpt in the reader's words (a built-in text kept as its key), else as it was kept."""
    words = _EXCERPT_WORDS.get(notification.subject_type or "")
    return words(notification.excerpt) if words is not None and notification.excerpt else notification.excerpt


# --- unsubscribe links ----------------------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(user: User) -> str:
    """Return the token of the user's unsubscribe link (signed, carries the user id)."""
    return str(_serializer().dumps(user.id))


def user_for_unsubscribe_token(token: str) -> User | None:
    """Return the user an unsubscribe token was made for, or None for a bad token."""
    try:
        user_id = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(user_id, int):
        return None
    return db.session.get(User, user_id)


def unsubscribe_url(user: User) -> str:
    """Return the absolute link that turns off the user's notification emails."""
    return external_url("notifications.unsubscribe", token=unsubscribe_token(user))


def unsubscribe_headers(user: User) -> dict[str, str]:
    """The headers that give mail programs their own unsubscribe button, one click (RFC 8058): a POST of
    `List-Unsubscribe=One-Click` to the address in List-Unsubscribe stops the emails with no page in between."""
    address = external_url("notifications.one_click_unsubscribe", token=unsubscribe_token(user))
    return {"List-Unsubscribe": f"<{address}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


# --- the email batch ------------------------------------------------------------------------------


def compose_email(user: User, notifications: Sequence[Notification]) -> tuple[str, str]:
    """Write the subject and plain-text body of one email listing `notifications`, in the current locale."""
    _ = flask_babel.gettext
    count = len(notifications)
    subject = flask_babel.ngettext("%(num)d new notification in the PLC Workspace",
                                   "%(num)d new notifications in the PLC Workspace", count)
    lines = [_("Hello %(name)s,", name=user.display_name), "",
             flask_babel.ngettext("Here is what happened while you were away:",
                                  "Here is what happened while you were away (%(num)d items):", count), ""]
    for notification in notifications:
        lines.append("• " + describe(notification, _))
        where = [local_moment(notification.created_at)]
        if notification.community is not None:
            where.insert(0, notification.community.name)
        lines.append("  " + " · ".join(where))
        excerpt = excerpt_of(notification)
        if excerpt:
            lines.append("  « " + excerpt + " »")
        lines.append("  " + absolute_path(notification.path))
        lines.append("")
    lines += [
        _("All your notifications: %(url)s", url=external_url("notifications.index")),
        _("Choose what you hear about: %(url)s", url=external_url("notifications.settings")),
        _("Stop these emails: %(url)s", url=unsubscribe_url(user)),
    ]
    return subject, "\n".join(lines) + "\n"


def send_pending_emails(*, now: dt.datetime | None = None, delay: dt.timedelta | None = None,
                        after_each: Callable[[], None] | None = None) -> int:
    """Send each person one email listing their pending notifications, once the oldest is `delay` old.

    The email is in the recipient's language. Notifications are marked sent only when the mail
    server accepted the email; otherwise they stay pending for the next run. Never raises for a
    mail failure. Returns the number of emails sent. `after_each` (the CLI passes its commit) runs after
    every email, so that a run cut short never sends the same email again.
    """
    if not mail_configured():
        return 0
    now = now or utcnow()
    if delay is None:
        delay = dt.timedelta(minutes=current_app.config.get("NOTIFY_EMAIL_DELAY_MINUTES", 5))
    due_ids = list(db.session.scalars(
        select(Notification.user_id).where(Notification.email_state == "pending")
        .group_by(Notification.user_id).having(func.min(Notification.created_at) <= now - delay)))
    if not due_ids:
        return 0
    users = {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(due_ids)))}
    chosen = _settings_by_user(due_ids)
    pending: dict[int, list[Notification]] = {}
    for notification in db.session.scalars(
        select(Notification).where(Notification.user_id.in_(due_ids), Notification.email_state == "pending")
        .options(joinedload(Notification.actor), joinedload(Notification.community).lazyload(Community.schools))
        .order_by(Notification.created_at, Notification.id)
    ):
        pending.setdefault(notification.user_id, []).append(notification)
    sent = 0
    for user_id, notifications in pending.items():
        user = users[user_id]
        settings = chosen.get(user_id) or default_settings(user)
        # Read in the app meanwhile (opened from the bell), or turned off since (or the account was closed): never
        # email these.
        wanted = [item for item in notifications
                  if user.active and item.read_at is None and _wants_email(item.kind, settings)]
        for item in notifications:
            if item not in wanted:
                item.email_state = "none"
        if not wanted:
            continue
        with flask_babel.force_locale(language_of(user)):
            subject, body = compose_email(user, wanted)
        if send_mail(user.email, subject, body, headers=unsubscribe_headers(user)):
            for item in wanted:
                item.email_state = "sent"
            sent += 1
        db.session.flush()
        if after_each is not None:
            after_each()
    db.session.flush()
    return sent


# --- across a restore ---------------------------------------------------------------------------------

# An email sent this long ago or longer is not looked for after a restore (a backup that old held it as sent).
KEEP_SENT_ACROSS_RESTORE = dt.timedelta(days=90)

_MARK_SENT = text("UPDATE notifications SET email_state = 'sent' WHERE id = :id AND user_id = :user_id "
                  "AND created_at = :created_at AND email_state = 'pending'"
                  ).bindparams(bindparam("created_at", type_=UTCDateTime()))
# Only for a person the restored database has (one who signed up after the backup is gone with it).
_GIVEN = text("INSERT INTO reminders_sent (user_id, key, sent_at) SELECT :user_id, :key, :sent_at "
              "WHERE EXISTS (SELECT 1 FROM users WHERE id = :user_id) ON CONFLICT DO NOTHING"
              ).bindparams(bindparam("sent_at", type_=UTCDateTime()))


def told_before_restore() -> tuple[list[dict], list[dict]]:
    """What the people were already told, read from the database a restore is about to replace: the notification
    emails sent (id, person, when made) and every reminder given (core/backup.keep_across_restore)."""
    since = utcnow() - KEEP_SENT_ACROSS_RESTORE
    sent = [{"id": row.id, "user_id": row.user_id, "created_at": row.created_at} for row in db.session.execute(
        select(Notification.id, Notification.user_id, Notification.created_at)
        .where(Notification.email_state == "sent", Notification.created_at >= since))]
    given = [{"user_id": row.user_id, "key": row.key, "sent_at": row.sent_at}
             for row in db.session.execute(select(ReminderSent.user_id, ReminderSent.key, ReminderSent.sent_at))]
    return sent, given


def still_told_after_restore(told: tuple[list[dict], list[dict]]) -> None:
    """Write into the restored database what was told since its backup: an email pending in the backup but sent
    since is marked sent (the same notification: id, person and the moment it was made), a reminder given since is
    noted as given. Without this, the next batch sent those emails and reminders a second time."""
    sent, given = told
    if sent:
        db.session.execute(_MARK_SENT, sent)
    if given:
        db.session.execute(_GIVEN, given)


keep_across_restore("emails and reminders already sent", told_before_restore, still_told_after_restore)
