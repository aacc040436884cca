"""The exports of a withdrawn enrolment say so (QA: its report still read "As the compliance panel judged them on …"
with a status for every rule, and none of the report, the ledger, the manifest or the file names mentioned the
withdrawal): a line at the top of the report and of every ledger sheet, the rules without a status, the mark in
every file name, the day in the manifest. And two background builds of one day are two names."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from zoneinfo import ZoneInfo

import docx
import openpyxl
from flask_babel import force_locale

from tests.exports.pack_helpers import open_zip, pack_world
from tests.exports.report_world import report_world
from workspace.compliance import services as compliance
from workspace.core.i18n import local_date
from workspace.core.records import local_day
from workspace.exports import forms_docx, jobs, ledger, signin, templates
from workspace.exports.content import report_content
from workspace.exports.report import build_report
from workspace.exports.wording import withdrawn_on
from workspace.extensions import db


def _text(data: bytes) -> list[str]:
    document = docx.Document(io.BytesIO(data))
    lines = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        lines += [" | ".join(cell.text for cell in row.cells) for row in table.rows]
    return lines


def _withdraw(world) -> str:
    """Withdraw the enrolment as a reviewer does; the day as an English page writes it."""
    compliance.withdraw(world.enrollment, world.convener)
    db.session.commit()
    return local_date(local_day(world.enrollment.withdrawn_at))


def test_the_report_of_a_withdrawn_enrolment_says_so_first_and_gives_its_rules_without_a_status(ctx):
    world = report_world()
    built = build_report(report_content(world.enrollment), language="en")
    assert not any("withdrawn" in line.lower() for line in _text(built.data))
    assert "-withdrawn-" not in built.filename and "withdrawn" not in built.ascii_name
    day = _withdraw(world)
    content = report_content(world.enrollment)
    built = build_report(content, language="en")
    lines = _text(built.data)
    assert lines[0] == (f"Withdrawn on {day}: the community left this program that day, and its rules are no longer "
                        "checked.")
    assert not any(line.startswith("As the compliance panel judged them") for line in lines)
    assert (f"The community was withdrawn from this program on {day}: its rules have not been checked since, and no "
            f"status is given. The figures are those of the records on {local_date(content.generated_on)}.") in lines
    rules = next(table for table in docx.Document(io.BytesIO(built.data)).tables
                 if table.rows[0].cells[0].text == "Rule")
    assert [cell.text for cell in rules.rows[0].cells] == ["Rule", "Figure"]  # no status column
    statuses = {"Met", "On track", "At risk", "Not met"}
    assert not any(cell.text in statuses for row in rules.rows for cell in row.cells)
    assert "What is still missing" not in lines
    assert re.search(r"-PLC-100-COPY-withdrawn-\d{4}-\d{2}-\d{2}\.docx$", built.filename), built.filename
    assert re.fullmatch(r"results-report-PLC-100-COPY-withdrawn-\d{4}-\d{2}-\d{2}\.docx", built.ascii_name)
    filled = _text(templates.fill_default(content))  # the default funder template too
    assert filled[0].startswith(f"Withdrawn on {day}") and not any(line.startswith("As the compliance panel")
                                                                    for line in filled)
    context = templates.fill_context(content)
    assert {rule["status"] for rule in context["rules"]} == {""} and not any(r["missing"] for r in context["rules"])


def test_a_file_of_a_round_frozen_before_the_withdrawal_is_not_marked(ctx):
    world = report_world()
    _withdraw(world)
    withdrawn_at = world.enrollment.withdrawn_at
    assert withdrawn_on(world.enrollment, withdrawn_at - dt.timedelta(days=1)) is None
    assert withdrawn_on(world.enrollment, withdrawn_at) == local_day(withdrawn_at)
    assert report_content(world.enrollment, now=withdrawn_at - dt.timedelta(days=1)).withdrawn_on is None


def test_every_sheet_of_a_withdrawn_enrolment_s_ledger_opens_with_the_mark_and_both_names_carry_it(ctx):
    world = report_world()
    day = _withdraw(world)
    built = ledger.ledger_xlsx(world.enrollment, "en")
    book = openpyxl.load_workbook(io.BytesIO(built.data))
    for sheet in book.worksheets:
        first, header = ([cell.value for cell in row] for row in sheet.iter_rows(max_row=2))
        assert first[0] == (f"Withdrawn on {day}: the community left this program that day, and its rules are no "
                            "longer checked.") and set(first[1:]) <= {None}
        assert header[0] in ("Date", "Member")
        assert sheet.freeze_panes == "A3"  # the header still stays in view
    assert re.search(r"-PLC-100-COPY-withdrawn-\d{4}-\d{2}-\d{2}\.xlsx$", built.filename)
    assert re.fullmatch(r"activity-ledger-PLC-100-COPY-withdrawn-\d{4}-\d{2}-\d{2}\.xlsx", built.ascii_name)
    plain = ledger.ledger_csv(world.enrollment, "en")
    assert re.search(r"-PLC-100-COPY-withdrawn-\d{4}-\d{2}-\d{2}\.csv$", plain.filename)
    # the CSV stays the rows alone under their header, for the tools that read it: its name carries the mark
    assert next(csv.reader(io.StringIO(plain.data.decode("utf-8-sig"))))[0] == "Date"


def test_the_evidence_pack_of_a_withdrawn_enrolment_says_so_in_its_manifest_and_names(client, ctx):
    world = pack_world()
    client.login(world.convener)
    enrolled = open_zip(client.get(world.url("en")).get_data())
    assert json.loads(enrolled.read("manifest.json"))["withdrawn"] is None
    compliance.withdraw(world.enrollment, world.convener)
    db.session.commit()
    day = local_day(world.enrollment.withdrawn_at)
    response = client.get(world.url("en"))
    archive = open_zip(response.get_data())
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["withdrawn"] == {
        "on": day.isoformat(),
        "note": f"Withdrawn on {local_date(day)}: the community left this program that day, and its rules are no "
                "longer checked."}
    disposition = response.headers["Content-Disposition"]
    assert re.search(r'filename="Evidence pack-.*-PLC-100-COPY-withdrawn-\d{4}-\d{2}-\d{2}\.zip"', disposition)
    with force_locale("zh_Hant"):  # a Chinese name: the plain one for old clients says the same
        chinese = client.get(world.url("zh_Hant")).headers["Content-Disposition"]
    assert re.search(r'filename="evidence-pack-PLC-100-COPY-withdrawn-\d{4}-\d{2}-\d{2}\.zip"', chinese), chinese
    assert "-withdrawn-" in next(name for name in archive.namelist() if name.endswith(".docx"))  # its report, too


def test_the_application_the_implementation_plan_and_the_sign_in_sheets_of_a_withdrawn_enrolment_say_so(ctx):
    """QA 12: the report, the ledgers and the pack said the community had been withdrawn; its application form,
    implementation plan and sign-in sheets, downloaded beside them, did not."""
    world = report_world()
    built = [forms_docx.application(world.enrollment, "en"), forms_docx.implementation_plan(world.enrollment, "en"),
             signin.sign_in_sheets(world.enrollment, "en")]
    assert not any("withdrawn" in line.lower() for file in built for line in _text(file.data))
    assert not any("withdrawn" in file.filename or "withdrawn" in file.ascii_name for file in built)
    day = _withdraw(world)
    note = f"Withdrawn on {day}: the community left this program that day, and its rules are no longer checked."
    for file, kind in zip([forms_docx.application(world.enrollment, "en"),
                           forms_docx.implementation_plan(world.enrollment, "en"),
                           signin.sign_in_sheets(world.enrollment, "en")],
                          ["application", "implementation-plan", "sign-in-sheet"], strict=True):
        assert note in _text(file.data)[:8], kind  # on the first page
        assert re.search(r"-PLC-100-COPY-withdrawn-\d{4}-\d{2}-\d{2}\.docx$", file.filename), file.filename
        assert re.fullmatch(kind + r"-PLC-100-COPY-withdrawn-\d{4}-\d{2}-\d{2}\.docx", file.ascii_name)


def test_two_background_builds_of_one_day_are_named_by_their_time(client, ctx, monkeypatch):
    """QA: three builds of one evening all downloaded as 成果報告-…-PLC-115-2026-12-05.docx (a stale one was easy to
    send). A built export's names carry the local time it was built after its day, the plain ASCII one too."""
    world = report_world()
    zone = ZoneInfo("Asia/Taipei")
    names = []
    for hour, minute in ((23, 14), (23, 41)):
        moment = dt.datetime(2026, 12, 5, hour, minute, 30, tzinfo=zone).astimezone(dt.UTC)
        monkeypatch.setattr(jobs, "utcnow", lambda moment=moment: moment)
        built = jobs.start("results_report", world.convener, enrollment=world.enrollment, language="zh_Hant",
                           options={"photos_per_activity": 4, "n": minute})
        db.session.refresh(built)
        assert built.filename.startswith("成果報告-")
        assert built.filename.endswith(f"-PLC-100-COPY-2026-12-05-{hour}{minute}.docx"), built.filename
        assert jobs.plain_file_name(built) == f"results-report-PLC-100-COPY-2026-12-05-{hour}{minute}.docx"
        client.login(world.convener)
        response = client.get(f"/c/{world.slug}/exports/jobs/{built.id}/file")
        assert f'filename="results-report-PLC-100-COPY-2026-12-05-{hour}{minute}.docx"' in \
            response.headers["Content-Disposition"]
        names.append(built.filename)
    assert len(set(names)) == 2
