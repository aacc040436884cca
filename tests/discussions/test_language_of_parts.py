"""What people write is marked with its own language where it is not the page's (WCAG 3.1.2, Language of Parts):
a screen reader reads a Chinese post with a Chinese voice on an English page, and a 简体 reader's browser draws a
Traditional post with Traditional glyphs. The mark depends on the text and the page's language only, so the posts'
kept fragments (keyed by language) hold it."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.discussions.helpers import make_board
from workspace.discussions import services
from workspace.discussions.models import Post
from workspace.extensions import db


@pytest.fixture()
def board(ctx):
    return make_board()


def _post_body(page: str, number: int) -> str:
    match = re.search(rf'<li class="post[^"]*" id="post-{number}">.*?<div class="prose post-body"([^>]*)>', page, re.S)
    assert match, f"no body of post #{number}"
    return match.group(1)


def _title(page: str) -> str:
    match = re.search(r'<h2 class="thread-title"([^>]*)>', page)
    assert match
    return match.group(1)


def _read(client, reader, locale: str, path: str) -> str:
    reader.locale = locale
    db.session.commit()
    return client.get(path).get_data(as_text=True)


def test_each_reader_gets_the_posts_language_where_it_is_not_their_own(board, make_client):
    thread = board.thread(title="分數教學怎麼開始？", body="想請教大家的做法，我們下週討論。", author=board.member)
    board.reply(thread, "我们学校用的是披萨图，效果不错。", author=board.other)
    board.reply(thread, "Thanks, I'll try the pizza model.", author=board.convener)
    path = f"/c/board/discussions/{thread.id}"
    client = make_client()
    client.login(board.member)
    # English first: it fills the kept fragments; each language keeps its own
    english = _read(client, board.member, "en", path)
    assert 'lang="zh-Hant"' in _title(english)
    assert 'lang="zh-Hant"' in _post_body(english, 1)
    assert 'lang="zh-Hans"' in _post_body(english, 2)
    assert "lang=" not in _post_body(english, 3)
    assert '<html lang="en"' in english

    traditional = _read(client, board.member, "zh_Hant", path)
    assert "lang=" not in _title(traditional)
    assert "lang=" not in _post_body(traditional, 1)  # the page already says zh-Hant
    assert 'lang="zh-Hans"' in _post_body(traditional, 2)
    assert "lang=" not in _post_body(traditional, 3)

    simplified = _read(client, board.member, "zh_Hans", path)
    assert 'lang="zh-Hant"' in _title(simplified)
    assert 'lang="zh-Hant"' in _post_body(simplified, 1)  # drawn with Traditional glyphs, not Simplified ones
    assert "lang=" not in _post_body(simplified, 2)

    # a kept fragment is not drawn again for English with another language's mark
    assert _post_body(_read(client, board.member, "en", path), 1) == _post_body(english, 1)


def test_an_edited_post_is_marked_by_its_new_text(board, client):
    thread = board.thread(title="Fractions", body="An English question.", author=board.member)
    path = f"/c/board/discussions/{thread.id}"
    client.login(board.member)
    assert "lang=" not in _post_body(_read(client, board.member, "en", path), 1)
    opening = db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.number == 1))
    services.edit_post(opening, "改成中文的問題：分數怎麼教？", actor=board.member, base_version=opening.version)
    db.session.commit()
    assert 'lang="zh-Hant"' in _post_body(_read(client, board.member, "en", path), 1)


def test_the_thread_list_marks_each_title(board, client):
    board.thread(title="分數教學怎麼開始？", author=board.member)
    board.thread(title="分数教学怎么开始？", author=board.member)
    board.thread(title="Where to start with fractions?", author=board.member)
    client.login(board.member)
    page = _read(client, board.member, "en", "/c/board/discussions/")
    assert re.search(r'"\s*lang="zh-Hant">分數教學怎麼開始？</a>', page)
    assert re.search(r'"\s*lang="zh-Hans">分数教学怎么开始？</a>', page)
    assert re.search(r'"\s*>Where to start with fractions\?</a>', page)
