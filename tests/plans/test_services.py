"""Co-planning services against the real database: templates and plans, section saves (compare-and-swap,
merges and conflicts), history and diffs, comments, status, adaptations, lessons and reflections, new
rounds, links, publishing, the trash, lists and search, and the naughty strings through every text field.
"""

from __future__ import annotations

import datetime as dt

import flask
import flask_babel
import pytest
from sqlalchemy import delete, func, select, update

from tests.factories import add_member, make_community, make_user
from tests.plans.helpers import make_team
from tests.test_naughty_strings import markup_problems
from workspace.activities import services as activities
from workspace.communities import services as communities
from workspace.communities.models import Membership
from workspace.core.database import utcnow
from workspace.core.errors import Conflict, NotAllowed, ValidationError
from workspace.core.models import AuditEvent
from workspace.core.text import clean_line, clean_text, has_visible_text
from workspace.extensions import db
from workspace.notifications.models import Notification
from workspace.notifications.services import excerpt_of
from workspace.plans import services
from workspace.plans.models import LessonTaught, PlanComment, PlanDoc, PlanSection, SectionRevision
from workspace.resources import services as resources
from workspace.resources.models import Resource

KEYS = ["objectives", "resources", "learners", "process", "strategies", "homework", "reflection"]
TITLES = ["Three-dimensional objectives", "Teaching resources", "Learner analysis", "Learning process",
          "Guiding strategies", "Homework design", "Adjustment and reflection"]
LESSON = "一、複習通分\n二、例題講解\n三、小組練習\n四、總結"


@pytest.fixture()
def team(ctx):
    return make_team()


def fields(team, **overrides) -> services.PlanFields:
    values = dict(topic="分數的加減", subject="數學", grade="五年級", unit="第三單元 分數",
                  lead_id=team.lead.id, teacher_ids=[team.lead.id, team.teacher.id])
    values.update(overrides)
    return services.PlanFields(**values)


def save(section: PlanSection, text: str, actor, base: int | None = None, **kwargs) -> services.SectionSave:
    return services.save_section(section, text, actor=actor,
                                 base_version=section.version if base is None else base, **kwargs)


def revisions(section: PlanSection) -> list[SectionRevision]:
    return list(db.session.scalars(select(SectionRevision).where(SectionRevision.section_id == section.id)
                                   .order_by(SectionRevision.version)))


def changed(text: str, index: int, suffix: str) -> str:
    lines = text.split("\n")
    lines[index] += suffix
    return "\n".join(lines)


def stored_body(section: PlanSection) -> str:
    return db.session.scalar(select(PlanSection.body).where(PlanSection.id == section.id))


def hits(team, query: str, community=None) -> list[int]:
    found, _total = services.search_plans([community or team.community], query)
    return [hit.hit.object_id for hit in found]


def finalize(doc: PlanDoc, actor) -> None:
    services.set_status(doc, "final", actor=actor)
    db.session.commit()


# --- templates and new plans ---------------------------------------------------------------------


def test_every_bad_field_of_a_plan_is_refused_at_once(team):
    outsider = make_user()
    with pytest.raises(ValidationError) as caught:
        services.create_plan(team.community, fields(team, topic=" ", unit="單" * 201, lead_id=outsider.id,
                                                    teacher_ids=[outsider.id], planned_on=dt.date(1800, 1, 1)),
                             actor=team.lead)
    assert [field for field, _message in caught.value.errors] == [
        "topic", "unit", "lead_id", "teacher_ids", "planned_on"]


def test_a_lesson_is_refused_with_every_bad_field_at_once(team):
    with pytest.raises(ValidationError) as caught:
        services.check_lesson(None, "", "反" * (services.MAX_REFLECTION + 1))
    assert [field for field, _message in caught.value.errors] == ["taught_on", "class_name", "reflection"]

def test_a_plan_from_the_default_template_has_seven_sections_each_with_a_first_revision(team):
    doc = team.plan()
    assert (doc.kind, doc.status, doc.round, doc.template_name, doc.version) == ("shared", "draft", 1, "", 1)
    assert doc.lead_id == team.lead.id and {user.id for user in doc.teachers} == {team.lead.id, team.teacher.id}
    assert [section.key for section in doc.sections] == KEYS
    assert [section.position for section in doc.sections] == list(range(7))
    assert [services.section_title(section) for section in doc.sections] == TITLES
    # The default titles are not stored: each reader sees them in their own language.
    assert all(section.title == "" and section.body == "" and section.version == 1 for section in doc.sections)
    assert all(services.section_guidance(section) for section in doc.sections)
    with flask_babel.force_locale("zh_Hant"):
        assert services.section_title(doc.sections[0]) == "三維目標"
    with flask_babel.force_locale("zh_Hans"):
        assert services.section_title(doc.sections[0]) == "三维目标"
    for section in doc.sections:
        [first] = revisions(section)
        assert (first.version, first.how, first.body, first.author_id, first.doc_id) == (
            1, "created", "", team.lead.id, doc.id)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "plans.created", AuditEvent.subject_id == doc.id)) == 1


def test_the_lead_defaults_to_the_author_and_outsiders_cannot_start_plans(team):
    doc = services.create_plan(team.community, fields(team, lead_id=None, teacher_ids=[]), actor=team.member)
    assert doc.lead_id == team.member.id and doc.teachers == []
    with pytest.raises(NotAllowed):
        services.create_plan(team.community, fields(team), actor=make_user())


def test_a_community_template_shapes_new_plans_and_later_changes_leave_them_alone(team):
    convener = team.convener
    template = services.create_template(team.community, "五年級數學模板", actor=convener)
    assert [section.key for section in template.sections] == KEYS
    assert [services.section_title(section) for section in template.sections] == TITLES
    board = services.add_template_section(template, "板書設計", "黑板的分區與重點", actor=convener)
    assert board.key is None and board.position == 7
    services.update_template_section(template.sections[0], "教學目標", "寫出可檢核的目標", actor=convener)
    services.move_template_section(board, -1, actor=convener)  # above the reflection
    services.move_template_section(template.sections[0], -1, actor=convener)  # already first: stays
    services.delete_template_section(template.sections[2], actor=convener)  # learner analysis
    db.session.commit()
    titles = ["教學目標", "Teaching resources", "Learning process", "Guiding strategies", "Homework design",
              "板書設計", "Adjustment and reflection"]
    assert [services.section_title(section) for section in template.sections] == titles

    doc = services.create_plan(team.community, fields(team), actor=team.lead, template=template)
    db.session.commit()
    assert doc.template_name == "五年級數學模板"
    assert [services.section_title(section) for section in doc.sections] == titles
    assert [section.key for section in doc.sections] == [
        "objectives", "resources", "process", "strategies", "homework", None, "reflection"]
    assert doc.sections[0].guidance == "寫出可檢核的目標"
    assert [section.position for section in doc.sections] == list(range(7))
    board_section = doc.sections[5]
    assert save(board_section, "左：例題；右：學生解法", team.lead).accepted

    # The template changes and goes away: the plan keeps its sections, texts and history.
    [board_template] = [section for section in template.sections if section.title == "板書設計"]
    services.delete_template_section(board_template, actor=convener)
    services.update_template_section(template.sections[0], "目標（改）", "", actor=convener)
    services.delete_template(template, actor=convener)
    db.session.commit()
    assert services.templates_of(team.community) == []
    assert services.load_template(team.community, template.id) is None
    db.session.expire_all()
    doc = db.session.get(PlanDoc, doc.id)
    assert [services.section_title(section) for section in doc.sections] == titles
    assert doc.sections[5].body == "左：例題；右：學生解法"
    assert [(revision.version, revision.how) for revision in revisions(doc.sections[5])] == [
        (1, "created"), (2, "saved")]
    assert doc.template_name == "五年級數學模板"


def test_a_template_sections_blank_title_and_too_long_guidance_are_refused_together(team):
    template = services.create_template(team.community, "共同模板", actor=team.convener)
    with pytest.raises(ValidationError) as caught:
        services.add_template_section(template, " ", "說" * (services.MAX_GUIDANCE + 1), actor=team.convener)
    assert [field for field, _message in caught.value.errors] == ["title", "guidance"]


def test_template_names_are_unique_and_only_managers_change_templates(team):
    convener, community = team.convener, team.community
    shared = services.create_template(community, "共同模板", actor=convener)
    other = services.create_template(community, "Draft A", actor=convener)
    for name in (" 共同模板 ", "draft a", "", "\u200b"):
        with pytest.raises(ValidationError) as caught:
            services.create_template(community, name, actor=convener)
        assert caught.value.field == "name", name
    with pytest.raises(ValidationError) as caught:
        services.rename_template(other, "共同模板", actor=convener)
    assert caught.value.field == "name" and other.name == "Draft A"
    services.rename_template(other, "DRAFT A", actor=convener)  # its own name, in other letters
    assert other.name == "DRAFT A"
    for section in list(shared.sections)[1:]:
        services.delete_template_section(section, actor=convener)
    with pytest.raises(ValidationError) as caught:
        services.delete_template_section(shared.sections[0], actor=convener)
    assert caught.value.field == "title" and len(shared.sections) == 1  # the last section stays
    for refused in (lambda: services.create_template(community, "我的模板", actor=team.member),
                    lambda: services.rename_template(shared, "改名", actor=team.member),
                    lambda: services.add_template_section(shared, "板書", "", actor=team.member),
                    lambda: services.move_template_section(shared.sections[0], 1, actor=team.lead),
                    lambda: services.delete_template(shared, actor=team.teacher)):
        with pytest.raises(NotAllowed):
            refused()
    db.session.commit()
    assert sorted(template.name for template in services.templates_of(community)) == ["DRAFT A", "共同模板"]
    services.delete_template(shared, actor=convener)
    assert services.create_template(community, "共同模板", actor=convener).name == "共同模板"  # the name is free


# --- fields --------------------------------------------------------------------------------------


OUTSIDER = object()


@pytest.mark.parametrize(("overrides", "field"), [
    ({"topic": ""}, "topic"),
    ({"topic": " \u200b\u3000"}, "topic"),
    ({"topic": "課" * 201}, "topic"),
    ({"subject": "數" * 61}, "subject"),
    ({"lead_id": OUTSIDER}, "lead_id"),
    ({"lead_id": 999_999}, "lead_id"),
    ({"teacher_ids": [OUTSIDER]}, "teacher_ids"),
    ({"planned_on": dt.date(1800, 1, 1)}, "planned_on"),
])
def test_bad_plan_fields_are_refused_beside_their_field(team, overrides, field):
    outsider = add_member(make_community(), make_user()).user  # a member elsewhere only
    values = {key: ([outsider.id] if value == [OUTSIDER] else outsider.id if value is OUTSIDER else value)
              for key, value in overrides.items()}
    with pytest.raises(ValidationError) as caught:
        services.create_plan(team.community, fields(team, **values), actor=team.lead)
    assert caught.value.field == field
    db.session.flush()
    assert db.session.scalar(select(func.count()).select_from(PlanDoc)) == 0


def test_a_topic_of_exactly_200_characters_is_accepted(team):
    assert services.create_plan(team.community, fields(team, topic="課" * 200), actor=team.lead).topic == "課" * 200


def test_fields_change_from_the_current_version_and_a_stale_form_changes_nothing(team):
    doc = team.plan()
    services.update_fields(doc, fields(team, topic="異分母分數的加減", planned_on=dt.date(2026, 10, 1)),
                           actor=team.lead, base_version=1)
    assert (doc.topic, doc.version, doc.planned_on) == ("異分母分數的加減", 2, dt.date(2026, 10, 1))
    with pytest.raises(Conflict):
        services.update_fields(doc, fields(team, topic="舊表單", teacher_ids=[team.member.id]), actor=team.lead,
                               base_version=1)
    with pytest.raises(NotAllowed):
        services.update_fields(doc, fields(team, topic="張老師改"), actor=team.member, base_version=2)
    db.session.commit()
    db.session.refresh(doc)
    assert (doc.topic, doc.version) == ("異分母分數的加減", 2)
    assert {user.id for user in doc.teachers} == {team.lead.id, team.teacher.id}
    assert hits(team, "舊表單") == [] and hits(team, "異分母") == [doc.id]


# --- saving a section ----------------------------------------------------------------------------


def test_an_accepted_save_bumps_the_version_and_the_same_text_adds_no_revision(team):
    section = team.plan().sections[0]
    result = save(section, "  學生能用**通分**計算異分母分數的加減。\r\n", team.lead, 1)
    assert result.accepted and not result.outcome.merged
    assert section.version == 2 and section.body == "學生能用**通分**計算異分母分數的加減。"
    assert "<strong>通分</strong>" in section.body_html and section.updated_by_id == team.lead.id
    [_created, saved] = revisions(section)
    assert (saved.version, saved.how, saved.body, saved.base_version, saved.author_id) == (
        2, "saved", section.body, 1, team.lead.id)
    again = save(section, section.body, team.teacher, 2)
    late_same = save(section, section.body + "\n", team.teacher, 1)  # from the old base, the same text
    assert again.accepted and late_same.accepted
    assert section.version == 2 and len(revisions(section)) == 2


def test_saves_from_one_base_on_separate_lines_merge(team):
    section = team.plan().sections[3]
    save(section, LESSON, team.lead, 1)
    assert save(section, changed(LESSON, 0, "（五分鐘）"), team.lead, 2).accepted
    result = save(section, changed(LESSON, 3, "：學生說出步驟"), team.teacher, 2)
    assert result.accepted and result.outcome.merged
    assert section.body == changed(changed(LESSON, 0, "（五分鐘）"), 3, "：學生說出步驟")
    assert result.theirs == changed(LESSON, 0, "（五分鐘）") and result.theirs_authors == ["林老師"]
    last = revisions(section)[-1]
    assert (last.version, last.how, last.base_version, last.author_id) == (4, "merged", 2, team.teacher.id)


def test_overlapping_saves_are_a_conflict_that_stores_nothing_until_settled(team):
    section = team.plan().sections[3]
    save(section, LESSON, team.lead, 1)
    mine = changed(LESSON, 1, "（用數線）")
    save(section, changed(LESSON, 1, "（用圖示）"), team.lead, 2)
    save(section, changed(changed(LESSON, 1, "（用圖示）"), 3, "（全班）"), team.member, 3)
    before = (section.version, section.body, len(revisions(section)))
    result = save(section, mine, team.teacher, 2)
    assert not result.accepted and not result.outcome.merged
    assert (section.version, section.body, len(revisions(section))) == before
    assert stored_body(section) == before[1]
    proposal = result.outcome.text.split("\n")
    assert {"二、例題講解（用數線）", "二、例題講解（用圖示）", "四、總結（全班）"} <= set(proposal)
    assert result.theirs == before[1] and result.theirs_authors == ["林老師", "張老師"]
    [region] = result.outcome.conflicts
    assert (region.base, region.mine, region.theirs) == (
        ("二、例題講解",), ("二、例題講解（用數線）",), ("二、例題講解（用圖示）",))
    settled = "\n".join(line for line in proposal if line != "二、例題講解（用圖示）")
    resolved = save(section, settled, team.teacher, section.version, resolving=True)
    assert resolved.accepted and section.body == settled and section.version == 5
    last = revisions(section)[-1]
    assert (last.how, last.base_version, last.author_id) == ("resolved", 4, team.teacher.id)


def test_section_text_limits_and_impossible_bases_are_refused(ctx, team, monkeypatch):
    monkeypatch.setitem(ctx.config, "PLAN_MAX_SECTION", 20)
    section = team.plan().sections[0]
    assert save(section, "  " + "字" * 20 + "\n\n", team.lead).accepted  # counted after cleaning
    for text, base in (("字" * 21, 2), ("短", 0), ("短", 3), ("短", -1)):
        with pytest.raises(ValidationError) as caught:
            save(section, text, team.lead, base)
        assert caught.value.field == "body", (text, base)
    assert section.version == 2 and stored_body(section) == "字" * 20 and len(revisions(section)) == 2


def test_a_final_plan_and_an_archived_community_cannot_be_edited(team):
    doc = team.plan()
    finalize(doc, team.lead)
    with pytest.raises(NotAllowed) as caught:
        save(doc.sections[0], "定稿後修改", team.lead)
    assert "final" in caught.value.message
    services.set_status(doc, "review", actor=team.convener)
    other = team.plan("第二個教案")
    communities.archive_community(team.community, actor=team.convener)
    db.session.commit()
    for section in (doc.sections[0], other.sections[1]):
        with pytest.raises(NotAllowed) as caught:
            save(section, "封存後修改", team.convener)
        assert "archived" in caught.value.message
    with pytest.raises(NotAllowed):
        services.create_plan(team.community, fields(team), actor=team.lead)
    assert all(section.version == 1 for section in doc.sections + other.sections)


def test_any_member_edits_a_shared_draft_but_an_adaptation_is_its_teachers_own(team):
    doc = team.plan()
    assert save(doc.sections[2], "多數學生會通分但常忘記約分。", team.member).accepted
    assert revisions(doc.sections[2])[-1].author_id == team.member.id
    copy = services.adapt(doc, actor=team.teacher)
    db.session.commit()
    for stranger in (team.lead, team.convener, team.member):
        with pytest.raises(NotAllowed):
            save(copy.sections[2], "別人的改動", stranger)
    assert save(copy.sections[2], "甲班學生約分較熟練。", team.teacher).accepted
    assert copy.sections[2].version == 2 and doc.sections[2].body == "多數學生會通分但常忘記約分。"


# --- history and diffs ---------------------------------------------------------------------------


def test_restoring_a_revision_adds_a_new_one_and_keeps_the_history(team):
    section = team.plan().sections[0]
    save(section, "第一版", team.lead)
    save(section, "第二版", team.teacher)
    result = services.restore_revision(section, 2, actor=team.teacher)
    assert result.accepted and section.version == 4 and section.body == "第一版"
    assert [(r.version, r.how, r.body, r.restored_from) for r in revisions(section)] == [
        (1, "created", "", None), (2, "saved", "第一版", None), (3, "saved", "第二版", None),
        (4, "restored", "第一版", 2)]
    services.restore_revision(section, 2, actor=team.teacher)  # already the body: nothing new
    assert section.version == 4
    services.restore_revision(section, 1, actor=team.member)
    assert (section.version, section.body) == (5, "")
    with pytest.raises(ValidationError) as caught:
        services.restore_revision(section, 9, actor=team.lead)
    assert caught.value.field == "version"
    history = services.section_history(section)
    assert [revision.version for revision in history.revisions] == [5, 4, 3, 2, 1]
    assert (history.total, history.pages) == (5, 1)
    assert history.revisions[0].author.display_name == "張老師"


def test_diff_lines_numbers_changed_lines_and_folds_unchanged_runs():
    old = "\n".join(f"第{number}行" for number in range(1, 13))
    lines = old.split("\n")
    lines[1] = "第2行（改）"
    lines.insert(11, "新增一行")
    diff = [(line.kind, line.old_number, line.new_number, line.text)
            for line in services.diff_lines(old, "\n".join(lines))]
    assert diff == [
        ("same", 1, 1, "第1行"), ("removed", 2, None, "第2行"), ("added", None, 2, "第2行（改）"),
        ("same", 3, 3, "第3行"), ("same", 4, 4, "第4行"), ("same", 5, 5, "第5行"),
        ("gap", None, None, ""),
        ("same", 9, 9, "第9行"), ("same", 10, 10, "第10行"), ("same", 11, 11, "第11行"),
        ("added", None, 12, "新增一行"), ("same", 12, 13, "第12行"),
    ]
    assert services.diff_lines(old, old) == []
    assert [(line.kind, line.new_number) for line in services.diff_lines("", "甲\n乙")] == [
        ("added", 1), ("added", 2)]
    assert [(line.kind, line.old_number) for line in services.diff_lines("甲", "")] == [("removed", 1)]


def last_page(doc: PlanDoc) -> services.HistoryPage:
    return services.document_history(doc, page=services.document_history(doc).pages)


def test_document_history_spans_sections_newest_first_in_pages(team):
    doc = team.plan()
    per_page = services.HISTORY_PER_PAGE
    saves = per_page + 3 - len(doc.sections)  # with the 7 first revisions: one full page and 3 more
    for number in range(saves):
        section = doc.sections[number % 3]
        save(section, f"第{number}次修改", (team.lead, team.teacher)[number % 2])
    db.session.commit()
    first = services.document_history(doc)
    assert (first.total, first.pages, first.page, len(first.revisions)) == (per_page + 3, 2, 1, per_page)
    assert first.revisions[0].body == f"第{saves - 1}次修改"
    assert [revision.id for revision in first.revisions] == sorted((r.id for r in first.revisions), reverse=True)
    assert {revision.section_id for revision in first.revisions if revision.how == "saved"} == {
        section.id for section in doc.sections[:3]}
    assert all(revision.doc_id == doc.id for revision in first.revisions + last_page(doc).revisions)
    last = last_page(doc)
    assert last.page == 2 and len(last.revisions) == 3 and all(r.how == "created" for r in last.revisions)
    assert first.titles == {section.id: title for section, title in zip(doc.sections, TITLES, strict=True)}
    assert first.revisions[-1].id > last.revisions[0].id


# --- comments ------------------------------------------------------------------------------------


def test_comments_replies_resolving_and_open_counts(team):
    doc = team.plan()
    objectives, resources_section = doc.sections[0], doc.sections[1]
    top = services.add_comment(objectives, "目標要**可檢核**", actor=team.lead)
    other = services.add_comment(objectives, "加上情意目標？", actor=team.teacher)
    elsewhere = services.add_comment(resources_section, "需要分數條教具", actor=team.member)
    assert "<strong>可檢核</strong>" in top.body_html
    assert services.open_comment_counts(doc) == {objectives.id: 2, resources_section.id: 1}
    reply = services.add_comment(objectives, "同意", actor=team.teacher, parent=top)
    nested = services.add_comment(objectives, "我來改", actor=team.member, parent=reply)
    assert reply.parent_id == top.id and nested.parent_id == top.id  # a reply to a reply joins the thread
    assert [comment.id for comment in services.comments_of(objectives)] == [top.id, reply.id, nested.id, other.id]
    assert services.open_comment_counts(doc) == {objectives.id: 2, resources_section.id: 1}  # replies not counted
    with pytest.raises(ValidationError):
        services.add_comment(resources_section, "回錯地方", actor=team.lead, parent=top)

    services.set_resolved(top, True, actor=team.lead)
    services.set_resolved(elsewhere, True, actor=team.lead)
    assert top.resolved_at is not None and top.resolved_by_id == team.lead.id
    assert services.open_comment_counts(doc) == {objectives.id: 1}
    services.set_resolved(reply, False, actor=team.member)  # reopening from a reply reopens its thread
    assert top.resolved_at is None and services.open_comment_counts(doc)[objectives.id] == 2
    services.set_resolved(nested, True, actor=team.member)  # resolving from a reply resolves the thread
    assert top.resolved_at is not None and nested.resolved_at is None
    services.add_comment(objectives, "還有一點", actor=team.teacher, parent=top)
    assert top.resolved_at is None and top.resolved_by_id is None  # a reply reopens a resolved comment
    for blank in ("", "   \n ", "\u200b"):
        with pytest.raises(ValidationError) as caught:
            services.add_comment(objectives, blank, actor=team.lead)
        assert caught.value.field == "body"
    with pytest.raises(NotAllowed):
        services.add_comment(objectives, "路過", actor=make_user())


def test_mentions_and_replies_tell_the_right_people(team):
    section = team.plan().sections[2]
    comment = services.add_comment(section, "@王老師 請補充甲班的學情，@林老師 看一下", actor=team.lead)
    db.session.flush()

    def told(kind: str) -> set[int]:
        return set(db.session.scalars(select(Notification.user_id).where(Notification.kind == kind)))

    assert told("mention") == {team.teacher.id}  # never the author
    mention = db.session.scalar(select(Notification).where(Notification.kind == "mention"))
    assert (mention.subject_type, mention.subject_id, mention.actor_id) == ("plan_comment", comment.id, team.lead.id)
    # The notice opens the plan with the section's comments shown, at the comment (QA13 #6).
    assert mention.path == f"/c/team/plans/{section.doc_id}?comments={section.id}#comment-{comment.id}"
    assert "分數的加減" in mention.title
    services.add_comment(section, "好的", actor=team.teacher, parent=comment)
    assert told("reply") == {team.lead.id}
    services.add_comment(section, "`@張老師` 不算提到", actor=team.lead)
    assert team.member.id not in told("mention")


def test_a_new_comment_tells_the_lead_planner_and_the_assignee_once(team):
    doc = team.plan()
    section = doc.sections[2]

    def told(kind: str) -> list[int]:
        return sorted(db.session.scalars(select(Notification.user_id).where(Notification.kind == kind)))

    comment = services.add_comment(section, "學情分析可以再具體一點", actor=team.member)
    assert told("comment") == [team.lead.id]
    note = db.session.scalar(select(Notification).where(Notification.kind == "comment"))
    assert (note.subject_type, note.subject_id, note.actor_id) == ("plan_comment", comment.id, team.member.id)
    assert note.path.endswith(f"?comments={section.id}#comment-{comment.id}")
    services.assign_section(section, team.teacher.id, actor=team.lead)
    db.session.execute(delete(Notification))
    services.add_comment(section, "請 @王老師 補上甲班的例子", actor=team.member)
    # The assignee was mentioned: told once, as a mention; the lead planner hears of the comment.
    assert told("mention") == [team.teacher.id] and told("comment") == [team.lead.id]
    db.session.execute(delete(Notification))
    services.add_comment(section, "我自己補充", actor=team.lead)  # never the author
    assert told("comment") == [team.teacher.id]
    db.session.execute(delete(Notification))
    services.add_comment(section, "同意", actor=team.teacher, parent=comment)  # a reply tells the thread only
    assert told("comment") == [] and told("reply") == [team.member.id]
    adaptation = services.adapt(doc, actor=team.teacher)
    services.add_comment(adaptation.sections[0], "這一段改得好", actor=team.lead)
    assert told("comment") == [team.teacher.id]  # an adaptation's teacher answers for it


def test_no_notice_of_a_plan_goes_to_someone_who_has_left_the_community(team):
    """QA: the assignee left, a convener then commented on their section, and the comment's text reached their
    bell (and e-mail) although the plan answers them 404. Neither a comment, a reply, nor an assignment does now."""
    doc = team.plan()
    section = doc.sections[2]
    first = services.add_comment(section, "學情分析可以再具體一點", actor=team.teacher)
    services.assign_section(section, team.teacher.id, actor=team.lead)
    db.session.execute(update(Membership).where(Membership.user_id == team.teacher.id,
                                                Membership.community_id == doc.community_id)
                       .values(left_at=utcnow()))
    db.session.execute(delete(Notification))
    db.session.expire_all()
    flask.g.pop("_memberships", None)  # the departure was another request: this one reads memberships afresh
    services.add_comment(section, "機密：這節請改成分組", actor=team.member)  # the assignee would hear of it
    services.add_comment(section, "同意", actor=team.lead, parent=first)  # and of a reply to their comment
    told = set(db.session.scalars(select(Notification.user_id)))
    assert told == {team.lead.id}  # the lead planner still hears of the comment; the one who left, of nothing


# --- status --------------------------------------------------------------------------------------


def test_status_moves_by_the_right_people_and_leaves_an_audit_trail(team):
    doc = team.plan()
    services.set_status(doc, "review", actor=team.member)  # any writer submits for review
    services.set_status(doc, "draft", actor=team.teacher)
    services.set_status(doc, "review", actor=team.teacher)
    for actor in (team.member, team.teacher):
        with pytest.raises(NotAllowed):
            services.set_status(doc, "final", actor=actor)
    assert doc.status == "review"
    services.set_status(doc, "final", actor=team.lead)
    for target, actor in (("draft", team.convener), ("final", team.convener), ("archived", team.lead),
                          ("", team.lead)):
        with pytest.raises(ValidationError) as caught:
            services.set_status(doc, target, actor=actor)
        assert caught.value.field == "status", target
    with pytest.raises(NotAllowed):
        services.set_status(doc, "review", actor=team.member)
    services.set_status(doc, "review", actor=team.convener)  # reopen
    assert doc.status == "review"
    with pytest.raises(ValidationError):
        services.set_status(doc, "review", actor=team.lead)
    db.session.commit()
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "plans.status_changed")
                                .order_by(AuditEvent.id)).all()
    assert [(event.actor_id, event.data["before"], event.data["status"]) for event in events] == [
        (team.member.id, "draft", "review"), (team.teacher.id, "review", "draft"),
        (team.teacher.id, "draft", "review"), (team.lead.id, "review", "final"),
        (team.convener.id, "final", "review")]
    assert all(event.subject_id == doc.id and event.community_id == team.community.id for event in events)


# --- adaptations ---------------------------------------------------------------------------------


def test_only_the_teachers_and_the_lead_adapt_and_each_gets_one_copy(team):
    doc = team.plan()
    save(doc.sections[0], "學生能通分。", team.lead)
    for outsider in (team.member, team.convener):
        with pytest.raises(NotAllowed):
            services.adapt(doc, actor=outsider)
    copy = services.adapt(doc, actor=team.teacher)
    db.session.commit()
    assert (copy.kind, copy.parent_id, copy.owner_id, copy.topic) == ("adaptation", doc.id, team.teacher.id,
                                                                       doc.topic)
    assert [user.id for user in copy.teachers] == [team.teacher.id]
    assert [section.body for section in copy.sections] == [section.body for section in doc.sections]
    assert [(section.source_section_id, section.source_version) for section in copy.sections] == [
        (section.id, section.version) for section in doc.sections]
    assert all([r.how for r in revisions(section)] == ["created"] for section in copy.sections)
    assert services.adapt(doc, actor=team.teacher).id == copy.id
    assert services.adaptation_by(doc, team.teacher).id == copy.id
    mine = services.adapt(doc, actor=team.lead)
    db.session.commit()
    assert mine.id != copy.id
    assert [item.id for item in services.adaptations_of(doc)] == [copy.id, mine.id]


def test_section_changes_show_the_teachers_edits_and_the_shared_plans_changes(team):
    doc = team.plan()
    shared = doc.sections[3]
    save(shared, LESSON, team.lead)
    copy = services.adapt(doc, actor=team.teacher)
    db.session.commit()
    changes = services.section_changes(copy)
    assert len(changes) == 7 and not any(change.changed or change.shared_changed for change in changes)
    assert changes[3].source_text == LESSON

    mine = copy.sections[3]
    save(mine, changed(LESSON, 2, "（甲班兩人一組）"), team.teacher)
    change = services.section_changes(copy)[3]
    assert change.changed and not change.shared_changed
    assert [(line.kind, line.old_number, line.new_number, line.text) for line in change.diff
            if line.kind != "same"] == [("removed", 3, None, "三、小組練習"),
                                        ("added", None, 3, "三、小組練習（甲班兩人一組）")]

    save(shared, changed(LESSON, 0, "（五分鐘）"), team.lead)
    change = services.section_changes(copy)[3]
    assert change.shared_changed and change.shared_version == shared.version == 3
    assert not any(item.shared_changed for index, item in enumerate(services.section_changes(copy)) if index != 3)


def test_taking_the_shared_changes_merges_them_with_the_teachers_own(team):
    doc = team.plan()
    shared = doc.sections[3]
    save(shared, LESSON, team.lead)
    copy = services.adapt(doc, actor=team.teacher)
    mine = copy.sections[3]
    save(mine, changed(LESSON, 3, "（甲班：學生上台）"), team.teacher)
    save(shared, changed(LESSON, 0, "（五分鐘）"), team.lead)
    with pytest.raises(NotAllowed):
        services.take_shared_changes(mine, actor=team.lead)
    result = services.take_shared_changes(mine, actor=team.teacher)
    assert result.accepted and result.outcome.merged
    assert mine.body == changed(changed(LESSON, 0, "（五分鐘）"), 3, "（甲班：學生上台）")
    assert mine.version == 3 and revisions(mine)[-1].how == "updated"
    assert revisions(mine)[-1].author_id == team.teacher.id
    assert shared.body == changed(LESSON, 0, "（五分鐘）") and shared.version == 3  # the shared plan is untouched


def test_taking_the_shared_changes_records_the_shared_version_taken(team):
    doc = team.plan()
    shared = doc.sections[3]
    save(shared, LESSON, team.lead)
    copy = services.adapt(doc, actor=team.teacher)
    mine = copy.sections[3]
    save(mine, changed(LESSON, 3, "（甲班：學生上台）"), team.teacher)
    save(shared, changed(LESSON, 0, "（五分鐘）"), team.lead)
    services.take_shared_changes(mine, actor=team.teacher)
    db.session.commit()
    db.session.expire_all()
    assert mine.source_version == shared.version == 3
    change = services.section_changes(copy)[3]
    assert not change.shared_changed
    assert [line.text for line in change.diff if line.kind == "added"] == ["四、總結（甲班：學生上台）"]


def test_overlapping_shared_changes_are_a_conflict_with_a_proposal(team):
    doc = team.plan()
    shared = doc.sections[3]
    save(shared, LESSON, team.lead)
    copy = services.adapt(doc, actor=team.teacher)
    mine = copy.sections[3]
    save(mine, changed(LESSON, 2, "（甲班）"), team.teacher)
    save(shared, changed(LESSON, 2, "（全年級）"), team.lead)
    result = services.take_shared_changes(mine, actor=team.teacher)
    assert not result.accepted
    assert {"三、小組練習（甲班）", "三、小組練習（全年級）"} <= set(result.outcome.text.split("\n"))
    assert result.theirs == shared.body
    assert (mine.version, mine.source_version, mine.body) == (2, 2, changed(LESSON, 2, "（甲班）"))
    assert services.section_changes(copy)[3].shared_changed


# --- lessons, reflections, new rounds ------------------------------------------------------------


def test_a_teacher_records_lessons_on_their_own_adaptation(team):
    doc = team.plan()
    copy = services.adapt(doc, actor=team.teacher)
    lesson = services.record_lesson(copy, taught_on=dt.date(2026, 10, 1), class_name=" 五年甲班 ",
                                    reflection="學生對**通分**不熟", actor=team.teacher)
    db.session.commit()
    assert (lesson.doc_id, lesson.author_id, lesson.class_name) == (copy.id, team.teacher.id, "五年甲班")
    assert "<strong>通分</strong>" in lesson.reflection_html
    assert [item.id for item in services.lessons_of(copy)] == [lesson.id]
    lead_copy = services.adapt(doc, actor=team.lead)
    for actor, target in ((team.lead, copy), (team.teacher, lead_copy), (team.convener, copy)):
        with pytest.raises(NotAllowed):
            services.record_lesson(target, taught_on=dt.date(2026, 10, 2), class_name="五年乙班", reflection="",
                                   actor=actor)
    assert db.session.scalar(select(func.count()).select_from(LessonTaught)) == 1


@pytest.mark.parametrize(("taught_on", "class_name", "reflection", "field"), [
    (None, "五年甲班", "", "taught_on"),
    (dt.date(1899, 12, 31), "五年甲班", "", "taught_on"),
    (dt.date(3000, 1, 1), "五年甲班", "", "taught_on"),
    (dt.date(2026, 10, 1), "", "", "class_name"),
    (dt.date(2026, 10, 1), " \u200b ", "", "class_name"),
    (dt.date(2026, 10, 1), "班" * 61, "", "class_name"),
    (dt.date(2026, 10, 1), "五年甲班", "思" * 20_001, "reflection"),
])
def test_bad_lesson_records_are_refused_beside_their_field(team, taught_on, class_name, reflection, field):
    copy = services.adapt(team.plan(), actor=team.teacher)
    with pytest.raises(ValidationError) as caught:
        services.record_lesson(copy, taught_on=taught_on, class_name=class_name, reflection=reflection,
                               actor=team.teacher)
    assert caught.value.field == field
    assert services.lessons_of(copy) == []


def test_lessons_cannot_be_recorded_on_the_shared_plan_itself(team):
    doc = team.plan()
    with pytest.raises(NotAllowed):
        services.record_lesson(doc, taught_on=dt.date(2026, 10, 1), class_name="五年甲班", reflection="",
                               actor=team.lead)


def test_a_new_round_starts_from_a_final_plan_with_its_reflections(team):
    doc = team.plan()
    save(doc.sections[0], "學生能通分。", team.lead)
    save(doc.sections[6], "第一輪的初步想法", team.lead)
    teacher_copy = services.adapt(doc, actor=team.teacher)
    lead_copy = services.adapt(doc, actor=team.lead)
    services.record_lesson(teacher_copy, taught_on=dt.date(2026, 10, 2), class_name="五年甲班",
                           reflection="分組時間**不夠**", actor=team.teacher)
    services.record_lesson(lead_copy, taught_on=dt.date(2026, 10, 1), class_name="五年乙班",
                           reflection="例題太難\n\n下次先用圖示", actor=team.lead)
    db.session.commit()
    assert [(lesson.author_id, lesson.class_name) for lesson in services.reflections_for(doc)] == [
        (team.lead.id, "五年乙班"), (team.teacher.id, "五年甲班")]
    assert services.reflections_for(teacher_copy) == []
    with pytest.raises(NotAllowed):
        services.start_new_round(doc, actor=team.lead)  # still a draft
    finalize(doc, team.lead)
    with pytest.raises(NotAllowed):
        services.start_new_round(doc, actor=team.member)
    following = services.start_new_round(doc, actor=team.lead)
    db.session.commit()
    assert (following.round, following.previous_round_id, following.status, following.kind) == (
        2, doc.id, "draft", "shared")
    assert (following.topic, following.subject, following.lead_id) == (doc.topic, doc.subject, doc.lead_id)
    assert {user.id for user in following.teachers} == {team.lead.id, team.teacher.id}
    assert [section.key for section in following.sections] == KEYS
    assert following.sections[0].body == "學生能通分。"
    reflection = following.sections[6].body
    assert reflection.startswith("第一輪的初步想法\n\nReflections from round 1:")
    assert "- 林老師, 五年乙班, Oct 1, 2026: 例題太難 下次先用圖示" in reflection  # the day as the reader writes one
    assert "- 王老師, 五年甲班, Oct 2, 2026: 分組時間不夠" in reflection
    assert reflection.index("林老師") < reflection.index("王老師")
    assert all([(r.version, r.how) for r in revisions(section)] == [(1, "created")]
               for section in following.sections)
    assert (doc.round, doc.status) == (1, "final")
    assert services.reflections_for(following) == []
    # Pressed again (a double click, a second tab): the round already started, not a second copy.
    assert services.start_new_round(doc, actor=team.lead).id == following.id
    assert services.next_round_of(doc).id == following.id
    assert db.session.scalar(select(func.count()).select_from(PlanDoc).where(PlanDoc.previous_round_id == doc.id)) == 1


def test_a_new_round_and_a_reflection_notice_in_chinese_use_chinese_punctuation(team):
    doc = team.plan()
    copy = services.adapt(doc, actor=team.teacher)
    with flask_babel.force_locale("zh_Hant"):
        services.record_lesson(copy, taught_on=dt.date(2026, 10, 2), class_name="五年甲班", reflection="分組時間不夠",
                               actor=team.teacher)
        finalize(doc, team.lead)
        following = services.start_new_round(doc, actor=team.lead)
    db.session.commit()
    assert "- 王老師，五年甲班，2026年10月2日：分組時間不夠" in following.sections[6].body
    notice = db.session.scalar(select(Notification).where(Notification.kind == "reflection"))
    with flask_babel.force_locale("zh_Hant"):  # the class and the text joined as the reader writes them
        assert excerpt_of(notice) == "五年甲班：分組時間不夠"


# --- links ---------------------------------------------------------------------------------------


def meeting(community, convener):
    starts = dt.datetime(2026, 12, 2, 14, 0)
    return activities.create_activity(community, activities.ActivityFields(
        title="五年級數學共同備課", method="collaborative_planning", starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2)), actor=convener)


def text_resource(community, actor, title="分數條教具說明"):
    return resources.create_text_resource(community, resources.ResourceFields(title=title, kind="courseware"),
                                          "把紙條對折再對折。", actor=actor)


def test_resources_and_activities_of_the_community_are_linked_and_unlinked(team):
    doc = team.plan()
    resource = text_resource(team.community, team.member)
    activity = meeting(team.community, team.convener)
    elsewhere_convener = make_user(display_name="李召集")
    elsewhere = make_community(elsewhere_convener)
    foreign_resource = text_resource(elsewhere, elsewhere_convener)
    foreign_activity = meeting(elsewhere, elsewhere_convener)
    db.session.commit()

    attached = services.link_target(doc, "resource", resource.id, actor=team.member)
    linked = services.link_target(doc, "activity", activity.id, "meeting", actor=team.teacher)
    assert (attached.role, linked.role) == ("attachment", "meeting")
    again = services.link_target(doc, "activity", activity.id, "observation", actor=team.lead)
    assert again.id == linked.id and linked.role == "observation"  # linking again changes the role
    services.link_target(doc, "activity", activity.id, "nonsense", actor=team.lead)
    assert linked.role == "meeting"  # an unknown role falls back to the first one
    for target_type, target_id in (("resource", foreign_resource.id), ("activity", foreign_activity.id),
                                   ("resource", activity.id + 999), ("folder", resource.id), ("resource", None)):
        with pytest.raises(ValidationError) as caught:
            services.link_target(doc, target_type, target_id, actor=team.lead)
        assert caught.value.field == "target_id", (target_type, target_id)
    with pytest.raises(NotAllowed):
        services.link_target(doc, "resource", resource.id, actor=make_user())
    db.session.commit()

    items = services.links_of(doc)
    assert [(item.link.to_type, item.target.id) for item in items] == [
        ("resource", resource.id), ("activity", activity.id)]
    assert items[0].target.title == "分數條教具說明" and items[1].target.title == "五年級數學共同備課"
    assert [plan.id for plan in services.plans_linked_to(resource)] == [doc.id]
    assert [plan.id for plan in services.plans_linked_to(activity)] == [doc.id]
    other = team.plan("另一個教案")
    with pytest.raises(NotAllowed):
        services.unlink(other, attached, actor=team.lead)  # a link of another plan
    services.unlink(doc, attached, actor=team.lead)
    db.session.commit()
    assert [item.link.to_type for item in services.links_of(doc)] == ["activity"]
    assert services.plans_linked_to(resource) == []


# --- publishing, trash, lists, search ------------------------------------------------------------


def test_only_a_final_plan_is_published_and_publishing_again_adds_a_version(team):
    doc = team.plan()
    save(doc.sections[0], "學生能用通分計算異分母分數的加減。", team.lead)
    save(doc.sections[3], LESSON, team.teacher)
    with pytest.raises(NotAllowed):
        services.publish(doc, actor=team.lead)  # a draft
    finalize(doc, team.lead)
    with pytest.raises(NotAllowed):
        services.publish(doc, actor=team.member)
    resource = services.publish(doc, actor=team.lead)
    db.session.commit()
    assert (resource.kind, resource.community_id, resource.title) == ("lesson_plan", team.community.id, doc.topic)
    assert doc.published_resource_id == resource.id
    body = resource.current_version.body
    assert body.startswith("# 分數的加減\n")
    assert "學生能用通分計算異分母分數的加減。" in body and LESSON in body
    # The app's words of the copy are in the plan's own script, whoever publishes (the test reads English).
    assert "## 三維目標" in body and "| 主備人 | 林老師 |" in body

    services.set_status(doc, "review", actor=team.lead)
    save(doc.sections[5], "基礎題：課本第 42 頁", team.teacher)
    finalize(doc, team.lead)
    again = services.publish(doc, actor=team.convener)
    db.session.commit()
    assert again.id == resource.id
    assert [version.number for version in resources.versions_of(resource)] == [2, 1]
    assert "基礎題：課本第 42 頁" in resources.versions_of(resource)[0].body
    assert db.session.scalar(select(func.count()).select_from(Resource).where(
        Resource.community_id == team.community.id)) == 1


@pytest.mark.parametrize(("publisher", "topic", "text", "words"), [
    ("zh_Hans", "分數的加減", "學生能用通分計算。",
     ("| 欄位 | 內容 |", "## 三維目標", "| 學科 | 數學 |", "由社群的共同教案發布。", "集體備課")),
    ("en", "认识分数", "学生能用图示说明。",
     ("| 栏目 | 内容 |", "## 三维目标", "| 学科 | 數學 |", "由社群的共同教案发布。", "集体备课")),
    ("zh_Hant", "Buoyancy", "Students explain why a boat floats.", (
        "| Field | Value |", "## Three-dimensional objectives", "| Subject | 數學 |",
        "Published from the community's shared plan.", "Collective lesson planning"))])
def test_a_published_copy_reads_in_the_plans_own_language_whoever_publishes(team, publisher, topic, text, words):
    """QA: a 繁體 plan's copy read 欄位 / 內容 to everyone, a Simplified one published by a 繁體 reader would have
    read so too. The copy is one document (downloaded, printed, indexed): its app words follow its people's."""
    doc = team.plan(topic=topic)
    save(doc.sections[0], text, team.lead)
    finalize(doc, team.lead)
    with flask_babel.force_locale(publisher):
        resource = services.publish(doc, actor=team.lead)
    db.session.commit()
    header, section, subject, description, tag = words
    body = resource.current_version.body
    assert header in body and section in body and subject in body
    assert resource.description == description and [item.name for item in resource.tags] == [tag]


def test_a_plan_changed_after_publishing_says_its_library_copy_is_older(team):
    doc = team.plan()
    save(doc.sections[0], "學生能用通分計算。", team.lead)
    assert services.published_copy(doc) is None
    finalize(doc, team.lead)
    resource = services.publish(doc, actor=team.lead)
    db.session.commit()
    with flask_babel.force_locale("zh_Hans"):  # whoever reads: the copy is compared in the language it is in
        copy = services.published_copy(doc)
        assert copy.resource.id == resource.id and not copy.outdated
    services.set_status(doc, "review", actor=team.lead)
    save(doc.sections[0], "學生能用通分計算異分母分數。", team.lead)
    finalize(doc, team.lead)
    db.session.commit()
    assert services.published_copy(doc).outdated
    services.publish(doc, actor=team.lead)
    db.session.commit()
    assert not services.published_copy(doc).outdated
    resources.trash_resource(resource, actor=team.lead)
    db.session.commit()
    assert services.published_copy(doc) is None  # a copy in the trash is no copy in the library


def test_a_trashed_plan_leaves_the_list_and_search_until_restored(team):
    doc = team.plan("通分練習")
    kept = team.plan("約分練習")
    save(doc.sections[3], "用分數條比較大小", team.lead)
    db.session.commit()
    assert hits(team, "分數條") == [doc.id]
    with pytest.raises(NotAllowed):
        services.trash_plan(doc, actor=team.member)
    services.trash_plan(doc, actor=team.lead)
    db.session.commit()
    assert [row.doc.id for row in services.list_plans(team.community, team.lead).rows] == [kept.id]
    assert [row.doc.id for row in services.list_plans(team.community, team.lead, trash=True).rows] == [doc.id]
    assert hits(team, "分數條") == [] and hits(team, "通分練習") == []
    with pytest.raises(NotAllowed):
        save(doc.sections[3], "垃圾桶裡修改", team.lead)
    services.restore_plan(doc, actor=team.lead)
    db.session.commit()
    assert {row.doc.id for row in services.list_plans(team.community, team.lead).rows} == {doc.id, kept.id}
    assert services.list_plans(team.community, team.lead, trash=True).rows == []
    assert hits(team, "分數條") == [doc.id]
    with pytest.raises(NotAllowed):
        services.restore_plan(doc, actor=team.lead)  # not in the trash


def furnish(team, doc: PlanDoc, lessons: int = 1) -> None:
    """Two adaptations, two open comments (one with a reply), one resolved, and lessons taught."""
    teacher_copy = services.adapt(doc, actor=team.teacher)
    services.adapt(doc, actor=team.lead)
    first = services.add_comment(doc.sections[0], "目標再具體一點", actor=team.teacher)
    services.add_comment(doc.sections[0], "同意", actor=team.member, parent=first)
    services.add_comment(doc.sections[1], "教具夠嗎", actor=team.member)
    settled = services.add_comment(doc.sections[2], "學情寫好了", actor=team.lead)
    services.set_resolved(settled, True, actor=team.lead)
    for number in range(lessons):
        services.record_lesson(teacher_copy, taught_on=dt.date(2026, 10, 1 + number), class_name=f"五年{number}班",
                               reflection="順利", actor=team.teacher)


def test_the_list_counts_adaptations_open_comments_and_reflections(team):
    busy = team.plan("通分")
    furnish(team, busy, lessons=2)
    quiet = team.plan("約分")
    services.set_status(quiet, "review", actor=team.member)
    mine = services.create_plan(team.community, fields(team, topic="張老師的", lead_id=team.member.id,
                                                       teacher_ids=[]), actor=team.member)
    db.session.commit()
    page = services.list_plans(team.community, team.lead)
    rows = {row.doc.id: (row.adaptations, row.open_comments, row.reflections) for row in page.rows}
    assert rows == {busy.id: (2, 2, 2), quiet.id: (0, 0, 0), mine.id: (0, 0, 0)}
    assert page.total == 3 and page.pages == 1
    assert [row.doc.id for row in services.list_plans(team.community, team.lead, status="review").rows] == [quiet.id]
    assert {row.doc.id for row in services.list_plans(team.community, team.teacher, mine=True).rows} == {
        busy.id, quiet.id}
    assert [row.doc.id for row in services.list_plans(team.community, team.member, mine=True).rows] == [mine.id]
    # A section assigned to someone puts its plan among theirs.
    services.assign_section(quiet.sections[0], team.member.id, actor=team.lead)
    assert {row.doc.id for row in services.list_plans(team.community, team.member, mine=True).rows} == {
        mine.id, quiet.id}


def test_the_list_runs_as_many_queries_for_30_plans_as_for_3(team, count_queries):
    def grow(count: int) -> None:
        for number in range(count):
            furnish(team, team.plan(f"教案 {number}"))
        db.session.commit()

    def measure() -> tuple[int, services.PlanPage]:
        db.session.expire_all()
        with count_queries() as queries:
            page = services.list_plans(team.community, team.lead)
        return len(queries), page

    grow(3)
    small, page = measure()
    assert page.total == 3 and all((row.adaptations, row.open_comments, row.reflections) == (2, 2, 1)
                                   for row in page.rows)
    grow(27)
    big, page = measure()
    assert page.total == 30 and len(page.rows) == services.PER_PAGE and page.pages == 2
    assert all((row.adaptations, row.open_comments, row.reflections) == (2, 2, 1) for row in page.rows)
    assert big == small, (small, big)


def test_search_finds_a_two_character_term_in_a_section_and_across_scripts(team):
    doc = team.plan()
    other = team.plan("小數的乘法")
    save(doc.sections[3], "學生先用圖形表示通分的過程", team.lead)
    save(other.sections[4], "本課的教学重点是估算", team.teacher)  # Simplified
    db.session.commit()
    assert hits(team, "圖形") == [doc.id]
    assert hits(team, "教學") == [other.id]  # Traditional query, Simplified text
    assert hits(team, "图形") == [doc.id]  # and the other way round
    assert hits(team, "幾何") == []
    found, total = services.search_plans([team.community], "圖形")
    assert total == 1 and found[0].path == f"/c/{team.community.slug}/plans/{doc.id}"
    elsewhere = make_team("elsewhere")
    assert hits(team, "圖形", elsewhere.community) == []
    assert services.search_plans([], "圖形") == ([], 0)


# --- the naughty strings -------------------------------------------------------------------------



def test_naughty_strings_as_topic_section_body_and_comment(team, naughty):
    doc = team.plan()
    section = doc.sections[3]
    failures: list[tuple[int, str, str]] = []
    for index, value in enumerate(naughty):
        topic, body = clean_line(value), clean_text(value)
        try:  # the topic: stored cleaned, or refused beside the field when blank or too long
            services.update_fields(doc, fields(team, topic=value), actor=team.lead, base_version=doc.version)
        except ValidationError as error:
            if error.field != "topic" or (has_visible_text(topic) and len(topic) <= services.MAX_TOPIC):
                failures.append((index, "topic", f"refused: {error.field} {error.message}"))
        except Exception as error:  # every crash is collected and reported at the end
            failures.append((index, "topic", f"crash {error!r}"))
        else:
            stored = db.session.scalar(select(PlanDoc.topic).where(PlanDoc.id == doc.id))
            if stored != topic:
                failures.append((index, "topic", f"stored as {stored!r}"))
        try:  # the section body: always stored, cleaned
            result = save(section, value, team.teacher)
        except Exception as error:
            failures.append((index, "section", f"crash {error!r}"))
        else:
            if not result.accepted or stored_body(section) != body:
                failures.append((index, "section", f"stored as {stored_body(section)!r}"))
            failures.extend((index, "section html", problem) for problem in markup_problems(section.body_html))
        try:  # a comment: stored cleaned, or refused when it shows nothing
            comment = services.add_comment(section, value, actor=team.member)
        except ValidationError as error:
            if error.field != "body" or has_visible_text(body):
                failures.append((index, "comment", f"refused: {error.field} {error.message}"))
        except Exception as error:
            failures.append((index, "comment", f"crash {error!r}"))
        else:
            stored = db.session.scalar(select(PlanComment.body).where(PlanComment.id == comment.id))
            if stored != body:
                failures.append((index, "comment", f"stored as {stored!r}"))
            failures.extend((index, "comment html", problem) for problem in markup_problems(comment.body_html))
        try:  # and as a search query
            services.search_plans([team.community], value)
        except Exception as error:
            failures.append((index, "search", f"crash {error!r}"))
    db.session.commit()
    report = "\n".join(f"#{index} {naughty[index]!r:.60} · {where}: {why}" for index, where, why in failures[:40])
    assert not failures, f"{len(failures)} problems:\n{report}"
    assert section.version > len(naughty) // 2  # most strings were real changes, each a revision


def test_an_at_name_in_a_section_tells_the_member_once_when_saved(team):
    """QA13 #7: the section editor offers @names, and "請 @王老師 準備學具" in a saved section told nobody. A save
    tells the members its text names that the version before did not (never at every later save, never the one who
    saved, never someone who may not read the plan), with the line that names them, opening the section."""
    doc = team.plan()
    section = doc.sections[3]

    def told() -> list[tuple[int, str]]:
        return [(note.user_id, note.excerpt) for note in db.session.scalars(
            select(Notification).where(Notification.kind == "mention").order_by(Notification.id))]

    services.save_section(section, "導入：分數條\n請 @王老師 準備學具，@林老師 寫板書", actor=team.lead,
                          base_version=section.version)
    db.session.flush()
    assert [user for user, _ in told()] == [team.teacher.id]  # never the one who saved
    note = db.session.scalar(select(Notification).where(Notification.kind == "mention"))
    assert (note.subject_type, note.subject_id, note.actor_id) == ("plan", doc.id, team.lead.id)
    assert note.path == f"/c/team/plans/{doc.id}#section-{section.id}" and "分數的加減" in note.title
    assert "請 @王老師 準備學具" in excerpt_of(note) and "導入" not in excerpt_of(note)
    # Another save that keeps the mention tells nobody again; one that adds a name tells only that member.
    services.save_section(section, "導入：分數條（改）\n請 @王老師 準備學具，@林老師 寫板書", actor=team.teacher,
                          base_version=section.version)
    assert len(told()) == 1
    membership = add_member(team.community, make_user(display_name="李老師"))
    former = membership.user
    db.session.flush()
    services.save_section(section, section.body + "\n@張老師 @李老師 負責分組", actor=team.teacher,
                          base_version=section.version)
    assert sorted(user for user, _ in told()[1:]) == sorted([team.member.id, former.id])
    # Someone who left the community is not told (they no longer read the plan), nor is a name in code.
    communities.remove_member(membership, actor=team.convener)
    db.session.flush()
    services.save_section(section, "`@王老師`\n@李老師 回來了嗎", actor=team.lead, base_version=section.version)
    services.save_section(section, "`@王老師`\n@李老師 回來了嗎\n@王老師 也看一下", actor=team.lead,
                          base_version=section.version)
    assert [user for user, _ in told()[3:]] == [team.teacher.id]


# --- adapting a plan published to the library, in another community -------------------------------


def published_plan(team, *, sheet: bool = False) -> tuple[PlanDoc, Resource]:
    """A final plan published to the library for everyone: a table, a teacher's own heading inside a section, empty
    sections; with `sheet`, made from a community template (its sections' titles its own) with a 學習單 added."""
    template = None
    if sheet:
        template = services.create_template(team.community, "含學習單", actor=team.convener)
        services.add_template_section(template, "學習單", "給學生的題目", actor=team.convener)
    doc = services.create_plan(team.community, fields(team), actor=team.lead, template=template)
    save(doc.sections[0], "學生能用通分計算異分母分數的加減。", team.lead)
    save(doc.sections[1], "| 資源 | 用途 |\n| --- | --- |\n| 分數條 | 比較大小 |", team.lead)
    save(doc.sections[3], "## 導入\n- 複習約分\n\n## 發展\n1. 例題", team.teacher)
    if sheet:
        save(doc.sections[7], "第1題：把圓平均分成 4 份", team.teacher)
    finalize(doc, team.lead)
    resource = services.publish(doc, actor=team.lead)
    resource.visibility = "public"
    db.session.commit()
    return doc, resource


def test_a_published_plan_is_adapted_in_another_community_from_what_was_published_only(team):
    doc, resource = published_plan(team)
    published = {services.section_title(section): section.body for section in doc.sections}
    # After publishing: the plan changes, gets a comment and an adaptation; none of it was published.
    services.set_status(doc, "review", actor=team.lead)
    save(doc.sections[0], "尚未發布的新目標", team.lead)
    services.add_comment(doc.sections[0], "內部討論", actor=team.member)
    db.session.commit()
    teacher = make_user(display_name="周建國")
    elsewhere = make_community(teacher, slug="urban-rural", name="城關一小城鄉教育共同體")
    copy = services.adapt_published(resource, elsewhere, actor=teacher)
    db.session.commit()
    assert (copy.community_id, copy.kind, copy.status, copy.parent_id, copy.previous_round_id) == (
        elsewhere.id, "shared", "draft", None, None)
    assert (copy.topic, copy.subject, copy.grade, copy.unit) == ("分數的加減", "數學", "五年級", "第三單元 分數")
    assert copy.lead_id == teacher.id and copy.teachers == [teacher] and copy.template_name == ""
    # The default sections keep their keys: each reader reads their titles in their own language.
    assert [section.key for section in copy.sections] == KEYS
    assert [section.title for section in copy.sections] == [""] * 7
    assert {services.section_title(section): section.body for section in copy.sections} == published
    assert copy.sections[3].body == "## 導入\n- 複習約分\n\n## 發展\n1. 例題"  # a teacher's heading stays inside
    assert all(section.guidance == "" and section.source_section_id is None for section in copy.sections)
    assert all(revisions(section)[0].how == "created" for section in copy.sections)
    assert db.session.scalar(select(func.count()).select_from(PlanComment).where(PlanComment.doc_id == copy.id)) == 0
    source = services.library_source(copy)
    assert (source.resource.id, source.title, source.community_name) == (resource.id, "分數的加減", team.community.name)
    assert source.published_at == resource.current_version.created_at
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "plans.adapted_from_library")
                             ).community_id == elsewhere.id


def test_a_published_plan_is_adapted_only_by_its_readers_into_a_community_they_write_in(team):
    _doc, resource = published_plan(team)
    teacher = make_user()
    elsewhere = make_community(make_user(), slug="elsewhere")
    with pytest.raises(NotAllowed):  # not a member there
        services.adapt_published(resource, elsewhere, actor=teacher)
    add_member(elsewhere, teacher, role="guest_expert")
    with pytest.raises(NotAllowed):  # a guest expert starts no plan
        services.adapt_published(resource, elsewhere, actor=teacher)
    assert services.adaptable_communities(teacher) == []
    add_member(elsewhere, make_user())
    resource.visibility = "community"
    db.session.commit()
    member = db.session.scalars(select(Membership).where(Membership.community_id == elsewhere.id,
                                                         Membership.role == "member")).first().user
    assert services.adaptable_communities(member) == [elsewhere]
    with pytest.raises(NotAllowed):  # the copy in the library is no longer theirs to read
        services.adapt_published(resource, elsewhere, actor=member)
    other = resources.create_text_resource(team.community, resources.ResourceFields(title="講義", kind="reading"),
                                           "## 三維目標\n\n不是教案", actor=team.lead)
    db.session.commit()
    assert services.published_plan_of(other) is None
    with pytest.raises(NotAllowed):  # not a plan published to the library
        services.adapt_published(other, team.community, actor=team.lead)


def test_a_template_s_sections_keep_the_titles_they_were_published_with(team):
    doc, resource = published_plan(team, sheet=True)
    copy = services.adapt_published(resource, team.community, actor=team.member)
    assert [(section.key, section.title) for section in copy.sections] == [
        (section.key, section.title) for section in doc.sections]
    assert copy.sections[7].body == "第1題：把圓平均分成 4 份" and copy.sections[2].body == ""


def test_a_hand_edited_published_text_still_gives_its_sections(team):
    """The library copy may have a new version written by hand: its headings are its sections, nothing is lost."""
    _doc, resource = published_plan(team)
    resources.add_text_version(resource, "# 分數的加減\n\n前言一段\n\n## 新的一節\n\n內容\n\n## 另一節\n\n"
                                         "```\n## 不是標題\n```", actor=team.lead)
    db.session.commit()
    copy = services.adapt_published(resource, team.community, actor=team.member)
    assert [(section.key, section.title, section.body) for section in copy.sections] == [
        (None, "新的一節", "前言一段\n\n內容"), (None, "另一節", "```\n## 不是標題\n```")]
    assert copy.unit == ""
