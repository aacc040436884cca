"""Mentoring's notices: the pair hears of a new pairing, an observation shared, a reflection, a handbook comment;
each opens its page and carries nothing the pair wrote."""

from __future__ import annotations

import datetime as dt

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select

from tests.factories import add_member, make_community, make_user
from tests.mentoring.helpers import make_pair
from workspace.extensions import db
from workspace.mentoring.services import handbook, observations, pairings, rubrics
from workspace.notifications import services as notification_services
from workspace.notifications.models import Notification

FOCUS = "提問是否引導思考 QZX"
REFLECTION = "下次多留等待時間 QZX"
COMMENT = "看到你的進步 QZX"


def _notices(user) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                   .order_by(Notification.id)))


def _no_content(notice: Notification) -> None:
    assert "QZX" not in f"{notice.title} {notice.excerpt} {notice.path}"


def test_a_new_pairing_tells_the_mentor_and_the_new_teacher(ctx):
    convener = make_user()
    community = make_community(convener)
    mentor, mentee = make_user(display_name="王老師"), make_user(display_name="林老師")
    add_member(community, mentor, "mentor")
    add_member(community, mentee)
    (pairing,) = pairings.create_pairings(community, mentor.id, [mentee.id], dt.date(2026, 9, 1), None, convener)
    db.session.commit()
    for person in (mentor, mentee):
        (notice,) = _notices(person)
        assert notice.kind == "paired" and notice.title == "王老師 · 林老師"
        assert notice.path == f"/c/{community.slug}/mentoring/pairings/{pairing.id}"
    assert _notices(convener) == []  # never the actor


def test_an_observation_shared_and_reflected_on_tells_the_other_without_its_content(ctx):
    """Each notice names the lesson's day as its reader reads dates (2026年10月1日), not as the database keeps it."""
    pair = make_pair()
    pair.mentee.locale, pair.mentor.locale = "zh_Hant", "en"
    observation = observations.create_observation(pair.community, observations.PlanFields(
        observed_id=pair.mentee.id, observed_on=dt.date(2026, 10, 1), focus=FOCUS, form_id=rubrics.default_form().id,
        pairing_id=pair.pairing.id), actor=pair.mentor)
    db.session.commit()
    assert _notices(pair.mentee) == []  # a draft tells nobody
    observations.share_with_observed(observation, actor=pair.mentor)
    db.session.commit()
    (shared,) = _notices(pair.mentee)
    assert shared.kind == "observation"
    assert shared.path == f"/c/{pair.community.slug}/mentoring/observations/{observation.id}"
    observations.reflect(observation, REFLECTION, actor=pair.mentee)
    observations.reflect(observation, REFLECTION + " 再改", actor=pair.mentee)  # an edit tells no one again
    db.session.commit()
    (reflected,) = _notices(pair.mentor)
    assert reflected.kind == "reflection"
    for notice in (shared, reflected):
        _no_content(notice)
    # Worded as each reader reads it, whatever the language of the writer or a stored preference: a mentor who reads
    # English in the browser got 「2026年10月1日 的觀課」.
    said = {}
    for language, header in (("en", "en"), ("zh_Hant", "zh-TW"), ("zh_Hans", "zh-CN")):
        with current_app.test_request_context(headers={"Accept-Language": header}), force_locale(language):
            said[language] = (notification_services.describe(shared), notification_services.describe(reflected))
    assert said["en"][1] == f"{pair.mentee.display_name} wrote a reflection on “Observation of Oct 1, 2026”"
    assert "2026年10月1日" in said["zh_Hant"][0] and "觀課" in said["zh_Hant"][0]
    assert "2026年10月1日" in said["zh_Hans"][1] and "观课" in said["zh_Hans"][1]
    assert all("2026-10-01" not in text for pair_said in said.values() for text in pair_said)


def test_the_mentors_first_comment_on_a_handbook_section_tells_the_new_teacher(ctx):
    pair = make_pair()
    book = handbook.open_handbook(pair.community, pair.mentee.id, 2026, actor=pair.mentee)
    section = next(section for section in book.sections if section.key == "strengths")
    handbook.save_comment(section, COMMENT, actor=pair.mentor, base_comment="")
    db.session.commit()
    (notice,) = _notices(pair.mentee)
    assert notice.kind == "comment" and notice.title == "strengths"  # a key: worded by each reader
    said = {}
    for language in ("en", "zh_Hans"):
        with current_app.test_request_context(), force_locale(language):
            said[language] = notification_services.describe(notice)
    assert said["en"] == f"{pair.mentor.display_name} commented on “Strengths”"
    assert "“优势”" in said["zh_Hans"] and "strengths" not in said["zh_Hans"]
    assert notice.path.endswith("/2026#handbook-strengths")
    _no_content(notice)
