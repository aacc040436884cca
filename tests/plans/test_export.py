"""The DOCX of a co-planning document: reopened with python-docx, it holds the title, the fields, the sections
with their headings, lists, tables and inline formats; and no string of the naughty list breaks it."""

from __future__ import annotations

import io
import re
import zipfile

import docx
import pytest
from docx.document import Document as DocumentObject
from docx.oxml.ns import qn
from docx.shared import Mm

from workspace.plans.export import DocxSection, plan_docx, xml_safe

FIELDS = [("科目", "數學"), ("年級", "五年級"), ("單元", "分數的加法"), ("主備人", "林老師"),
          ("預定授課日期", ""), ("授課教師", "   ")]
NAUGHTY_PARTS = 4
NAUGHTY_BATCH = 25


def build(*sections: DocxSection, title: str = "異分母分數的加法", fields=FIELDS, footer: str = "") -> bytes:
    return plan_docx(title=title, fields=fields, sections=list(sections), footer=footer)


def reopen(data: bytes) -> DocumentObject:
    return docx.Document(io.BytesIO(data))


def body_of(markdown: str) -> DocumentObject:
    """A document of one section "內容" whose body is `markdown`."""
    return reopen(build(DocxSection("內容", markdown), fields=[]))


def section_paragraphs(document: DocumentObject) -> list:
    """The paragraphs after the first Heading 1."""
    paragraphs = document.paragraphs
    start = next(index for index, paragraph in enumerate(paragraphs) if paragraph.style.name == "Heading 1")
    return paragraphs[start + 1:]


def styled(document: DocumentObject) -> list[tuple[str, str]]:
    return [(paragraph.style.name, paragraph.text) for paragraph in section_paragraphs(document)]


def test_output_is_a_docx_zip():
    data = build(DocxSection("三維目標", "知識與技能"))
    assert data[:2] == b"PK"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        names = set(archive.namelist())
        assert {"word/document.xml", "[Content_Types].xml", "docProps/core.xml"} <= names
        assert "三維目標".encode() in archive.read("word/document.xml")


def test_title_sections_footer_and_properties():
    data = build(DocxSection("三維目標", "知識"), DocxSection("教學流程", "暖身"), DocxSection("", "x"),
                 footer="Exported 2026-11-24 from 五年級數學社群")
    document = reopen(data)
    first = document.paragraphs[0]
    assert (first.style.name, first.text) == ("Title", "異分母分數的加法")
    headings = [paragraph.text for paragraph in document.paragraphs if paragraph.style.name == "Heading 1"]
    assert headings == ["三維目標", "教學流程", "—"]
    assert document.core_properties.title == "異分母分數的加法"
    assert document.core_properties.author == ""
    assert document.sections[0].footer.paragraphs[0].text == "Exported 2026-11-24 from 五年級數學社群"


def test_a4_page_with_margins():
    section = reopen(build(DocxSection("目標", "x"))).sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(1)
    assert abs(section.page_height - Mm(297)) < Mm(1)
    assert Mm(10) <= section.left_margin <= Mm(30) and Mm(10) <= section.top_margin <= Mm(30)


def test_fields_table_with_dash_for_empty_values():
    document = reopen(build(DocxSection("目標", "x")))
    table = document.tables[0]
    assert table.style.name == "Table Grid"
    cells = [[cell.text for cell in row.cells] for row in table.rows]
    assert cells == [["科目", "數學"], ["年級", "五年級"], ["單元", "分數的加法"], ["主備人", "林老師"],
                     ["預定授課日期", "—"], ["授課教師", "—"]]
    assert all(run.bold for row in table.rows for run in row.cells[0].paragraphs[0].runs)


def test_no_fields_no_table():
    assert reopen(build(DocxSection("目標", "x"), fields=[])).tables == []


def test_east_asian_font_on_normal_and_headings():
    document = reopen(build(DocxSection("目標", "中文")))
    for name in ("Normal", "Title", "Heading 1", "Heading 2"):
        fonts = document.styles[name].element.rPr.rFonts
        assert fonts.get(qn("w:eastAsia")) == "Microsoft JhengHei", name
        assert fonts.get(qn("w:eastAsiaTheme")) is None, name
    simplified = reopen(plan_docx(title="分数", fields=[], sections=[], east_asian_font="Microsoft YaHei"))
    assert simplified.styles["Heading 1"].element.rPr.rFonts.get(qn("w:eastAsia")) == "Microsoft YaHei"


def test_headings_in_a_body_go_one_level_below_the_section():
    document = body_of("# 一級\n\n## 二級\n\n### 三級\n\n###### 六級\n\n正文")
    assert styled(document) == [("Heading 2", "一級"), ("Heading 3", "二級"), ("Heading 4", "三級"),
                                ("Heading 7", "六級"), ("Normal", "正文")]


def test_inline_formats():
    document = body_of("這是**重點**與*強調*，`print(1)`，~~舊~~<del>刪除</del><s>劃掉</s>，第一行\n第二行")
    paragraph = section_paragraphs(document)[0]
    runs = paragraph.runs
    assert [run.text for run in runs if run.bold] == ["重點"]
    assert [run.text for run in runs if run.italic] == ["強調"]
    assert [run.text for run in runs if run.font.name == "Consolas"] == ["print(1)"]
    assert [run.text for run in runs if run.font.strike] == ["刪除", "劃掉"]
    assert paragraph.text == "這是重點與強調，print(1)，~~舊~~刪除劃掉，第一行\n第二行"
    assert paragraph._p.xpath(".//w:br")  # the Markdown line break is a Word line break


def test_links_keep_their_url():
    document = body_of("見[教育部課綱](https://www.naer.edu.tw/) 或 https://example.com/a 或 <mailto:lin@example.com>")
    text = section_paragraphs(document)[0].text
    assert "教育部課綱 (https://www.naer.edu.tw/)" in text
    assert text.count("https://example.com/a") == 1  # a bare URL is not repeated
    assert text.count("lin@example.com") == 1
    scripted = section_paragraphs(body_of("[點我](javascript:alert(1))"))[0].text
    assert "javascript" not in scripted and "點我" in scripted  # the sanitizer dropped the href


def test_lists_get_list_styles():
    markdown = ("- 暖身\n- 小組討論\n    - 分組\n        - 角色\n            - 更深\n\n"
                "段落\n\n1. 第一步\n2. 第二步\n\n另一段\n\n3. 從三開始\n4. 四\n")
    assert styled(body_of(markdown)) == [
        ("List Bullet", "暖身"), ("List Bullet", "小組討論"), ("List Bullet 2", "分組"), ("List Bullet 3", "角色"),
        ("List Bullet 3", "更深"), ("Normal", "段落"), ("List Number", "第一步"), ("List Number", "第二步"),
        ("Normal", "另一段"), ("List Number", "從三開始"), ("List Number", "四"),
    ]


def test_each_numbered_list_restarts_its_numbering():
    document = body_of("1. 甲\n2. 乙\n\n中間\n\n3. 丙\n4. 丁\n\n- 點\n    1. 巢狀編號\n")
    numbered = [paragraph for paragraph in section_paragraphs(document) if "Number" in paragraph.style.name]
    num_ids = [paragraph._p.pPr.numPr.numId.val for paragraph in numbered]
    assert num_ids[0] == num_ids[1] and len({num_ids[0], num_ids[2], num_ids[4]}) == 3
    assert numbered[4].style.name == "List Number 2"
    numbering = document.part.numbering_part.element
    starts = numbering.xpath(f'./w:num[@w:numId="{num_ids[2]}"]/w:lvlOverride/w:startOverride/@w:val')
    assert starts == ["3"]


def test_loose_list_item_continues_without_a_new_bullet():
    assert styled(body_of("- 第一點\n\n    補充說明\n\n- 第二點\n")) == [
        ("List Bullet", "第一點"), ("List Continue", "補充說明"), ("List Bullet", "第二點")]


def test_empty_list_item_keeps_its_bullet():
    assert styled(body_of("- \n- 有字\n")) == [("List Bullet", ""), ("List Bullet", "有字")]


def test_markdown_table_becomes_a_word_table():
    document = body_of("前言\n\n| 時間 | 活動 | 備註 |\n|:--|:-:|--:|\n"
                       "| 5 分 | **暖身** | |\n| 20 分 | 小組討論 | 分四組 |\n")
    assert len(document.tables) == 1
    table = document.tables[0]
    assert table.style.name == "Table Grid"
    assert [[cell.text for cell in row.cells] for row in table.rows] == [
        ["時間", "活動", "備註"], ["5 分", "暖身", ""], ["20 分", "小組討論", "分四組"]]
    header = table.rows[0]
    assert all(run.bold for cell in header.cells for run in cell.paragraphs[0].runs)
    assert header._tr.xpath("./w:trPr/w:tblHeader")  # repeats on every page
    assert not any(run.bold for run in table.rows[2].cells[1].paragraphs[0].runs)
    assert table.rows[1].cells[1].paragraphs[0].runs[0].bold  # **暖身**
    assert [len(cell.paragraphs) for cell in table.rows[1].cells] == [1, 1, 1]
    assert table.rows[0].cells[1].paragraphs[0].alignment is not None  # :-: centres the column


def test_uneven_html_table_is_padded():
    document = body_of("<table><tr><th>甲</th></tr><tr><td>一</td><td>二</td><td>三</td></tr></table>")
    table = document.tables[0]
    assert [[cell.text for cell in row.cells] for row in table.rows] == [["甲", "", ""], ["一", "二", "三"]]


def test_quote_code_block_image_and_rule():
    markdown = "> 學生說：\n> 我懂了\n\n```python\ndef add(a, b):\n    return a + b\n```\n\n![分數條](https://x.test/a.png)\n\n---\n\n完"
    rows = styled(body_of(markdown))
    assert rows[0] == ("Quote", "學生說：\n我懂了")
    assert rows[1] == ("Normal", "def add(a, b):\n    return a + b")
    assert rows[2] == ("Normal", "[分數條]")
    assert rows[3] == ("Normal", "")
    assert rows[4] == ("Normal", "完")
    code = section_paragraphs(body_of(markdown))[1]
    assert all(run.font.name == "Consolas" for run in code.runs if run.text)


@pytest.mark.parametrize("body", ["", "   ", "\n\n", "<!-- 註解 -->", "\x00\x0b"])
def test_empty_section_shows_a_dash(body):
    assert styled(body_of(body)) == [("Normal", "—")]


def test_control_characters_and_lone_surrogates_are_removed():
    bad = "a\x00b\x0bc\x1bd\ud800e\udfff\ufffef\uffff"
    document = reopen(build(DocxSection(bad, bad), title=bad, fields=[(bad, bad)], footer=bad))
    assert document.paragraphs[0].text == "abcdef"
    assert document.tables[0].rows[0].cells[1].text == "abcdef"
    assert [paragraph.text for paragraph in document.paragraphs if paragraph.style.name == "Heading 1"] == ["abcdef"]
    assert xml_safe(bad) == "abcdef"


def test_long_title_fits_the_core_property():
    document = reopen(build(DocxSection("目標", "x"), title="長" * 400))
    assert document.paragraphs[0].text == "長" * 400
    assert document.core_properties.title == "長" * 255



def _one_line(value: str) -> str:
    return re.sub(r"[\t\n\r]+", " ", xml_safe(value)).strip(" ")


@pytest.mark.parametrize("part", range(NAUGHTY_PARTS))
def test_naughty_strings_in_every_position(naughty, part):
    """Each document holds a batch: every string as a field label and value, a section title and a section body,
    and all of them together as the title and the footer (one document per string would take half a minute)."""
    strings = naughty[part::NAUGHTY_PARTS]
    for start in range(0, len(strings), NAUGHTY_BATCH):
        batch = strings[start:start + NAUGHTY_BATCH]
        title, footer = "".join(batch), "".join(reversed(batch))
        data = build(*(DocxSection(value, value) for value in batch), title=title,
                     fields=[(value, value) for value in batch], footer=footer)
        document = reopen(data)
        assert document.paragraphs[0].text == _one_line(title)
        assert document.sections[0].footer.paragraphs[0].text == _one_line(footer)
        headings = [paragraph.text for paragraph in document.paragraphs if paragraph.style.name == "Heading 1"]
        assert headings == [_one_line(value) or "—" for value in batch]
        rows = document.tables[0].rows
        assert [row.cells[0].text for row in rows] == [_one_line(value) for value in batch]
        expected = [xml_safe(value).strip().replace("\r\n", "\n").replace("\r", "\n") or "—" for value in batch]
        assert [row.cells[1].text for row in rows] == expected
