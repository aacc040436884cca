"""Co-planning pages through the test client: start a plan, edit sections in place (merge and conflict),
history and diffs, comments, status, adaptations, lessons and reflections, links, publishing, export, print
and templates; refusals keep what was typed.
"""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from docx import Document
from sqlalchemy import func, select

from tests.factories import add_member, make_community, make_user
from tests.media import png_bytes
from tests.plans.helpers import make_team
from workspace.core.models import AuditEvent
from workspace.core.storage import store_upload
from workspace.extensions import db
from workspace.plans import services
from workspace.plans.models import PlanDoc, SectionRevision
from workspace.resources import services as resources


@pytest.fixture()
def team(ctx):
    return make_team()


def plan_url(doc: PlanDoc, rest: str = "") -> str:
    return f"/c/{doc.community.slug}/plans/{doc.id}{rest}"


def test_start_a_plan_from_the_default_template(team, client):
    client.login(team.lead)
    page = client.get("/c/team/plans/new")
    assert page.status_code == 200
    response = client.post_form("/c/team/plans/new", {
        "template": "default", "topic": "分數的加減", "subject": "數學", "grade": "五年級", "unit": "第三單元",
        "lead_id": str(team.lead.id), "planned_on": "2026-12-10", "teacher_ids": [str(team.lead.id),
                                                                               str(team.teacher.id)]})
    assert response.status_code == 302
    doc = db.session.scalar(select(PlanDoc).where(PlanDoc.topic == "分數的加減"))
    assert [section.key for section in doc.sections][:2] == ["objectives", "resources"]
    shown = client.get(plan_url(doc)).get_data(as_text=True)
    assert "Three-dimensional objectives" in shown and "王老師" in shown
    listing = client.get("/c/team/plans/").get_data(as_text=True)
    assert "分數的加減" in listing


def test_a_blank_topic_is_refused_beside_the_field_with_the_rest_kept(team, client):
    client.login(team.lead)
    response = client.post_form("/c/team/plans/new", {"template": "default", "topic": "  ", "subject": "自然",
                                                      "lead_id": str(team.lead.id)})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="topic-error"' in page and 'value="自然"' in page


def field_errors(page: str) -> dict[str, str]:
    """The message beside each field of a page, by field id."""
    return dict(re.findall(r'<p class="field-error" id="([\w-]+)-error">([^<]*)</p>', page))


def test_a_new_plan_shows_every_problem_at_once(team, client):
    """A date the form cannot read no longer hides the blank topic and the over-long subject."""
    client.login(team.lead)
    response = client.post_form("/c/team/plans/new", {"template": "default", "topic": "", "subject": "數" * 61,
                                                      "grade": "五年級", "planned_on": "2026-02-30",
                                                      "lead_id": str(team.lead.id)})
    page = response.get_data(as_text=True)
    errors = field_errors(page)
    assert response.status_code == 422
    assert set(errors) == {"topic", "subject", "planned_on"}
    assert errors["topic"] == "This field is required." and "60" in errors["subject"]
    assert 'value="五年級"' in page and 'value="2026-02-30"' in page
    assert db.session.scalar(select(func.count()).select_from(PlanDoc)) == 0


def test_a_plans_details_show_every_problem_at_once(team, client):
    doc = team.plan()
    client.login(team.lead)
    response = client.post_form(plan_url(doc, "/edit"), {"topic": " ", "grade": "年" * 41, "planned_on": "x",
                                                         "lead_id": str(team.lead.id),
                                                         "base_version": str(doc.version)})
    assert response.status_code == 422
    assert set(field_errors(response.get_data(as_text=True))) == {"topic", "grade", "planned_on"}


def test_a_lesson_without_date_or_class_is_refused_beside_both(team, client):
    doc = team.plan()
    services.set_status(doc, "final", actor=team.lead)
    copy = services.adapt(doc, actor=team.teacher)
    db.session.commit()
    client.login(team.teacher)
    response = client.post_form(plan_url(copy, "/lessons"), {"taught_on": "2026-13-01", "class_name": "",
                                                              "reflection": "留著"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_errors(page) == {"taught_on": "2026-13-01 is not a date: there is no month 13.",
                                  "class_name": "This field is required."}
    assert "留著" in page


def _error_beside(page: str, field_id: str) -> str:
    match = re.search(rf'<p class="field-error" id="{field_id}-error">([^<]*)</p>', page)
    assert match, f"no error beside {field_id}"
    return match.group(1)


@pytest.mark.parametrize(("typed", "message"), [("9999-12-31", "Give a date between 1900 and 2200."),
                                                ("0001-01-01", "Give a date between 1900 and 2200."),
                                                ("2026-02-30", "2026-02-30 is not a date: that month has 28 days."),
                                                ("2028-02-30", "2028-02-30 is not a date: that month has 29 days."),
                                                ("2026-3-5x", "Enter a date such as 2026-03-05.")])
def test_a_planned_date_outside_the_years_kept_is_refused_beside_it(team, client, typed, message):
    client.login(team.lead)
    response = client.post_form("/c/team/plans/new", {"template": "default", "topic": "分數的加減",
                                                      "lead_id": str(team.lead.id), "planned_on": typed})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert _error_beside(page, "planned_on") == message and f'value="{typed}"' in page and 'value="分數的加減"' in page
    assert db.session.scalar(select(func.count()).select_from(PlanDoc)) == 0


def test_teachers_or_a_lead_that_are_not_ids_are_refused(team, client):
    client.login(team.lead)
    for value in ("99999999999999999999", "9223372036854775808", "²", "١٢", " 1", "-1"):
        response = client.post_form("/c/team/plans/new", {"template": "default", "topic": "分數",
                                                          "lead_id": str(team.lead.id), "teacher_ids": [value]})
        page = response.get_data(as_text=True)
        assert response.status_code == 422, value
        assert re.search(r'<fieldset class="field checks\s+has-error" id="teacher_ids"\s+'
                         r'aria-describedby="teacher_ids-error teacher_ids-help">\s*'
                         r'<legend class="label">Teachers who will teach it', page)
        assert client.post_form("/c/team/plans/new", {"template": "default", "topic": "分數",
                                                      "lead_id": value}).status_code == 404, value
    assert db.session.scalar(select(func.count()).select_from(PlanDoc)) == 0


def test_a_lesson_taught_outside_the_years_kept_is_refused_beside_it(team, client):
    doc = team.plan()
    copy = services.adapt(doc, actor=team.teacher)
    db.session.commit()
    client.login(team.teacher)
    response = client.post_form(plan_url(copy, "/lessons"), {"taught_on": "9999-12-31", "class_name": "五年二班",
                                                            "reflection": "留著"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "留著" in page
    assert _error_beside(page, "taught_on") == "Give a date between 1900 and 2200."


def test_versions_and_pages_that_are_not_numbers_name_nothing(team, client):
    doc = team.plan()
    section = doc.sections[0]
    services.save_section(section, "第二版", actor=team.lead, base_version=1)
    db.session.commit()
    client.login(team.lead)
    base = plan_url(doc, f"/sections/{section.id}")
    assert client.get(f"{base}/diff?from=1&to=2").status_code == 200
    for value in ("²", "١", "99999999999999999999", "0", "-1", "1e3"):
        assert client.get(f"{base}/diff?from={value}&to=2").status_code == 404, value
        assert client.get(f"{base}/history?page={value}").status_code == 404, value
        assert client.get(plan_url(doc, f"/history?page={value}")).status_code == 404, value
        assert client.get(f"/c/team/plans/?page={value}").status_code == 404, value
        assert client.post_form(f"{base}/restore", {"version": value}).status_code == 404, value
        assert client.post_form(plan_url(doc, "/assign"), {"section_id": value, "assignee_id": ""}).status_code \
            == 404, value
    db.session.refresh(section)
    assert section.version == 2 and section.assignee_id is None


def test_two_people_save_the_same_section_merge_then_conflict(team, make_client):
    doc = team.plan()
    section = doc.sections[0]
    services.save_section(section, "一、知識\n二、過程\n三、態度", actor=team.lead, base_version=1)
    db.session.commit()
    lead, teacher = make_client().login(team.lead), make_client().login(team.teacher)
    for browser in (lead, teacher):
        editor = browser.hx("get", plan_url(doc, f"/sections/{section.id}/edit"))
        assert editor.status_code == 200 and 'name="base_version" value="2"' in editor.get_data(as_text=True)
    first = lead.hx("post", plan_url(doc, f"/sections/{section.id}"),
                    {"body": "一、知識與技能\n二、過程\n三、態度", "base_version": "2"})
    assert first.status_code == 200
    merged = teacher.hx("post", plan_url(doc, f"/sections/{section.id}"),
                        {"body": "一、知識\n二、過程\n三、態度與價值", "base_version": "2"})
    assert merged.status_code == 200
    assert "Merged with the changes 林老師 saved meanwhile" in merged.get_data(as_text=True)
    db.session.expire_all()
    assert section.body == "一、知識與技能\n二、過程\n三、態度與價值"
    clash = teacher.hx("post", plan_url(doc, f"/sections/{section.id}"),
                       {"body": "一、知識（改）\n二、過程\n三、態度", "base_version": "2"})
    page = clash.get_data(as_text=True)
    assert clash.status_code == 409
    assert 'data-conflict="theirs"' in page and "一、知識（改）" in page and 'name="resolving" value="1"' in page
    settled = teacher.hx("post", plan_url(doc, f"/sections/{section.id}"),
                         {"body": "一、知識與技能（改）\n二、過程\n三、態度與價值", "base_version": "4",
                          "resolving": "1"})
    assert settled.status_code == 200
    history = lead.get(plan_url(doc, f"/sections/{section.id}/history")).get_data(as_text=True)
    assert "conflict settled by hand" in history and "merged with a save made meanwhile" in history
    diff = lead.get(plan_url(doc, f"/sections/{section.id}/diff?from=2&to=5")).get_data(as_text=True)
    # The first line was edited in place: the words added to it are marked; the removed line had nothing taken out.
    assert "<ins>一、知識<mark>與技能（改）</mark></ins>" in diff and "<del>一、知識</del>" in diff


def test_restore_adds_a_revision(team, client):
    doc = team.plan()
    section = doc.sections[1]
    services.save_section(section, "課本 p.30", actor=team.lead, base_version=1)
    services.save_section(section, "課本 p.31", actor=team.lead, base_version=2)
    db.session.commit()
    client.login(team.teacher)
    response = client.post_form(plan_url(doc, f"/sections/{section.id}/restore"), {"version": "2"})
    assert response.status_code == 302
    db.session.expire_all()
    assert section.body == "課本 p.30" and section.version == 4
    assert db.session.scalar(select(func.count()).select_from(SectionRevision)
                             .where(SectionRevision.section_id == section.id)) == 4


def test_comments_resolve_and_reopen(team, client):
    doc = team.plan()
    section = doc.sections[2]
    client.login(team.teacher)
    response = client.hx("post", plan_url(doc, f"/sections/{section.id}/comments"), {"body": "@林老師 學情要補前測"})
    assert response.status_code == 200 and "學情要補前測" in response.get_data(as_text=True)
    comment = services.comments_of(section)[0]
    assert services.open_comment_counts(doc) == {section.id: 1}
    client.hx("post", plan_url(doc, f"/comments/{comment.id}/resolve"))
    db.session.expire_all()
    assert services.open_comment_counts(doc) == {}
    empty = client.hx("post", plan_url(doc, f"/sections/{section.id}/comments"), {"body": " "})
    assert empty.status_code == 422


def test_status_adapt_lesson_round_publish_export_print(team, make_client):
    doc = team.plan()
    services.save_section(doc.sections[0], "| 目標 | 評量 |\n| --- | --- |\n| 通分 | 練習 |", actor=team.lead,
                          base_version=1)
    db.session.commit()
    lead, teacher = make_client().login(team.lead), make_client().login(team.teacher)
    member = make_client().login(team.member)
    assert member.post_form(plan_url(doc, "/status"), {"status": "final"}).status_code == 302
    db.session.expire_all()
    assert doc.status == "draft"  # a member cannot mark it final (the message is flashed)
    lead.post_form(plan_url(doc, "/status"), {"status": "final"})
    db.session.expire_all()
    assert doc.status == "final"
    made = teacher.post_form(plan_url(doc, "/adapt"))
    copy = services.adaptation_by(doc, team.teacher)
    assert made.headers["Location"].endswith(f"/plans/{copy.id}")
    assert member.post_form(plan_url(doc, "/adapt")).status_code == 403
    page = teacher.get(plan_url(copy)).get_data(as_text=True)
    token = re.search(r'name="once_token" type="hidden" value="([^"]+)"', page[page.index('id="taught_on"') - 2000:])
    sent = {"taught_on": "2026-12-11", "class_name": "五年二班", "reflection": "通分的步驟要再放慢",
            "once_token": token.group(1)}
    lesson = teacher.post_form(plan_url(copy, "/lessons"), sent)
    again = teacher.post_form(plan_url(copy, "/lessons"), sent)  # a double click: recorded once
    assert lesson.status_code == again.status_code == 302 and again.location == lesson.location
    assert len(services.lessons_of(copy)) == 1
    shown = lead.get(plan_url(doc)).get_data(as_text=True)
    assert "通分的步驟要再放慢" in shown and "五年二班" in shown
    bad = teacher.post_form(plan_url(copy, "/lessons"), {"taught_on": "", "class_name": "五年三班",
                                                         "reflection": "留著"})
    assert bad.status_code == 422 and "留著" in bad.get_data(as_text=True)
    exported = teacher.get(plan_url(copy, "/export.docx"))
    assert exported.status_code == 200 and "attachment" in exported.headers["Content-Disposition"]
    word = Document(io.BytesIO(exported.data))
    assert any(table.cell(1, 0).text == "通分" for table in word.tables if len(table.rows) > 1)
    # QA: the adaptation's file was named and titled like the shared plan's, without the lesson and its reflection.
    text = "\n".join(paragraph.text for paragraph in word.paragraphs)
    owner = copy.owner.display_name
    assert f"(adaptation by {owner})" in word.paragraphs[0].text or f"(adaptation by {owner})" in text
    assert f"(adaptation by {owner})" in exported.headers["Content-Disposition"] or "adaptation" in \
        exported.headers["Content-Disposition"]
    assert "Lesson taught on" in text and "五年二班" in text and "通分的步驟要再放慢" in text
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "plans.exported")).subject_id == copy.id
    printed = lead.get(plan_url(doc, "/print")).get_data(as_text=True)
    assert "<table>" in printed or "<table" in printed
    published = lead.post_form(plan_url(doc, "/publish"))
    assert published.status_code == 302 and "/resources/" in published.headers["Location"]
    following = lead.post_form(plan_url(doc, "/round"))
    assert following.status_code == 302
    new_id = int(re.search(r"/plans/(\d+)", following.headers["Location"]).group(1))
    pressed_again = lead.post_form(plan_url(doc, "/round"), follow_redirects=True)  # the round already started
    assert pressed_again.request.path == f"/c/team/plans/{new_id}"
    assert "Round 2 was already started from this plan" in pressed_again.get_data(as_text=True)
    assert "通分的步驟要再放慢" in lead.get(f"/c/team/plans/{new_id}").get_data(as_text=True)


def test_templates_are_managed_by_conveners(team, make_client):
    convener, member = make_client().login(team.convener), make_client().login(team.member)
    assert member.post_form("/c/team/plans/templates", {"name": "國語科"}).status_code == 403
    made = convener.post_form("/c/team/plans/templates", {"name": "國語科"})
    assert made.status_code == 302
    template = services.templates_of(team.community)[0]
    convener.post_form(f"/c/team/plans/templates/{template.id}/sections", {"title": "板書設計", "guidance": "黑板"})
    db.session.expire_all()
    assert template.sections[-1].title == "板書設計"
    assert "板書設計" in convener.get("/c/team/plans/templates").get_data(as_text=True)
    duplicate = convener.post_form("/c/team/plans/templates", {"name": "國語科"})
    assert duplicate.status_code == 422 and 'id="name-error"' in duplicate.get_data(as_text=True)


def test_the_common_search_finds_plans_of_the_readers_communities(team, make_client):
    doc = team.plan(topic="認識分數")
    services.save_section(doc.sections[3], "用披萨图示引入通分", actor=team.lead, base_version=1)
    db.session.commit()
    member = make_client().login(team.member)
    found = member.get("/search?q=披薩").get_data(as_text=True)
    assert "認識分數" in found and f"/plans/{doc.id}" in found
    outsider = make_client().login(make_user(display_name="外校老師"))
    assert f"/plans/{doc.id}" not in outsider.get("/search?q=披薩").get_data(as_text=True)


def test_taking_the_shared_changes_into_an_adaptation_merges_or_shows_the_conflict(team, client):
    doc = team.plan()
    shared = doc.sections[4]
    services.save_section(shared, "提問\n分組\n協助", actor=team.lead, base_version=1)
    db.session.commit()
    copy = services.adapt(doc, actor=team.teacher)
    db.session.commit()
    mine = copy.sections[4]
    services.save_section(mine, "提問（五年三班）\n分組\n協助", actor=team.teacher, base_version=mine.version)
    services.save_section(shared, "提問\n分組\n協助（加上小老師）", actor=team.lead, base_version=shared.version)
    db.session.commit()
    client.login(team.teacher)
    page = client.get(plan_url(copy)).get_data(as_text=True)
    assert "The shared plan changed since this copy was made" in page
    taken = client.hx("post", plan_url(copy, f"/sections/{mine.id}/take-shared"))
    assert taken.status_code == 200 and "The shared plan&#39;s changes are in your section." in taken.get_data(
        as_text=True)
    db.session.expire_all()
    assert mine.body == "提問（五年三班）\n分組\n協助（加上小老師）" and mine.source_version == shared.version
    # The same line changed on both sides: the conflict view; cancelling keeps the flag, settling clears it.
    services.save_section(mine, "提問（五年三班）\n分組（兩人）\n協助（加上小老師）", actor=team.teacher,
                          base_version=mine.version)
    services.save_section(shared, "提問\n分組（四人）\n協助（加上小老師）", actor=team.lead,
                          base_version=shared.version)
    db.session.commit()
    clash = client.hx("post", plan_url(copy, f"/sections/{mine.id}/take-shared"))
    body = clash.get_data(as_text=True)
    assert clash.status_code == 409 and "The shared plan changed the same lines as you, or lines next to them" in body
    assert f'name="shared_version" value="{shared.version}"' in body
    db.session.expire_all()
    assert services.section_changes(copy)[4].shared_changed
    settled = client.hx("post", plan_url(copy, f"/sections/{mine.id}"), {
        "body": "提問（五年三班）\n分組（先兩人再四人）\n協助（加上小老師）", "base_version": str(mine.version),
        "resolving": "1", "shared_version": str(shared.version)})
    assert settled.status_code == 200
    db.session.expire_all()
    assert not services.section_changes(copy)[4].shared_changed and "先兩人再四人" in mine.body


def test_the_trash_lists_to_members_only_the_plans_they_may_restore(team, make_client):
    own = team.plan(topic="我的教案")
    other = services.create_plan(team.community, services.PlanFields(topic="別人的教案", lead_id=team.convener.id),
                                 actor=team.convener)
    services.trash_plan(own, actor=team.lead)
    services.trash_plan(other, actor=team.convener)
    db.session.commit()
    lead = make_client().login(team.lead).get("/c/team/plans/?trash=1").get_data(as_text=True)
    assert "我的教案" in lead and "別人的教案" not in lead
    convener = make_client().login(team.convener).get("/c/team/plans/?trash=1").get_data(as_text=True)
    assert "我的教案" in convener and "別人的教案" in convener


def test_the_lead_planner_assigns_sections_and_members_cannot(team, make_client):
    doc = team.plan()
    section = doc.sections[3]
    lead, member = make_client().login(team.lead), make_client().login(team.member)
    page = lead.get(plan_url(doc)).get_data(as_text=True)
    assert page.count('name="assignee_id"') == 1  # one form for the whole plan, not one list per section
    assert member.post_form(plan_url(doc, "/assign"), {"section_id": str(section.id),
                                                       "assignee_id": str(team.member.id)}).status_code == 403
    done = lead.post_form(plan_url(doc, "/assign"), {"section_id": str(section.id),
                                                     "assignee_id": str(team.teacher.id)})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"#section-{section.id}")
    db.session.expire_all()
    assert section.assignee_id == team.teacher.id
    assert 'Assigned to <span lang="zh-Hant">王老師</span>' in lead.get(plan_url(doc)).get_data(as_text=True)
    outsider = make_user(display_name="外校老師")
    lead.post_form(plan_url(doc, "/assign"), {"section_id": str(section.id), "assignee_id": str(outsider.id)})
    db.session.expire_all()
    assert section.assignee_id == team.teacher.id  # not a member: refused, nothing changed


def test_a_convener_edits_a_template_page_and_a_blank_title_is_refused_beside_it(team, client):
    client.login(team.convener)
    client.post_form("/c/team/plans/templates", {"name": "自然科"})
    template = services.templates_of(team.community)[0]
    page = client.get(f"/c/team/plans/templates/{template.id}")
    assert page.status_code == 200 and "自然科" in page.get_data(as_text=True)
    first = template.sections[0]
    refused = client.post_form(f"/c/team/plans/templates/{template.id}/sections/{first.id}",
                               {"action": "save", "title": " ", "guidance": "保留的提示"})
    assert refused.status_code == 422 and "保留的提示" in refused.get_data(as_text=True)
    client.post_form(f"/c/team/plans/templates/{template.id}/sections/{first.id}", {"action": "down"})
    db.session.expire_all()
    assert template.sections[1].id == first.id


def test_presence_shows_the_others_editing_a_section_not_oneself(team, make_client):
    doc = team.plan()
    section = doc.sections[0]
    lead, teacher = make_client().login(team.lead), make_client().login(team.teacher)
    assert lead.hx("post", plan_url(doc, f"/sections/{section.id}/presence")).status_code == 204
    assert "Editing now: 林老師" in teacher.hx("get", plan_url(doc, "/editing")).get_data(as_text=True)
    assert "Editing now" not in lead.hx("get", plan_url(doc, "/editing")).get_data(as_text=True)
    lead.hx("post", plan_url(doc, f"/sections/{section.id}/leave"))
    assert "Editing now" not in teacher.hx("get", plan_url(doc, "/editing")).get_data(as_text=True)


def test_the_plan_pages_poll_brings_in_the_sections_others_saved_since(team, make_client):
    doc = team.plan()
    first, second = doc.sections[0], doc.sections[1]
    shown = ",".join(f"{section.id}:{section.version}" for section in doc.sections)
    reader = make_client().login(team.teacher)
    quiet = reader.hx("get", plan_url(doc, f"/editing?shown={shown}")).get_data(as_text=True)
    assert "hx-swap-oob" in quiet and "<section" not in quiet  # only the presence badges
    services.save_section(second, "- 學生能用分數條比較 1/2 與 1/3", actor=team.lead, base_version=second.version)
    db.session.commit()
    answer = reader.hx("get", plan_url(doc, f"/editing?shown={shown}")).get_data(as_text=True)
    [section_html] = re.findall(r'<section class="plan-section[^"]*"[^>]*>', answer)
    assert f'id="section-{second.id}"' in section_html and 'hx-swap-oob="true"' in section_html
    assert f'data-version="{second.version}"' in section_html and "is-fresh" in section_html
    assert "學生能用分數條比較" in answer
    assert f'id="presence-{first.id}" hx-swap-oob="true"' in answer  # the others: their badges
    assert f'id="presence-{second.id}" hx-swap-oob' not in answer  # inside its section, not swapped apart
    # What the page does not show (an editor is open) or a garbled list is not brought in.
    for odd in ("", f"{first.id}:x", "a:b,,:", f"{second.id}", f"-{second.id}:1", "9" * 40 + ":1",
                ",".join(["1:1"] * 2000)):
        assert "<section" not in reader.hx("get", plan_url(doc, f"/editing?shown={odd}")).get_data(as_text=True)


def test_an_over_long_section_is_refused_beside_the_field_with_the_text_kept(team, client, app):
    doc = team.plan()
    section = doc.sections[0]
    app.config["PLAN_MAX_SECTION"] = 50
    try:
        client.login(team.lead)
        typed = "學" * 51
        response = client.hx("post", plan_url(doc, f"/sections/{section.id}"), {"body": typed, "base_version": "1"})
        page = response.get_data(as_text=True)
        assert response.status_code == 422
        assert f'id="body-{section.id}-error"' in page and "at most 50 characters" in page and typed in page
    finally:
        app.config["PLAN_MAX_SECTION"] = 100_000
    db.session.expire_all()
    assert section.version == 1 and section.body == ""


def test_the_assignee_and_the_lead_planner_are_told(team, make_client):
    from workspace.notifications import services as notifications
    from workspace.notifications.models import Notification

    doc = team.plan()
    section = doc.sections[5]
    lead = make_client().login(team.lead)
    lead.post_form(plan_url(doc, "/assign"), {"section_id": str(section.id), "assignee_id": str(team.teacher.id)})
    told = db.session.scalars(select(Notification).where(Notification.user_id == team.teacher.id)).all()
    assert [(item.kind, item.path) for item in told] == [("assigned", f"/c/team/plans/{doc.id}#section-{section.id}")]
    assert "Homework design" in notifications.describe(told[0])  # the section's name worded for the reader
    teacher = make_client().login(team.teacher)
    teacher.post_form(plan_url(doc, "/adapt"))
    copy = services.adaptation_by(doc, team.teacher)
    teacher.post_form(plan_url(copy, "/lessons"), {"taught_on": "2026-12-11", "class_name": "五年二班",
                                                   "reflection": "分組太久"})
    to_lead = db.session.scalars(select(Notification).where(Notification.user_id == team.lead.id)).all()
    assert [(item.kind, item.path) for item in to_lead] == [("reflection", f"/c/team/plans/{doc.id}#reflections")]
    assert "五年二班" in notifications.excerpt_of(to_lead[0])
    bell = make_client().login(team.lead).get("/notifications/").get_data(as_text=True)
    assert '<span lang="zh-Hant">王老師</span> wrote a reflection on “<span lang="zh-Hant">分數的加減</span>”' in bell


def test_a_stale_details_form_is_refused_with_what_was_typed_kept(team, make_client):
    doc = team.plan()
    lead, convener = make_client().login(team.lead), make_client().login(team.convener)
    form = {"topic": "分數的加減（修訂）", "subject": "數學", "grade": "五年級", "unit": "第三單元",
            "lead_id": str(team.lead.id), "teacher_ids": [str(team.lead.id)], "base_version": "1"}
    assert convener.post_form(plan_url(doc, "/edit"), dict(form, topic="分數的加減（召集人改）")).status_code == 302
    stale = lead.post_form(plan_url(doc, "/edit"), form)
    page = stale.get_data(as_text=True)
    assert stale.status_code == 409 and "分數的加減（修訂）" in page and "分數的加減（召集人改）" in page
    assert re.search(r'<input[^>]*name="base_version"[^>]*value="2"', page)  # the next save goes against the new
    db.session.expire_all()
    assert doc.topic == "分數的加減（召集人改）"


def test_a_diff_marks_the_words_changed_in_a_line_and_not_in_a_rewritten_one():
    lines = services.diff_lines("學生能理解通分的意義\n分組討論十分鐘\n作業：課本第一題",
                                "學生能說明通分的意義\n分組討論十分鐘\n回家觀察生活中的分數")
    removed = [line for line in lines if line.kind == "removed"]
    added = [line for line in lines if line.kind == "added"]
    assert [line.text for line in removed] == ["學生能理解通分的意義", "作業：課本第一題"]
    assert removed[0].pieces == ((False, "學生能"), (True, "理解"), (False, "通分的意義"))
    assert added[0].pieces == ((False, "學生能"), (True, "說明"), (False, "通分的意義"))
    assert removed[1].pieces == () and added[1].pieces == ()  # a different line, not an edit of it
    long_line = "字" * (services.WORD_DIFF_LIMIT + 1)
    assert all(line.pieces == () for line in services.diff_lines(long_line, long_line + "。"))


def test_taking_the_shared_changes_of_a_removed_section_answers_in_place(team, client):
    doc = team.plan()
    copy = services.adapt(doc, actor=team.teacher)
    db.session.commit()
    mine = copy.sections[2]
    db.session.delete(db.session.get(type(mine), mine.source_section_id))  # the shared section is gone
    db.session.commit()
    client.login(team.teacher)
    answer = client.hx("post", plan_url(copy, f"/sections/{mine.id}/take-shared"))
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422 and page.lstrip().startswith("<section")
    assert "This section was not copied from a shared plan." in page


@pytest.mark.parametrize(("locale", "font"), [("zh_Hans", "Microsoft YaHei"), ("zh_Hant", "Microsoft JhengHei")])
def test_the_word_export_uses_the_east_asian_font_of_the_readers_language(team, client, locale, font):
    from docx.oxml.ns import qn

    doc = services.create_plan(team.community, services.PlanFields(topic="分數的加減"), actor=team.lead)
    team.lead.locale = locale
    db.session.commit()
    client.login(team.lead)
    word = Document(io.BytesIO(client.get(plan_url(doc, "/export.docx")).data))
    assert word.styles["Heading 1"].element.rPr.rFonts.get(qn("w:eastAsia")) == font
# --- the link picker: its options load when it is opened ------------------------------------------------------


def test_the_link_picker_loads_its_options_when_opened_and_searches_them(team, client):
    from tests.factories import make_community
    from workspace.activities import services as activities
    from workspace.resources import services as resources

    def resource(community, title, actor):
        return resources.create_text_resource(community, resources.ResourceFields(title=title, kind="courseware"),
                                              "內容", actor=actor)

    doc = team.plan()
    sheet, percent = resource(team.community, "分數學習單", team.lead), resource(team.community, "100% 正確", team.lead)
    starts = dt.datetime(2026, 12, 2, 14, 0)
    meeting = activities.create_activity(team.community, activities.ActivityFields(
        title="分數共同備課", method="collaborative_planning", starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2)), actor=team.convener)
    outsider = make_user(display_name="李召集")
    foreign = resource(make_community(outsider, slug="elsewhere"), "分數 別校", outsider)
    db.session.commit()
    client.login(team.member)

    page = client.get(plan_url(doc)).get_data(as_text=True)
    assert f"resource:{sheet.id}" not in page and "分數學習單" not in page  # nothing loaded on a render
    assert plan_url(doc, "/links/choices") in page

    options = client.get(plan_url(doc, "/links/choices"), headers={"HX-Request": "true"}).get_data(as_text=True)
    assert f'value="resource:{sheet.id}"' in options and f'value="resource:{percent.id}"' in options
    assert f'value="activity:{meeting.id}"' in options
    assert f"resource:{foreign.id}" not in options and "別校" not in options  # another community's
    searched = client.get(plan_url(doc, "/links/choices?q=分數")).get_data(as_text=True)
    assert f"resource:{sheet.id}" in searched and f"activity:{meeting.id}" in searched
    assert f"resource:{percent.id}" not in searched
    simplified = client.get(plan_url(doc, "/links/choices?q=分数")).get_data(as_text=True)  # typed in Simplified
    assert f"resource:{sheet.id}" in simplified and f"activity:{meeting.id}" in simplified
    assert f"resource:{foreign.id}" not in simplified
    literal = client.get(plan_url(doc, "/links/choices?q=%25")).get_data(as_text=True)  # % is a character
    assert f"resource:{percent.id}" in literal and f"resource:{sheet.id}" not in literal
    nothing = client.get(plan_url(doc, "/links/choices?q=沒有這個")).get_data(as_text=True)
    assert "<option" in nothing and "resource:" not in nothing

    assert client.post_form(plan_url(doc, "/links"), {"target": f"resource:{sheet.id}"}).status_code == 302
    assert [item.target.id for item in services.links_of(doc)] == [sheet.id]


def test_history_tables_name_each_value_and_label_the_compare_radios(team, client):
    """On a phone the history's column heads are hidden: each value names its column, and the two radios of a row
    say which end of the comparison they are, in a label a finger can hit."""
    from tests.stacked import element, unlabelled_cells

    doc = services.create_plan(team.community, services.PlanFields(topic="分數", lead_id=team.lead.id), actor=team.lead)
    section = doc.sections[0]
    services.save_section(section, "一、知識", actor=team.lead, base_version=section.version)
    db.session.commit()
    client.login(team.lead)
    plan_history = client.get(plan_url(doc, "/history")).get_data(as_text=True)
    section_history = client.get(plan_url(doc, f"/sections/{section.id}/history")).get_data(as_text=True)
    assert element(plan_history, "//table//tbody/tr") and unlabelled_cells(plan_history) == []
    assert unlabelled_cells(section_history) == []
    for end, name in (("from", "Compare from"), ("to", "Compare to")):
        radios = element(section_history, f"//input[@type='radio'][@name='{end}']")
        assert len(radios) == 2
        for radio in radios:
            label = radio.getparent()
            assert label.tag == "label" and "radio-cell" in label.get("class")  # the 44-px chip of attendance
            assert label.text_content().strip() == name
            assert name.lower() in radio.get("aria-label").lower()  # the name read contains the words seen


def test_a_plan_trashed_or_restored_again_from_a_second_tab_is_told_it_already_is(team, make_client):
    """QA: the second press answered 403 "your role does not allow it" (with a "restored" banner on the 403 page)."""
    doc = team.plan()
    lead, member = make_client().login(team.lead), make_client().login(team.member)
    assert member.post_form(plan_url(doc, "/delete")).status_code == 403  # a member who does not lead it, still
    for _press in range(2):
        answer = lead.post_form(plan_url(doc, "/delete"), follow_redirects=True)
        assert answer.status_code == 200
    assert "The plan is already in the trash." in answer.get_data(as_text=True)
    for _press in range(2):
        answer = lead.post_form(plan_url(doc, "/restore"), follow_redirects=True)
        assert answer.status_code == 200
    assert "The plan is already restored." in answer.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(PlanDoc, doc.id).live


def test_a_final_plan_s_editor_says_why_and_final_pressed_again_is_no_error(team, make_client):
    """QA: opening a section's editor on a plan made final meanwhile answered "your role does not allow it, ask the
    convener" (even to its lead planner); marking it final again showed a red "cannot change to that status"."""
    doc = team.plan()
    lead = make_client().login(team.lead)
    assert lead.post_form(plan_url(doc, "/status"), {"status": "final"}).status_code == 302
    again = lead.post_form(plan_url(doc, "/status"), {"status": "final"}, follow_redirects=True)
    text = again.get_data(as_text=True)
    assert "The plan is already: Final." in text and "flash-error" not in text
    editor = lead.get(plan_url(doc, f"/sections/{doc.sections[0].id}/edit"))
    page = editor.get_data(as_text=True)
    assert editor.status_code == 403
    assert "This plan is final. The lead planner or a convener can reopen it for changes." in page
    assert "Ask the convener if you think it should" not in page


def test_the_word_file_lists_the_plan_s_resources_and_activities(team, client):
    """QA: the printed plan did not say which courseware and meeting it goes with (its page does)."""
    from tests.documents import docx_text
    from workspace.activities import services as activities
    from workspace.resources import services as resources

    doc = team.plan()
    bare = docx_text(client_get_docx(team, client, doc))
    assert "Resources and activities" not in bare  # nothing linked: no empty heading
    sheet = resources.create_text_resource(team.community, resources.ResourceFields(title="分數學習單",
                                                                                    kind="courseware"),
                                           "內容", actor=team.lead)
    starts = dt.datetime(2026, 12, 2, 14, 0)
    meeting = activities.create_activity(team.community, activities.ActivityFields(
        title="分數共同備課", method="collaborative_planning", starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2)), actor=team.convener)
    services.link_target(doc, "resource", sheet.id, actor=team.lead)
    services.link_target(doc, "activity", meeting.id, "meeting", actor=team.lead)
    db.session.commit()
    text = docx_text(client_get_docx(team, client, doc))
    assert "Resources and activities" in text
    assert "分數學習單" in text and "分數共同備課" in text and "Planning meeting" in text
    assert "Dec 2, 2026" in text  # when the meeting was, in the reader's language


def client_get_docx(team, client, doc) -> bytes:
    client.login(team.lead)
    response = client.get(plan_url(doc, "/export.docx"))
    assert response.status_code == 200
    return response.data


def test_an_adaptation_of_a_trashed_shared_plan_says_so_instead_of_linking_to_a_404(team, client):
    doc = team.plan()
    copy = services.adapt(doc, actor=team.teacher)
    db.session.commit()
    services.trash_plan(doc, actor=team.lead)
    db.session.commit()
    client.login(team.teacher)
    page = client.get(plan_url(copy)).get_data(as_text=True)
    assert f'href="/c/team/plans/{doc.id}"' not in page
    assert "is in the trash: its lead planner or a convener can restore it" in page
    assert "Same as the shared plan when copied" not in page
    assert client.get(plan_url(doc)).status_code == 404  # what the link led to
    services.restore_plan(doc, actor=team.lead)
    db.session.commit()
    page = client.get(plan_url(copy)).get_data(as_text=True)
    assert f'href="/c/team/plans/{doc.id}"' in page and "Same as the shared plan when copied" in page


def _library_picture(community, actor, title, *, visibility="community", color="red"):
    """An image resource of a community's library, shared by `actor`."""
    from tests.media import png_bytes
    from workspace.core.storage import store_upload
    from workspace.resources import services as resources

    stored = store_upload(io.BytesIO(png_bytes(40, 30, color)), f"{title}.png")
    resource = resources.create_file_resource(community, resources.ResourceFields(
        title=title, kind="courseware", visibility=visibility), stored, actor=actor)
    db.session.commit()
    return resource


def test_the_word_file_holds_the_library_pictures_its_reader_may_see(team, client):
    """QA13 #1: the plan page showed a picture from the library, its Word file only "[分数圆形图]". A picture the
    exporting reader may read (their community's, a public one, by any of its addresses) is drawn in the file; one
    they may not (another community's members-only photo, a path of no resource, another site) shows its alt."""
    from tests.documents import docx_text
    from tests.factories import make_community

    circle = _library_picture(team.community, team.lead, "分數圓形圖")
    board = _library_picture(team.community, team.lead, "板書", color="blue")
    outsider = make_user(display_name="別校召集")
    elsewhere = make_community(outsider, slug="elsewhere")
    private = _library_picture(elsewhere, outsider, "他校教室照片")
    shared = _library_picture(elsewhere, outsider, "公開的分數條", visibility="public")
    doc = team.plan()
    first, second = doc.sections[0], doc.sections[1]
    services.save_section(first, f"![分數圓形圖](/c/team/resources/{circle.id}/download)\n\n"
                                 f"![公開的分數條](http://workspace.test/c/elsewhere/resources/{shared.id}/file)",
                          actor=team.lead, base_version=1)
    services.save_section(second, f"學習單：![板書](/c/team/resources/{board.id}/thumbnail?size=large)\n\n"
                                  f"![他校教室照片](/c/elsewhere/resources/{private.id}/download)\n\n"
                                  f"![錯的社群](/c/elsewhere/resources/{circle.id}/download)\n\n"
                                  "![別的網站](https://example.com/c/team/resources/1/download)",
                          actor=team.lead, base_version=1)
    db.session.commit()
    data = client_get_docx(team, client, doc)
    word = Document(io.BytesIO(data))
    assert len(word.inline_shapes) == 3
    text = docx_text(data)
    for alt in ("[分數圓形圖]", "[板書]", "[公開的分數條]"):
        assert alt not in text
    for alt in ("[他校教室照片]", "[錯的社群]", "[別的網站]"):
        assert alt in text


def _badge(html: str, section_id: int) -> str:
    """The open-comment badge of a section in a page or an answer, with its tag."""
    match = re.search(rf'<a [^>]*id="open-comments-{section_id}"[^>]*>.*?</a>', html, re.S)
    assert match, f"no badge of section {section_id}"
    return " ".join(match.group(0).split())


def test_the_open_comment_badge_follows_a_comment_its_resolving_and_reopening(team, client):
    """QA13 #5: the section's "0 open comments" stayed 0 after a comment (and 1 after resolving it) until a reload:
    each answer of the comments brings the section's badge out of band."""
    doc = team.plan()
    section = doc.sections[0]
    client.login(team.teacher)
    assert "0 open comments" in _badge(client.get(plan_url(doc)).get_data(as_text=True), section.id)
    added = client.hx("post", plan_url(doc, f"/sections/{section.id}/comments"), {"body": "前測題目要補"})
    badge = _badge(added.get_data(as_text=True), section.id)
    assert 'hx-swap-oob="true"' in badge and "1 open comment<" in badge and "badge-warn" in badge
    comment = services.comments_of(section)[0]
    resolved = client.hx("post", plan_url(doc, f"/comments/{comment.id}/resolve"))
    assert "0 open comments" in _badge(resolved.get_data(as_text=True), section.id)
    reopened = client.hx("post", plan_url(doc, f"/comments/{comment.id}/reopen"))
    assert "1 open comment<" in _badge(reopened.get_data(as_text=True), section.id)
    refused = client.hx("post", plan_url(doc, f"/sections/{section.id}/comments"), {"body": " "})
    assert refused.status_code == 422 and "1 open comment<" in _badge(refused.get_data(as_text=True), section.id)
    # The comments on a page of their own (no script) carry no badge, and the plan's page shows the count.
    page = client.get(plan_url(doc, f"/sections/{section.id}/comments")).get_data(as_text=True)
    assert 'id="open-comments-' not in page
    assert "1 open comment<" in _badge(client.get(plan_url(doc)).get_data(as_text=True), section.id)


def test_a_comment_notice_opens_the_plan_with_the_section_s_comments_shown_at_the_comment(team, client):
    """QA13 #6: a mention's *Open* landed on the section with its comments folded away. Its address asks the plan
    page to show that section's comments (drawn by the server: no script needed) and names the comment."""
    from workspace.notifications.models import Notification

    doc = team.plan()
    section, other = doc.sections[2], doc.sections[3]
    comment = services.add_comment(section, "@王老師 請補充甲班的學情", actor=team.lead)
    services.add_comment(other, "另一段的意見", actor=team.lead)
    db.session.commit()
    notice = db.session.scalar(select(Notification).where(Notification.kind == "mention"))
    client.login(team.teacher)
    opened = client.post_form(f"/notifications/{notice.id}/open", {})
    assert opened.status_code == 302
    target = opened.headers["Location"]
    assert target.endswith(f"/c/team/plans/{doc.id}?comments={section.id}#comment-{comment.id}")
    page = client.get(target.split("#")[0]).get_data(as_text=True)
    region = re.search(rf'<div id="comments-{section.id}" class="plan-comments">(.*?)</section>', page, re.S).group(1)
    assert f'id="comment-{comment.id}"' in region and "請補充甲班的學情" in region
    assert 'name="body"' in region  # the comment box is there to answer
    assert "另一段的意見" not in page  # only the section the notice is about opens
    assert 'hx-swap-oob' not in page
    # An address naming no section of this plan opens none; one that is no number is no page.
    plain = client.get(plan_url(doc, "?comments=999999"))
    assert plain.status_code == 200 and "請補充甲班的學情" not in plain.get_data(as_text=True)
    assert client.get(plan_url(doc, "?comments=abc")).status_code == 404


def test_changes_on_neighbouring_lines_conflict_and_the_words_say_so(team, make_client):
    """merge.py counts adjacent lines as one place on purpose: the editor's help, the conflict's title (between
    editors, and with the shared plan) name neighbouring lines, as they happen."""
    doc = team.plan()
    section = doc.sections[6]
    services.save_section(section, "第一行\n第二行\n第三行\n第四行", actor=team.lead, base_version=1)
    db.session.commit()
    lead, teacher = make_client().login(team.lead), make_client().login(team.teacher)
    editor = teacher.hx("get", plan_url(doc, f"/sections/{section.id}/edit")).get_data(as_text=True)
    assert "changes to the same or neighbouring lines are shown side by side" in editor
    assert lead.hx("post", plan_url(doc, f"/sections/{section.id}"),
                   {"body": "第一行（甲改）\n第二行\n第三行\n第四行", "base_version": "2"}).status_code == 200
    clash = teacher.hx("post", plan_url(doc, f"/sections/{section.id}"),
                       {"body": "第一行\n第二行（乙改）\n第三行\n第四行", "base_version": "2"})
    assert clash.status_code == 409
    assert "Someone else changed the same or neighbouring lines" in clash.get_data(as_text=True)
    copy = services.adapt(doc, actor=team.teacher)
    db.session.commit()
    mine = copy.sections[6]
    services.save_section(mine, "第一行（甲改）\n第二行（五年三班）\n第三行\n第四行", actor=team.teacher,
                          base_version=mine.version)
    db.session.expire_all()
    services.save_section(section, "第一行（再改）\n第二行\n第三行\n第四行", actor=team.lead,
                          base_version=section.version)
    db.session.commit()
    shared = teacher.hx("post", plan_url(copy, f"/sections/{mine.id}/take-shared"))
    assert shared.status_code == 409
    assert "The shared plan changed the same lines as you, or lines next to them" in shared.get_data(as_text=True)


def _in(locale: str, user, make_client):
    user.locale = locale
    db.session.commit()
    return make_client().login(user)


def test_the_template_page_calls_a_section_as_plans_do_not_as_the_board_does(team, make_client):
    """QA: the template page read 版块 / 添加版块 (the board's words) over fields saying 区块."""
    template = services.create_template(team.community, "國語科", actor=team.convener)
    db.session.commit()
    for locale, ours, board in (("zh_Hans", "区块", "版块"), ("zh_Hant", "區塊", "分區")):
        page = _in(locale, team.convener, make_client).get(f"/c/team/plans/templates/{template.id}")
        text = page.get_data(as_text=True)
        assert page.status_code == 200 and board not in text
        assert f"<h3>{ours}</h3>" in text and text.count(ours) >= 4


@pytest.mark.parametrize(("locale", "trash", "restore", "others"), [
    ("zh_Hans", "回收站", "恢复", ("回收区", "垃圾桶", "还原")),
    ("zh_Hant", "資源回收筒", "還原", ("回收區", "恢復", "垃圾桶"))])
def test_the_plans_trash_says_one_word_for_the_trash_and_one_for_restoring(team, make_client, locale, trash,
                                                                            restore, others):
    """QA: 回收站, 回收区 and 恢复, 还原 in one flow. The catalog's most used word of each, throughout."""
    doc = team.plan(topic="舊的教案")
    lead = _in(locale, team.lead, make_client)
    pages = [lead.get(plan_url(doc)).get_data(as_text=True)]  # the confirm box
    pages.append(lead.post_form(plan_url(doc, "/delete"), follow_redirects=True).get_data(as_text=True))
    pages.append(lead.post_form(plan_url(doc, "/delete"), follow_redirects=True).get_data(as_text=True))
    pages.append(lead.get(plan_url(doc)).get_data(as_text=True))  # "In the trash", the restore button
    pages.append(lead.get("/c/team/plans/?trash=1").get_data(as_text=True))
    pages.append(lead.post_form(plan_url(doc, "/restore"), follow_redirects=True).get_data(as_text=True))
    pages.append(lead.post_form(plan_url(doc, "/restore"), follow_redirects=True).get_data(as_text=True))
    said = "\n".join(pages)
    assert trash in said and restore in said
    assert [word for word in others if word in said] == []


def test_an_adaptations_unchanged_section_says_it_is_as_the_shared_plan_was_when_copied(team, make_client):
    """QA: 与共同教案相同 beside 复制之后，共同教案又有修改 read as a contradiction."""
    doc = team.plan()
    copy = services.adapt(doc, actor=team.teacher)
    db.session.commit()
    services.save_section(doc.sections[5], "分層作業", actor=team.lead, base_version=1)
    db.session.commit()
    for locale, words in (("zh_Hans", "与复制时的共同教案相同"), ("zh_Hant", "與複製時的共同教案相同"),
                          ("en", "Same as the shared plan when copied")):
        page = _in(locale, team.teacher, make_client).get(plan_url(copy)).get_data(as_text=True)
        assert words in page


def test_restore_is_offered_in_each_row_of_a_section_s_history(team, client):
    """QA: a teacher who went to the history to go back found no restore there, only on a comparison."""
    doc = team.plan()
    section = doc.sections[1]
    for version, text in ((1, "課本 p.30"), (2, "課本 p.31"), (3, "課本 p.32")):
        services.save_section(section, text, actor=team.lead, base_version=version)
    db.session.commit()
    client.login(team.teacher)
    page = client.get(plan_url(doc, f"/sections/{section.id}/history")).get_data(as_text=True)
    buttons = re.findall(r'<button type="submit" form="restore-version" name="version" value="(\d+)"', page)
    assert buttons == ["3", "2", "1"]  # every version but the current one (4)
    assert f'<form id="restore-version" method="post" action="/c/team/plans/{doc.id}/sections/{section.id}/restore"' \
        in page
    restored = client.post_form(plan_url(doc, f"/sections/{section.id}/restore"), {"version": "2"})
    assert restored.status_code == 302
    db.session.expire_all()
    assert section.body == "課本 p.30" and section.version == 5
    final = team.plan(topic="定稿")
    services.set_status(final, "final", actor=team.lead)
    db.session.commit()
    shown = client.get(plan_url(final, f"/sections/{final.sections[0].id}/history")).get_data(as_text=True)
    assert 'form="restore-version"' not in shown  # a final plan is not edited: nothing to restore


def test_the_plan_page_says_when_its_library_copy_is_older(team, make_client):
    doc = team.plan()
    services.save_section(doc.sections[0], "學生能用通分計算。", actor=team.lead, base_version=1)
    services.set_status(doc, "final", actor=team.lead)
    services.publish(doc, actor=team.lead)
    db.session.commit()
    member = make_client().login(team.member)
    page = member.get(plan_url(doc)).get_data(as_text=True)
    assert "Published in the library" in page and "the library still has" not in page
    services.set_status(doc, "review", actor=team.lead)
    services.save_section(doc.sections[0], "學生能用通分計算異分母分數。", actor=team.lead, base_version=2)
    db.session.commit()
    page = member.get(plan_url(doc)).get_data(as_text=True)
    assert "The plan changed after it was published: the library still has the text of" in page


def test_publishing_a_plan_whose_pictures_its_readers_cannot_see_warns_and_publishes_when_asked_again(
        team, make_client):
    """QA: nothing warned the lead planner that the library copy would show a broken picture. Publishing warns of
    the pictures the copy's readers cannot see (another community's, one in the trash), and goes on when asked."""
    elsewhere = make_community(team.convener, slug="elsewhere", name="外校社群")
    add_member(elsewhere, team.lead)
    ours = resources.create_file_resource(team.community, resources.ResourceFields(title="板書照片", kind="courseware"),
                                          store_upload(io.BytesIO(png_bytes(20, 20)), "board.png"), actor=team.lead)
    theirs = resources.create_file_resource(elsewhere, resources.ResourceFields(title="外校的圖", kind="courseware"),
                                            store_upload(io.BytesIO(png_bytes(20, 20)), "map.png"), actor=team.lead)
    doc = team.plan()
    services.save_section(doc.sections[0], f"![板書](/c/team/resources/{ours.id}/download)\n\n"
                                           f"![圖](/c/elsewhere/resources/{theirs.id}/download)", actor=team.lead,
                          base_version=1)
    services.set_status(doc, "final", actor=team.lead)
    db.session.commit()
    lead = make_client().login(team.lead)
    warned = lead.post_form(plan_url(doc, "/publish"))
    page = warned.get_data(as_text=True)
    assert warned.status_code == 409
    assert "1 picture in this text is not visible to everyone who will read it" in page
    assert "外校的圖" in page and "only the members of 外校社群 see it" in page
    assert "板書照片" not in page  # the copy is read by this community's members, who see it
    db.session.expire_all()
    assert doc.published_resource_id is None
    published = lead.post_form(plan_url(doc, "/publish"), {"pictures": "accepted"})
    assert published.status_code == 302 and "/resources/" in published.headers["Location"]
    db.session.expire_all()
    assert doc.published_resource_id is not None


def _published(team) -> tuple[PlanDoc, object]:
    doc = team.plan()
    services.save_section(doc.sections[1], "| 資源 | 用途 |\n| --- | --- |\n| 分數條 | 比較大小 |", actor=team.lead,
                          base_version=1)
    services.set_status(doc, "final", actor=team.lead)
    resource = services.publish(doc, actor=team.lead)
    resource.visibility = "public"
    db.session.commit()
    return doc, resource


def test_a_teacher_of_another_community_adapts_a_published_plan_in_their_own(team, make_client):
    """QA: a plan published for everyone could only be retyped, section by section, in another community."""
    doc, resource = _published(team)
    zhou = make_user(display_name="周建國")
    urban = make_community(zhou, slug="urban-rural", name="城關一小城鄉教育共同體")
    other = make_community(zhou, slug="second", name="第二個社群")
    reader = make_client().login(zhou)
    shown = reader.get(f"/c/team/resources/{resource.id}").get_data(as_text=True)
    assert f'href="/c/team/resources/{resource.id}/adapt"' in shown and "Adapt in my community" in shown
    form = reader.get(f"/c/team/resources/{resource.id}/adapt")
    page = form.get_data(as_text=True)
    assert form.status_code == 200 and "城關一小城鄉教育共同體" in page and "第二個社群" in page
    token = re.search(r'name="once_token" type="hidden" value="([^"]+)"', page).group(1)
    sent = {"community": str(urban.id), "once_token": token}
    made = reader.post_form(f"/c/team/resources/{resource.id}/adapt", sent)
    again = reader.post_form(f"/c/team/resources/{resource.id}/adapt", sent)  # a double click: one plan
    assert made.status_code == again.status_code == 302 and made.location == again.location
    copy = db.session.scalar(select(PlanDoc).where(PlanDoc.community_id == urban.id))
    assert made.location.endswith(f"/c/urban-rural/plans/{copy.id}")
    assert db.session.scalar(select(func.count()).select_from(PlanDoc).where(PlanDoc.community_id == urban.id)) == 1
    assert copy.sections[1].body == doc.sections[1].body
    plan_page = reader.get(f"/c/urban-rural/plans/{copy.id}").get_data(as_text=True)
    assert f"Adapted from “分數的加減”, {team.community.name}, published on" in re.sub(r"<[^>]+>", "", plan_page)
    assert f'href="/c/team/resources/{resource.id}"' in plan_page
    # A member of the new community who cannot open the library copy reads where it came from, with no link.
    colleague = add_member(urban, make_user()).user
    resource.visibility = "community"
    db.session.commit()
    seen = make_client().login(colleague).get(f"/c/urban-rural/plans/{copy.id}").get_data(as_text=True)
    assert "Adapted from “分數的加減”" in seen and f'href="/c/team/resources/{resource.id}"' not in seen
    refused = reader.post_form(f"/c/team/resources/{resource.id}/adapt", {"community": str(other.id)})
    assert refused.status_code == 404  # no longer theirs to read


def test_the_adapt_button_is_offered_only_to_readers_who_may_start_a_plan_somewhere(team, make_client):
    _doc, resource = _published(team)
    guest = make_user()
    add_member(make_community(make_user(), slug="guests"), guest, role="guest_expert")
    visitor = make_client().login(guest)
    page = visitor.get(f"/c/team/resources/{resource.id}").get_data(as_text=True)
    assert "Adapt in my community" not in page and f"/resources/{resource.id}/adapt" not in page
    assert visitor.get(f"/c/team/resources/{resource.id}/adapt").status_code == 403
    assert visitor.post_form(f"/c/team/resources/{resource.id}/adapt", {"community": "1"}).status_code == 403
    # A resource that is not a published plan offers nothing.
    notes = resources.create_text_resource(team.community, resources.ResourceFields(title="講義", kind="reading",
                                                                                    visibility="public"),
                                           "## 三維目標\n\n講義", actor=team.lead)
    db.session.commit()
    member = make_client().login(team.member)
    assert "Adapt in my community" not in member.get(f"/c/team/resources/{notes.id}").get_data(as_text=True)
    assert member.get(f"/c/team/resources/{notes.id}/adapt").status_code == 404
    # Visible to the community only: an outsider cannot read it, and the address says nothing more.
    resource.visibility = "community"
    db.session.commit()
    outsider = make_user()
    make_community(outsider, slug="outside")
    stranger = make_client().login(outsider)
    assert stranger.get(f"/c/team/resources/{resource.id}/adapt").status_code == 404
    assert stranger.post_form(f"/c/team/resources/{resource.id}/adapt", {"community": "1"}).status_code == 404
    assert make_client().get(f"/c/team/resources/{resource.id}/adapt").status_code == 302  # to the login page
