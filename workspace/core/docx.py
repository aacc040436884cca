"""Word documents (DOCX) for every export: a builder over python-docx with a cover, headings in Word's heading
styles (so a table of contents works), paragraphs, sanitized HTML or Markdown, tables, images and page breaks.

Markdown goes through the same door as the page: `render_markdown` (Markdown, then the sanitizer), so a document
shows exactly what the sanitized page shows. The HTML is read with the standard library's `html.parser` into a
small tree, written with python-docx: headings, paragraphs with bold, italic, struck and monospace runs, bullet
and numbered lists (numbering restarts for every list), real Word tables, quotes, code blocks and images.

East Asian text gets an East Asian font on every style (`w:eastAsia` in `w:rFonts`; python-docx's `font.name`
alone sets only the Latin slots, leaving Chinese in Word's fallback font), chosen by the document's language.
Every string is cleaned of characters XML cannot hold (NUL, most C0 controls, lone surrogates, U+FFFE/U+FFFF)
before it reaches python-docx, which refuses them; whatever the text, a DOCX comes out.
"""

from __future__ import annotations

import io
import os
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import IO, TypeAlias

import docx
from docx.document import Document as DocumentObject
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_COLOR_INDEX
from docx.image.exceptions import UnrecognizedImageError
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Length, Mm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from flask_babel import gettext as _
from flask_babel import pgettext

from workspace.core.text import render_markdown


@dataclass(frozen=True)
class DocumentLanguage:
    """What a language needs in Word: the East Asian font and the language tags of the text."""

    east_asian_font: str
    language: str  # the document's language (core property)
    latin_language: str  # w:lang w:val: the Latin text in it (words, numbers, amounts)
    east_asian_language: str  # w:lang w:eastAsia
    page_words: tuple[str, str] = ("Page ", "")  # what the footer writes before and after the page's number


# 微軟正黑體 for Traditional Chinese, 微軟雅黑 for Simplified; an English document keeps a Traditional font for the
# Chinese names it holds (our users are in Taiwan first). The Latin text of a Chinese document is tagged English,
# as Word in Taiwan writes it: tagged zh-TW, LibreOffice's Chinese line breaker breaks it between any two
# characters, numbers included ("NT$1,60" | "0" in a table cell).
LANGUAGES = {
    "zh_Hant": DocumentLanguage("Microsoft JhengHei", "zh-TW", "en-US", "zh-TW", ("第 ", " 頁")),
    "zh_Hans": DocumentLanguage("Microsoft YaHei", "zh-CN", "en-US", "zh-CN", ("第 ", " 页")),
    "en": DocumentLanguage("Microsoft JhengHei", "en-US", "en-US", "zh-TW", ("Page ", "")),
}
DEFAULT_LANGUAGE = "zh_Hant"
EAST_ASIAN_FONT = LANGUAGES[DEFAULT_LANGUAGE].east_asian_font
MONOSPACE_FONT = "Consolas"
EMPTY = "—"
PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)  # A4
MARGIN_SIDE, MARGIN_TOP_BOTTOM = Mm(20), Mm(22)
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN_SIDE
LABEL_WIDTH = Mm(40)
MAX_DEPTH = 60  # deeper HTML nesting is flattened into its parent (the text stays)
MAX_LIST_LEVEL = 3  # "List Bullet 3" is the deepest list style used
MAX_HEADING_LEVEL = 9  # Word's "Heading 9"
MAX_COLUMNS = 63  # Word's limit; further cells go into the last column
MAX_PROPERTY = 255  # python-docx refuses longer core properties
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"  # what a .docx is sent as

# Measuring text for column widths, in points: the body font is about 11 pt, a full-width (CJK) character is one
# em, a Latin one a little over half; a cell adds its margins (Table Grid: 108 twips a side) and a little air.
FONT_SIZE_PT = 11.0
CELL_PADDING_PT = 14.0
LATIN_EM = 0.62  # generous: LibreOffice without Calibri shows Latin text in a wider font (DejaVu)
DIGIT_EM = 0.64
NARROW_EM = 0.4  # a colon, a comma, a full stop
CJK_LATIN_GAP = 0.25  # between a Chinese character and a Latin letter or digit (Word's and LibreOffice's autospace)
SHORT_CJK_RUN = 4  # a CJK label this short ("類別", "簽名") is kept on one line, like a word
SHORT_TEXT_EMS = 8  # a column whose texts are all this short gets one line before the titles share the rest
LONG_WORD_EMS = 16  # a word longer than this (a URL: about 26 Latin characters) wraps rather than widen its column
LONG_WORD_KEPT = 0.1  # of its width beyond LONG_WORD_EMS, what such a word still asks for
MAX_UNBREAKABLE_SHARE = 0.4  # of a table's width, for one unbreakable piece (see column_widths)
MAX_LABEL_WIDTH = Mm(70)  # a fields table's labels never take more than this
FOOTER_SIZE_PT = 9
# A table of this many columns or more (a plan's schedule: date, time, title, method, lead, evidence, status) is set in
# DENSE_FONT_PT with narrow cell margins (Word's "Narrow", 0.1 cm a side): in the body font with Table Grid's margins,
# its dates, times, names and statuses alone took the page's width, and each title wrapped every four characters.
DENSE_COLUMNS = 6
DENSE_FONT_PT = 10.0
DENSE_CELL_MARGIN = Mm(1)
DENSE_CELL_PADDING_PT = 2 * DENSE_CELL_MARGIN.pt + 3.0

# Characters XML 1.0 allows: tab, LF, CR, and everything from space up but surrogates, U+FFFE and U+FFFF.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")  # what HTML collapses (never U+3000 or no-break space)
_LINE_BREAKS = re.compile(r"[\t\n\r]+")
_NARROW = frozenset(":;,.'|!")

_VOID = frozenset({"br", "hr", "img", "wbr", "input", "meta", "link", "area", "base", "col", "embed", "source"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_BLOCKS = _HEADINGS | frozenset({
    "p", "div", "ul", "ol", "li", "dl", "dt", "dd", "table", "thead", "tbody", "tfoot", "tr", "td", "th",
    "blockquote", "pre", "hr",
})
_ALIGNMENTS = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER,
               "right": WD_ALIGN_PARAGRAPH.RIGHT, "justify": WD_ALIGN_PARAGRAPH.JUSTIFY}

_Container: TypeAlias = DocumentObject | _Cell
ImageSource: TypeAlias = Callable[[str], bytes | None]
"""Gives the bytes of an image an HTML `<img src>` names (an attachment, a library file), or None to show its alt."""


def xml_safe(value: str | None) -> str:
    """`value` without the characters an XML document cannot hold (python-docx raises on them)."""
    return _NOT_XML.sub("", value or "")


def one_line(value: str | None) -> str:
    """`value` made XML-safe on one line (for titles, headings, labels and footers)."""
    return _LINE_BREAKS.sub(" ", xml_safe(value)).strip(" ")


class DocxBuilder:
    """One Word document, written top to bottom: `cover`, `heading`, `paragraph`, `html`/`markdown`, `table`,
    `fields`, `image`, `page_break`, then `to_bytes()` or `save()`.

    language: zh_Hant, zh_Hans or en (any other falls back to zh_Hant); it picks the East Asian font set on
    every style and the language tags. title: the document's core property. footer: a line in every page footer.
    image_source: resolves the `src` of images in HTML; without it (or when it answers None) an image shows its alt.
    Every page's footer ends with its number in the language's words (第 3 頁, 第 3 页, Page 3), under the footer line.
    """

    def __init__(self, *, language: str = DEFAULT_LANGUAGE, title: str = "", footer: str = "",
                 east_asian_font: str | None = None, image_source: ImageSource | None = None) -> None:
        self.language = LANGUAGES.get(language, LANGUAGES[DEFAULT_LANGUAGE])
        self.document: DocumentObject = docx.Document()
        font = xml_safe(east_asian_font) or self.language.east_asian_font
        _set_up(self.document, title=one_line(title), footer=one_line(footer), east_asian_font=font,
                language=self.language)
        self._writer = _Writer(self.document, image_source)
        self._contents: tuple[Run, Paragraph, tuple[int, int]] | None = None  # the TOC field's shown result

    def cover(self, title: str, *, subtitle: str = "", fields: Sequence[tuple[str, str]] = ()) -> None:
        """The document's title (Word's Title style), an optional subtitle line and a table of label/value fields."""
        self.document.add_heading(level=0).add_run(one_line(title))
        if subtitle.strip():
            self.document.add_paragraph(one_line(subtitle), style="Subtitle")
        if fields:
            self.fields(fields)
            self.document.add_paragraph()  # keeps what follows off the table

    def heading(self, text: str, level: int = 1) -> Paragraph:
        """A heading in Word's "Heading n" style (1–9), so the table of contents and navigation pane find it."""
        level = max(1, min(level, MAX_HEADING_LEVEL))
        return self.document.add_heading(one_line(text) or EMPTY, level=level)

    def paragraph(self, text: str = "", *, bold: bool = False, italic: bool = False,
                  style: str | None = None) -> Paragraph:
        """A paragraph of plain text (line ends become Word line breaks), in the Normal style unless `style`."""
        paragraph = self.document.add_paragraph(style=style)
        for index, line in enumerate(xml_safe(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")):
            if index:
                paragraph.add_run().add_break()
            if line:
                run = paragraph.add_run(line)
                run.bold, run.italic = bold or None, italic or None
        return paragraph

    def html(self, html: str, *, heading_offset: int = 1) -> bool:
        """Write sanitized HTML (from `render_markdown`); an `<hn>` becomes "Heading n+heading_offset" so a body's
        headings sit below the heading it is under. Return whether anything was written."""
        body = self.document.element.body
        before = len(body)
        self._writer.write_html(self.document, html, heading_offset=heading_offset)
        return len(body) != before

    def markdown(self, source: str, *, heading_offset: int = 1, empty: str | None = None) -> bool:
        """Write Markdown as the page shows it (rendered and sanitized by `core.text.render_markdown`).

        empty: a paragraph written when the source shows nothing (e.g. "—"). Return whether the source showed text.
        """
        written = self.html(str(render_markdown(xml_safe(source))), heading_offset=heading_offset)
        if not written and empty is not None:
            self.document.add_paragraph(empty)
        return written

    def table(self, rows: Sequence[Sequence[object]], *, header: Sequence[str] | None = None,
              widths: Sequence[Length] | None = None) -> Table:
        """A grid of plain values (None shows as "—"); the header row is bold and repeats on every page.

        widths: of the first columns; the others share what is left of the text's width after their content
        (`column_widths`), so that an amount or a date never breaks mid-number.
        """
        all_rows = ([list(header)] if header else []) + [list(row) for row in rows]
        columns = min(max((len(row) for row in all_rows), default=1), MAX_COLUMNS)
        self._apart_from_a_table()
        table = self.document.add_table(rows=len(all_rows), cols=columns)
        table.style = self.document.styles["Table Grid"]
        # The new grid's cells in one pass: python-docx's table.cell() rebuilds every cell of the table on each
        # call, which made a large table quadratic (a minute for thirty sign-in sheets of sixty names).
        grid = [[_Cell(tc, table) for tc in tr.tc_lst] for tr in table._tbl.tr_lst]
        texts = _cell_texts(all_rows, columns)
        for index, values in enumerate(texts):
            is_header = bool(header) and index == 0
            if is_header:
                grid[index][0]._tc.getparent().get_or_add_trPr().append(OxmlElement("w:tblHeader"))
            for column, text in enumerate(values):
                if text:  # an empty cell (a signature column) needs no run; bold is set only where it is on
                    run = grid[index][column].paragraphs[0].add_run(text)
                    if is_header:
                        run.bold = True
        dense = columns >= DENSE_COLUMNS
        if dense:  # many columns: smaller text in narrower cell margins, so that each column has room to be read
            for row in grid:
                for cell in row:
                    for run in cell.paragraphs[0].runs:
                        run.font.size = Pt(DENSE_FONT_PT)
            _set_cell_margins(table, DENSE_CELL_MARGIN)
        set_column_widths(table, table_widths(texts, columns, header=bool(header), widths=widths))
        return table

    def fields(self, pairs: Sequence[tuple[str, str]]) -> Table:
        """A two-column table of labels (bold) and values (empty ones shown as "—"), centred on the page."""
        self._apart_from_a_table()
        table = self.document.add_table(rows=len(pairs), cols=2)
        table.style = self.document.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        labels = [one_line(label) for label, _value in pairs]
        for row, label, (_label, value) in zip(table.rows, labels, pairs, strict=True):
            label_cell, value_cell = row.cells
            label_cell.paragraphs[0].add_run(label).bold = True
            value_cell.paragraphs[0].add_run(xml_safe(value).strip() or EMPTY)
        # The labels' column as wide as its longest label (bold), at least LABEL_WIDTH, at most MAX_LABEL_WIDTH.
        longest = max((text_width(label, bold=True) for label in labels), default=0)
        label_width = Length(min(max(Pt(longest + CELL_PADDING_PT), LABEL_WIDTH), MAX_LABEL_WIDTH))
        set_column_widths(table, [label_width, Length(TEXT_WIDTH - label_width)])
        return table

    def _apart_from_a_table(self) -> None:
        """Two tables in a row are one table to Word and LibreOffice (the report's budget figures ran into its
        categories with another column count): a table that follows one gets an empty paragraph between."""
        body = self.document.element.body
        last = next((child for child in reversed(body) if child.tag != qn("w:sectPr")), None)
        if last is not None and last.tag == qn("w:tbl"):
            self.document.add_paragraph()

    def image(self, data: bytes, *, width: Length | None = None, caption: str = "") -> Paragraph:
        """A picture on a centred paragraph of its own, at most the text's width, with a caption under it.

        Raise ValueError when the bytes are no image Word can show (PNG, JPEG, GIF, BMP, TIFF).
        """
        paragraph = self.document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        try:
            picture = paragraph.add_run().add_picture(io.BytesIO(data))
        except (UnrecognizedImageError, ValueError, ZeroDivisionError) as error:
            paragraph._p.getparent().remove(paragraph._p)
            raise ValueError("not an image") from error
        _fit(picture, min(width or TEXT_WIDTH, TEXT_WIDTH))
        if caption.strip():
            paragraph.paragraph_format.keep_with_next = True  # the caption never starts a page of its own
            self.document.add_paragraph(one_line(caption), style="Caption").alignment = WD_ALIGN_PARAGRAPH.CENTER
        return paragraph

    def table_of_contents(self, levels: str = "1-3", placeholder: str = "") -> Paragraph:
        """A table of contents field (`TOC \\o "1-3" \\h`) over the headings of the given levels.

        python-docx has no API for fields: this writes Word's complex field (begin, instruction, separate, the
        placeholder text shown until the field is updated, end) and asks Word to update fields on opening
        (`w:updateFields` in the settings), so Word and LibreOffice fill it from the "Heading n" styles.
        """
        paragraph = self.document.add_paragraph()

        def char(kind: str) -> None:
            mark = OxmlElement("w:fldChar")
            mark.set(qn("w:fldCharType"), kind)
            paragraph.add_run()._r.append(mark)

        char("begin")
        instruction = OxmlElement("w:instrText")
        instruction.set(qn("xml:space"), "preserve")
        instruction.text = f' TOC \\o "{one_line(levels) or "1-3"}" \\h \\z \\u '
        paragraph.add_run()._r.append(instruction)
        char("separate")
        # The field's shown result until it is updated: the placeholder now, the headings once the document is
        # written (_fill_contents), so a reader that does not update fields (LibreOffice converting to PDF)
        # still shows the contents.
        shown = paragraph.add_run(one_line(placeholder) or EMPTY)
        char("end")
        self._contents = (shown, paragraph, _levels(levels))
        settings = self.document.settings.element
        if settings.find(qn("w:updateFields")) is None:
            update = OxmlElement("w:updateFields")
            update.set(qn("w:val"), "true")
            settings.append(update)
        return paragraph

    def signature_table(self, signers: Sequence[tuple[str, str]]) -> Table:
        """The signature lines of a record (a handbook, an observation record): a row per (role, name), with room to
        sign and date by hand, under the heading before it and kept on one page with it (`keep_together`)."""
        table = self.table([(role, name, "", "") for role, name in signers],
                           header=[_("Role"), pgettext("person", "Name"), _("Signature"), _("Date")],
                           widths=[Mm(28), Mm(45), Mm(60)])
        keep_together(table, row_height=SIGNATURE_ROW)
        return table

    def page_break(self) -> None:
        """Start a new page."""
        self.document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    def to_bytes(self) -> bytes:
        """The document as DOCX bytes."""
        out = io.BytesIO()
        self.save(out)
        return out.getvalue()

    def save(self, target: str | os.PathLike[str] | IO[bytes]) -> None:
        """Write the DOCX to a path or a binary stream."""
        self._fill_contents()
        self.document.save(target)

    def _fill_contents(self) -> None:
        """Write the headings after the table of contents into its field's shown result, one line each, indented
        by level (no page numbers: only a word processor knows them; Word updates the field on opening)."""
        contents = self._contents
        if contents is None:
            return
        shown, field_paragraph, (low, high) = contents
        entries = []
        after = False
        for paragraph in self.document.paragraphs:
            if paragraph._p is field_paragraph._p:
                after = True
                continue
            name = paragraph.style.name if paragraph.style is not None else ""
            if after and name.startswith("Heading ") and name[8:].isdigit() and low <= int(name[8:]) <= high:
                entries.append("\u3000" * (int(name[8:]) - low) + paragraph.text)
        if not entries:
            return
        for child in list(shown._r):
            if child.tag != qn("w:rPr"):
                shown._r.remove(child)
        for index, entry in enumerate(entries):
            if index:
                shown.add_break()
            shown.add_text(entry)


def _levels(levels: str) -> tuple[int, int]:
    """The heading levels of a TOC switch ("1-3" → (1, 3)); 1–3 when it cannot be read."""
    first, _dash, last = one_line(levels).partition("-")
    try:
        return int(first), int(last or first)
    except ValueError:
        return 1, 3


def _cell_texts(rows: Sequence[Sequence[object]], columns: int) -> list[list[str]]:
    return [[EMPTY if value is None else xml_safe(str(value)).strip() for value in values[:columns]] for values in rows]


def table_widths(rows: Sequence[Sequence[object]], columns: int | None = None, *, header: bool = False,
                 widths: Sequence[Length] | None = None) -> list[Length]:
    """The column widths `DocxBuilder.table` gives a table of these rows (the header first when `header`): the
    given `widths` of the first columns, the others from their content (`column_widths`) in the table's font. To
    give several tables one set of widths (a plan's months), measure all their rows here and pass the result."""
    columns = columns or min(max((len(row) for row in rows), default=1), MAX_COLUMNS)
    texts = _cell_texts(rows, columns)
    dense = columns >= DENSE_COLUMNS
    given = list(widths or ())[:columns]
    rest = column_widths([values[len(given):] for values in texts], columns - len(given),
                         total=Length(max(TEXT_WIDTH - sum(given), 0)), bold_first_row=header,
                         font_size=DENSE_FONT_PT if dense else FONT_SIZE_PT,
                         padding=DENSE_CELL_PADDING_PT if dense else CELL_PADDING_PT)
    return [*given, *rest]


def _set_cell_margins(table: Table, margin: Length) -> None:
    """The left and right margins of every cell of the table (`w:tblCellMar`)."""
    tbl_pr = table._tbl.tblPr
    margins = tbl_pr.find(qn("w:tblCellMar"))
    if margins is None:
        margins = OxmlElement("w:tblCellMar")
        tbl_pr.insert_element_before(margins, "w:tblLook", "w:tblCaption", "w:tblDescription")
    for side in ("left", "right"):
        element = OxmlElement(f"w:{side}")
        element.set(qn("w:w"), str(int(margin / 635)))  # EMU to twips
        element.set(qn("w:type"), "dxa")
        margins.append(element)


def text_width(text: str, *, bold: bool = False) -> float:
    """About how wide `text` is on one line in the body font, in points: a full-width (CJK) character one em, a
    Latin one LATIN_EM, a colon or a comma less; and the gap Word and LibreOffice put between a Chinese character
    and a Latin letter or digit (autospace: 2026年10月2日 shows as 「2026 年 10 月 2 日」, a quarter em wider per
    change, which broke a date measured without them)."""
    ems = 0.0
    previous = ""
    for char in text:
        wide = unicodedata.east_asian_width(char) in "WF"
        ems += 1.0 if wide else DIGIT_EM if char.isdigit() else NARROW_EM if char in _NARROW else LATIN_EM
        if previous and ((_ideograph(char) and _latin(previous)) or (_latin(char) and _ideograph(previous))):
            ems += CJK_LATIN_GAP
        previous = char
    return ems * FONT_SIZE_PT * (1.08 if bold else 1.0)


def _ideograph(char: str) -> bool:
    return unicodedata.category(char) == "Lo" and unicodedata.east_asian_width(char) in "WF"


def _latin(char: str) -> bool:
    return char.isascii() and char.isalnum()


_CJK = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef"
_TOKENS = re.compile(f"[{_CJK}]+|[^\\s{_CJK}]+")
_URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|www\.|mailto:)", re.IGNORECASE)
# A day or a month written the Chinese way (2026年10月25日, 10月25日, 2027年1月, with or without spaces) or the
# English way (Oct 2, 2026; 2 October 2026): read as one piece, as an amount is; a narrow column broke it into
# 「2026 年 10 月 2 / 日」 and "Sep / 10, / 2025".
_DAYS = re.compile(r"(?:\d{1,4}\s?年\s?)?\d{1,2}\s?月(?:\s?\d{1,2}\s?日)?|\d{1,4}\s?年\s?\d{1,2}\s?月"
                   r"|\b[A-Z][a-z]{2,8}\.? \d{1,2}(?:, \d{4})?\b|\b\d{1,2} [A-Z][a-z]{2,8}\.?(?: \d{4})?\b")
_URL_PIECES = re.compile(r"[^/?&#=._~-]*[/?&#=._~-]*")  # a URL wraps after its punctuation: /c/ | math- | club/
_LIST_MARKS = "、，；：。／"
_CJK_ITEMS = re.compile(f"[^{_LIST_MARKS}]+[{_LIST_MARKS}]*|[{_LIST_MARKS}]+")  # 會議記錄、| 照片


def _unbreakable_width(text: str, *, bold: bool = False) -> float:
    """The width of the longest piece of `text` a line cannot break in: a word, a number, an amount or a time
    ("NT$1,600", "16:00–16:50"); a day (2026年10月25日, Oct 25, 2026); a run of CJK breaks between any two
    characters, but a short one (a label, an item of a list: 會議記錄、照片 is 「會議記錄、」 and 「照片」) is kept
    whole; a URL breaks after its slashes, dots and hyphens, as Word and LibreOffice wrap one in a narrow cell."""
    widest = max((text_width(day.group(), bold=bold) for day in _DAYS.finditer(text)), default=0.0)
    for token in _TOKENS.findall(text):
        if unicodedata.east_asian_width(token[0]) in "WF":
            pieces = [item if len(item.rstrip(_LIST_MARKS)) <= SHORT_CJK_RUN else item[:1]
                      for item in _CJK_ITEMS.findall(token)]
        elif _URL.match(token):
            pieces = _URL_PIECES.findall(token)
        else:
            pieces = [token]
        widest = max(widest, *(text_width(piece, bold=bold) for piece in pieces))
    return widest


def _wanted_width(text: str, *, bold: bool = False, links: bool = True) -> float:
    """How wide `text` would like to be, on one line; a word longer than LONG_WORD_EMS (a URL, a checksum, a
    path) asks for a tenth of its length beyond that, wrapping: it is copied or clicked, not read, and a long
    link on one line took a table's width from its titles. A longer word still asks for more than a shorter.
    Without `links`, what it asks for with its links counted as their longest piece (what is read of it)."""
    width = text_width(text, bold=bold)
    for token in _TOKENS.findall(text):
        if unicodedata.east_asian_width(token[0]) not in "WF":
            beyond = max(text_width(token, bold=bold) - LONG_WORD_EMS * FONT_SIZE_PT, 0.0)
            if not links and _URL.match(token):
                width -= text_width(token, bold=bold) - _unbreakable_width(token, bold=bold)
            else:
                width -= (1 - LONG_WORD_KEPT) * beyond
    return width


def column_widths(rows: Sequence[Sequence[str]], columns: int, *, total: Length = TEXT_WIDTH,
                  bold_first_row: bool = False, font_size: float = FONT_SIZE_PT,
                  padding: float = CELL_PADDING_PT) -> list[Length]:
    """Widths of `columns` columns sharing `total`, from the text of their cells, much as a browser lays out a
    table, in three rounds:

    1. each column gets its longest unbreakable piece (so a date, a time or an amount never breaks), and a column
       of short texts (none over SHORT_TEXT_EMS: 會議記錄、照片, 數學 五年級) its line, which a narrower
       column broke one character before its end (「會議記錄、照 / 片」);
    2. what is left goes to the text that is read (a title), up to one line each, in proportion to how much each
       would wrap: the longest text (an activity's title) gets the most room;
    3. links and other long words get what is still left (they may break anywhere: they are clicked or copied,
       not read), and what is left after that is shared in proportion to the text.

    font_size: of the table's text, in points; padding: what a cell adds to its text (its margins and some air).
    """
    if columns <= 0:
        return []
    least = [0.0] * columns
    plain = [0.0] * columns
    body = [0.0] * columns  # plain, without the header (which may wrap: 進行方式與 / 辦理形式)
    most = [0.0] * columns
    for index, row in enumerate(rows):
        bold = bold_first_row and index == 0
        for column, text in enumerate(row[:columns]):
            for line in text.split("\n"):
                least[column] = max(least[column], _unbreakable_width(line, bold=bold))
                wanted = _wanted_width(line, bold=bold, links=False)
                plain[column] = max(plain[column], wanted)
                body[column] = body[column] if bold else max(body[column], wanted)
                most[column] = max(most[column], _wanted_width(line, bold=bold))
    scale = font_size / FONT_SIZE_PT  # measured in the body font
    least, plain, body, most = ([width * scale for width in widths] for widths in (least, plain, body, most))
    # One piece a line cannot break in never claims more than MAX_UNBREAKABLE_SHARE of the table (a hash, a long
    # file name): Word breaks it at the cell's edge anyway, and the other columns keep room to be read.
    if columns > 1:
        longest = max(Length(total).pt * MAX_UNBREAKABLE_SHARE - padding, 0.0)
        least = [min(width, longest) for width in least]
    least_emu = [float(Pt(width + padding)) for width in least]
    plain_emu = [max(float(Pt(width + padding)), low) for width, low in zip(plain, least_emu, strict=True)]
    most_emu = [max(float(Pt(width + padding)), low) for width, low in zip(most, plain_emu, strict=True)]
    room = float(total)
    if sum(least_emu) >= room:  # nothing fits: each column in proportion to its unbreakable piece
        weight = sum(least_emu) or 1.0
        widths = [room * width / weight for width in least_emu]
    else:
        widths = list(least_emu)
        short = [max(float(Pt(high + padding)), low) if high <= SHORT_TEXT_EMS * font_size
                 else low for high, low in zip(body, least_emu, strict=True)]
        for wanted in (short, plain_emu, most_emu):
            widths = _grow(widths, wanted, room - sum(widths))
        spare = room - sum(widths)
        weight = sum(plain_emu) or 1.0
        widths = [width + spare * share / weight for width, share in zip(widths, plain_emu, strict=True)]
    out = [Length(round(width)) for width in widths]
    out[-1] = Length(out[-1] + total - sum(out))  # rounding: the columns add up to the total exactly
    return out


def _grow(widths: list[float], wanted: Sequence[float], spare: float) -> list[float]:
    """`widths` grown towards `wanted` by at most `spare` in all, each in proportion to what it lacks."""
    lacking = [max(goal - width, 0.0) for width, goal in zip(widths, wanted, strict=True)]
    need = sum(lacking)
    if need <= 0 or spare <= 0:
        return widths
    part = min(spare / need, 1.0)
    return [width + lack * part for width, lack in zip(widths, lacking, strict=True)]


def set_column_widths(table: Table, widths: Sequence[Length]) -> None:
    """Give a table its column widths in the grid (`w:tblGrid/w:gridCol`, which LibreOffice and WPS follow), on
    every cell (`w:tcW`, which Word follows) and as the table's width, with a fixed layout so no office suite
    redistributes them."""
    tbl = table._tbl
    for grid_col, width in zip(tbl.tblGrid.gridCol_lst, widths, strict=False):
        grid_col.w = width
    for tr in tbl.tr_lst:
        for tc, width in zip(tr.tc_lst, widths, strict=False):
            tc.width = width
    table_width = tbl.tblPr.find(qn("w:tblW"))
    if table_width is None:
        table_width = OxmlElement("w:tblW")
        tbl.tblPr.append(table_width)
    table_width.set(qn("w:type"), "dxa")
    table_width.set(qn("w:w"), str(int(sum(widths) / 635)))  # EMU to twips
    table.autofit = False


SIGNATURE_ROW = Mm(14)  # room to sign by hand


def keep_together(table: Table, *, row_height: Length | None = None) -> None:
    """Keep a table on one page (signature lines: the convener's line once ended page 2 and 副召集人 stood alone on
    3): no row breaks across a page, each row keeps with the next, and the paragraph before it (its heading) keeps
    with the table. `row_height`: the least height of each row (room to sign)."""
    previous = table._tbl.getprevious()
    if previous is not None and previous.tag == qn("w:p"):
        Paragraph(previous, table._parent).paragraph_format.keep_with_next = True
    rows = list(table.rows)
    for index, row in enumerate(rows):
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        if row_height is not None:
            row.height = row_height
        if index < len(rows) - 1:
            for cell in row.cells:
                for paragraph in cell.paragraphs:
                    paragraph.paragraph_format.keep_with_next = True


def _fit(picture, width: Length) -> None:
    """Scale a picture down (never up) to `width`, keeping its proportions."""
    if picture.width and picture.width > width:
        picture.height = int(picture.height * width / picture.width)
        picture.width = width


# -- the document around the content ---------------------------------------------------------------------


def _set_up(document: DocumentObject, *, title: str, footer: str, east_asian_font: str,
            language: DocumentLanguage) -> None:
    """Core properties, A4 page, margins, footer, the language and the East Asian font of every style."""
    properties = document.core_properties
    properties.title = title[:MAX_PROPERTY]
    properties.author = ""
    properties.comments = ""
    properties.last_modified_by = ""
    properties.language = language.language
    now = datetime.now(UTC).replace(microsecond=0)
    properties.created = now
    properties.modified = now

    for section in document.sections:
        section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
        section.left_margin = section.right_margin = MARGIN_SIDE
        section.top_margin = section.bottom_margin = MARGIN_TOP_BOTTOM
        paragraph = section.footer.paragraphs[0]
        if footer:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            paragraph.add_run(footer).font.size = Pt(FOOTER_SIZE_PT)
            paragraph = section.footer.add_paragraph()
        _page_number(paragraph, language)

    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is not None:
        for r_pr in defaults.iter(qn("w:rPr")):
            _set_east_asian(r_pr, east_asian_font)
            tags = r_pr.find(qn("w:lang"))
            if tags is None:
                tags = OxmlElement("w:lang")
                r_pr.append(tags)
            tags.set(qn("w:val"), language.latin_language)
            tags.set(qn("w:eastAsia"), language.east_asian_language)
    _set_east_asian(document.styles["Normal"].element.get_or_add_rPr(), east_asian_font)
    # Headings, Title and the like name a theme font for East Asian text, which would win over docDefaults.
    for r_fonts in styles.iter(qn("w:rFonts")):
        if r_fonts.get(qn("w:eastAsiaTheme")) is not None:
            _set_east_asian_fonts(r_fonts, east_asian_font)


def _page_number(paragraph: Paragraph, language: DocumentLanguage) -> None:
    """The page's number, centred on a line of its own in the language's words (第 3 頁, Page 3)."""
    page_number(paragraph, *language.page_words)


def page_number(paragraph: Paragraph, before: str, after: str) -> None:
    """Word's PAGE field between `before` and `after`, centred: written as `table_of_contents` writes its field
    (python-docx has no API for fields), with "1" as its shown result until a word processor fills it in (Word and
    LibreOffice do on every page). The default funder template writes its words as placeholders."""
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER

    def text(value: str) -> None:
        if value:
            paragraph.add_run(value).font.size = Pt(FOOTER_SIZE_PT)

    def char(kind: str) -> None:
        run = paragraph.add_run()
        run.font.size = Pt(FOOTER_SIZE_PT)
        mark = OxmlElement("w:fldChar")
        mark.set(qn("w:fldCharType"), kind)
        run._r.append(mark)

    text(before)
    char("begin")
    instruction = paragraph.add_run()
    instruction.font.size = Pt(FOOTER_SIZE_PT)
    code = OxmlElement("w:instrText")
    code.set(qn("xml:space"), "preserve")
    code.text = " PAGE "
    instruction._r.append(code)
    char("separate")
    text("1")
    char("end")
    text(after)


def _set_east_asian(r_pr, font: str) -> None:
    r_fonts = r_pr.find(qn("w:rFonts"))
    if r_fonts is None:
        r_fonts = OxmlElement("w:rFonts")
        r_pr.insert(0, r_fonts)
    _set_east_asian_fonts(r_fonts, font)


def _set_east_asian_fonts(r_fonts, font: str) -> None:
    r_fonts.attrib.pop(qn("w:eastAsiaTheme"), None)
    r_fonts.set(qn("w:eastAsia"), font)

# -- HTML into a tree -------------------------------------------------------------------------------------


@dataclass
class _Node:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[_Node | str] = field(default_factory=list)


class _TreeBuilder(HTMLParser):
    """A forgiving tree of the sanitized HTML: unmatched end tags are ignored, deep nesting is flattened."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("#root")
        self._stack = [self.root]
        self._flattened: dict[str, int] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = _Node(tag, {name: value or "" for name, value in attrs})
        self._stack[-1].children.append(node)
        if tag in _VOID:
            return
        if len(self._stack) > MAX_DEPTH:
            self._flattened[tag] = self._flattened.get(tag, 0) + 1
            return
        self._stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._stack[-1].children.append(_Node(tag, {name: value or "" for name, value in attrs}))

    def handle_endtag(self, tag: str) -> None:
        if self._flattened.get(tag):
            self._flattened[tag] -= 1
            return
        for index in range(len(self._stack) - 1, 0, -1):
            if self._stack[index].tag == tag:
                del self._stack[index:]
                return

    def handle_data(self, data: str) -> None:
        children = self._stack[-1].children
        if children and isinstance(children[-1], str):
            children[-1] += data
        else:
            children.append(data)


def _parse(html: str) -> _Node:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def _text_of(node: _Node | str) -> str:
    if isinstance(node, str):
        return node
    if node.tag == "br":
        return "\n"
    if node.tag == "img":
        return node.attrs.get("alt", "")
    return "".join(_text_of(child) for child in node.children)


def _blank(node: _Node | str) -> bool:
    return isinstance(node, str) and not _HTML_SPACE.sub("", node)


# -- inline content ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Format:
    bold: bool = False
    italic: bool = False
    strike: bool = False
    mono: bool = False
    subscript: bool = False
    superscript: bool = False
    highlight: bool = False


@dataclass(frozen=True)
class _Segment:
    text: str
    format: _Format
    keep_spaces: bool = False  # code blocks keep their spaces and line ends
    image_src: str = ""  # an <img>: the text is its [alt], shown when the image cannot be


_BREAK = None  # a line break among the segments
_Inline: TypeAlias = _Segment | None

_INLINE_FORMATS = {
    "strong": {"bold": True}, "b": {"bold": True}, "em": {"italic": True}, "i": {"italic": True},
    "del": {"strike": True}, "s": {"strike": True}, "code": {"mono": True}, "kbd": {"mono": True},
    "sub": {"subscript": True}, "sup": {"superscript": True}, "mark": {"highlight": True},
}


def _collect_inline(nodes: Sequence[_Node | str], format_: _Format, out: list[_Inline]) -> None:
    for node in nodes:
        if isinstance(node, str):
            out.append(_Segment(node, format_))
        elif node.tag in ("br", "hr"):
            out.append(_BREAK)
        elif node.tag == "img":
            label = node.attrs.get("alt") or node.attrs.get("title") or node.attrs.get("src", "")
            out.append(_Segment(f"[{label}]", format_, image_src=node.attrs.get("src", "").strip()))
        elif node.tag == "a":
            start = len(out)
            _collect_inline(node.children, format_, out)
            text = "".join(item.text for item in out[start:] if item is not None)
            href = node.attrs.get("href", "").strip()
            if href and not _HTML_SPACE.sub("", text):
                out.append(_Segment(href, format_))
            elif href and not _same_address(text, href):
                out.append(_Segment(f" ({href})", format_))
        elif node.tag in _INLINE_FORMATS:
            _collect_inline(node.children, replace(format_, **_INLINE_FORMATS[node.tag]), out)
        else:  # unknown, or a block inside an inline element: its text, on a line of its own
            block = node.tag in _BLOCKS
            if block and out:
                out.append(_BREAK)
            _collect_inline(node.children, format_, out)
            if block:
                out.append(_BREAK)


def _same_address(text: str, href: str) -> bool:
    def bare(value: str) -> str:
        value = value.strip().lower()
        for prefix in ("mailto:", "https://", "http://"):
            value = value.removeprefix(prefix)
        return value.rstrip("/")

    return bare(text) == bare(href)


def _normalise(items: Sequence[_Inline]) -> list[_Inline]:
    """Collapse HTML white space as a browser does: no spaces at line starts and ends, none doubled."""
    out: list[_Inline] = []

    def trim_end() -> None:
        while out and out[-1] is not None and not out[-1].keep_spaces:
            text = out[-1].text.rstrip(" ")
            if text:
                out[-1] = replace(out[-1], text=text)
                return
            out.pop()

    for item in items:
        if item is None:
            trim_end()
            out.append(_BREAK)
            continue
        text = xml_safe(item.text)
        if not item.keep_spaces:
            text = _HTML_SPACE.sub(" ", text)
            previous = out[-1] if out else None
            if previous is None or (not previous.keep_spaces and previous.text.endswith(" ")):
                text = text.lstrip(" ")
        if text:
            out.append(replace(item, text=text))
    trim_end()
    while out and out[-1] is None:
        out.pop()
    return out


def _write_runs(paragraph: Paragraph, items: Sequence[_Inline], image_source: ImageSource | None = None) -> None:
    for item in items:
        if item is None:
            paragraph.add_run().add_break()
            continue
        if item.image_src and image_source is not None and _write_picture(paragraph, item.image_src, image_source):
            continue
        run = paragraph.add_run(item.text)
        format_ = item.format
        if format_.bold:
            run.bold = True
        if format_.italic:
            run.italic = True
        if format_.strike:
            run.font.strike = True
        if format_.mono:
            run.font.name = MONOSPACE_FONT
        if format_.subscript:
            run.font.subscript = True
        if format_.superscript:
            run.font.superscript = True
        if format_.highlight:
            run.font.highlight_color = WD_COLOR_INDEX.YELLOW


def _write_picture(paragraph: Paragraph, src: str, image_source: ImageSource) -> bool:
    """Put the image `src` names into the paragraph, at most the text's width; False when there is none to put."""
    data = image_source(src)
    if not data:
        return False
    run = paragraph.add_run()
    try:
        picture = run.add_picture(io.BytesIO(data))
    except (UnrecognizedImageError, ValueError, ZeroDivisionError):
        run._r.getparent().remove(run._r)
        return False
    _fit(picture, TEXT_WIDTH)
    return True


# -- blocks -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    list_depth: int = 0
    quote: bool = False
    format: _Format = _Format()
    alignment: WD_ALIGN_PARAGRAPH | None = None


@dataclass
class _ListItem:
    """The list style goes to the first paragraph of an item; later ones continue it without a number."""

    style: str
    level: int
    num_id: int | None
    used: bool = False


class _Writer:
    """Writes the tree of sanitized HTML into the document (or a table cell)."""

    def __init__(self, document: DocumentObject, image_source: ImageSource | None = None) -> None:
        self.document = document
        self.image_source = image_source
        self.heading_offset = 1
        self._fresh_cells: set = set()  # cells whose one empty paragraph has not been used yet

    def write_html(self, container: _Container, html: str, *, heading_offset: int = 1) -> None:
        self.heading_offset = heading_offset
        if html.strip():
            self._blocks(container, _parse(html).children, _Context(), None)

    def _blocks(self, container: _Container, nodes: Sequence[_Node | str], context: _Context,
                item: _ListItem | None) -> None:
        pending: list[_Node | str] = []
        for node in nodes:
            if isinstance(node, _Node) and node.tag in _BLOCKS:
                self._inline_paragraph(container, pending, context, item)
                pending = []
                self._block(container, node, context, item)
            else:
                pending.append(node)
        self._inline_paragraph(container, pending, context, item)

    def _inline_paragraph(self, container: _Container, nodes: Sequence[_Node | str], context: _Context,
                          item: _ListItem | None, style: str | None = None) -> None:
        if all(_blank(node) for node in nodes):
            return
        items: list[_Inline] = []
        _collect_inline(nodes, context.format, items)
        items = _normalise(items)
        if items:
            _write_runs(self._paragraph(container, context, item, style), items, self.image_source)

    def _block(self, container: _Container, node: _Node, context: _Context, item: _ListItem | None) -> None:
        tag = node.tag
        if tag in _HEADINGS:
            level = max(1, min(int(tag[1]) + self.heading_offset, MAX_HEADING_LEVEL))
            self._inline_paragraph(container, node.children, context, None, style=f"Heading {level}")
        elif tag in ("ul", "ol"):
            self._list(container, node, context)
        elif tag == "li":  # an item outside any list
            self._list(container, _Node("ul", {}, [node]), context)
        elif tag == "table":
            self._table(container, node, context)
        elif tag == "blockquote":
            self._blocks(container, node.children, replace(context, quote=True), item)
        elif tag == "pre":
            text = _text_of(node).removesuffix("\n")
            segment = _Segment(xml_safe(text), replace(context.format, mono=True), keep_spaces=True)
            paragraph = self._paragraph(container, context, item)
            if segment.text:
                _write_runs(paragraph, [segment])
        elif tag == "hr":
            self._paragraph(container, context, item)
        elif tag == "dt":
            self._blocks(container, node.children, replace(context, format=replace(context.format, bold=True)),
                         item)
        else:  # p, div, dl, dd, and table parts outside a table
            self._blocks(container, node.children, context, item)

    def _paragraph(self, container: _Container, context: _Context, item: _ListItem | None,
                   style: str | None = None) -> Paragraph:
        num_id = None
        if style is None and item is not None:
            if not item.used:
                item.used = True
                style, num_id = item.style, item.num_id
            else:
                style = "List Continue" + ("" if item.level == 1 else f" {item.level}")
        elif style is None and context.quote:
            style = "Quote"

        if isinstance(container, _Cell) and container._tc in self._fresh_cells:
            self._fresh_cells.discard(container._tc)
            paragraph = container.paragraphs[0]
        else:
            paragraph = container.add_paragraph()
        if style is not None:
            paragraph.style = self.document.styles[style]
        if num_id is not None:
            numbering = paragraph._p.get_or_add_pPr().get_or_add_numPr()
            numbering.get_or_add_ilvl().val = 0
            numbering.get_or_add_numId().val = num_id
        if context.alignment is not None:
            paragraph.alignment = context.alignment
        return paragraph

    def _list(self, container: _Container, node: _Node, context: _Context) -> None:
        depth = context.list_depth + 1
        level = min(depth, MAX_LIST_LEVEL)
        kind = "Number" if node.tag == "ol" else "Bullet"
        style = f"List {kind}" + ("" if level == 1 else f" {level}")
        num_id = self._restart_numbering(style, node.attrs.get("start", "")) if node.tag == "ol" else None
        inner = replace(context, list_depth=depth)
        loose: list[_Node | str] = []  # stray content between items becomes an item of its own

        def write_item(children: Sequence[_Node | str]) -> None:
            item = _ListItem(style, level, num_id)
            self._blocks(container, children, inner, item)
            if not item.used:  # an empty item still shows its bullet
                self._paragraph(container, inner, item)

        for child in node.children:
            if isinstance(child, _Node) and child.tag == "li":
                if not all(_blank(part) for part in loose):
                    write_item(loose)
                loose = []
                write_item(child.children)
            else:
                loose.append(child)
        if not all(_blank(part) for part in loose):
            write_item(loose)

    def _restart_numbering(self, style: str, start: str) -> int | None:
        """A new Word numbering for one list (else every numbered list would go on from the last one)."""
        try:
            number = max(0, min(int(start.strip() or 1), 32767))
        except ValueError:
            number = 1
        try:
            style_numbering = self.document.styles[style].element.pPr.numPr
            numbering = self.document.part.numbering_part.element
            abstract_id = numbering.num_having_numId(style_numbering.numId.val).abstractNumId.val
        except (AttributeError, KeyError):
            return None
        num = numbering.add_num(abstract_id)
        num.add_lvlOverride(ilvl=0).add_startOverride(number)
        return num.numId

    def _table(self, container: _Container, node: _Node, context: _Context) -> None:
        rows: list[tuple[list[_Node], bool]] = []

        def cells_of(row: _Node) -> list[_Node]:
            cells: list[_Node] = []
            for child in row.children:
                if isinstance(child, _Node) and child.tag in ("td", "th"):
                    cells.append(child)
                elif not _blank(child):
                    cells.append(_Node("td", {}, [child]))
            return cells

        def collect(parent: _Node, header: bool) -> None:
            for child in parent.children:
                if isinstance(child, _Node) and child.tag in ("thead", "tbody", "tfoot"):
                    collect(child, child.tag == "thead")
                elif isinstance(child, _Node) and child.tag == "tr":
                    cells = cells_of(child)
                    if cells:
                        rows.append((cells, header))
                elif not _blank(child):
                    rows.append(([_Node("td", {}, [child])], header))

        collect(node, False)
        if not rows:
            return
        columns = min(max(len(cells) for cells, _ in rows), MAX_COLUMNS)
        if isinstance(container, _Cell):  # what the cell holds after the table goes after it
            self._fresh_cells.discard(container._tc)
        table: Table = container.add_table(rows=len(rows), cols=columns)
        table.style = self.document.styles["Table Grid"]
        cell_context = _Context(format=context.format)
        for row_index, (cells, header) in enumerate(rows):
            if header:
                header_mark = OxmlElement("w:tblHeader")
                table.rows[row_index]._tr.get_or_add_trPr().append(header_mark)
            for column, cell_node in enumerate(cells):
                cell = table.cell(row_index, min(column, columns - 1))
                if column < columns:
                    self._fresh_cells.add(cell._tc)
                cell_format = replace(cell_context.format, bold=cell_node.tag == "th" or cell_context.format.bold)
                alignment = _ALIGNMENTS.get(cell_node.attrs.get("align", "").strip().lower())
                self._blocks(cell, cell_node.children, replace(cell_context, format=cell_format,
                                                                alignment=alignment), None)
                self._fresh_cells.discard(cell._tc)
        if not isinstance(container, _Cell):  # a table in a cell keeps Word's automatic widths inside the cell
            texts = [[_text_of(cell).strip() for cell in cells] for cells, _header in rows]
            set_column_widths(table, column_widths(texts, columns, bold_first_row=rows[0][1]))
