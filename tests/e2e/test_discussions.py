"""The discussion board in a real browser: a live thread between two people, mentions, the bell, the
editor (preview, images), editing in place, a phone; SCREENSHOTS=1 writes docs/screenshots/discussion-*.png."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.checks import fits, no_problems, screenshots_folder
from tests.e2e.conftest import ConsoleLog
from tests.e2e.test_browser import log_in

PHONE = {"width": 390, "height": 844}
LIVE_WAIT = 10_000  # the thread polls every 4 s


# --- data through the app's services -------------------------------------------------------------


def _thread(data: Any, community: dict[str, Any], author: dict[str, Any], *, title: str, body: str,
            section: str = "questions") -> int:
    """Start a thread in the section with this key (a default section); return its id."""
    from workspace.auth.models import User
    from workspace.communities.models import Community
    from workspace.discussions import services
    from workspace.extensions import db

    def work() -> int:
        board = db.session.get(Community, community["id"])
        category = next(c for c in services.categories_of(board) if c.key == section)
        return services.create_thread(board, category=category, title=title, body=body,
                                      actor=db.session.get(User, author["id"])).id

    return data._run(work)


def _reply(data: Any, thread_id: int, author: dict[str, Any], body: str) -> int:
    """Reply as `author`; return the post's number."""
    from workspace.auth.models import User
    from workspace.discussions import services
    from workspace.discussions.models import Thread
    from workspace.extensions import db

    def work() -> int:
        return services.reply(db.session.get(Thread, thread_id), body, actor=db.session.get(User, author["id"])).number

    return data._run(work)


def _mark_answer(data: Any, thread_id: int, number: int, actor: dict[str, Any]) -> None:
    from sqlalchemy import select

    from workspace.auth.models import User
    from workspace.discussions import services
    from workspace.discussions.models import Post, Thread
    from workspace.extensions import db

    def work() -> None:
        thread = db.session.get(Thread, thread_id)
        post = db.session.scalar(select(Post).where(Post.thread_id == thread_id, Post.number == number))
        services.mark_answer(thread, post, actor=db.session.get(User, actor["id"]))

    data._run(work)


def _png(width: int = 64, height: int = 40, color: tuple[int, int, int] = (46, 125, 50)) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height), color)
    draw = ImageDraw.Draw(image)
    draw.rectangle((width // 4, height // 4, width * 3 // 4, height * 3 // 4), fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _two_teachers(data: Any) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    lin = data.user(name="林老師")
    community = data.community(lin, name="數學領域備課社群")
    wang = data.user(name="王老師")
    data.member(community, wang)
    return lin, wang, community


def _thread_url(community: dict[str, Any], thread_id: int) -> str:
    return f"/c/{community['slug']}/discussions/{thread_id}"





# --- text typed and not sent is kept in the browser ------------------------------------------------


def test_a_reply_typed_when_the_login_ended_comes_back_after_logging_in(new_context, data,
                                                                        console: ConsoleLog) -> None:
    """王老師 writes a long reply and her login ends meanwhile (logged out elsewhere, or it expired). Post reply
    sends her to the login page; once logged in again she is back in the thread and the reply form offers her
    text, which posts. The kept text is then gone; 林老師, logging in on the same laptop, is never offered it, and
    logging out forgets what this browser kept."""
    lin, wang, community = _two_teachers(data)
    thread_id = _thread(data, community, lin, title="分數加減的引導提問", body="大家怎麼引導學生通分？")
    context = new_context()
    page = context.new_page()
    log_in(page, wang)
    page.goto(_thread_url(community, thread_id))
    mine = "我會先用**分數條**讓學生看見等值分數，\n再請他們自己找出公分母。"
    page.locator("#reply").get_by_label("Message").fill(mine)
    context.clear_cookies()
    page.on("dialog", lambda dialog: dialog.accept())
    page.locator("#reply").get_by_role("button", name="Post reply").click()

    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("Email").fill(wang["email"])
    page.get_by_label("Password").fill(wang["password"])
    page.locator("#login").get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(rf"/discussions/{thread_id}$"))
    reply = page.locator("#reply")
    offer = reply.locator("[data-draft-offer]")
    expect(offer).to_be_visible()
    offer.get_by_role("button", name="Bring it back").click()
    expect(reply.get_by_label("Message")).to_have_value(mine)
    expect(offer).to_be_hidden()
    reply.get_by_role("button", name="Post reply").click()
    expect(page.locator("#post-2")).to_contain_text("分數條")
    expect(page.locator("#reply").get_by_label("Message")).to_have_value("")
    assert page.evaluate(f"localStorage.getItem('draft:{wang['id']}:reply:{thread_id}')") is None

    # Typed again and left unsent: kept for 王老師 only. 林老師 on the same browser is offered nothing.
    page.locator("#reply").get_by_label("Message").fill("還沒寫完的想法")
    assert "還沒寫完的想法" in page.evaluate(f"localStorage.getItem('draft:{wang['id']}:reply:{thread_id}')")
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login"))
    # Logging out forgot what this browser kept.
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('draft:')).length") == 0
    page.evaluate(f"localStorage.setItem('draft:{wang['id']}:reply:{thread_id}', "
                  "JSON.stringify({fields: {body: '王老師的草稿'}, base: null, at: Date.now()}))")
    log_in(page, lin)
    page.goto(_thread_url(community, thread_id))
    expect(page.locator("#reply").get_by_label("Message")).to_be_visible()
    expect(page.locator("#reply [data-draft-offer]")).to_be_hidden()
    no_problems(console, expected=(401,))


def test_a_new_thread_typed_and_left_is_offered_again_and_forgotten_once_started(page: Page, data,
                                                                                 console: ConsoleLog) -> None:
    """A new thread's title and text, typed and left (a tab closed), are offered on the next New thread page;
    once the thread is started, the next New thread page offers nothing."""
    _lin, wang, community = _two_teachers(data)
    log_in(page, wang)
    page.goto(f"/c/{community['slug']}/discussions/new")
    page.get_by_label("Title").fill("課堂提問的層次")
    page.get_by_label("Message").fill("想請教大家如何設計**高層次**提問。")
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto("about:blank")
    page.goto(f"/c/{community['slug']}/discussions/new")
    offer = page.locator("[data-draft-offer]")
    expect(offer).to_be_visible()
    offer.get_by_role("button", name="Bring it back").click()
    expect(page.get_by_label("Title")).to_have_value("課堂提問的層次")
    expect(page.get_by_label("Message")).to_have_value("想請教大家如何設計**高層次**提問。")
    page.get_by_role("button", name="Start the thread").click()
    expect(page.locator("#post-1")).to_contain_text("高層次")
    page.goto(f"/c/{community['slug']}/discussions/new")
    expect(page.get_by_label("Title")).to_have_value("")
    expect(page.locator("[data-draft-offer]")).to_be_hidden()
    no_problems(console)


# --- a live thread between two people ------------------------------------------------------------


def test_a_reply_with_a_mention_reaches_the_other_reader_live(new_context, data, console: ConsoleLog) -> None:
    lin, wang, community = _two_teachers(data)
    thread_id = _thread(data, community, lin, title="分數加減的引導提問",
                        body="大家在教**異分母分數**時，都怎麼引導學生通分？")

    page_a = new_context().new_page()
    log_in(page_a, lin)
    page_a.goto(_thread_url(community, thread_id))
    page_b = new_context().new_page()
    log_in(page_b, wang)
    page_b.goto(_thread_url(community, thread_id))
    expect(page_b.locator("#post-1")).to_contain_text("異分母分數")
    expect(page_b.locator("#bell")).to_be_visible()
    expect(page_b.locator("#bell .bell-count")).to_have_count(0)
    news_b = page_b.locator("[role=status]#thread-news")  # who replied, for a screen reader (QA 11)
    expect(news_b).to_have_text("")
    news_b.evaluate("element => { element.dataset.kept = 'yes'; }")
    page_b.evaluate("window.__sameDocument = true")
    page_a.evaluate("window.__sameDocument = true")

    # 林老師 mentions 王老師 through the suggestions, chosen with the keyboard.
    reply = page_a.locator("#reply")
    area = reply.get_by_label("Message")
    area.click()
    area.press_sequentially("謝謝分享！@王", delay=40)
    menu = reply.locator(".mention-menu")
    option = menu.locator("[role=option]", has_text="王老師")
    expect(option).to_be_visible()
    expect(option).to_have_attribute("aria-selected", "true")
    # A screen reader hears the highlighted name: it is the textarea's active descendant, in the list it controls.
    expect(area).to_have_attribute("aria-activedescendant", option.get_attribute("id") or "-")
    expect(area).to_have_attribute("aria-controls", menu.get_attribute("id") or "-")
    expect(area).to_have_attribute("aria-autocomplete", "list")
    area.press("Enter")
    expect(menu).to_be_hidden()
    assert area.get_attribute("aria-activedescendant") is None
    expect(area).to_have_value("謝謝分享！@王老師 ")
    area.press_sequentially("我們用色紙折出分數，效果很好。", delay=10)
    text = "謝謝分享！@王老師 我們用色紙折出分數，效果很好。"
    expect(area).to_have_value(text)
    with page_a.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/reply")) as answer:
        reply.get_by_role("button", name="Post reply").click()
    assert answer.value.status == 200

    # 林老師: a fresh, empty form; the post arrives by the thread's own poll.
    expect(page_a.locator("#reply-body")).to_have_value("")
    expect(page_a.locator("#reply .editor-tabs")).to_be_visible()  # the swapped-in editor was set up
    expect(page_a.locator("#post-2")).to_contain_text("我們用色紙折出分數", timeout=LIVE_WAIT)
    expect(page_a.locator("#post-2 .post-author")).to_have_text("林老師")
    expect(page_a.locator("#post-2")).to_have_count(1)
    expect(page_a.locator("#thread-news")).to_have_text("")  # one's own reply is not announced as news

    # 王老師: the reply and the bell, without reloading; the thread's status says who replied, in the same region.
    post = page_b.locator("#post-2")
    expect(post).to_contain_text("我們用色紙折出分數", timeout=LIVE_WAIT)
    expect(page_b.locator("#thread-news[data-kept=yes]")).to_have_text("1 new reply from 林老師")
    expect(post.locator(".post-author")).to_have_text("林老師")
    expect(post.locator(".post-body")).to_contain_text("@王老師")
    expect(page_b.locator("#bell .bell-count")).to_have_text("1", timeout=LIVE_WAIT)
    expect(page_b.locator("#post-2")).to_have_count(1)
    expect(page_b.locator("#thread-poll")).to_have_count(1)  # still polling, once
    assert page_b.evaluate("window.__sameDocument") is True
    assert page_a.evaluate("window.__sameDocument") is True
    expect(page_b).to_have_url(re.compile(rf"/discussions/{thread_id}$"))

    # The bell leads to the mention.
    page_b.locator("#bell").click()
    expect(page_b.locator("main")).to_contain_text("分數加減的引導提問")

    # A second reply, chosen by a click this time, reaches the other reader as well (the poll moved on).
    page_b.goto(_thread_url(community, thread_id))
    page_b.evaluate("window.__sameDocument = true")
    area.click()
    area.press_sequentially("@王", delay=40)
    menu.locator("[role=option]", has_text="王老師").click()
    area.press_sequentially("下次社群時間請分享你的學習單。", delay=10)
    reply.get_by_role("button", name="Post reply").click()
    expect(page_b.locator("#post-3")).to_contain_text("請分享你的學習單", timeout=LIVE_WAIT)
    expect(page_a.locator("#post-3")).to_contain_text("請分享你的學習單", timeout=LIVE_WAIT)
    expect(page_a.locator("#posts > li.post")).to_have_count(3)
    expect(page_b.locator("#posts > li.post")).to_have_count(3)
    assert page_b.evaluate("window.__sameDocument") is True
    no_problems(console)


def test_the_boards_and_the_searchs_counts_are_announced_by_a_status_that_stays(page: Page, data,
                                                                                console: ConsoleLog) -> None:
    """QA 11: #threads and #search-results were their own live regions, replaced by each swap, so nothing (or the
    whole list) was announced. One permanent status outside each list says the count, and stays the same element."""
    lin, _wang, community = _two_teachers(data)
    _thread(data, community, lin, title="分數的教學順序", body="先講通分", section="sharing")
    _thread(data, community, lin, title="課堂管理", body="計時器", section="sharing")
    log_in(page, lin)
    page.goto(f"/c/{community['slug']}/discussions/")
    status = page.locator("[role=status]#threads-status")
    expect(status).to_have_count(1)
    expect(status).to_have_text("2 threads")
    status.evaluate("element => { element.dataset.kept = 'yes'; }")
    with page.expect_response(lambda r: "q=" in r.url):
        page.locator("#board-q").press_sequentially("通分", delay=30)
    expect(page.locator("#threads .thread-row")).to_have_count(1)
    expect(page.locator("#threads-status")).to_have_count(1)
    expect(page.locator("#threads-status[data-kept=yes]")).to_have_text("1 match")
    expect(page.locator("#threads")).not_to_have_attribute("aria-live", re.compile(".*"))

    page.goto("/search")
    status = page.locator("[role=status]#search-status")
    expect(status).to_have_count(1)
    status.evaluate("element => { element.dataset.kept = 'yes'; }")
    with page.expect_response(lambda r: "q=" in r.url):
        page.locator("#search-q").press_sequentially("課堂", delay=30)
    expect(page.locator("#search-status[data-kept=yes]")).to_have_text(
        "Found: 0 resources, 1 thread or reply, 0 plans")
    expect(page.locator("#search-status")).to_have_count(1)
    no_problems(console)


# --- the editor ----------------------------------------------------------------------------------


def test_the_preview_tab_renders_markdown(page: Page, data, console: ConsoleLog) -> None:
    lin, _wang, community = _two_teachers(data)
    thread_id = _thread(data, community, lin, title="教學分享", body="第一篇", section="sharing")
    log_in(page, lin)
    page.goto(_thread_url(community, thread_id))
    reply = page.locator("#reply")
    area = reply.get_by_label("Message")
    area.fill("這是**粗體**的重點。\n\n- 第一點")

    write, preview_tab = reply.get_by_role("tab", name="Write"), reply.get_by_role("tab", name="Preview")
    expect(write).to_have_attribute("aria-selected", "true")
    with page.expect_response(lambda r: r.url.endswith("/markdown/preview")) as answer:
        preview_tab.click()
    assert answer.value.status == 200
    panel = reply.locator(".editor-preview")
    expect(panel).to_be_visible()
    expect(panel.locator("strong")).to_have_text("粗體")
    expect(panel.locator("li")).to_have_text("第一點")
    expect(area).to_be_hidden()
    expect(preview_tab).to_have_attribute("aria-selected", "true")
    expect(write).to_have_attribute("aria-selected", "false")

    write.click()
    expect(area).to_be_visible()
    expect(area).to_be_focused()
    expect(panel).to_be_hidden()
    expect(area).to_have_value("這是**粗體**的重點。\n\n- 第一點")
    expect(write).to_have_attribute("aria-selected", "true")

    # An empty reply is refused in place; the editor that comes back works.
    area.fill("")
    with page.expect_response(lambda r: r.url.endswith("/reply")) as answer:
        reply.get_by_role("button", name="Post reply").click()
    assert answer.value.status == 422
    expect(page.locator("#reply .field-error")).to_be_visible()
    expect(page.locator("#reply-body")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#reply").get_by_role("tab", name="Preview")).to_be_visible()
    expect(page.locator("#posts > li.post")).to_have_count(1)
    no_problems(console, expected=(422,))


def test_the_editor_tabs_follow_the_tab_keyboard_model(page: Page, data, console: ConsoleLog) -> None:
    """QA 11: Write/Preview were role="tab" but the arrow keys did nothing and both were Tab stops. Now ←/→ and
    Home/End move to a tab and select it, and only the selected tab is in the Tab order."""
    lin, _wang, community = _two_teachers(data)
    thread_id = _thread(data, community, lin, title="教學分享", body="第一篇", section="sharing")
    log_in(page, lin)
    page.goto(_thread_url(community, thread_id))
    reply = page.locator("#reply")
    area = reply.get_by_label("Message")
    area.fill("這是**粗體**的重點。")
    write, preview_tab = reply.get_by_role("tab", name="Write"), reply.get_by_role("tab", name="Preview")
    expect(write).to_have_attribute("tabindex", "0")
    expect(preview_tab).to_have_attribute("tabindex", "-1")
    panel = reply.locator(".editor-preview")

    write.focus()
    with page.expect_response(lambda r: r.url.endswith("/markdown/preview")):
        page.keyboard.press("ArrowRight")
    expect(preview_tab).to_be_focused()
    expect(preview_tab).to_have_attribute("aria-selected", "true")
    expect(preview_tab).to_have_attribute("tabindex", "0")
    expect(write).to_have_attribute("tabindex", "-1")
    expect(panel.locator("strong")).to_have_text("粗體")
    expect(area).to_be_hidden()

    page.keyboard.press("ArrowRight")  # wraps round to Write, and the focus stays on the tabs
    expect(write).to_be_focused()
    expect(write).to_have_attribute("aria-selected", "true")
    expect(area).to_be_visible()
    with page.expect_response(lambda r: r.url.endswith("/markdown/preview")):
        page.keyboard.press("End")
    expect(preview_tab).to_be_focused()
    page.keyboard.press("Home")
    expect(write).to_be_focused()
    expect(write).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowLeft")  # wraps to the last
    expect(preview_tab).to_be_focused()
    expect(preview_tab).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowLeft")
    expect(write).to_be_focused()

    # One Tab stop for the two tabs: Tab from Write goes into the text, Shift+Tab back lands on Write.
    page.keyboard.press("Tab")
    expect(area).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(write).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(preview_tab).not_to_be_focused()
    expect(area).to_have_value("這是**粗體**的重點。")
    no_problems(console)


def test_an_image_uploaded_in_the_editor_shows_in_the_post(page: Page, data, console: ConsoleLog) -> None:
    lin, _wang, community = _two_teachers(data)
    slug = community["slug"]
    thread_id = _thread(data, community, lin, title="板書照片", body="請大家分享板書。", section="sharing")
    log_in(page, lin)
    page.goto(_thread_url(community, thread_id))
    reply = page.locator("#reply")
    area = reply.get_by_label("Message")
    area.fill("今天的板書：")
    with page.expect_response(lambda r: r.url.endswith("/discussions/attachments")) as answer:
        reply.locator("input[type=file]").set_input_files(
            {"name": "板書.png", "mimeType": "image/png", "buffer": _png()})
    assert answer.value.status == 201
    expect(area).to_have_value(re.compile(rf"^今天的板書：\n\n!\[板書\.png\]\(/c/{slug}/discussions/files/\d+\)\n$"))
    expect(reply.locator(".upload-status")).to_have_count(0)
    expect(reply.locator("input[type=file]")).to_have_js_property("value", "")  # not sent again with the form

    reply.get_by_role("button", name="Post reply").click()
    image = page.locator("#post-2 .post-body img")
    expect(image).to_be_visible(timeout=LIVE_WAIT)
    expect(image).to_have_attribute("src", re.compile(rf"^/c/{slug}/discussions/files/\d+$"))
    expect(image).to_have_attribute("alt", "板書.png")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    assert image.evaluate("img => img.naturalWidth") == 64
    no_problems(console)


def test_edit_a_post_in_place(page: Page, data, console: ConsoleLog) -> None:
    lin, wang, community = _two_teachers(data)
    thread_id = _thread(data, community, lin, title="觀課心得", body="請大家留言。", section="reflections")
    _reply(data, thread_id, lin, "學生討論很熱烈。")
    number = _reply(data, thread_id, wang, "我覺得提問的層次可以再提高。")
    log_in(page, wang)  # a member (a convener may edit anyone's post)
    page.goto(_thread_url(community, thread_id))
    page.evaluate("window.__sameDocument = true")
    post = page.locator(f"#post-{number}")
    expect(page.locator("#post-2").get_by_role("link", name="Edit", exact=True)).to_have_count(0)  # not mine
    expect(post.get_by_text("edited")).to_have_count(0)

    post.get_by_role("link", name="Edit", exact=True).click()
    area = post.locator("textarea")
    expect(area).to_have_value("我覺得提問的層次可以再提高。")
    expect(post.locator(".editor-tabs")).to_be_visible()
    area.fill("我覺得提問的層次可以再提高，例如多問「為什麼」。")
    post.get_by_role("button", name="Save").click()

    expect(post.locator(".post-body")).to_have_text("我覺得提問的層次可以再提高，例如多問「為什麼」。")
    expect(post.locator("textarea")).to_have_count(0)
    expect(post.locator(".post-head")).to_contain_text("edited")
    expect(post.get_by_role("link", name="Edit", exact=True)).to_be_visible()
    assert page.evaluate("window.__sameDocument") is True
    expect(page).to_have_url(re.compile(rf"/discussions/{thread_id}$"))
    expect(page.locator("#posts > li.post")).to_have_count(number)

    # Cancel leaves the post as it was.
    post.get_by_role("link", name="Edit", exact=True).click()
    post.locator("textarea").fill("不要存這段")
    post.get_by_role("link", name="Cancel").click()
    expect(post.locator(".post-body")).to_have_text("我覺得提問的層次可以再提高，例如多問「為什麼」。")
    assert page.evaluate("window.__sameDocument") is True
    no_problems(console)


# --- a phone -------------------------------------------------------------------------------------

LONG_URL = "https://example.edu.tw/" + "very-long-path-segment-without-any-break-" * 6 + "end"
LONG_WORD = "超" * 10 + "Supercalifragilisticexpialidocious" * 5
TABLE = ("| 週次 | 單元 | 教學重點 | 評量方式 | 備註 |\n|---|---|---|---|---|\n"
         "| 第一週 | 分數的意義 | 用色紙折出二分之一、四分之一 | 實作評量與口頭發表 | 需準備色紙與剪刀 |\n"
         "| 第二週 | 異分母分數加減 | 通分的策略與圖示表徵 | 學習單與小組互評 | 搭配數線教具 |")


def test_a_thread_fits_a_phone(new_context, data, console: ConsoleLog) -> None:
    lin, wang, community = _two_teachers(data)
    thread_id = _thread(data, community, lin, title="很長的網址與表格" + "標題" * 20,
                        body=f"參考資料：{LONG_URL}\n\n{LONG_WORD}")
    _reply(data, thread_id, wang, f"進度表：\n\n{TABLE}\n\n```\n{LONG_URL}\n```")
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    log_in(page, lin)
    page.goto(_thread_url(community, thread_id))
    expect(page.locator("#post-2 table")).to_be_visible()
    expect(page.locator("#post-1 a[href^='https://example.edu.tw/']")).to_be_visible()
    fits(page)
    # The editor and its suggestions fit as well.
    area = page.locator("#reply-body")
    area.click()
    area.press_sequentially("@王", delay=40)
    expect(page.locator("#reply .mention-menu [role=option]").first).to_be_visible()
    fits(page)
    no_problems(console)


def test_a_reply_that_cannot_be_sent_says_so_beside_its_button_on_a_phone(new_context, data,
                                                                        console: ConsoleLog) -> None:
    """QA10: the connection dropped as a member sent a reply on a phone; the only message went to the top of the
    page, 1,300 px above the screen, and nothing seemed to happen. It is said beside the button now, the text stays
    in the box, and sending again once the connection is back posts it and takes the message away."""
    lin, wang, community = _two_teachers(data)
    thread_id = _thread(data, community, lin, title="同步課堂的分組討論", body="大家怎麼安排分組？" * 20)
    for number in range(5):  # a long thread: the reply box is far below the top of the page
        _reply(data, thread_id, lin if number % 2 else wang, f"第 {number + 1} 則回覆：" + "先讓學生自己試一試。" * 30)
    context = new_context(viewport={"width": 375, "height": 800}, is_mobile=True, has_touch=True)
    page = context.new_page()
    log_in(page, wang)
    page.goto(_thread_url(community, thread_id))
    area = page.locator("#reply-body")
    area.scroll_into_view_if_needed()
    text = "網路斷了也不會遺失：\n我下次再試一次。"
    area.fill(text)
    button = page.locator("#reply").get_by_role("button", name="Post reply")
    assert page.evaluate("window.scrollY") > 1000  # the top of the page, where the flash is, is out of sight

    context.set_offline(True)
    button.click()
    notice = page.locator("#reply form [role=alert]")
    expect(notice).to_have_text("The server cannot be reached. Check the connection and try again.")
    expect(notice).to_be_in_viewport()
    expect(button).to_be_in_viewport()
    said, pressed = notice.bounding_box(), button.bounding_box()
    assert said and pressed and abs(pressed["y"] - (said["y"] + said["height"])) < 120, (said, pressed)  # beside it
    expect(area).to_have_value(text)
    expect(page.locator("#post-7")).to_have_count(0)

    context.set_offline(False)
    button.click()
    expect(page.locator("#post-7")).to_contain_text("我下次再試一次。", timeout=10_000)
    expect(page.locator("#reply [role=alert]")).to_have_count(0)
    expect(area).to_have_value("")
    # htmx logs every request that could not be sent (the reply, the thread's polls); they were the point of the test.
    console.problems[:] = [problem for problem in console.problems
                           if "htmx:sendError" not in problem and "htmx:afterRequest" not in problem]
    no_problems(console, went_offline=True)


def test_a_post_of_the_naughty_strings_fits_a_phone(new_context, data, naughty: list[str],
                                                    console: ConsoleLog) -> None:
    """The Big List of Naughty Strings pasted as one post: nothing in it widens the page on a phone (QA: a Thai
    letter carrying hundreds of combining marks cannot break, and scrolled the handbook sideways to 888 px)."""
    lin, _wang, community = _two_teachers(data)
    thread_id = _thread(data, community, lin, title="Naughty strings", body="\n".join(naughty))
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    log_in(page, lin)
    page.goto(_thread_url(community, thread_id))
    expect(page.locator("#post-1")).to_contain_text("田中さんにあげて下さい")
    fits(page)
    no_problems(console, expected=(404,))  # its <img src=1 …> asks for a picture that is not there


# --- screenshots for the docs --------------------------------------------------------------------


def test_screenshots_of_the_discussion_board(new_context, data, console: ConsoleLog, tmp_path: Path) -> None:
    """A question thread in 繁體中文 with an answer and an image; SCREENSHOTS=1 writes docs/screenshots/."""
    folder = screenshots_folder(tmp_path)
    convener = data.user(name="陳怡君", locale="zh_Hant")
    community = data.community(convener, name="數學領域共同備課社群")
    people = {name: data.user(name=name, locale="zh_Hant") for name in ("林志明", "王美玲", "張家豪")}
    for person in people.values():
        data.member(community, person)
    thread_id = _thread(
        data, community, people["林志明"], title="五年級異分母分數加減：學生卡在通分，怎麼引導？",
        body="上週教**異分母分數的加減**，不少學生直接把分子、分母分別相加。\n\n"
             "- 有沒有好用的具體操作活動？\n- 學習單要怎麼設計，才能讓學生說出通分的理由？")
    _reply(data, thread_id, people["王美玲"],
           "我會先用**色紙折疊**，讓學生看到 1/2 和 1/4 的大小，再請他們說說為什麼要切成一樣大的份數。")
    answer = _reply(data, thread_id, convener,
                    "@林志明 建議三個步驟：\n\n1. 具體操作：色紙或分數條\n2. 圖示表徵：畫出面積圖\n"
                    "3. 抽象符號：再寫成算式\n\n| 步驟 | 學生要說出的理由 |\n|---|---|\n"
                    "| 操作 | 份數要一樣大才能相加 |\n| 圖示 | 找出共同的切法 |\n| 算式 | 分母相同才能合併分子 |")
    _mark_answer(data, thread_id, answer, people["林志明"])

    desktop = new_context(locale="zh-TW")
    page = desktop.new_page()
    page.goto("/login")  # in 繁體中文: the fields by their ids
    page.locator("#email").fill(people["張家豪"]["email"])
    page.locator("#password").fill(people["張家豪"]["password"])
    page.locator("#login button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/$"))
    page.goto(_thread_url(community, thread_id))
    reply = page.locator("#reply")
    with page.expect_response(lambda r: r.url.endswith("/discussions/attachments")):
        reply.locator("input[type=file]").set_input_files(
            {"name": "分數條.png", "mimeType": "image/png", "buffer": _fraction_strips()})
    area = page.locator("#reply-body")
    expect(area).to_have_value(re.compile(r"^!\[分數條\.png\]"))
    area.press("Control+Home")
    area.press_sequentially("我們班做了分數條，貼在黑板上讓學生比較：\n\n", delay=5)
    reply.locator("button[type=submit]").click()
    image = page.locator("#post-4 .post-body img")
    expect(image).to_be_visible(timeout=LIVE_WAIT)
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    page.goto(_thread_url(community, thread_id))  # read now: no "new" marks; the Watch button says Watching
    image = page.locator("#post-4 .post-body img")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    expect(page.locator(f"#post-{answer}.is-answer .badge-ok")).to_be_visible()
    expect(page.locator(".thread .page-head .badge-ok")).to_be_visible()
    page.mouse.move(0, 0)
    page.screenshot(path=str(folder / "discussion-thread.png"), full_page=True)

    phone = new_context(locale="zh-TW", viewport=PHONE, is_mobile=True, has_touch=True,
                        storage_state=desktop.storage_state()).new_page()
    phone.goto(_thread_url(community, thread_id))
    expect(phone.locator("#post-4 .post-body img")).to_be_visible()
    fits(phone)
    phone.screenshot(path=str(folder / "discussion-phone.png"), full_page=False)

    for name in ("discussion-thread.png", "discussion-phone.png"):
        assert (folder / name).stat().st_size > 5000, name
    no_problems(console)


def _fraction_strips() -> bytes:
    """A small picture of fraction strips (1, 1/2, 1/4) for the screenshot's image post."""
    from PIL import Image, ImageDraw

    width, row, pad = 480, 44, 12
    image = Image.new("RGB", (width + 2 * pad, 3 * row + 4 * pad), (250, 250, 245))
    draw = ImageDraw.Draw(image)
    colors = ((229, 115, 115), (129, 199, 132), (100, 181, 246))
    for index, (parts, color) in enumerate(zip((1, 2, 4), colors, strict=True)):
        top = pad + index * (row + pad)
        for part in range(parts):
            left = pad + part * width // parts
            draw.rectangle((left, top, left + width // parts - 2, top + row), fill=color, outline=(60, 60, 60))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_reply_posted_with_the_keyboard_keeps_the_focus_and_is_announced(new_context, data) -> None:
    """axe QA: after Enter on Post reply the focus fell to <body> and nothing was said: the reply's answer sets
    off the thread's poll, whose swap overwrote the one note of where the focus was."""
    convener = data.user(name="陳召集人")
    community = data.community(convener, name="國語領域社群")
    teacher = data.user(name="林老師")
    data.member(community, teacher)
    thread_id = _thread(data, community, convener, title="朗讀教學", body="大家怎麼練習朗讀？")
    page = new_context().new_page()
    log_in(page, teacher)
    page.goto(f"/c/{community['slug']}/discussions/{thread_id}")
    # The race as QA traced it, made certain: another request's swap (the poll's) begins while the reply's settles.
    page.evaluate("""() => document.addEventListener("htmx:beforeSwap", (event) => {
        const config = event.detail.requestConfig || {};
        if (!String(config.path || "").endsWith("/reply")) return;
        setTimeout(() => {
            const poll = document.getElementById("thread-poll");
            document.dispatchEvent(new CustomEvent("htmx:beforeSwap", {detail: {
                xhr: new XMLHttpRequest(), target: poll, elt: poll, shouldSwap: true,
                requestConfig: {verb: "get", elt: poll}}}));
        }, 0);
    })""")
    reply = page.locator("#reply")
    reply.locator("textarea").fill("我們每天晨讀十分鐘。")
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/reply")):
        reply.get_by_role("button", name="Post reply").press("Enter")
    expect(page.locator("#post-2")).to_contain_text("我們每天晨讀十分鐘。")
    expect(page.locator("#flashes")).to_contain_text("Your reply is posted.")
    expect(page.locator("#reply").get_by_role("button", name="Post reply")).to_be_focused()


# --- the language of what people write ------------------------------------------------------------


def test_a_traditional_post_reads_as_traditional_for_a_simplified_reader(new_context, data,
                                                                         console: ConsoleLog) -> None:
    """WCAG 3.1.2: the post's container says zh-Hant and takes the Traditional fonts, inside a zh-Hans page that
    draws its own words with the Simplified ones (core/text_language, app.css)."""
    lin, _wang, community = _two_teachers(data)
    reader = data.user(name="张老师", locale="zh_Hans")
    data.member(community, reader)
    thread_id = _thread(data, community, lin, title="分數教學怎麼開始？", body="我們下週二在台中開會，請帶教案。")
    page = new_context().new_page()
    log_in(page, reader)  # the login form in the browser's English; the pages after it in the reader's 简体
    page.goto(_thread_url(community, thread_id))
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    body = page.locator("#post-1 .post-body")
    expect(body).to_have_attribute("lang", "zh-Hant")
    expect(page.locator("h2.thread-title")).to_have_attribute("lang", "zh-Hant")
    fonts = body.locator("p").first.evaluate("element => getComputedStyle(element).fontFamily")
    assert "PingFang TC" in fonts and "PingFang SC" not in fonts, fonts
    page_fonts = page.locator(".up-link").first.evaluate("element => getComputedStyle(element).fontFamily")
    assert "PingFang SC" in page_fonts, page_fonts
    no_problems(console)


_STYLE = ("e => { const s = getComputedStyle(e); return {background: s.backgroundColor, color: s.color, "
          "weight: s.fontWeight, outline: s.outlineStyle, shadow: s.boxShadow, text: e.innerText}; }")


def _beyond_colour(on: dict[str, str], off: dict[str, str], *, words: bool = False) -> bool:
    """Whether two states differ by more than a tint: the weight of the words, an outline or an edge (`words`: or
    the words themselves, for one control before and after)."""
    return any(on[key] != off[key] for key in ("weight", "outline", "shadow", *(("text",) if words else ())))


def test_a_highlighted_mention_a_pressed_helpful_and_the_current_section_show_without_colour(
        new_context, data, console: ConsoleLog) -> None:
    """QA13: the highlighted @-suggestion and a pressed Helpful differed from the others by a pale tint only (1.1:1),
    and in forced colours (Windows' contrast themes) by nothing; the current section's pill lost its mark there too.
    Each differs by more than colour (bold, an edge, a ✓), and in forced colours takes the theme's highlight."""
    lin, wang, community = _two_teachers(data)
    data.member(community, data.user(name="李老師"))
    thread_id = _thread(data, community, lin, title="分數加減的引導提問", body="大家都怎麼引導學生通分？")
    _reply(data, thread_id, wang, "先用圖形表示，再通分。")
    page = new_context().new_page()
    log_in(page, lin)
    for forced in ("none", "active"):
        page.emulate_media(forced_colors=forced)
        page.goto(_thread_url(community, thread_id))
        area = page.locator("#reply").get_by_label("Message")
        area.click()
        area.press_sequentially("@", delay=40)
        menu = page.locator("#reply .mention-menu")
        expect(menu.locator("[role=option]").nth(1)).to_be_visible()
        area.press("ArrowDown")
        highlighted = menu.locator("[role=option][aria-selected=true]").evaluate(_STYLE)
        other = menu.locator("[role=option][aria-selected=false]").first.evaluate(_STYLE)
        assert _beyond_colour(highlighted, other), (forced, highlighted, other)
        assert highlighted["background"] != other["background"], (forced, highlighted, other)
        area.press("Escape")

        helpful = page.locator("#post-2 button.helpful")
        off = helpful.evaluate(_STYLE)
        helpful.focus()
        page.keyboard.press("Space")
        expect(helpful).to_have_attribute("aria-pressed", "true")
        expect(helpful).to_be_focused()
        expect(helpful).to_contain_text("✓")
        on = helpful.evaluate(_STYLE)
        assert _beyond_colour(on, off, words=True) and on["background"] != off["background"], (forced, on, off)
        page.keyboard.press("Space")  # back as it was, for the next round
        expect(helpful).to_have_attribute("aria-pressed", "false")
        expect(helpful).not_to_contain_text("✓")

        page.goto(f"/c/{community['slug']}/discussions/")
        current = page.locator(".subtabs a[aria-current=page]").evaluate(_STYLE)
        other = page.locator(".subtabs a:not([aria-current])").first.evaluate(_STYLE)
        assert _beyond_colour(current, other) and current["background"] != other["background"], (forced, current, other)
    no_problems(console)
