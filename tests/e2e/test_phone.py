"""Every page of the app on a 375-px phone, in 繁體中文, 简体中文 and English, as a visitor, a convener and an admin.

The pages come from the app's own url_map: each GET route is filled from a world built for the test
(tests/e2e/world.py) and visited when it answers a full page, so a new page is swept without anyone
adding it here. On each page:

- nothing makes the page scroll sideways (`document.documentElement.scrollWidth <= window.innerWidth`);
- nothing is cut off inside a box that scrolls sideways, unless the box is a deliberate scroll region
  (`.scroll-x`, which shows that it scrolls);
- every text box, select and date or time input is at least 44 px tall, a finger's tap target, and so is a link
  that is a table row's only way in, an export download, a post's number, a resource's tag, a rubric level and the
  link up to a page's list;
- each cell of a stacked table says its column (its data-label), a row heading has no stray border under its words,
  fields set in a row (.row-fields) stand one under the other, and a date is never broken across two lines.

A failure names the page and the innermost elements that stick out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask, url_for
from playwright.sync_api import Page, expect

from tests.e2e.checks import no_problems
from tests.e2e.conftest import ConsoleLog, Data
from tests.e2e.world import World, build_world

PHONE = {"width": 375, "height": 812}
# Pages in their owner's language whoever reads them (the handbook's print reads as its Word file does).
IN_THEIR_WRITER_S_LANGUAGE = {"mentoring.handbook_print"}
LOCALES = {"zh_Hant": "zh-TW", "zh_Hans": "zh-CN", "en": "en-US"}
VIEWERS = ("visitor", "convener", "admin")

# GET routes that answer something other than a page, and why. Any other GET route must answer a full page to
# someone in the sweep; one that does not (a new fragment, a file, an error) fails the sweep until it is listed.
NOT_PAGES = {
    "static": "the stylesheet, scripts and images",
    "core.health": "the health check for the load balancer",
    "core.ready": "the readiness check (JSON: the database and the job queue)",
    "activities.calendar_feed": "an .ics calendar feed",
    "activities.board_attendees": "the sign-in board's live list (a polled fragment)",
    "activities.board_code": "the sign-in board's rotating code (a polled fragment)",
    "activities.evidence_file": "an evidence photo",
    "activities.evidence_thumbnail": "an evidence thumbnail",
    "discussions.new_posts": "the thread's poll for new posts (a fragment)",
    "discussions.attachment_file": "an attached file",
    "discussions.mention_suggestions": "the @mention picker (a fragment)",
    "plans.editing": "the plan's presence poll (a fragment)",
    "plans.link_choices": "the plan's link picker options, loaded when it is opened (a fragment)",
    "activities.link_choices": "the activity's link picker options, loaded when it is opened (a fragment)",
    "plans.export_docx": "a Word file",
    "resources.download": "a download",
    "resources.inline_file": "a file shown inline",
    "resources.thumbnail": "a thumbnail",
    "resources.tag_suggestions": "the tag picker (a fragment)",
    "communities.suggest_slug": "the web-address suggestion (a fragment)",
    "notifications.bell": "the bell's poll (a fragment)",
    "activities.evidence_gallery": "the evidence gallery, refreshed in the activity page after uploads (a fragment)",
    "compliance.live": "the compliance panel's poll (a fragment)",
    "compliance.receipt": "an expense's receipt",
    "compliance.deliverable_file": "a deliverable's file",
    "mentoring.handbook_export": "a Word file",
    "mentoring.observation_export": "a Word file (the observation record)",
    "mentoring.note_photo": "an observation note's photo",
    "exports.job_file": "a built export (Word)",
    "exports.ledger": "an Excel or CSV file",
    "exports.application": "a Word file",
    "exports.implementation_plan": "a Word file",
    "exports.sign_in_sheets": "a Word file",
    "exports.review_summary": "an Excel file",
    "exports.evidence_pack": "a ZIP file",
    "exports.submission_file": "a frozen file of a submission",
    "exports.default_template": "the shipped Word template",
}

# The innermost elements whose right edge passes `limit`: where a page's sideways scrolling comes from.
_OVERFLOW = """(limit) => {
  const describe = (e) => {
    const r = e.getBoundingClientRect();
    const text = (e.innerText || e.value || "").trim().replace(/\\s+/g, " ").slice(0, 40);
    return e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") +
      (e.classList.length ? "." + [...e.classList].join(".") : "") +
      " (right " + Math.round(right(e)) + "px, width " + Math.round(r.width) + "px)" +
      (text ? " “" + text + "”" : "");
  };
  // Text that overflows its box does not widen the box: count what the box holds (scrollWidth) too.
  const right = (e) => {
    const r = e.getBoundingClientRect();
    return getComputedStyle(e).overflowX === "visible" ? r.left + Math.max(r.width, e.scrollWidth) : r.right;
  };
  const wide = [...document.querySelectorAll("body *")].filter(e => right(e) > limit + 1);
  const innermost = wide.filter(e => !wide.some(other => other !== e && e.contains(other)));
  innermost.sort((a, b) => right(b) - right(a));
  return innermost.slice(0, 4).map(describe);
}"""

# Boxes that scroll sideways, are not a deliberate scroll region (.scroll-x) and hide part of what they hold.
# Form controls and code blocks scroll within themselves by nature.
_CLIPPED = """() => {
  const out = [];
  for (const e of document.querySelectorAll("body *")) {
    if (e.matches("input, select, textarea, pre, pre *, code, .visually-hidden, .visually-hidden *")) continue;
    if (e.closest(".scroll-x")) continue;
    const style = getComputedStyle(e);
    if (!["auto", "scroll", "hidden", "clip"].includes(style.overflowX)) continue;
    // A box of a pixel or less is the visually-hidden pattern (a table head kept for screen readers).
    if (e.scrollWidth <= e.clientWidth + 1 || e.clientWidth <= 1 || e.clientHeight <= 1) continue;
    // Text cut on purpose with an ellipsis is not lost sideways.
    if (style.textOverflow === "ellipsis") continue;
    out.push(e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") +
             (e.classList.length ? "." + [...e.classList].join(".") : "") +
             " (shows " + e.clientWidth + " of " + e.scrollWidth + "px)");
  }
  return out.slice(0, 4);
}"""

# Text boxes, selects and date/time inputs smaller than a fingertip (44 px) on a touch screen.
_SMALL_INPUTS = """() => [...document.querySelectorAll(
    "input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=file]):not([type=range]), select")]
  .filter(e => e.getClientRects().length && getComputedStyle(e).visibility !== "hidden")
  .filter(e => !e.closest(".visually-hidden"))
  .filter(e => e.getBoundingClientRect().height < 43.5)
  .map(e => e.tagName.toLowerCase() + "[type=" + (e.getAttribute("type") || "") + "]" +
            (e.name ? "[name=" + e.name + "]" : "") + " " + Math.round(e.getBoundingClientRect().height) + "px")
  .slice(0, 4)"""


# Tap targets smaller than a fingertip (44 px) where the pointer is one: a table row's only link (the way into a
# pairing, a community), an export download, a post's number, a resource's tag, a rubric level tapped in a lesson,
# the link up to a page's list (Co-planning › a plan).
_SMALL_TARGETS = """() => {
  const onlyLinks = [...document.querySelectorAll(".table tbody tr")]
    .map(row => row.querySelectorAll("a[href]")).filter(links => links.length === 1).map(links => links[0]);
  const named = [...document.querySelectorAll(".export-links a, .post-number, a.tag, .rubric-level, .up-link > a")];
  return [...onlyLinks, ...named]
    .filter(e => e.getClientRects().length && !e.closest(".visually-hidden"))
    .filter(e => e.getBoundingClientRect().height < 43.5)
    .map(e => e.tagName.toLowerCase() + (e.className ? "." + e.className.split(" ").join(".") : "") + " “" +
              e.textContent.trim().slice(0, 20) + "” " + Math.round(e.getBoundingClientRect().height) + "px")
    .slice(0, 4);
}"""

# Stacked tables: a cell that shows no heading beside its value (the heading row is hidden on a phone), unless it
# is a row's buttons (.actions), a labelled chip (.choice), or the one value of a row heading; a row heading
# whose border draws a short line under its words.
_STACKED = """() => {
  const out = [];
  for (const td of document.querySelectorAll(".table tbody td, .table tfoot td")) {
    if (!td.getClientRects().length || td.matches(".actions, .choice") || !td.textContent.trim()) continue;
    const row = td.parentElement;
    if (row.querySelector(":scope > th[scope=row]") && row.querySelectorAll(":scope > td").length === 1) continue;
    if (["none", "normal", '""'].includes(getComputedStyle(td, "::before").content)) {
      out.push("a cell without its heading: “" + td.textContent.trim().slice(0, 30) + "”");
    }
  }
  for (const th of document.querySelectorAll(".table th[scope=row]")) {
    if (!th.getClientRects().length) continue;
    const line = parseFloat(getComputedStyle(th).borderBottomWidth);
    if (line > 0 && th.getBoundingClientRect().width < th.parentElement.getBoundingClientRect().width - 2) {
      out.push("a row heading underlined short: “" + th.textContent.trim().slice(0, 30) + "”");
    }
  }
  return out.slice(0, 4);
}"""

# Fields of a .row-fields side by side (a select 146 px wide cut what was chosen), and dates broken over two lines.
_SQUEEZED = """() => {
  const out = [];
  for (const row of document.querySelectorAll(".row-fields")) {
    const tops = [...row.children].filter(e => e.getClientRects().length)
      .map(e => Math.round(e.getBoundingClientRect().top));
    if (new Set(tops).size < tops.length) {
      out.push("fields side by side in .row-fields: " + row.textContent.trim().slice(0, 30));
    }
  }
  for (const time of document.querySelectorAll("main time, main .nowrap")) {
    if (time.getClientRects().length > 1) out.push("a date broken over two lines: “" + time.textContent.trim() + "”");
  }
  return out.slice(0, 4);
}"""


@pytest.fixture(scope="module")
def world(data: Data) -> World:
    return build_world(data)


def _set_locale(data: Data, person: dict[str, Any], locale: str) -> None:
    from workspace.auth.models import User
    from workspace.extensions import db

    def work() -> None:
        db.session.get(User, person["id"]).locale = locale

    data._run(work)


def _fresh_sign_in_code(data: Data, world: World) -> None:
    """The sign-in page's code as the board shows it now: one made when the world was built is refused (422) once
    its grace is over, and the sweeps of all viewers and languages take longer than that."""
    from workspace.activities import services as activities
    from workspace.activities.models import Activity
    from workspace.extensions import db

    activity_id = world.by_endpoint["activities.sign_in_page"]["activity_id"]
    token = data._run(lambda: activities.sign_in_token(db.session.get(Activity, activity_id)))
    world.queries["activities.sign_in_page"] = "t=" + token


def _paths(app: Flask, world: World) -> Iterator[tuple[str, str]]:
    """(endpoint, path) of every GET route but the listed non-pages, parameters filled from the world."""
    with app.test_request_context():
        for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
            if "GET" not in (rule.methods or ()) or rule.endpoint in NOT_PAGES:
                continue
            own = world.by_endpoint.get(rule.endpoint, {})
            values = {name: own.get(name, world.values.get(name)) for name in rule.arguments}
            unknown = sorted(name for name, value in values.items() if value is None)
            assert not unknown, (f"{rule.rule} ({rule.endpoint}): the sweep's world has no value for {unknown}; "
                                 "add one to tests/e2e/world.py")
            path = url_for(rule.endpoint, **values)
            query = world.queries.get(rule.endpoint)
            yield rule.endpoint, f"{path}?{query}" if query else path


def _log_in(page: Page, person: dict[str, Any]) -> None:
    page.goto("/login")
    page.locator("#email").fill(person["email"])
    page.locator("#password").fill(person["password"])
    page.locator("#login button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/$"))


def _problems_of(page: Page, where: str) -> list[str]:
    width = PHONE["width"]
    scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    problems = []
    if scroll_width > min(inner_width, width):
        problems.append(f"{where}: the page is {scroll_width}px wide on a {width}px screen; sticking out: "
                        f"{page.evaluate(_OVERFLOW, width)}")
    clipped = page.evaluate(_CLIPPED)
    if clipped:
        problems.append(f"{where}: cut off inside a box that scrolls sideways with no sign of it: {clipped}")
    small = page.evaluate(_SMALL_INPUTS)
    if small:
        problems.append(f"{where}: inputs smaller than a 44px tap target: {small}")
    targets = page.evaluate(_SMALL_TARGETS)
    if targets:
        problems.append(f"{where}: tap targets smaller than 44px: {targets}")
    for found in (page.evaluate(_STACKED), page.evaluate(_SQUEEZED)):
        if found:
            problems.append(f"{where}: {found}")
    return problems


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_every_page_fits_a_phone(new_context, data: Data, world: World, live_app: Flask, console: ConsoleLog,
                                 viewer: str, locale: str) -> None:
    person = {"visitor": None, "convener": world.convener, "admin": world.admin}[viewer]
    if person is not None:
        _set_locale(data, person, locale)
    _fresh_sign_in_code(data, world)
    context = new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale=LOCALES[locale])
    page = context.new_page()
    if person is not None:
        _log_in(page, person)

    problems: list[str] = []
    seen: set[str] = set()
    pages: dict[str, str] = {}  # endpoint → the path that showed a page
    not_pages: dict[str, str] = {}
    for endpoint, path in _paths(live_app, world):
        answer = context.request.get(path)
        kind = answer.headers.get("content-type", "")
        if answer.status >= 500:
            problems.append(f"{endpoint} {path}: answered {answer.status}")
            continue
        if not kind.startswith("text/html") or not answer.text().lstrip().lower().startswith("<!doctype html"):
            not_pages[endpoint] = f"{path} answered {answer.status} {kind}"
            continue
        pages[endpoint] = path
        final = urlsplit(answer.url).path
        if final in seen:  # a redirect to a page already checked (the login page, for a visitor)
            continue
        seen.add(final)
        response = page.goto(path)
        assert response is not None
        if endpoint not in IN_THEIR_WRITER_S_LANGUAGE:
            expect(page.locator("html")).to_have_attribute("lang", {"zh_Hant": "zh-Hant", "zh_Hans": "zh-Hans",
                                                                    "en": "en"}[locale])
        problems.extend(_problems_of(page, f"{endpoint} {path} ({viewer}, {locale})"))

    assert not problems, f"{len(problems)} problem(s) on a {PHONE['width']}px phone:\n" + "\n".join(problems)
    if viewer != "visitor":
        # Someone logged in sees a page at every route that is not listed as something else.
        assert not not_pages, f"these GET routes answer no page: list them in NOT_PAGES or fix them: {not_pages}"
    assert len(seen) >= (8 if viewer == "visitor" else 50), sorted(seen)
    no_problems(console, expected=(403, 404, 410))


def test_the_sweep_walks_every_route(live_app: Flask, world: World) -> None:
    """A route is either swept or listed as not a page, and the list holds no route that is gone."""
    endpoints = {rule.endpoint for rule in live_app.url_map.iter_rules() if "GET" in (rule.methods or ())}
    assert not set(NOT_PAGES) - endpoints, f"NOT_PAGES lists routes that no longer exist: {set(NOT_PAGES) - endpoints}"
    swept = {endpoint for endpoint, _path in _paths(live_app, world)}
    assert swept | set(NOT_PAGES) == endpoints
    assert len(swept) >= 60
