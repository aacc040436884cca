"""The results report as DOCX, opened with python-docx: cover, Word heading styles and the table of contents,
Chinese round-trips, the panel's figures, photos resized for print, the chosen comment (and not another), the
budget, three languages, and minutes full of naughty strings."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import docx
import flask_babel
import pytest
from docx.oxml.ns import qn
from PIL import Image

from tests.exports.report_world import report_world
from tests.factories import add_member, make_user
from workspace.compliance import services as compliance
from workspace.compliance import wording as compliance_wording
from workspace.core.photos import PRINT_SIDE
from workspace.exports import report
from workspace.exports.content import report_content
from workspace.exports.report import build_report, month_chart
from workspace.extensions import db


def _open(built) -> docx.document.Document:
    return docx.Document(io.BytesIO(built.data))


def _text(document) -> str:
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    return "\n".join(parts)


def _built(world, language="zh_Hant", steps=None):
    progress = (lambda done, total, step: steps.append((done, total, step))) if steps is not None else None
    with flask_babel.force_locale(language):  # as results_report does: the content is read in the report's language
        content = report_content(world.enrollment)
    if progress is None:
        return content, build_report(content, language=language)
    return content, build_report(content, language=language, progress=progress)


def test_the_cover_names_community_school_program_period_and_convener(ctx):
    world = report_world()
    content, built = _built(world)
    document = _open(built)
    assert built.filename.endswith(".docx") and content.community_name in built.filename
    cover = document.tables[0]
    values = {row.cells[0].text: row.cells[1].text for row in cover.rows}
    assert values["社群"] == content.community_name
    assert values["學校"] == content.school and content.school
    assert values["補助計畫"] == content.program_name
    assert values["召集人"] == "陳召集"
    # QA: no 民國 date anywhere; a Taiwanese funder's program (NT$) gets its period in the ROC calendar too.
    assert values["計畫期程（民國紀年）"] == "民國114年8月1日至民國115年7月31日"
    assert document.paragraphs[0].style.name == "Title"


def test_the_cover_names_the_co_conveners_apart_from_the_convener(ctx):
    """召集人 is the convener alone; the co-conveners are named as 副召集人 (they were joined to the convener)."""
    world = report_world()
    community = world.setup.club.community

    def co_convener(name: str) -> None:  # a co-convener since before the period
        add_member(community, make_user(display_name=name), role="co_convener").joined_at = dt.datetime(
            2025, 1, 1, tzinfo=dt.UTC)
        db.session.commit()

    co_convener("林志豪")
    content, built = _built(world)
    assert content.conveners == ("陳召集",) and content.co_conveners == ("林志豪",)
    values = {row.cells[0].text: row.cells[1].text for row in _open(built).tables[0].rows}
    assert values["召集人"] == "陳召集" and values["副召集人"] == "林志豪"
    english = {row.cells[0].text: row.cells[1].text
               for row in _open(build_report(content, language="en")).tables[0].rows}
    assert english["Convener"] == "陳召集" and english["Co-convener"] == "林志豪"
    co_convener("王副召")
    content = report_content(world.enrollment)
    english = {row.cells[0].text: row.cells[1].text
               for row in _open(build_report(content, language="en")).tables[0].rows}
    assert english["Co-conveners"] == "林志豪, 王副召" and english["Convener"] == "陳召集"  # the language's comma
    chinese = {row.cells[0].text: row.cells[1].text
               for row in _open(build_report(content, language="zh_Hant")).tables[0].rows}
    assert chinese["副召集人"] == "林志豪、王副召"


def test_a_cover_without_co_conveners_has_no_empty_line_for_them(ctx):
    world = report_world()
    _content, built = _built(world, language="en")
    labels = [row.cells[0].text for row in _open(built).tables[0].rows]
    assert "Convener" in labels and not {"Co-convener", "Co-conveners"} & set(labels)


def test_headings_use_word_styles_and_a_table_of_contents_field_opens_it(ctx):
    world = report_world()
    _content, built = _built(world, "en")
    document = _open(built)
    styles = {paragraph.style.name for paragraph in document.paragraphs if paragraph.style.name.startswith("Heading")}
    assert {"Heading 1", "Heading 2"} <= styles
    headings = [paragraph.text for paragraph in document.paragraphs if paragraph.style.name == "Heading 1"]
    assert headings[:2] == ["Preface", "Figures"]
    instructions = [node.text for node in document.element.body.iter(qn("w:instrText"))]
    assert any('TOC \\o "1-3" \\h' in text for text in instructions)
    assert document.settings.element.find(qn("w:updateFields")) is not None


def test_the_east_asian_font_is_set_on_the_styles(ctx):
    world = report_world()
    document = _open(_built(world)[1])
    for name in ("Normal", "Heading 1", "Title"):
        fonts = document.styles[name].element.rPr.find(qn("w:rFonts")) if name == "Normal" else None
        if fonts is not None:
            assert fonts.get(qn("w:eastAsia")) == "Microsoft JhengHei"
    styles_xml = zipfile.ZipFile(io.BytesIO(_built(world)[1].data)).read("word/styles.xml").decode()
    assert 'w:eastAsia="Microsoft JhengHei"' in styles_xml and "w:eastAsiaTheme" not in styles_xml


def test_the_figures_are_the_panel_s(ctx):
    world = report_world()
    content, built = _built(world, "en")
    text = _text(_open(built))
    standing = compliance.standings([world.enrollment])[0]
    figures = {row.cells[0].text: row.cells[1].text for row in _open(built).tables[1].rows}
    assert figures["Members during the period"] == str(len({member.user_id for member in standing.facts.members}))
    assert figures["Activities held"] == str(sum(1 for activity in standing.facts.activities if activity.held))
    # Both rates, each named for what it is: attended over expected, and the mean of the activities' rates.
    assert figures["Average attendance rate per activity"] == f"{content.attendance_rate * 100:.1f}%"
    assert figures["Overall attendance rate"] == f"{content.attended / content.expected * 100:.1f}%"
    assert figures["Attendance"] == f"{content.attended} of {content.expected} expected"
    assert compliance_wording.money(standing.ledger.remaining, standing.ledger.currency) in text
    assert compliance_wording.money(standing.ledger.approved, standing.ledger.currency) in text


def test_chinese_round_trips_and_minutes_are_written_as_the_page_shows_them(ctx):
    world = report_world()
    text = _text(_open(_built(world)[1]))
    for phrase in ("共同備課：分數", "觀課與議課", "線上讀書會", "教學觀察", "分數教案", "觀課.mp4"):
        assert phrase in text
    document = _open(_built(world)[1])
    assert any(paragraph.style.name == "Heading 4" and paragraph.text == "討論" for paragraph in document.paragraphs)
    assert "**" not in text  # the Markdown was rendered, not copied


def test_the_evidence_packs_report_lists_the_photos_its_folders_hold_instead_of_placing_them(ctx):
    world = report_world()
    content = report_content(world.enrollment)
    document = _open(build_report(content, language="en", photos_inline=False))
    assert len(document.inline_shapes) == 1  # the chart alone: memory does not grow with the photos
    text = _text(document)
    assert "The 3 photos are in each activity's folder of this evidence pack." in text
    assert all(photo.filename in text for photo in content.photos)


def test_methods_are_worded_as_the_activities_pages_word_them(ctx):
    world = report_world()
    text = _text(_open(_built(world, "en")[1]))
    assert "Collaborative lesson planning" in text and "Teaching observation and feedback" in text
    assert "Online" in text and "Results report" in text


def test_photos_are_in_resized_for_print_with_captions_and_progress_per_photo(ctx):
    world = report_world()
    steps: list = []
    _content, built = _built(world, steps=steps)
    document = _open(built)
    assert len(document.inline_shapes) == 4  # the chart and three photos
    photos = [part for name, part in ((p.partname, p) for p in document.part.package.parts) if "media" in str(name)]
    sizes = [Image.open(io.BytesIO(part.blob)).size for part in photos]
    assert any(max(size) == PRINT_SIDE for size in sizes)  # the 2400-px photos were shrunk
    assert all(max(size) <= PRINT_SIDE for size in sizes)
    captions = [paragraph.text for paragraph in document.paragraphs if paragraph.style.name == "Caption"]
    assert any("共同備課：分數 的照片" in caption for caption in captions)
    assert [step for step in steps if step[2] == "photos"] == [(1, 3, "photos"), (2, 3, "photos"), (3, 3, "photos")]


def test_the_chosen_comment_is_quoted_and_an_unchosen_one_is_not(ctx):
    world = report_world()
    report.save_texts(world.enrollment, preface="本社群的**前言**", culture_change="老師們開始互相觀課",
                      chosen_feedback_ids=[world.chosen.id], video_activity_id=None, version=0, actor=world.convener)
    db.session.commit()
    text = _text(_open(_built(world)[1]))
    assert "非常實用，想再參加" in text
    assert "時間太短了不夠討論" not in text
    assert "本社群的前言" in text and "老師們開始互相觀課" in text


@pytest.mark.parametrize(("language", "heading", "category", "others"), [
    ("zh_Hant", "經費", "膳食費（茶水費）", ("膳食费", "Refreshments")),
    ("zh_Hans", "经费", "膳食费（茶水费）", ("膳食費", "Refreshments")),
    ("en", "Budget", "Refreshments", ("膳食",)),
])
def test_each_language_writes_its_own_words(ctx, language, heading, category, others):
    world = report_world()
    document = _open(_built(world, language)[1])
    assert any(heading in paragraph.text for paragraph in document.paragraphs if paragraph.style.name == "Heading 1")
    cells = {cell.text for table in document.tables for row in table.rows for cell in row.cells}
    assert category in cells  # the budget's categories too, as the program names them in each language
    assert not any(other in cell for cell in cells for other in others)


def test_naughty_minutes_do_not_break_the_report(ctx, naughty):
    world = report_world(minutes="\n\n".join(naughty[:300]) + "\x07")
    document = _open(_built(world)[1])
    assert "觀課與議課" in _text(document)
    world2 = report_world("report-b", minutes="\n".join(naughty[300:]))
    assert _open(_built(world2)[1]).inline_shapes


def test_the_chart_is_a_png_with_a_bar_per_month(ctx):
    import datetime as dt

    data = month_chart([(dt.date(2025, 8, 1), 0), (dt.date(2025, 9, 1), 3)])
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG" and image.size == (1200, 520)


def test_a_period_with_nothing_held_still_makes_a_report(ctx):
    from tests.compliance.helpers import enrolled

    setup = enrolled("empty")
    content = report_content(setup.enrollment)
    document = _open(build_report(content, language="en"))
    text = _text(document)
    assert content.held == 0 and content.attendance_rate is None and content.video is None
    assert "No activity was held in the period." in text and "No photo was kept." in text
    assert len(document.inline_shapes) == 1  # the chart, all zeros


def test_libreoffice_opens_the_report_and_shows_chinese_glyphs(ctx, tmp_path):
    from tests.exports import office

    office.office()
    world = report_world()
    source = tmp_path / "report.docx"
    source.write_bytes(_built(world)[1].data)
    pdf = office.to_pdf(source, tmp_path)
    text = office.pdf_text(pdf)
    assert "觀課與議課" in text and "共同備課：分數" in text
    assert office.has_cjk_font(pdf)
    assert office.page_count(pdf) >= 3
    assert office.shows_distinct_cjk_glyphs(pdf, tmp_path, page=1)  # drawn as glyphs, not as boxes


def test_a_report_places_at_most_the_chosen_photos_of_each_activity_and_says_how_many_more(ctx):
    from tests.exports.report_world import jpeg_bytes
    from workspace.activities import services as activities
    from workspace.core.storage import store_upload

    world = report_world()
    first = world.activities[0]
    for number in (2, 3):  # three photos on the first activity, one on each of the two others
        activities.add_evidence(first, store_upload(io.BytesIO(jpeg_bytes()), f"photo{number}.jpg"),
                                actor=world.convener, caption=f"第 {number} 張")
    db.session.commit()
    content = report_content(world.enrollment)
    assert len(content.photos) == 5 and content.photos_per_activity(None) is content
    capped = content.photos_per_activity(2)
    kept = [photo.caption for photo in capped.photos if photo.activity_id == first.id]
    assert kept == ["共同備課：分數 的照片", "第 2 張"]  # the first ones added
    assert (len(capped.photos), capped.photos_left_out) == (4, 1)
    document = _open(build_report(capped, language="en"))
    assert len(document.inline_shapes) == 5  # the chart and four photos
    assert ("1 more photo of these activities is not placed here: the activity's folder of the evidence pack "
            "holds it.") in _text(document)
    assert "not placed here" not in _text(_open(build_report(content, language="en")))


def test_the_report_says_in_one_line_that_a_pairs_private_records_keep_their_photos(ctx):
    """QA: the panel counted 4 activities with photos and the report placed photos of 3 without saying why. A pair's
    private record keeps its photos; the report says how many such records have some, as the pack's note does."""
    world = report_world()
    kept = "The photos of 1 mentoring meeting or observation kept to its pair stay with the pair: the compliance " \
           "panel counts them, and this report does not carry them."
    assert kept not in _text(_open(_built(world, "en")[1]))
    world.activities[0].private = True
    db.session.commit()
    content, built = _built(world, "en")
    assert content.photos_kept_to_pairs == 1 and len(content.photos) == 2  # the two others' photos are placed
    assert len(_open(built).inline_shapes) == 3  # the chart and two photos
    assert _text(_open(built)).count(kept) == 1
    assert kept in _text(_open(build_report(content, language="en", photos_inline=False)))  # the pack's report
    assert kept in _text_of_filled(content)  # the default funder template


def _text_of_filled(content) -> str:
    from workspace.exports import templates

    return _text(docx.Document(io.BytesIO(templates.fill_default(content))))


def test_the_budget_leaves_out_kept_not_claimable_when_nothing_is_kept_as_the_default_template_does(ctx):
    """QA: the built report printed "Kept, not claimable NT$0" with nothing kept; the default funder template leaves
    the line out at zero."""
    from workspace.compliance.services import budget

    world = report_world()
    content, built = _built(world, "en")
    assert content.ledger.not_claimable == 0
    assert "Kept, not claimable" not in _text(_open(built)) and "Kept, not claimable" not in _text_of_filled(content)
    expense = budget.add_expense(world.enrollment, budget.ExpenseFields(
        "printing_materials", world.activities[0].starts_at.date(), 200, keep_unclaimable=True), world.convener)
    db.session.commit()
    content, built = _built(world, "en")
    assert expense.claimable is False and content.ledger.not_claimable == 200
    budget_figures = {row.cells[0].text: row.cells[1].text for table in _open(built).tables for row in table.rows
                      if len(row.cells) == 2}
    assert budget_figures["Kept, not claimable"] == "NT$200"


def test_the_month_table_writes_months_as_the_language_does(ctx):
    world = report_world()
    tables = [[cell.text for cell in row.cells] for table in _open(_built(world)[1]).tables for row in table.rows]
    assert ["2025年9月", "1"] in tables  # the chart's axis keeps digits: it is drawn without a CJK font
    english = [[cell.text for cell in row.cells] for table in _open(_built(world, "en")[1]).tables
               for row in table.rows]
    assert ["September 2025", "1"] in english


def test_an_activity_without_attendance_taken_says_so_instead_of_nobody_came(ctx):
    world = report_world()
    world.setup.club.activity("未點名的讀書會", starts=dt.datetime(2025, 11, 5, 14, 0), method="topic_study")
    paragraphs = _open(_built(world, "zh_Hant")[1]).paragraphs

    def under(title: str) -> list[str]:
        """The two paragraphs under an activity's heading (its facts, then its attendance)."""
        at = next(index for index, paragraph in enumerate(paragraphs)
                  if paragraph.style.name == "Heading 2" and paragraph.text.endswith(title))
        return [paragraph.text for paragraph in paragraphs[at + 1:at + 3]]

    assert under("未點名的讀書會")[1] == "本次活動未點名。"
    assert re.fullmatch(r"出席：\d+ 人中 2 人（.+）", under("共同備課：分數")[1])  # the marked keep their figures


@pytest.mark.parametrize(("language", "heading", "status"), [
    ("zh_Hant", "計畫規定", "未達成"), ("zh_Hans", "计划规定", "未达成"), ("en", "The program's rules", "Not met")])
def test_the_report_states_each_rule_as_the_panel_judged_it_and_the_book_list(ctx, language, heading, status):
    """QA: the urban–rural report left out every figure its own rules ask for (同步課堂 1 of 20 …), and the book
    list that the materials rule requires was in no export: the report lists each rule with the panel's figure
    and status and what is missing, and the book list under the budget."""
    from flask_babel import force_locale

    from workspace.compliance.services import budget

    world = report_world()
    budget.add_book(world.enrollment, "教學評量：素養導向的設計", "吳毓瑩", "社群的評量共備用書", world.convener)
    db.session.commit()
    standing = compliance.standings([world.enrollment])[0]
    with force_locale(language):
        content = report_content(world.enrollment)
        built = build_report(content, language=language)
        expected = {(compliance_wording.rule_message(world.enrollment.program.definition, result),
                     compliance_wording.figure_text(result) or "—", compliance_wording.status_label(result.status))
                    for result in standing.results}
    document = _open(built)
    headings = [paragraph.text for paragraph in document.paragraphs if paragraph.style.name.startswith("Heading")]
    assert heading in headings
    rules = next(table for table in document.tables if len(table.rows) == len(standing.results) + 1
                 and len(table.columns) == 3)
    assert {tuple(cell.text for cell in row.cells) for row in rules.rows[1:]} == expected
    assert any(row.cells[2].text == status for row in rules.rows[1:])  # a past period: some rule was not met
    books = next(table for table in document.tables if table.rows[0].cells[0].text and any(
        cell.text == "教學評量：素養導向的設計" for row in table.rows for cell in row.cells))
    assert [cell.text for cell in books.rows[1].cells] == ["教學評量：素養導向的設計", "吳毓瑩", "社群的評量共備用書"]
    # What is missing reads as the funder needs it, without the panel's instructions (QA: "mark it delivered under
    # Deliverables on this panel" was printed in the report handed to the county).
    report_gaps = [gap for result in standing.results for gap in result.gaps
                   if gap.code == "deliverable_missing" and gap.params.get("item") == "results_report"]
    assert report_gaps  # a past period without the report marked delivered
    with force_locale(language):
        on_the_panel = compliance_wording.gap_text(report_gaps[0])
        in_the_report = compliance_wording.gap_text(report_gaps[0], in_document=True)
    printed = [gap for rule in content.rules for gap in rule.gaps]
    assert in_the_report in printed and on_the_panel not in printed
    assert on_the_panel not in _text(document) and in_the_report in _text(document)


@pytest.mark.parametrize(("language", "expected"), [
    ("zh_Hant", "民國114年8月1日至民國115年7月31日"), ("zh_Hans", "民国114年8月1日至民国115年7月31日"),
    ("en", "ROC 114/8/1 to ROC 115/7/31")])
def test_the_roc_period_is_written_in_the_documents_language(ctx, language, expected):
    """QA: the Simplified report wrote 民國 in Traditional and the English one 民國…日 to 民國…日."""
    from flask_babel import force_locale

    world = report_world()
    with force_locale(language):
        built = build_report(report_content(world.enrollment), language=language)
    values = {row.cells[0].text: row.cells[1].text for row in _open(built).tables[0].rows}
    assert expected in values.values()


def test_a_material_s_link_is_under_its_title_in_the_widest_column(ctx):
    """QA: the link's own column was squeezed until each address broke over five lines beside a half-empty "Kind"."""
    from docx.oxml.ns import qn as namespaced

    world = report_world()
    content = report_content(world.enrollment)
    document = _open(build_report(content, language="en"))
    table = next(table for table in document.tables if table.rows[0].cells[0].text == "Title"
                 and [cell.text for cell in table.rows[0].cells][1:] == ["Kind", "Subject and grade"])
    material = content.materials[0]
    assert table.rows[1].cells[0].text.splitlines() == [material.title, material.url]
    widths = [int(column.get(namespaced("w:w"))) for column in table._tbl.tblGrid.findall(namespaced("w:gridCol"))]
    assert widths[0] == max(widths)


def test_an_activity_without_a_roll_call_is_left_out_of_the_attendance_figures(ctx):
    """QA: a fourth activity held where nobody was marked said 未點名 under its own heading, yet the figures counted it
    as 0 of 3 more expected (整體出席率 and the average per activity both fell). It is left out, and the figures
    say how many were."""
    from workspace.activities import services as activities

    world = report_world()
    unmarked = world.setup.club.activity("沒有點名的讀書會", starts=dt.datetime(2025, 11, 5, 14))
    db.session.commit()
    content = report_content(world.enrollment)
    assert content.held == 4 and content.not_taken == 1
    assert (content.attended, content.expected) == (6, 18)  # three activities of six members, two came to each
    assert content.attendance_rate == round(2 / 6, 3) and content.overall_rate == 6 / 18
    assert not next(row for row in content.activities if row.id == unmarked.id).attendance_taken
    built = build_report(content, language="en")
    figures = {row.cells[0].text: row.cells[1].text for row in _open(built).tables[1].rows}
    assert figures["Attendance"] == "6 of 18 expected" and figures["Overall attendance rate"] == "33.3%"
    assert figures["Average attendance rate per activity"] == "33.3%"  # not the mean with a fourth 0%
    assert "1 activity without a roll call is not counted in the attendance figures." in _text(_open(built))
    activities.set_attendance(unmarked, {world.setup.club.member.id: "present"}, actor=world.setup.club.convener,
                              now=unmarked.starts_at)
    db.session.commit()
    assert report_content(world.enrollment).not_taken == 0


@pytest.mark.parametrize(("language", "label"), [
    ("en", "Members during the period"), ("zh_Hant", "期間內參與成員"), ("zh_Hans", "期间内参与成员")])
def test_the_figures_name_the_members_of_the_whole_period_as_such(ctx, language, label):
    """QA: the figures said 成員 6 (everyone of the period, departed ones too) and the rules 5 位成員 (today's)."""
    world = report_world()
    content, built = _built(world, language)
    figures = {row.cells[0].text: row.cells[1].text for row in _open(built).tables[1].rows}
    assert figures[label] == str(content.members)
