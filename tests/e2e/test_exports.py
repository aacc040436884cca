"""Exports in a real browser: the convener goes from the compliance panel to the exports page, builds the results
report (in the background; the page says when it is ready) and downloads it and the Excel ledger; then submits,
and the reviewer downloads the frozen evidence pack from the submission and finds the checksum the page shows.
The exports page fits a 375-px phone.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from pathlib import Path

import openpyxl
from docx import Document
from playwright.sync_api import expect

from tests.e2e.checks import fits
from tests.e2e.conftest import ConsoleLog, Data
from tests.e2e.test_compliance import PHONE, _enrolled, _log_in


def _downloaded(page, click, tmp_path: Path) -> tuple[str, bytes]:
    """Click what downloads a file; its suggested name and bytes."""
    with page.expect_download() as waiting:
        click()
    download = waiting.value
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    return download.suggested_filename, target.read_bytes()


def test_the_convener_builds_the_report_and_the_reviewer_downloads_the_frozen_pack(
        new_context, data: Data, console: ConsoleLog, tmp_path: Path) -> None:
    enrolled = _enrolled(data, name="五年級數學共同備課社群", held=3, photos=2)
    eid = enrolled.enrollment_id
    convener = new_context().new_page()
    _log_in(convener, enrolled.convener)
    convener.goto(enrolled.panel)
    convener.get_by_role("link", name="Report and exports").first.click()
    expect(convener).to_have_url(re.compile(rf"/c/{enrolled.slug}/exports/#exports-{eid}$"))

    # The report, built by the job queue: the job page says it is ready and offers the file.
    convener.locator(f"#exports-{eid}").get_by_role("button", name="Build the results report (Word)").click()
    expect(convener).to_have_url(re.compile(r"/exports/jobs/\d+$"))
    expect(convener.locator(".export-job")).to_contain_text("Ready", timeout=30_000)
    name, report = _downloaded(convener, lambda: convener.locator(".export-job a[download]").click(), tmp_path)
    assert name.endswith(".docx") and enrolled.name in name
    text = "\n".join(paragraph.text for paragraph in Document(io.BytesIO(report)).paragraphs)
    assert enrolled.name in text and "第1次共同備課" in text

    # The ledger downloads at once.
    convener.get_by_role("link", name="Back to exports").click()
    name, ledger = _downloaded(convener, lambda: convener.get_by_role("link", name="Activity ledger (Excel)").click(),
                               tmp_path)
    workbook = openpyxl.load_workbook(io.BytesIO(ledger))
    assert len(workbook.sheetnames) >= 4 and name.endswith(".xlsx")

    # Choosing the files' language applies at once (no button to press): the links and the report follow it.
    section = convener.locator(f"#exports-{eid}")
    expect(section.get_by_role("button", name="Choose")).to_be_hidden()
    section.get_by_label("Language of the files").select_option("zh_Hans")
    expect(section.locator("input[name=language]")).to_have_value("zh_Hans")
    expect(section.get_by_role("link", name="Activity ledger (Excel)")).to_have_attribute(
        "href", re.compile(r"lang=zh_Hans"))
    expect(section.get_by_label("Language of the files")).to_have_value("zh_Hans")

    # Submitted: the files are frozen with the round.
    convener.goto(enrolled.panel)
    convener.locator(f"#submit-note-{eid}").fill("三次活動的紀錄與照片，請審查。")
    convener.get_by_role("button", name="Submit to the reviewers").click()
    expect(convener.locator("#flashes")).to_contain_text("Submitted to the reviewers.")

    reviewer = new_context().new_page()
    _log_in(reviewer, enrolled.reviewer)
    reviewer.goto(enrolled.panel)
    reviewer.locator(f"#submissions-{eid}").get_by_role("link", name="As submitted").first.click()
    files = reviewer.locator(".frozen-files")
    expect(files).to_contain_text("Files handed to the funder")
    row = files.locator("tr", has_text=".zip")
    shown = row.locator("code.checksum").inner_text().strip()
    name, pack = _downloaded(reviewer, lambda: row.get_by_role("link").click(), tmp_path)
    assert hashlib.sha256(pack).hexdigest() == shown
    archive = zipfile.ZipFile(io.BytesIO(pack))
    sums = archive.read("SHA256SUMS").decode().splitlines()
    assert all(hashlib.sha256(archive.read(line.split("  ", 1)[1])).hexdigest() == line.split("  ", 1)[0]
               for line in sums)
    assert any(entry.endswith(".docx") for entry in archive.namelist())

    # The exports page on a phone.
    phone = new_context(viewport=PHONE).new_page()
    _log_in(phone, enrolled.convener)
    phone.goto(f"/c/{enrolled.slug}/exports/")
    fits(phone, "the exports page")
