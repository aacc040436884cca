"""Notification rules without HTTP: who is told, settings, counts, reading, and the email batch."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from tests.factories import make_community, make_user
from tests.notifications.conftest import notify_one
from workspace.core.database import utcnow
from workspace.core.errors import NotAllowed
from workspace.core.pagination import PageNotFound
from workspace.extensions import db
from workspace.notifications import services
from workspace.notifications.models import Notification, NotificationSettings

COMMON = dict(community=None, subject_type="post", subject_id=1, title="T", excerpt="E", path="/c/x/discussions/1")


@pytest.fixture()
def mail_on(app, monkeypatch):
    """Pretend a mail server is configured, and record what would be sent."""
    monkeypatch.setitem(app.config, "MAIL_SERVER", "smtp.example.test")
    outbox: list[tuple[str, str, str]] = []

    def fake_send(to: str, subject: str, body: str, *, headers: dict[str, str] | None = None) -> bool:
        assert headers and headers["List-Unsubscribe"].startswith("<http")  # mail programs' own button
        outbox.append((to, subject, body))
        return True

    monkeypatch.setattr(services, "send_mail", fake_send)
    return outbox


def _count(**where) -> int:
    query = select(func.count()).select_from(Notification)
    for key, value in where.items():
        query = query.where(getattr(Notification, key) == value)
    return db.session.scalar(query)


# --- notify ---------------------------------------------------------------------------------------


def test_notify_dedupes_and_skips_the_actor_and_inactive_users(ctx):
    actor, lin, wang = make_user(), make_user(), make_user()
    gone = make_user(active=False)
    created = services.notify([lin, wang, lin, actor, gone, wang], "mention", actor=actor, **COMMON)
    db.session.commit()
    assert sorted(n.user_id for n in created) == sorted([lin.id, wang.id])
    assert _count() == 2
    assert all(n.actor_id == actor.id and n.read_at is None for n in created)


def test_notify_with_no_one_left_creates_nothing(ctx):
    actor = make_user()
    assert services.notify([actor], "reply", actor=actor, **COMMON) == []
    assert services.notify([], "mention", actor=actor, **COMMON) == []


def test_an_unknown_kind_is_a_programming_error(ctx):
    with pytest.raises(ValueError):
        services.notify([make_user()], "poke", actor=None, **COMMON)


def test_replies_turned_off_skip_replies_but_not_mentions(ctx):
    actor, quiet = make_user(), make_user()
    services.update_settings(quiet, notify_replies=False, email_mentions=True, email_replies=True)
    assert services.notify([quiet], "reply", actor=actor, **COMMON) == []
    assert len(services.notify([quiet], "mention", actor=actor, **COMMON)) == 1
    assert len(services.notify([quiet], "answer", actor=actor, **COMMON)) == 1


def test_no_email_is_queued_without_a_mail_server(ctx):
    [notification] = services.notify([make_user()], "mention", actor=make_user(), **COMMON)
    assert notification.email_state == "none"


@pytest.mark.parametrize(("kind", "settings", "state"), [
    ("mention", {}, "pending"),
    ("reply", {}, "pending"),
    ("answer", {}, "none"),
    ("report", {}, "none"),
    ("mention", {"email_mentions": False}, "none"),
    ("reply", {"email_replies": False}, "none"),
    ("reply", {"email_mentions": False}, "pending"),
    ("mention", {"email_replies": False}, "pending"),
    ("submitted", {}, "pending"),
    ("returned", {"email_reviews": False}, "none"),
    ("approved", {"email_replies": False, "email_mentions": False}, "pending"),
])
def test_email_is_queued_only_for_the_kinds_the_user_wants(ctx, mail_on, kind, settings, state):
    user = make_user()
    if settings:
        choices = {"notify_replies": True, "email_mentions": True, "email_replies": True, **settings}
        services.update_settings(user, **choices)
    [notification] = services.notify([user], kind, actor=make_user(), **COMMON)
    assert notification.email_state == state


def test_title_and_excerpt_are_cut_to_fit_and_paths_stay_on_site(ctx):
    user = make_user()
    long_title, long_excerpt = "分" * 500, "數\n\n學  " * 400
    [notification] = services.notify([user], "mention", actor=None, community=None, subject_type="post",
                                     subject_id=None, title=long_title, excerpt=long_excerpt,
                                     path="https://evil.example/steal")
    db.session.commit()
    assert len(notification.title) == 200 and notification.title.endswith("…")
    assert len(notification.excerpt) == 300 and "\n" not in notification.excerpt
    assert notification.path == "/"
    [kept] = services.notify([user], "mention", actor=None, **COMMON)
    assert kept.path == "/c/x/discussions/1"


# --- counts, reading, listing ---------------------------------------------------------------------


def test_unread_count_mark_read_and_mark_all_read(ctx):
    user, other, actor = make_user(), make_user(), make_user()
    first = notify_one(user, actor)
    for _ in range(3):
        notify_one(user, actor)
    notify_one(other, actor)
    assert services.unread_count(user) == 4
    services.mark_read(first, user)
    services.mark_read(first, user)  # twice changes nothing
    db.session.commit()
    assert services.unread_count(user) == 3
    with pytest.raises(NotAllowed):
        services.mark_read(first, other)
    assert services.mark_all_read(user) == 3
    db.session.commit()
    assert services.unread_count(user) == 0
    assert services.unread_count(other) == 1
    assert services.mark_all_read(user) == 0


def test_recent_pages_newest_first_with_actor_and_community_loaded(ctx, count_queries):
    user = make_user()
    community = make_community()
    start = utcnow() - dt.timedelta(hours=2)
    for index in range(35):
        [notification] = services.notify([user], "mention", actor=make_user(display_name=f"Actor {index}"),
                                         community=community, subject_type="post", subject_id=index,
                                         title=f"Thread {index}", excerpt="", path="/")
        notification.created_at = start + dt.timedelta(minutes=index)
    db.session.commit()
    db.session.expire_all()
    db.session.refresh(user)  # reload the user outside the count
    with count_queries() as statements:
        page = services.recent(user, page=1)
        names = [(item.actor.display_name, item.community.name) for item in page.items]
    assert len(statements) == 2
    assert page.total == 35 and page.pages == 2 and page.has_next and not page.has_prev
    assert len(page.items) == 30
    assert names[0] == ("Actor 34", community.name)
    second = services.recent(user, page=2)
    assert [item.title for item in second.items] == [f"Thread {index}" for index in range(4, -1, -1)]
    with pytest.raises(PageNotFound):  # past the last page: 404, never the last page under another number
        services.recent(user, page=99)


def test_describe_says_who_did_what_where(ctx):
    actor = make_user(display_name="林美玲")
    user = make_user()
    messages = {kind: services.describe(notify_one(user, actor, kind, title="分數")) for kind in services.KINDS}
    assert messages["mention"] == "林美玲 mentioned you in “分數”"
    assert messages["reply"] == "林美玲 replied in “分數”"
    assert messages["answer"] == "林美玲 marked your post in “分數” as the answer"
    assert messages["report"] == "林美玲 reported a post in “分數”"
    assert messages["assigned"] == "林美玲 assigned you the section “分數”"
    assert messages["reflection"] == "林美玲 wrote a reflection on “分數”"
    assert messages["comment"] == "林美玲 commented on “分數”"
    orphan = notify_one(user, None, title="分數")
    assert services.describe(orphan) == "Someone mentioned you in “分數”"


def test_a_title_saved_with_a_right_to_left_override_stays_inside_its_quotes(ctx):
    """New titles lose their bidi overrides (clean_line); one saved before is fenced in an isolate, so the rest of
    the sentence reads in its own order."""
    actor, user = make_user(display_name="林美玲"), make_user()
    assert notify_one(user, actor, title="\u202e分數").title == "分數"
    legacy = notify_one(user, actor, title="分數")
    legacy.title = "\u202e分數"
    assert services.describe(legacy) == "林美玲 mentioned you in “\u2068\u202e分數\u2069”"


# --- settings and unsubscribe tokens -------------------------------------------------------------


def test_settings_default_to_everything_without_saving_a_row(ctx):
    user = make_user()
    settings = services.settings_for(user)
    assert (settings.notify_replies, settings.email_mentions, settings.email_replies) == (True, True, True)
    assert settings not in db.session
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(NotificationSettings)) == 0


def test_update_settings_saves_and_updates_one_row(ctx):
    user = make_user()
    services.update_settings(user, notify_replies=False, email_mentions=True, email_replies=False)
    db.session.commit()
    services.update_settings(user, notify_replies=False, email_mentions=False, email_replies=False)
    db.session.commit()
    db.session.expire_all()
    settings = services.settings_for(user)
    assert (settings.notify_replies, settings.email_mentions, settings.email_replies) == (False, False, False)
    assert db.session.scalar(select(func.count()).select_from(NotificationSettings)) == 1


def test_unsubscribe_tokens_name_their_user_and_refuse_forgeries(ctx, app):
    from itsdangerous import URLSafeSerializer

    user = make_user()
    token = services.unsubscribe_token(user)
    assert services.user_for_unsubscribe_token(token) == user
    assert services.user_for_unsubscribe_token(token[:-2] + "xx") is None
    assert services.user_for_unsubscribe_token("nonsense") is None
    other_salt = URLSafeSerializer(app.config["SECRET_KEY"], salt="something-else").dumps(user.id)
    assert services.user_for_unsubscribe_token(other_salt) is None
    not_an_id = URLSafeSerializer(app.config["SECRET_KEY"], salt=services.UNSUBSCRIBE_SALT).dumps("1")
    assert services.user_for_unsubscribe_token(not_an_id) is None
    url = services.unsubscribe_url(user)
    assert url == f"https://plc.example.test/notifications/unsubscribe/{token}"
    services.stop_emails(user)
    settings = services.settings_for(user)
    assert not settings.email_mentions and not settings.email_replies and settings.notify_replies
    assert not settings.email_reviews and not settings.email_lessons  # the submissions' and public lessons' too


# --- the email batch ------------------------------------------------------------------------------


def test_nothing_is_sent_before_the_delay(ctx, mail_on):
    user = make_user()
    notify_one(user, make_user())
    assert services.send_pending_emails() == 0
    assert services.send_pending_emails(now=utcnow() + dt.timedelta(minutes=4)) == 0
    assert mail_on == []
    assert services.send_pending_emails(now=utcnow() + dt.timedelta(minutes=6)) == 1
    assert _count(email_state="sent") == 1


def test_the_delay_comes_from_the_configuration(ctx, app, mail_on, monkeypatch):
    monkeypatch.setitem(app.config, "NOTIFY_EMAIL_DELAY_MINUTES", 60)
    notify_one(make_user(), make_user())
    assert services.send_pending_emails(now=utcnow() + dt.timedelta(minutes=30)) == 0
    assert services.send_pending_emails(now=utcnow() + dt.timedelta(minutes=61)) == 1
    assert services.send_pending_emails(now=utcnow(), delay=dt.timedelta(0)) == 0  # nothing pending left


def test_one_email_lists_every_pending_notification_once_the_oldest_is_due(ctx, mail_on):
    user, other, actor = make_user(locale="en"), make_user(locale="en"), make_user(display_name="林美玲")
    old = notify_one(user, actor, title="Old thread")
    old.created_at = utcnow() - dt.timedelta(minutes=10)
    notify_one(user, actor, "reply", title="New thread")  # newer than the delay, but sent along
    notify_one(user, actor, "answer", title="Answered")  # never emailed
    notify_one(other, actor, title="Too recent")  # this person's only one is not due yet
    db.session.commit()
    assert services.send_pending_emails() == 1
    [(to, subject, body)] = mail_on
    assert to == user.email
    assert subject == "2 new notifications in the PLC Workspace"
    assert "林美玲 mentioned you in “Old thread”" in body and "林美玲 replied in “New thread”" in body
    assert "Answered" not in body
    assert _count(user_id=user.id, email_state="sent") == 2
    assert _count(user_id=other.id, email_state="pending") == 1
    assert services.send_pending_emails(now=utcnow() + dt.timedelta(minutes=6)) == 1
    assert services.send_pending_emails(now=utcnow() + dt.timedelta(minutes=60)) == 0  # each is sent once


def test_the_email_is_in_the_recipients_language(ctx, mail_on):
    english, default = make_user(locale="en"), make_user(locale=None)
    notify_one(english, make_user())
    notify_one(default, make_user())
    assert services.send_pending_emails(now=utcnow() + dt.timedelta(minutes=6)) == 2
    bodies = {to: body for to, _subject, body in mail_on}
    # Moments as the reader writes them, as the pages do: English "Mar 4, 2026, 13:06"-like with the month's
    # name; the default zh_Hant "2026年3月4日 13:06" (no 下午, no 2026/3/4). Which space sits between the parts is
    # CLDR's choice and changes between Babel releases: match any space.
    assert bodies[english.email].startswith("Hello")
    assert re.search(r"\n  [A-Z][a-z]{2} \d{1,2}, \d{4}", bodies[english.email])
    assert re.search(r"\n  \d{4}年\d{1,2}月\d{1,2}日\s\d{2}:\d{2}", bodies[default.email])
    assert "午" not in bodies[default.email] and not re.search(r"\d{4}/\d{1,2}/\d{1,2}", bodies[default.email])


def test_choices_changed_before_the_batch_are_respected(ctx, mail_on):
    quiet, gone = make_user(), make_user()
    notify_one(quiet, make_user())
    notify_one(gone, make_user())
    services.stop_emails(quiet)
    gone.active = False
    db.session.commit()
    assert services.send_pending_emails(now=utcnow() + dt.timedelta(minutes=6)) == 0
    assert mail_on == []
    assert _count(email_state="none") == 2


def test_a_refused_email_stays_pending(ctx, mail_on, monkeypatch):
    notify_one(make_user(), make_user())
    monkeypatch.setattr(services, "send_mail", lambda *_args, **_kwargs: False)
    assert services.send_pending_emails(now=utcnow() + dt.timedelta(minutes=6)) == 0
    assert _count(email_state="pending") == 1


def test_without_a_mail_server_the_batch_does_nothing(ctx, app):
    notify_one(make_user(), make_user())
    assert services.send_pending_emails(now=utcnow() + dt.timedelta(hours=1)) == 0


def test_the_email_uses_the_recipients_catalogue_even_inside_another_request(ctx, mail_on):
    """The request here is English; a zh_Hans reader still gets their own words ("Someone" is translated)."""
    reader = make_user(locale="zh_Hans")
    notify_one(reader, None)  # the actor's account is gone: "Someone"
    assert services.send_pending_emails(now=utcnow() + dt.timedelta(minutes=6)) == 1
    [(_to, _subject, body)] = mail_on
    assert "某位用户" in body and "Someone" not in body
    assert services.describe(notify_one(reader, None)) == "Someone mentioned you in “分數的教學”"  # the page's own


def test_what_was_read_or_is_gone_is_not_emailed(ctx, mail_on):
    """QA: the evening email quoted a post deleted after the mention, and a mention already opened from the bell."""
    reader, gone_reader, actor = make_user(), make_user(), make_user()
    opened = notify_one(reader, actor)
    services.mark_read(opened, reader)
    notify_one(gone_reader, actor)  # about post 7
    services.withdraw_emails("post", 7)  # deleted meanwhile
    db.session.commit()
    assert services.send_pending_emails(now=utcnow() + dt.timedelta(minutes=6)) == 0
    assert mail_on == [] and _count(email_state="pending") == 0


def test_the_emails_of_some_kinds_are_withdrawn_and_notices_whose_work_is_done_are_marked_read(ctx, mail_on):
    """QA13 #1: a reviewer's "waits for your confirmation" stayed unread, and was to be e-mailed, after another
    reviewer confirmed it. `withdraw_emails(kinds=)` drops only those e-mails (the convener's own notice of the same
    record still goes out); `requote(done=True)` re-words the notices and marks them read."""
    reviewer, other, convener, actor = make_user(), make_user(), make_user(), make_user()
    common = dict(COMMON, subject_type="enrollment", subject_id=3)
    asked = services.notify([reviewer, other], "enrolled", actor=actor, **common)
    told = services.notify([convener], "amount_changed", actor=actor, **common)
    services.mark_read(asked[1], other)
    services.withdraw_emails("enrollment", 3, ("enrolled",))
    services.requote("enrollment", 3, ("enrolled",), "已確認", done=True)
    db.session.commit()
    assert [(n.excerpt, n.email_state, n.read_at is not None) for n in asked] == [("已確認", "none", True)] * 2
    assert (told[0].excerpt, told[0].email_state, told[0].read_at) == ("E", "pending", None)
    assert services.unread_count(reviewer) == 0 and services.unread_count(convener) == 1


def test_the_email_of_someone_who_never_chose_a_language_is_in_the_language_of_their_last_login(client, ctx,
                                                                                               mail_on):
    """QA: a mainland teacher who left the language on "as the browser" read the site in Simplified and got her
    emails in Traditional (the default): the language of her last login is kept for them."""
    teacher = make_user(locale=None, password="correct horse battery 9")
    client.post_form("/login", {"email": teacher.email, "password": "correct horse battery 9"},
                     headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    db.session.refresh(teacher)
    assert teacher.locale is None and teacher.mail_locale == "zh_Hans"
    notify_one(teacher, make_user())
    assert services.send_pending_emails(now=utcnow() + dt.timedelta(minutes=6)) == 1
    (_to, subject, body), = mail_on
    assert "教师专业学习社群平台" in subject and "教師" not in subject + body


def test_a_section_to_write_and_a_mentor_are_emailed_as_a_mention_is(ctx, mail_on):
    """QA: a new teacher given a plan's section to write learned of it only from the bell (no email, no setting)."""
    teacher, convener = make_user(), make_user()
    for kind in ("assigned", "paired"):
        services.notify([teacher], kind, actor=convener, community=None, subject_type="plan", subject_id=3,
                        title="三維目標", excerpt="",
                        path="/c/maths/plans/3")
    db.session.commit()
    assert services.send_pending_emails(now=utcnow() + dt.timedelta(minutes=6)) == 1
    (_to, _subject, body), = mail_on
    assert body.count("三維目標") == 2
    services.update_settings(teacher, notify_replies=True, email_mentions=False, email_replies=True,
                             email_reviews=True)
    services.notify([teacher], "assigned", actor=convener, community=None, subject_type="plan", subject_id=3,
                    title="教學流程", excerpt="",
                    path="/c/maths/plans/3")
    db.session.commit()
    assert services.send_pending_emails(now=utcnow() + dt.timedelta(minutes=12)) == 0  # the same setting stops it
