"""The application form and the implementation plan, opened with python-docx: the convener, the members, the
community's type and goals, the planned activities (held and still to come) and the budget plan."""

from __future__ import annotations

import io

import docx
import pytest
from flask_babel import force_locale
from sqlalchemy import select

from tests.compliance.helpers import enrolled
from tests.exports.sheets_data import community_year
from workspace.communities.models import Membership
from workspace.compliance.services import budget
from workspace.core.database import utcnow
from workspace.exports import forms_docx
from workspace.extensions import db


def text_of(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def tables_of(data: bytes) -> list[list[list[str]]]:
    document = docx.Document(io.BytesIO(data))
    return [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables]


@pytest.fixture()
def year(ctx):
    made = community_year()
    community = made.enrollment.community
    community.vision = "以**學生學習**為中心，精進分數教學。"
    community.description = "五年級數學教師的共同備課社群。"
    db.session.commit()
    return made


@pytest.mark.parametrize("build", [forms_docx.application, forms_docx.implementation_plan])
def test_the_form_holds_convener_members_type_goals_activities_and_budget(year, build):
    enrollment = year.enrollment
    built = build(enrollment, "en")
    assert built.filename.endswith(".docx")
    text = text_of(built.data)
    assert "陳召集" in text  # the convener, on the cover and the signature line
    for name in ("林老師", "王老師", "張老師", "李老師", "吳老師"):
        assert name in text
    assert "以學生學習為中心，精進分數教學。" in text and "五年級數學教師的共同備課社群。" in text
    assert enrollment.community.name in text and enrollment.program.name in text
    for activity in year.held:
        assert activity.title in text
    assert "下學期共同備課" in text  # a planned one, still to come
    for category in budget.categories(enrollment):
        assert category["name"] in text
    assert "NT$50,000" in text  # the approved amount
    assert "at most NT$200 an item" in text  # a category's cap


def test_the_members_table_names_each_member_with_role(year):
    tables = tables_of(forms_docx.application(year.enrollment, "en").data)
    members = next(table for table in tables if table[0][:2] == ["Full name", "Role"])
    rows = {row[0]: row for row in members[1:]}
    assert rows["陳召集"][1] == "Convener" and rows["林老師"][1] == "Member"
    assert len(rows) == 6


def test_the_activities_table_marks_held_and_scheduled(year):
    tables = tables_of(forms_docx.implementation_plan(year.enrollment, "en").data)
    planned = next(table for table in tables if table[0][:3] == ["Date", "Time", "Title"])
    assert [row[2] for row in planned[1:]] == [activity.title for activity in year.held] + ["下學期共同備課"]
    assert [row[6] for row in planned[1:]] == ["Held", "Held", "Held", "Scheduled"]
    assert planned[1][0] == "2025-09-10" and planned[1][3] == "Collaborative lesson planning"


def test_the_plan_names_a_member_who_left_during_the_period_and_the_application_does_not(year):
    leaving = next(membership for membership in db.session.scalars(select(Membership).where(
        Membership.community_id == year.enrollment.community_id)) if membership.user.display_name == "吳老師")
    leaving.left_at = utcnow()
    db.session.commit()
    assert "吳老師" not in text_of(forms_docx.application(year.enrollment, "en").data)
    assert "吳老師" in text_of(forms_docx.implementation_plan(year.enrollment, "en").data)


@pytest.mark.parametrize("language", ["zh_Hant", "zh_Hans", "en"])
def test_each_language_titles_the_document_and_keeps_chinese(year, language):
    built = forms_docx.application(year.enrollment, language)
    document = docx.Document(io.BytesIO(built.data))
    with force_locale(language):
        title = forms_docx.document_title("application")
    assert document.paragraphs[0].text == title
    assert "共同備課：分數的教學" in text_of(built.data)
    headings = [paragraph.text for paragraph in document.paragraphs if paragraph.style.name.startswith("Heading")]
    assert len(headings) >= 4


def test_a_community_without_activities_says_so(ctx):
    made = enrolled("quiet")
    text = text_of(forms_docx.implementation_plan(made.enrollment, "en").data)
    assert "No activity is planned in the program's period yet." in text
