"""Small visual details in a real browser, where layout is the point: the charts' labels stay inside their
charts and clear of the bars, the Link button under "What it produced" is a button and not a box, a long
Chinese name in the thread list stays on one line, and a refused upload shows no full progress bar.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from playwright.sync_api import expect

from tests.e2e.checks import fits, no_problems
from tests.e2e.conftest import ConsoleLog
from tests.e2e.test_browser import log_in

PHONE = {"width": 375, "height": 812}
LONG_NAME = "歐陽娜娜娜娜娜娜娜娜娜"  # a long Chinese name (more than the author column holds)

# Every <text> of the page's charts that leaves its chart's viewBox, or covers one of the chart's bars.
_CHART_PROBLEMS = """() => {
  const problems = [];
  for (const svg of document.querySelectorAll("svg.chart, svg.bars")) {
    const box = svg.viewBox.baseVal;
    const bars = [...svg.querySelectorAll("rect")].map(rect => rect.getBBox());
    for (const text of svg.querySelectorAll("text")) {
      const b = text.getBBox();
      const name = JSON.stringify(text.textContent) + " in " + (svg.getAttribute("aria-label") || "a chart");
      if (b.x < box.x - 0.5 || b.y < box.y - 0.5 || b.x + b.width > box.x + box.width + 0.5 ||
          b.y + b.height > box.y + box.height + 0.5) {
        problems.push(name + " is cut off: " + [b.x, b.y, b.width, b.height].map(Math.round) +
                      " outside " + [box.x, box.y, box.width, box.height]);
      }
      for (const bar of bars) {
        const overlap = Math.min(b.x + b.width, bar.x + bar.width) - Math.max(b.x, bar.x) > 0.5 &&
                        Math.min(b.y + b.height, bar.y + bar.height) - Math.max(b.y, bar.y) > 0.5;
        if (overlap && bar.width > 0 && bar.height > 0) { problems.push(name + " covers a bar"); break; }
      }
    }
  }
  return problems;
}"""


# Each person's name in the thread list: [name, how many lines it takes, the title of its element].
_NAMES_ON_SCREEN = """(names) => {
  const found = [];
  for (const row of document.querySelectorAll(".thread-row")) {
    const walker = document.createTreeWalker(row, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const node = walker.currentNode;
      for (const name of names) {
        for (let at = node.data.indexOf(name); at >= 0; at = node.data.indexOf(name, at + 1)) {
          const range = document.createRange();
          range.setStart(node, at);
          range.setEnd(node, at + name.length);
          const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
          found.push([name, tops.size, node.parentElement.title || ""]);
        }
      }
    }
  }
  return found;
}"""


# --- data through the app's services -------------------------------------------------------------


def _held(data: Any, community: dict[str, Any], convener: dict[str, Any], members: list[dict[str, Any]], *,
          title: str, method: str, days_ago: int, hours: float = 2, scores: tuple[int, ...] = ()) -> int:
    """An activity held `days_ago` days ago that every member attended; members give `scores` as feedback."""
    from workspace.activities import services
    from workspace.auth.models import User
    from workspace.communities.models import Community
    from workspace.extensions import db

    def work() -> int:
        now = services.to_local(services.utcnow()).replace(tzinfo=None, second=0, microsecond=0)
        starts = now - dt.timedelta(days=days_ago)
        fields = services.ActivityFields(title=title, method=method, starts_at=starts,
                                         ends_at=starts + dt.timedelta(hours=hours), place="自然教室")
        actor = db.session.get(User, convener["id"])
        activity = services.create_activity(db.session.get(Community, community["id"]), fields, actor=actor)
        services.set_attendance(activity, {member["id"]: "present" for member in members}, actor=actor)
        for member, score in zip(members, scores, strict=False):
            services.give_feedback(activity, score, "很實用", actor=db.session.get(User, member["id"]))
        return activity.id

    return data._run(work)


def _community(data: Any, *, locale: str | None = None, names: tuple[str, ...] = ("林志明", "王美玲", "張家豪")
               ) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    convener = data.user(name="陳怡君", locale=locale)
    community = data.community(convener, name="數學領域共同備課社群")
    members = [data.user(name=name, locale=locale) for name in names]
    for member in members:
        data.member(community, member)
    return convener, community, members


# --- charts --------------------------------------------------------------------------------------


def test_chart_labels_stay_inside_their_charts_and_clear_of_the_bars(new_context, data, console: ConsoleLog) -> None:
    for locale in ("en", "zh_Hant"):
        convener, community, members = _community(data, locale=locale)
        # Long English method names, many hours on one method (a long value label at the bar's end), a
        # feedback score everybody chose (the tallest bar, with its count above it).
        for days_ago, method in enumerate(("observation_feedback", "materials_development",
                                           "collaborative_planning", "observation_feedback",
                                           "observation_feedback"), start=2):
            last = _held(data, community, convener, members, title=f"第 {days_ago} 次觀課", method=method,
                         days_ago=days_ago, hours=23.5, scores=(5, 5, 4))
        page = new_context().new_page()
        log_in(page, convener)
        page.goto(f"/c/{community['slug']}/activities/participation")
        expect(page.locator("svg.chart")).to_have_count(2)
        # QA: on a wide screen the tables fit, and their boxes were stops for the keyboard that scrolled nothing:
        # a box takes the focus only while it scrolls.
        boxes = page.locator(".scroll-x[role=region]")
        fitting = [box.evaluate("node => node.scrollWidth <= node.clientWidth + 1") for box in boxes.all()]
        assert fitting and any(fitting), (locale, fitting)
        for box, fits_whole in zip(boxes.all(), fitting, strict=True):
            assert (box.get_attribute("tabindex") is None) == fits_whole, (locale, fitting)
        problems = page.evaluate(_CHART_PROBLEMS)
        assert not problems, (locale, problems)
        page.goto(f"/c/{community['slug']}/activities/{last}")
        expect(page.locator("#feedback-summary svg.bars")).to_be_visible()
        problems = page.evaluate(_CHART_PROBLEMS)
        assert not problems, (locale, problems)
        # The same on a phone, where the charts are drawn smaller.
        phone = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
        log_in(phone, convener)
        phone.goto(f"/c/{community['slug']}/activities/participation")
        assert phone.evaluate(_CHART_PROBLEMS) == [], locale
        fits(phone, "participation on a phone")
        # QA: the labels were 10 units, drawn about 9 px on a phone: now at least 11 px as drawn.
        drawn = phone.evaluate("""() => [...document.querySelectorAll('svg.chart .tick')].map(text => {
            const svg = text.ownerSVGElement;
            return parseFloat(getComputedStyle(text).fontSize) * svg.getBoundingClientRect().width
                   / svg.viewBox.baseVal.width; })""")
        assert drawn and min(drawn) >= 11, (locale, min(drawn))
        # A member's name and their hours are not broken across lines in the members' table.
        for cell in phone.locator(".participation-members th[scope=row], .participation-members td.hours").all():
            box = cell.evaluate("node => { const r = document.createRange(); r.selectNodeContents(node); "
                                "return r.getClientRects().length; }")
            assert box == 1, (locale, cell.inner_text())
        # axe QA: a table that scrolls sideways there takes the focus in its box, named by its heading, so a keyboard
        # reaches the last columns (the members' table has nothing else to focus); one that fits does not.
        scrolling = 0
        for region in phone.locator(".scroll-x").all():
            assert region.get_attribute("role") == "region"
            assert phone.locator("#" + (region.get_attribute("aria-labelledby") or "-")).count() == 1
            scrolls = region.evaluate("node => node.scrollWidth > node.clientWidth + 1")
            assert (region.get_attribute("tabindex") == "0") == scrolls, locale
            scrolling += scrolls
        assert scrolling, locale  # the activities' table at least is wider than a phone
        members = phone.locator(".scroll-x", has=phone.locator(".participation-members"))
        members.focus()
        members.press("ArrowRight")
        # the keys scroll it (smoothly: waited for)
        phone.wait_for_function("node => node.scrollWidth <= node.clientWidth || node.scrollLeft > 0",
                                arg=members.element_handle(), timeout=3000)
    no_problems(console)


def test_the_participation_activities_give_the_title_the_width_and_write_dates_as_the_other_pages(
        new_context, data, console: ConsoleLog) -> None:
    """QA10: on a phone the activities' table squeezed the title to two characters a line (同步/課堂/研討/...) while
    the date had room, and wrote its dates 2026/12/5 where every other page of the Traditional Chinese interface
    writes 2026年12月5日 (the chart's axis too)."""
    convener, community, members = _community(data, locale="zh_Hant")
    title = "同步課堂研討：分數的初步認識"
    # 2 小時 20 分鐘: the hours by method once ran past the chart's right edge on a phone (QA10, its last character cut)
    _held(data, community, convener, members, title=title, method="observation_feedback", days_ago=3, hours=7 / 3)
    phone = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    log_in(phone, convener)
    phone.goto(f"/c/{community['slug']}/activities/participation")
    row = phone.locator("[aria-labelledby=participation-activities-title] tbody tr").first
    date, name = row.locator("td").nth(0), row.locator("td").nth(1)
    expect(name).to_have_text(title)
    lines = """node => { const r = document.createRange(); r.selectNodeContents(node);
        return new Set([...r.getClientRects()].filter(b => b.width > 0).map(b => Math.round(b.top))).size; }"""
    assert date.evaluate(lines) == 1, date.inner_text()
    assert name.evaluate(lines) <= 2, name.bounding_box()  # 14 characters: at most two lines, not eight
    same_day = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日$")
    expect(date).to_have_text(same_day)
    for tick in phone.locator("svg.chart").first.locator("text.tick").all()[-2:]:  # the axis's first and last day
        assert same_day.match(tick.text_content() or ""), tick.text_content()
    assert phone.evaluate(_CHART_PROBLEMS) == []
    fits(phone, "participation on a phone")
    no_problems(console)


def test_the_month_calendar_lists_its_activities_whole_on_a_phone(new_context, data, console: ConsoleLog) -> None:
    """QA: on a phone a day's column is a finger wide and a title showed its first three characters; the month's
    activities are listed under the grid there, each whole with its day and time (and not on a wide screen)."""
    convener, community, members = _community(data, locale="zh_Hans")
    title = "网络教研：送教下乡回顾与下学期的同步课堂安排"
    _held(data, community, convener, members, title=title, method="collaborative_planning", days_ago=0, hours=1)
    phone = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    log_in(phone, convener)
    phone.goto(f"/c/{community['slug']}/activities/calendar")
    agenda = phone.locator(".month-agenda")
    expect(agenda).to_be_visible()
    expect(agenda.get_by_role("link", name=title)).to_be_visible()
    fits(phone, "the month calendar on a phone")
    wide = new_context().new_page()
    log_in(wide, convener)
    wide.goto(f"/c/{community['slug']}/activities/calendar")
    expect(wide.locator(".month-agenda")).to_be_hidden()
    no_problems(console)


# --- the Link button under "What it produced" -----------------------------------------------------


def test_the_link_button_under_what_it_produced_is_a_plain_button(new_context, data, console: ConsoleLog) -> None:
    convener, community, members = _community(data)
    data.text_resource(community, convener, title="分數條教具說明：" + "對折再對折" * 6, body="把紙條對折。")
    activity = _held(data, community, convener, members, title="教具製作", method="materials_development",
                     days_ago=1)
    for viewport in ({"width": 1280, "height": 860}, PHONE):
        page = new_context(viewport=viewport).new_page()
        log_in(page, convener)
        page.goto(f"/c/{community['slug']}/activities/{activity}")
        page.locator("#produced summary").click()  # the picker loads its choices when opened
        button = page.locator("#produced form").get_by_role("button", name="Link", exact=True)
        select = page.locator("#produced select[name=resource_id]")
        expect(button).to_be_visible()
        expect(select.locator("option", has_text="分數條教具說明")).to_have_count(1)
        box, chooser = button.bounding_box(), select.bounding_box()
        assert box is not None and chooser is not None
        assert box["height"] <= 48, box  # one line of text, not stretched to the label's height
        assert box["width"] <= 160, box  # as wide as its word, not half the card
        assert box["y"] + box["height"] <= chooser["y"] + chooser["height"] + 8 or box["y"] >= chooser["y"], (
            box, chooser)
        fits(page, f"the activity page at {viewport['width']} px")
    button.click()  # and it still links
    expect(page.locator("#produced .plain-list a", has_text="分數條教具說明")).to_be_visible()
    no_problems(console)


# --- names in the thread list ----------------------------------------------------------------------


def test_names_in_the_thread_list_stay_whole_on_one_line(new_context, data, console: ConsoleLog) -> None:
    """The author under the title and the last poster beside the time: never broken mid-name (王美 / 玲)."""
    convener, community, (author, replier) = _community(data, names=(LONG_NAME, "王美玲"), locale="zh_Hant")
    from workspace.auth.models import User
    from workspace.communities.models import Community
    from workspace.discussions import services
    from workspace.extensions import db

    def start_threads() -> None:
        board = db.session.get(Community, community["id"])
        for category in services.categories_of(board):
            if category.managers_only:
                continue
            thread = services.create_thread(board, category=category, title="分數的教學順序：先通分還是先約分？",
                                            body="想聽聽大家的做法。", actor=db.session.get(User, author["id"]))
            services.reply(thread, "我先用圖示。", actor=db.session.get(User, replier["id"]))
            services.reply(thread, "我也是。", actor=db.session.get(User, author["id"]))
            services.set_locked(thread, True, actor=db.session.get(User, convener["id"]))

    data._run(start_threads)
    for viewport in (PHONE, {"width": 800, "height": 860}, {"width": 1280, "height": 860}):
        page = new_context(viewport=viewport).new_page()
        log_in(page, convener)
        page.goto(f"/c/{community['slug']}/discussions/")
        expect(page.locator(".thread-row").first).to_be_visible()
        shown = page.evaluate(_NAMES_ON_SCREEN, [LONG_NAME, "王美玲"])
        assert len(shown) >= 6, shown  # each thread: its author and its last poster
        broken = [(name, lines) for name, lines, _title in shown if lines != 1]
        assert not broken, (viewport, broken)  # never 王美 / 玲
        assert all(title == name for name, _lines, title in shown), shown  # a shortened name shows whole on hover
        fits(page, f"the thread list at {viewport['width']} px")
    no_problems(console)


# --- a refused upload ----------------------------------------------------------------------------


def test_a_refused_upload_shows_no_full_progress_bar_and_says_why_in_the_users_language(
        new_context, data, console: ConsoleLog) -> None:
    for locale, refused in (("en", re.compile(r"^Not added: The file is empty")),
                            ("zh_Hant", re.compile(r"^未新增：檔案是空的"))):
        convener, community, _members = _community(data, locale=locale)
        page = new_context().new_page()
        log_in(page, convener)
        page.goto(f"/c/{community['slug']}/resources/new")
        form = page.locator("form[data-upload]")
        page.set_input_files("#files", [
            {"name": "空白.txt", "mimeType": "text/plain", "buffer": b""},
            {"name": "教案.txt", "mimeType": "text/plain", "buffer": "分數的加減".encode()}])
        form.locator("select[name=kind]").select_option("lesson_plan")
        form.locator("button[type=submit]").last.click()
        rows = form.locator("[data-upload-list] .upload-row")
        expect(rows).to_have_count(2)
        expect(rows.nth(1).locator(".upload-status a")).to_be_visible()  # the good file went in
        failed = rows.nth(0)
        expect(failed).to_have_class(re.compile(r"\bhas-error\b"))
        expect(failed.locator(".upload-status")).to_have_text(refused)
        expect(failed.locator("progress")).to_have_count(0)  # no bar that says "all sent" beside the refusal
        expect(rows.nth(1).locator("progress")).to_have_attribute("value", "100")
    no_problems(console, expected=(422,))
