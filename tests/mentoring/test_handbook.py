"""The development handbook (教師專業發展手冊): made on the teacher's first visit, sections written with
version-checked saves, the mentor's comments, the semester summary due, sharing, the print page and the DOCX in
the teacher's language."""

from __future__ import annotations

import datetime as dt
import io

import docx
import pytest
from sqlalchemy import func, select

from tests.factories import add_member, make_user
from tests.mentoring.helpers import freeze_clock, make_pair
from workspace.core.errors import Conflict, NotAllowed, ValidationError
from workspace.core.models import AuditEvent
from workspace.core.records import local_day
from workspace.extensions import db
from workspace.mentoring.models import Handbook, HandbookSection, Milestone, MilestoneKind
from workspace.mentoring.services import handbook as services

YEAR = 2026


def _url(pair, suffix: str = "", year: int | str = YEAR, teacher=None) -> str:
    teacher_id = (teacher or pair.mentee).id
    return f"/c/{pair.community.slug}/mentoring/handbooks/{teacher_id}/{year}{suffix}"


def _open(pair) -> Handbook:
    handbook = services.open_handbook(pair.community, pair.mentee.id, YEAR, actor=pair.mentee)
    db.session.commit()
    return handbook


def _section(handbook: Handbook, key: str) -> HandbookSection:
    return next(section for section in handbook.sections if section.key == key)


def test_the_teacher_opens_it_with_the_eight_sections_and_only_they_may(ctx):
    pair = make_pair()
    with pytest.raises(NotAllowed):
        services.open_handbook(pair.community, pair.mentee.id, YEAR, actor=pair.mentor)
    with pytest.raises(NotAllowed):  # a member who is no new teacher has no handbook
        services.open_handbook(pair.community, pair.colleague.id, YEAR, actor=pair.colleague)
    handbook = _open(pair)
    assert [section.key for section in handbook.sections] == list(services.SECTIONS)
    assert services.open_handbook(pair.community, pair.mentee.id, YEAR, actor=pair.mentee).id == handbook.id


def test_a_save_from_an_older_version_is_refused_and_the_first_text_ticks_the_milestone(ctx):
    pair = make_pair(starts_on=dt.date.today() - dt.timedelta(days=10))
    db.session.add(Milestone(pairing_id=pair.pairing.id, title="Handbook", due_on=dt.date.today(),
                             kind=MilestoneKind.HANDBOOK))
    handbook = _open(pair)
    section = _section(handbook, "strengths")
    services.save_section(section, "善於**提問**", actor=pair.mentee, base_version=1)
    db.session.commit()
    assert section.version == 2 and "<strong>提問</strong>" in section.body_html
    assert db.session.scalar(select(Milestone.done_at)) is not None
    with pytest.raises(Conflict):
        services.save_section(section, "舊分頁的內容", actor=pair.mentee, base_version=1)
    db.session.rollback()
    assert db.session.get(HandbookSection, section.id).body == "善於**提問**"
    with pytest.raises(NotAllowed):
        services.save_section(section, "導師代寫", actor=pair.mentor, base_version=2)
    with pytest.raises(ValidationError):
        services.save_section(section, "長" * 50_001, actor=pair.mentee, base_version=2)


def test_the_mentor_comments_without_getting_in_the_way_of_the_teacher(ctx):
    pair = make_pair()
    handbook = _open(pair)
    section = _section(handbook, "goals")
    services.save_comment(section, "目標很具體", actor=pair.mentor, base_comment="")
    services.save_section(section, "目標一", actor=pair.mentee, base_version=1)
    db.session.commit()
    with pytest.raises(Conflict):
        services.save_comment(section, "另一個分頁", actor=pair.mentor, base_comment="")
    with pytest.raises(NotAllowed):
        services.save_comment(section, "我也要評論", actor=pair.convener, base_comment="目標很具體")


@pytest.mark.parametrize(("today", "key", "past"), [
    (dt.date(2026, 9, 1), "summary_1", False), (dt.date(2027, 1, 20), "summary_1", False),
    (dt.date(2027, 3, 1), "summary_2", False), (dt.date(2027, 8, 2), "summary_2", True),
])
def test_the_semester_summary_due(today, key, past):
    due = services.summary_due(YEAR, today)
    assert (due.key, due.past) == (key, past)
    assert services.summary_due(YEAR, dt.date(2026, 7, 1)) is None
    assert services.summary_due(YEAR, dt.date(2027, 1, 20)).soon


def test_the_teacher_s_first_visit_makes_it_and_others_see_an_empty_page(client, ctx):
    pair = make_pair()
    client.login(pair.mentor)
    response = client.get(_url(pair))
    assert response.status_code == 200 and "has not started" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Handbook.id))) == 0
    client.logout().login(pair.mentee)
    page = client.get(_url(pair)).get_data(as_text=True)
    assert "Strengths" in page and "First semester summary" in page
    assert db.session.scalar(select(func.count(Handbook.id))) == 1


def test_bad_years_and_people_are_not_found(client, ctx):
    pair = make_pair()
    client.login(pair.mentee)
    for url in (_url(pair, year="20x6"), _url(pair, year=99999), _url(pair, year=1900),
                _url(pair, teacher=pair.colleague), _url(pair, "/print", teacher=pair.colleague),
                f"/c/{pair.community.slug}/mentoring/handbooks/abc/{YEAR}"):
        assert client.get(url).status_code == 404, url
    assert client.post_form(_url(pair, "/sections/nonsense")).status_code == 404


def test_only_the_school_years_of_the_teacher_s_pairings_open_a_handbook(client, ctx):
    """Following an address (a typo, a link preview) must not make handbooks for 2099 or 2020."""
    pair = make_pair()
    first, last = pair.pairing.starts_on, pair.pairing.ends_on
    client.login(pair.mentee)
    for year in (2020, 2099, first.year - 2 if first.month >= 8 else first.year - 3, last.year + 1):
        assert client.get(_url(pair, year=year)).status_code == 404, year
        with pytest.raises(NotAllowed):
            services.open_handbook(pair.community, pair.mentee.id, year, actor=pair.mentee)
    assert db.session.scalar(select(func.count(Handbook.id))) == 0
    assert client.get(_url(pair)).status_code == 200
    assert db.session.scalar(select(func.count(Handbook.id))) == 1


def test_the_handbook_reads_the_deployment_s_day_not_the_server_s(client, ctx, monkeypatch):
    """At 23:30 UTC on 31 July it is 1 August in Taipei: the new school year's first summary is due, and a
    pairing starting that day counts the first text as its handbook milestone."""
    moment = freeze_clock(monkeypatch)
    day = local_day(moment)
    pair = make_pair(starts_on=day)
    db.session.add(Milestone(pairing_id=pair.pairing.id, title="Handbook", due_on=day, kind=MilestoneKind.HANDBOOK))
    db.session.commit()
    handbook = services.open_handbook(pair.community, pair.mentee.id, day.year, actor=pair.mentee)
    services.save_section(_section(handbook, "strengths"), "善於提問", actor=pair.mentee, base_version=1)
    db.session.commit()
    assert db.session.scalar(select(Milestone.done_at)) is not None
    client.login(pair.mentee)
    page = client.get(_url(pair, year=day.year)).get_data(as_text=True)
    assert 'class="card handbook-section is-due" id="handbook-summary_1"' in page


def test_a_section_refused_for_its_input_keeps_the_version_it_started_from(client, ctx):
    """Refused as too long while another device saved meanwhile: the form still carries the version it started
    from, so fixing the text and saving again is told of the other save instead of overwriting it."""
    pair = make_pair()
    _open(pair)
    client.login(pair.mentee)
    assert client.hx("POST", _url(pair, "/sections/strengths"), {"body": "另一台裝置", "base_version": "1"}) \
        .status_code == 200  # saved elsewhere meanwhile: version 2
    refused = client.hx("POST", _url(pair, "/sections/strengths"), {"body": "長" * 50_001, "base_version": "1"})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'name="base_version" value="1"' in body


def test_saving_a_section_in_place_and_a_conflict_keeps_the_text(client, ctx):
    pair = make_pair()
    _open(pair)
    client.login(pair.mentee)
    response = client.hx("POST", _url(pair, "/sections/strengths"), {"body": "第一版", "base_version": "1"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body and 'id="handbook-strengths"' in body
    response = client.hx("POST", _url(pair, "/sections/strengths"), {"body": "另一台裝置的文字", "base_version": "1"})
    body = response.get_data(as_text=True)
    assert response.status_code == 409 and "另一台裝置的文字" in body and "第一版" in body
    assert "saved elsewhere" in body
    response = client.post_form(_url(pair, "/sections/strengths"), {"body": "第二版", "base_version": "2"})
    assert response.status_code == 302


def test_privacy_of_the_handbook(client, ctx):
    pair = make_pair()
    handbook = _open(pair)
    services.save_section(_section(handbook, "weaknesses"), "秘密的弱點", actor=pair.mentee, base_version=1)
    services.save_comment(_section(handbook, "weaknesses"), "導師的私下評語", actor=pair.mentor, base_comment="")
    db.session.commit()
    client.login(pair.convener)
    body = client.get(_url(pair)).get_data(as_text=True)
    assert "秘密的弱點" not in body and "導師的私下評語" not in body and "written, last saved" in body
    assert client.get(_url(pair, "/print")).status_code == 403
    assert client.get(_url(pair, "/export.docx")).status_code == 403
    for person in (pair.colleague, make_user()):
        client.logout().login(person)
        assert client.get(_url(pair)).status_code == 404
    for person in (pair.mentor, make_user(is_admin=True)):
        client.logout().login(person)
        assert "秘密的弱點" in client.get(_url(pair)).get_data(as_text=True)
    client.logout().login(pair.mentee)
    assert client.post_form(_url(pair, "/share"), {"shared": "1"}).status_code == 302
    client.logout().login(pair.convener)
    assert "秘密的弱點" in client.get(_url(pair, "/print")).get_data(as_text=True)


def test_a_mentor_who_was_replaced_no_longer_reads_or_comments_and_the_lists_agree(client, ctx):
    """The handbook is the teacher's: once the pairing ends (here: the teacher is re-paired after a conflict), the
    former mentor gets what any member gets, and cannot overwrite the new mentor's comment."""
    from workspace.core.permissions import can, scope
    from workspace.mentoring.services import pairings

    pair = make_pair()
    handbook = _open(pair)
    new_mentor = add_member(pair.community, make_user(display_name="趙老師"), "mentor").user
    pairings.repair(pair.pairing, new_mentor.id, dt.date(2026, 11, 1), "conflict", pair.convener)
    services.save_section(_section(handbook, "weaknesses"), "重新結對後寫的", actor=pair.mentee, base_version=1)
    services.save_comment(_section(handbook, "weaknesses"), "新導師的評語", actor=new_mentor, base_comment="")
    db.session.commit()

    def listed(person) -> set[int]:
        return set(db.session.scalars(select(Handbook.id).where(scope(person, "read", Handbook))))

    assert can(new_mentor, "comment", handbook) and listed(new_mentor) == {handbook.id}
    assert not can(pair.mentor, "read", handbook) and not can(pair.mentor, "comment", handbook)
    assert listed(pair.mentor) == set()
    with pytest.raises(NotAllowed):
        services.save_comment(_section(handbook, "weaknesses"), "舊導師改寫", actor=pair.mentor,
                              base_comment="新導師的評語")
    client.login(pair.mentor)
    assert client.get(_url(pair)).status_code == 404
    assert client.get(_url(pair, "/export.docx")).status_code in {403, 404}
    assert client.post_form(_url(pair, "/sections/weaknesses/comment"),
                            {"comment": "舊導師改寫", "base_comment": "新導師的評語"}).status_code in {403, 404}
    assert _section(handbook, "weaknesses").comment == "新導師的評語"
    client.logout().login(new_mentor)
    assert "重新結對後寫的" in client.get(_url(pair)).get_data(as_text=True)


def test_a_mentor_reads_only_the_school_years_of_their_pairing(ctx):
    from workspace.core.permissions import can

    pair = make_pair(dt.date(2026, 9, 1), dt.date(2027, 7, 31))
    earlier = Handbook(community_id=pair.community.id, teacher_id=pair.mentee.id, school_year=2025)
    db.session.add(earlier)
    db.session.commit()
    assert can(pair.mentor, "read", _open(pair)) and not can(pair.mentor, "read", earlier)


def test_the_docx_is_in_the_teacher_s_language_with_word_headings(client, ctx):
    pair = make_pair()
    pair.mentee.locale = "zh_Hant"
    handbook = _open(pair)
    services.save_section(_section(handbook, "cases"), "## 案例一\n\n學生分組討論", actor=pair.mentee, base_version=1)
    services.save_comment(_section(handbook, "cases"), "分組的方式很好", actor=pair.mentor, base_comment="")
    db.session.commit()
    client.login(pair.mentor)  # the mentor reads English; the file is in the teacher's language
    response = client.get(_url(pair, "/export.docx"))
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    assert "%E6%89%8B%E5%86%8A" in response.headers["Content-Disposition"]  # 手冊
    document = docx.Document(io.BytesIO(response.data))
    headings = [(paragraph.style.name, paragraph.text) for paragraph in document.paragraphs
                if paragraph.style.name.startswith("Heading")]
    assert ("Heading 1", "優勢") in headings and ("Heading 1", "案例記錄") in headings
    assert ("Heading 1", "第一學期總結") in headings
    text = "\n".join(paragraph.text for paragraph in document.paragraphs)
    assert "學生分組討論" in text and "分組的方式很好" in text and "林老師" in text
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "handbook.exported"))
    assert event.actor_id == pair.mentor.id and event.data["user_id"] == pair.mentee.id


def test_the_print_page(client, ctx):
    pair = make_pair()
    handbook = _open(pair)
    services.save_section(_section(handbook, "summary_1"), "第一學期收穫很多", actor=pair.mentee, base_version=1)
    db.session.commit()
    client.login(pair.mentee)
    body = client.get(_url(pair, "/print")).get_data(as_text=True)
    assert "第一學期收穫很多" in body and "sheet.css" in body and "王老師" in body


def test_the_mentor_comments_through_the_page_and_a_bad_comment_keeps_the_text(client, ctx):
    pair = make_pair()
    _open(pair)
    client.login(pair.mentor)
    response = client.post_form(_url(pair, "/sections/goals/comment"), {"comment": "很好", "base_comment": ""})
    assert response.status_code == 302
    response = client.post_form(_url(pair, "/sections/goals/comment"), {"comment": "過期的評論", "base_comment": ""})
    assert response.status_code == 409 and "過期的評論" in response.get_data(as_text=True)
    client.logout().login(pair.mentee)
    assert client.post_form(_url(pair, "/sections/goals/comment"), {"comment": "x"}).status_code == 403


def test_the_export_reads_in_the_audit_trail(client, ctx):
    from workspace.core.audit import describe_event

    pair = make_pair()
    _open(pair)
    client.login(pair.mentee)
    assert client.get(_url(pair, "/export.docx")).status_code == 200
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "handbook.exported"))
    sentence = describe_event(event)
    assert "林老師" in sentence and "2026" in sentence and "development handbook" in sentence


def test_the_handbook_page_runs_the_same_queries_empty_or_full(client, ctx, count_queries):
    def measure(pair) -> int:
        client.logout().login(pair.mentor)
        client.get(_url(pair))
        with count_queries() as queries:
            assert client.get(_url(pair)).status_code == 200
        return len(queries)

    empty, full = make_pair(), make_pair()
    _open(empty)
    handbook = _open(full)
    for section in handbook.sections:
        services.save_section(section, f"{section.key} 的內容", actor=full.mentee, base_version=1)
        services.save_comment(section, "評語", actor=full.mentor, base_comment="")
    db.session.commit()
    assert measure(full) == measure(empty)


def test_the_hints_under_empty_sections_speak_to_whoever_reads(client, ctx):
    """The new teacher reads hints addressed to them, their mentor hints about their new teacher (not "the goals you
    set with your mentor"), anyone else hints in the third person."""
    pair = make_pair()
    handbook = _open(pair)
    assert services.section_guidance(handbook, pair.mentee.id, comments=False)["goals"] == \
        "The goals you set with your mentor for this year."
    assert services.section_guidance(handbook, pair.mentor.id, comments=True)["goals"] == \
        "The goals your new teacher sets with you for this year."
    assert services.section_guidance(handbook, None, comments=False)["goals"] == \
        "The goals the new teacher sets with their mentor for this year."
    seen = {}
    for role, person in (("teacher", pair.mentee), ("mentor", pair.mentor), ("admin", make_user(is_admin=True))):
        client.logout().login(person)
        seen[role] = client.get(_url(pair)).get_data(as_text=True)
    assert "The goals you set with your mentor" in seen["teacher"]
    assert "The goals your new teacher sets with you" in seen["mentor"]
    assert "The goals you set with your mentor" not in seen["mentor"]
    assert "The goals the new teacher sets with their mentor" in seen["admin"]
    assert "you" not in services.section_guidance(handbook, None, comments=False)["cases"].lower().split()


def test_the_school_year_is_said_as_each_script_s_readers_count_it(ctx):
    """Taiwan counts school years from the ROC founding (115 學年度); mainland readers count by the calendar: a
    simplified-Chinese handbook says 2026–2027 学年, never the ROC year."""
    import flask_babel

    from workspace.mentoring.services import handbook_export

    pair = make_pair()
    handbook = _open(pair)
    with flask_babel.force_locale("zh_Hant"):
        traditional = handbook_export.handbook_title(handbook)
    with flask_babel.force_locale("zh_Hans"):
        simplified = handbook_export.handbook_title(handbook)
    year = handbook.school_year
    assert f"{year - 1911} 學年度（{year}–{year + 1}）" in traditional
    assert f"{year}–{year + 1} 学年" in simplified and str(year - 1911) not in simplified


# --- the school year and the signatures on paper and in Word ---------------------------------------


def test_the_school_year_is_said_in_the_reader_s_calendar(ctx):
    import flask_babel

    from workspace.mentoring.services.terms import school_year_label

    with flask_babel.force_locale("en"):
        assert school_year_label(2026) == "2026–27"
    with flask_babel.force_locale("zh_Hant"):
        assert school_year_label(2026).startswith("115 學年度")
    with flask_babel.force_locale("zh_Hans"):
        assert "115" not in school_year_label(2026) and "2026–2027" in school_year_label(2026)


def test_the_print_page_carries_the_school_year_on_top_and_three_signature_lines_kept_together(client, ctx):
    pair = make_pair()
    pair.mentee.mail_locale = "en"  # never chose a language; logged in last in English: their print is English
    _open(pair)
    client.login(pair.mentee)
    body = client.get(_url(pair, "/print")).get_data(as_text=True)
    fields = body.split('class="sheet-table plan-fields"')[1].split("</table>")[0]
    first_row = fields.split("<tr>")[1]
    assert "School year" in first_row and "2026–27" in first_row
    signatures = body.split('id="handbook-signatures"')[1].split("</section>")[0]
    rows = signatures.split("<tbody>")[1].split("<tr>")[1:]
    assert [row.split("</th>")[0].rsplit(">", 1)[1] for row in rows] == ["New teacher", "Mentor", "Convener"]
    assert "林老師" in rows[0] and "王老師" in rows[1] and "召集人" in rows[2]
    assert "Signature" in signatures and "Date" in signatures
    assert body.index("handbook-signatures") > body.index("plan-print-section")  # at the end
    css = (client.application.static_folder + "/css/sheet.css")
    with open(css, encoding="utf-8") as sheet:
        assert ".record-signatures { break-inside: avoid" in sheet.read()


def test_the_print_page_in_traditional_chinese_says_the_roc_school_year(client, ctx):
    pair = make_pair()
    pair.mentee.locale = "zh_Hant"
    _open(pair)
    client.login(pair.mentee)
    body = client.get(_url(pair, "/print")).get_data(as_text=True)
    assert "115 學年度" in body.split('class="sheet-table plan-fields"')[1].split("</tr>")[0]
    assert "簽名" in body and "召集人" in body


def test_the_docx_carries_the_school_year_and_three_signature_lines_that_keep_together(client, ctx):
    pair = make_pair()
    pair.mentee.locale = "en"
    _open(pair)
    client.login(pair.mentee)
    document = docx.Document(io.BytesIO(client.get(_url(pair, "/export.docx")).data))
    cover = document.tables[0]
    cells = [[cell.text for cell in row.cells] for row in cover.rows]
    assert ["School year", "2026–27"] in cells
    signatures = document.tables[-1]
    rows = [[cell.text for cell in row.cells] for row in signatures.rows]
    assert rows[0] == ["Role", "Name", "Signature", "Date"]
    assert [row[0] for row in rows[1:]] == ["New teacher", "Mentor", "Convener"]
    assert [row[1] for row in rows[1:]] == ["林老師", "王老師", "召集人"]
    for row in signatures.rows:
        assert row._tr.trPr is not None and row._tr.trPr.find(docx.oxml.ns.qn("w:cantSplit")) is not None
    for row in signatures.rows[:-1]:
        assert all(paragraph.paragraph_format.keep_with_next for cell in row.cells for paragraph in cell.paragraphs)
    # the heading before the table keeps with it, so the block starts on the page it ends on
    body = document.element.body
    before = signatures._tbl.getprevious()
    assert before is not None and before.tag == docx.oxml.ns.qn("w:p")
    assert docx.text.paragraph.Paragraph(before, body).paragraph_format.keep_with_next


def test_the_print_page_is_in_the_teacher_s_language_as_the_word_file_is(client, ctx):
    """QA: the Word file was in the teacher's language and the print in the reader's, so a mentor reading the site
    in English printed an English handbook of a teacher who writes in Chinese, with 115 學年度 on the file only.
    Both are the teacher's handbook: the print reads as the file does, whoever prints it."""
    pair = make_pair()
    pair.mentee.locale = "zh_Hant"
    pair.mentor.locale = "en"
    _open(pair)
    client.login(pair.mentor)
    body = client.get(_url(pair, "/print")).get_data(as_text=True)
    assert '<html lang="zh-Hant">' in body
    assert "115 學年度" in body and "簽名" in body and "School year" not in body
    page = client.get(_url(pair)).get_data(as_text=True)  # the handbook's own page stays in the reader's language
    assert "School year" in page or "Development handbook" in page


def test_the_word_file_s_plain_name_says_what_it_is(client, ctx):
    """Old clients read only the plain filename: a Chinese handbook's was download-2026.docx."""
    pair = make_pair()
    pair.mentee.locale = "zh_Hant"
    _open(pair)
    client.login(pair.mentee)
    disposition = client.get(_url(pair, "/export.docx")).headers["Content-Disposition"]
    assert 'filename="development-handbook-2026.docx"' in disposition and "filename*=UTF-8''" in disposition
