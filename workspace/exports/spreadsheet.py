"""The one XLSX writer of the exports (over XlsxWriter), and the CSV rules that go with it.

A workbook is written row by row in XlsxWriter's `constant_memory` mode: each row goes to a temporary file as
soon as the next one starts, so a ledger of 300 activities × 60 members never sits in memory as cells (measured
in bench/xlsx_memory.py and docs/exports/sheets.md). The price is order: a sheet's rows are written top to
bottom, once each.

Values are written by their type, never guessed from text:

- text with `write_string` (an `inlineStr` cell): never a formula, whatever it starts with;
- numbers with `write_number`; `Money` in the currency's major units with its decimals; `Percent` as a fraction
  with a percent format; dates and times as real date cells (a date number format), so Excel sorts and filters
  them as dates.

**Formula neutralization (the rule).** Text a person typed may start with `=`, `+`, `-`, `@`, a tab or a carriage
return: a spreadsheet opening a CSV, or a person pressing Enter in the cell, would run it as a formula
(`=HYPERLINK(...)`, `@SUM(...)`: "CSV injection"). In an XLSX such a cell is written with `write_string` as
typed and with Excel's quote prefix (`quotePrefix`: the cell stays text when edited), so the text is kept
exactly. In a CSV, where there are no cell types, the text gets a leading apostrophe (`'=HYPERLINK(...)`), as
OWASP advises; `neutralize()` is that rule and the CSV writer applies it to every text cell.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import xlsxwriter

from workspace.core.docx import xml_safe
from workspace.core.i18n import currency_digits, currency_sign

FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet may read as the start of a formula (OWASP's list for CSV injection)."""

BOM = "\ufeff"  # Excel reads a CSV as UTF-8 (and shows Chinese) only when it starts with one
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
MAX_SHEET_NAME = 31  # Excel's limit
MAX_CELL_TEXT = 32_767  # Excel's limit on the characters of one cell
A4 = 9  # Excel's paper code
_SHEET_NAME_FORBIDDEN = str.maketrans({char: " " for char in "[]:*?/\\"})


def is_risky(text: str) -> bool:
    """Whether a spreadsheet could read `text` as a formula (it starts with = + - @, a tab or a CR), the full-width
    ＝ ＋ － ＠ included: a Chinese keyboard's, which Excel takes for its ASCII twin when the cell is entered."""
    return text.startswith(FORMULA_LEADS) or unicodedata.normalize("NFKC", text[:1]).startswith(FORMULA_LEADS)


def neutralize(text: str) -> str:
    """The CSV form of a text cell: with a leading apostrophe when a spreadsheet could run it as a formula."""
    return "'" + text if is_risky(text) else text


def csv_text(text: str) -> str:
    """A text cell of a CSV: cleaned as an XLSX cell is (no NUL, C0 controls or lone surrogates, which UTF-8
    cannot hold), then neutralized, so that a control character cannot hide a leading `=`."""
    return neutralize(xml_safe(text))


@dataclass(frozen=True)
class Money:
    """An amount in minor units of a currency: written as a number of major units with the currency's decimals."""

    amount: int
    currency: str = "TWD"

    @property
    def digits(self) -> int:
        return currency_digits(self.currency)

    @property
    def value(self) -> float:
        return float(Decimal(int(self.amount)).scaleb(-self.digits))


@dataclass(frozen=True)
class Percent:
    """A fraction (0.875) shown as a percentage (87.5%); None leaves the cell empty."""

    value: float | None


MAX_COLUMN_WIDTH = 36.0  # characters (a CJK one counts two): about 18 Chinese characters
LEGIBLE_PAGE_WIDTH = 200.0  # characters of columns on one A4 landscape page at about 8 pt or more
LINE_HEIGHT = 15.0  # points, a line of the default 11-pt font
MAX_ROW_LINES = 20  # Excel's rows stop at 409 pt


def display_width(text: str) -> int:
    """How many Latin characters wide `text` is on one line (a CJK character is about two)."""
    return sum(2 if ord(char) > 0x2E80 else 1 for char in text)


class Sheet:
    """One worksheet, written top to bottom: `header(...)`, then `row(...)` for each row."""

    def __init__(self, workbook: Workbook, name: str) -> None:
        self._book = workbook
        self.worksheet = workbook.book.add_worksheet(sheet_name(name, workbook.names))
        self.row_number = 0
        self._widths: dict[int, float] = {}
        self._naming_columns = 1  # the first columns repeated on each page across (print_wide)
        self._one_page = False  # print_wide(one_page=True): one page wide, whatever it takes
        self.max_width = MAX_COLUMN_WIDTH  # a longer text wraps in its cell

    def header(self, labels: Sequence[str], *, freeze: bool = True) -> None:
        """The header row (bold, frozen so it stays in view, and printed again at the top of every page). On a
        sheet printed one page wide a heading wraps at its spaces ("Members / expected") and widens its column
        only by its longest word, the row as tall as its most wrapped heading needs."""
        lines = 1
        for column, label in enumerate(labels):
            self._text(column, str(label), self._book.formats["header"])
            if self._one_page:
                self._widen(column, max(str(label).split() or [""], key=display_width))
                width = self._widths.get(column, 8.0) - 2
                lines = max(lines, math.ceil(display_width(str(label)) / max(width, 1)))
            else:
                self._widen(column, str(label))
        if lines > 1:
            self.worksheet.set_row(self.row_number, LINE_HEIGHT * min(lines, MAX_ROW_LINES))
        if freeze:
            self.worksheet.freeze_panes(self.row_number + 1, 0)
        self.worksheet.repeat_rows(self.row_number)
        self.row_number += 1

    def print_wide(self, *, naming_columns: int = 1, one_page: bool = False,
                   max_width: float = MAX_COLUMN_WIDTH) -> None:
        """Print on A4 landscape, as many pages tall as it takes and as few wide as keep the text legible: a sheet
        of a dozen columns otherwise prints its last columns on pages of their own, away from the rows they belong
        to; fitted to one page, the reviewers' 19 columns printed at 4 pt. The pages across are decided when the
        workbook is written (`Workbook.to_bytes`), once every column's width is known. `naming_columns`: how many
        first columns say what a row is (the school, the community and the program of the reviewers' summary),
        repeated at the left of every page across.

        `one_page`: always one page wide (the ledger's sheets, as the user guide says), its text columns at most
        `max_width` characters (a longer text wraps) and its headings wrapped at their spaces, so that it fits
        at a legible size; the `naming_columns` are repeated all the same, should a printer's settings still
        spread it across pages (a second page of Claimable, Hours, Note could not be matched to its rows).
        Call it before `header()`."""
        self.worksheet.set_paper(A4)
        self.worksheet.set_landscape()
        self.worksheet.fit_to_pages(1, 0)
        self._naming_columns = naming_columns
        self._one_page = one_page
        self.max_width = max_width
        self._book.printed_wide.append(self)

    def fit_legibly(self) -> None:
        """One page wide when the columns fit at a legible size, else as many pages across as that takes, each
        with the columns that name a row (the school, the member, the date) repeated at its left: a second page of
        three rows all reading 光華國小 said nothing of which community each was."""
        naming = self._naming_columns
        if self._one_page:
            self.worksheet.repeat_columns(0, naming - 1)
            return
        total = sum(self._widths.get(column, 8.43) for column in range(max(self._widths, default=0) + 1))
        kept = sum(self._widths.get(column, 8.43) for column in range(naming))
        pages = max(1, math.ceil(total / LEGIBLE_PAGE_WIDTH))
        if pages > 1:  # the repeated columns take room on every page after the first
            pages = max(1, math.ceil((total + kept * (pages - 1)) / LEGIBLE_PAGE_WIDTH))
            self.worksheet.fit_to_pages(pages, 0)
            self.worksheet.repeat_columns(0, naming - 1)

    def row(self, values: Iterable[Any], *, bold: bool = False, label_runs_over: bool = False) -> None:
        """A row of values written by their type (text, number, Money, Percent, date, time, bool, None). A row
        with wrapped text is as tall as its longest cell needs: LibreOffice does not grow it when it opens the file
        (a school list was cut after its first line). `label_runs_over`: the first cell is a label that runs over
        the empty cells beside it without widening its column (a totals row's "Total of 18 held activities"
        under the dates)."""
        values = list(values)
        lines = max((math.ceil(display_width(str(value)[:MAX_CELL_TEXT]) / self.max_width)
                     for column, value in enumerate(values)
                     if isinstance(value, str) and not (label_runs_over and column == 0)), default=1)
        if lines > 1:
            self.worksheet.set_row(self.row_number, LINE_HEIGHT * min(lines, MAX_ROW_LINES))
        for column, value in enumerate(values):
            if label_runs_over and column == 0 and isinstance(value, str) and value:
                self._text(0, value[:MAX_CELL_TEXT], self._book.formats["bold"] if bold else None)
            else:
                self.cell(column, value, bold=bold)
        self.row_number += 1

    def blank_row(self) -> None:
        self.row_number += 1

    def cell(self, column: int, value: Any, *, bold: bool = False) -> None:
        """One cell of the current row."""
        formats = self._book.formats
        row = self.row_number
        if isinstance(value, bool):
            value = "✓" if value else None
        if value is None or (isinstance(value, str) and not value):
            return  # an empty cell, not an empty string
        if isinstance(value, Money):
            self.worksheet.write_number(row, column, value.value, self._book.money_format(value.currency, bold))
            self._widen(column, f"{self._book.money_sign(value.currency)}{value.value:,.{value.digits}f}")
        elif isinstance(value, Percent):
            if value.value is not None:
                self.worksheet.write_number(row, column, value.value, formats["percent"])
        elif isinstance(value, dt.datetime):
            self.worksheet.write_datetime(row, column, value.replace(tzinfo=None), formats["datetime"])
            self._widen(column, "2027-06-30 14:00")
        elif isinstance(value, dt.date):
            self.worksheet.write_datetime(row, column, value, formats["date"])
            self._widen(column, "2027-06-30")
        elif isinstance(value, int | float | Decimal):
            self.worksheet.write_number(row, column, float(value), formats["bold"] if bold else None)
        else:
            text = str(value)[:MAX_CELL_TEXT]
            if display_width(text) > self.max_width:
                self._text(column, text, formats["wrap_bold" if bold else "wrap"])
            else:
                self._text(column, text, formats["bold"] if bold else None)
            self._widen(column, text)

    def note(self, text: str) -> None:
        """A line of its own under a table (a count left out, a remark): in the first column without widening it,
        so the text runs over the empty cells beside it instead of making the column a page wide."""
        self._text(0, str(text)[:MAX_CELL_TEXT], None)
        self.row_number += 1

    def _text(self, column: int, text: str, cell_format: Any) -> None:
        """Text as a string cell, never a formula; a risky one with Excel's quote prefix (see the module's rule)."""
        text = xml_safe(text)  # NUL, C0 controls, lone surrogates: no XML (nor Excel) holds them
        if is_risky(text):
            formats = self._book.formats
            cell_format = formats["quoted_bold" if cell_format in (formats["bold"], formats["header"]) else "quoted"]
        self.worksheet.write_string(self.row_number, column, text, cell_format)

    def _widen(self, column: int, text: str) -> None:
        """Fit the column to its longest value (a CJK character is about two Latin ones wide), up to a limit: a
        longer text wraps (a column 60 wide left the reviewers' 19-column summary at 4 pt on the printed page)."""
        width = min(self.max_width, 2 + display_width(text.split("\n")[0][:80]))
        if width > self._widths.get(column, 8.0):
            self._widths[column] = width
            self.worksheet.set_column(column, column, width)


class Workbook:
    """An XLSX workbook built in `constant_memory` mode: `sheet(name)` for each sheet in order, then `to_bytes()`.

    Column widths are set as rows arrive (XlsxWriter keeps column settings apart from the rows, so this is allowed
    after the rows in constant_memory mode).
    """

    def __init__(self, *, title: str = "") -> None:
        self._out = io.BytesIO()
        self.book = xlsxwriter.Workbook(self._out, {"constant_memory": True, "strings_to_formulas": False,
                                                    "strings_to_urls": False, "strings_to_numbers": False})
        self.book.set_properties({"title": xml_safe(title)[:255], "author": "", "comments": ""})
        self.names: set[str] = set()
        header = {"bold": True, "bg_color": "#E8EEF4", "border": 1, "text_wrap": True, "valign": "top"}
        self.formats = {
            "header": self.book.add_format(header),
            "bold": self.book.add_format({"bold": True}),
            "quoted": self.book.add_format({"quote_prefix": True}),
            "quoted_bold": self.book.add_format({"quote_prefix": True, "bold": True}),
            "date": self.book.add_format({"num_format": DATE_FORMAT}),
            "datetime": self.book.add_format({"num_format": DATETIME_FORMAT}),
            "percent": self.book.add_format({"num_format": "0.0%"}),
            # a text longer than a column may be wide wraps in its cell, the row growing as Excel opens it
            "wrap": self.book.add_format({"text_wrap": True, "valign": "top"}),
            "wrap_bold": self.book.add_format({"text_wrap": True, "valign": "top", "bold": True}),
        }
        self._money: dict[tuple[str, bool], Any] = {}
        self.printed_wide: list[Sheet] = []
        self._signs: dict[str, str] = {}

    def money_sign(self, currency: str) -> str:
        """The currency's sign as the workbook's language writes it (NT$, ¥), read once per workbook."""
        if currency not in self._signs:
            self._signs[currency] = currency_sign(currency).replace('"', "")
        return self._signs[currency]

    def money_format(self, currency: str, bold: bool = False) -> Any:
        """The number format of an amount in `currency`: its sign and decimals ("NT$"#,##0, "¥"#,##0.00), made once.
        The sign is in the format, not the cell: the cell stays a number Excel sums, and a workbook of two
        currencies (the reviewers' 附件1) never shows NT$ and ¥ alike."""
        key = (currency, bold)
        if key not in self._money:
            digits = currency_digits(currency)
            self._money[key] = self.book.add_format(
                {"num_format": f'"{self.money_sign(currency)}"#,##0' + ("." + "0" * digits if digits else ""),
                 "bold": bold})
        return self._money[key]

    def sheet(self, name: str) -> Sheet:
        """A new worksheet (its name cleaned for Excel: 31 characters, no []:*?/\\, unique)."""
        return Sheet(self, name)

    def to_bytes(self) -> bytes:
        """The workbook as XLSX bytes."""
        for sheet in self.printed_wide:
            sheet.fit_legibly()
        self.book.close()
        return self._out.getvalue()


def sheet_name(name: str, taken: set[str]) -> str:
    """A worksheet name Excel accepts: forbidden characters replaced, at most 31 characters, not yet taken."""
    base = (xml_safe(name).translate(_SHEET_NAME_FORBIDDEN).strip().strip("'") or "Sheet")[:MAX_SHEET_NAME]
    candidate, number = base, 2
    while candidate.lower() in {existing.lower() for existing in taken}:
        suffix = f" ({number})"
        candidate, number = base[:MAX_SHEET_NAME - len(suffix)] + suffix, number + 1
    taken.add(candidate)
    return candidate


def csv_value(value: Any) -> str:
    """A value as CSV text: dates as ISO (2027-06-30), Money in major units, Percent as 87.5%, text neutralized."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "✓" if value else ""
    if isinstance(value, Money):
        return f"{value.value:.{value.digits}f}"
    if isinstance(value, Percent):
        return "" if value.value is None else f"{round(value.value * 100, 1):g}%"
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | float | Decimal):
        return f"{value:g}" if isinstance(value, float) else str(value)
    return csv_text(str(value))


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A CSV file Excel opens with Chinese intact: UTF-8 with a BOM, CRLF line ends, every text cell neutralized."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([csv_value(label) for label in header])
    for row in rows:
        writer.writerow([csv_value(value) for value in row])
    return out.getvalue().encode("utf-8")
