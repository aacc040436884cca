"""What the pair and their colleagues write in mentoring is marked with its own language on a page in another
(WCAG 3.1.2; QA: Traditional topics, steps, private notes, criteria, focus, a lesson's topic and place read as the
Simplified or English page's): each text is found in the page and the nearest `lang` around it is read."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

import pytest

from tests.mentoring.helpers import make_pair
from tests.test_language_of_parts import _page
from workspace.extensions import db
from workspace.mentoring.models import NextStep
from workspace.mentoring.services import goals as goal_services
from workspace.mentoring.services import logs as log_services
from workspace.mentoring.services import observations as observation_services
from workspace.mentoring.services import public_lessons

TOPICS = "第一次見面：班級常規與備課節奏"
STEP_DONE = "整理班級常規的海報並貼在教室後面"
STEP_OPEN = "試教改過的引入活動並記下學生的回答"
PRIVATE = "她對家長聯絡簿還不熟悉，下次帶她看幾本範例。"
CRITERIA = "觀課時至少三次由學生解釋自己的做法"
FOCUS = "分數引入時，學生是否有機會說明自己的想法"
LESSON_TOPIC = "分數的大小比較"
PLACE = "五年三班視聽教室"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Languages(HTMLParser):
    """The nearest `lang` around each text node of a page (the `<html lang>` where nothing nearer says)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str | None] = []
        self.tags: list[str] = []
        self.texts: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            self.stack.append(dict(attrs).get("lang"))
            self.tags.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID and self.stack:
            self.stack.pop()
            self.tags.pop()

    def handle_data(self, data: str) -> None:
        if data.strip() and "title" not in self.tags:  # the tab's title has no element to mark
            self.texts.append((data, next((lang for lang in reversed(self.stack) if lang), None)))


def language_of(page: str, text: str) -> set[str | None]:
    """The languages the page gives each text node holding `text` (one per place it is shown)."""
    parser = _Languages()
    parser.feed(page)
    found = {lang for data, lang in parser.texts if text in data}
    assert found, f"{text!r} is not shown"
    return found


@pytest.mark.parametrize("locale", ["zh_Hans", "en"])
def test_the_pair_s_traditional_words_are_marked_on_a_simplified_or_english_page(ctx, client, locale):
    pair = make_pair(dt.date(2026, 9, 1), dt.date(2038, 7, 31))
    first = log_services.create_log(pair.pairing, log_services.LogFields(
        held_on=dt.date(2026, 9, 10), duration_minutes=50, topics=TOPICS, private_notes=PRIVATE,
        next_steps=[(STEP_DONE, "mentee"), (STEP_OPEN, "mentee")]), actor=pair.mentor)
    db.session.flush()
    done = next(step for step in first.next_steps if step.text == STEP_DONE)
    log_services.tick_step(db.session.get(NextStep, done.id), True, actor=pair.mentor)
    goal_services.create_goal(pair.pairing, goal_services.GoalFields(
        title="讓學生多說", success_criteria=CRITERIA), actor=pair.mentor)
    observation_services.create_observation(pair.community, observation_services.PlanFields(
        observed_id=pair.mentee.id, observed_on=dt.date(2026, 10, 5), focus=FOCUS, pairing_id=pair.pairing.id),
        actor=pair.mentor)
    lesson = public_lessons.schedule_lesson(pair.community, public_lessons.LessonFields(
        teacher_id=pair.mentee.id, topic=LESSON_TOPIC, day=dt.date(2037, 3, 10), starts=dt.time(10, 0),
        ends=dt.time(10, 40), place=PLACE), actor=pair.mentee)
    db.session.commit()
    base = f"/c/{pair.community.slug}/mentoring"
    pages = {
        "logs": f"{base}/pairings/{pair.pairing.id}/logs/",  # the logs, and the next log's open steps to tick
        "edit": f"{base}/pairings/{pair.pairing.id}/logs/{first.id}/edit",  # its done steps, ticked
        "goals": f"{base}/pairings/{pair.pairing.id}/goals/",
        "observations": f"{base}/observations/",
        "lessons": f"{base}/public-lessons/",
        "lesson": f"{base}/public-lessons/{lesson.id}",
    }
    client.login(pair.mentor)
    read = {name: _page(client, pair.mentor, locale, path) for name, path in pages.items()}
    for name, text in (("logs", TOPICS), ("logs", STEP_OPEN), ("logs", PRIVATE), ("edit", STEP_DONE),
                       ("goals", CRITERIA), ("observations", FOCUS), ("lessons", LESSON_TOPIC),
                       ("lesson", LESSON_TOPIC), ("lesson", PLACE)):
        assert language_of(read[name], text) == {"zh-Hant"}, (name, text)
    # On a Traditional page the same words are the page's: nothing marked.
    traditional = _page(client, pair.mentor, "zh_Hant", pages["logs"])
    assert language_of(traditional, TOPICS) == {"zh-Hant"} and 'lang="zh-Hant">' + TOPICS not in traditional
