"""Board pages through the test client: forms, fragments, refusals with the text kept, live updates."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from tests.discussions.helpers import make_board
from tests.factories import add_member, make_user
from tests.media import png_bytes
from workspace.communities.models import Membership
from workspace.discussions import services
from workspace.discussions.models import Attachment, Post, ReadMark, Thread
from workspace.extensions import db


@pytest.fixture()
def board(ctx):
    return make_board()




def field_error(page: str, field_id: str) -> str:
    match = re.search(rf'<p class="field-error" id="{field_id}-error">([^<]*)</p>', page)
    assert match, f"no error beside {field_id}"
    return match.group(1)


def new_thread_form(board, **fields):
    return {"category_id": str(board.category("questions").id), "title": "分數怎麼教", "body": "請大家分享",
            "submission_key": "key-1", **fields}


def test_board_lists_threads_with_unread_counts(client, board):
    thread = board.thread(title="第一個討論", author=board.convener, key="sharing")
    board.reply(thread, "回覆", author=board.convener)
    client.login(board.member)
    page = client.get("/c/board/discussions/").get_data(as_text=True)
    assert "第一個討論" in page and "2 new" in page
    assert f"/c/board/discussions/{thread.id}?page=1#post-1" in page.replace("&amp;", "&")
    client.get(f"/c/board/discussions/{thread.id}")
    page = client.get("/c/board/discussions/").get_data(as_text=True)
    assert "2 new" not in page


def test_start_a_thread_then_the_same_form_again_starts_one(client, board):
    client.login(board.member)
    first = client.post_form("/c/board/discussions/new", new_thread_form(board))
    second = client.post_form("/c/board/discussions/new", new_thread_form(board))
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(Thread)) == 1
    page = client.get(first.headers["Location"]).get_data(as_text=True)
    assert "分數怎麼教" in page and "請大家分享" in page


def test_a_missing_title_and_body_are_shown_beside_the_fields(client, board):
    client.login(board.member)
    response = client.post_form("/c/board/discussions/new", new_thread_form(board, title="", body=""))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "This field is required." in field_error(page, "title")
    assert field_error(page, "thread-body") == "Write something first."  # at once, not after the title is fixed
    assert db.session.scalar(select(func.count()).select_from(Thread)) == 0


def test_a_new_thread_with_only_a_file_needs_no_text(client, board):
    client.login(board.member)
    response = client.post_form("/c/board/discussions/new", {
        **new_thread_form(board, title="", body=""), "files": (io.BytesIO(png_bytes()), "板書.png")},
        content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and field_error(page, "title")
    assert "thread-body-error" not in page  # the file would have been the post


def test_editing_an_opening_post_shows_a_blank_title_and_text_together(client, board):
    thread = board.thread(author=board.member)
    opening = db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.number == 1))
    client.login(board.member)
    response = client.hx("POST", f"/c/board/discussions/{thread.id}/posts/{opening.id}/edit",
                         {"title": " ", "body": "", "base_version": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Give the thread a title." in page and "Write something first." in page
    db.session.refresh(thread)
    assert thread.title == "分數教學怎麼開始？"


def test_a_too_long_post_is_refused_and_the_text_kept(client, board, app):
    thread = board.thread()
    client.login(board.other)
    app.config["DISCUSSION_MAX_POST"] = 50
    try:
        text = "保留我的文字" * 10
        response = client.post_form(f"/c/board/discussions/{thread.id}/reply", {"body": text, "submission_key": "x"})
    finally:
        app.config["DISCUSSION_MAX_POST"] = 50_000
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "at most 50 characters; this one has 60" in field_error(page, "reply-body")
    assert text in page
    assert thread.last_number == 1


def test_replying_to_a_locked_thread_says_why_and_keeps_the_text(client, board):
    thread = board.thread()
    services.set_locked(thread, True, actor=board.convener)
    db.session.commit()
    client.login(board.other)
    response = client.post_form(f"/c/board/discussions/{thread.id}/reply", {"body": "我的回覆", "submission_key": "k"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "This thread is locked: no new replies or edits." in page and "我的回覆" in page
    assert thread.last_number == 1
    page = client.get(f"/c/board/discussions/{thread.id}").get_data(as_text=True)
    assert "This thread is locked" in page and 'id="reply"' not in page


def _form_errors(page: str) -> str:
    match = re.search(r'<div class="form-errors" role="alert">(.*?)</div>', page, re.S)
    assert match, "no message above the form"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def test_a_flood_of_new_threads_meets_the_allowance_with_the_form_and_its_text_kept(client, make_client, board):
    """QA: a member's script started 504 threads in a minute. The default allowance (20 an hour) stops the 21st:
    429 with Retry-After, the wait said above the form, the title and text still in it; others post as usual."""
    client.login(board.member)
    codes = [client.post_form("/c/board/discussions/new", new_thread_form(
        board, title=f"第{number}篇", submission_key=f"k{number}")).status_code for number in range(20)]
    assert codes == [302] * 20
    typed = new_thread_form(board, title="第二十一篇 <b>不要丟掉</b>", body="我寫了很久的內容", submission_key="k21")
    response = client.post_form("/c/board/discussions/new", typed)
    assert response.status_code == 429
    assert 3500 < int(response.headers["Retry-After"]) <= 3600
    page = response.get_data(as_text=True)
    assert _form_errors(page).startswith("You have started 20 threads in 1 hour")
    assert 'value="第二十一篇 &lt;b&gt;不要丟掉&lt;/b&gt;"' in page and "我寫了很久的內容</textarea>" in page
    assert db.session.scalar(select(func.count()).select_from(Thread)) == 20
    other = make_client().login(board.other)
    assert other.post_form("/c/board/discussions/new", new_thread_form(board, submission_key="o1")).status_code == 302


@pytest.mark.parametrize("htmx", [False, True])
def test_a_reply_past_the_allowance_comes_back_with_its_text(app, client, make_client, board, monkeypatch, htmx):
    """A rejected reply must not lose what was written: with htmx the reply form is swapped back in (429 is
    swapped, base.html's responseHandling) holding the text; without, the thread page holds it."""
    monkeypatch.setitem(app.config, "DISCUSSION_REPLY_RATE_LIMIT", "2 per 10 minutes")
    thread = board.thread(author=board.convener)
    client.login(board.member)
    url = f"/c/board/discussions/{thread.id}/reply"

    def send(person_client, body, key):
        data = {"body": body, "submission_key": key}
        return person_client.hx("POST", url, data) if htmx else person_client.post_form(url, data)

    posted = 200 if htmx else 302
    assert [send(client, f"回覆{number}", f"k{number}").status_code for number in range(2)] == [posted] * 2
    response = send(client, "第三則：這段文字不能不見", "k3")
    assert response.status_code == 429 and 500 < int(response.headers["Retry-After"]) <= 600
    page = response.get_data(as_text=True)
    assert "第三則：這段文字不能不見</textarea>" in page
    assert _form_errors(page).startswith("You have posted 2 replies in 10 minutes")
    assert ('id="reply"' in page) and (("<html" in page) is not htmx)
    assert thread.last_number == 3
    assert send(make_client().login(board.other), "別人照常回覆", "o1").status_code == posted


def test_posting_in_an_archived_community_is_refused(client, board):
    thread = board.thread()
    board.community.archived_at = services.utcnow()
    db.session.commit()
    client.login(board.other)
    response = client.post_form(f"/c/board/discussions/{thread.id}/reply", {"body": "還在嗎", "submission_key": "k"})
    assert response.status_code == 422
    assert "archived" in response.get_data(as_text=True) and "還在嗎" in response.get_data(as_text=True)
    assert client.get("/c/board/discussions/new").status_code == 403
    page = client.get(f"/c/board/discussions/{thread.id}").get_data(as_text=True)
    assert "archived" in page


def test_reply_with_htmx_answers_a_fresh_form_and_triggers_the_poll(client, board):
    thread = board.thread()
    client.login(board.other)
    response = client.hx("POST", f"/c/board/discussions/{thread.id}/reply",
                         {"body": "htmx 回覆", "submission_key": "h"})
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "thread-updated"
    page = response.get_data(as_text=True)
    assert 'id="reply"' in page and "htmx 回覆" not in page
    assert thread.last_number == 2


def test_reply_without_javascript_redirects_to_the_post(client, board):
    thread = board.thread()
    client.login(board.other)
    response = client.post_form(f"/c/board/discussions/{thread.id}/reply", {"body": "第二則", "submission_key": "n"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/c/board/discussions/{thread.id}?page=1#post-2")


def poller_url(page: str) -> str:
    match = re.search(r'id="thread-poll"[^>]*hx-get="([^"]+)"', page, re.S)
    assert match, "no poller"
    return match.group(1).replace("&amp;", "&")


def test_the_poll_answers_204_until_something_new_arrives(client, board):
    thread = board.thread(author=board.member)
    client.login(board.member)
    poll = poller_url(client.get(f"/c/board/discussions/{thread.id}").get_data(as_text=True))
    assert "after=1" in poll and "gen=" in poll
    assert client.hx("GET", poll).status_code == 204
    board.reply(thread, "新的回覆 @林老師", author=board.other)
    response = client.hx("GET", poll)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="post-2"' in page and "新的回覆" in page
    assert "after=2" in poller_url(page)  # the next poll asks for what follows
    assert 'id="bell"' in page and 'hx-swap-oob="true"' in page  # the bell count comes along
    # Reading the new post was the reader's own write (their read mark): the community's counter, which
    # the poll watches, did not move, so the next poll is empty at once.
    assert client.hx("GET", poller_url(page)).status_code == 204


def test_replies_that_arrive_by_the_poll_are_said_in_the_threads_status(client, board):
    """QA 11: a reply arriving in an open thread changed no live region: a screen-reader user never knew."""
    thread = board.thread(author=board.member)
    client.login(board.member)
    page = client.get(f"/c/board/discussions/{thread.id}").get_data(as_text=True)
    news = re.findall(r'<p id="thread-news"([^>]*)>([^<]*)</p>', page)
    assert len(news) == 1 and news[0][1] == "" and 'role="status"' in news[0][0]  # there before anything comes
    assert page.index("</ol>", page.index('id="posts"')) < page.index('id="thread-news"')  # outside the list
    poll = poller_url(page)
    board.reply(thread, "第一則", author=board.other)
    answer = client.hx("GET", poll).get_data(as_text=True)
    said = r'<p id="thread-news"[^>]*hx-swap-oob="innerHTML"[^>]*>(.*?)</p>'
    # each name in its language (QA13)
    wang, chen = '<span lang="zh-Hant">王老師</span>', '<span lang="zh-Hant">陳召集</span>'
    assert re.findall(said, answer) == [f"1 new reply from {wang}"]
    poll = poller_url(answer)
    board.reply(thread, "第二則", author=board.other)
    board.reply(thread, "第三則", author=board.convener)
    board.reply(thread, "第四則", author=board.other)
    answer = client.hx("GET", poll).get_data(as_text=True)
    assert re.findall(said, answer) == [f"3 new replies from {wang}, {chen}"]  # each name once
    poll = poller_url(answer)
    board.reply(thread, "我自己的回覆", author=board.member)  # one's own reply: said as it was sent, not again
    answer = client.hx("GET", poll).get_data(as_text=True)
    assert "我自己的回覆" in answer and 'id="thread-news"' not in answer


def test_a_stale_counter_without_new_posts_gets_a_fresh_poller_not_posts(client, board):
    thread = board.thread(author=board.member)
    client.login(board.member)
    poll = poller_url(client.get(f"/c/board/discussions/{thread.id}").get_data(as_text=True))
    board.thread(title="另一個討論", author=board.convener)  # a write elsewhere
    response = client.hx("GET", poll)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="post-' not in page and poller_url(page) != poll
    assert client.hx("GET", poller_url(page)).status_code == 204


def test_two_tabs_of_one_cached_page_share_a_key_but_both_replies_are_kept(client, board):
    thread = board.thread()
    client.login(board.other)
    page = client.get(f"/c/board/discussions/{thread.id}").get_data(as_text=True)
    key = re.search(r'name="submission_key"[^>]*value="([^"]+)"', page).group(1)
    for body in ("第一個分頁的回覆", "第二個分頁的回覆", "第二個分頁的回覆"):
        assert client.post_form(f"/c/board/discussions/{thread.id}/reply",
                                {"body": body, "submission_key": key}).status_code == 302
    bodies = db.session.scalars(select(Post.body).where(Post.thread_id == thread.id, Post.number > 1)).all()
    assert sorted(bodies) == ["第一個分頁的回覆", "第二個分頁的回覆"]  # the repeat of the second is dropped


def test_quote_starts_the_reply_with_the_quoted_text(client, board):
    thread = board.thread(body="第一行\n第二行")
    opening = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    client.login(board.other)
    page = client.get(f"/c/board/discussions/{thread.id}?quote={opening.id}").get_data(as_text=True)
    assert "&gt; 第一行\n&gt; 第二行" in page and "林老師 wrote (#1):" in page


def test_edit_in_place_and_a_stale_edit_shows_both_texts(client, board):
    thread = board.thread()
    post = board.reply(thread, "原文", author=board.other)
    client.login(board.other)
    form = client.hx("GET", f"/c/board/discussions/{thread.id}/posts/{post.id}/edit").get_data(as_text=True)
    assert 'name="base_version"' in form and "原文" in form
    saved = client.hx("POST", f"/c/board/discussions/{thread.id}/posts/{post.id}/edit",
                      {"body": "改過", "base_version": "1"})
    assert saved.status_code == 200 and "改過" in saved.get_data(as_text=True) and "edited" in saved.get_data(
        as_text=True)
    stale = client.hx("POST", f"/c/board/discussions/{thread.id}/posts/{post.id}/edit",
                      {"body": "我從舊版改的", "base_version": "1"})
    page = stale.get_data(as_text=True)
    assert stale.status_code == 422
    assert "我從舊版改的" in page and "改過" in page and "Someone changed this post" in page
    assert 'name="base_version" type="hidden" value="2"' in page or 'value="2"' in page
    db.session.refresh(post)
    assert post.body == "改過"


def test_history_is_for_the_author_and_conveners(client, board):
    thread = board.thread()
    post = board.reply(thread, "第一版", author=board.other)
    services.edit_post(post, "第二版", actor=board.other, base_version=1)
    db.session.commit()
    url = f"/c/board/discussions/{thread.id}/posts/{post.id}/history"
    for user, status in ((board.other, 200), (board.convener, 200), (board.member, 403)):
        client.login(user)
        response = client.get(url)
        assert response.status_code == status
        if status == 200:
            assert "第一版" in response.get_data(as_text=True)


def test_delete_and_restore_swap_the_post(client, board):
    thread = board.thread()
    post = board.reply(thread, "要刪掉", author=board.other)
    client.login(board.other)
    deleted = client.hx("POST", f"/c/board/discussions/{thread.id}/posts/{post.id}/delete")
    assert "This post was deleted." in deleted.get_data(as_text=True)
    assert "要刪掉" not in deleted.get_data(as_text=True)
    assert client.hx("POST", f"/c/board/discussions/{thread.id}/posts/{post.id}/restore").status_code == 403
    client.login(board.convener)
    restored = client.hx("POST", f"/c/board/discussions/{thread.id}/posts/{post.id}/restore")
    assert "要刪掉" in restored.get_data(as_text=True)


def test_helpful_and_answer(client, board):
    thread = board.thread(author=board.member)
    post = board.reply(thread, "答案", author=board.other)
    client.login(board.member)
    marked = client.hx("POST", f"/c/board/discussions/{thread.id}/posts/{post.id}/helpful")
    assert 'aria-pressed="true"' in marked.get_data(as_text=True)
    response = client.post_form(f"/c/board/discussions/{thread.id}/posts/{post.id}/answer")
    assert response.status_code == 302
    db.session.refresh(thread)
    assert thread.answer_post_id == post.id
    listing = client.get("/c/board/discussions/?show=unanswered").get_data(as_text=True)
    assert thread.title not in listing
    assert "Answered" in client.get("/c/board/discussions/").get_data(as_text=True)


def test_report_needs_a_reason_and_reaches_the_reports_page(client, board):
    thread = board.thread()
    post = board.reply(thread, "廣告內容", author=board.other)
    client.login(board.member)
    url = f"/c/board/discussions/{thread.id}/posts/{post.id}/report"
    assert client.get(url).status_code == 200
    refused = client.post_form(url, {"reason": " "})
    assert refused.status_code == 422
    assert client.post_form(url, {"reason": "這是廣告"}).status_code == 302
    client.login(board.convener)
    page = client.get("/c/board/discussions/reports").get_data(as_text=True)
    assert "這是廣告" in page and "廣告內容" in page
    report_id = re.search(r'id="report-(\d+)"', page).group(1)
    assert client.post_form(f"/c/board/discussions/reports/{report_id}", {"action": "delete"}).status_code == 302
    db.session.refresh(post)
    assert post.deleted
    assert "No open reports." in client.get("/c/board/discussions/reports").get_data(as_text=True)


def test_moderation_pin_lock_move(client, board):
    thread = board.thread(key="questions")
    client.login(board.convener)
    base = f"/c/board/discussions/{thread.id}"
    client.post_form(f"{base}/pin", {"pinned": "1"})
    client.post_form(f"{base}/lock", {"locked": "1"})
    client.post_form(f"{base}/move", {"category_id": str(board.category("reflections").id)})
    db.session.refresh(thread)
    assert thread.pinned and thread.locked and thread.category.key == "reflections"
    assert client.post_form(f"{base}/move", {"category_id": "999999"}).status_code == 302
    db.session.refresh(thread)
    assert thread.category.key == "reflections"


def test_sections_page_renames_and_reports_duplicates_beside_the_field(client, board):
    client.login(board.convener)
    category = board.category("sharing")
    response = client.post_form(f"/c/board/discussions/categories/{category.id}",
                                {"name": "Questions", "action": "save"})
    assert response.status_code == 422
    assert "already has a section" in response.get_data(as_text=True)
    assert 'value="Questions"' in response.get_data(as_text=True)  # what was typed stays
    client.post_form(f"/c/board/discussions/categories/{category.id}", {"name": "教學分享區", "action": "save"})
    assert "教學分享區" in client.get("/c/board/discussions/").get_data(as_text=True)
    added = client.post_form("/c/board/discussions/categories", {"name": "觀課紀錄"})
    assert added.status_code == 302


def test_image_upload_answers_markdown_and_the_image_is_served_inline(client, board):
    client.login(board.member)
    response = client.post_form("/c/board/discussions/attachments", {"file": (io.BytesIO(png_bytes()), "黑板.png")},
                                content_type="multipart/form-data")
    assert response.status_code == 201
    markdown = response.get_json()["markdown"]
    attachment = db.session.scalar(select(Attachment))
    assert markdown == f"![黑板.png](/c/board/discussions/files/{attachment.id})"
    served = client.get(f"/c/board/discussions/files/{attachment.id}")
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert served.headers["Content-Disposition"].startswith("inline")
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    thread = board.thread(body=f"看這張\n\n{markdown}")
    page = client.get(f"/c/board/discussions/{thread.id}").get_data(as_text=True)
    assert f'<img alt="黑板.png" src="/c/board/discussions/files/{attachment.id}"' in page


def test_a_disguised_executable_is_refused_with_a_reason(client, board):
    client.login(board.member)
    response = client.post_form("/c/board/discussions/attachments",
                                {"file": (io.BytesIO(b"MZ\x90\x00" + b"\x00" * 200), "lesson.pdf")},
                                content_type="multipart/form-data")
    assert response.status_code == 422 and response.get_json()["error"]


def test_files_sent_with_the_form_are_added_to_the_post(client, board):
    thread = board.thread()
    client.login(board.other)
    response = client.post_form(f"/c/board/discussions/{thread.id}/reply",
                                {"body": "附上照片", "submission_key": "f",
                                 "files": [(io.BytesIO(png_bytes()), "photo.png")]},
                                content_type="multipart/form-data")
    assert response.status_code == 302
    post = db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.number == 2))
    assert "![photo.png](/c/board/discussions/files/" in post.body and "<img" in post.body_html


def test_attachments_of_another_community_are_not_found(client, board, ctx):
    other_board = make_board(slug="other-board", convener="A", member="B", other="C")
    client.login(other_board.member)
    client.post_form("/c/other-board/discussions/attachments", {"file": (io.BytesIO(png_bytes()), "x.png")},
                     content_type="multipart/form-data")
    attachment = db.session.scalar(select(Attachment))
    client.login(board.member)
    assert client.get(f"/c/board/discussions/files/{attachment.id}").status_code == 404


def test_mention_suggestions_list_members_only(client, board):
    client.login(board.member)
    page = client.get("/c/board/discussions/members?q=王").get_data(as_text=True)
    assert 'data-name="王老師"' in page and "陳召集" not in page
    everyone = client.get("/c/board/discussions/members?q=").get_data(as_text=True)
    assert everyone.count("<li") == 3


def _options(page: str) -> list[str]:
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", option)).strip()
            for option in re.findall(r'<li role="option"[^>]*>(.*?)</li>', page, re.S)]


def test_mention_suggestions_tell_namesakes_apart_by_what_the_members_page_shows(client, board):
    """Two teachers called 陳怡君 in one school (real namesakes): the @ menu showed two identical entries (QA). Each
    shows its role, title and subjects, as the members page does; no school, no address."""
    convener = make_user(display_name="陳怡君", title="senior", subjects=["數學"], email="chen.yijun@school.test")
    convener_membership = add_member(board.community, convener, role="co_convener")
    namesake = add_member(board.community, make_user(display_name="陳怡君\u200b", subjects=["自然"],
                                                     email="yijun.chen@school.test")).user
    client.login(board.member)
    page = client.get("/c/board/discussions/members?q=陳怡").get_data(as_text=True)
    assert page.count('data-name="陳怡君"') == 1 and page.count('data-name="陳怡君\u200b"') == 1
    assert sorted(_options(page)) == sorted(["陳怡君 · Co-convener · Senior title · 數學",
                                             "陳怡君\u200b · Member · 自然"])  # a name saved before names were cleaned
    assert "school.test" not in page and "chen.yijun" not in page
    # alike in role, title and subjects too: when each joined tells them apart
    namesake.subjects = ["數學"]
    namesake.title = "senior"
    convener_membership.role = "member"
    db.session.commit()
    options = _options(client.get("/c/board/discussions/members?q=陳怡").get_data(as_text=True))
    assert len(options) == 2 and all(" · Member · Senior title · 數學 · joined " in option for option in options)
    # a name no one else has stays as it was
    assert _options(client.get("/c/board/discussions/members?q=王").get_data(as_text=True)) == ["王老師"]


def test_posts_show_the_convener_and_co_conveners_badges_so_a_namesake_is_not_the_convener(client, board):
    """QA: a member renamed to the convener's name and asked, in her thread, for ID numbers by private mail. The
    renaming is refused now (auth); a namesake of old, or a lookalike, still has no badge beside their posts."""
    impostor = add_member(board.community, make_user(display_name="陳召集\u200b")).user
    co_convener = add_member(board.community, make_user(display_name="林副召"), role="co_convener").user
    thread = board.thread(title="重要通知", body="請閱讀", author=board.convener, key="sharing")
    board.reply(thread, "請把個人資料表回傳到我的私人信箱", author=impostor)
    board.reply(thread, "收到", author=co_convener)
    board.reply(thread, "好的", author=board.member)
    client.login(board.member)
    page = client.get(f"/c/board/discussions/{thread.id}").get_data(as_text=True)
    heads = re.findall(r'<header class="post-head">(.*?)</header>', page, re.S)
    badges = [re.findall(r'<span class="badge badge-role">([^<]*)</span>', head) for head in heads]
    assert badges == [["Convener"], [], ["Co-convener"], []]


def test_a_post_redrawn_alone_keeps_its_authors_badge(client, board):
    thread = board.thread(title="分享", body="召集人的文字", author=board.convener, key="sharing")
    post = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    client.login(board.convener)
    response = client.hx("POST", f"/c/board/discussions/{thread.id}/posts/{post.id}/edit",
                         {"body": "改過的文字", "title": "分享", "base_version": str(post.version)})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "改過的文字" in page and '<span class="badge badge-role">Convener</span>' in page


def test_discuss_this_links_a_thread_to_a_resource(client, board):
    from workspace.resources import services as resources

    resource = resources.create_text_resource(
        board.community, resources.ResourceFields(title="分數教案", kind="lesson_plan"), "內容", actor=board.member)
    db.session.commit()
    client.login(board.other)
    form = client.get(f"/c/board/discussions/new?resource={resource.id}").get_data(as_text=True)
    assert "About: 分數教案" in form and f'name="link_id" type="hidden" value="{resource.id}"' in form
    response = client.post_form("/c/board/discussions/new", new_thread_form(
        board, title="About: 分數教案", link_kind="resource", link_id=str(resource.id)))
    assert response.status_code == 302
    thread = db.session.scalar(select(Thread))
    assert services.subject_of(thread) is resource
    page = client.get(f"/c/board/resources/{resource.id}").get_data(as_text=True)
    assert f"/c/board/discussions/{thread.id}" in page


def test_board_search_finds_replies_and_links_to_them(client, board):
    thread = board.thread(title="課堂管理")
    board.reply(thread, "用計時器提醒學生")
    client.login(board.member)
    page = client.get("/c/board/discussions/?q=計時器").get_data(as_text=True)
    assert "<mark>" in page and f"/c/board/discussions/{thread.id}?page=1#post-2" in page.replace("&amp;", "&")


def test_the_boards_count_is_a_status_outside_the_list_that_htmx_fills_out_of_band(client, board):
    """QA 11: #threads was its own live region, replaced by every swap of the filter: the count went unannounced."""
    board.thread(title="課堂管理")
    board.thread(title="分組學習")
    client.login(board.member)
    page = client.get("/c/board/discussions/").get_data(as_text=True)
    assert re.findall(r'<p id="threads-status"[^>]*role="status"[^>]*>([^<]*)</p>', page) == ["2 threads"]
    assert page.index('id="threads-status"') < page.index('<section id="threads"')
    assert "aria-live" not in re.search(r'<section id="threads"[^>]*>', page).group(0)
    found = client.get("/c/board/discussions/?q=課堂", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert found.startswith('<section id="threads"') and "aria-live" not in found.split(">", 1)[0]
    assert re.findall(r'<p id="threads-status"[^>]*hx-swap-oob="innerHTML"[^>]*>([^<]*)</p>', found) == ["1 match"]
    listed = client.get("/c/board/discussions/", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert re.findall(r'<p id="threads-status"[^>]*hx-swap-oob="innerHTML"[^>]*>([^<]*)</p>', listed) == [
        "2 threads"]


def test_mark_all_read(client, board):
    board.thread(author=board.convener, key="sharing")
    client.login(board.member)
    assert "1 new" in client.get("/c/board/discussions/").get_data(as_text=True)
    client.post_form("/c/board/discussions/read-all")
    assert "1 new" not in client.get("/c/board/discussions/").get_data(as_text=True)


def test_long_threads_paginate_and_links_land_on_the_post(client, board, app):
    app.config["DISCUSSION_POSTS_PER_PAGE"] = 5
    try:
        thread = board.thread()
        for index in range(11):
            board.reply(thread, f"回覆第{index + 2}則")
        client.login(board.member)
        page = client.get(f"/c/board/discussions/{thread.id}?page=3").get_data(as_text=True)
        assert 'id="post-11"' in page and 'id="post-12"' in page and 'id="post-10"' not in page
        assert "Page 3 of 3" in page and 'id="thread-poll"' in page
        first = client.get(f"/c/board/discussions/{thread.id}?page=1").get_data(as_text=True)
        assert 'id="thread-poll"' not in first  # only the last page receives new posts
    finally:
        app.config["DISCUSSION_POSTS_PER_PAGE"] = 50


def test_watch_toggles_in_place_and_a_reply_turns_the_button_to_watching(client, board):
    thread = board.thread(author=board.member)
    client.login(board.other)
    page = client.get(f"/c/board/discussions/{thread.id}").get_data(as_text=True)
    assert 'aria-pressed="false"' in page.split('id="watch"', 1)[1][:1200]
    response = client.hx("POST", f"/c/board/discussions/{thread.id}/reply", {"body": "我也來", "submission_key": "w"})
    watch = response.get_data(as_text=True).split('id="watch"', 1)[1]
    assert 'hx-swap-oob="true"' in watch[:400] and 'aria-pressed="true"' in watch
    toggled = client.hx("POST", f"/c/board/discussions/{thread.id}/watch", {"watching": "0"}).get_data(as_text=True)
    assert 'aria-pressed="false"' in toggled and "hx-swap-oob" not in toggled
    assert not services.is_watching(thread, board.other)


def test_the_cached_board_shows_what_was_just_read(client, board, count_queries):
    from workspace.core.cache import store

    store.clear()
    thread = board.thread(title="快取測試", author=board.convener, key="sharing")
    board.reply(thread, "第二則", author=board.convener)
    client.login(board.member)
    for _ in range(3):  # the session's CSRF secret, then rendered and stored, then served
        assert "2 new" in client.get("/c/board/discussions/").get_data(as_text=True)
    client.get(f"/c/board/discussions/{thread.id}")
    assert "2 new" not in client.get("/c/board/discussions/").get_data(as_text=True)
    board.reply(thread, "第三則", author=board.convener)
    assert "1 new" in client.get("/c/board/discussions/").get_data(as_text=True)
    client.post_form("/c/board/discussions/read-all")
    assert "1 new" not in client.get("/c/board/discussions/").get_data(as_text=True)


def test_an_unchanged_thread_page_is_served_from_the_cache(client, board, count_queries):
    from workspace.core.cache import store

    store.clear()
    thread = board.thread()
    for index in range(5):
        board.reply(thread, f"回覆 {index}")
    client.login(board.member)
    path = f"/c/board/discussions/{thread.id}"
    for _ in range(3):
        client.get(path)
    db.session.commit()
    with count_queries() as statements:
        page = client.get(path).get_data(as_text=True)
    assert 'id="post-6"' in page and len(statements) <= 2
    board.reply(thread, "新回覆")
    assert 'id="post-7"' in client.get(f"/c/board/discussions/{thread.id}").get_data(as_text=True)


def test_many_first_views_at_once_all_succeed(app, board, make_client):
    """Each first view writes a read mark; at once, none may fail with "database is locked"."""
    import threading

    from tests.factories import add_member, make_user

    thread = board.thread()
    for index in range(3):
        board.reply(thread, f"回覆 {index}")
    readers = [add_member(board.community, make_user()).user for _ in range(16)]
    clients = [make_client().login(reader) for reader in readers]
    path = f"/c/board/discussions/{thread.id}"
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def view(client) -> None:
        barrier.wait()
        statuses.append(client.get(path).status_code)

    workers = [threading.Thread(target=view, args=(client,)) for client in clients]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert statuses == [200] * len(clients)
    db.session.rollback()  # this test's own snapshot predates the views
    marks = db.session.scalar(select(func.count()).select_from(ReadMark).where(ReadMark.thread_id == thread.id))
    assert marks == len(clients) + 2  # the readers, the author and the one who replied


def test_the_cheap_poll_answer_tells_a_visitor_nothing_and_anything_more_needs_a_login(client, board):
    thread = board.thread()
    client.login(board.member)
    poll = poller_url(client.get(f"/c/board/discussions/{thread.id}").get_data(as_text=True))
    client.logout()
    unchanged = client.hx("GET", poll)
    assert unchanged.status_code == 204 and unchanged.get_data() == b""
    board.reply(thread, "秘密內容")
    response = client.hx("GET", poll)
    assert response.status_code == 401 and "/login" in response.headers["HX-Redirect"]
    assert "秘密內容" not in response.get_data(as_text=True)


def test_a_poll_may_learn_of_a_write_up_to_the_staleness_later(client, board, app, monkeypatch, count_queries):
    monkeypatch.setitem(app.config, "LIVE_POLL_STALENESS_SECONDS", 60)
    app.extensions.pop("recent_generation", None)
    thread = board.thread()
    client.login(board.member)
    poll = poller_url(client.get(f"/c/board/discussions/{thread.id}").get_data(as_text=True))
    client.hx("GET", poll)  # the counter is read once …
    with count_queries() as statements:
        assert client.hx("GET", poll).status_code == 204
    assert statements == []  # … and then not again for a while
    board.reply(thread, "晚一點才看到")
    assert client.hx("GET", poll).status_code == 204  # within the staleness: not yet
    app.extensions.pop("recent_generation", None)  # the staleness has passed
    assert 'id="post-2"' in client.hx("GET", poll).get_data(as_text=True)


def test_a_form_with_files_sent_twice_makes_one_post(client, board):
    thread = board.thread()
    client.login(board.other)
    for _ in range(2):
        response = client.post_form(f"/c/board/discussions/{thread.id}/reply",
                                    {"body": "照片兩張", "submission_key": "twice",
                                     "files": [(io.BytesIO(png_bytes()), "photo.png")]},
                                    content_type="multipart/form-data")
        assert response.status_code == 302
    assert thread.last_number == 2
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 1


def test_a_thread_shows_its_record_only_while_the_reader_may_see_it(client, board):
    from workspace.resources import services as resources

    resource = resources.create_text_resource(
        board.community, resources.ResourceFields(title="分數教案", kind="lesson_plan"), "內容", actor=board.member)
    thread = services.create_thread(board.community, category=board.category(), title="About: 教案", body="看看",
                                    actor=board.member, about=resource)
    db.session.commit()
    client.login(board.other)
    url = f"/c/board/discussions/{thread.id}"
    assert f"/c/board/resources/{resource.id}" in client.get(url).get_data(as_text=True)
    resources.trash_resource(resource, actor=board.member)
    db.session.commit()
    assert f"/c/board/resources/{resource.id}" not in client.get(url).get_data(as_text=True)
    assert services.threads_about(resource) == [thread]  # the link stays, and shows again once restored


def test_a_new_thread_is_offered_an_everyday_section_first_even_to_a_convener(client, board):
    """QA: a convener's question was filed under Announcements, the first section, without her choosing it."""
    questions = board.category("questions").id
    for person in (board.convener, board.member):
        client.login(person)
        page = client.get("/c/board/discussions/new").get_data(as_text=True)
        assert re.search(rf'<option selected value="{questions}">|<option value="{questions}" selected>', page)
    client.login(board.convener)
    sharing = board.category("sharing").id
    page = client.get(f"/c/board/discussions/new?category={sharing}").get_data(as_text=True)
    assert re.search(rf'<option selected value="{sharing}">|<option value="{sharing}" selected>', page)


def test_the_bell_stops_quoting_a_deleted_post_and_follows_an_edit(client, board):
    thread = board.thread()  # the member opened it, so she watches it
    post = board.reply(thread, "回覆一下 REPLYX")
    board.member.locale = "zh_Hant"
    db.session.commit()
    client.login(board.member)
    assert "回覆一下 REPLYX" in client.get("/notifications/").get_data(as_text=True)
    services.edit_post(post, "改過的內容 EDITED", actor=board.other, base_version=1)
    db.session.commit()
    bell = client.get("/notifications/").get_data(as_text=True)
    assert "改過的內容 EDITED" in bell and "REPLYX" not in bell
    services.delete_post(post, actor=board.other)
    db.session.commit()
    bell = client.get("/notifications/").get_data(as_text=True)
    assert "EDITED" not in bell and "這則貼文已被刪除。" in bell and '"deleted"' not in bell
    services.restore_post(post, actor=board.convener)
    db.session.commit()
    assert "改過的內容 EDITED" in client.get("/notifications/").get_data(as_text=True)


def test_history_credits_each_version_to_its_writer_and_keeps_earlier_titles(client, board):
    thread = board.thread(title="網址測試 URLTEST", body="第一版內容 EDIT1", author=board.member)
    opening = db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.number == 1))
    edits = (("網址測試 v2", "第二版內容 EDIT2"), ("網址測試 v3", "第三版內容 EDIT3"))
    for version, (title, body) in enumerate(edits, 1):
        services.edit_post(opening, body, actor=board.member, base_version=version, title=title)
        db.session.commit()
    services.edit_post(opening, "召集人修改 CONVENER-EDIT", actor=board.convener, base_version=3, title="網址測試 v3")
    db.session.commit()
    page = client.login(board.convener).get(f"/c/board/discussions/{thread.id}/posts/{opening.id}/history")
    cards = page.get_data(as_text=True).split('<section class="card">')[1:]
    assert len(cards) == 4
    assert "召集人修改" in cards[0] and "陳召集" in cards[0] and "網址測試 v3" in cards[0]
    for card, (version, title, body) in zip(cards[1:], ((3, "網址測試 v3", "EDIT3"), (2, "網址測試 v2", "EDIT2"),
                                                        (1, "網址測試 URLTEST", "EDIT1")), strict=True):
        assert f"Version {version}" in card and body in card and title in card
        assert "林老師" in card and "陳召集" not in card


def test_one_who_left_reads_no_word_edited_in_since_under_the_bell(client, board):
    """Review 12 #2: the notices of a post follow its edits, but not into the bell of someone who has left."""
    from workspace.communities import services as communities

    thread = board.thread()  # the member opened it, so she watches it
    post = board.reply(thread, "回覆一下 REPLYX")
    membership = db.session.scalars(select(Membership).where(Membership.user_id == board.member.id,
                                                             Membership.community_id == thread.community_id,
                                                             Membership.live)).one()
    communities.leave_community(membership, actor=board.member)
    db.session.commit()
    services.edit_post(post, "後來才寫的內容 LATER", actor=board.other, base_version=1)
    db.session.commit()
    bell = client.login(board.member).get("/notifications/").get_data(as_text=True)
    assert "LATER" not in bell and "REPLYX" not in bell
