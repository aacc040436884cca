"""Every mentoring page of the demo (and the pages around it: activities, compliance, notifications, search), as
each demo person: the pair reads what they wrote, the convener sees the
pairing's figures but not its content, a colleague and a reviewer see no pairing, and no page fails."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from workspace.auth.models import User
from workspace.demo import PEOPLE, load_demo_data
from workspace.extensions import db
from workspace.mentoring.models import Handbook, Observation, Pairing, PublicLesson

PRIVATE = "家長溝通比較緊張"  # the mentor's private note in the demo's first meeting log
LOG_NOTES = "每週四下午"  # the first log's notes
OBSERVATION_NOTE = "等待時間稍短"
HANDBOOK_TEXT = "課堂氣氛溫暖"


@pytest.fixture()
def demo(ctx):
    assert load_demo_data()
    people = {person.key: db.session.scalar(select(User).where(User.email == person.email)) for person in PEOPLE}
    pairing = db.session.scalar(select(Pairing).where(Pairing.mentor_id == people["wang"].id))
    slug = pairing.community.slug
    observation = db.session.scalar(select(Observation).where(Observation.pairing_id == pairing.id))
    lesson = db.session.scalar(select(PublicLesson).where(PublicLesson.teacher_id == people["huang"].id))
    book = db.session.scalar(select(Handbook).where(Handbook.teacher_id == people["huang"].id))
    base = f"/c/{slug}/mentoring"
    pages = [f"{base}/", f"{base}/pairings/{pairing.id}", "/mentoring/", f"{base}/pairings/{pairing.id}/logs/",
             f"{base}/pairings/{pairing.id}/goals/", f"{base}/observations/", f"{base}/observations/{observation.id}",
             f"{base}/public-lessons/", f"{base}/public-lessons/{lesson.id}",
             f"{base}/handbooks/{book.teacher_id}/{book.school_year}", f"/c/{slug}/activities/", "/",
             # search for a part of a marker only: the results page repeats the query itself
             f"/c/{slug}/compliance/", "/notifications/", "/search?q=稍短", "/search?q=溝通"]
    return people, pages


def _texts(client, pages):
    answers = {page: client.get(page) for page in pages}
    assert all(response.status_code < 500 for response in answers.values()), {
        page: response.status_code for page, response in answers.items()}
    return answers, " ".join(response.get_data(as_text=True) for response in answers.values())


def test_the_mentor_reads_everything_the_pair_wrote_and_their_private_note(client, demo):
    people, pages = demo
    answers, text = _texts(client.login(people["wang"]), pages)
    assert all(response.status_code == 200 for response in answers.values())
    for marker in (PRIVATE, LOG_NOTES, OBSERVATION_NOTE, HANDBOOK_TEXT):
        assert marker in text, marker


def test_the_new_teacher_reads_the_pairs_content_but_not_the_mentors_private_note(client, demo):
    people, pages = demo
    answers, text = _texts(client.login(people["huang"]), pages)
    assert all(response.status_code == 200 for response in answers.values())
    for marker in (LOG_NOTES, OBSERVATION_NOTE, HANDBOOK_TEXT):
        assert marker in text, marker
    assert PRIVATE not in text


@pytest.mark.parametrize("key", ["chen", "lin", "li", "dean", "county", "admin", "liu"])
def test_others_see_no_content_of_the_pair(client, demo, key):
    """The convener (chen), the co-convener (lin), a colleague (li), reviewers (dean, county), a mentor of
    another community (liu): no log, observation or handbook text, and never the private note. Admins read the
    pair's content but not the private note."""
    people, pages = demo
    _answers, text = _texts(client.login(people[key]), pages)
    assert PRIVATE not in text
    for marker in (LOG_NOTES, OBSERVATION_NOTE, HANDBOOK_TEXT):
        assert (marker in text) == (key == "admin"), (key, marker)


def test_each_communitys_milestones_are_titled_in_its_conveners_language(demo):
    """The urban–rural community is run in Simplified Chinese: its pairings' default milestones are too."""
    from workspace.mentoring.models import Milestone

    people, _pages = demo
    titles = {}
    for pairing in db.session.scalars(select(Pairing)):
        titles.setdefault(pairing.community.slug, set()).update(
            db.session.scalars(select(Milestone.title).where(Milestone.pairing_id == pairing.id)))
    assert people["zhou"].locale == "zh_Hans" and people["chen"].locale != "zh_Hans"
    assert "第一次观察新教师教学" in titles["urban-rural"]
    assert "第一次觀察新進教師教學" in titles["math-grade5"]
