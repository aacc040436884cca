"""The one DOCX builder: reopened with python-docx, a document holds its cover, headings in Word's heading styles,
paragraphs, Markdown, tables, images and page breaks, with the East Asian font of its language on every style."""

from __future__ import annotations

import io
import itertools

import docx
import pytest
from docx.document import Document as DocumentObject
from docx.oxml.ns import qn
from docx.shared import Mm
from PIL import Image

from workspace.core.docx import TEXT_WIDTH, DocxBuilder


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
    assert defaults.find(".//" + qn("w:lang")).get(qn("w:val")) == tag
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
