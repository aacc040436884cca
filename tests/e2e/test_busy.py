"""A save that meets a database kept busy elsewhere, in a real browser: nothing typed is lost, and sending
again works once the lock is gone (with htmx, and without JavaScript)."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.e2e.checks import no_problems
from tests.e2e.conftest import ConsoleLog
from tests.e2e.test_browser import log_in
from tests.e2e.test_discussions import _thread, _thread_url, _two_teachers
from workspace.extensions import db


class Lock:
    """Another process's long write on the live app's database, held until released."""

    def __init__(self, app: Flask) -> None:
        with app.app_context():
            self.path = db.engine.url.database
        self.connection: sqlite3.Connection | None = None

    def hold(self) -> None:
        self.connection = sqlite3.connect(self.path, isolation_level=None)
        self.connection.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        if self.connection is not None:
            self.connection.rollback()
            self.connection.close()
            self.connection = None


@pytest.fixture()
def lock(live_app: Flask) -> Iterator[Lock]:
    """The live app waits 200 ms for a lock (new connections take the setting); a lock to hold against it."""
    previous = live_app.config["SQLITE_BUSY_TIMEOUT_MS"]
    with live_app.app_context():
        db.engine.dispose()
    live_app.config["SQLITE_BUSY_TIMEOUT_MS"] = 200
    held = Lock(live_app)
    try:
        yield held
    finally:
        held.release()
        live_app.config["SQLITE_BUSY_TIMEOUT_MS"] = previous
        with live_app.app_context():
            db.engine.dispose()


def _board(data: Any) -> tuple[dict[str, Any], str]:
    lin, wang, community = _two_teachers(data)
    thread_id = _thread(data, community, lin, title="分數加減的引導提問", body="大家都怎麼引導學生通分？")
    return wang, _thread_url(community, thread_id)


def test_a_reply_sent_while_the_database_is_busy_keeps_its_text_and_goes_through_after(
        page: Page, data, lock: Lock, console: ConsoleLog) -> None:
    wang, url = _board(data)
    log_in(page, wang)
    page.goto(url)
    area = page.locator("#reply-body")
    text = "我用色紙折出分數，\n學生一看就懂。"
    area.fill(text)

    lock.hold()
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/reply")) as answer:
        page.locator("#reply").get_by_role("button", name="Post reply").click()
    assert answer.value.status == 503
    # Beside the form's button, where the person is looking (the page's flash at the top was out of sight).
    notice = page.locator("#reply form [role=alert].form-unsent")
    expect(notice).to_contain_text("Not saved yet: the server is busy")
    expect(notice).to_contain_text("Nothing you typed is lost")
    expect(page.locator("#flashes .flash")).to_have_count(0)  # said once, not twice
    expect(area).to_have_value(text)  # the form is not replaced: the text is still there to send
    expect(page.locator("#post-2")).to_have_count(0)

    lock.release()
    page.locator("#reply").get_by_role("button", name="Post reply").click()
    expect(page.locator("#post-2")).to_contain_text("學生一看就懂", timeout=10_000)
    expect(area).to_have_value("")
    expect(page.locator("#reply .form-unsent")).to_have_count(0)
    # htmx logs every error answer to the console; this one was the point of the test.
    console.problems[:] = [problem for problem in console.problems if "Error Code 503 from" not in problem]
    no_problems(console, expected=(503,))


def test_without_javascript_the_busy_page_holds_the_reply_and_sends_it_again(
        new_context, data, lock: Lock, console: ConsoleLog) -> None:
    wang, url = _board(data)
    page = new_context(java_script_enabled=False).new_page()
    log_in(page, wang)
    page.goto(url)
    text = "沒有 JavaScript 也一樣：\n先摺紙，再通分。"
    page.locator("#reply-body").fill(text)

    lock.hold()
    page.locator("#reply").get_by_role("button", name="Post reply").click()
    expect(page.locator("h1")).to_have_text("Not saved yet: the server is busy")
    expect(page.get_by_label("What you typed")).to_have_value(text)

    lock.release()
    page.get_by_role("button", name="Send again").click()
    expect(page).to_have_url(re.compile(rf"{re.escape(url)}(\?page=\d+)?#post-2$"))
    expect(page.locator("#post-2")).to_contain_text("先摺紙，再通分。")
    no_problems(console, expected=(503,))
