"""The board's cached fragments (posts, thread rows, the top bar) never show one reader what is another's."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.discussions.helpers import make_board
from workspace.communities.models import Membership
from workspace.discussions import services
from workspace.discussions.models import Post
from workspace.extensions import db
from workspace.notifications import services as notifications


@pytest.fixture()
def board(ctx):
    return make_board()


def _thread_with_two_posts(board):
    thread = board.thread(title="分數怎麼教", body="第一篇：我的做法", author=board.member)
    second = board.reply(thread, "第二篇：王老師的回覆", author=board.other)
    return thread, thread.id, second.id


def _forms_on(page: str, post_id: int) -> set[str]:
    """What the page offers on one post: the last part of each action of its forms and links."""
    return set(re.findall(rf'/posts/{post_id}/(delete|restore|edit|helpful|report|history)"', page))


def _post(page: str, number: int) -> str:
    match = re.search(rf'<li class="post[^"]*" id="post-{number}">.*?</li>', page, re.S)
    assert match, f"no post #{number}"
    return match.group(0)


def test_each_role_gets_its_own_buttons_after_another_role_filled_the_cache(board, make_client):
    _thread, thread_id, second_id = _thread_with_two_posts(board)
    path = f"/c/board/discussions/{thread_id}"
    convener = make_client().login(board.convener)
    member = make_client().login(board.member)
    first_id = second_id - 1

    as_convener = convener.get(path).get_data(as_text=True)
    assert {"delete"} <= _forms_on(as_convener, second_id)  # a convener may delete anyone's post
    as_member = member.get(path).get_data(as_text=True)
    assert "delete" not in _forms_on(as_member, second_id) and "edit" not in _forms_on(as_member, second_id)
    assert {"edit", "delete"} <= _forms_on(as_member, first_id)  # their own post
    assert "helpful" not in _forms_on(as_member, first_id) and "helpful" in _forms_on(as_member, second_id)
    # and the other way round: the convener's page, drawn again after the member's, is still the convener's
    assert convener.get(path).get_data(as_text=True).count("/delete\"") == as_convener.count("/delete\"")


def test_a_deleted_post_shows_its_text_to_nobody_and_restore_only_to_a_convener(board, make_client):
    _thread, thread_id, second_id = _thread_with_two_posts(board)
    path = f"/c/board/discussions/{thread_id}"
    convener = make_client().login(board.convener)
    member = make_client().login(board.member)
    convener.get(path)
    member.get(path)  # both readers' fragments of the live post are kept
    services.delete_post(db.session.get(Post, second_id), actor=board.other)
    db.session.commit()

    for client, restores in ((member, False), (convener, True)):
        post = _post(client.get(path).get_data(as_text=True), 2)
        assert "王老師的回覆" not in post and "This post was deleted." in post
        assert ("restore" in _forms_on(post, second_id)) is restores


def test_a_role_change_redraws_the_badge_of_every_kept_post(board, client):
    """The role is in each post fragment's key (core/fragments.py): a kept post never shows a role that was taken
    away, nor lacks one that was given."""
    thread = board.thread(title="分享", body="一", author=board.member, key="sharing")
    client.login(board.other)
    path = f"/c/board/discussions/{thread.id}"
    assert "badge-role" not in client.get(path).get_data(as_text=True)  # drawn and kept
    membership = db.session.scalar(select(Membership).where(Membership.user_id == board.member.id))
    membership.role = "co_convener"
    db.session.commit()
    assert '<span class="badge badge-role">Co-convener</span>' in client.get(path).get_data(as_text=True)
    membership.role = "member"
    db.session.commit()
    assert "badge-role" not in client.get(path).get_data(as_text=True)


def test_a_language_switch_draws_the_posts_and_the_bar_in_the_new_language(board, client):
    _thread, thread_id, _second_id = _thread_with_two_posts(board)
    path = f"/c/board/discussions/{thread_id}"
    client.login(board.member)
    english = client.get(path).get_data(as_text=True)
    assert ">Quote</a>" in english and "Log out" in english
    board.member.locale = "zh_Hant"
    db.session.commit()
    chinese = client.get(path).get_data(as_text=True)
    assert ">Quote</a>" not in chinese and ">引用</a>" in chinese
    assert "Log out" not in chinese and "登出" in chinese


def test_every_form_in_a_kept_fragment_carries_the_readers_own_token(board, make_client):
    _thread, thread_id, _second_id = _thread_with_two_posts(board)
    path = f"/c/board/discussions/{thread_id}"
    pages = [make_client().login(person).get(path).get_data(as_text=True) for person in (board.convener, board.member)]
    tokens = []
    for page in pages:
        own = re.search(r'id="csrf-token" data-token="([^"]+)"', page).group(1)
        in_forms = set(re.findall(r'name="csrf_token" value="([^"]+)"', page))
        assert in_forms == {own}
        tokens.append(own)
    assert tokens[0] != tokens[1]


def test_a_reply_redraws_its_threads_row_and_the_readers_unread_count(board, client):
    thread, _thread_id, _second_id = _thread_with_two_posts(board)
    client.login(board.member)
    client.get(f"/c/board/discussions/{thread.id}")  # read: no unread left
    before = client.get("/c/board/discussions/").get_data(as_text=True)
    assert "1 reply" in before and " new<" not in before
    board.reply(thread, "第三篇", author=board.convener)
    after = client.get("/c/board/discussions/").get_data(as_text=True)
    assert "2 replies" in after and "1 new" in after


def test_the_top_bar_is_each_readers_own_and_follows_the_bell(board, make_client):
    member = make_client().login(board.member)
    other = make_client().login(board.other)
    assert 'class="nav-user" lang="zh-Hant">林老師<' in member.get("/").get_data(as_text=True)
    page = other.get("/").get_data(as_text=True)
    assert 'class="nav-user" lang="zh-Hant">王老師<' in page and "林老師" not in page and "bell-count" not in page
    notifications.notify([board.other], "reply", actor=None, community=board.community, subject_type="Thread",
                         subject_id=1, title="A reply", excerpt="", path="/")
    db.session.commit()
    assert 'class="bell-count" aria-hidden="true">1<' in other.get("/").get_data(as_text=True)


def test_kept_posts_and_rows_cost_no_statement_more_than_drawn_ones(app, board, client, count_queries, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_CACHE", False)
    thread, thread_id, _second_id = _thread_with_two_posts(board)
    for number in range(6):
        board.reply(thread, f"回覆 {number}", author=board.convener)
    client.login(board.member)
    for path in (f"/c/board/discussions/{thread_id}", "/c/board/discussions/"):
        client.get(path)  # the read mark is written, the fragments are kept
        with count_queries() as kept:
            assert client.get(path).status_code == 200
        monkeypatch.setitem(app.config, "FRAGMENT_CACHE", False)
        with count_queries() as drawn:
            assert client.get(path).status_code == 200
        monkeypatch.setitem(app.config, "FRAGMENT_CACHE", True)
        assert len(kept) == len(drawn), path
