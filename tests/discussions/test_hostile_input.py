"""Hostile input through the board: the XSS corpus posted and shown, the Big List of Naughty Strings
through every free-text field of the board (titles, posts, sections, reports)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from markupsafe import escape
from sqlalchemy import select

from tests.discussions.helpers import make_board
from tests.xss_corpus import ORDINARY, PAYLOADS, assert_inert
from workspace.core.errors import ValidationError
from workspace.core.text import clean_line, clean_text
from workspace.discussions import services
from workspace.discussions.models import Post, Thread
from workspace.extensions import db

# A post's body, with the language of its text where it is not the page's (core/text_language).
BODY = re.compile(r'<div class="prose post-body"(?: lang="zh-Han[st]")? hx-disable>(.*?)</div>', re.S)
SCRIPT = re.compile(r"<script\b", re.I)
# The page's own scripts (htmx and the app's), from the base template every page extends.
OWN_SCRIPTS = len(SCRIPT.findall((Path(__file__).resolve().parents[2] / "templates" / "base.html").read_text()))


@pytest.fixture()
def board(ctx):
    return make_board()


@pytest.fixture(autouse=True)
def _no_pace(app, monkeypatch):
    """Hundreds of strings from one person in a second: past anyone's allowance of threads and replies, which
    test_routes and test_services prove; here only what becomes of the text counts."""
    monkeypatch.setitem(app.config, "DISCUSSION_THREAD_RATE_LIMIT", "100000 per hour")
    monkeypatch.setitem(app.config, "DISCUSSION_REPLY_RATE_LIMIT", "100000 per hour")


def _post_all(client, board, sources: list[str]) -> Thread:
    """Post each source as a reply (through the service: the route hands the text over unchanged)."""
    thread = board.thread(title="XSS", body="start")
    client.login(board.other)
    for source in sources:
        try:
            services.reply(thread, source, actor=board.other)
        except ValidationError:  # only spaces, or nothing visible: refused, not stored
            db.session.rollback()
        else:
            db.session.commit()
    return thread


def _bodies(client, thread: Thread) -> list[str]:
    bodies = []
    page_number = 1
    while True:
        page = client.get(f"/c/board/discussions/{thread.id}?page={page_number}").get_data(as_text=True)
        assert len(SCRIPT.findall(page)) == OWN_SCRIPTS  # nothing from the posts
        bodies.extend(BODY.findall(page))
        if f"Page {page_number} of" not in page or f"Page {page_number} of {page_number}" in page:
            return bodies
        page_number += 1


def test_every_xss_payload_posted_and_shown_is_inert(client, board):
    thread = _post_all(client, board, [source for _id, source in PAYLOADS])
    posts = list(db.session.scalars(select(Post).where(Post.thread_id == thread.id, Post.number > 1)))
    assert len(posts) >= 50  # a payload of only spaces or markup that renders to nothing is refused, not stored
    for post in posts:
        assert_inert(post.body_html)
    bodies = _bodies(client, thread)
    assert len(bodies) == len(posts) + 1
    for html in bodies:
        assert_inert(html)


def test_ordinary_markdown_still_renders_in_posts(client, board):
    thread = _post_all(client, board, [source for _id, source, _expected in ORDINARY])
    stored = {post.body: post.body_html for post in db.session.scalars(select(Post).where(Post.thread_id == thread.id))}
    for _id, source, expected in ORDINARY:
        html = stored[clean_text(source)]
        for fragment in expected:
            assert fragment in html, (_id, fragment, html)
        assert 'rel="nofollow noopener"' in html if "<a " in html else True


def test_quoting_a_hostile_post_stays_inert(client, board):
    thread = board.thread(body='<img src=x onerror=alert(1)> [a](javascript:alert(2))')
    opening = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    client.login(board.other)
    page = client.get(f"/c/board/discussions/{thread.id}?quote={opening.id}").get_data(as_text=True)
    assert "&gt; &lt;img src=x onerror=alert(1)&gt;" in page  # inside the textarea, as text



SAMPLE = 3  # every third string through HTTP (each is a thread, a page and a report: the suite stays quick)


@pytest.mark.parametrize("part", range(2))
def test_naughty_strings_through_titles_posts_sections_and_reports(client, board, naughty, part):
    client.login(board.member)
    category = str(board.category("sharing").id)
    failures = []
    for index in range(part * SAMPLE, len(naughty), 2 * SAMPLE):
        value = naughty[index]
        response = client.post_form("/c/board/discussions/new", {
            "category_id": category, "title": value, "body": value, "submission_key": f"n{index}"})
        if response.status_code == 422:
            page = response.get_data(as_text=True)
            if 'class="field-error"' not in page:
                failures.append((index, "422 without an error beside a field"))
            continue
        if response.status_code != 302:
            failures.append((index, f"status {response.status_code}"))
            continue
        thread = db.session.scalar(select(Thread).order_by(Thread.id.desc()))
        if thread.title != clean_line(value)[:200]:
            failures.append((index, f"title stored as {thread.title!r}"))
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        shown = re.escape(str(escape(thread.title)))
        if not re.search(rf'<h2 class="thread-title"(?: lang="zh-Han[st]")?>{shown}</h2>', page):
            failures.append((index, "title not shown escaped and unchanged"))
        if len(SCRIPT.findall(page)) != OWN_SCRIPTS:
            failures.append((index, "a live <script> from the input"))
        for html in BODY.findall(page):
            try:
                assert_inert(html)
            except AssertionError as error:
                failures.append((index, str(error)[:200]))
        try:
            services.report_post(_opening(thread), value, actor=board.other)
        except ValidationError:
            db.session.rollback()
        else:
            db.session.commit()
    client.login(board.convener)
    reports = client.get("/c/board/discussions/reports").get_data(as_text=True)
    if len(SCRIPT.findall(reports)) != OWN_SCRIPTS:
        failures.append(("reports", "a live <script> from a reason"))
    assert not failures, failures[:10]


def _opening(thread: Thread) -> Post:
    return db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.number == 1))


def test_naughty_section_names(client, board, naughty):
    client.login(board.convener)
    for index, value in enumerate(naughty[::7]):
        response = client.post_form("/c/board/discussions/categories", {"name": value})
        assert response.status_code in (302, 422), (index, value, response.status_code)
    page = client.get("/c/board/discussions/").get_data(as_text=True)
    assert len(SCRIPT.findall(page)) == OWN_SCRIPTS
