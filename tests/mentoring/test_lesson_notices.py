"""A public lesson notifies the community (公開課: colleagues are meant to come and observe): who is told when one
is scheduled (the live members who may open it, not whoever scheduled it, not those who turned it off), what the
notice says (the teacher, the subject, the time in the reader's language, the link), and that a move or a
cancellation reaches those told, once; a save that changes neither time nor place tells nobody."""

from __future__ import annotations

import datetime as dt
import re

import flask_babel
from sqlalchemy import select

from tests.factories import add_member, make_community, make_user
from tests.mentoring.test_public_lessons import FUTURE, fields, make_pair, schedule
from workspace.communities.models import Membership
from workspace.core.database import utcnow
from workspace.extensions import db
from workspace.mentoring.services import public_lessons as services
from workspace.notifications import services as notifications
from workspace.notifications.models import Notification

BASE_URL = "https://plc.example.test"


def _notices(kind: str | None = None) -> list[Notification]:
    query = select(Notification).where(Notification.subject_type == "public_lesson").order_by(Notification.id)
    if kind is not None:
        query = query.where(Notification.kind == kind)
    return list(db.session.scalars(query))


def _told(kind: str = "lesson") -> set[int]:
    return {notice.user_id for notice in _notices(kind)}


def test_scheduling_tells_the_live_members_who_may_open_it_and_nobody_else(ctx):
    pair = make_pair()
    guest = make_user(display_name="客座專家")
    add_member(pair.community, guest, "guest_expert")  # reads no community material: may not open the lesson
    departed = make_user(display_name="離開的老師")
    membership = add_member(pair.community, departed)
    membership.left_at = utcnow()
    closed = make_user(display_name="停用的帳號")
    add_member(pair.community, closed)
    closed.active = False
    elsewhere = make_user(display_name="別的社群")
    add_member(make_community(), elsewhere)
    quiet = make_user(display_name="不想聽")
    add_member(pair.community, quiet)
    notifications.update_settings(quiet, notify_replies=True, email_mentions=True, email_replies=True,
                                  notify_lessons=False)
    db.session.commit()

    schedule(pair)  # the new teacher schedules their own

    assert _told() == {pair.convener.id, pair.mentor.id, pair.colleague.id}
    assert pair.mentee.id not in _told()  # whoever scheduled it is not told


def test_a_convener_scheduling_for_the_teacher_tells_the_teacher_too(ctx):
    pair = make_pair()
    schedule(pair, actor=pair.convener)
    assert _told() == {pair.mentee.id, pair.mentor.id, pair.colleague.id}


def test_the_notice_names_the_teacher_subject_and_time_in_the_reader_s_language_and_opens_the_lesson(ctx):
    pair = make_pair()
    lesson = schedule(pair)
    [notice] = [item for item in _notices("lesson") if item.user_id == pair.colleague.id]
    assert notice.path == f"/c/{pair.community.slug}/mentoring/public-lessons/{lesson.id}"
    assert notice.excerpt == "五年甲班"  # where; the topic is in the title
    with flask_babel.force_locale("en"):
        said = notifications.describe(notice)
    # QA: the teacher who scheduled it was named twice, and the topic sat under the time
    assert said.replace("\u2068", "").replace("\u2069", "") == (
        "林老師 scheduled a public lesson: 分數的加減 (數學), Mar 10, 2037 10:00–10:40")
    with flask_babel.force_locale("zh_Hant"):
        assert "2037年3月10日 10:00–10:40" in notifications.describe(notice)


def test_a_notice_of_a_lesson_scheduled_by_a_convener_names_its_teacher(ctx):
    pair = make_pair()
    schedule(pair, actor=pair.convener)
    [notice] = [item for item in _notices("lesson") if item.user_id == pair.colleague.id]
    with flask_babel.force_locale("en"):
        said = notifications.describe(notice).replace("\u2068", "").replace("\u2069", "")
    assert said.endswith("a public lesson: 林老師's 分數的加減 (數學), Mar 10, 2037 10:00–10:40"), said


def test_the_email_links_to_the_lesson_from_base_url(ctx, app, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", BASE_URL)
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    pair = make_pair()
    pair.colleague.locale = "en"
    quiet = make_user(display_name="只看鈴鐺")
    add_member(pair.community, quiet)
    notifications.update_settings(quiet, notify_replies=True, email_mentions=True, email_replies=True,
                                  email_lessons=False)
    db.session.commit()
    lesson = schedule(pair)
    mine = [item for item in _notices("lesson") if item.user_id == pair.colleague.id]
    assert [item.email_state for item in mine] == ["pending"]
    assert [item.email_state for item in _notices("lesson") if item.user_id == quiet.id] == ["none"]
    with flask_babel.force_locale("en"):
        _subject, body = notifications.compose_email(pair.colleague, mine)
    assert f"{BASE_URL}/c/{pair.community.slug}/mentoring/public-lessons/{lesson.id}" in body
    assert "Mar 10, 2037 10:00–10:40" in body and "數學" in body


def test_moving_it_tells_those_told_and_withdraws_the_old_time_s_email(ctx, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    pair = make_pair()
    lesson = schedule(pair)
    told = _told()
    newcomer = make_user(display_name="新來的")
    add_member(pair.community, newcomer)
    left = db.session.scalar(select(Membership).where(Membership.user_id == pair.colleague.id,
                                                     Membership.community_id == pair.community.id))
    left.left_at = utcnow()  # told of the lesson, then left: may no longer open it
    db.session.commit()
    services.update_lesson(lesson, fields(pair, FUTURE + dt.timedelta(days=1)), actor=pair.mentee)
    db.session.commit()
    assert _told("lesson_moved") == told - {pair.colleague.id}
    assert newcomer.id not in _told("lesson_moved")
    assert {item.email_state for item in _notices("lesson")} == {"none"}  # the old time is not emailed
    with flask_babel.force_locale("en"):
        assert "Mar 11, 2037" in notifications.describe(_notices("lesson_moved")[0])


def test_a_save_that_moves_nothing_tells_nobody_and_a_new_place_does(ctx):
    pair = make_pair()
    lesson = schedule(pair)
    count = len(_notices())
    services.update_lesson(lesson, fields(pair, topic="分數的加減（修訂）"), actor=pair.mentee)
    db.session.commit()
    assert len(_notices()) == count
    services.update_lesson(lesson, fields(pair, place="視聽教室"), actor=pair.mentee)
    db.session.commit()
    assert len(_notices("lesson_moved")) == 3


def test_cancelling_tells_those_told_once(ctx):
    pair = make_pair()
    lesson = schedule(pair)
    told = _told()
    services.cancel_lesson(lesson, "颱風停課", actor=pair.convener)
    db.session.commit()
    services.cancel_lesson(lesson, "再按一次", actor=pair.convener)
    db.session.commit()
    cancelled = _notices("lesson_cancelled")
    assert {item.user_id for item in cancelled} == told - {pair.convener.id}
    assert len(cancelled) == len(told) - 1
    with flask_babel.force_locale("en"):
        assert notifications.describe(cancelled[0]).startswith("召集人 cancelled a public lesson: ")


def test_someone_who_turned_public_lessons_off_hears_neither_the_move_nor_the_cancellation(ctx):
    pair = make_pair()
    lesson = schedule(pair)
    notifications.update_settings(pair.colleague, notify_replies=True, email_mentions=True, email_replies=True,
                                  notify_lessons=False)
    db.session.commit()
    services.update_lesson(lesson, fields(pair, FUTURE + dt.timedelta(days=1)), actor=pair.mentee)
    services.cancel_lesson(lesson, "", actor=pair.mentee)
    db.session.commit()
    assert pair.colleague.id not in _told("lesson_moved") | _told("lesson_cancelled")
    assert pair.mentor.id in _told("lesson_moved") and pair.mentor.id in _told("lesson_cancelled")


def test_the_settings_page_turns_public_lessons_off(client, ctx):
    pair = make_pair()
    client.login(pair.colleague)
    page = client.get("/notifications/settings").get_data(as_text=True)
    assert 'name="notify_lessons"' in page and 'name="email_lessons"' in page
    response = client.post_form("/notifications/settings", {"notify_replies": "y", "email_mentions": "y",
                                                            "email_replies": "y", "email_reviews": "y",
                                                            "email_lessons": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    settings = notifications.settings_for(pair.colleague)
    assert not settings.notify_lessons and settings.email_lessons
    schedule(pair)
    assert pair.colleague.id not in _told()


def test_scheduling_through_the_form_notifies(client, ctx):
    pair = make_pair()
    client.login(pair.mentee)
    form = client.get(f"/c/{pair.community.slug}/mentoring/public-lessons/new").get_data(as_text=True)
    token = re.search(r'name="once_token"[^>]*value="([^"]+)"', form) or re.search(
        r'value="([^"]+)"[^>]*name="once_token"', form)
    response = client.post_form(f"/c/{pair.community.slug}/mentoring/public-lessons/new", {
        "teacher_id": str(pair.mentee.id), "topic": "分數的加減", "subject": "數學", "day": FUTURE.isoformat(),
        "starts": "10:00", "ends": "10:40", "place": "五年甲班", "once_token": token.group(1) if token else ""})
    assert response.status_code == 302
    assert _told() == {pair.convener.id, pair.mentor.id, pair.colleague.id}


def test_long_names_are_shortened_so_the_notice_still_reads_its_time(ctx):
    pair = make_pair()
    pair.mentee.display_name = "林" * 100
    db.session.commit()
    schedule(pair, subject="數" * 60, actor=pair.convener)
    notice = _notices("lesson")[0]
    assert len(notice.title) <= notifications.MAX_TITLE
    with flask_babel.force_locale("en"):
        said = notifications.describe(notice)
    assert "Mar 10, 2037 10:00–10:40" in said and "林林林" in said and "…" in said
