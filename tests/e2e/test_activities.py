"""Activities in a real browser: the QR sign-in board on the convener's screen and a member's phone (live,
without reloading), the login detour that comes back to the sign-in page, the printable sign-in sheet (and
its PDF), the attendance table by keyboard, and the list and month calendar on a phone.

SCREENSHOTS=1 writes docs/screenshots/activity-board.png and activity-sign-in-phone.png.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.checks import fits, no_problems, screenshots_folder
from tests.e2e.conftest import ConsoleLog
from tests.e2e.test_browser import log_in

PHONE = {"width": 390, "height": 844}
A4 = {"width": 794, "height": 1123}  # 210 × 297 mm at 96 px per inch
LIVE_WAIT = 10_000  # the board polls every 3 s
MEMBER_NAMES = ("林志明", "王美玲", "張家豪", "李淑芬", "黃建國", "吳雅婷")


# --- data through the app's services -------------------------------------------------------------


def _club(data: Any, names: tuple[str, ...] = MEMBER_NAMES[:2]) -> tuple[dict[str, Any], dict[str, Any],
                                                                        list[dict[str, Any]]]:
    """A community with its convener 陳怡君 and members with these names."""
    convener = data.user(name="陳怡君")
    community = data.community(convener, name="數學領域共同備課社群")
    members = [data.user(name=name) for name in names]
    for member in members:
        data.member(community, member)
    return convener, community, members


def _activity(data: Any, community: dict[str, Any], convener: dict[str, Any], *, title: str = "五年級數學共同備課",
              started_minutes_ago: int = 5, hours: float = 2, days_ahead: int = 0, place: str = "自然教室",
              method: str = "collaborative_planning") -> int:
    """Plan an activity as `convener` (by default one that started a few minutes ago); return its id."""
    from workspace.activities import services
    from workspace.auth.models import User
    from workspace.communities.models import Community
    from workspace.extensions import db

    def work() -> int:
        now = services.to_local(services.utcnow()).replace(tzinfo=None, second=0, microsecond=0)
        starts = now - dt.timedelta(minutes=started_minutes_ago) + dt.timedelta(days=days_ahead)
        fields = services.ActivityFields(title=title, method=method, starts_at=starts,
                                         ends_at=starts + dt.timedelta(hours=hours), place=place)
        return services.create_activity(db.session.get(Community, community["id"]), fields,
                                        actor=db.session.get(User, convener["id"])).id

    return data._run(work)


def _status_of(data: Any, activity_id: int, user: dict[str, Any]) -> tuple[str, str] | None:
    """The (status, how) recorded for `user`, or None."""
    from sqlalchemy import select

    from workspace.activities.models import Attendance
    from workspace.extensions import db

    def work() -> tuple[str, str] | None:
        mark = db.session.scalar(select(Attendance).where(Attendance.activity_id == activity_id,
                                                          Attendance.user_id == user["id"]))
        return (mark.status, mark.how) if mark else None

    return data._run(work)


def _url(community: dict[str, Any], activity_id: int | None = None, tail: str = "") -> str:
    base = f"/c/{community['slug']}/activities/"
    return base + (f"{activity_id}{tail}" if activity_id is not None else tail)


# --- the browser ---------------------------------------------------------------------------------


def _phone(new_context: Any, **options: Any) -> Any:
    """A phone in Traditional Chinese."""
    return new_context(locale="zh-TW", viewport=PHONE, is_mobile=True, has_touch=True, **options)


def _log_in_form(page: Page, user: dict[str, Any]) -> None:
    """Fill in the login form in whatever language it is shown (the fields by their ids)."""
    page.locator("#email").fill(user["email"])
    page.locator("#password").fill(user["password"])
    page.locator("#login button[type=submit]").click()








# --- the QR board and the phone ------------------------------------------------------------------


@pytest.fixture()
def quick_codes(live_app: Any) -> Iterator[tuple[int, int]]:
    """Codes that change every second and are taken for 6 s after: several codes come and go within the test.

    The live server reads its settings on every request, so they are set here and put back afterwards.
    """
    keys = ("SIGN_IN_CODE_SECONDS", "SIGN_IN_CODE_GRACE_SECONDS")
    saved = {key: live_app.config.get(key) for key in keys}
    live_app.config.update(SIGN_IN_CODE_SECONDS=1, SIGN_IN_CODE_GRACE_SECONDS=6)
    yield 1, 6
    live_app.config.update(saved)


def test_members_sign_in_from_their_phones_and_the_board_shows_them_live(new_context, data, live_server: str,
                                                                        console: ConsoleLog, tmp_path: Path,
                                                                        quick_codes: tuple[int, int]) -> None:
    folder = screenshots_folder(tmp_path)
    period, grace = quick_codes
    convener, community, (lin, wang, zhang) = _club(data, MEMBER_NAMES[:3])
    activity_id = _activity(data, community, convener)

    # The convener puts the board on the room's screen.
    board = new_context().new_page()
    log_in(board, convener)
    board.goto(_url(community, activity_id, "/board"))
    expect(board.locator("#board .qr svg")).to_be_visible()
    box = board.locator("#board .qr svg").bounding_box()
    assert box is not None and box["width"] >= 200 and abs(box["width"] - box["height"]) < 2, box
    count = board.locator("#attendees .board-count")
    expect(count).to_have_text("0")
    expect(board.locator("#attendees .board-names li")).to_have_count(0)
    board.evaluate("window.__sameDocument = true")

    # The link behind the QR code, as the board shows it.
    board.locator("#board details summary").click()
    link_field = board.locator("#board details input[readonly]")
    expect(link_field).to_be_visible()
    first_link = link = link_field.input_value()
    first_step = int(board.locator("#board-code .qr").get_attribute("data-step") or "0")
    parts = urlsplit(link)
    assert link.startswith(live_server + "/"), link
    assert parts.path == _url(community, activity_id, "/sign-in"), link
    assert parse_qs(parts.query).get("t"), link

    # The code changes by itself, in place: a new QR code and link, the link still open for copying.
    expect(link_field).not_to_have_value(first_link, timeout=LIVE_WAIT)
    expect(link_field).to_be_visible()
    assert int(board.locator("#board-code .qr").get_attribute("data-step") or "0") > first_step
    assert board.evaluate("window.__sameDocument") is True

    def scan() -> str:
        """The link of the code on the board right now, as a phone's camera reads it."""
        return link_field.input_value()

    # 林志明's phone, logged in, in Traditional Chinese: one big button with his name.
    phone = _phone(new_context).new_page()
    phone.goto("/login")
    _log_in_form(phone, lin)
    expect(phone).to_have_url(re.compile(r"/$"))
    link = scan()
    phone.goto(link)
    assert phone.evaluate("document.documentElement.lang").startswith("zh"), "the phone's page is not in Chinese"
    card = phone.locator("#sign-in")
    expect(card.locator("h1")).to_have_text("五年級數學共同備課")
    button = card.locator("form button[type=submit]")
    expect(button).to_be_visible()
    expect(button).to_contain_text("林志明")
    button_box = button.bounding_box()
    assert button_box is not None and button_box["height"] >= 44, button_box  # a comfortable target for a thumb
    fits(phone, "the sign-in page on a phone")
    with phone.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/sign-in")) as answer:
        button.tap()
    assert answer.value.status == 200
    done = phone.locator("#sign-in .sign-in-done")
    expect(done).to_be_visible()
    expect(done).to_have_attribute("role", "status")
    expect(phone.locator("#sign-in form")).to_have_count(0)
    fits(phone, "the confirmation on a phone")
    assert _status_of(data, activity_id, lin) == ("present", "qr")
    phone.screenshot(path=str(folder / "activity-sign-in-phone.png"), full_page=False)

    # The board shows him within seconds, without reloading.
    expect(board.locator(f"#attendees #came-{lin['id']}")).to_contain_text("林志明", timeout=LIVE_WAIT)
    expect(count).to_have_text("1")
    expect(board.locator("#attendees")).to_have_count(1)  # swapped in place, still polling once
    assert board.evaluate("window.__sameDocument") is True

    # Scanning again changes nothing: the phone says he is signed in already.
    phone.goto(scan())
    expect(phone.locator("#sign-in .sign-in-done")).to_be_visible()
    expect(phone.locator("#sign-in form")).to_have_count(0)

    # 王美玲 is logged out: the link goes through the login page, which says what it is for, and back to the
    # sign-in page; the moment of her scan goes with her, so a login longer than the code's grace still counts.
    phone_b = _phone(new_context).new_page()
    link = scan()
    phone_b.goto(link)
    expect(phone_b).to_have_url(re.compile(r"/login\?next="))
    expect(phone_b.locator("#login .login-purpose")).to_have_text(
        "登入後即可簽到「五年級數學共同備課」（數學領域共同備課社群）。")
    nxt = urlsplit(parse_qs(urlsplit(phone_b.url).query)["next"][0])
    assert nxt.path == parts.path and parse_qs(nxt.query)["t"] == parse_qs(urlsplit(link).query)["t"], nxt
    assert parse_qs(nxt.query).get("r"), nxt  # the scan receipt
    fits(phone_b, "the login page on a phone")
    _log_in_form(phone_b, wang)
    expect(phone_b).to_have_url(re.compile(re.escape(parts.path) + r"\?t="))
    button_b = phone_b.locator("#sign-in form button[type=submit]")
    expect(button_b).to_contain_text("王美玲")
    button_b.tap()
    expect(phone_b.locator("#sign-in .sign-in-done")).to_be_visible()
    assert _status_of(data, activity_id, wang) == ("present", "qr")

    expect(board.locator(f"#attendees #came-{wang['id']}")).to_contain_text("王美玲", timeout=LIVE_WAIT)
    expect(count).to_have_text("2")
    expect(board.locator("#attendees .board-names li")).to_have_count(2)
    expect(board.locator("#attendees .board-names li").first).to_contain_text("林志明")  # in order of arrival
    assert board.evaluate("window.__sameDocument") is True
    expect(board).to_have_url(re.compile(r"/board$"))

    # A photo of the first code, sent to a chat: once the board has moved on past that code's grace, it is
    # refused with a message to scan the screen again (no error page), and the code on the screen works.
    past_grace = first_step + grace // period + 2
    # A function, not an expression: the page's CSP forbids the eval() Playwright would need for a string.
    board.wait_for_function(
        "(least) => { const qr = document.querySelector('#board-code .qr');"
        " return qr !== null && Number(qr.dataset.step) >= least; }",
        arg=past_grace, timeout=(grace + 3 * period) * 1000 + LIVE_WAIT)
    phone_c = _phone(new_context).new_page()
    phone_c.goto("/login")
    _log_in_form(phone_c, zhang)
    expect(phone_c).to_have_url(re.compile(r"/$"))
    with phone_c.expect_response(lambda r: "/sign-in?" in r.url) as stale:
        phone_c.goto(first_link)
    assert stale.value.status == 422
    problem = phone_c.locator("#sign-in .form-errors")
    expect(problem).to_have_text("這個簽到碼已過期：螢幕上的簽到碼每隔幾秒就會更換。請重新掃描螢幕上的 QR Code。")
    expect(problem).to_have_attribute("role", "alert")
    expect(phone_c.locator("#sign-in form")).to_have_count(0)
    fits(phone_c, "an expired code on a phone")
    assert _status_of(data, activity_id, zhang) is None
    phone_c.goto(scan())
    phone_c.locator("#sign-in form button[type=submit]").tap()
    expect(phone_c.locator("#sign-in .sign-in-done")).to_be_visible()
    assert _status_of(data, activity_id, zhang) == ("present", "qr")
    expect(board.locator(f"#attendees #came-{zhang['id']}")).to_contain_text("張家豪", timeout=LIVE_WAIT)

    board.mouse.move(0, 0)
    board.screenshot(path=str(folder / "activity-board.png"), full_page=True)
    for name in ("activity-board.png", "activity-sign-in-phone.png"):
        assert (folder / name).stat().st_size > 5000, name
    no_problems(console, expected=(422,))  # the expired code's page


# --- the paper sign-in sheet ---------------------------------------------------------------------


def test_the_printable_sheet_lists_every_member_and_prints_to_pdf(new_context, data, console: ConsoleLog,
                                                                  tmp_path: Path) -> None:
    convener, community, _members = _club(data, MEMBER_NAMES)
    activity_id = _activity(data, community, convener, title="校外專家講座：素養導向評量", days_ahead=3)
    context = new_context(locale="zh-TW", viewport=A4)
    page = context.new_page()
    page.goto("/login")
    _log_in_form(page, convener)
    expect(page).to_have_url(re.compile(r"/$"))

    # From the activity page (the link is not boosted: the sheet is a page of its own).
    page.goto(_url(community, activity_id))
    page.locator(f"a[href='{_url(community, activity_id, '/sheet')}']").click()
    expect(page).to_have_url(re.compile(r"/sheet$"))
    expect(page.locator("body.sheet")).to_be_visible()
    expect(page.locator("body.sheet header")).to_contain_text("數學領域共同備課社群")
    expect(page.locator("body.sheet header")).to_contain_text("校外專家講座：素養導向評量")

    table = page.locator("body.sheet table")
    names = table.locator("tbody tr td:nth-child(2)")
    listed = [text.strip() for text in names.all_inner_texts() if text.strip()]
    assert sorted(listed) == sorted([*MEMBER_NAMES, "陳怡君"]), listed
    expect(table.locator("thead th.signature")).to_have_count(1)
    expect(table.locator("tbody td.signature")).to_have_count(len(MEMBER_NAMES) + 1 + 3)  # 3 blank rows
    signature = table.locator("tbody td.signature").first.bounding_box()
    assert signature is not None and signature["width"] >= 150 and signature["height"] >= 30, signature
    fits(page, "the sheet at A4 width")
    page.screenshot(path=str(tmp_path / "sheet.png"), full_page=True)  # for a look, not for the docs
    page.emulate_media(media="print")
    fits(page, "the sheet at A4 width, printed")

    pdf = page.pdf(format="A4", print_background=True)
    (tmp_path / "sheet.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF"), pdf[:16]
    assert 5_000 < len(pdf) < 5_000_000, len(pdf)
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1, "seven names fit on one page"
    # QA: on paper the table's right border was cut off at the page margin (a collapsed border lies half outside).
    assert _vertical_lines(tmp_path / "sheet.pdf") == 5, "number, name, signature, note: five lines, the right one too"
    no_problems(console)


def _vertical_lines(pdf: Path) -> int:
    """How many vertical lines cross the first table row of the PDF's first page (rendered by poppler at 100 dpi)."""
    import subprocess

    from PIL import Image

    subprocess.run(["pdftoppm", "-png", "-r", "100", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(pdf.with_suffix(""))], check=True)
    with Image.open(pdf.with_suffix(".png")) as opened:
        image = opened.convert("L")
    width, height = image.size
    rule = next(y for y in range(height) if sum(image.getpixel((x, y)) < 120 for x in range(width)) > width // 2)
    band = range(rule + 4, rule + 24)  # inside the header row, under its top border
    columns = [x for x in range(width) if sum(image.getpixel((x, y)) < 120 for y in band) > 15]
    return sum(1 for index, x in enumerate(columns) if index == 0 or x - columns[index - 1] > 2)


# --- the attendance table by keyboard ------------------------------------------------------------


def test_take_attendance_with_the_keyboard(new_context, data, console: ConsoleLog, tmp_path: Path) -> None:
    convener, community, (lin, wang) = _club(data)
    activity_id = _activity(data, community, convener)
    page = new_context().new_page()
    log_in(page, convener)
    page.goto(_url(community, activity_id, "/attendance"))
    rows = page.locator("table.attendance tbody tr")
    expect(rows).to_have_count(3)  # the convener and both members
    order = [text.strip() for text in rows.locator("th[scope=row]").all_inner_texts()]
    assert sorted(order) == sorted(["陳怡君", "林志明", "王美玲"]), order
    people = {"陳怡君": convener, "林志明": lin, "王美玲": wang}
    first, second = people[order[0]], people[order[1]]

    def radio(user: dict[str, Any], value: str) -> Any:
        return page.locator(f"input[type=radio][name='status-{user['id']}'][value='{value}']")

    expect(radio(first, "")).to_be_checked()  # nobody is marked yet
    for user in people.values():
        expect(radio(user, "present")).to_have_accessible_name(re.compile(re.escape(user["name"]) + r": Present"))

    # The first radio of the table: arrow keys move the choice within the row.
    page.locator("table.attendance input[type=radio]").first.focus()
    expect(radio(first, "present")).to_be_focused()
    page.keyboard.press("ArrowRight")
    expect(radio(first, "late")).to_be_checked()
    page.keyboard.press("ArrowRight")
    expect(radio(first, "left_early")).to_be_checked()
    page.keyboard.press("ArrowLeft")
    expect(radio(first, "late")).to_be_checked()
    expect(radio(first, "late")).to_be_focused()

    # Tab goes to the next row (one stop per row, on its choice); Left from "not marked" is "absent".
    page.keyboard.press("Tab")
    expect(radio(second, "")).to_be_focused()
    page.keyboard.press("ArrowLeft")
    expect(radio(second, "absent")).to_be_checked()

    # Tab on to the save button (past the third row) and press Enter.
    save = page.locator("form.attendance-form button[type=submit]")
    for _press in range(2):
        page.keyboard.press("Tab")
    expect(save).to_be_focused()
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/attendance")) as answer:
        page.keyboard.press("Enter")
    assert answer.value.status in (200, 302, 303), answer.value.status
    expect(page.locator("#flashes")).to_contain_text("Attendance saved (2 changed)")
    expect(page).to_have_url(re.compile(r"/attendance$"))
    expect(radio(first, "late")).to_be_checked()
    expect(radio(second, "absent")).to_be_checked()
    expect(radio(people[order[2]], "")).to_be_checked()
    page.screenshot(path=str(tmp_path / "attendance.png"), full_page=True)
    assert _status_of(data, activity_id, first) == ("late", "convener")
    assert _status_of(data, activity_id, second) == ("absent", "convener")
    assert _status_of(data, activity_id, people[order[2]]) is None

    # A reload shows the saved table, not a leftover of the form.
    page.reload()
    expect(radio(first, "late")).to_be_checked()
    expect(radio(second, "absent")).to_be_checked()
    no_problems(console)


# --- the list and the calendar on a phone --------------------------------------------------------


def test_the_activity_list_and_the_month_calendar_fit_a_phone(new_context, data, console: ConsoleLog,
                                                               tmp_path: Path) -> None:
    convener, community, (lin, _wang) = _club(data)
    long_title = "跨校公開授課與議課：" + "素養導向的分數教學設計" * 4
    _activity(data, community, convener, title="五年級數學共同備課")
    _activity(data, community, convener, title=long_title, days_ahead=1, place="光華國小自然教室（三樓）")
    _activity(data, community, convener, title="Lesson-study-with-a-very-long-unbroken-English-title-" * 2,
              days_ahead=2)
    page = _phone(new_context).new_page()
    page.goto("/login")
    _log_in_form(page, lin)
    expect(page).to_have_url(re.compile(r"/$"))

    page.goto(_url(community))
    expect(page.locator("#activities .activity-row")).to_have_count(3)
    expect(page.locator("#activities .activity-row", has_text="跨校公開授課與議課")).to_be_visible()
    fits(page, "the activity list on a phone")
    page.screenshot(path=str(tmp_path / "list-phone.png"), full_page=True)

    page.goto(_url(community, tail="calendar"))
    calendar = page.locator("table.month")
    expect(calendar).to_be_visible()
    expect(calendar.locator("tbody tr").first.locator("td")).to_have_count(7)
    expect(calendar.locator("a.month-activity").first).to_be_visible()
    fits(page, "the month calendar on a phone")
    page.screenshot(path=str(tmp_path / "calendar-phone.png"), full_page=True)
    # The calendar itself may scroll inside its own box, but its cells stay on the screen's width.
    table_box = calendar.bounding_box()
    assert table_box is not None and table_box["x"] >= 0, table_box

    # Next month and back, by the calendar's own buttons.
    page.locator(".page-head nav a").nth(2).click()
    expect(page).to_have_url(re.compile(r"/calendar\?month=\d{4}-\d{2}$"))
    fits(page, "the next month on a phone")
    no_problems(console)


def test_the_activity_list_fits_320_px_in_english(new_context, data, console: ConsoleLog) -> None:
    """QA 11: at 320 px (the reflow width, 1280 px at 400 %) the English method badge "Teaching observation and
    feedback" did not wrap and pushed the row 14 px past the edge."""
    convener, community, (lin, _wang) = _club(data)
    _activity(data, community, convener, title="Observation of a fractions lesson", method="observation_feedback",
              days_ahead=1)
    page = new_context(locale="en-US", viewport={"width": 320, "height": 640}).new_page()
    page.goto("/login")
    _log_in_form(page, lin)
    expect(page).to_have_url(re.compile(r"/$"))
    page.goto(_url(community))
    badge = page.locator("#activities .activity-row .badge", has_text="Teaching observation and feedback")
    expect(badge).to_be_visible()
    fits(page, "the activity list at 320 px in English")
    no_problems(console)


# --- text typed and not sent is kept in the browser ------------------------------------------------


def test_minutes_typed_when_the_login_ended_are_offered_back_after_logging_in(new_context, data,
                                                                              console: ConsoleLog) -> None:
    """QA 12 #6: 陳怡君 writes the minutes and her login ends meanwhile. Save sends her to the login page; once logged
    in again she is back on the minutes form, which offers her text; saved, the kept text is gone."""
    convener, community, _members = _club(data)
    activity_id = _activity(data, community, convener)
    context = new_context()
    page = context.new_page()
    log_in(page, convener)
    minutes_url = f"/c/{community['slug']}/activities/{activity_id}/minutes"
    page.goto(minutes_url)
    mine = "## 決議\n\n過期會議記錄 EXPIRE-MIN：下次觀課改在星期三。"
    page.get_by_label("Minutes").fill(mine)
    page.get_by_label("Outcomes").fill("共同教案第二版")
    context.clear_cookies()
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Save the minutes").click()

    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("Email").fill(convener["email"])
    page.get_by_label("Password").fill(convener["password"])
    page.locator("#login").get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(rf"/activities/{activity_id}/minutes$"))
    offer = page.locator("[data-draft-offer]")
    expect(offer).to_be_visible()
    offer.get_by_role("button", name="Bring it back").click()
    expect(page.get_by_label("Minutes")).to_have_value(mine)
    expect(page.get_by_label("Outcomes")).to_have_value("共同教案第二版")
    page.get_by_role("button", name="Save the minutes").click()
    expect(page).to_have_url(re.compile(rf"/activities/{activity_id}$"))
    expect(page.locator("main")).to_contain_text("EXPIRE-MIN")
    assert page.evaluate(f"localStorage.getItem('draft:{convener['id']}:minutes:{activity_id}')") is None
    page.goto(minutes_url)
    expect(page.locator("[data-draft-offer]")).to_be_hidden()
    no_problems(console, expected=(401,))


def test_a_new_activity_and_a_written_resource_left_unsent_are_offered_again_and_forgotten_once_saved(
        page: Page, data, console: ConsoleLog) -> None:
    """The new-activity form (title, agenda) is sent by htmx; the resource form by the browser itself
    (hx-boost="false"): both keep what was typed until the server has it, and forget it once saved."""
    convener, community, _members = _club(data)
    log_in(page, convener)
    page.on("dialog", lambda dialog: dialog.accept())
    new_activity = f"/c/{community['slug']}/activities/new"
    page.goto(new_activity)
    page.get_by_label("Title").fill("分數教學共備 DRAFT-ACT")
    page.get_by_label("Agenda").fill("- 暖身\n- 分數條示範")
    page.goto("about:blank")
    page.goto(new_activity)
    offer = page.locator("[data-draft-offer]")
    expect(offer).to_be_visible()
    offer.get_by_role("button", name="Bring it back").click()
    expect(page.get_by_label("Agenda")).to_have_value("- 暖身\n- 分數條示範")
    page.get_by_label("Method").select_option("collaborative_planning")
    page.get_by_label("Starts").fill("2037-12-02T14:00")
    page.get_by_label("Ends").fill("2037-12-02T16:00")
    page.get_by_role("button", name="Plan", exact=True).click()
    expect(page).to_have_url(re.compile(r"/activities/\d+$"))
    page.goto(new_activity)
    expect(page.locator("[data-draft-offer]")).to_be_hidden()

    new_resource = f"/c/{community['slug']}/resources/new"
    page.goto(new_resource)
    page.get_by_label("A text written here").check()
    page.get_by_label("Title").fill("分數教案 DRAFT-RES")
    page.get_by_label("Text", exact=True).fill("# 分數\n\n先用分數條。")
    page.goto("about:blank")
    page.goto(new_resource)
    offer = page.locator("[data-draft-offer]")
    expect(offer).to_be_visible()
    offer.get_by_role("button", name="Bring it back").click()
    page.get_by_label("A text written here").check()
    expect(page.get_by_label("Text", exact=True)).to_have_value("# 分數\n\n先用分數條。")
    page.get_by_label("Kind").select_option("lesson_plan")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page).to_have_url(re.compile(r"/resources/\d+$"))
    # The saved page forgets the draft once it has loaded (drafts.js settleSent): the address changes first, so the
    # check waits for it (it failed once in a full run, read in between).
    page.wait_for_function(
        f"localStorage.getItem('draft:{convener['id']}:resource:new-{community['id']}') === null", timeout=10000)
    page.goto(new_resource)
    expect(page.locator("[data-draft-offer]")).to_be_hidden()
    no_problems(console)


def test_evidence_uploaded_with_the_keyboard_keeps_the_focus_on_upload(new_context, data,
                                                                        console: ConsoleLog) -> None:
    """QA13: Enter on Upload dropped the focus to <body> (the button was disabled while it had the focus); the next
    Tab went to "Link a resource". It stays on Upload while the photo goes up and after the gallery refreshes."""
    from tests.e2e.test_resources import _held_uploads, _wait_for
    from tests.media import png_bytes

    convener, community, _members = _club(data)
    activity_id = _activity(data, community, convener)
    page = new_context().new_page()
    log_in(page, convener)
    page.goto(_url(community, activity_id))
    held = _held_uploads(page, f"/activities/{activity_id}/evidence")
    page.locator("#evidence-files").set_input_files(
        files=[{"name": "合照.png", "mimeType": "image/png", "buffer": png_bytes(320, 200, (46, 125, 50))}])
    upload = page.locator("form.evidence-form").get_by_role("button", name="Upload")
    upload.focus()
    page.keyboard.press("Enter")
    _wait_for(page, held, 1)
    expect(upload).to_be_focused()
    expect(page.locator("#evidence .upload-row").get_by_role("progressbar")).to_have_accessible_name("合照.png")
    held[0].continue_()
    expect(page.locator("#evidence-gallery img")).to_have_count(1)  # the gallery swapped in after the upload
    expect(upload).to_be_focused()
    expect(upload).not_to_have_attribute("aria-disabled", re.compile(".*"))
    no_problems(console)
