"""Beyond the board (tests/discussions/test_language_of_parts.py): a resource, a plan, an activity and a mentoring
goal each mark what people wrote with its own language where it is not the reader's (WCAG 3.1.2)."""

from __future__ import annotations

import re

from tests.activities.helpers import make_club
from tests.factories import add_member, make_community, make_user
from tests.mentoring.helpers import make_pair
from tests.plans.helpers import make_team
from workspace.extensions import db
from workspace.mentoring.services import goals as goal_services
from workspace.plans import services as plan_services
from workspace.resources import services as resource_services

TRADITIONAL = "分數的加減：先用圖形表示，再通分。我們下週試教。"
SIMPLIFIED = "分数的加减：先用图形表示，再通分。我们下周试教。"


def _page(client, reader, locale: str, path: str) -> str:
    reader.locale = locale
    db.session.commit()
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def _attribute_before(page: str, text: str) -> str:
    """The attributes of the element whose text starts with `text` (or whose first child's does)."""
    match = re.search(rf"<[a-z0-9]+((?:\s[^<>]*)?)>(?:<p>)?{re.escape(text)}", page)
    assert match, f"{text!r} is not shown"
    return match.group(1)


def test_a_resource_marks_its_title_description_text_and_comments(ctx, client):
    convener = make_user()
    community = make_community(convener, slug="lib")
    reader = add_member(community, make_user()).user
    resource = resource_services.create_text_resource(
        community, resource_services.ResourceFields(title="分數教案", kind="lesson_plan", description=TRADITIONAL),
        SIMPLIFIED, actor=convener)
    resource_services.add_comment(resource, "很實用，謝謝分享！", actor=reader)
    db.session.commit()
    client.login(reader)
    path = f"/c/lib/resources/{resource.id}"

    english = _page(client, reader, "en", path)
    assert '<h2 class="resource-title" lang="zh-Hant">分數教案</h2>' in english
    assert 'lang="zh-Hant"' in _attribute_before(english, TRADITIONAL)
    assert 'lang="zh-Hans"' in _attribute_before(english, SIMPLIFIED)
    assert 'lang="zh-Hant"' in _attribute_before(english, "很實用")

    simplified = _page(client, reader, "zh_Hans", path)
    assert 'lang="zh-Hant"' in _attribute_before(simplified, TRADITIONAL)
    assert "lang=" not in _attribute_before(simplified, SIMPLIFIED)

    traditional = _page(client, reader, "zh_Hant", path)
    assert "lang=" not in _attribute_before(traditional, TRADITIONAL)
    assert 'lang="zh-Hans"' in _attribute_before(traditional, SIMPLIFIED)


def test_a_plan_marks_its_topic_and_its_sections_for_a_simplified_reader(ctx, client):
    team = make_team()
    doc = team.plan(topic="分數的加減")
    section = doc.sections[0]
    plan_services.save_section(section, TRADITIONAL, actor=team.lead, base_version=section.version)
    db.session.commit()
    client.login(team.member)
    path = f"/c/team/plans/{doc.id}"

    simplified = _page(client, team.member, "zh_Hans", path)
    assert '<span lang="zh-Hant">分數的加減</span>' in simplified  # the topic, beside the status badge
    assert 'lang="zh-Hant"' in _attribute_before(simplified, TRADITIONAL)
    traditional = _page(client, team.member, "zh_Hant", path)
    assert '<span lang="zh-Hant">' not in traditional
    assert "lang=" not in _attribute_before(traditional, TRADITIONAL)


def test_an_activity_marks_its_title_and_agenda(ctx, client):
    club = make_club()
    activity = club.activity(title="五年級數學共同備課", agenda=SIMPLIFIED)
    client.login(club.member)
    page = _page(client, club.member, "en", f"/c/club/activities/{activity.id}")
    assert '<span lang="zh-Hant">五年級數學共同備課</span>' in page
    assert 'lang="zh-Hans"' in _attribute_before(page, SIMPLIFIED)


def test_a_mentoring_goal_marks_its_title(ctx, client):
    pair = make_pair()
    goal_services.create_goal(pair.pairing, goal_services.GoalFields(title="班級經營：建立上課常規"),
                              actor=pair.mentee)
    db.session.commit()
    client.login(pair.mentee)
    path = f"/c/{pair.community.slug}/mentoring/pairings/{pair.pairing.id}/goals/"
    assert 'lang="zh-Hant"' in _attribute_before(_page(client, pair.mentee, "zh_Hans", path), "班級經營")
    assert "lang=" not in _attribute_before(_page(client, pair.mentee, "zh_Hant", path), "班級經營")
