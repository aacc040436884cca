"""The resource library in a real browser: upload files with progress, search as you type, versions, a text."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.test_browser import log_in

PLAN_NAME = "分數的加減 教案.txt"
PLAN_TITLE = "分數的加減 教案"
PLAN_TEXT = "五年級數學教案\n學生先用圖示理解通分，再練習異分母分數的加減。\n"
SLIDES_NAME = "教學簡報.md"
SLIDES_TITLE = "教學簡報"
SLIDES_TEXT = "# 教學簡報\n\n- 暖身活動\n- **小組討論**\n"
PLAN_V2 = "五年級數學教案（第二版）\n加入差異化教學的練習單。\n"


def _member_in_community(data: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    convener = data.user(name="張召集人")
    community = data.community(convener, name="數學領域備課社群")
    teacher = data.user(name="李老師")
    data.member(community, teacher)
    return teacher, community


def _upload_two_files(page: Page, slug: str) -> dict[str, str]:
    """Upload the lesson plan and the slides in one go; return each title's resource address."""
    page.goto(f"/c/{slug}/resources/new")
    form = page.locator("form[data-upload]")
    expect(form.get_by_label("Files", exact=True).first).to_be_checked()
    page.set_input_files("#files", [
        {"name": PLAN_NAME, "mimeType": "text/plain", "buffer": PLAN_TEXT.encode()},
        {"name": SLIDES_NAME, "mimeType": "text/markdown", "buffer": SLIDES_TEXT.encode()},
    ])
    form.get_by_label("Kind").select_option("lesson_plan")
    form.get_by_role("button", name="Add", exact=True).click()

    rows = form.locator("[data-upload-list] .upload-row")
    expect(rows).to_have_count(2)
    links = {}
    for row, title in zip((rows.nth(0), rows.nth(1)), (PLAN_TITLE, SLIDES_TITLE), strict=True):
        expect(row.locator(".upload-name")).to_have_text(PLAN_NAME if title == PLAN_TITLE else SLIDES_NAME)
        link = row.get_by_role("link", name=title)
        expect(link).to_be_visible()
        expect(row.locator("progress")).to_have_js_property("value", 100)
        expect(row.locator(".upload-status")).to_contain_text("Added")
        expect(row.locator("[data-cancel]")).to_have_count(0)
        links[title] = link.get_attribute("href") or ""
    expect(page).to_have_url(re.compile(rf"/c/{slug}/resources/new$"))  # no page load: XHR per file
    assert all(re.search(rf"/c/{slug}/resources/\d+", href) for href in links.values()), links
    return links


def test_upload_two_files_search_and_add_a_version(new_context, data) -> None:
    teacher, community = _member_in_community(data)
    context = new_context()
    page = context.new_page()
    log_in(page, teacher)
    slug = community["slug"]
    links = _upload_two_files(page, slug)

    # Search as you type: htmx swaps #results, the page is not reloaded.
    page.goto(f"/c/{slug}/resources/")
    results = page.locator("#results")
    expect(results.locator(".resource-row")).to_have_count(2)
    # The count a screen reader hears: one permanent status outside the list, the same element after each swap
    # (QA 11: the list was its own live region and replaced itself).
    status = page.locator("[role=status]#results-status")
    expect(status).to_have_count(1)
    expect(status).to_have_text("2 resources")
    status.evaluate("element => { element.dataset.kept = 'yes'; }")
    expect(results).not_to_have_attribute("aria-live", re.compile(".*"))
    page.evaluate("window.__sameDocument = true")
    with page.expect_response(lambda r: "/resources/" in r.url and "q=" in r.url):
        page.locator("#q").press_sequentially("通分", delay=30)
    expect(results.locator(".resource-row")).to_have_count(1)
    expect(page.locator("#results-status")).to_have_count(1)
    expect(page.locator("#results-status[data-kept=yes]")).to_have_text("1 resource")
    row = results.locator(".resource-row")
    expect(row.get_by_role("link", name=PLAN_TITLE)).to_be_visible()
    expect(row.locator("mark").first).to_have_text("通分")
    assert page.evaluate("window.__sameDocument") is True
    expect(page).to_have_url(re.compile(r"[?&]q=%E9%80%9A%E5%88%86"))

    page.locator("#q").fill("教学")  # Simplified finds the Traditional title
    expect(results.locator(".resource-row")).to_have_count(1)
    expect(results.get_by_role("link", name=SLIDES_TITLE)).to_be_visible()
    assert page.evaluate("window.__sameDocument") is True

    # The Markdown file's preview shows its text, rendered.
    page.goto(links[SLIDES_TITLE])
    expect(page.locator("#preview")).to_contain_text("小組討論")

    # The lesson plan: its text, then a second version.
    page.goto(links[PLAN_TITLE])
    expect(page.get_by_role("heading", level=2, name=PLAN_TITLE)).to_be_visible()
    expect(page.locator("#preview")).to_contain_text("學生先用圖示理解通分")
    versions = page.locator("#versions")
    versions.locator("summary", has_text="Add a new version").click()
    versions.get_by_label("New file").set_input_files(
        {"name": PLAN_NAME, "mimeType": "text/plain", "buffer": PLAN_V2.encode()})
    versions.get_by_label("What changed").fill("加入差異化教學的練習單")
    versions.get_by_role("button", name="Save the new version").click()

    expect(page).to_have_url(re.compile(rf"/c/{slug}/resources/\d+#versions$"))
    items = page.locator("#versions ol.versions > li")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_contain_text("Version 2")
    expect(items.nth(0).locator(".badge")).to_have_text("newest")
    expect(items.nth(0)).to_contain_text("加入差異化教學的練習單")
    expect(items.nth(1)).to_contain_text("Version 1")
    expect(items.nth(1).locator(".badge")).to_have_count(0)
    expect(page.locator("#preview")).to_contain_text("差異化教學的練習單")

    # Downloading version 1 gives the old bytes, through the link a teacher clicks.
    old_link = items.nth(1).get_by_role("link", name="Download")
    assert "version=1" in (old_link.get_attribute("href") or "")
    with page.expect_download() as download_info:
        old_link.click()
    download = download_info.value
    assert download.suggested_filename == PLAN_NAME
    with open(download.path(), "rb") as handle:
        assert handle.read() == PLAN_TEXT.encode()
    newest_href = page.locator("#resource header").get_by_role("link", name="Download").get_attribute("href")
    newest = context.request.get(newest_href or "")
    assert newest.ok
    assert newest.body() == PLAN_V2.encode()


def test_write_a_text_resource_with_a_live_preview(page: Page, data) -> None:
    teacher, community = _member_in_community(data)
    log_in(page, teacher)
    page.goto(f"/c/{community['slug']}/resources/new")
    form = page.locator("form[data-upload]")
    form.get_by_label("A text written here").check()
    expect(page.locator("#files")).to_be_hidden()
    body = form.get_by_label("Text", exact=True)
    expect(body).to_be_visible()
    body.fill("## 共同備課紀錄\n\n這次的重點是**粗體**的提問策略。")
    preview = page.locator("#body-preview")
    expect(preview.locator("strong")).to_have_text("粗體")
    expect(preview.locator("h2")).to_have_text("共同備課紀錄")
    expect(page).to_have_url(re.compile(r"/resources/new$"))

    form.get_by_label("Title").fill("提問策略共同備課紀錄")
    form.get_by_label("Kind").select_option("teaching_case")
    form.get_by_role("button", name="Add", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/c/{community['slug']}/resources/\d+$"))
    expect(page.locator("#preview .prose strong")).to_have_text("粗體")


def test_an_upload_that_cannot_reach_the_server_says_so(page: Page, data) -> None:
    teacher, community = _member_in_community(data)
    log_in(page, teacher)
    page.goto(f"/c/{community['slug']}/resources/new")
    form = page.locator("form[data-upload]")
    page.set_input_files("#files", {"name": PLAN_NAME, "mimeType": "text/plain", "buffer": PLAN_TEXT.encode()})
    form.get_by_label("Kind").select_option("lesson_plan")
    page.route("**/resources/new", lambda route: route.abort("connectionreset")
               if route.request.method == "POST" else route.continue_())
    form.get_by_role("button", name="Add", exact=True).click()
    row = form.locator("[data-upload-list] .upload-row")
    expect(row.locator(".upload-status")).to_have_text("Not added")
    expect(row).to_have_class(re.compile(r"\bhas-error\b"))
    expect(row.locator("[data-cancel]")).to_have_count(0)  # nothing left to cancel


def test_an_uploaded_markdown_file_is_previewed_rendered(page: Page, data) -> None:
    teacher, community = _member_in_community(data)
    log_in(page, teacher)
    page.goto(f"/c/{community['slug']}/resources/new")
    form = page.locator("form[data-upload]")
    page.set_input_files("#files", {"name": SLIDES_NAME, "mimeType": "text/markdown", "buffer": SLIDES_TEXT.encode()})
    form.get_by_label("Kind").select_option("courseware")
    form.get_by_role("button", name="Add", exact=True).click()
    form.locator("[data-upload-list]").get_by_role("link", name=SLIDES_TITLE).click()
    expect(page.get_by_role("heading", level=2, name=SLIDES_TITLE)).to_be_visible()
    expect(page.locator("#preview strong")).to_have_text("小組討論", timeout=1000)


def test_the_kind_follows_the_file_picked_unless_chosen(page: Page, data) -> None:
    from tests.media import png_bytes

    teacher, community = _member_in_community(data)
    log_in(page, teacher)
    page.goto(f"/c/{community['slug']}/resources/new")
    form = page.locator("form[data-upload]")
    kind = form.get_by_label("Kind")
    expect(kind).to_have_value("")  # "From the file"
    photo = {"name": "黑板.png", "mimeType": "image/png", "buffer": png_bytes()}
    page.set_input_files("#files", photo)
    expect(kind).to_have_value("courseware")  # a photo is not a lesson plan
    page.set_input_files("#files", {"name": "公開課.mp4", "mimeType": "video/mp4", "buffer": b"x"})
    expect(kind).to_have_value("video")  # followed again: nobody chose
    page.set_input_files("#files", [photo, {"name": PLAN_NAME, "mimeType": "text/plain", "buffer": b"x"}])
    expect(kind).to_have_value("")  # two kinds: each file is filed by its own
    kind.select_option("test_paper")
    page.set_input_files("#files", photo)
    expect(kind).to_have_value("test_paper")  # the person's choice is kept
    form.get_by_role("button", name="Add", exact=True).click()
    row = form.locator("[data-upload-list] .upload-row")
    expect(row.locator(".upload-status")).to_contain_text("Added")
    kind.select_option("")
    page.set_input_files("#files", photo)
    expect(kind).to_have_value("courseware")  # back on "From the file", it follows the file again


def test_on_a_phone_a_refused_file_keeps_its_name_readable(new_context, data) -> None:
    """A refused file loses its bar and its Cancel button, and its reason can be long: the name keeps the row's
    width on a 375-px phone (it was squeezed to one character a line beside the reason)."""
    teacher, community = _member_in_community(data)
    page = new_context(viewport={"width": 375, "height": 740}).new_page()
    log_in(page, teacher)
    page.goto(f"/c/{community['slug']}/resources/new")
    form = page.locator("form[data-upload]")
    name = "第三次共同備課會議紀錄與教學觀察回饋.exe"
    page.set_input_files("#files", {"name": name, "mimeType": "application/octet-stream",
                                    "buffer": b"MZ\x90\x00\x03" + bytes(200)})
    form.get_by_label("Kind").select_option("lesson_plan")
    form.get_by_role("button", name="Add", exact=True).click()
    row = form.locator("[data-upload-list] .upload-row")
    expect(row).to_have_class(re.compile(r"\bhas-error\b"))
    expect(row.locator(".upload-status")).to_contain_text("Not added")
    name_box, row_box = row.locator(".upload-name").bounding_box(), row.bounding_box()
    assert name_box and row_box and name_box["width"] > row_box["width"] * 0.6, (name_box, row_box)
    assert name_box["height"] < 80, name_box  # two or three lines at most, not one character a line
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_one_title_over_two_files_and_an_earlier_refusal_cleared(new_context, data) -> None:
    """QA: a lesson plan and its photo uploaded with one title made two identical entries, and the "choose at least
    one file" of an earlier try stayed on the page after both were added."""
    teacher, community = _member_in_community(data)
    page = new_context().new_page()
    log_in(page, teacher)
    slug = community["slug"]
    page.goto(f"/c/{slug}/resources/new")
    form = page.locator("form[data-upload]")
    form.get_by_label("Title").fill("分數乘法")
    form.get_by_label("Kind").select_option("lesson_plan")
    form.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator("#files-error")).to_contain_text("Choose at least one file.")
    form = page.locator("form[data-upload]")
    page.set_input_files("#files", [
        {"name": "教案.txt", "mimeType": "text/plain", "buffer": PLAN_TEXT.encode()},
        {"name": "板書.txt", "mimeType": "text/plain", "buffer": "板書".encode()},
    ])
    form.get_by_role("button", name="Add", exact=True).click()
    rows = form.locator("[data-upload-list] .upload-row")
    expect(rows).to_have_count(2)
    expect(rows.nth(0).get_by_role("link", name="分數乘法 (教案)")).to_be_visible()
    expect(rows.nth(1).get_by_role("link", name="分數乘法 (板書)")).to_be_visible()
    expect(page.locator("#files-error")).to_have_count(0)
    expect(form.locator(".has-error, [aria-invalid]")).to_have_count(0)


def test_a_refused_comment_after_resizing_its_box_breaks_no_content_security_rule(new_context, data) -> None:
    """QA: after a refused comment the console showed "Applying inline style violates … style-src 'self'": htmx
    settled the swapped form by copying the old elements' `style` attribute (a box the reader resized has one) with
    setAttribute, which the policy refuses. The console fixture fails the test on any such report."""
    teacher, community = _member_in_community(data)
    resource_id = data.text_resource(community, teacher, title="分數教案", body="# 分數\n")
    page = new_context().new_page()
    log_in(page, teacher)
    page.goto(f"/c/{community['slug']}/resources/{resource_id}")
    box = page.locator("#comments textarea")
    box.evaluate("element => { element.style.height = '12rem'; }")  # as dragging its corner does
    page.locator("#comments").get_by_role("button", name="Comment").click()
    expect(page.locator("#comments .field-error")).to_be_visible()
    expect(page.locator("#comments textarea")).to_be_focused()


def test_a_favourite_says_so_and_my_favourites_lists_it(page: Page, data) -> None:
    """QA10: the star's label follows its state, and ticking "My favourites only" lists the marked resource in
    place, keeping the choice in the address."""
    teacher, community = _member_in_community(data)
    slug = community["slug"]
    log_in(page, teacher)
    titles = []
    for title in ("通分教案", "板書照片說明"):
        page.goto(f"/c/{slug}/resources/new")
        form = page.locator("form[data-upload]")
        form.get_by_label("A text written here").check()
        form.get_by_label("Text", exact=True).fill(f"{title}的內容")
        form.get_by_label("Title").fill(title)
        form.get_by_role("button", name="Add", exact=True).click()
        expect(page).to_have_url(re.compile(rf"/c/{slug}/resources/\d+$"))
        titles.append(title)
    button = page.locator("#favourite button")
    expect(button).to_have_text("☆ Favourite")
    button.click()
    expect(page.locator("#favourite button")).to_have_text("★ Favourited")
    expect(page.locator("#favourite button")).to_have_attribute("aria-pressed", "true")

    page.goto(f"/c/{slug}/resources/")
    results = page.locator("#results")
    expect(results.get_by_role("link", name="通分教案")).to_be_visible()
    page.get_by_label("My favourites only").check()
    expect(page).to_have_url(re.compile(r"favourites=1"))
    expect(results.get_by_role("link", name="通分教案")).to_have_count(0)
    expect(results.get_by_role("link", name="板書照片說明")).to_be_visible()
    page.get_by_label("My favourites only").uncheck()
    expect(results.get_by_role("link", name="通分教案")).to_be_visible()


def _held_uploads(page: Page, path_end: str) -> list[Any]:
    """Hold every upload POSTed to an address ending in `path_end` until the test lets it go (`route.continue_()`)."""
    held: list[Any] = []
    page.route(re.compile(re.escape(path_end) + "$"),
               lambda route: held.append(route) if route.request.method == "POST" else route.continue_())
    return held


def _wait_for(page: Page, held: list[Any], count: int) -> None:
    for _attempt in range(100):
        if len(held) >= count:
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"{len(held)} uploads held, {count} expected")


def test_an_upload_sent_with_the_keyboard_keeps_the_focus_and_names_its_bar(page: Page, data) -> None:
    """QA13: Enter on Add disabled the focused button, and Chromium dropped the focus to <body> (a screen reader went
    back to the top); the row's bar was a bare "progressbar". The button keeps the focus, busy (aria-disabled), a
    second Enter sends nothing more, and the bar is named by its file."""
    teacher, community = _member_in_community(data)
    log_in(page, teacher)
    page.goto(f"/c/{community['slug']}/resources/new")
    form = page.locator("form[data-upload]")
    page.set_input_files("#files", {"name": PLAN_NAME, "mimeType": "text/plain", "buffer": PLAN_TEXT.encode()})
    form.get_by_label("Kind").select_option("lesson_plan")
    held = _held_uploads(page, "/resources/new")
    add = form.get_by_role("button", name="Add", exact=True)
    add.focus()
    page.keyboard.press("Enter")
    _wait_for(page, held, 1)
    expect(add).to_be_focused()
    expect(add).to_have_attribute("aria-disabled", "true")
    row = form.locator("[data-upload-list] .upload-row")
    expect(row.get_by_role("progressbar")).to_have_accessible_name(PLAN_NAME)
    page.keyboard.press("Enter")  # pressed again while the file goes up
    page.wait_for_timeout(300)
    assert len(held) == 1, "a second Enter sent the file again"
    expect(row).to_have_count(1)
    held[0].continue_()
    expect(row.get_by_role("link", name=PLAN_TITLE)).to_be_visible()
    expect(add).to_be_focused()
    expect(add).not_to_have_attribute("aria-disabled", re.compile(".*"))
