"""Every export of one enrolment names its program (its code: PLC-100, URC) in its file name, both in the UTF-8
`filename*` and in the plain ASCII `filename` old clients read: a community in two programs downloads two
reports, two packs, two ledgers…, not one name twice (the second overwrote the first, or became "(1)")."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import unquote

import pytest
from sqlalchemy import select

from tests.compliance.helpers import PAST_FIRST, PAST_LAST, program_copy
from tests.exports.sheets_data import community_year
from tests.exports.test_freeze import file_url, files_of, submit
from tests.factories import make_user
from workspace.compliance import services
from workspace.compliance.models import Enrollment
from workspace.exports.files import EXPORT_NAME_BYTES, MAX_NAME_BYTES, export_filename
from workspace.exports.freeze import round_filename
from workspace.exports.models import ExportJob
from workspace.extensions import db

SHEETS = ["ledger.xlsx", "ledger.csv", "application.docx", "implementation-plan.docx", "sign-in-sheets.docx",
          "evidence.zip"]


def names_of(response) -> tuple[str, str]:
    """The UTF-8 name (filename*) and the ASCII fallback (filename) of a download."""
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;"), disposition
    fallback = re.search(r'filename="([^"]*)"', disposition).group(1)
    return unquote(disposition.split("filename*=UTF-8''", 1)[1]), fallback


def in_two_programs():
    """community_year's community (in a copy of PLC-100) enrolled in a copy of URC too."""
    year = community_year()
    community = year.enrollment.community
    urc = program_copy("urc", PAST_FIRST, PAST_LAST)
    second = services.enrol(community, urc, 30_000, year.enrolled.club.convener)
    services.confirm(second, make_user(is_admin=True))
    db.session.commit()
    return year, year.enrollment, db.session.get(Enrollment, second.id)


@pytest.mark.parametrize("path", SHEETS)
def test_each_download_names_its_program_and_two_programs_give_two_names(client, ctx, path):
    year, plc, urc = in_two_programs()
    assert plc.program.code.startswith("PLC-100") and urc.program.code.startswith("URC")
    client.login(year.enrolled.club.convener)
    names = {}
    for enrollment in (plc, urc):
        response = client.get(f"/c/{year.slug}/exports/{enrollment.id}/{path}?lang=zh_Hant")
        assert response.status_code == 200
        utf8, fallback = names_of(response)
        response.close()
        code = enrollment.program.code
        assert code in utf8 and code in fallback, (utf8, fallback)
        names[code] = (utf8, fallback)
    (plc_utf8, plc_ascii), (urc_utf8, urc_ascii) = names.values()
    assert plc_utf8 != urc_utf8 and plc_ascii != urc_ascii


ASCII_KINDS = {"ledger.xlsx": "activity-ledger-", "ledger.csv": "activity-ledger-", "application.docx": "application-",
               "implementation-plan.docx": "implementation-plan-", "sign-in-sheets.docx": "sign-in-sheet-",
               "evidence.zip": "evidence-pack-"}


@pytest.mark.parametrize("path", sorted(ASCII_KINDS))
def test_a_chinese_download_s_plain_name_says_what_the_file_is(client, ctx, path):
    """QA: old clients (curl -OJ, some mail programs) read only the plain filename, whose ASCII of a Chinese title
    was the program and the day (PLC-100-2026-12-03.xlsx): four files of one day told apart by their extension
    only. The plain name starts with what the file is, in English; an English download keeps its own name."""
    year = community_year()
    client.login(year.enrolled.club.convener)
    url = f"/c/{year.slug}/exports/{year.enrollment.id}/{path}"
    response = client.get(url + "?lang=zh_Hant")
    assert response.status_code == 200
    utf8, fallback = names_of(response)
    response.close()
    assert not utf8.isascii() and fallback.startswith(ASCII_KINDS[path]), (utf8, fallback)
    assert year.enrollment.program.code in fallback and fallback.isascii()
    response = client.get(url + "?lang=en")
    utf8, fallback = names_of(response)
    response.close()
    assert utf8.isascii() and fallback == utf8  # an English name is its own fallback


def test_the_results_report_built_in_the_background_names_its_program(client, ctx):
    year, plc, urc = in_two_programs()
    client.login(year.enrolled.club.convener)
    names = []
    for enrollment in (plc, urc):
        answer = client.post_form(f"/c/{year.slug}/exports/{enrollment.id}/jobs",
                                  {"kind": "results_report", "language": "en"})
        assert answer.status_code == 302
        job = db.session.scalars(select(ExportJob).order_by(ExportJob.id.desc())).first()
        db.session.refresh(job)
        assert job.status == "done", job.error
        utf8, fallback = names_of(client.get(f"/c/{year.slug}/exports/jobs/{job.id}/file"))
        assert utf8.startswith("Results report-") and enrollment.program.code in utf8
        assert enrollment.program.code in fallback and fallback.startswith("Results report-")
        answer = client.post_form(f"/c/{year.slug}/exports/{enrollment.id}/jobs",
                                  {"kind": "results_report", "language": "zh_Hant"})
        job = db.session.scalars(select(ExportJob).order_by(ExportJob.id.desc())).first()
        db.session.refresh(job)
        utf8, fallback = names_of(client.get(f"/c/{year.slug}/exports/jobs/{job.id}/file"))
        # a Chinese report's plain name says what it is (it was the program and day alone)
        assert utf8.startswith("成果報告-") and fallback.startswith(f"results-report-{enrollment.program.code}-")
        names.append(utf8)
    assert names[0] != names[1]


def test_one_program_s_review_summary_names_it_and_the_whole_summary_does_not(client, ctx):
    _year, plc, urc = in_two_programs()
    client.login(make_user(is_admin=True))
    for enrollment in (plc, urc):
        utf8, fallback = names_of(client.get(f"/review/compliance/summary.xlsx?program={enrollment.program_id}"))
        assert enrollment.program.code in utf8 and enrollment.program.code in fallback
    utf8, fallback = names_of(client.get("/review/compliance/summary.xlsx"))
    assert "PLC" not in utf8 and "URC" not in utf8 and fallback.startswith("review-summary-")


def test_a_submission_s_frozen_files_name_the_program(client, ctx):
    from tests.exports.pack_helpers import pack_world

    world = pack_world()
    submission = submit(client, world)
    code = world.enrollment.program.code
    for row in files_of(submission).values():
        assert code in row.filename, row.filename
        utf8, fallback = names_of(client.get(file_url(world, submission, row)))
        assert code in utf8 and code in fallback


def test_a_long_community_name_is_shortened_the_program_and_day_kept(ctx):
    day = dt.date(2027, 6, 30)
    name = export_filename("成果報告", "數" * 120, "縣市格式" * 30, program="PLC-100-COPY", day=day,
                           extension="docx")
    assert name.startswith("成果報告-數") and name.endswith("-PLC-100-COPY-2027-06-30.docx")
    assert len(name.encode()) <= EXPORT_NAME_BYTES
    kept = round_filename(name, 12)
    assert kept.endswith(".docx") and len(kept.encode()) <= MAX_NAME_BYTES  # a round's label still fits


def test_a_slash_in_a_community_s_name_stays_a_word(ctx):
    assert export_filename("成果報告", "五年級/數學", program="URC", day=dt.date(2027, 1, 2),
                           extension="zip") == "成果報告-五年級／數學-URC-2027-01-02.zip"
