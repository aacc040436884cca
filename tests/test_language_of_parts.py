"""Beyond the board (tests/discussions/test_language_of_parts.py): a resource, a plan, an activity and a mentoring
goal each mark what people wrote with its own language where it is not the reader's (WCAG 3.1.2)."""

from __future__ import annotations

import datetime as dt
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
    assert ('cancelled the activity <span lang="zh-Hant">“五年級數學共同備課”</span> of '
            '<span lang="zh-Hant">“五年級數學社群”</span>') in english  # the community's name too (QA13)
    assert '<strong lang="zh-Hant">陳召集</strong>' in english  # and who did it
    assert '<h2 lang="zh-Hant">五年級數學社群</h2>' in english  # the community's card
    # the item links to the activity it reports (QA13), its sentence as the link's words
    assert re.search(rf'<a href="/c/news/activities/{activity.id}"><strong lang="zh-Hant">陳召集</strong> cancelled',
                     english)
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


# --- QA13: names, schools, tags, places, expenses and programs, beyond titles and texts ---------------------------

SIMPLIFIED_NAME = "刘晓燕"  # a name only Simplified writes (刘, 晓): zh-Hans on a 繁體 page too


def test_a_person_s_name_carries_its_language_wherever_it_is_drawn(ctx, client):
    """QA13: the top bar, a post's author, the thread list, the members list (with its hidden "Role of …"), the
    attendance rows (and their radios' hidden labels) read 陳怡君 with an English voice; a Simplified name was
    marked zh-Hant on a 繁體 page."""
    from sqlalchemy import select

    from workspace.discussions import services as discussion_services
    from workspace.discussions.models import Category

    club = make_club(slug="names")
    club.convener.display_name = "陳怡君"
    writer = add_member(club.community, make_user(display_name=SIMPLIFIED_NAME)).user
    sharing = db.session.scalar(select(Category).where(Category.community_id == club.community.id,
                                                       Category.key == "sharing"))
    thread = discussion_services.create_thread(club.community, category=sharing, title="Fractions", body="Hello",
                                               actor=writer)
    activity = club.activity(title="共同備課", starts=dt.datetime(2025, 3, 5, 14, 0))
    db.session.commit()
    client.login(club.convener)

    english = _page(client, club.convener, "en", f"/c/names/discussions/{thread.id}")
    assert 'class="nav-user" lang="zh-Hant">陳怡君</a>' in english
    assert '<strong class="post-author" lang="zh-Hans">刘晓燕</strong>' in english
    threads = _page(client, club.convener, "en", "/c/names/discussions/")
    assert 'lang="zh-Hans">刘晓燕</span>' in threads
    members = _page(client, club.convener, "en", "/c/names/members/")
    assert 'Role of <span lang="zh-Hans">刘晓燕</span>' in members
    assert '<span><span lang="zh-Hant">林老師</span>' in members
    attendance = _page(client, club.convener, "en", f"/c/names/activities/{activity.id}/attendance")
    assert '<th scope="row" lang="zh-Hans">刘晓燕</th>' in attendance
    assert '<span class="visually-hidden"><span lang="zh-Hans">刘晓燕</span>: </span>' in attendance
    assert re.search(rf'<a href="[^"]*/activities/{activity.id}" lang="zh-Hant">共同備課</a></h2>', attendance)

    traditional = _page(client, club.convener, "zh_Hant", f"/c/names/discussions/{thread.id}")
    assert '<strong class="post-author" lang="zh-Hans">刘晓燕</strong>' in traditional
    assert 'class="nav-user">陳怡君</a>' in traditional  # the page's own script: nothing to mark
    members = _page(client, club.convener, "zh_Hant", "/c/names/members/")
    assert '<span lang="zh-Hans">刘晓燕</span>' in members and '<span lang="zh-Hant">林老師</span>' not in members


def test_the_pair_s_names_and_the_observation_s_heading_carry_their_language(ctx, client):
    """QA13: the pair head and "王淑芬 observes 黃美玲" were read as English."""
    from workspace.mentoring.services import observations

    pair = make_pair()
    observation = observations.create_observation(
        pair.community, observations.PlanFields(observed_id=pair.mentee.id, observed_on=dt.date(2026, 10, 1),
                                                pairing_id=pair.pairing.id), actor=pair.mentor)
    db.session.commit()
    client.login(pair.mentor)
    slug = pair.community.slug
    english = _page(client, pair.mentor, "en", f"/c/{slug}/mentoring/pairings/{pair.pairing.id}")
    assert '<span class="pair-head-name" lang="zh-Hant">王老師</span>' in english
    assert '<span class="pair-head-name" lang="zh-Hant">林老師</span>' in english
    english = _page(client, pair.mentor, "en", f"/c/{slug}/mentoring/observations/{observation.id}")
    assert '<h2><span lang="zh-Hant">王老師</span> observes <span lang="zh-Hant">林老師</span></h2>' in english
    traditional = _page(client, pair.mentor, "zh_Hant", f"/c/{slug}/mentoring/observations/{observation.id}")
    assert '<span lang="zh-Hant">王老師</span>' not in traditional


def test_schools_tags_and_places_carry_their_language(ctx, client):
    """QA13: the schools under every community's header, a resource's tags, subject and grade, and an activity's
    place in the list were read as the page's language."""
    club = make_club(slug="places")
    club.activity(title="共同備課", place="視聽教室")
    resource_services.create_text_resource(
        club.community, resource_services.ResourceFields(title="分數教案", kind="lesson_plan", subject="數學",
                                                         grade="五年級", tags="分數, 评量"), "內容",
        actor=club.convener)
    db.session.commit()
    client.login(club.member)
    english = _page(client, club.member, "en", "/c/places/resources/")
    assert '<span class="muted"><span lang="zh-Hant">光華國小 places</span></span>' in english  # the header's schools
    assert 'lang="zh-Hant">#分數</a>' in english and 'lang="zh-Hans">#评量</a>' in english
    assert '<span lang="zh-Hant">數學</span>' in english and '<span lang="zh-Hant">五年級</span>' in english
    activities = _page(client, club.member, "en", "/c/places/activities/")
    assert '· <span lang="zh-Hant">視聽教室</span>' in activities
    traditional = _page(client, club.member, "zh_Hant", "/c/places/resources/")
    assert 'lang="zh-Hans">#评量</a>' in traditional and 'lang="zh-Hant">#分數' not in traditional


def test_the_budget_and_the_panel_mark_expenses_and_the_program(ctx, client):
    """QA13: an expense's description and payee ("Paid to 陳明德教授") and the program's name were read as English;
    so were the panel's records ("… · 陳明德教授 · NT$3,200") and gaps ("The activity of … (共同備課) has no photo")."""
    from tests.compliance.helpers import PAST_FIRST, enrolled
    from workspace.compliance.services import budget

    setup = enrolled(slug="ledger")
    budget.add_expense(setup.enrollment, budget.ExpenseFields(
        category="external_speaker_hourly", spent_on=PAST_FIRST + dt.timedelta(days=40), amount=3200, hours=2,
        payee="陳明德教授", description="分數教學講座鐘點費"), setup.club.convener)
    setup.activity(PAST_FIRST + dt.timedelta(days=30), photo=False, title="共同備課")
    db.session.commit()
    client.login(setup.club.convener)
    path = f"/c/ledger/compliance/{setup.enrollment.id}/budget"
    english = _page(client, setup.club.convener, "en", path)
    assert '<span class="cell"><span lang="zh-Hant">分數教學講座鐘點費</span>' in english
    assert 'Paid to <span lang="zh-Hant">陳明德教授</span>' in english
    assert f'<span lang="zh-Hant">{setup.program.name}</span>' in english
    panel = _page(client, setup.club.convener, "en", "/c/ledger/compliance/")
    assert '(<span lang="zh-Hant">共同備課</span>) has no' in panel
    assert '· <span lang="zh-Hant">陳明德教授</span> ·' in panel


def test_the_reviewers_tables_mark_communities_schools_and_conveners(ctx, client):
    """QA13: on /review/ and /review/compliance/, the key of each row (the community's name), its schools and the
    totals per school were untagged; the urban–rural community's Simplified names were marked zh-Hant."""
    from tests.compliance.helpers import enrolled
    from tests.factories import make_reviewer

    setup = enrolled(slug="rural")
    setup.club.community.name = "城关一小城乡教育共同体"
    school = setup.club.community.schools[0]
    school.name = "青溪县城关第一小学"
    setup.club.convener.display_name = SIMPLIFIED_NAME
    reviewer = make_reviewer(None, display_name="蔡佩珊")
    db.session.commit()
    client.login(reviewer)
    for locale in ("en", "zh_Hant"):
        table = _page(client, reviewer, locale, "/review/compliance/")
        assert 'lang="zh-Hans">城关一小城乡教育共同体</a>' in table, locale
        assert '<span lang="zh-Hans">青溪县城关第一小学</span> ·' in table, locale
        assert '<th scope="row" lang="zh-Hans">青溪县城关第一小学</th>' in table, locale  # the totals per school
        assert '<span lang="zh-Hans">城关一小城乡教育共同体</span>' in table, locale  # its communities
        index = _page(client, reviewer, locale, "/review/")
        assert 'lang="zh-Hans">城关一小城乡教育共同体</a>' in index, locale
        assert '<span lang="zh-Hans">青溪县城关第一小学</span></td>' in index, locale
        assert f'<span lang="zh-Hans">{SIMPLIFIED_NAME}</span></td>' in index, locale
    simplified = _page(client, reviewer, "zh_Hans", "/review/compliance/")
    assert 'lang="zh-Hans">城关一小' not in simplified and '<span lang="zh-Hans">青溪县' not in simplified
