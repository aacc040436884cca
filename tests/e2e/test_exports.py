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
from typing import Any

import openpyxl
from docx import Document
from playwright.sync_api import expect

from tests.e2e.checks import fits, no_problems
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


def test_the_job_page_announces_only_that_the_file_is_ready_and_focuses_it(new_context, data: Data,
                                                                            console: ConsoleLog) -> None:
    """The job block is replaced every second: the page's own live region (outside it) says the change to done once,
    the progress bar is labelled by the step, and the file's link takes the focus that was nowhere."""
    enrolled = _enrolled(data, name="五年級數學共同備課社群", held=1, photos=1)

    def make() -> int:
        from workspace.exports.models import ExportJob
        from workspace.extensions import db

        job = ExportJob(kind="results_report", community_id=data_community_id(enrolled), status="running",
                        enrollment_id=enrolled.enrollment_id, total=4, done=1, step="photos",
                        requested_by_id=enrolled.convener["id"])
        db.session.add(job)
        db.session.flush()
        return job.id

    def data_community_id(info: Any) -> int:
        from sqlalchemy import select

        from workspace.communities.models import Community
        from workspace.extensions import db

        return db.session.scalar(select(Community.id).where(Community.slug == info.slug))

    job_id = data._run(make)
    page = new_context().new_page()
    _log_in(page, enrolled.convener)
    page.goto(f"/c/{enrolled.slug}/exports/jobs/{job_id}")
    news = page.locator("#export-job-news")
    expect(news).to_have_attribute("role", "status")
    expect(page.locator(".export-job [role=status], .export-job [role=alert]")).to_have_count(0)
    progress = page.locator(".export-job progress")
    expect(progress).to_have_attribute("aria-labelledby", f"export-job-{job_id}-step")
    page.wait_for_timeout(2500)  # polls that change nothing say nothing
    expect(news).to_have_text("")
    leave = page.locator(".while-building")
    expect(leave).to_be_visible()  # "You may leave this page" while it is built

    def finish() -> None:
        from workspace.exports.models import ExportJob
        from workspace.extensions import db

        job = db.session.get(ExportJob, job_id)
        job.status, job.filename, job.done = "done", "成果報告.docx", 4

    data._run(finish)
    link = page.locator(".export-job a[download]")
    expect(link).to_be_visible(timeout=8000)
    expect(news).to_have_text("Ready: 成果報告.docx")
    expect(link).to_be_focused()
    expect(leave).to_be_hidden()  # and no longer under the finished file
    no_problems(console)


def test_the_files_language_browsed_with_the_keys_waits_for_enter(new_context, data: Data,
                                                                  console: ConsoleLog) -> None:
    """QA 11: ↑ on "Language of the files" reloaded the centre at once and took the focus away. Browsed with the
    keys it waits for Enter; a pick with the mouse still applies at once (the test above)."""
    enrolled = _enrolled(data, held=1, photos=1)
    eid = enrolled.enrollment_id
    page = new_context().new_page()
    _log_in(page, enrolled.convener)
    page.goto(f"/c/{enrolled.slug}/exports/")
    section = page.locator(f"#exports-{eid}")
    choice = section.get_by_label("Language of the files")
    first = choice.input_value()
    choice.focus()
    page.keyboard.press("ArrowUp" if first == "en" else "ArrowDown")  # English is the last choice
    page.wait_for_timeout(500)
    assert "lang=" not in page.url, page.url
    expect(choice).to_be_focused()
    browsed = choice.input_value()
    assert browsed != first
    expect(section.get_by_role("button", name="Choose")).to_be_visible()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"lang={browsed}#exports-{eid}$"))
    expect(section.locator("input[name=language]").first).to_have_value(browsed)
    no_problems(console)
