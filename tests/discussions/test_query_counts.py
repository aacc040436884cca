"""Board pages run a fixed number of queries, whatever the number of threads and posts (no N+1)."""

from __future__ import annotations

import pytest

from tests.discussions.helpers import make_board
from tests.measuring import measure
from workspace.core.cache import current_generation
from workspace.discussions import services
from workspace.extensions import db

LIMIT = 18  # a page of the board, whatever its size
POLL_LIMIT = 1  # the unchanged live update: the write counter, then 204 (it tells nothing, so no login check)


@pytest.fixture(autouse=True)
def _render_every_time(app, monkeypatch):
    """Measure the pages themselves, not the page cache (tests/core/test_cache.py covers that); three people write
    a hundred and fifty posts in a second, past their allowances (test_services covers those)."""
    monkeypatch.setitem(app.config, "PAGE_CACHE", False)
    monkeypatch.setitem(app.config, "DISCUSSION_REPLY_RATE_LIMIT", "100000 per hour")


def grow(board, threads: int, replies: int) -> list:
    made = []
    authors = (board.member, board.other, board.convener)
    for number in range(threads):
        thread = services.create_thread(board.community, category=board.category("sharing"), title=f"T{number}",
                                        body=f"@王老師 body {number}", actor=authors[number % 3])
        for reply in range(replies):
            post = services.reply(thread, f"reply {reply} **bold**", actor=authors[reply % 3])
            if reply % 4 == 0:
                services.toggle_helpful(post, authors[(reply + 1) % 3])
        made.append(thread)
    db.session.commit()
    return made


def test_board_and_thread_pages_do_not_grow(client, ctx, count_queries):
    board = make_board()
    client.login(board.member)
    small_thread = grow(board, 3, 4)[0]
    small = {
        "list": measure(client, count_queries, "/c/board/discussions/"),
        "thread": measure(client, count_queries, f"/c/board/discussions/{small_thread.id}"),
        "search": measure(client, count_queries, "/c/board/discussions/?q=reply"),
    }
    big_thread = grow(board, 1, 110)[0]  # three pages of posts
    grow(board, 35, 1)  # two pages of threads
    big = {
        "list": measure(client, count_queries, "/c/board/discussions/"),
        "thread": measure(client, count_queries, f"/c/board/discussions/{big_thread.id}?page=2"),
        "search": measure(client, count_queries, "/c/board/discussions/?q=reply"),
    }
    assert big == small, (small, big)
    assert max(big.values()) <= LIMIT, big


def test_the_live_update_is_cheap_when_nothing_changed(client, ctx, count_queries):
    board = make_board()
    client.login(board.member)
    headers = {"HX-Request": "true"}
    counts = []
    for replies in (3, 110):
        thread = grow(board, 1, replies)[0]
        generation = current_generation("board")
        unchanged = f"/c/board/discussions/{thread.id}/posts?after={thread.last_number}&gen={generation}"
        stale = f"/c/board/discussions/{thread.id}/posts?after={thread.last_number}&gen=0"
        counts.append((measure(client, count_queries, unchanged, 204, headers=headers),
                       measure(client, count_queries, stale, headers=headers)))
    assert counts[0] == counts[1], counts
    assert counts[0][0] <= POLL_LIMIT and counts[0][1] <= LIMIT
    new = measure(client, count_queries, f"/c/board/discussions/{thread.id}/posts?after=60", headers=headers)
    assert new <= LIMIT
