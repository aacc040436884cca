"""The activity ledger, opened with openpyxl and csv as a funder's clerk would: sheets and headers in each
language, real date cells, the attendance matrix's statuses and totals (participation's own), the expenses
equal to the compliance panel's ledger, typed text never a formula, Chinese kept, the CSV with its BOM."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile

import openpyxl
import pytest
from flask_babel import force_locale

from tests.compliance.helpers import enrolled
from tests.exports.sheets_data import RISKY_TITLES, assert_prints_wide, community_year
from workspace.activities import records as activity_records
from workspace.activities import services as activities
from workspace.compliance import services as compliance
from workspace.compliance.gather import program_period
from workspace.compliance.services import budget
from workspace.core.records import local_day
from workspace.exports import ledger, signin
from workspace.exports.spreadsheet import BOM
from workspace.extensions import db

HEADERS = {
    "en": ("Activities", "Date", "Title"),
    "zh_Hant": ("社群活動", "日期", "標題"),
    "zh_Hans": ("社群活动", "日期", "标题"),
}


def workbook(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def rows(sheet) -> list[list]:
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_the_four_sheets_with_their_headers_in_english(ctx):
    year = community_year()
    book = workbook(ledger.ledger_xlsx(year.enrollment, "en").data)
    assert book.sheetnames == ["Activities", "Attendance", "Feedback", "Expenses"]
    assert rows(book["Activities"])[0] == ["Date", "Time", "Title", "Status", "Method", "Mode", "Hours", "Attendees",
                                           "Members expected", "Attendance rate", "Minutes", "Photos", "Videos",
                                           "Subjects", "Tags"]
    assert rows(book["Expenses"])[0] == ["Date", "Category", "Payee", "What it was for", "Amount", "Claimable",
                                        "Hours", "Persons", "Receipt", "Note"]


@pytest.mark.parametrize("language", ["zh_Hant", "zh_Hans", "en"])
def test_headers_are_in_the_chosen_language(ctx, language):
    year = community_year()
    built = ledger.ledger_xlsx(year.enrollment, language)
    book = workbook(built.data)
    with force_locale(language):
        names = ledger.sheet_names()
        header = ledger.activity_header()
    assert book.sheetnames == list(names)
    assert rows(book.worksheets[0])[0] == header
    assert (names[0], header[0], header[2]) == HEADERS[language]
    assert re.search(r"-\d{4}-\d{2}-\d{2}\.xlsx$", built.filename) and "Community" in built.filename


def test_activities_are_listed_with_date_cells_and_the_participation_figures(ctx):
    year = community_year()
    enrollment = year.enrollment
    book = workbook(ledger.ledger_xlsx(enrollment, "en").data)
    body = list(book["Activities"].iter_rows(min_row=2))[:-4]  # the last rows: the held ones' totals, the two
    # rates, the note
    assert [row[2].value for row in body] == [activity.title for activity in year.held] + ["下學期共同備課"]
    for row in body:
        assert row[0].is_date and isinstance(row[0].value, dt.datetime)
        assert row[0].number_format == "yyyy-mm-dd"
    assert body[0][0].value.date() == dt.date(2025, 9, 10)
    assert body[0][1].value == "14:00–16:00"
    assert body[0][4].value == "Collaborative lesson planning" and body[0][5].value == "In person"
    assert body[0][6].value == 2
    counted = {row.activity.id: row for row in activity_records.participation(
        [enrollment.community_id], program_period(enrollment.program)).activities}
    for row, activity in zip(body, year.held, strict=False):
        taken = counted[activity.id].taken
        assert (row[7].value, row[8].value, row[9].value) == (
            (counted[activity.id].attended, counted[activity.id].members, counted[activity.id].rate) if taken
            else (None, None, "Not taken"))  # no roll call: no count that a total would add
        assert "%" in row[9].number_format or row[9].value == "Not taken"
    assert (body[0][7].value, body[0][8].value) == (4, 6)  # present, late, left early, present: of six
    assert [row[10].value for row in body] == ["Yes", "Yes", "No", None]  # none written yet for the one to come
    assert [row[11].value for row in body] == [1, 0, 1, 0]
    assert body[3][7].value is None  # still to come: no attendance yet


def test_the_attendance_matrix_has_each_status_in_words_and_the_totals(ctx):
    year = community_year()
    enrollment = year.enrollment
    sheet = workbook(ledger.ledger_xlsx(enrollment, "en").data)["Attendance"]
    table = rows(sheet)
    assert table[0] == ["Member", *(f"{day} {activity.title}" for day, activity in zip(
        ("2025-09-10", "2025-10-15", "2026-03-04"), year.held, strict=True)), "Attended", "Held", "Attendance rate"]
    by_name = {row[0]: row for row in table[1:]}
    assert by_name["陳召集"][1:4] == ["Present", "Present", None]
    assert by_name["林老師"][1:3] == ["Late", "Present"]
    assert by_name["王老師"][1] == "Left early"
    assert by_name["張老師"][1] == "Excused"
    assert by_name["李老師"][1] == "Absent"
    participation = activity_records.participation([enrollment.community_id], program_period(enrollment.program))
    for member in participation.members:
        assert by_name[member.display_name][4:7] == [member.attended, member.held, member.rate]
    assert by_name["林老師"][4:6] == [2, 2]  # the third activity had no roll call: not one they missed
    start = next(index for index, row in enumerate(table) if row[0] == "Attendees")
    totals = table[start:start + 8]
    assert totals[0] == ["Attendees", 4, 2, None, None, None, None]
    assert totals[1] == ["Members expected", 6, 6, None, None, None, None]
    assert totals[2][1:4] == [*(row.rate for row in participation.activities[:2]), "Not taken"]
    assert table[-1][0] == "1 held activity without a roll call is not counted in the attendance figures."
    assert [row[:4] for row in totals[3:]] == [["Present", 2, 2, 0], ["Late", 1, 0, 0], ["Left early", 1, 0, 0],
                                               ["Excused", 1, 0, 0], ["Absent", 1, 0, 0]]


def test_the_attendance_matrix_in_chinese(ctx):
    year = community_year()
    table = rows(workbook(ledger.ledger_xlsx(year.enrollment, "zh_Hant").data).worksheets[1])
    by_name = {row[0]: row for row in table[1:]}
    with force_locale("zh_Hant"):
        words = [ledger.status_label(status) for status in ("present", "late", "absent")]
    assert by_name["陳召集"][1] == words[0] and by_name["林老師"][1] == words[1] and by_name["李老師"][1] == words[2]
    assert words[0] != "Present"


def test_feedback_has_answers_average_and_distribution_without_names(ctx):
    year = community_year()
    table = rows(workbook(ledger.ledger_xlsx(year.enrollment, "en").data)["Feedback"])
    assert table[0][:4] == ["Date", "Title", "Responses", "Average satisfaction"]
    assert len(table) == 2
    assert table[1][1:] == [year.held[0].title, 3, 4, 0, 0, 1, 1, 1]
    flat = " ".join(str(value) for row in table for value in row)
    assert "林老師" not in flat and "王老師" not in flat


def test_expenses_and_category_totals_equal_the_panel_s_ledger(ctx):
    year = community_year()
    enrollment = year.enrollment
    table = rows(workbook(ledger.ledger_xlsx(enrollment, "en").data)["Expenses"])
    standing = compliance.standings([enrollment])[0]
    panel = standing.ledger
    assert table[1][0] == dt.datetime(2025, 9, 12) and table[1][1] == "Printing, learning materials"  # in English
    assert table[1][4] == 150 and table[1][5] == "Yes"
    assert table[2][4] == 4800 and table[2][5] == "No"
    expenses = {expense.id: expense for expense in compliance.budget.expenses_of(enrollment)}
    for row, expense in zip(table[1:3], sorted(expenses.values(), key=lambda e: (e.spent_on, e.id)), strict=True):
        assert row[6:9] == [expense.hours, expense.persons, "Yes" if expense.receipt_blob_id else "No"]
    assert table[2][7] == next(e.persons for e in expenses.values() if e.amount == 4800)
    assert table[1][9] is None  # claimable within its caps: nothing to note
    assert table[2][9] and "4,800" in table[2][9]  # kept not claimable: the cap it broke, with its numbers
    english = {line.key: line.names["en"] for line in panel.lines}  # the program names each in English
    lines = {row[0]: row for row in table if row and row[0] in set(english.values())
             and row[1] != row[0] and not isinstance(row[0], dt.datetime)}
    header = next(row for row in table if row and row[0] == "Category")
    # The page's and the report's words and figures: claims and claimable spending, the kept rest beside them.
    assert header[2:6] == ["Claims", "Spent (claimable)", "Not claimable", "Remaining under the cap"]
    for line in panel.lines:
        assert lines[english[line.key]][2:5] == [line.claims, line.claimable, line.spent - line.claimable]
    assert lines["Printing, learning materials"][5] == 3000 - 150  # what is left under the category's total cap
    # sundries: at most 6 % of the operating costs claimable so far (150), as the panel's rule says: 9 left
    sundries_rule = next(result for result in standing.results if result.rule_id == "plc.budget.sundries")
    assert lines["Sundries"][5] == sundries_rule.target == 9
    # the results-report printing range: what is left below its top
    report_printing = next(line for line in panel.lines if line.key == "printing_report")
    assert lines[english["printing_report"]][5] == report_printing.ceiling - report_printing.claimable > 0
    # The expense kept but not claimable is beside the claimable figures, not added into them.
    refreshments = next(line for line in panel.lines if line.key == "refreshments")
    assert lines["Refreshments"][2:5] == [0, 0, 4800] and refreshments.claims == 0
    totals = {row[0]: row[1] for row in table[-4:]}
    assert totals == {"Approved": panel.approved, "Spent (claimable)": panel.spent,
                      "Not claimable": panel.not_claimable, "Remaining": panel.remaining}
    assert (panel.approved, panel.spent, panel.remaining) == (50_000, 150, 49_850)


def test_category_names_are_in_the_reader_s_script_in_a_simplified_ledger(ctx):
    year = community_year()
    table = rows(workbook(ledger.ledger_xlsx(year.enrollment, "zh_Hans").data).worksheets[3])
    cells = {str(cell) for row in table for cell in row if cell is not None}
    assert table[1][1] == "印刷费－学习资料"  # the expense's category
    assert {"外聘讲座钟点费", "资料搜集费", "膳食费（茶水费）"} <= cells  # the lines of the categories
    assert not {"外聘講座鐘點費", "資料蒐集費", "印刷費－學習資料"} & cells
    traditional = rows(workbook(ledger.ledger_xlsx(year.enrollment, "zh_Hant").data).worksheets[3])
    assert traditional[1][1] == "印刷費－學習資料"


def test_typed_text_that_looks_like_a_formula_stays_text(ctx):
    year = community_year(risky=True)
    book = workbook(ledger.ledger_xlsx(year.enrollment, "en").data)
    titles = [row[2] for row in book["Activities"].iter_rows(min_row=2, max_row=4)]
    for cell, typed in zip(titles, RISKY_TITLES[:3], strict=True):
        assert cell.data_type != "f"
        assert cell.value in (typed, "'" + typed)
        assert cell.quotePrefix  # Excel keeps it text when the cell is edited
    payee = book["Expenses"]["C2"]
    assert payee.data_type != "f" and payee.value == "=cmd|' /C calc'!A0"
    for cell in book["Attendance"][1][1:4]:
        assert cell.data_type != "f"
    sheet_xml = io.BytesIO(ledger.ledger_xlsx(year.enrollment, "en").data)
    with zipfile.ZipFile(sheet_xml) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name)


def test_a_title_of_minus_two_is_text_not_a_number(ctx):
    year = community_year()
    activity = year.held[0]
    activity.title = "-2"
    db.session.commit()
    cell = workbook(ledger.ledger_xlsx(year.enrollment, "en").data)["Activities"]["C2"]
    assert cell.data_type == "s" and cell.value in ("-2", "'-2")


def test_chinese_round_trips(ctx):
    year = community_year()
    book = workbook(ledger.ledger_xlsx(year.enrollment, "zh_Hant").data)
    assert book.worksheets[0]["C2"].value == "共同備課：分數的教學"
    assert book.worksheets[3]["D3"].value == "茶水"


def test_the_csv_has_a_bom_the_same_headers_iso_dates_and_neutralized_text(ctx):
    year = community_year(risky=True)
    built = ledger.ledger_csv(year.enrollment, "zh_Hant")
    assert built.data.startswith(BOM.encode("utf-8"))
    assert built.media_type.startswith("text/csv") and built.filename.endswith(".csv")
    table = list(csv.reader(io.StringIO(built.data.decode("utf-8-sig"))))
    with force_locale("zh_Hant"):
        assert table[0] == ledger.activity_header()
    assert [row[0] for row in table[1:]] == ["2025-09-10", "2025-10-15", "2026-03-04",
                                             local_day(year.later.starts_at).isoformat()]
    assert [row[2] for row in table[1:4]] == ["'" + title for title in RISKY_TITLES[:3]]
    assert table[4][2] == "下學期共同備課"
    assert table[1][7:10] == ["4", "6", "66.7%"]
    assert len(table) == 5  # the rows alone: the totals are the workbook's


def test_the_csv_of_a_minus_two_title_gets_the_quote(ctx):
    year = community_year()
    year.held[1].title = "-2"
    db.session.commit()
    table = list(csv.reader(io.StringIO(ledger.ledger_csv(year.enrollment, "en").data.decode("utf-8-sig"))))
    assert table[2][2] == "'-2"


def test_an_enrolment_without_activities_or_expenses_still_gives_a_workbook(ctx):
    made = enrolled("empty")
    book = workbook(ledger.ledger_xlsx(made.enrollment, "en").data)
    assert book.sheetnames == ["Activities", "Attendance", "Feedback", "Expenses"]
    assert len(rows(book["Activities"])) == 1
    table = list(csv.reader(io.StringIO(ledger.ledger_csv(made.enrollment, "en").data.decode("utf-8-sig"))))
    assert len(table) == 1


def test_the_ledger_and_sign_in_sheets_read_a_fixed_number_of_queries(ctx, count_queries):
    """More activities, marks and feedback do not mean more queries (no query per activity or member)."""
    year = community_year()

    def counted() -> tuple[int, int]:
        db.session.expire_all()
        enrollment = year.enrollment
        with count_queries() as queries:
            ledger.ledger_xlsx(enrollment, "en")
        with count_queries() as sheets:
            signin.sign_in_sheets(enrollment, "en")
        return len(queries), len(sheets)

    before = counted()
    for day in (dt.date(2026, 4, 1), dt.date(2026, 5, 6), dt.date(2026, 6, 3)):
        activity = year.enrolled.activity(day)
        activities.set_attendance(activity, {year.enrolled.club.member.id: "present"},
                                  actor=year.enrolled.club.convener)
        activities.give_feedback(activity, 4, "", actor=year.enrolled.club.member)
    db.session.commit()
    assert counted() == before


def test_each_activity_carries_its_subjects_and_the_tags_a_funder_counts_by(ctx):
    year = community_year()
    first = year.held[0]
    first.subjects, first.tags = ["數學", "國語"], ["同步課堂", "=HYPERLINK(\"x\")"]
    db.session.commit()
    table = list(csv.reader(io.StringIO(ledger.ledger_csv(year.enrollment, "zh_Hant").data.decode("utf-8-sig"))))
    with force_locale("zh_Hant"):
        assert table[0][-2:] == [ledger.activity_header()[-2], ledger.activity_header()[-1]] == ["學科", "標籤"]
    row = next(row for row in table[1:] if row[2] == first.title)
    assert row[-2:] == ["數學、國語", "同步課堂、=HYPERLINK(\"x\")"]  # text inside the cell: not a formula
    sheet = rows(workbook(ledger.ledger_xlsx(year.enrollment, "en").data).worksheets[0])
    assert sheet[0][-2:] == ["Subjects", "Tags"]
    # listed as the document's language lists: an English comma in the English ledger
    assert next(row for row in sheet[1:] if row[2] == first.title)[-2:] == ["數學, 國語", "同步課堂, =HYPERLINK(\"x\")"]


def test_each_activity_says_whether_it_was_held_and_the_totals_count_held_ones_only(ctx):
    """An activity still to come is marked as such (not read as held without attendance or minutes), and the
    totals under the activities are those of the held ones, as the panel, the report and 附件1 count them."""
    year = community_year()
    enrollment = year.enrollment
    for language, held, scheduled in (("en", "Held", "Scheduled"), ("zh_Hant", "已辦理", "已排定"),
                                      ("zh_Hans", "已开展", "已安排")):
        table = rows(workbook(ledger.ledger_xlsx(enrollment, language).data).worksheets[0])
        assert table[0][3] == {"en": "Status", "zh_Hant": "狀態", "zh_Hans": "状态"}[language]
        assert [row[3] for row in table[1:5]] == [held, held, held, scheduled]
        csv_table = list(csv.reader(io.StringIO(ledger.ledger_csv(enrollment, language).data.decode("utf-8-sig"))))
        assert [row[3] for row in csv_table[1:]] == [held, held, held, scheduled]

    table = rows(workbook(ledger.ledger_xlsx(enrollment, "en").data)["Activities"])
    totals = table[-4]  # under it, the two rates by name; the last row: how many had no roll call
    participation = activity_records.participation([enrollment.community_id], program_period(enrollment.program))
    standing = compliance.standings([enrollment])[0]
    assert totals[0] == "Total of 3 held activities"
    assert len([activity for activity in standing.facts.activities if activity.held]) == 3
    assert totals[6] == 6  # three held activities of two hours; the one to come (two hours) is not counted
    assert totals[7:10] == [6, 12, None]  # the third, without a roll call, is not 0 of 6 more expected
    assert totals[7:9] == [participation.attended, participation.expected]
    assert table[-3][0] == "Overall attendance rate" and table[-3][9] == 0.5
    assert table[-1] == ["1 held activity without a roll call is not counted in the attendance figures.",
                         *[None] * 14]
    assert totals[10:13] == [2, 2, 0]  # minutes of two held ones, a photo each of two


def test_the_totals_give_the_overall_rate_and_the_average_rate_each_by_its_name(ctx):
    """QA: the totals row's "Attendance rate 93.8%" (attended over expected) was read against the participation
    page's 平均出席率 96% (the average of the activities' rates). Under the totals, each rate has its name, as the
    report names them: 整體出席率 and 各場活動平均出席率."""
    year = community_year()
    participation = activity_records.participation([year.enrollment.community_id],
                                                   program_period(year.enrollment.program))
    for language, overall, average in (("en", "Overall attendance rate", "Average attendance rate per activity"),
                                       ("zh_Hant", "整體出席率", "各場活動平均出席率"),
                                       ("zh_Hans", "整体出勤率", "各场活动平均出勤率")):
        sheet = workbook(ledger.ledger_xlsx(year.enrollment, language).data).worksheets[0]
        table = rows(sheet)
        labelled = {row[0]: (index, row[9]) for index, row in enumerate(table, 1) if row[0] in (overall, average)}
        assert {label: rate for label, (_row, rate) in labelled.items()} == {
            overall: participation.overall_rate, average: participation.average_rate}, language
        assert all(sheet.cell(row=row, column=10).number_format == "0.0%" for row, _rate in labelled.values())
        totals = table[min(row for row, _rate in labelled.values()) - 2]
        assert totals[6] is not None and totals[9] is None  # no bare "Attendance rate" on the totals row


def test_attendance_counts_people_in_its_own_words(ctx):
    """The activities sheet's count of who came is a number of people (出席人數), not the times a member came
    (出席次數), which the attendance sheet keeps beside each member."""
    year = community_year()
    for language, people, times in (("zh_Hant", "出席人數", "出席次數"), ("zh_Hans", "出席人数", "出席次数")):
        book = workbook(ledger.ledger_xlsx(year.enrollment, language).data)
        assert rows(book.worksheets[0])[0][7] == people
        csv_table = list(csv.reader(io.StringIO(ledger.ledger_csv(year.enrollment, language).data.decode("utf-8-sig"))))
        assert csv_table[0][7] == people
        attendance = rows(book.worksheets[1])
        assert attendance[0][-3] == times  # a member's attended activities
        assert people in [row[0] for row in attendance[-10:]]  # an activity's attendees


def test_every_sheet_prints_landscape_one_page_wide_with_its_header_on_each_page(ctx):
    year = community_year()
    book = workbook(ledger.ledger_xlsx(year.enrollment, "zh_Hant").data)
    assert_prints_wide(book)


def test_a_held_activity_where_nobody_was_marked_says_attendance_was_not_taken(ctx):
    """The third held activity of the year has no attendance marks: its rate says so instead of 0%, in the
    workbook and the CSV; the marked ones keep their rates."""
    year = community_year()
    table = rows(workbook(ledger.ledger_xlsx(year.enrollment, "zh_Hant").data).worksheets[0])
    rates = {row[2]: row[9] for row in table[1:5]}
    unmarked, marked = year.held[2].title, year.held[0].title
    assert rates[unmarked] == "未點名" and rates[marked] != "未點名"
    csv_table = list(csv.reader(io.StringIO(ledger.ledger_csv(year.enrollment, "en").data.decode("utf-8-sig"))))
    assert {row[2]: row[9] for row in csv_table[1:]}[unmarked] == "Not taken"


def test_a_claimable_expense_over_a_cap_lowered_since_is_noted_in_the_expenses_sheet(ctx):
    """The ledger page marks such a row; the sheet an auditor reads says the same beside it."""
    year = community_year()
    enrollment = year.enrollment
    definition = json.loads(json.dumps(enrollment.program.definition))
    for rule in definition["rules"]:
        if rule["id"] == "plc.budget.printing_materials":
            rule["total_max"] = 100  # lowered below the NT$150 already claimed
    enrollment.program.definition = definition
    db.session.commit()
    table = rows(workbook(ledger.ledger_xlsx(enrollment, "en").data)["Expenses"])
    assert table[1][4] == 150 and table[1][5] == "Yes"
    assert table[1][9].startswith("Breaks a cap now: ") and "NT$100" in table[1][9]


def _widths(sheet) -> dict[str, float]:
    """The sheet's column widths by letter (openpyxl's dimensions; an unset column is Excel's 8.43)."""
    return {letter: dimension.width for letter, dimension in sheet.column_dimensions.items() if dimension.width}


def test_the_english_ledger_prints_one_page_wide_with_the_columns_naming_a_row(ctx):
    """QA 10: in English the Activities and Expenses sheets printed two pages wide with the Date column alone
    repeated; three rows of page 2 all read 2026-11-25. Each prints one page wide (as the user guide says), its
    columns no wider than a legible page holds, the date and the title or payee repeated in case it still spans."""
    from workspace.exports.spreadsheet import LEGIBLE_PAGE_WIDTH

    year = community_year()
    budget.add_expense(year.enrollment, budget.ExpenseFields(  # a long English note, a long payee
        "refreshments", dt.date(2025, 10, 16), 2400, persons=8, payee="The Corner Bakery and Tea House of Xinyi",
        description="Tea and pastries for the open lesson's debriefing with the visiting teachers",
        keep_unclaimable=True), year.enrolled.club.convener)
    book = workbook(ledger.ledger_xlsx(year.enrollment, "en").data)
    naming = {"Activities": "A:C", "Feedback": "A:B", "Expenses": "A:C"}
    for title, columns in naming.items():
        sheet = book[title]
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert (sheet.page_setup.fitToWidth or 1) == 1, title  # one page wide
        assert sheet.print_title_cols.replace("$", "") == columns, title  # the row's date and what it was
        assert sheet.print_title_rows.replace("$", "") == "1:1"
        widths = _widths(sheet)
        total = sum(widths.get(openpyxl.utils.get_column_letter(n), 8.43) for n in range(1, sheet.max_column + 1))
        assert total <= LEGIBLE_PAGE_WIDTH, (title, total, widths)  # one page at a legible size
    assert _widths(book["Activities"])["A"] <= 14  # the totals row's label runs over, it does not widen the dates
