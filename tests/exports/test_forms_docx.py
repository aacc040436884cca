"""The application form and the implementation plan, opened with python-docx: the convener, the members, the
community's type and goals in both; the application's activities in one list and its budget plan; the plan's
requirements, schedule by month (who leads, what evidence) and speakers; an urban–rural community's schools,
exchanged teachers and mentor pairings."""

from __future__ import annotations

import datetime as dt
import io
import re

import docx
import pytest
from flask_babel import force_locale
from sqlalchemy import select

from tests.communities.urban_rural import make_partnership
from tests.compliance.helpers import enrolled, program_copy
from tests.documents import docx_text
from tests.exports.sheets_data import community_year
from tests.factories import add_member, make_reviewer, make_school, make_user
from workspace.activities.models import Speaker
from workspace.communities import services as communities
from workspace.communities.models import Membership
from workspace.compliance import services as compliance_services
from workspace.compliance.engine.activities import evidence_asked
from workspace.compliance.facts import ActivityFact
from workspace.compliance.services import budget
from workspace.core.database import utcnow
from workspace.exports import forms_docx
from workspace.extensions import db
from workspace.mentoring.models import Pairing


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
def test_each_form_holds_convener_members_type_goals_and_activities(year, build):
    enrollment = year.enrollment
    built = build(enrollment, "en")
    assert built.filename.endswith(".docx")
    text = docx_text(built.data)
    assert "陳召集" in text  # the convener, on the cover and the signature line
    for name in ("林老師", "王老師", "張老師", "李老師", "吳老師"):
        assert name in text
    assert "以學生學習為中心，精進分數教學。" in text and "五年級數學教師的共同備課社群。" in text
    assert enrollment.community.name in text and enrollment.program.name in text
    for activity in year.held:
        assert activity.title in text
    assert "下學期共同備課" in text  # a planned one, still to come
    program = enrollment.program  # a Taiwanese funder's (NT$): the period in the ROC calendar on the cover too
    first, last = (f"ROC {day.year - 1911}/{day.month}/{day.day}" for day in (program.first_day, program.last_day))
    assert f"Period (ROC calendar)\n{first} to {last}" in text  # English writes the ROC days its own way


def test_the_application_asks_for_the_money_and_the_plan_does_not(year):
    enrollment = year.enrollment
    text = docx_text(forms_docx.application(enrollment, "en").data)
    for category in budget.categories(enrollment):  # named in the form's language
        assert category["names"]["en"] in text and category["name"] not in text
    assert "NT$50,000" in text  # the approved amount
    assert "at most NT$200 a session; at most NT$3,000 in all" in text  # a category's caps, in the rule's unit
    plan = docx_text(forms_docx.implementation_plan(enrollment, "en").data)
    assert "NT$50,000" not in plan and "Budget plan" not in plan


def test_the_members_table_names_each_member_with_role_and_school(year):
    """Members with a school, as every real community has (the form once failed on reading the schools' names)."""
    school = make_school(name="光華國小")
    for user in year.members()[:2]:
        user.school_id = school.id
    db.session.commit()
    tables = tables_of(forms_docx.application(year.enrollment, "en").data)
    members = next(table for table in tables if table[0][:3] == ["Full name", "Role", "School"])
    rows = {row[0]: row for row in members[1:]}
    assert rows["陳召集"][1] == "Convener" and rows["林老師"][1] == "Member"
    assert len(rows) == 6 and members[1][0] == "陳召集"  # the convener first, whatever the names' order
    assert sorted(row[2] for row in rows.values()).count("光華國小") == 2


def test_the_application_s_activities_table_marks_held_and_scheduled(year):
    tables = tables_of(forms_docx.application(year.enrollment, "en").data)
    planned = next(table for table in tables if table[0][:3] == ["Date", "Time", "Title"])
    assert [row[2] for row in planned[1:]] == [activity.title for activity in year.held] + ["下學期共同備課"]
    assert [row[6] for row in planned[1:]] == ["Held", "Held", "Held", "Scheduled"]
    assert planned[1][0] == "Sep 10, 2025" and planned[1][3] == "Collaborative lesson planning"  # as the cover


def test_the_plan_names_a_member_who_left_during_the_period_and_the_application_does_not(year):
    leaving = next(membership for membership in db.session.scalars(select(Membership).where(
        Membership.community_id == year.enrollment.community_id)) if membership.user.display_name == "吳老師")
    leaving.left_at = utcnow()
    db.session.commit()
    assert "吳老師" not in docx_text(forms_docx.application(year.enrollment, "en").data)
    assert "吳老師" in docx_text(forms_docx.implementation_plan(year.enrollment, "en").data)


@pytest.mark.parametrize("language", ["zh_Hant", "zh_Hans", "en"])
def test_each_language_titles_the_document_and_keeps_chinese(year, language):
    built = forms_docx.application(year.enrollment, language)
    document = docx.Document(io.BytesIO(built.data))
    with force_locale(language):
        title = forms_docx.document_title("application")
    assert document.paragraphs[0].text == title
    assert "共同備課：分數的教學" in docx_text(built.data)
    headings = [paragraph.text for paragraph in document.paragraphs if paragraph.style.name.startswith("Heading")]
    assert len(headings) >= 4


def test_a_community_without_activities_says_so(ctx):
    made = enrolled("quiet")
    text = docx_text(forms_docx.implementation_plan(made.enrollment, "en").data)
    assert "No activity is planned in the program's period yet." in text


def test_the_plan_lists_what_the_program_asks_with_the_clause_it_comes_from(year):
    tables = tables_of(forms_docx.implementation_plan(year.enrollment, "en").data)
    asks = next(table for table in tables if table[0] == ["Requirement", "Source"])
    rules = year.enrollment.program.definition["rules"]
    assert [row[0] for row in asks[1:]] == [rule["message"] for rule in rules]
    assert asks[1][1] == rules[0]["citation"]
    hans = tables_of(forms_docx.implementation_plan(year.enrollment, "zh_Hans").data)
    asks = next(table for table in hans if table[0] == ["要求", "依据"])
    assert asks[1] == [rules[0]["messages"]["zh_Hans"],  # the citation in the reader's script
                       "24班(含)以下学校每一社群以4人为原则，25班(含)以上学校每一社群以6人为原则"]


def test_the_plan_names_each_speaker_with_affiliation_topic_and_hours(year):
    """PLC-100 pays a speaker's fee only when the plan names whom and on what."""
    first = year.held[0]
    db.session.add_all([
        Speaker(activity_id=first.id, position=0, name="張教授", affiliation="師範大學", external=True, hours=2,
                topic="分數的概念發展"),
        Speaker(activity_id=first.id, position=1, name="林老師", external=False, hours=1, topic="課堂實例")])
    db.session.commit()
    tables = tables_of(forms_docx.implementation_plan(year.enrollment, "zh_Hant").data)
    speakers = next(table for table in tables if table[0][:3] == ["日期", "活動", "講者"])
    assert speakers[1:] == [["2025年9月10日", first.title, "張教授", "師範大學", "外聘", "分數的概念發展", "2 小時"],
                            ["2025年9月10日", first.title, "林老師", "—", "內聘", "課堂實例", "1 小時"]]


def test_a_plan_without_speakers_has_no_speakers_section(year):
    headings = [paragraph.text for paragraph in docx.Document(io.BytesIO(
        forms_docx.implementation_plan(year.enrollment, "en").data)).paragraphs]
    assert not any(heading.endswith(". Speakers") for heading in headings)


def urban_rural_enrolment():
    """An urban–rural community (a core school, two member schools) enrolled in URC over the past school year,
    with one exchanged teacher, a mentor and a new teacher paired, and no money approved."""
    team = make_partnership(2)
    mentor, mentee = make_user(display_name="王師傅", title="intermediate"), make_user(display_name="林新進")
    add_member(team.community, mentor, role="mentor")
    add_member(team.community, mentee)
    communities.add_exchanged_teacher(team.community, communities.ExchangedTeacherFields(
        name="何老師", school_id=team.members[0].id, subject="數學"), actor=team.convener)
    db.session.add(Pairing(community_id=team.community.id, mentor_id=mentor.id, mentee_id=mentee.id,
                           starts_on=dt.date(2025, 9, 1), ends_on=dt.date(2027, 8, 31),
                           created_by_id=team.convener.id))
    program = program_copy("urc", dt.date(2025, 9, 1), dt.date(2026, 8, 31))
    enrollment = compliance_services.enrol(team.community, program, 0, team.convener)
    db.session.commit()
    return team, mentor, mentee, enrollment


URBAN_RURAL_SECTIONS = {
    "application": ["共同願景與目標", "學校與角色", "成員", "交流教師", "活動規劃"],
    "implementation_plan": ["共同願景與目標", "學校與角色", "成員", "交流教師", "師徒結對", "計畫規定", "每月進度"],
}


@pytest.mark.parametrize("kind", ["application", "implementation_plan"])
def test_an_urban_rural_form_names_its_schools_roles_and_exchanged_teachers(ctx, kind):
    team, _mentor, _mentee, enrollment = urban_rural_enrolment()
    built = getattr(forms_docx, kind)(enrollment, "zh_Hant")
    tables = tables_of(built.data)
    schools = next(table for table in tables if table[0] == ["學校", "角色", "班級數"])
    assert [row[:2] for row in schools[1:]] == [[team.core.name, "核心學校"],
                                                 *sorted([school.name, "成員學校"] for school in team.members)]
    assert next(table for table in tables if table[0] == ["姓名", "學校", "學科"])[1:] == [
        ["何老師", team.members[0].name, "數學"]]
    text = docx_text(built.data)
    assert f"{team.core.name}（核心學校）" in text  # on the cover
    members = sorted(team.members, key=lambda school: school.name)
    assert f"{team.core.name}（核心學校）、" in text
    assert "、".join(f"{school.name}（成員學校）" for school in members) in text
    # In English the schools are listed with an English comma (QA: "… (Core school)、… (Member school)").
    english = docx_text(getattr(forms_docx, kind)(enrollment, "en").data)
    assert f"{team.core.name} (Core school), " in english and "(Member school)、" not in english
    assert "協議期程：2026年8月1日至2028年7月31日" in text
    headings = [paragraph.text for paragraph in docx.Document(io.BytesIO(built.data)).paragraphs
                if paragraph.style.name == "Heading 1"]
    assert not any("經費" in heading for heading in headings)  # URC funds no categories and nothing was approved
    assert [heading.split(". ")[1] for heading in headings] == URBAN_RURAL_SECTIONS[kind]
    assert [heading.split(". ")[0] for heading in headings] == [str(n) for n in range(1, len(headings) + 1)]
    if kind == "implementation_plan":  # how it runs: the pairings and what the program asks
        pairings = next(table for table in tables if table[0][:2] == ["導師", "新進教師"])
        assert pairings[1] == ["王師傅", "林新進", "2025年9月1日", "2027年8月31日"]
        assert "全年至少20節同步課堂，每節都有照片與課堂記錄。" in text


def test_a_form_names_a_mentor_who_has_left_since(ctx):
    team, mentor, _mentee, enrollment = urban_rural_enrolment()
    membership = db.session.scalar(select(Membership).filter_by(community_id=team.community.id, user_id=mentor.id))
    membership.left_at = utcnow()
    db.session.commit()
    pairings = next(table for table in tables_of(forms_docx.implementation_plan(enrollment, "en").data)
                    if table[0][:2] == ["Mentor", "New teacher"])
    assert pairings[1][:2] == ["王師傅", "林新進"]


def test_a_community_of_one_school_has_no_schools_or_exchanged_teachers_section(year):
    headings = [paragraph.text for paragraph in docx.Document(io.BytesIO(
        forms_docx.implementation_plan(year.enrollment, "en").data)).paragraphs
        if paragraph.style.name.startswith("Heading")]
    assert not any("Schools and their roles" in heading or "Exchanged teachers" in heading
                   or "Mentor pairings" in heading for heading in headings)
    application = [paragraph.text for paragraph in docx.Document(io.BytesIO(
        forms_docx.application(year.enrollment, "en").data)).paragraphs]
    assert any(heading.endswith("Budget plan") for heading in application)


def test_the_plan_schedules_each_month_with_who_leads_and_the_evidence_to_keep(year):
    """How the year runs: a heading per month, each activity with its speakers (else the convener) leading it,
    and the evidence the program's rules will ask of it (PLC-100: minutes and photos of every activity)."""
    first = year.held[0]
    db.session.add(Speaker(activity_id=first.id, position=0, name="張教授", affiliation="師範大學", external=True,
                           hours=2, topic="分數的概念發展"))
    db.session.commit()
    built = forms_docx.implementation_plan(year.enrollment, "en")
    document = docx.Document(io.BytesIO(built.data))
    paragraphs = document.paragraphs
    months = [paragraph.text for paragraph in paragraphs
              if paragraph.style.name == "Heading 2" and paragraph.text != "Description"]
    # every month of the period (1 August 2025 to a year from now), in order, those without activities saying so
    period = year.enrollment.program
    expected = (period.last_day.year - period.first_day.year) * 12 + period.last_day.month - period.first_day.month + 1
    assert months[:4] == ["August 2025", "September 2025", "October 2025", "November 2025"]
    assert len(months) == expected
    august = next(index for index, paragraph in enumerate(paragraphs) if paragraph.text == "August 2025")
    assert paragraphs[august + 1].text == "No activity was held in this month."  # a month gone by
    last_month = next(index for index, paragraph in enumerate(paragraphs) if paragraph.text == months[-1])
    assert paragraphs[last_month + 1].text == "No activity is scheduled in this month yet."  # a month to come
    rows = [row for table in tables_of(built.data) if table[0][:2] == ["Date", "Time"] and "Led by" in table[0]
            for row in table[1:]]
    header = next(table[0] for table in tables_of(built.data) if "Led by" in table[0])
    assert header == ["Date", "Time", "Title", "Method and mode", "Led by", "Evidence to keep", "Status"]
    assert [row[2] for row in rows] == [activity.title for activity in year.held] + ["下學期共同備課"]
    assert rows[0][4] == "張教授" and rows[1][4] == "陳召集"  # a speaker, else the convener
    assert rows[0][3] == "Collaborative lesson planning · In person"
    assert {row[5] for row in rows} == {"minutes, photo"}
    assert [row[6] for row in rows] == ["Held", "Held", "Held", "Scheduled"]
    application = docx_text(forms_docx.application(year.enrollment, "en").data)
    assert "Led by" not in application and "Requirement" not in application


def test_urban_rural_evidence_follows_the_rules_that_count_the_activity(ctx):
    """A synchronous class (tag 同步課堂) must keep a photo and a class record; an online research session photos."""
    _team, _mentor, _mentee, enrollment = urban_rural_enrolment()
    program = enrollment.program.definition
    fact = ActivityFact(1, "同步課堂：分數", dt.date(2026, 3, 4), 45, "co_teaching", "online", False,
                        ("數學",), ("同步課堂",))
    assert evidence_asked(fact, program) == ["photo", "minutes|document"]
    research = ActivityFact(2, "網路教研", dt.date(2026, 3, 5), 60, "topic_study", "online", False, (), ("教研",))
    assert evidence_asked(research, program) == ["photo"]


def test_the_program_s_name_is_in_the_document_s_script(year):
    from workspace.core.i18n import script_converter

    name = year.enrollment.program.name
    simplified = script_converter("t2s").convert(name)
    assert simplified != name  # the preset's name is written in Traditional
    for build in (forms_docx.application, forms_docx.implementation_plan):
        hans = build(year.enrollment, "zh_Hans").data
        footer = " ".join(paragraph.text for section in docx.Document(io.BytesIO(hans)).sections
                          for paragraph in section.footer.paragraphs)
        assert simplified in docx_text(hans) + footer and name not in docx_text(hans) + footer
        assert name in docx_text(build(year.enrollment, "zh_Hant").data)


def test_a_reviewers_copy_of_the_plan_counts_the_pairs_without_naming_them(client, ctx):
    """Who guides whom, and when, is the pair's and the conveners' (the user guide's "Who sees what"): a reviewer
    in scope may download the plan, and their copy says how many new teachers are paired, not who or when."""
    team, mentor, mentee, enrollment = urban_rural_enrolment()
    reviewer = make_reviewer(team.core)
    db.session.commit()
    path = f"/c/{team.community.slug}/exports/{enrollment.id}/implementation-plan.docx?lang=en"
    client.login(reviewer)
    reviewed = client.get(path)
    assert reviewed.status_code == 200
    text = docx_text(reviewed.data)
    assert "Mentor pairings" in text and "1 new teacher is paired with a mentor in the period." in text
    assert mentor.display_name not in text and mentee.display_name not in text and "2027" not in text
    assert not any(table[0][:2] == ["Mentor", "New teacher"] for table in tables_of(reviewed.data))
    client.logout()
    client.login(team.convener)
    convened = tables_of(client.get(path).data)
    assert next(table for table in convened if table[0][:2] == ["Mentor", "New teacher"])[1][:2] == ["王師傅", "林新進"]


def test_a_pairs_meeting_in_the_schedule_is_counted_without_naming_the_pair(year):
    """A meeting a pair recorded as an activity is listed (it counts) under a neutral name, led by nobody named:
    its own title and its leader named the pair to whoever read the plan (QA: the reviewers)."""
    title = year.pair_meeting().title
    plan = forms_docx.implementation_plan(year.enrollment, "en").data
    rows = [row for table in tables_of(plan) if "Led by" in table[0] for row in table[1:]]
    assert title not in docx_text(plan)
    assert next(row for row in rows if row[2] == "A mentoring record kept to the pair")[4] == "—"
    assert next(row for row in rows if row[2] == year.held[1].title)[4] == "陳召集"  # no speaker: the convener


def test_the_plan_s_months_share_one_set_of_widths_that_gives_the_titles_the_most_room(year):
    """Each month's table had widths of its own, its times wider than its titles and its days broken: one set
    for all the months, from all their rows; a day (without its year, under its month) and a time never break."""
    from docx.shared import Pt

    from workspace.core.docx import DENSE_CELL_MARGIN, DENSE_FONT_PT, text_width

    year.held[0].title = "僅限師徒雙方的輔導紀錄：分數教學的觀課"
    db.session.commit()
    document = docx.Document(io.BytesIO(forms_docx.implementation_plan(year.enrollment, "zh_Hant").data))
    months = [table for table in document.tables if len(table.columns) == 7]
    grids = [[column.w for column in table._tbl.tblGrid.gridCol_lst] for table in months]
    assert len(grids) >= 3 and all(grid == grids[0] for grid in grids)
    date, time, title, *_rest = grids[0]
    assert title == max(grids[0]) and title > time
    days = [row.cells[0].text for table in months for row in table.rows[1:]]
    assert all("年" not in day and day.endswith("日") for day in days)
    size = DENSE_FONT_PT / 11
    assert date >= max(Pt(text_width(day) * size + 2 * DENSE_CELL_MARGIN.pt) for day in days)
    assert time >= Pt(text_width("14:00–16:00") * size + 2 * DENSE_CELL_MARGIN.pt)


def test_the_forms_write_lengths_in_minutes_and_the_period_with_its_word(year):
    """QA: the forms read 0.83 for a 50-minute meeting, "8.83 小時" in all, and 2026年8月1日 – … above the ROC
    line's …至…: the same words as every page and the report."""
    import docx as python_docx

    from workspace.exports.forms_docx import application

    built = application(year.enrollment, "zh_Hant").data
    text = "\n".join(paragraph.text for paragraph in python_docx.Document(io.BytesIO(built)).paragraphs)
    cells = [cell for table in tables_of(built) for row in table for cell in row]
    program = year.enrollment.program
    with force_locale("zh_Hant"):
        from workspace.core.i18n import local_date

        assert f"{local_date(program.first_day)}至{local_date(program.last_day)}" in cells
    assert not any(re.fullmatch(r"\d+\.\d+", cell) for cell in cells)  # no bare decimal hours
    assert re.search(r"合計 .*(小時|分鐘)。", text) and "小時 小時" not in text


def test_the_signature_lines_stay_on_one_page(year):
    """QA: the convener's signature line ended page 2 and 副召集人 stood alone on page 3."""
    from docx.oxml.ns import qn

    from workspace.exports.forms_docx import application

    document = docx.Document(io.BytesIO(application(year.enrollment, "zh_Hant").data))
    signatures = document.tables[-1]
    assert all(row._tr.trPr is not None and row._tr.trPr.find(qn("w:cantSplit")) is not None
               for row in signatures.rows)
    assert all(paragraph.paragraph_format.keep_with_next for row in signatures.rows[:-1] for cell in row.cells
               for paragraph in cell.paragraphs)
