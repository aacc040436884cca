"""A notice about a plan names a built-in section (學程預設, "Learning process") and its built-in guidance in the
reader's language, whatever the language of whoever assigned or commented; a section a person renamed keeps the
person's words (plans/services/notices.py)."""

from __future__ import annotations

import datetime as dt

import flask_babel
import pytest
from flask import current_app
from sqlalchemy import select

from tests.plans.helpers import make_team
from workspace.extensions import db
from workspace.notifications import services as notifications
from workspace.notifications.models import Notification
from workspace.plans import services

ENGLISH_GUIDANCE = "The steps of the lesson with time for each"


@pytest.fixture()
def team(ctx):
    return make_team()


def _notice(user) -> Notification:
    return db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                              .order_by(Notification.id.desc())).first()


def _list(client, reader, locale: str) -> str:
    reader.locale = locale
    db.session.commit()
    response = client.login(reader).get("/notifications/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _said(notice: Notification, locale: str) -> tuple[str, str]:
    with current_app.test_request_context(), flask_babel.force_locale(locale):
        return notifications.describe(notice), notifications.excerpt_of(notice)


def test_an_assignment_made_in_traditional_chinese_reads_in_each_readers_language(team, make_client):
    doc = team.plan()
    section = next(item for item in doc.sections if item.key == "process")
    with flask_babel.force_locale("zh_Hant"):  # the lead planner works in 繁體
        services.assign_section(section, team.teacher.id, actor=team.lead)
    db.session.commit()
    notice = _notice(team.teacher)
    assert notice.kind == "assigned" and "學程預設" not in notice.title and "學程預設" not in notice.excerpt

    english, guidance = _said(notice, "en")
    assert english == "林老師 assigned you the section “分數的加減 · Learning process”"
    assert guidance.startswith(ENGLISH_GUIDANCE)
    simplified, _guidance = _said(notice, "zh_Hans")
    assert "分數的加減 · 学程预设" in simplified and "學程預設" not in simplified and "Learning" not in simplified

    client = make_client()
    page = _list(client, team.teacher, "en")
    assert "“<span lang=\"zh-Hant\">分數的加減</span> · Learning process”" in page
    assert "學程預設" not in page and ENGLISH_GUIDANCE in page
    page = _list(client, team.teacher, "zh_Hans")
    assert "学程预设" in page and "學程預設" not in page and "Learning process" not in page


def test_a_renamed_section_keeps_the_persons_words_in_every_language(team):
    doc = team.plan()
    section = next(item for item in doc.sections if item.key == "process")
    section.title, section.guidance = "教學流程（含提問）", "寫下每一步的提問。"
    db.session.commit()
    with flask_babel.force_locale("zh_Hant"):
        services.assign_section(section, team.teacher.id, actor=team.lead)
    db.session.commit()
    notice = _notice(team.teacher)
    for locale in ("en", "zh_Hans"):
        said, excerpt = _said(notice, locale)
        assert "分數的加減 · 教學流程（含提問）" in said and excerpt == "寫下每一步的提問。"


def test_a_comment_notice_names_the_section_in_the_readers_language(team):
    doc = team.plan()
    section = next(item for item in doc.sections if item.key == "homework")
    services.assign_section(section, team.teacher.id, actor=team.lead)
    with flask_babel.force_locale("zh_Hant"):
        services.add_comment(section, "這裡的分層作業可以再具體一點。", actor=team.member)
    db.session.commit()
    notice = db.session.scalar(select(Notification).where(Notification.kind == "comment",
                                                          Notification.user_id == team.teacher.id))
    english, excerpt = _said(notice, "en")
    assert english == "張老師 commented on “分數的加減 · Homework design”"
    assert excerpt == "這裡的分層作業可以再具體一點。"
    assert "作业设计" in _said(notice, "zh_Hans")[0]


def test_a_reflection_notice_joins_the_class_and_the_text_in_the_readers_punctuation(team):
    doc = team.plan()
    copy = services.adapt(doc, actor=team.teacher)
    with flask_babel.force_locale("zh_Hant"):
        services.record_lesson(copy, taught_on=dt.date(2026, 10, 2), class_name="五年甲班", reflection="分組時間不夠",
                               actor=team.teacher)
    db.session.commit()
    notice = _notice(team.lead)
    assert _said(notice, "en")[1] == "五年甲班: 分組時間不夠"
    assert _said(notice, "zh_Hans")[1] == "五年甲班：分組時間不夠"


def test_a_notice_kept_before_reads_as_kept_and_a_long_topic_still_fits(team):
    legacy = Notification(user_id=team.teacher.id, kind="assigned", actor_id=team.lead.id, subject_type="plan",
                          subject_id=1, title="分數的加減 · 學程預設", excerpt="舊的說明", path="/")
    legacy.actor = team.lead
    assert _said(legacy, "en") == ("林老師 assigned you the section “分數的加減 · 學程預設”", "舊的說明")
    doc = team.plan(topic="長" * 200)
    section = next(item for item in doc.sections if item.key == "process")
    services.assign_section(section, team.teacher.id, actor=team.lead)
    db.session.commit()
    said, _excerpt = _said(_notice(team.teacher), "en")
    assert "…" in said and said.endswith(" · Learning process”")


def test_a_reply_notice_says_what_was_replied_to(team):
    """QA: 「孙丽在“分数的初步认识 · 三维目标”中回复了」 stopped mid-sentence. The sentence is the board's too (a reply
    in a thread one watches), so it names the discussion, not "your comment"."""
    doc = team.plan()
    section = doc.sections[0]
    first = services.add_comment(section, "目標可以再具體一點。", actor=team.member)
    services.add_comment(section, "好，我來改。", actor=team.teacher, parent=first)
    db.session.commit()
    notice = db.session.scalar(select(Notification).where(Notification.kind == "reply",
                                                          Notification.user_id == team.member.id))
    assert _said(notice, "zh_Hans")[0] == "王老師回复了“分數的加減 · 三维目标”中的讨论"
    assert _said(notice, "zh_Hant")[0] == "王老師回覆了「分數的加減 · 三維目標」中的討論"
    assert _said(notice, "en")[0] == "王老師 replied in “分數的加減 · Three-dimensional objectives”"
