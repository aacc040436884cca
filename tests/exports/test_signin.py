"""The sign-in sheets of a period, opened with python-docx: a page per activity (held or still to come,
cancelled ones left out), each with its title, date and time, place and every member's name to sign by."""

from __future__ import annotations

import io

import docx
from docx.oxml.ns import qn

from tests.compliance.helpers import enrolled
from tests.exports.sheets_data import community_year
from workspace.activities import services as activities
from workspace.exports import signin
from workspace.extensions import db

MEMBERS = ("陳召集", "林老師", "王老師", "張老師", "李老師", "吳老師")


def page_breaks(document) -> int:
    return sum(1 for br in document.element.body.iter(qn("w:br")) if br.get(qn("w:type")) == "page")


def test_one_page_per_activity_with_members_to_sign(ctx):
    year = community_year()
    built = signin.sign_in_sheets(year.enrollment, "en")
    assert built.filename.endswith(".docx")
    document = docx.Document(io.BytesIO(built.data))
    assert page_breaks(document) == 3  # four activities, four pages
    member_tables = [table for table in document.tables if table.rows[0].cells[1].text == "Full name"]
    assert len(member_tables) == 4
    for table in member_tables:
        names = [row.cells[1].text for row in table.rows[1:]]
        assert sorted(name for name in names if name) == sorted(MEMBERS)
        assert table.rows[0].cells[2].text == "Signature"
        assert all(row.cells[2].text == "" for row in table.rows[1:])
    field_tables = [table for table in document.tables if table.rows[0].cells[0].text == "Community"]
    activities_named = [table.rows[1].cells[1].text for table in field_tables]
    for activity in year.held:
        assert any(text.startswith(activity.title) for text in activities_named)
    assert any(text.startswith("下學期共同備課") for text in activities_named)
    assert field_tables[0].rows[2].cells[0].text == "Method"
    assert field_tables[0].rows[2].cells[1].text == "Collaborative lesson planning"
    assert field_tables[0].rows[3].cells[1].text == "Sep 10, 2025 14:00–16:00"  # as the activity page writes it
    assert field_tables[0].rows[4].cells[1].text == "自然教室"


def test_a_cancelled_activity_has_no_page(ctx):
    year = community_year()
    activities.cancel_activity(year.held[1], "颱風停課", actor=year.enrolled.club.convener)
    db.session.commit()
    document = docx.Document(io.BytesIO(signin.sign_in_sheets(year.enrollment, "en").data))
    assert page_breaks(document) == 2
    text = "\n".join(table.rows[1].cells[1].text for table in document.tables
                     if table.rows[0].cells[0].text == "Community")
    assert year.held[1].title not in text


def test_chinese_sheets(ctx):
    year = community_year()
    document = docx.Document(io.BytesIO(signin.sign_in_sheets(year.enrollment, "zh_Hant").data))
    assert any(paragraph.text == "簽到表" for paragraph in document.paragraphs)
    body = "\n".join(cell.text for table in document.tables for row in table.rows for cell in row.cells)
    assert "共同備課：分數的教學" in body and "林老師" in body
    first = [[cell.text for cell in row.cells] for row in document.tables[0].rows]
    assert first[1] == ["活動", "共同備課：分數的教學"]  # the title alone: no "(method)" in ASCII brackets
    assert first[2] == ["進行方式", "協同備課"]
    assert first[3] == ["日期與時間", "2025年9月10日 14:00–16:00"]
    assert "(" not in body and ")" not in body


def test_a_pairs_private_meeting_has_no_sheet_and_other_sheets_list_every_member(ctx):
    """A pair's meeting recorded by mentoring has its two marked present already, and a sheet named them to whoever
    printed the sheets (QA: the reviewers): it has none; every other sheet lists every member."""
    year = community_year()
    meeting = year.pair_meeting()
    assert meeting.private
    document = docx.Document(io.BytesIO(signin.sign_in_sheets(year.enrollment, "zh_Hant").data))
    names_by_activity = {}
    tables = document.tables
    for fields, names in zip(tables[0::2], tables[1::2], strict=True):
        names_by_activity[fields.rows[1].cells[1].text] = [row.cells[1].text for row in names.rows[1:]
                                                           if row.cells[1].text]
    assert meeting.title not in names_by_activity and "僅限師徒雙方的輔導紀錄" not in names_by_activity
    assert names_by_activity and all(sorted(names) == sorted(MEMBERS) for names in names_by_activity.values())


def test_a_period_without_activities_still_prints(ctx):
    made = enrolled("quiet")
    document = docx.Document(io.BytesIO(signin.sign_in_sheets(made.enrollment, "en").data))
    assert page_breaks(document) == 0
    assert any("No activity" in paragraph.text for paragraph in document.paragraphs)
