"""Board rules without HTTP: threads, numbering, replies, edits, deletes, mentions, answers, read marks."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.discussions.helpers import make_board
from tests.factories import add_member, make_community, make_user
from workspace.auth.models import User
from workspace.core.errors import Conflict, NotAllowed, TooSoon, ValidationError
from workspace.core.models import AuditEvent
from workspace.discussions import services
from workspace.discussions.models import Category, Mention, Post, PostRevision, Thread
from workspace.extensions import db
from workspace.notifications.models import Notification


@pytest.fixture()
def board(ctx):
    return make_board()


def notifications_of(user, kind=None):
    query = select(Notification).where(Notification.user_id == user.id)
    if kind:
        query = query.where(Notification.kind == kind)
    return list(db.session.scalars(query))


def test_a_new_community_gets_the_four_default_sections(board):
    sections = services.categories_of(board.community)
    assert [section.key for section in sections] == ["announcements", "questions", "sharing", "reflections"]
    assert [services.category_label(section) for section in sections] == [
        "Announcements", "Questions", "Teaching sharing", "Reflections"]
    assert sections[1].questions and sections[0].managers_only


def test_thread_opens_with_post_number_one_and_replies_count_up(board):
    thread = board.thread()
    first = board.reply(thread, "第一個回覆")
    second = board.reply(thread, "第二個回覆", author=board.member)
    assert (first.number, second.number, thread.last_number, thread.reply_count) == (2, 3, 3, 2)
    assert thread.last_author_id == board.member.id
    assert db.session.scalar(select(Post.body_html).where(Post.thread_id == thread.id, Post.number == 1)) \
        == "<p>想請教大家的做法。</p>"


def test_the_same_submission_twice_makes_one_post(board):
    thread = board.thread(submission_key="k-thread")
    again = board.thread(submission_key="k-thread")
    assert again.id == thread.id
    one = board.reply(thread, "只有一次", submission_key="k-reply")
    two = board.reply(thread, "只有一次", submission_key="k-reply")
    assert one.id == two.id
    assert db.session.scalar(select(func.count()).select_from(Post).where(Post.thread_id == thread.id)) == 2
    assert db.session.scalar(select(func.count()).select_from(Thread)) == 1


def test_the_same_key_from_two_people_makes_two_posts(board):
    thread = board.thread()
    board.reply(thread, "a", author=board.member, submission_key="same")
    board.reply(thread, "b", author=board.other, submission_key="same")
    assert thread.last_number == 3


def test_empty_and_too_long_posts_are_refused(board, app):
    with pytest.raises(ValidationError) as empty:
        board.thread(body=" \u200b ")
    assert empty.value.field == "body"
    thread = board.thread()
    app.config["DISCUSSION_MAX_POST"] = 100
    try:
        with pytest.raises(ValidationError) as long:
            services.reply(thread, "字" * 101, actor=board.other)
        assert "100" in long.value.message and "101" in long.value.message
        services.reply(thread, "字" * 100, actor=board.other)
    finally:
        app.config["DISCUSSION_MAX_POST"] = 50_000


def test_locked_thread_refuses_replies_and_edits(board):
    thread = board.thread()
    post = board.reply(thread)
    services.set_locked(thread, True, actor=board.convener)
    db.session.commit()
    with pytest.raises(NotAllowed, match="locked"):
        services.reply(thread, "還可以嗎", actor=board.member)
    with pytest.raises(NotAllowed, match="locked"):
        services.edit_post(post, "改一下", actor=board.other, base_version=post.version)
    services.set_locked(thread, False, actor=board.convener)
    assert services.reply(thread, "解鎖了", actor=board.member).number == 3


def test_archived_community_refuses_posts(board):
    thread = board.thread()
    board.community.archived_at = services.utcnow()
    db.session.commit()
    with pytest.raises(NotAllowed, match="archived"):
        services.reply(thread, "還在嗎", actor=board.member)
    with pytest.raises(NotAllowed, match="archived"):
        board.thread(title="新的")


def test_only_conveners_start_announcements(board):
    with pytest.raises(ValidationError) as refused:
        board.thread(key="announcements", author=board.member)
    assert refused.value.field == "category_id"
    assert board.thread(key="announcements", author=board.convener).category.key == "announcements"


def test_a_category_of_another_community_is_refused(board):
    elsewhere = make_community(make_user(), slug="elsewhere")
    foreign = services.categories_of(elsewhere)[1]
    with pytest.raises(ValidationError):
        services.create_thread(board.community, category=foreign, title="t", body="b", actor=board.member)


def test_edit_keeps_the_earlier_text_and_refuses_a_stale_version(board):
    thread = board.thread()
    post = board.reply(thread, "原本的文字")
    services.edit_post(post, "改過的文字", actor=board.other, base_version=1)
    db.session.commit()
    assert (post.version, post.body, post.edited_at is not None) == (2, "改過的文字", True)
    revisions = services.revisions_of(post)
    assert [(revision.version, revision.body) for revision in revisions] == [(1, "原本的文字")]
    with pytest.raises(Conflict):
        services.edit_post(post, "我從舊版改的", actor=board.other, base_version=1)
    assert post.body == "改過的文字"


def test_editing_the_opening_post_can_change_the_title(board):
    thread = board.thread(title="舊標題")
    opening = db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.number == 1))
    services.edit_post(opening, "新內容", actor=board.member, base_version=1, title="新標題")
    assert thread.title == "新標題"


def test_others_cannot_edit_but_conveners_can_and_it_is_audited(board):
    thread = board.thread()
    post = board.reply(thread, "王老師的話")
    with pytest.raises(NotAllowed):
        services.edit_post(post, "不是我的", actor=board.member, base_version=1)
    services.edit_post(post, "召集人修正錯字", actor=board.convener, base_version=1)
    db.session.commit()
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.subject_id == post.id)) \
        == "discussions.post_edited"


def test_delete_leaves_a_placeholder_and_a_convener_restores(board):
    thread = board.thread()
    post = board.reply(thread)
    services.delete_post(post, actor=board.other)
    db.session.commit()
    assert post.deleted and thread.last_number == 2
    with pytest.raises(NotAllowed):
        services.restore_post(post, actor=board.other)
    services.restore_post(post, actor=board.convener)
    db.session.commit()
    assert not post.deleted
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "discussions.post_restored"))


def test_mentions_notify_members_only_and_once(board, ctx):
    outsider = make_user(display_name="外校老師")
    guest = add_member(board.community, make_user(display_name="Dr. Guest"), role="guest_expert").user
    thread = board.thread(body="請 @王老師 和 @外校老師 還有 @Dr. Guest 看看")
    assert [n.user_id for n in notifications_of(board.other, "mention")] == [board.other.id]
    assert notifications_of(outsider) == [] and notifications_of(guest) == []
    opening = db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.number == 1))
    services.edit_post(opening, "請 @王老師 再看看，也請 @陳召集", actor=board.member, base_version=1)
    db.session.commit()
    assert len(notifications_of(board.other, "mention")) == 1  # not again for the same post
    assert len(notifications_of(board.convener, "mention")) == 1
    assert db.session.scalar(select(func.count()).select_from(Mention)) == 2


def test_a_mention_of_a_name_two_members_share_tells_both(board):
    """Two teachers called 陳怡君: the @ menu tells them apart, but the text can only say 陳怡君, so both hear of it
    (the post is on a board both read) rather than whichever sorted first."""
    first = add_member(board.community, make_user(display_name="陳怡君")).user
    second = add_member(board.community, make_user(display_name="陳怡君")).user
    board.thread(body="請 @陳怡君 看看")
    assert len(notifications_of(first, "mention")) == len(notifications_of(second, "mention")) == 1


def test_mention_suggestions_offer_namesakes_with_what_tells_them_apart(board):
    first = add_member(board.community, make_user(display_name="陳怡君", subjects=["數學"]), role="co_convener").user
    second = add_member(board.community, make_user(display_name="陳 怡君")).user
    options = services.member_suggestions(board.community, "陳")
    apart = {option.id: option.apart for option in options}
    assert apart[first.id].role == "co_convener" and apart[first.id].subjects == ("數學",)
    assert apart[second.id].role == "member" and not any(option.joined for option in options)
    assert apart[board.convener.id] is None  # 陳召集: no one else is called that


def test_replies_notify_watchers_but_not_the_writer(board):
    thread = board.thread()  # the member started it and so watches it
    board.reply(thread, "回覆一", author=board.other)
    assert len(notifications_of(board.member, "reply")) == 1
    assert notifications_of(board.other, "reply") == []
    services.set_watching(thread, board.member, False)
    db.session.commit()
    board.reply(thread, "回覆二", author=board.convener)
    assert len(notifications_of(board.member, "reply")) == 1  # unwatched: nothing new
    assert len(notifications_of(board.other, "reply")) == 1  # replying made them watch


def test_a_mentioned_watcher_gets_one_notification(board):
    thread = board.thread()
    board.reply(thread, "@林老師 你看這樣可以嗎", author=board.other)
    kinds = [n.kind for n in notifications_of(board.member)]
    assert kinds == ["mention"]


def test_mark_answer_by_the_asker_or_a_convener_only(board):
    thread = board.thread(key="questions")
    post = board.reply(thread, "答案在這")
    with pytest.raises(NotAllowed):
        services.mark_answer(thread, post, actor=board.other)
    assert services.mark_answer(thread, post, actor=board.member) is True
    db.session.commit()
    assert thread.answer_post_id == post.id
    assert [n.kind for n in notifications_of(board.other)] == ["answer"]
    assert services.mark_answer(thread, post, actor=board.convener) is False
    sharing = board.thread(key="sharing", title="分享")
    reply = board.reply(sharing)
    with pytest.raises(NotAllowed):
        services.mark_answer(sharing, reply, actor=board.convener)  # not a question section


def test_helpful_toggles_once_per_person_and_not_on_ones_own(board):
    thread = board.thread()
    post = board.reply(thread)
    assert services.toggle_helpful(post, board.member) is True
    db.session.commit()
    assert services.toggle_helpful(post, board.convener) is True
    db.session.commit()
    assert post.helpful_count == 2
    assert services.toggle_helpful(post, board.member) is False
    db.session.commit()
    db.session.refresh(post)
    assert post.helpful_count == 1
    with pytest.raises(NotAllowed):
        services.toggle_helpful(post, board.other)


def test_unread_counts_and_mark_all_read(board):
    first = board.thread(title="一", author=board.convener, key="sharing")
    second = board.thread(title="二", author=board.convener, key="sharing")
    for body in ("a", "b", "c"):
        board.reply(first, body, author=board.convener)
    page = services.list_threads(board.community, board.member)
    unread = {row.title: (row.unread, row.first_unread) for row in page.rows}
    assert unread == {"一": (4, 1), "二": (1, 1)}
    services.mark_read(first.id, board.member.id, 2)
    db.session.commit()
    services.mark_read(first.id, board.member.id, 1)  # never backwards
    db.session.commit()
    rows = {row.title: row for row in services.list_threads(board.community, board.member).rows}
    assert (rows["一"].unread, rows["一"].first_unread) == (2, 3)
    assert services.list_threads(board.community, board.member, show="unread").total == 2
    assert services.mark_all_read(board.community, board.member) == 2
    db.session.commit()
    assert services.list_threads(board.community, board.member, show="unread").total == 0
    board.reply(second, "new", author=board.other)
    assert services.list_threads(board.community, board.member, show="unread").total == 1


def test_the_thread_list_reads_rows_not_objects(board):
    """The board draws each thread from its row (title, section, authors' names, lock, answer): no Thread,
    User or Category object is built per row."""
    question = board.thread(title="怎麼教通分？", author=board.member, key="questions")
    board.reply(question, "先找公倍數", author=board.convener)
    names = (board.member.display_name, board.convener.display_name)
    section = services.category_label(question.category)
    community, member = board.community, board.member
    db.session.refresh(community)  # loaded before they leave the session: the list reads only their ids
    db.session.refresh(member)
    db.session.expunge_all()
    (row,) = services.list_threads(community, member).rows
    assert not [obj for obj in db.session.identity_map.values() if isinstance(obj, (Thread, Category, User))]
    assert (row.title, row.reply_count, row.questions, row.answered, row.locked) == ("怎麼教通分？", 1, True, False,
                                                                                    False)
    assert (row.author_name, row.last_author_name) == names
    assert row.category_label == section


def test_pinned_threads_come_first_then_latest_activity(board):
    old = board.thread(title="舊的")
    new = board.thread(title="新的")
    board.reply(old, "頂一下")
    assert [row.title for row in services.list_threads(board.community, board.member).rows] == ["舊的", "新的"]
    services.set_pinned(new, True, actor=board.convener)
    db.session.commit()
    assert [row.title for row in services.list_threads(board.community, board.member).rows] == ["新的", "舊的"]
    with pytest.raises(NotAllowed):
        services.set_pinned(old, True, actor=board.member)


def test_page_of_a_post_is_arithmetic(app, board):
    app.config["DISCUSSION_POSTS_PER_PAGE"] = 3
    try:
        thread = board.thread()
        for index in range(6):
            board.reply(thread, f"回覆 {index}")
        assert [services.page_of(number) for number in (1, 3, 4, 7)] == [1, 1, 2, 3]
        page = services.posts_page(thread, board.member, 2)
        assert [post.number for post in page.posts] == [4, 5, 6] and page.pages == 3
        assert services.post_path(board.community, thread.id, 7).endswith("?page=3#post-7")
    finally:
        app.config["DISCUSSION_POSTS_PER_PAGE"] = 50


def test_moving_needs_a_section_of_the_same_board_and_is_audited(board):
    thread = board.thread(key="questions")
    services.move_thread(thread, board.category("reflections"), actor=board.convener)
    db.session.commit()
    assert thread.category.key == "reflections"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "discussions.moved"))
    assert event.data["before"] == "Questions" and event.data["after"] == "Reflections"


def test_reports_reach_the_conveners_and_are_resolved(board):
    thread = board.thread()
    post = board.reply(thread, "不當內容")
    with pytest.raises(ValidationError):
        services.report_post(post, "   ", actor=board.member)
    report = services.report_post(post, "離題廣告", actor=board.member)
    db.session.commit()
    assert [n.kind for n in notifications_of(board.convener)] == ["report"]
    assert services.open_reports(board.community) == [report]
    services.resolve_report(report, actor=board.convener, remove_post=True)
    db.session.commit()
    assert post.deleted and report.resolution == "deleted" and services.open_reports(board.community) == []


def test_sections_can_be_added_renamed_reordered_and_removed_when_empty(board):
    added = services.add_category(board.community, "課室觀察", actor=board.convener)
    db.session.commit()
    with pytest.raises(ValidationError):
        services.add_category(board.community, "questions", actor=board.convener)  # the default name, any case
    services.move_category(added, -1)
    db.session.commit()
    assert [c.name or c.key for c in services.categories_of(board.community)][-2:] == ["課室觀察", "reflections"]
    board.thread(key="reflections")
    with pytest.raises(ValidationError):
        services.delete_category(board.category("reflections"), actor=board.convener)
    services.delete_category(added, actor=board.convener)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Category)
                             .where(Category.community_id == board.community.id)) == 4


def test_search_finds_threads_and_replies_in_chinese_both_scripts(board):
    thread = board.thread(title="差異化教學的分組", body="教師如何分組")
    board.reply(thread, "我用學習單分成三組")
    hits, total = services.search_board(board.community, "教师")  # Simplified finds Traditional
    assert total == 1 and hits[0].number == 1
    hits, _total = services.search_board(board.community, "學習單")
    assert [hit.number for hit in hits] == [2] and hits[0].path.endswith("#post-2")
    post = db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.number == 2))
    services.delete_post(post, actor=board.other)
    db.session.commit()
    assert services.search_board(board.community, "學習單")[1] == 0


def test_revisions_are_stored_per_edit(board):
    thread = board.thread()
    post = board.reply(thread, "v1")
    for version, text in ((1, "v2"), (2, "v3")):
        services.edit_post(post, text, actor=board.other, base_version=version)
        db.session.commit()
    assert [r.body for r in services.revisions_of(post)] == ["v2", "v1"]
    assert db.session.scalar(select(func.count()).select_from(PostRevision)) == 2


# --- pace: a person's allowance of threads and replies -----------------------------------------------


@pytest.fixture()
def small_allowances(app, monkeypatch):
    monkeypatch.setitem(app.config, "DISCUSSION_THREAD_RATE_LIMIT", "2 per hour")
    monkeypatch.setitem(app.config, "DISCUSSION_REPLY_RATE_LIMIT", "3 per 10 minutes")


def test_a_person_past_the_thread_allowance_is_refused_and_told_how_long_to_wait(board, small_allowances):
    """QA: one member's script started 504 threads in a minute."""
    board.thread(title="一", author=board.member)
    board.thread(title="二", author=board.member)
    with pytest.raises(TooSoon) as caught:
        board.thread(title="三", author=board.member)
    db.session.rollback()
    assert 3500 < caught.value.retry_after <= 3600
    assert caught.value.message == ("You have started 2 threads in 1 hour, as many as the board takes from one "
                                    "person in that time. You can start the next one in 1 hour; what you wrote is "
                                    "kept.")
    assert db.session.scalar(select(func.count()).select_from(Thread)) == 2
    board.thread(title="別人的", author=board.other)  # another person's allowance is their own
    board.reply(db.session.scalar(select(Thread)), "回覆照常", author=board.member)  # replies are counted apart


def test_a_person_past_the_reply_allowance_is_refused_and_others_are_not(board, small_allowances):
    thread = board.thread(author=board.convener)
    for number in range(3):
        board.reply(thread, f"回覆{number}", author=board.member)
    with pytest.raises(TooSoon) as caught:
        board.reply(thread, "第四則", author=board.member)
    db.session.rollback()
    assert "You have posted 3 replies in 10 minutes" in caught.value.message
    assert db.session.scalar(select(func.count()).select_from(Post).where(Post.author_id == board.member.id)) == 3
    board.reply(thread, "我還可以", author=board.other)


def test_the_same_form_sent_again_at_the_limit_is_answered_not_refused(board, small_allowances):
    """A double click on the last thread the allowance takes gets that thread, not a wait."""
    first = board.thread(title="一", author=board.member, submission_key="k1")
    second = board.thread(title="二", author=board.member, submission_key="k2")
    assert board.thread(title="二", author=board.member, submission_key="k2").id == second.id
    thread = board.thread(title="回覆用", author=board.other)
    for number in range(3):
        board.reply(thread, f"回覆{number}", author=board.member, submission_key=f"r{number}")
    assert board.reply(thread, "回覆2", author=board.member, submission_key="r2").number == 4
    assert first.id


def test_refused_attempts_use_up_nothing(board, small_allowances):
    thread = board.thread(author=board.convener)
    for _attempt in range(5):
        with pytest.raises(ValidationError):
            services.reply(thread, "   ", actor=board.member)  # nothing written: refused, not counted
        db.session.rollback()
    for number in range(3):
        board.reply(thread, f"回覆{number}", author=board.member)


def test_the_wait_is_said_in_the_readers_language(board, small_allowances):
    from flask_babel import force_locale

    board.thread(title="一", author=board.member)
    board.thread(title="二", author=board.member)
    with force_locale("zh_Hant"), pytest.raises(TooSoon) as caught:
        board.thread(title="三", author=board.member)
    assert caught.value.message == ("您在 1 小時內已發表 2 個討論串，已達討論區每人在這段時間的上限。"
                                    "1 小時後即可再發表；您寫的內容都還在。")
