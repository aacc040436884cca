"""The reviewers' summary (附件1), opened with openpyxl: a row per community in the viewer's scope only, with the
review table's figures (status per rule, activities, participants, money), and the totals per school."""

from __future__ import annotations

import io

import openpyxl
from flask_babel import force_locale
from sqlalchemy import select

from tests.compliance.helpers import preset
from tests.exports.sheets_data import assert_prints_wide, community_year
from tests.factories import make_reviewer, make_school, make_user
from workspace.communities.models import School
from workspace.compliance import services as compliance
from workspace.compliance import wording
from workspace.compliance.services import review
from workspace.exports import summary
from workspace.extensions import db


def school(slug: str) -> School:
    return db.session.scalar(select(School).where(School.name == f"光華國小 {slug}"))


def opened(viewer, language: str = "en") -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(summary.review_summary(viewer, language).data))


def table(sheet) -> list[list]:
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_a_reviewer_sees_only_the_communities_in_scope(ctx):
    north, south = community_year("north"), community_year("south", later=False)
    reviewer = make_reviewer(school("north"))
    book = opened(reviewer)
    assert book.sheetnames == ["Communities", "Totals per school"]
    communities = table(book["Communities"])
    assert communities[0][:4] == ["Schools", "Community", "Program", "Status"]
    assert [row[1] for row in communities[1:]] == [north.enrollment.community.name]
    assert south.enrollment.community.name not in str(table(book["Totals per school"]))
    schools = table(book["Totals per school"])
    assert [row[0] for row in schools[1:-1]] == ["光華國小 north"]


def test_the_rows_carry_the_review_table_s_figures(ctx):
    north = community_year("north")
    reviewer = make_reviewer(school("north"))
    row = table(opened(reviewer)["Communities"])[1]
    standing = compliance.standings([north.enrollment])[0]
    figures = review.RowFigures.of(standing)
    header = table(opened(reviewer)["Communities"])[0]
    values = dict(zip(header, row, strict=True))
    assert values["Schools"] == "光華國小 north" and values["Program"] == north.enrollment.program.name
    assert values["All activities held"] == figures.held == 3
    assert values["Counted toward the activity target"] == figures.counted == standing.burn_up.counted
    # QA13 #4: the page's 4／18 as two numbers a county officer can sort and add up; a bare 4 said nothing
    assert values["Activity target"] == figures.target == standing.burn_up.target == 18
    assert values["Participants"] == figures.participants == 6
    assert (values["Approved"], values["Spent"], values["Remaining"]) == (50_000, 150, 49_850)
    with force_locale("en"):
        assert values["Status"] == wording.status_label(figures.worst)
        for status, count in standing.tally.items():
            assert values[wording.status_label(status)] == count
    assert sum(values[wording.status_label(status)] for status in summary.STATUSES) == len(standing.results)


def test_totals_per_school_and_over_all_for_an_admin(ctx):
    north, south = community_year("north"), community_year("south", later=False)
    admin = make_user(is_admin=True)
    rows = table(opened(admin)["Totals per school"])
    assert rows[0] == ["School", "Number of communities", "Communities", "Participants", "Currency", "Approved",
                       "Left over", "Overrun", "Waiting for confirmation (not approved)"]
    by_school = {row[0]: row for row in rows[1:-1]}
    assert by_school["光華國小 north"][1:] == [1, north.enrollment.community.name, 6, "TWD", 50_000, 49_850, None,
                                            None]
    assert by_school["光華國小 south"][1:] == [1, south.enrollment.community.name, 6, "TWD", 50_000, 49_850, None,
                                            None]
    assert rows[-1] == ["All communities (NT$)", 2, None, 12, "TWD", 100_000, 99_700, None, None]
    expected = review.school_totals(review.review_table(admin))
    assert [(total.school, total.participants, total.funds[0].approved, total.funds[0].remaining)
            for total in expected] == [(row[0], row[3], row[5], row[6]) for row in rows[1:-1]]


def test_a_reviewer_of_nothing_gets_a_summary_that_says_so(ctx):
    """QA13 #5: a school reviewer's summary of the ¥ program none of his communities is in had one total row,
    「全部社群（NT$） 0 … TWD NT$0」; the page says no community is enrolled, and so does the file now."""
    community_year("north")
    urban_rural = preset("urc")
    assert urban_rural.currency == "CNY"
    said = "您審查的社群中（依目前篩選）沒有參加計畫的社群。"
    book = openpyxl.load_workbook(io.BytesIO(summary.review_summary(
        make_reviewer(make_schoolless()), "zh_Hant", program_id=urban_rural.id).data))
    for sheet in book.worksheets:
        rows = table(sheet)
        assert len(rows) == 2 and rows[1][0] == said and set(rows[1][1:]) == {None}
    assert "TWD" not in str(table(book.worksheets[1])) and "NT$" not in str(table(book.worksheets[1]))


def test_a_community_that_has_not_submitted_says_so_in_the_submission_column(ctx):
    """QA13 #4: the 送審 cell was blank where the page says 尚未送審."""
    north = community_year("north")
    reviewer = make_reviewer(school("north"))
    header, row = table(opened(reviewer)["Communities"])[:2]
    assert dict(zip(header, row, strict=True))["Submission"] == "Not submitted yet"
    review.submit(compliance.standings([north.enrollment])[0], "請審查", north.enrolled.club.convener)
    db.session.commit()
    header, row = table(opened(reviewer)["Communities"])[:2]
    assert dict(zip(header, row, strict=True))["Submission"] == "With the reviewers"


def make_schoolless() -> School:
    return make_school(name="別的學校")


def test_chinese_headers(ctx):
    community_year("north")
    book = opened(make_user(is_admin=True), "zh_Hant")
    with force_locale("zh_Hant"):
        assert table(book.worksheets[0])[0] == summary.community_header()
        assert book.sheetnames == list(summary.sheet_names())
    assert table(book.worksheets[0])[1][0] == "光華國小 north"


def test_the_file_is_named_with_a_proper_title_in_each_language(ctx):
    admin = make_user(is_admin=True)
    assert summary.review_summary(admin, "en").filename.startswith("Review summary (附件1)-")
    assert summary.review_summary(admin, "zh_Hant").filename.startswith("審查彙整表（附件1）-")


def test_both_sheets_print_landscape_with_their_header_on_each_page_the_communities_two_pages_wide(ctx):
    """As the ledger prints: portrait with no scaling put each column of 附件1 on a page of its own. The totals fit
    one page wide; the communities' 20 columns print two pages across, legible, their naming columns on each."""
    community_year("north")
    book = opened(make_user(is_admin=True), "zh_Hant")
    communities = book.worksheets[0]
    # QA: printed two pages wide with only the school repeated, page 2 had three rows all reading 光華國小
    assert communities.page_setup.fitToWidth == 2 and communities.print_title_cols.replace("$", "") == "A:C"
    assert_prints_wide(book, {communities.title: "A:C"})


def test_the_file_has_a_meaningful_ascii_name_for_old_clients(ctx):
    built = summary.review_summary(make_user(is_admin=True), "zh_Hant")
    assert built.ascii_name.startswith("review-summary-") and built.ascii_name.endswith(".xlsx")
