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


def test_the_community_home_marks_its_description_and_what_is_new(ctx, client):
    """The home's description and vision, the recent resources' and threads' titles carry their language."""
    from workspace.discussions import services as discussion_services

    convener = make_user()
    community = make_community(convener, slug="home")
    community.description, community.description_html = TRADITIONAL, f"<p>{TRADITIONAL}</p>"
    community.vision, community.vision_html = SIMPLIFIED, f"<p>{SIMPLIFIED}</p>"
    reader = add_member(community, make_user()).user
    resource_services.create_text_resource(
        community, resource_services.ResourceFields(title="分數教案", kind="lesson_plan"), "內容", actor=convener)
    from sqlalchemy import select

    from workspace.discussions.models import Category

    sharing = db.session.scalar(select(Category).where(Category.community_id == community.id))
    discussion_services.create_thread(community, category=sharing, title="我们这周的公开课", body="大家好",
                                      actor=convener)
    db.session.commit()
    client.login(reader)

    english = _page(client, reader, "en", "/c/home/")
    assert 'lang="zh-Hant"' in _attribute_before(english, TRADITIONAL)
    assert 'lang="zh-Hans"' in _attribute_before(english, SIMPLIFIED)
    assert 'lang="zh-Hant">分數教案</a>' in english
    assert 'lang="zh-Hans">我们这周的公开课</a>' in english

    simplified = _page(client, reader, "zh_Hans", "/c/home/")
    assert 'lang="zh-Hant"' in _attribute_before(simplified, TRADITIONAL)
    assert "lang=" not in _attribute_before(simplified, SIMPLIFIED)
    assert 'lang="zh-Hant">分數教案</a>' in simplified and 'lang="zh-Hans">我们' not in simplified

    traditional = _page(client, reader, "zh_Hant", "/c/home/")
    assert "lang=" not in _attribute_before(traditional, TRADITIONAL)
    assert 'lang="zh-Hans">我们这周的公开课</a>' in traditional and 'lang="zh-Hant">分數教案' not in traditional


def test_what_is_new_marks_the_titles_people_wrote(ctx, client):
    """The news on the landing page names an activity or a thread inside a sentence of ours: the title is marked."""
    from workspace.activities import services as activity_services

    club = make_club(slug="news")
    club.community.name = "五年級數學社群"
    activity = club.activity(title="五年級數學共同備課")
    activity_services.cancel_activity(activity, "颱風停課", actor=club.convener)
    db.session.commit()
    client.login(club.member)
    english = _page(client, club.member, "en", "/")
    assert 'cancelled the activity <span lang="zh-Hant">“五年級數學共同備課”</span> of “五年級數學社群”' in english
    assert '<h2 lang="zh-Hant">五年級數學社群</h2>' in english  # the community's card
    assert 'lang="zh-Hant">五年級數學社群</a>' in english  # where the news happened
    traditional = _page(client, club.member, "zh_Hant", "/")
    assert "五年級數學共同備課" in traditional and '<span lang="zh-Hant">' not in traditional


def test_the_notifications_list_marks_quoted_titles_and_excerpts(ctx, client):
    from workspace.notifications import services as notifications

    reader, actor = make_user(), make_user(display_name="林美玲")
    community = make_community(actor, name="五年級數學社群")
    notifications.notify([reader], "reply", actor=actor, community=community, subject_type="post", subject_id=1,
                         title="我们的讨论", excerpt=TRADITIONAL, path="/")
    db.session.commit()
    client.login(reader)
    simplified = _page(client, reader, "zh_Hans", "/notifications/")
    assert '<span lang="zh-Hant">五年級數學社群</span>' in simplified
    assert 'lang="zh-Hant"' in _attribute_before(simplified, TRADITIONAL)
    assert "我们的讨论" in simplified and '<span lang="zh-Hans">' not in simplified
    traditional = _page(client, reader, "zh_Hant", "/notifications/")
    assert '<span lang="zh-Hans">我们的讨论</span>' in traditional
    assert "lang=" not in _attribute_before(traditional, TRADITIONAL)


def test_the_compliance_panel_marks_the_records_that_count(ctx, client):
    import datetime as dt

    from tests.compliance.helpers import PAST_FIRST, enrolled

    setup = enrolled(slug="panel")
    activity = setup.club.activity(title="我们的集体备课", starts=dt.datetime.combine(
        PAST_FIRST + dt.timedelta(days=40), dt.time(14, 0)))
    client.login(setup.club.convener)
    english = _page(client, setup.club.convener, "en", "/c/panel/compliance/")
    assert re.search(rf'<a href="[^"]*/activities/{activity.id}" lang="zh-Hans">我们的集体备课</a>', english)
    traditional = _page(client, setup.club.convener, "zh_Hant", "/c/panel/compliance/")
    assert re.search(rf'<a href="[^"]*/activities/{activity.id}" lang="zh-Hans">我们的集体备课</a>', traditional)
    simplified = _page(client, setup.club.convener, "zh_Hans", "/c/panel/compliance/")
    assert re.search(rf'<a href="[^"]*/activities/{activity.id}">我们的集体备课</a>', simplified)


def test_the_community_s_name_and_an_activity_s_place_carry_their_language(ctx, client):
    """QA (accessibility): the community's name, every community page's h1, and an activity's place were read as
    the page's language (an English screen reader spelled 光華國小 out; 简体 glyphs drew a Traditional name)."""
    club = make_club()
    club.community.name = "光華國小五年級數學社群"
    activity = club.activity(title="共同備課", place="五年級辦公室")
    db.session.commit()
    client.login(club.member)
    page = _page(client, club.member, "en", f"/c/club/activities/{activity.id}")
    assert '<h1 lang="zh-Hant">光華國小五年級數學社群</h1>' in page
    assert '<span lang="zh-Hant">五年級辦公室</span>' in page
    page = _page(client, club.member, "zh_Hant", f"/c/club/activities/{activity.id}")
    assert "<h1>光華國小五年級數學社群</h1>" in page and '<span lang="zh-Hant">五年級辦公室' not in page
