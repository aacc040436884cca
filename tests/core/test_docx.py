"""The one DOCX builder: reopened with python-docx, a document holds its cover, headings in Word's heading styles,
paragraphs, Markdown, tables, images and page breaks, with the East Asian font of its language on every style."""

from __future__ import annotations

import io
import itertools

import docx
import pytest
from docx.document import Document as DocumentObject
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from PIL import Image

from workspace.core.docx import (
    DENSE_CELL_MARGIN,
    DENSE_FONT_PT,
    LABEL_WIDTH,
    MAX_LABEL_WIDTH,
    SIGNATURE_ROW,
    TEXT_WIDTH,
    DocxBuilder,
    column_widths,
    table_widths,
    text_width,
)


def reopen(builder: DocxBuilder) -> DocumentObject:
    return docx.Document(io.BytesIO(builder.to_bytes()))


def png(width: int = 400, height: int = 200) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "PNG", dpi=(72, 72))
    return out.getvalue()


def styled(document: DocumentObject) -> list[tuple[str, str]]:
    return [(paragraph.style.name, paragraph.text) for paragraph in document.paragraphs]


def east_asian_font(document: DocumentObject, style: str) -> str | None:
    return document.styles[style].element.rPr.rFonts.get(qn("w:eastAsia"))


def test_a_report_reads_back_in_order_with_word_heading_styles():
    builder = DocxBuilder(title="成果報告", footer="五年級數學社群")
    builder.cover("成果報告", subtitle="115 學年度", fields=[("社群", "五年級數學社群"), ("召集人", "")])
    builder.heading("前言")
    builder.paragraph("第一行\n第二行")
    builder.heading("量化成果", level=2)
    builder.markdown("## 活動\n\n- 共同備課\n- 公開授課", heading_offset=2)
    builder.page_break()
    builder.heading("附錄", level=12)
    document = reopen(builder)

    assert styled(document)[:2] == [("Title", "成果報告"), ("Subtitle", "115 學年度")]
    assert [(style, text) for style, text in styled(document) if style.startswith("Heading")] == [
        ("Heading 1", "前言"), ("Heading 2", "量化成果"), ("Heading 4", "活動"), ("Heading 9", "附錄")]
    assert ("Normal", "第一行\n第二行") in styled(document)
    assert [text for style, text in styled(document) if style == "List Bullet"] == ["共同備課", "公開授課"]
    assert len(document.element.body.xpath('.//w:br[@w:type="page"]')) == 1
    assert [[cell.text for cell in row.cells] for row in document.tables[0].rows] == [
        ["社群", "五年級數學社群"], ["召集人", "—"]]
    assert document.core_properties.title == "成果報告"
    assert document.sections[0].footer.paragraphs[0].text == "五年級數學社群"


@pytest.mark.parametrize(("language", "font", "tag"), [
    ("zh_Hant", "Microsoft JhengHei", "zh-TW"),
    ("zh_Hans", "Microsoft YaHei", "zh-CN"),
    ("en", "Microsoft JhengHei", "en-US"),
])
def test_every_style_carries_the_east_asian_font_of_the_language(language, font, tag):
    builder = DocxBuilder(language=language)
    builder.heading("分數")
    builder.paragraph("中文")
    document = reopen(builder)
    for style in ("Normal", "Title", "Subtitle", "Heading 1", "Heading 2", "Heading 9"):
        fonts = document.styles[style].element.rPr.rFonts
        assert fonts.get(qn("w:eastAsia")) == font, style
        assert fonts.get(qn("w:eastAsiaTheme")) is None, style
    defaults = document.styles.element.find(qn("w:docDefaults"))
    assert defaults.find(".//" + qn("w:rFonts")).get(qn("w:eastAsia")) == font
    tags = defaults.find(".//" + qn("w:lang"))
    assert tags.get(qn("w:val")) == "en-US"  # Latin text: LibreOffice breaks zh-TW-tagged numbers anywhere
    assert tags.get(qn("w:eastAsia")) == ("zh-CN" if language == "zh_Hans" else "zh-TW")
    assert document.core_properties.language == tag


def test_an_unknown_language_falls_back_to_traditional_chinese_and_a_font_can_be_chosen():
    assert east_asian_font(reopen(DocxBuilder(language="fr")), "Normal") == "Microsoft JhengHei"
    assert east_asian_font(reopen(DocxBuilder(language="en", east_asian_font="DFKai-SB")), "Heading 1") == "DFKai-SB"


def test_table_with_a_header_repeated_on_every_page():
    builder = DocxBuilder()
    builder.table([("共同備課", 3, 6.0), ("公開授課", None, "")], header=["方式", "場次", "時數"],
                  widths=[Mm(60), Mm(30), Mm(30)])
    table = reopen(builder).tables[0]
    assert table.style.name == "Table Grid"
    assert [[cell.text for cell in row.cells] for row in table.rows] == [
        ["方式", "場次", "時數"], ["共同備課", "3", "6.0"], ["公開授課", "—", ""]]
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert all(run.bold for run in table.rows[0].cells[0].paragraphs[0].runs)
    assert not any(run.bold for run in table.rows[1].cells[0].paragraphs[0].runs)


def test_a_table_after_a_table_stays_a_table_of_its_own():
    """Word and LibreOffice join two tables that touch into one (the figures ran into the budget's categories)."""
    builder = DocxBuilder()
    builder.fields([("核撥數", "NT$30,000"), ("結餘數", "NT$26,480")])
    builder.table([("講座鐘點費", "1", "NT$2,000")], header=["經費項目", "筆數", "已支出"])
    builder.paragraph("之後")
    builder.table([("a", "b")])
    document = reopen(builder)
    assert len(document.tables) == 3
    body = [child.tag.split("}")[1] for child in document.element.body if child.tag != qn("w:sectPr")]
    assert not any(first == second == "tbl" for first, second in itertools.pairwise(body))
    assert body.count("p") == 2  # the one between the first two tables, and the text before the third


def test_image_is_scaled_to_the_text_width_with_its_caption():
    builder = DocxBuilder()
    builder.image(png(4000, 1000), caption="共同備課的照片")
    builder.image(png(100, 100), width=Mm(20))
    document = reopen(builder)
    wide, small = document.inline_shapes
    assert wide.width == TEXT_WIDTH and abs(wide.height - TEXT_WIDTH // 4) <= 1
    assert small.width <= Mm(20)
    assert ("Caption", "共同備課的照片") in styled(document)
    # QA: a chart's caption began the next page alone; the picture keeps with it, one without a caption need not
    pictures = [paragraph for paragraph in document.paragraphs if paragraph._p.xpath(".//w:drawing")]
    assert [paragraph.paragraph_format.keep_with_next for paragraph in pictures] == [True, None]


def test_bytes_that_are_no_image_raise_and_leave_nothing_behind():
    builder = DocxBuilder()
    with pytest.raises(ValueError):
        builder.image(b"not an image")
    document = reopen(builder)
    assert document.paragraphs == [] and len(document.inline_shapes) == 0


def test_images_in_markdown_come_from_the_image_source_else_show_their_alt():
    sources = {"https://example.org/a.png": png()}
    builder = DocxBuilder(image_source=sources.get)
    builder.markdown("![板書](https://example.org/a.png) 與 ![缺](https://example.org/missing.png)")
    document = reopen(builder)
    assert len(document.inline_shapes) == 1
    assert "[缺]" in document.paragraphs[0].text
    assert "[板書]" not in document.paragraphs[0].text
    without = reopen_markdown("![板書](https://example.org/a.png)")
    assert len(without.inline_shapes) == 0 and without.paragraphs[0].text == "[板書]"


def reopen_markdown(source: str) -> DocumentObject:
    builder = DocxBuilder()
    builder.markdown(source)
    return reopen(builder)


def test_markdown_that_shows_nothing_writes_the_empty_mark_only_when_asked():
    builder = DocxBuilder()
    assert builder.markdown("   ") is False
    assert builder.markdown("", empty="—") is False
    assert builder.markdown("正文") is True
    assert [paragraph.text for paragraph in reopen(builder).paragraphs] == ["—", "正文"]


def test_save_writes_the_same_document_to_a_stream(tmp_path):
    builder = DocxBuilder()
    builder.heading("目標")
    path = tmp_path / "plan.docx"
    builder.save(path)
    assert docx.Document(str(path)).paragraphs[0].text == "目標"


def grid(table) -> list[float]:
    """The widths of the table's grid columns (what LibreOffice and WPS lay the table out by), in millimetres
    (Word keeps them in twips, so to a tenth)."""
    return [mm(column.w) for column in table._tbl.tblGrid.gridCol_lst]


def mm(length: int) -> float:
    return round(length / Mm(1), 1)


def test_given_column_widths_are_written_into_the_grid_and_on_every_cell():
    builder = DocxBuilder()
    builder.table([("1", "林老師", "", "")], header=["#", "姓名", "簽名", "備註"],
                  widths=[Mm(12), Mm(50), Mm(68), Mm(40)])
    table = reopen(builder).tables[0]
    assert grid(table) == [12, 50, 68, 40]
    assert all([mm(cell.width) for cell in row.cells] == grid(table) for row in table.rows)
    assert table._tbl.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"


def test_columns_without_given_widths_follow_their_content_and_never_break_an_amount():
    builder = DocxBuilder()
    builder.table([("研習費用（講師鐘點費、交通費、膳費及場地費，依實核支）", "每小時上限 NT$1,600；每場上限 NT$3,200；"
                    "全年上限 NT$48,000", 2, "NT$1,600")], header=["類別", "上限", "筆數", "支出"])
    table = reopen(builder).tables[0]
    widths = grid(table)
    assert sum(widths) == pytest.approx(mm(TEXT_WIDTH), abs=0.2)
    category, limits, claims, spent = widths
    assert spent >= mm(Pt(text_width("NT$1,600"))) and limits >= mm(Pt(text_width("NT$48,000")))
    assert claims < spent < category  # a count needs less than an amount, which needs less than a long text
    assert len(set(widths)) == 4


def test_a_day_written_the_chinese_way_is_never_broken_in_a_narrow_column():
    """An application form's schedule wrapped 「2026 年 / 10 月 25 / 日」: the day is one piece, as an amount is."""
    rows = [("2026年10月25日", "新進教師輔導：黃美玲" * 6, "新進教師輔導", "線上"),
            ("2027年1月", "共同備課" * 12, "專業對話", "實體")]
    widths = column_widths(rows, 4)
    assert widths[0] >= Pt(text_width("2026年10月25日") + 14)
    assert column_widths([("10月25日", "很長的標題" * 20)], 2)[0] >= Pt(text_width("10月25日") + 14)


def test_partly_given_widths_leave_the_rest_of_the_text_width_to_the_other_columns():
    builder = DocxBuilder()
    builder.table([("1", "張老師", "")], widths=[Mm(12)])
    widths = grid(reopen(builder).tables[0])
    assert widths[0] == 12 and sum(widths) == pytest.approx(mm(TEXT_WIDTH), abs=0.2)


def test_a_fields_table_gives_its_labels_a_narrow_column_in_the_grid():
    builder = DocxBuilder(language="en")
    builder.cover("Results report", fields=[("Community", "五年級數學社群"), ("Period", "2026-08-01 – 2027-07-31")])
    builder.fields([("Kept, not claimable, and a label far too long for any label column", "NT$0")])
    short, long = reopen(builder).tables
    assert grid(short) == [mm(LABEL_WIDTH), mm(TEXT_WIDTH - LABEL_WIDTH)]
    assert grid(long)[0] == mm(MAX_LABEL_WIDTH) and sum(grid(long)) == pytest.approx(mm(TEXT_WIDTH), abs=0.2)


def test_a_markdown_table_gets_widths_from_its_content():
    builder = DocxBuilder()
    builder.markdown("| 項目 | 說明 |\n|---|---|\n| 短 | 一段相當長的說明文字，需要比較寬的欄位才放得下 |")
    widths = grid(reopen(builder).tables[0])
    assert sum(widths) == pytest.approx(mm(TEXT_WIDTH), abs=0.2) and widths[0] < widths[1]


def test_column_widths_share_the_total_even_when_nothing_fits():
    widths = column_widths([["x" * 200, "y" * 300]], 2, total=Mm(100))
    assert sum(widths) == Mm(100) and widths[0] < widths[1]
    assert column_widths([], 0) == []


MATERIALS = [["標題", "類別", "學科與年級", "連結"],
             ["五年級分數教學：等值分數與約分的生活情境設計", "資源庫資源", "數學 五年級",
              "https://plc.example.edu.tw/c/grade5-math-club/resources/1234"],
             ["分數教案", "共同備課教案", "數學 五年級", "https://plc.example.edu.tw/c/grade5-math-club/plans/56"],
             ["觀課紀錄表與議課提問單（含學生學習單）", "資源庫資源", "—",
              "https://plc.example.edu.tw/c/grade5-math-club/resources/1240"]]


def test_a_column_of_long_links_leaves_the_titles_room_to_be_read():
    """The report's materials table: a whole URL was measured as one unbreakable piece, so the link column took
    three quarters of the width and each title wrapped every two or three characters. A URL wraps after its
    slashes and asks for a modest width; the titles get the largest share."""
    widths = column_widths(MATERIALS, 4, bold_first_row=True)
    title, kind, detail, link = widths
    assert sum(widths) == TEXT_WIDTH
    assert title > link and title >= Pt(12 * 11)  # at least twelve characters of a title on a line
    assert link <= TEXT_WIDTH * 0.35
    assert link >= Pt(text_width("resources/") + 14)  # a piece of the URL still fits whole
    assert min(kind, detail) >= Pt(text_width("學科與年級") / 2)


def test_no_unbreakable_piece_leaves_the_other_columns_a_character_or_two():
    """A checksum (no URL, nowhere to break) is broken at the cell's edge by Word anyway: it no longer takes all
    but a sliver of the width, and the caption beside it keeps its line."""
    digest = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    caption, checksum = column_widths([["分數教學的照片", digest]], 2)
    assert caption >= Pt(text_width("分數教學的照片") + 14)
    assert checksum > caption and sum((caption, checksum)) == TEXT_WIDTH


@pytest.mark.parametrize(("language", "words"), [("zh_Hant", "第 1 頁"), ("zh_Hans", "第 1 页"), ("en", "Page 1")])
def test_every_page_footer_holds_its_number_as_a_page_field_in_the_document_s_language(language, words):
    """A printed report of seven pages had no page numbers: the footer keeps its line and numbers its pages."""
    builder = DocxBuilder(language=language, footer="五年級數學社群")
    builder.paragraph("一")
    footer = reopen(builder).sections[0].footer
    assert footer.paragraphs[0].text == "五年級數學社群"
    number = footer.paragraphs[1]
    assert number.text == words  # the field's shown result until a word processor fills it in
    assert [mark.get(qn("w:fldCharType")) for mark in number._p.iter(qn("w:fldChar"))] == ["begin", "separate", "end"]
    assert [code.text.strip() for code in number._p.iter(qn("w:instrText"))] == ["PAGE"]
    assert reopen(DocxBuilder(language=language)).sections[0].footer.paragraphs[0].text == words


SCHEDULE = [["日期", "時間", "標題", "進行方式與辦理形式", "負責人", "應留存佐證資料", "狀態"],
            ["10月2日", "16:00–16:50", "僅限師徒雙方的輔導紀錄", "協同備課 · 實體", "陳召集", "會議記錄、照片",
             "已辦理"],
            ["10月25日", "14:00–16:00", "觀課與議課：分數的等值概念與學生迷思", "教學觀察與回饋 · 實體", "陳召集",
             "會議記錄、照片", "已排定"]]


def test_a_schedule_gives_its_titles_the_most_room_and_never_breaks_a_date_or_a_time():
    """A plan's schedule (its days under their month's heading) broke 「2026 年 10 月 2 / 日」 (the gaps LibreOffice
    shows between Chinese and digits were not measured), 「會議記 / 錄、照 / 片」, and gave its times more room than
    its titles."""
    builder = DocxBuilder()
    builder.table(SCHEDULE[1:], header=SCHEDULE[0])
    table = reopen(builder).tables[0]
    date, time, title, method, lead, evidence, status = (column.w for column in table._tbl.tblGrid.gridCol_lst)
    assert sum((date, time, title, method, lead, evidence, status)) == pytest.approx(TEXT_WIDTH, abs=Mm(0.2))
    assert title == max(date, time, title, method, lead, evidence, status)
    size = DENSE_FONT_PT / 11  # a table of seven columns is set in the smaller font
    assert date >= Pt(text_width("10月25日") * size + 2 * DENSE_CELL_MARGIN.pt)
    assert time >= Pt(text_width("16:00–16:50") * size + 2 * DENSE_CELL_MARGIN.pt)
    assert evidence >= Pt(text_width("會議記錄、照片") * size + 2 * DENSE_CELL_MARGIN.pt)  # a short list on one line
    assert text_width("2026年10月2日") > text_width("2026 10 2") + text_width("年月日")  # the gaps are measured
    assert all(run.font.size == Pt(DENSE_FONT_PT) for cell in table.rows[1].cells for run in cell.paragraphs[0].runs)


def test_a_link_gives_up_its_width_before_the_text_that_is_read():
    """The report's materials: 「數學 五年 / 級」 wrapped while the link column was the widest."""
    title, kind, detail, link = table_widths(
        [["標題", "類型", "科目與年級", "連結"], ["分數教學的生活情境設計與學習單", "共同備課教案", "數學 五年級",
                                       "https://plc.example.edu.tw/c/grade5-math-club/resources/1234"]], header=True)
    assert detail >= Pt(text_width("數學 五年級") + 14) and kind >= Pt(text_width("共同備課教案") + 14)
    assert title > link


def test_signature_lines_are_one_table_kept_on_a_page_with_room_to_sign():
    """The handbook and the observation record sign alike: a row per person, none split across pages, each kept with
    the next and the heading with the table, tall enough to sign by hand."""
    builder = DocxBuilder(language="en")
    builder.heading("Signatures", level=1)
    builder.signature_table([("Teacher observed", "林老師"), ("Observer", "王老師")])
    document = reopen(builder)
    table = document.tables[-1]
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert rows[0] == ["Role", "Name", "Signature", "Date"]
    assert rows[1][:2] == ["Teacher observed", "林老師"] and rows[2][:2] == ["Observer", "王老師"]
    assert all(row._tr.trPr.find(qn("w:cantSplit")) is not None for row in table.rows)
    assert all(abs(row.height - SIGNATURE_ROW) < Mm(0.1) for row in table.rows)  # kept in twips
    assert all(paragraph.paragraph_format.keep_with_next
               for row in list(table.rows)[:-1] for cell in row.cells for paragraph in cell.paragraphs)
    heading = next(paragraph for paragraph in document.paragraphs if paragraph.text == "Signatures")
    assert heading.paragraph_format.keep_with_next


