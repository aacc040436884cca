"""What people do in a real browser: log in, create a community, invite, switch language, use a phone."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.checks import screenshots_folder
from tests.e2e.conftest import PASSWORD, unique_email, unique_slug

PHONE = {"width": 375, "height": 740}


def log_in(page: Page, user: dict[str, Any]) -> None:
    """Log in through the form and wait for "My communities"."""
    page.goto("/login")
    page.get_by_label("Email").fill(user["email"])
    page.get_by_label("Password").fill(user["password"])
    page.locator("#login").get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/$"))
    # The boosted swap settles after the address changes, and the scripts' enhancements come with it (the phone
    # menu's button is shown then): a key pressed before did nothing (a flake under CI's load).
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")


def test_log_in_after_a_wrong_password(page: Page, data) -> None:
    user = data.user(name="王小明")
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login"))

    page.get_by_label("Email").fill(user["email"])
    page.get_by_label("Password").fill("not the password at all")
    page.locator("#login").get_by_role("button", name="Log in").click()
    error = page.locator("#login .form-errors")
    expect(error).to_contain_text("The email address or password is not right.")
    expect(page.get_by_label("Email")).to_have_value(user["email"])
    expect(page.get_by_label("Password")).to_have_value("")
    # The cursor waits in the password field (filling before the page's autofocus ran raced it).
    expect(page.get_by_label("Password")).to_be_focused()

    page.get_by_label("Password").fill(user["password"])
    page.locator("#login").get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My communities")
    expect(page.locator("#site-nav")).to_contain_text("王小明")


def test_repeated_wrong_passwords_ask_to_wait_and_say_how_long(page: Page, data) -> None:
    user = data.user(name="林慢慢")
    page.goto("/login")
    form = page.locator("#login")
    for number in range(3):
        page.get_by_label("Email").fill(user["email"])
        page.get_by_label("Password").fill(f"not the password, try {number}")
        form.get_by_role("button", name="Log in").click()
        expect(form.locator(".form-errors")).to_contain_text("The email address or password is not right.")
        expect(page.get_by_label("Password")).to_have_value("")
    # Even the right password waits now; the page says how long, keeps the address and stays a login page.
    page.get_by_label("Password").fill(user["password"])
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/login")) as answer:
        form.get_by_role("button", name="Log in").click()
    assert answer.value.status == 429
    expect(form.locator(".form-errors")).to_contain_text("Someone on this network (perhaps you)")
    expect(form.locator(".form-errors")).to_contain_text("Wait 5 seconds, then try again.")
    expect(page.get_by_label("Email")).to_have_value(user["email"])
    expect(page.get_by_label("Password")).to_have_value("")
    expect(page).to_have_url(re.compile(r"/login"))


def test_create_a_community(page: Page, data) -> None:
    user = data.user(name="林老師")
    log_in(page, user)
    page.locator("#site-nav").get_by_role("link", name="New community").click()
    expect(page).to_have_url(re.compile(r"/communities/new$"))

    slug = unique_slug("math")
    school = f"測試國小 {slug}"
    data.school(user, school)
    page.reload()
    page.get_by_label("Name").fill("數學素養教學研究社群")
    page.get_by_label("Type").select_option("subject")
    page.get_by_label("Web address").fill(slug)
    page.get_by_label("Description").fill("我們每月一起**共同備課**。\n\n- 設計素養導向的題目\n- 公開授課與觀課")
    page.get_by_label(school).check()  # the site has schools: one of them is the community's
    page.get_by_role("button", name="Create the community").click()

    expect(page).to_have_url(re.compile(rf"/c/{slug}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("數學素養教學研究社群")
    about = page.locator("#about .prose")
    expect(about.locator("strong")).to_have_text("共同備課")
    expect(about.locator("li")).to_have_text(["設計素養導向的題目", "公開授課與觀課"])
    expect(page.locator("#flashes")).to_contain_text("Your community is ready")


def test_the_address_follows_a_chinese_name_until_the_person_writes_their_own(page: Page, data) -> None:
    """Issue 11: a Chinese name left the address empty with only "required" beside it."""
    teacher = data.user(name="陳老師")
    school = f"測試國小 {unique_slug('school')}"
    data.school(teacher, school)
    log_in(page, teacher)
    page.goto("/communities/new")
    page.get_by_label("Name").fill("五年級數學社群")
    address = page.get_by_label("Web address")
    suggested = re.compile(r"^wu-nian-ji-shu-xue-she-qun(-\d+)?$")  # a suffix when an earlier run took it
    expect(address).to_have_value(suggested)
    preview = page.locator("#slug-preview")
    expect(preview).to_contain_text("/c/wu-nian-ji-shu-xue-she-qun")
    # The name changes: the address follows …
    page.get_by_label("Name").fill("五年級數學社群二")
    expect(address).to_have_value(re.compile(r"^wu-nian-ji-shu-xue-she-qun-er(-\d+)?$"))
    # … until the person writes one; then it is theirs, and the preview follows what they type.
    own = unique_slug("grade5")
    address.fill(own)
    expect(preview).to_contain_text(f"/c/{own}/")
    with page.expect_response(lambda response: "slug-suggestion" in response.url and "name=" in response.url):
        page.get_by_label("Name").fill("五年級數學社群三")
    page.get_by_label("Type").select_option("grade")
    expect(preview).to_contain_text(f"/c/{own}/")
    expect(address).to_have_value(own)
    page.get_by_label(school).check()
    page.get_by_role("button", name="Create the community").click()
    expect(page).to_have_url(re.compile(rf"/c/{own}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("五年級數學社群三")


def test_invite_by_email_and_join_with_a_new_account(new_context, data) -> None:
    """An invitation sent to an address opens a new account at that address at once (the convener named it; a
    sign-up from a shareable link confirms its address first, see tests/auth/test_signup.py)."""
    convener = data.user(name="陳召集人")
    community = data.community(convener, name="國語文領域備課社群", description="一起讀**課文**。")
    page = new_context().new_page()
    log_in(page, convener)

    email = unique_email("newcomer")
    page.goto(f"/c/{community['slug']}/members/")
    invitations = page.locator("#invitations")
    invitations.get_by_label("By email address").check()
    invitations.get_by_label("Email", exact=True).fill(email)
    with page.expect_response(lambda r: r.request.method == "POST" and "/invitations" in r.url) as answer:
        invitations.get_by_role("button", name="Create the invitation").click()
    assert answer.value.status == 200
    assert answer.value.request.headers.get("hx-request") == "true", "the form should post through htmx"
    link_input = page.locator("#invitations .invitation-list input[readonly]")
    expect(link_input).to_have_count(1)
    expect(page).to_have_url(re.compile(rf"/c/{community['slug']}/members/$"))  # swapped in place
    link = link_input.input_value()
    assert re.search(r"/invite/[\w-]+$", link), link

    newcomer = new_context().new_page()
    newcomer.goto(link)
    expect(newcomer.get_by_role("heading", level=1)).to_contain_text("國語文領域備課社群")
    newcomer.get_by_role("link", name="Create an account and join").click()
    expect(newcomer).to_have_url(re.compile(r"/register\?invite="))
    expect(newcomer.get_by_label("Email")).to_have_value(email)
    newcomer.get_by_label("Your name").fill("張新進")
    newcomer.get_by_label("Password", exact=True).fill(PASSWORD)
    newcomer.get_by_label("Repeat the password").fill(PASSWORD)
    newcomer.get_by_role("button", name="Create my account").click()

    expect(newcomer).to_have_url(re.compile(rf"/c/{community['slug']}/$"))
    expect(newcomer.get_by_role("heading", level=1)).to_have_text("國語文領域備課社群")
    expect(newcomer.locator("#members-summary")).to_contain_text("張新進")


def test_log_out_everywhere_else_from_the_account_page(new_context, data) -> None:
    """A teacher who left a login open on a phone ends it from the laptop; the phone is back at the login page."""
    user = data.user(name="林老師")
    phone = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    log_in(phone, user)
    laptop = new_context().new_page()
    log_in(laptop, user)

    laptop.goto("/account")
    logins = laptop.locator("#sessions li")
    expect(logins).to_have_count(2)
    expect(laptop.locator("#sessions")).to_contain_text("This device")
    laptop.get_by_role("button", name="Log out everywhere else").click()
    expect(laptop.locator("#flashes")).to_contain_text("Logged out on one other device.")
    expect(logins).to_have_count(1)

    phone.reload()
    expect(phone).to_have_url(re.compile(r"/login"))


def test_switch_language_with_the_footer_select(page: Page, data) -> None:
    user = data.user(name="李老師")
    log_in(page, user)
    nav = page.locator("#site-nav")

    with page.expect_navigation():
        page.locator("#locale-select").select_option("zh_Hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.locator("#locale-select")).to_have_value("zh_Hans")
    expect(nav).to_contain_text("我的社群", timeout=2000)

    with page.expect_navigation():
        page.locator("#locale-select").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(nav.get_by_role("link", name="My communities")).to_be_visible()


def test_the_language_select_browsed_with_the_keys_waits_for_enter_or_leaving(page: Page, data) -> None:
    """QA 11: the first ↓ on the footer's language select reloaded the page in the next language (WCAG 3.2.2).
    Browsed with the arrow keys it waits; Enter, or the focus leaving, applies what was chosen."""
    user = data.user(name="林志豪")
    log_in(page, user)
    html = page.locator("html")
    select = page.locator("#locale-select")
    expect(html).to_have_attribute("lang", "en")
    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.url) if request.method == "POST" else None)
    select.focus()
    page.keyboard.press("ArrowUp")  # English → 简体中文, only browsed
    page.wait_for_timeout(500)
    assert sent == [], sent
    expect(html).to_have_attribute("lang", "en")
    expect(select).to_have_value("zh_Hans")
    expect(select).to_be_focused()
    expect(page.locator(".locale-form").get_by_role("button", name="Switch")).to_be_visible()  # how to confirm
    page.keyboard.press("ArrowDown")  # back to English: nothing to apply when the focus leaves
    page.keyboard.press("Shift+Tab")
    page.wait_for_timeout(500)
    assert sent == [], sent
    select.focus()
    page.keyboard.press("ArrowUp")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(html).to_have_attribute("lang", "zh-Hans")
    select.focus()
    page.keyboard.press("ArrowUp")  # 简体中文 → 繁體中文, then Tab away: applied on leaving
    with page.expect_navigation():
        page.keyboard.press("Tab")
    expect(html).to_have_attribute("lang", "zh-Hant")


def test_the_page_language_follows_the_content_after_login_account_change_and_logout(new_context, data) -> None:
    """A boosted form swaps the body but not <html lang>: the language of the page must follow its content."""
    user = data.user(name="赵老师", locale="zh_Hans")  # saved choice: 简体, the browser says English
    page = new_context(locale="en-US").new_page()
    html = page.locator("html")
    nav = page.locator("#site-nav")
    page.goto("/login")
    expect(html).to_have_attribute("lang", "en")

    page.get_by_label("Email").fill(user["email"])
    page.get_by_label("Password").fill(user["password"])
    with page.expect_response(lambda r: r.url.endswith("/login") and r.request.method == "POST") as answer:
        page.locator("#login").get_by_role("button", name="Log in").click()
    assert answer.value.request.headers.get("hx-boosted") == "true", "the login should go through htmx"
    expect(page).to_have_url(re.compile(r"/$"))
    expect(nav).to_contain_text("退出登录")
    expect(html).to_have_attribute("lang", "zh-Hans")
    # The scripts' messages follow too (they were attributes of <body>, which a boosted swap keeps).
    assert page.evaluate("document.body.getAttribute('data-error-message')") == "出错了。请刷新页面后重试。"

    page.goto("/account")
    page.locator("#profile").get_by_label("语言").select_option("zh_Hant")
    page.locator("#profile button[type=submit]").click()
    expect(nav).to_contain_text("登出")
    expect(html).to_have_attribute("lang", "zh-Hant")
    assert page.evaluate("document.body.getAttribute('data-error-message')") == "發生錯誤。請重新整理頁面後再試一次。"

    nav.get_by_role("button", name="登出").click()
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.locator("#login").get_by_role("button", name="Log in")).to_be_visible()
    expect(html).to_have_attribute("lang", "en")
    assert page.evaluate("document.body.getAttribute('data-error-message')") == (
        "Something went wrong. Reload the page and try again.")


def test_back_after_logging_out_shows_no_page_of_the_account(new_context, data) -> None:
    """QA, on a shared school laptop: after Log out, the browser's Back showed the account page again (email,
    school, devices) from htmx's saved history, without asking the server. Pages are no longer kept in the tab:
    Back asks the server, which answers the login page."""
    user = data.user(name="林老師")
    page = new_context().new_page()
    log_in(page, user)
    page.goto("/account")
    expect(page.locator("main")).to_contain_text(user["email"])
    page.locator("#site-nav").get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login"))
    page.go_back()
    expect(page.locator("#login").get_by_role("button", name="Log in")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text(user["email"])
    assert page.evaluate("sessionStorage.getItem('htmx-history-cache')") in (None, "[]")


def test_phone_menu_and_no_sideways_scrolling(new_context, data) -> None:
    user = data.user(name="黃老師")
    community = data.community(
        user, name="新進教師師徒共學暨跨校公開授課觀課議課專業學習社群",
        description="每學期**至少兩次**公開授課。連結：https://www.example.edu.tw/a-very-long-path/that-does-not-wrap")
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    log_in(page, user)

    page.goto(f"/c/{community['slug']}/")
    toggle = page.locator(".nav-toggle")
    nav_link = page.locator("#site-nav").get_by_role("link", name="My communities")
    expect(toggle).to_be_visible()
    expect(nav_link).to_be_hidden()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the community home scrolls sideways on a phone ({width}px)"

    toggle.tap()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(nav_link).to_be_visible()
    new_link = page.locator("#site-nav").get_by_role("link", name="New community")
    expect(new_link).to_be_visible()
    new_link.tap()
    expect(page).to_have_url(re.compile(r"/communities/new$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("New community")

    page.goto(f"/c/{community['slug']}/members/")  # the table turns into cards on a phone
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the members page scrolls sideways on a phone ({width}px)"


def test_phone_menu_closes_after_following_a_link(new_context, data) -> None:
    user = data.user(name="黃老師")
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    log_in(page, user)
    page.locator(".nav-toggle").tap()
    page.locator("#site-nav").get_by_role("link", name="New community").tap()
    expect(page).to_have_url(re.compile(r"/communities/new$"))
    expect(page.locator(".nav-toggle")).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#site-nav").get_by_role("link", name="My communities")).to_be_hidden(timeout=1000)


def test_phone_menu_closes_on_escape_and_on_a_tap_outside(new_context, data) -> None:
    """The ☰ menu closes as a disclosure does: Escape closes it and puts the focus back on its button; a tap
    outside it closes it too."""
    user = data.user(name="黃老師")
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    log_in(page, user)
    toggle = page.locator(".nav-toggle")
    library = page.locator("#site-nav").get_by_role("link", name="Library")
    expect(toggle).to_be_visible()  # shown by the scripts once the page has settled
    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Escape")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(library).to_be_hidden()
    expect(toggle).to_be_focused()
    toggle.tap()
    expect(library).to_be_visible()
    page.locator("main h1").tap()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(library).to_be_hidden()


def test_a_page_change_moves_the_focus_to_the_new_page_and_the_menu_marks_it(page: Page, data) -> None:
    """After a boosted page change the focus is on the new page's main heading (a screen reader announces it), not
    left on <body>; the main menu marks the current page with aria-current, as the community tabs do."""
    user = data.user(name="黃老師")
    log_in(page, user)
    menu = page.locator("#site-nav")
    expect(menu.get_by_role("link", name="My communities")).to_have_attribute("aria-current", "page")
    menu.get_by_role("link", name="Library").click()
    expect(page).to_have_url(re.compile(r"/library/$"))
    heading = page.locator("main h1")
    expect(heading).to_be_focused()
    expect(menu.get_by_role("link", name="Library")).to_have_attribute("aria-current", "page")
    expect(menu.get_by_role("link", name="My communities")).not_to_have_attribute("aria-current", "page")
    menu.get_by_role("link", name="New community").click()
    expect(page).to_have_url(re.compile(r"/communities/new$"))
    expect(page.locator(":focus")).to_have_count(1)
    assert page.evaluate("document.activeElement !== document.body")
    # A community's tab: its name is every tab's h1, so the focus goes to the tab's own heading (axe QA: after a
    # save the focus was on the community's name).
    community = data.community(user, name="閱讀推動社群")
    page.goto(f"/c/{community['slug']}/")
    page.locator(".tabs").get_by_role("link", name="Resources").click()
    expect(page).to_have_url(re.compile(r"/resources/$"))
    expect(page.locator("main h2").first).to_be_focused()
    expect(page.locator("main h2").first).to_have_text("Resource library")


def test_convener_changes_a_role(page: Page, data) -> None:
    convener = data.user(name="吳召集人")
    member = data.user(name="周老師")
    community = data.community(convener, name="自然科探究教學社群")
    membership_id = data.member(community, member)
    log_in(page, convener)

    page.goto(f"/c/{community['slug']}/members/")
    row = page.locator(f"#member-{membership_id}")
    select = row.get_by_label("Role of 周老師")
    expect(select).to_have_value("member")
    with page.expect_response(lambda r: r.url.endswith(f"/members/{membership_id}/role")) as answer:
        select.select_option("mentor")
    assert answer.value.status == 200
    expect(page.locator("#flashes")).to_contain_text("周老師 is now: Mentor.")
    expect(page.locator(f"#member-{membership_id}").get_by_label("Role of 周老師")).to_have_value("mentor")
    assert data.role_of(membership_id) == "mentor"

    page.reload()
    expect(page.locator(f"#member-{membership_id}").get_by_label("Role of 周老師")).to_have_value("mentor")


def test_browsing_the_roles_with_the_keyboard_saves_nothing_until_save(page: Page, data) -> None:
    """QA: each arrow key on the role list was a change, saved at once: browsing the roles gave 張家瑋 two roles in a
    row, both in the audit trail. Keys now wait for the form's Save (shown while the form has the focus)."""
    convener = data.user(name="吳召集人")
    member = data.user(name="張老師")
    community = data.community(convener, name="鍵盤瀏覽社群")
    membership_id = data.member(community, member)
    log_in(page, convener)
    page.goto(f"/c/{community['slug']}/members/")
    row = page.locator(f"#member-{membership_id}")
    select = row.get_by_label("Role of 張老師")
    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.url) if request.url.endswith("/role") else None)
    select.focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.wait_for_timeout(400)
    assert sent == [] and data.role_of(membership_id) == "member"
    chosen = select.input_value()
    assert chosen != "member"
    save = row.get_by_role("button", name="Save Role of 張老師")
    expect(save).to_be_visible()
    page.keyboard.press("Tab")
    expect(save).to_be_focused()
    with page.expect_response(lambda r: r.url.endswith(f"/members/{membership_id}/role")) as answer:
        page.keyboard.press("Enter")
    assert answer.value.status == 200
    assert data.role_of(membership_id) == chosen


# --- screenshots for the docs ----------------------------------------------------------------------


def _shot(page: Page, folder: Path, name: str, *, full_page: bool = True) -> None:
    page.screenshot(path=str(folder / name), full_page=full_page)


def test_screenshots_of_the_main_pages(new_context, data, tmp_path: Path) -> None:
    """Visit the main pages in 繁體中文 with realistic content; SCREENSHOTS=1 writes docs/screenshots/."""
    folder = screenshots_folder(tmp_path)

    # Fixed, realistic addresses: the screenshot test runs once per session on the live database.
    convener = data.user(name="陳怡君", email="yijun.chen@daan.example.edu.tw", locale="zh_Hant")
    colleagues = [
        data.user(name=name, email=email, locale="zh_Hant")
        for name, email in (
            ("林志明", "zhiming.lin@daan.example.edu.tw"),
            ("王美玲", "meiling.wang@daan.example.edu.tw"),
            ("張家豪", "jiahao.chang@xinyi.example.edu.tw"),
            ("李淑芬", "shufen.li@daan.example.edu.tw"),
        )
    ]
    daan = data.school(convener, "臺北市大安區示範國民小學")
    xinyi = data.school(convener, "臺北市信義區示範國民小學", class_count=36)
    main = data.community(
        convener, name="國語文領域共同備課社群", kind="subject", slug="mandarin-co-planning",
        school_ids=(daan, xinyi),
        description=(
            "本社群由國小中高年級國語文教師組成，每月第二週週三下午進行**共同備課**與**公開授課**。\n\n"
            "- 以閱讀理解策略為主軸，設計素養導向的學習單\n"
            "- 每學期至少兩次公開授課、觀課與議課\n"
            "- 累積教學檔案，分享至學校資源庫"
        ),
        vision="讓每一位孩子都能**讀懂、想通、說清楚**；教師彼此支持，持續精進教學。",
    )
    for user, role in zip(colleagues, ("co_convener", "member", "mentor", "member"), strict=True):
        data.member(main, user, role)
    data.community(convener, name="數學素養教學研究社群", kind="pd_theme", school_ids=(daan,),
                   description="以**提問**引導學生說出解題想法。")
    data.community(convener, name="新進教師師徒共學社群", kind="master_studio", school_ids=(daan,))

    desktop = new_context(locale="zh-TW")
    page = desktop.new_page()
    answer = page.goto("/login")
    assert answer is not None and answer.status == 200
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hant")
    page.locator("#email").fill(convener["email"])
    _shot(page, folder, "login.png")
    page.locator("#password").fill(convener["password"])
    page.locator("#login button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator(".community-card")).to_have_count(3)
    _shot(page, folder, "communities.png")

    answer = page.goto(f"/c/{main['slug']}/")
    assert answer is not None and answer.status == 200
    expect(page.locator("#about .prose strong").first).to_have_text("共同備課")
    _shot(page, folder, "community-home.png")

    answer = page.goto(f"/c/{main['slug']}/members/")
    assert answer is not None and answer.status == 200
    page.locator("#invitations input[type=radio][value=link]").check()
    page.locator("#invitations button[type=submit].button-primary").click()
    expect(page.locator("#invitations .invitation-list input[readonly]")).to_have_count(1)
    page.mouse.move(0, 0)
    _shot(page, folder, "members.png")

    for title, kind, tags, body in (
        ("〈讀懂說明文〉閱讀理解學習單", "lesson_plan", "閱讀理解, 說明文, 五年級",
         "# 讀懂說明文\n\n1. 先看標題與小標，預測文章重點\n2. 圈出關鍵詞，畫出**因果關係**圖\n"
         "3. 用自己的話摘要，與同組比對"),
        ("公開授課觀課紀錄：提問與回饋", "teaching_case", "公開授課, 觀課, 提問",
         "觀課焦點：教師的提問是否引導學生**說出理由**。\n\n- 高層次提問 6 次\n- 學生互相補充 4 次"),
        ("閱讀理解策略評量試卷", "test_paper", "閱讀理解, 評量", "一、閱讀短文後回答問題。\n二、寫出本文的主旨。"),
    ):
        data.text_resource(main, convener, title=title, kind=kind, subject="國語文", grade="五年級", tags=tags,
                           body=body)
    answer = page.goto(f"/c/{main['slug']}/resources/")
    assert answer is not None and answer.status == 200
    page.locator("#q").fill("閱讀")
    expect(page.locator("#results mark").first).to_be_visible()
    page.mouse.move(0, 0)
    _shot(page, folder, "resources.png")

    # The same person on a phone (the session cookie carried over).
    phone = new_context(locale="zh-TW", viewport=PHONE, is_mobile=True, has_touch=True,
                        storage_state=desktop.storage_state()).new_page()
    answer = phone.goto(f"/c/{main['slug']}/")
    assert answer is not None and answer.status == 200
    phone.locator(".nav-toggle").tap()
    expect(phone.locator("#site-nav a").first).to_be_visible()
    _shot(phone, folder, "phone-nav.png", full_page=False)

    for name in ("login.png", "communities.png", "community-home.png", "members.png", "resources.png",
                 "phone-nav.png"):
        assert (folder / name).stat().st_size > 5000, name


@pytest.mark.parametrize("path", ["/login", "/register"])
def test_public_pages_obey_the_content_security_policy(page: Page, path: str) -> None:
    answer = page.goto(path)
    assert answer is not None and answer.status == 200
    assert "script-src 'self'" in (answer.headers.get("content-security-policy") or "")
    expect(page.locator("html")).to_have_class(re.compile(r"\bjs\b"))  # app.js ran
