"""The one XLSX writer and the CSV rules: cells by type, dates as date cells, text never a formula (XLSX: a
string cell with Excel's quote prefix; CSV: a leading apostrophe), sheet names Excel accepts."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import openpyxl
import pytest
from flask_babel import force_locale

from workspace.exports.spreadsheet import (
    BOM,
    Money,
    Percent,
    Workbook,
    csv_bytes,
    csv_value,
    is_risky,
    neutralize,
    sheet_name,
)

RISKY = ["=HYPERLINK(\"http://evil.example\",\"click\")", "+1", "-2", "@SUM(A1:A9)", "\t=1+1", "\r=1+1",
         "=cmd|' /C calc'!A0", "＝1+1", "＋1", "－2", "＠SUM(A1:A9)"]  # the full-width ones of a Chinese keyboard too
SAFE = ["共同備課", "a=b", "1+1", "", " =1", "'quoted", "１+1", "（＝）"]


@pytest.mark.parametrize("text", RISKY)
def test_risky_text_is_recognised_and_quoted_for_csv(text):
    assert is_risky(text)
    assert neutralize(text) == "'" + text


@pytest.mark.parametrize("text", SAFE)
def test_other_text_is_left_as_typed(text):
    assert not is_risky(text)
    assert neutralize(text) == text


def build(rows_of: list[list], header: list[str] | None = None) -> openpyxl.Workbook:
    book = Workbook(title="測試")
    sheet = book.sheet("表")
    if header:
        sheet.header(header)
    for row in rows_of:
        sheet.row(row)
    return openpyxl.load_workbook(io.BytesIO(book.to_bytes()))


def test_cells_are_written_by_type(ctx):
    day, moment = dt.date(2027, 6, 30), dt.datetime(2027, 6, 30, 14, 5)
    sheet = build([[day, moment, 3, 2.5, Money(160_000, "TWD"), Percent(0.875), Percent(None), None, True, "文字"]],
                  header=["日期", "時間"]).active
    cells = sheet[2]
    assert sheet["A1"].value == "日期" and sheet["A1"].font.b
    assert cells[0].is_date and cells[0].value == dt.datetime(2027, 6, 30) and cells[0].number_format == "yyyy-mm-dd"
    assert cells[1].is_date and cells[1].value == moment
    assert (cells[2].value, cells[3].value) == (3, 2.5)
    assert cells[4].value == 160_000 and cells[4].number_format == '"NT$"#,##0'  # a number Excel sums, with its sign
    assert cells[5].value == 0.875 and cells[5].number_format == "0.0%"
    assert cells[6].value is None and cells[7].value is None
    assert cells[8].value == "✓" and cells[9].value == "文字"


def test_money_keeps_the_currency_s_decimals(ctx):
    with force_locale("zh_Hans"):
        sheet = build([[Money(12_345, "CNY")]]).active
    assert sheet["A1"].value == 123.45 and sheet["A1"].number_format == '"¥"#,##0.00'


def test_risky_text_is_a_string_cell_with_the_quote_prefix_never_a_formula(ctx):
    data_book = Workbook()
    sheet = data_book.sheet("x")
    sheet.header(["=header"])
    sheet.row(RISKY)
    data = data_book.to_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in xml
    opened = openpyxl.load_workbook(io.BytesIO(data)).active
    assert opened["A1"].value == "=header" and opened["A1"].data_type == "s"
    for cell, typed in zip(opened[2], RISKY, strict=True):
        # XlsxWriter escapes a CR as _x000D_ (as Excel does); openpyxl leaves that escape in inline strings
        assert cell.data_type == "s" and cell.value.replace("_x000D_", "\r") == typed and cell.quotePrefix


def test_long_text_is_cut_to_excel_s_limit(ctx):
    sheet = build([["長" * 40_000]]).active
    assert len(sheet["A1"].value) == 32_767


def test_sheet_names_are_cleaned_and_unique():
    taken: set[str] = set()
    assert sheet_name("a/b:c*d?[e]", taken) == "a b c d  e"
    assert sheet_name("活動" * 20, taken) == ("活動" * 20)[:31]
    assert sheet_name("活動" * 20, taken) == ("活動" * 20)[:27] + " (2)"
    assert sheet_name("", taken) == "Sheet"


def test_the_csv_has_a_bom_crlf_iso_dates_and_neutralized_text():
    data = csv_bytes(["日期", "標題", "金額", "出席率"],
                     [[dt.date(2027, 6, 30), "=1+1", Money(1600), Percent(0.5)], [None, "共同備課，分數", 2.5, True]])
    assert data.startswith(BOM.encode())
    assert b"\r\n" in data
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert table == [["日期", "標題", "金額", "出席率"], ["2027-06-30", "'=1+1", "1600", "50%"],
                     ["", "共同備課，分數", "2.5", "✓"]]


def test_csv_values():
    assert csv_value(dt.datetime(2027, 6, 30, 14, 0)) == "2027-06-30 14:00"
    assert csv_value("@x") == "'@x"
    assert csv_value(Percent(None)) == ""


def test_characters_no_file_can_hold_are_dropped_before_the_formula_check(ctx):
    book = Workbook(title="t\x00")
    sheet = book.sheet("x\x00")
    sheet.header(["h\ud800"])
    sheet.row(["a\x00b\x01c\ud800d\uffff", "<&>\"", "🙂𠀀", "\x00=1"])
    opened = openpyxl.load_workbook(io.BytesIO(book.to_bytes())).active
    assert opened["A1"].value == "h"
    assert [cell.value for cell in opened[2]] == ["abcd", "<&>\"", "🙂𠀀", "=1"]
    assert opened["D2"].quotePrefix
    data = csv_bytes(["a"], [["x\ud800y", "\x00=1"]])
    assert list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))[1] == ["xy", "'=1"]


def test_a_money_column_is_wide_enough_for_the_amount_and_its_sign(ctx):
    sheet = build([[Money(1_234_567_890, "TWD")]]).active
    assert sheet.column_dimensions["A"].width >= len("NT$1,234,567,890")  # never ##### for want of room


def test_a_long_text_wraps_in_a_column_of_bounded_width_and_a_note_widens_nothing(ctx):
    """QA: one long cell made its column 60 wide, and the reviewers' 19-column summary printed at 4 pt on one page;
    the ledger's line under its attendance table made the members' column as wide as the sentence."""
    from workspace.exports.spreadsheet import MAX_COLUMN_WIDTH, Workbook

    book = Workbook()
    sheet = book.sheet("Sheet")
    sheet.header(["成員", "學校"])
    sheet.row(["林老師", "光華國小、城關國小、石門國小、大同國小、中正國小、仁愛國小"])
    sheet.note("2 場僅限師徒雙方的輔導或觀課未列於此表；已計入舉辦的活動次數。" * 2)
    opened = openpyxl.load_workbook(io.BytesIO(book.to_bytes())).active
    assert opened.column_dimensions["A"].width < 20  # the note ran over the empty cells, the column kept its names
    assert opened.column_dimensions["B"].width <= MAX_COLUMN_WIDTH + 1
    assert opened["B2"].alignment.wrap_text  # the long list wraps in its cell
    assert not opened["A2"].alignment.wrap_text
    assert opened["A3"].value.startswith("2 場僅限師徒雙方")


def test_a_wrapped_row_is_tall_enough_and_a_wide_sheet_prints_legibly(ctx):
    """QA: LibreOffice cut a wrapped school list after its first line (rows do not grow as the file opens), and
    the reviewers' 19 columns fitted to one landscape page printed at about 4 pt."""
    from workspace.exports.spreadsheet import LINE_HEIGHT, Workbook

    book = Workbook()
    narrow = book.sheet("narrow")
    narrow.print_wide()
    narrow.header(["學校", "人數"])
    narrow.row(["光華國小、城關國小、石門國小、大同國小、中正國小、仁愛國小、民生國小", 3])
    narrow.row(["光華國小", 3])
    wide = book.sheet("wide")
    wide.print_wide()
    wide.header([f"第 {number} 欄的標題文字很長" for number in range(19)])
    wide.row(["光華國小城關國小石門國小大同國小" for _ in range(19)])
    opened = openpyxl.load_workbook(io.BytesIO(book.to_bytes()))
    rows = opened["narrow"].row_dimensions
    assert rows[2].height == 2 * LINE_HEIGHT and rows[3].height is None
    assert opened["narrow"].page_setup.fitToWidth in (None, 1)  # two columns: one page wide
    assert opened["wide"].page_setup.fitToWidth >= 2 and opened["wide"].print_title_cols == "$A:$A"
