"""The compliance panel (計畫執行檢核) in a real browser: a photo added to the 18th activity turns the rule met on
the open panel without a reload; a submission goes to a reviewer, comes back with a comment and is submitted
again with an answer; the panel, the budget ledger and the reviewers' table fit a 375-px phone; and what a
person types in the live panel is not lost when its poll comes.

The community is enrolled in a copy of the PLC-100 preset with a school year that is over (its windows are
closed, so a rule short of its target is not met rather than at risk), whose activity rule asks each activity
to carry a photo: 18 held activities, 17 with a photo, make "17 of 18 activities", not met.
The panel polls every COMPLIANCE_POLL_SECONDS (10 s in the app; 2 s here).

SCREENSHOTS=1 writes docs/screenshots/compliance-panel.png and the phone's compliance-*-phone.png.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Locator, Page, expect

from tests.e2e.checks import fits, no_problems, screenshots_folder
from tests.e2e.conftest import ConsoleLog, Data
from tests.media import png_bytes

POLL_SECONDS = 2
LIVE_WAIT = (3 * POLL_SECONDS + 4) * 1000  # a poll or two, and the page's own work, in milliseconds
PHONE = {"width": 375, "height": 812}
FIRST_DAY, LAST_DAY = dt.date(2025, 8, 1), dt.date(2026, 7, 31)  # a school year that is over by now
PHOTO = png_bytes(320, 200, (46, 125, 50))
ACTIVITY_RULE, PHOTO_RULE = "plc.activities", "plc.photos"


# --- data through the app's services -------------------------------------------------------------


@dataclass
class Enrolled:
    """A community enrolled in a program copy, its people and its held activities (oldest first)."""

    slug: str
    name: str
    enrollment_id: int
    activity_ids: list[int]
    convener: dict[str, Any]
    reviewer: dict[str, Any]

    @property
    def panel(self) -> str:
        return f"/c/{self.slug}/compliance/"

    @property
    def budget(self) -> str:
        return f"/c/{self.slug}/compliance/{self.enrollment_id}/budget"

    def rule(self, page: Page, rule_id: str) -> Locator:
        """A rule's row on the panel (its id holds a dot: an attribute selector, not #id)."""
        return page.locator(f"[id='rule-{self.enrollment_id}-{rule_id}']")


def _enrolled(data: Data, *, name: str = "數學領域共同備課社群", school: str = "光華國小",
              photos: int = 17, held: int = 18, currency: str = "TWD", approved: int = 50_000) -> Enrolled:
    """A community of four at its own school, enrolled and confirmed in a copy of PLC-100 over the past school
    year whose activity rule needs a photo on each activity; `held` activities with minutes, the first `photos`
    of them with a photo; a reviewer of the school; a few expenses. `currency` and `approved` (in its minor
    units) are the copy's and the enrolment's."""
    admin = data.user(name="系統管理員")
    convener = data.user(name="陳怡君")
    reviewer = data.user(name="教育處審查委員 林主任")
    members = [data.user(name=member) for member in ("林志明", "王美玲", "張家豪")]
    slug = f"plc-{uuid.uuid4().hex[:8]}"

    def work() -> tuple[int, list[int]]:
        from sqlalchemy import select

        from workspace.activities import services as activities
        from workspace.auth.models import User
        from workspace.communities import services as communities
        from workspace.communities.models import Membership
        from workspace.compliance import services as compliance
        from workspace.compliance.models import Program
        from workspace.compliance.services import budget
        from workspace.core.storage import store_upload
        from workspace.extensions import db

        def user(info: dict[str, Any]) -> User:
            return db.session.get(User, info["id"])

        boss = user(admin)
        boss.is_admin = True
        own_school = communities.save_school(None, actor=boss, name=f"{school} {uuid.uuid4().hex[:4]}",
                                             class_count=24, in_evaluation_programme=False)
        communities.grant_reviewer_scope(user(reviewer), own_school, actor=boss)
        community = communities.create_community(actor=user(convener), name=name, kind="subject", slug=slug,
                                                 school_ids=[own_school.id])
        for member in members:
            communities.add_member(community, user(member), "member")
        for membership in db.session.scalars(select(Membership).where(Membership.community_id == community.id)):
            membership.joined_at = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)  # members since before the period

        compliance.install_presets()
        preset = db.session.scalar(select(Program).where(Program.key == "plc-100"))
        document = compliance.copy_document(preset)
        document["period"] = {"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()}
        document["currency"] = currency
        for rule in document["rules"]:
            if rule["id"] == ACTIVITY_RULE:  # an activity counts once it has its photo
                rule["evidence"] = ["photo"]
        program = compliance.create_program(document, boss)
        enrollment = compliance.enrol(community, program, approved, user(convener))
        compliance.confirm(enrollment, boss)

        ids = []
        for number in range(held):
            starts = dt.datetime.combine(FIRST_DAY + dt.timedelta(days=7 * number + 1), dt.time(14, 0))
            activity = activities.create_activity(community, activities.ActivityFields(
                title=f"第{number + 1}次共同備課", method="collaborative_planning", starts_at=starts,
                ends_at=starts + dt.timedelta(hours=2), place="自然教室"), actor=user(convener))
            activities.save_minutes(activity, "討論了教學觀察的重點。", "", actor=user(convener),
                                    base_version=activity.minutes_version)
            if number < photos:
                activities.add_evidence(activity, store_upload(io.BytesIO(PHOTO), "合照.png"), actor=user(convener))
            ids.append(activity.id)

        receipt = store_upload(io.BytesIO(png_bytes(200, 300, (250, 250, 250))), "收據-專業書籍.png")
        budget.add_book(enrollment, "學習共同體：構想與實踐", "佐藤學", "共同備課的依據", user(convener))
        budget.add_expense(enrollment, budget.ExpenseFields(
            category="materials", spent_on=FIRST_DAY + dt.timedelta(days=20), amount=1_800, payee="國家書店",
            description="專業成長書籍：學習共同體（5本）"), user(convener), receipt=receipt)
        budget.add_expense(enrollment, budget.ExpenseFields(
            category="refreshments", spent_on=FIRST_DAY + dt.timedelta(days=8), amount=600, persons=4,
            payee="福利社", description="第2次共同備課茶水", keep_unclaimable=True), user(convener))
        db.session.flush()
        return enrollment.id, ids

    enrollment_id, activity_ids = data._run(work)
    return Enrolled(slug=slug, name=name, enrollment_id=enrollment_id, activity_ids=activity_ids,
                    convener=convener, reviewer=reviewer)


def _submit(data: Data, enrolled: Enrolled, note: str) -> None:
    """The convener hands the standing to the reviewers (through the service)."""
    def work() -> None:
        from workspace.auth.models import User
        from workspace.compliance import services as compliance
        from workspace.compliance.models import Enrollment
        from workspace.compliance.services import review
        from workspace.extensions import db

        standing = compliance.standings([db.session.get(Enrollment, enrolled.enrollment_id)])[0]
        review.submit(standing, note, db.session.get(User, enrolled.convener["id"]))

    data._run(work)


def _add_photo(data: Data, enrolled: Enrolled, activity_id: int) -> None:
    """A write elsewhere in the community: the convener adds a photo to an activity (through the service)."""
    def work() -> None:
        from workspace.activities import services as activities
        from workspace.activities.models import Activity
        from workspace.auth.models import User
        from workspace.core.storage import store_upload
        from workspace.extensions import db

        activities.add_evidence(db.session.get(Activity, activity_id), store_upload(io.BytesIO(PHOTO), "補拍.png"),
                                actor=db.session.get(User, enrolled.convener["id"]))

    data._run(work)


# --- the browser ---------------------------------------------------------------------------------


@pytest.fixture()
def quick_polls(live_app: Flask) -> Iterator[int]:
    """The panel polls every POLL_SECONDS instead of 10 s (the live server reads its config on every request)."""
    saved = live_app.config.get("COMPLIANCE_POLL_SECONDS")
    live_app.config["COMPLIANCE_POLL_SECONDS"] = POLL_SECONDS
    yield POLL_SECONDS
    if saved is None:
        live_app.config.pop("COMPLIANCE_POLL_SECONDS", None)
    else:
        live_app.config["COMPLIANCE_POLL_SECONDS"] = saved


def _log_in(page: Page, person: dict[str, Any]) -> None:
    """Log in through the form, in whatever language it is shown (the fields by their ids)."""
    page.goto("/login")
    page.locator("#email").fill(person["email"])
    page.locator("#password").fill(person["password"])
    page.locator("#login button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/$"))


def _status(row: Locator) -> Locator:
    """The status a rule's row states in words (the summary's first pill)."""
    return row.locator("summary > .status")


def _filled(row: Locator) -> float:
    """How much of a rule's bar is filled, as drawn (0 to 1)."""
    return row.locator(".meter").evaluate(
        "(meter) => meter.firstElementChild.getBoundingClientRect().width / meter.getBoundingClientRect().width")


def _same_document(page: Page) -> None:
    """Mark the page, so that a reload (which forgets the mark) shows."""
    page.evaluate("window.__sameDocument = true")


def _polls(page: Page) -> list[int]:
    """Record the statuses of the panel's polls from now on, in the list returned."""
    statuses: list[int] = []
    page.on("response", lambda response: statuses.append(response.status) if "/compliance/live" in response.url
            else None)
    return statuses


# --- 1. the photo of the 18th activity -----------------------------------------------------------


def test_the_18th_photo_turns_the_rule_met_on_the_open_panel(new_context, data: Data, console: ConsoleLog,
                                                             quick_polls: int, tmp_path: Path) -> None:
    enrolled = _enrolled(data)
    context = new_context()
    panel = context.new_page()
    _log_in(panel, enrolled.convener)
    panel.goto(enrolled.panel)

    activities_row, photos_row = enrolled.rule(panel, ACTIVITY_RULE), enrolled.rule(panel, PHOTO_RULE)
    expect(activities_row).to_have_class(re.compile(r"\bstatus-not_met\b"))
    expect(_status(activities_row)).to_have_text("✗ Not met")
    expect(activities_row.locator(".rule-figure")).to_have_text("17 of 18 activities")
    assert 0.85 < _filled(activities_row) < 0.95, _filled(activities_row)  # 17 of 18, and not a full bar
    expect(photos_row).to_have_class(re.compile(r"\bstatus-not_met\b"))
    expect(_status(photos_row)).to_contain_text("Not met")
    # What is missing, in words, with the records behind the figure one click away.
    activities_row.locator("summary").click()
    gaps = activities_row.locator(".gaps")
    expect(gaps).to_contain_text("第18次共同備課")
    expect(gaps).to_contain_text("photo")
    expect(activities_row.locator(".counted li")).to_have_count(17)
    _same_document(panel)
    polls = _polls(panel)

    # In a second tab, the convener uploads the photo on the 18th activity's page.
    upload = context.new_page()
    upload.goto(f"/c/{enrolled.slug}/activities/{enrolled.activity_ids[-1]}")
    upload.locator("#evidence-files").set_input_files(
        files=[{"name": "第18次-合照.png", "mimeType": "image/png", "buffer": PHOTO}])
    upload.locator("form.evidence-form button[type=submit]").click()
    expect(upload.locator("#evidence-gallery img")).to_have_count(1)

    # The open panel shows the rule met within a poll or two, without a reload: colour, icon and words.
    expect(activities_row).to_have_class(re.compile(r"\bstatus-met\b"), timeout=LIVE_WAIT)
    expect(_status(activities_row)).to_have_text("✓ Met")
    expect(activities_row.locator(".rule-figure")).to_have_text("18 of 18 activities")
    expect(activities_row.locator(".meter")).to_have_attribute("aria-label", "18 of 18 activities")
    assert _filled(activities_row) == pytest.approx(1, abs=0.01), _filled(activities_row)
    expect(_status(photos_row)).to_have_text("✓ Met")
    expect(photos_row).to_have_class(re.compile(r"\bstatus-met\b"))
    # The part the convener had opened stays open, now with the 18 records that count and no gap.
    expect(activities_row.locator("details")).to_have_attribute("open", "")
    expect(activities_row.locator(".counted li")).to_have_count(18)
    expect(activities_row.locator(".gaps")).to_have_count(0)
    assert panel.evaluate("window.__sameDocument") is True, "the panel was reloaded"
    expect(panel.locator("#standings")).to_have_count(1)  # swapped in place, still one live region
    assert 200 in polls, polls  # it was a poll that brought the change
    panel.mouse.move(0, 0)
    panel.screenshot(path=str(screenshots_folder(tmp_path) / "compliance-panel.png"), full_page=True)

    # Then nothing changes: the polls answer 204 and the region is left alone.
    count = len(polls)
    panel.wait_for_timeout(2.5 * quick_polls * 1000)
    assert polls[count:] and set(polls[count:]) == {204}, polls[count:]
    expect(_status(activities_row)).to_have_text("✓ Met")
    no_problems(console)


# --- 2. returned, answered, submitted again ------------------------------------------------------


def test_a_reviewer_returns_the_submission_and_the_convener_answers(new_context, data: Data, console: ConsoleLog,
                                                                    quick_polls: int) -> None:
    enrolled = _enrolled(data)
    eid = enrolled.enrollment_id
    history = f"#submissions-{eid} .rounds > li"

    # The convener hands it in with a note.
    convener = new_context().new_page()
    _log_in(convener, enrolled.convener)
    convener.goto(enrolled.panel)
    expect(convener.locator(f"#submissions-{eid}")).to_contain_text("Not submitted yet.")
    convener.locator(f"#submit-note-{eid}").fill("第一學期的18次活動都已辦理，請審查。")
    convener.get_by_role("button", name="Submit to the reviewers").click()
    expect(convener.locator("#flashes")).to_contain_text("Submitted to the reviewers.")
    expect(convener.locator(history)).to_have_count(1)
    expect(convener.locator(history).first).to_contain_text("With the reviewers")
    expect(convener.locator(history).first.locator("blockquote.note")).to_have_text(
        "第一學期的18次活動都已辦理，請審查。")
    expect(convener.locator(f"#submit-note-{eid}")).to_have_count(0)  # nothing to submit while it is with them
    _same_document(convener)

    # A reviewer of the school finds it in the reviewers' table, opens the panel and returns it.
    reviewer = new_context().new_page()
    _log_in(reviewer, enrolled.reviewer)
    reviewer.goto("/review/compliance/")
    row = reviewer.locator(".review-table tbody tr", has_text=enrolled.name)
    expect(row).to_contain_text("With the reviewers")
    expect(row.locator(".status-not_met")).to_contain_text("Not met")
    row.get_by_role("link", name=enrolled.name).click()
    expect(reviewer).to_have_url(re.compile(re.escape(enrolled.panel) + "$"))
    expect(reviewer.locator(f"#submit-note-{eid}")).to_have_count(0)  # a reviewer does not submit
    expect(reviewer.locator(history).first.locator("blockquote.note")).to_contain_text("請審查")
    comment = "第18次活動沒有照片，請補上後再送。"
    reviewer.locator(f"#decision-comment-{eid}").fill(comment)
    reviewer.get_by_role("button", name="Return with comments").click()
    expect(reviewer.locator("#flashes")).to_contain_text("The submission is returned to the convener")
    expect(reviewer.locator(history).first).to_contain_text("Returned")
    expect(reviewer.locator(f"#decision-comment-{eid}")).to_have_count(0)

    # The convener's open panel shows the comment by itself, and asks for an answer.
    first_round = convener.locator(history).first
    expect(first_round.locator(".comment")).to_contain_text(comment, timeout=LIVE_WAIT)
    expect(first_round).to_contain_text("Returned")
    assert convener.evaluate("window.__sameDocument") is True, "the panel was reloaded"
    answer = convener.locator(f"#submit-note-{eid}")
    expect(convener.locator(f"label[for='submit-note-{eid}']")).to_have_text("Your answer to the reviewer's comments")

    # An empty answer is refused beside the field; the answer goes with the second round.
    convener.get_by_role("button", name="Submit again").click()
    expect(answer).to_have_attribute("aria-invalid", "true")
    expect(convener.locator(f"#submit-note-{eid}-error")).to_be_visible()
    expect(answer).to_be_focused()  # brought into view with its field focused, not the top of the page
    expect(answer).to_be_in_viewport()
    expect(convener).to_have_url(re.compile(re.escape(enrolled.panel) + "$"))  # not the POST's address (405)
    _add_photo(data, enrolled, enrolled.activity_ids[-1])
    answer.fill("已補上第18次活動的照片。")
    convener.get_by_role("button", name="Submit again").click()
    expect(convener.locator("#flashes")).to_contain_text("Submitted to the reviewers.")

    # The history keeps both rounds: the first returned with its comment, the second with the answer.
    rounds = convener.locator(history)
    expect(rounds).to_have_count(2)
    expect(rounds.nth(0)).to_contain_text("Round 1")
    expect(rounds.nth(0)).to_contain_text("Returned")
    expect(rounds.nth(0).locator(".comment")).to_contain_text(comment)
    expect(rounds.nth(1)).to_contain_text("Round 2")
    expect(rounds.nth(1)).to_contain_text("With the reviewers")
    expect(rounds.nth(1).locator("blockquote.note")).to_have_text("已補上第18次活動的照片。")

    # The reviewer sees the second round (its answer and the rule now met) and approves it.
    reviewer.goto(enrolled.panel)
    expect(reviewer.locator(history).nth(1).locator("blockquote.note")).to_have_text("已補上第18次活動的照片。")
    expect(_status(enrolled.rule(reviewer, ACTIVITY_RULE))).to_have_text("✓ Met")
    reviewer.get_by_role("button", name="Approve").click()
    expect(reviewer.locator("#flashes")).to_contain_text("The submission is approved.")
    expect(reviewer.locator(history).nth(1)).to_contain_text("Approved")

    # Each round is kept as it was handed in: the first still says 17 of 18.
    convener.locator(history).nth(0).get_by_role("link", name="As submitted").click()
    expect(convener).to_have_url(re.compile(r"/submissions/\d+$"))
    expect(convener.locator("main")).to_contain_text("17 of 18 activities")
    no_problems(console, expected=(422,))  # the empty answer


# --- 3. on a phone --------------------------------------------------------------------------------


def _words_on_screen(page: Page, selector: str, where: str) -> None:
    """Every status in `selector` shows its words (in Traditional Chinese: the phone's language), inside the
    screen's width (not only a colour)."""
    statuses = page.locator(selector)
    assert statuses.count() > 0, f"{where}: no status shown"
    labels = {"已達成", "進度正常", "進度落後", "未達成", "不適用", "已豁免"}
    for index in range(statuses.count()):
        status = statuses.nth(index)
        text = status.inner_text().strip()
        assert any(text.endswith(label) or f"{label}：" in text for label in labels), f"{where}: {text!r}"
        box = status.bounding_box()
        assert box is not None and box["width"] > 20, f"{where}: {text!r} is not shown"
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 1, f"{where}: {text!r} at {box}"


# The table cells that show no heading on a phone (the heading row is hidden there; each cell says its own).
_UNLABELLED = """() => [...document.querySelectorAll(".table tbody td:not(.actions)")]
  .filter(td => ["none", "normal", '""'].includes(getComputedStyle(td, "::before").content))
  .map(td => td.textContent.trim().slice(0, 30))"""


def _cells_labelled(page: Page, where: str) -> None:
    """Each cell of a table shows its column's heading beside its value on a phone (a bare "4" says nothing)."""
    assert page.locator(".table tbody td").count() > 0, f"{where}: no table"
    unlabelled = page.evaluate(_UNLABELLED)
    assert not unlabelled, f"{where}: cells without their heading on a phone: {unlabelled}"


def test_the_panel_the_ledger_and_the_reviewers_table_fit_a_phone(new_context, data: Data,
                                                                   console: ConsoleLog, tmp_path: Path) -> None:
    long_name = "新進教師師徒共學暨跨校公開授課觀課議課專業學習社群（Interdisciplinary-Co-planning-Studio）"
    enrolled = _enrolled(data, name=long_name, school="臺北市信義區實驗國民小學附設幼兒園")
    _submit(data, enrolled, "請審查。" + "Interdisciplinary-project-based-learning-co-planning-materials")
    folder = screenshots_folder(tmp_path)
    phone = new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-TW")

    convener = phone.new_page()
    _log_in(convener, enrolled.convener)
    convener.goto(enrolled.panel)
    expect(convener.locator("html")).to_have_attribute("lang", "zh-Hant")
    expect(enrolled.rule(convener, ACTIVITY_RULE)).to_be_visible()
    expect(convener.locator(f"#submissions-{enrolled.enrollment_id} blockquote.note")).to_be_visible()
    fits(convener, "the panel on a phone")
    _words_on_screen(convener, ".rule summary > .status", "the panel's rules")
    _words_on_screen(convener, ".standing-head .tally .status", "the panel's tally")
    # A rule's message has the screen's width, not a narrow column between the status and the figure.
    message = enrolled.rule(convener, "plc.members").locator(".rule-message").bounding_box()
    assert message is not None and message["width"] > 0.7 * PHONE["width"], message
    # A rule opened, with its gaps, records and the submission form, still fits.
    enrolled.rule(convener, ACTIVITY_RULE).locator("summary").click()
    expect(enrolled.rule(convener, ACTIVITY_RULE).locator(".gaps")).to_be_visible()
    fits(convener, "the panel with a rule opened on a phone")
    convener.screenshot(path=str(folder / "compliance-panel-phone.png"), full_page=True)

    convener.goto(enrolled.budget)
    expect(convener.locator("#expenses table")).to_be_visible()
    fits(convener, "the budget ledger on a phone")
    _cells_labelled(convener, "the budget ledger")
    for wrap in convener.locator(".table-wrap").all():  # a table scrolls inside its own box, within the screen
        box = wrap.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 1, box
    convener.screenshot(path=str(folder / "compliance-budget-phone.png"), full_page=True)

    reviewer = new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-TW").new_page()
    _log_in(reviewer, enrolled.reviewer)
    reviewer.goto("/review/compliance/")
    row = reviewer.locator(".review-table tbody tr", has_text="Interdisciplinary-Co-planning-Studio")
    expect(row).to_be_visible()
    fits(reviewer, "the reviewers' table on a phone")
    _words_on_screen(reviewer, ".review-table .tally .status", "the reviewers' table")
    _cells_labelled(reviewer, "the reviewers' table")
    reviewer.screenshot(path=str(folder / "compliance-review-phone.png"), full_page=True)
    # The reviewer's panel: the waiver and decision forms fit too.
    reviewer.goto(enrolled.panel)
    expect(reviewer.locator(f"#decision-comment-{enrolled.enrollment_id}")).to_be_visible()
    enrolled.rule(reviewer, PHOTO_RULE).locator("summary").click()
    expect(reviewer.locator(f"[id='reason-{enrolled.enrollment_id}-{PHOTO_RULE}']")).to_be_visible()
    fits(reviewer, "the reviewer's panel on a phone")
    no_problems(console)


LAPTOP = {"width": 1280, "height": 900}
# The table's own box against what it holds, the submission's state on screen, the community's column width, and
# the summary's button as one text (a flex item per run of Chinese stacked 附 and 件 on a phone).
_TABLE_FIT = """() => {
  const wrap = document.querySelector(".review-table").closest(".table-wrap");
  const table = document.querySelector(".review-table");
  const state = document.querySelector(".review-table tbody tr .round-state");
  const stateBox = state ? state.getBoundingClientRect() : null;
  return {wrap: [wrap.scrollWidth, wrap.clientWidth], table: [table.scrollWidth, table.clientWidth],
          state: stateBox && [stateBox.left, stateBox.right, window.innerWidth],
          community: document.querySelector(".review-table tbody th[scope=row]").getBoundingClientRect().width};
}"""


@pytest.mark.parametrize("locale", ["en-US", "zh-TW", "zh-CN"])
def test_the_reviewers_table_fits_a_laptop_with_yuan(new_context, data: Data, console: ConsoleLog,
                                                     locale: str) -> None:
    """At 1280 px, with a CN¥ program and its long headings in English, every column of the reviewers' table fits
    (Remaining was cut and the submission's state hidden in a sideways scroll), the community's name keeps a
    readable width (it wrapped 6 characters a line), and the summary's button reads as one text."""
    enrolled = _enrolled(data, name="城关一小城乡教育共同体跨校协同备课社群", school="青溪县城关第一小学",
                         photos=1, held=2, currency="CNY", approved=5_000_000)
    _submit(data, enrolled, "请审查。")
    reviewer = new_context(viewport=LAPTOP, locale=locale).new_page()
    _log_in(reviewer, enrolled.reviewer)
    reviewer.goto("/review/compliance/")
    row = reviewer.locator(".review-table tbody tr", has_text=enrolled.name)
    expect(row).to_be_visible()
    expect(row.locator(".round-state")).to_be_visible()
    measured = reviewer.evaluate(_TABLE_FIT)
    assert measured["wrap"][0] <= measured["wrap"][1], f"{locale}: the table scrolls sideways: {measured}"
    assert measured["table"][0] <= measured["table"][1], f"{locale}: the table overflows its width: {measured}"
    left, right, width = measured["state"]
    assert left >= 0 and right <= width, f"{locale}: the submission's state is off screen: {measured}"
    assert measured["community"] >= 200, f"{locale}: the community's column is squeezed: {measured}"
    if locale == "en-US":
        expect(row).to_contain_text("CN¥50,000")
        expect(row).not_to_contain_text("CN¥50,000.00")  # whole amounts without the .00 that widened each column
        button = reviewer.locator("a.button", has_text="Download the summary")
        assert button.inner_text() == "Download the summary (附件1, Excel)", repr(button.inner_text())
    fits(reviewer, f"the reviewers' table at 1280 px ({locale})")
    # On a phone the same button is one text that wraps, not 附 and 件 stacked in a column of their own.
    if locale == "en-US":
        phone = new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale=locale).new_page()
        _log_in(phone, enrolled.reviewer)
        phone.goto("/review/compliance/")
        button = phone.locator("a.button", has_text="Download the summary")
        assert "\n" not in button.inner_text(), repr(button.inner_text())
        fits(phone, "the reviewers' table on a phone (en)")
        _cells_labelled(phone, "the reviewers' table (en)")
        expect(phone.locator(".review-table tbody tr", has_text=enrolled.name).locator(".round-state")).to_be_visible()
    no_problems(console)


def test_a_refused_expense_puts_the_focus_on_the_refused_field(new_context, data: Data, console: ConsoleLog) -> None:
    """An expense over its cap comes back with the breach beside the amount and the focus there, as the other
    refused forms do (it stayed on <body>); on a phone the fields stand one under the other, whole."""
    enrolled = _enrolled(data, photos=1, held=1)
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    _log_in(page, enrolled.convener)
    page.goto(enrolled.budget)
    page.locator("#category").select_option("external_speaker_hourly")
    page.locator("#spent_on").fill(FIRST_DAY.replace(day=20).isoformat())
    page.locator("#amount").fill("4000")
    page.locator("#hours").fill("2")
    category, date = page.locator("#category").bounding_box(), page.locator("#spent_on").bounding_box()
    assert category and date and date["y"] >= category["y"] + category["height"], (category, date)
    page.locator("#expense-form + form button[type=submit]").click()
    expect(page.locator("#amount")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#amount")).to_be_focused()
    expect(page.locator("#amount")).to_have_value("4000")
    no_problems(console, expected=(422,))


# --- 4. what is typed survives the poll -----------------------------------------------------------


def test_typed_text_is_not_lost_when_the_poll_comes(new_context, data: Data, console: ConsoleLog,
                                                     quick_polls: int) -> None:
    enrolled = _enrolled(data, photos=16)  # two activities without a photo
    eid = enrolled.enrollment_id
    wait_past_polls = 3 * quick_polls * 1000

    # The convener types a note, then clicks away (the text is kept though the field has lost the focus).
    convener = new_context().new_page()
    _log_in(convener, enrolled.convener)
    convener.goto(enrolled.panel)
    figure = enrolled.rule(convener, ACTIVITY_RULE).locator(".rule-figure")
    expect(figure).to_have_text("16 of 18 activities")
    note = convener.locator(f"#submit-note-{eid}")
    note.fill("第17次活動的照片今天補上，")
    convener.locator("h2").first.click()
    expect(note).not_to_be_focused()
    _same_document(convener)
    polls = _polls(convener)

    # A reviewer types a waiver reason and keeps the field focused.
    reviewer = new_context().new_page()
    _log_in(reviewer, enrolled.reviewer)
    reviewer.goto(enrolled.panel)
    reviewer_row = enrolled.rule(reviewer, PHOTO_RULE)
    reviewer_row.locator("summary").click()
    reason = reviewer.locator(f"[id='reason-{eid}-{PHOTO_RULE}']")
    reason.click()
    reason.press_sequentially("颱風停課，照片遺失")
    expect(reason).to_be_focused()
    _same_document(reviewer)

    # A write elsewhere in the community: a photo for the 17th activity. Polls come and go.
    _add_photo(data, enrolled, enrolled.activity_ids[16])
    convener.wait_for_timeout(wait_past_polls)
    reviewer.wait_for_timeout(quick_polls * 1000)
    expect(note).to_have_value("第17次活動的照片今天補上，")
    expect(reason).to_have_value("颱風停課，照片遺失")
    expect(reason).to_be_focused()
    expect(reviewer_row.locator("details")).to_have_attribute("open", "")
    # The panels were left as they were (not refreshed under the typing hands), and not reloaded: the
    # convener's page did not even ask while the note was pending.
    expect(figure).to_have_text("16 of 18 activities")
    assert polls == [], polls
    assert convener.evaluate("window.__sameDocument") is True
    assert reviewer.evaluate("window.__sameDocument") is True

    # The note finished and sent: the new standing is there (the poll resumes once nothing typed is pending).
    note.press_sequentially("請再審查。")
    expect(note).to_have_value("第17次活動的照片今天補上，請再審查。")
    skipped = len(polls)
    convener.get_by_role("button", name="Submit to the reviewers").click()
    expect(convener.locator("#flashes")).to_contain_text("Submitted to the reviewers.")
    expect(convener.locator(f"#submissions-{eid} .rounds blockquote.note")).to_have_text(
        "第17次活動的照片今天補上，請再審查。")
    expect(figure).to_have_text("17 of 18 activities")

    # The reviewer's reason, once submitted, is kept and shown; meanwhile the reviewer's panel had not changed.
    expect(reviewer_row.locator(".rule-figure")).to_have_text("16 of 18 activities")
    reviewer_row.get_by_role("button", name="Waive for this community").click()
    expect(reviewer.locator("#flashes")).to_contain_text("The rule is waived for this community.")
    waived = enrolled.rule(reviewer, PHOTO_RULE)
    expect(_status(waived)).to_contain_text("Waived")
    waived.locator("summary").click()
    expect(waived.locator(".notice")).to_have_text("Waived: 颱風停課，照片遺失")

    # With nothing typed, the convener's panel follows the reviewer's waiver by itself.
    convener_waived = enrolled.rule(convener, PHOTO_RULE)
    expect(_status(convener_waived)).to_contain_text("Waived", timeout=LIVE_WAIT)
    assert 200 in polls[skipped:], polls

    # A choice made in a list is kept too: the convener picks a deliverable, clicks away, and a write comes.
    convener.locator(f"#deliver-{eid} summary").click()
    item = convener.locator(f"#item-{eid}")
    brought = item.input_value()
    item.select_option("implementation_plan")
    convener.locator("h2").first.click()
    expect(item).not_to_be_focused()
    _add_photo(data, enrolled, enrolled.activity_ids[17])
    convener.wait_for_timeout(wait_past_polls)
    expect(item).to_have_value("implementation_plan")
    expect(convener.locator(f"#deliver-{eid}")).to_have_attribute("open", "")
    expect(figure).to_have_text("17 of 18 activities")
    # Put back as the page brought it, the list no longer holds the poll: the 18th photo shows.
    item.select_option(brought)
    convener.locator("h2").first.click()
    expect(figure).to_have_text("18 of 18 activities", timeout=LIVE_WAIT)
    assert brought != "implementation_plan", brought
    no_problems(console)


# --- 5. withdrawing asks first --------------------------------------------------------------------


def test_withdrawing_asks_first_and_a_no_keeps_the_enrolment(new_context, data: Data, console: ConsoleLog) -> None:
    """The panel's Withdraw asks before the community leaves the program: dismissed, nothing happens. The
    enrolment is confirmed: the convener is told who confirmed it (the site administrator here) to ask; a reviewer
    of the school withdraws it."""
    enrolled = _enrolled(data)
    convener = new_context().new_page()
    _log_in(convener, enrolled.convener)
    convener.goto(enrolled.panel)
    expect(convener.locator(f'form[action$="/{enrolled.enrollment_id}/withdraw"]')).to_have_count(0)
    expect(convener.get_by_text("confirmed by 系統管理員, a site administrator: to withdraw from the program, ask them"
                                )).to_be_visible()
    page = new_context().new_page()
    _log_in(page, enrolled.reviewer)
    page.goto(enrolled.panel)
    questions: list[str] = []
    answer = {"accept": False}

    def reply(dialog: Any) -> None:
        questions.append(dialog.message)
        dialog.accept() if answer["accept"] else dialog.dismiss()

    page.on("dialog", reply)
    withdraw = page.locator(f'form[action$="/{enrolled.enrollment_id}/withdraw"] button')
    withdraw.click()
    page.wait_for_timeout(500)
    assert len(questions) == 1 and "Take the community out of" in questions[0], questions
    expect(withdraw).to_have_count(1)  # still enrolled
    answer["accept"] = True
    withdraw.click()
    expect(page.locator(".flash, [role=status]").first).to_contain_text("no longer enrolled")
    expect(withdraw).to_have_count(0)
    no_problems(console)


def test_the_amount_summary_is_as_tall_as_the_buttons_beside_it(new_context, data: Data, console: ConsoleLog) -> None:
    """QA 11: "Change the approved amount" (a <summary> drawn as a button) was 36 px tall with its text at the top,
    beside 44-px buttons."""
    enrolled = _enrolled(data, held=1, photos=1)
    page = new_context(viewport={"width": 1280, "height": 900}).new_page()
    _log_in(page, enrolled.reviewer)
    page.goto(enrolled.panel)
    summary = page.locator(".amount-change > summary")
    withdraw = page.locator(f'form[action$="/{enrolled.enrollment_id}/withdraw"] button')
    expect(summary).to_be_visible()
    expect(withdraw).to_be_visible()
    box, beside = summary.bounding_box(), withdraw.bounding_box()
    assert box and beside and abs(box["height"] - beside["height"]) <= 1 and box["height"] >= 44, (box, beside)
    assert abs(box["y"] - beside["y"]) <= 1, (box, beside)  # one row, tops aligned
    style = summary.evaluate("s => [getComputedStyle(s).display, getComputedStyle(s).alignItems]")
    assert "flex" in style[0] and style[1] == "center", style  # the text in the middle, as on the buttons
    summary.click()  # opened, the form comes below it
    expect(page.locator(".amount-change .amount-form")).to_be_visible()
    no_problems(console)


def test_a_line_named_beside_a_program_error_puts_the_caret_on_that_line(new_context, data: Data,
                                                                          console: ConsoleLog) -> None:
    """QA: "Line 175" beside an error of the raw program text went to the box, its caret left on the last line."""
    admin = data.user(name="系統管理員")

    def work() -> int:
        from sqlalchemy import select

        from workspace.auth.models import User
        from workspace.compliance import services as compliance
        from workspace.compliance.models import Program
        from workspace.extensions import db

        db.session.get(User, admin["id"]).is_admin = True
        compliance.install_presets()
        return db.session.scalar(select(Program.id).where(Program.key == "plc-100"))

    preset_id = data._run(work)
    page = new_context().new_page()
    _log_in(page, admin)
    page.goto(f"/admin/programs/new?from={preset_id}")
    area = page.locator("textarea#definition")
    text = area.input_value()
    lines = text.split("\n")
    wrong = next(number for number, line in enumerate(lines, start=1) if '"target"' in line)
    lines[wrong - 1] = lines[wrong - 1].replace('"target": ', '"target": -', 1)
    area.fill("\n".join(lines))
    page.get_by_role("button", name="Save the program").click()
    link = page.locator(f".json-errors a[data-line='{wrong}']")
    expect(link).to_be_visible()
    link.click()
    expect(area).to_be_focused()
    selected = page.evaluate("(() => { const a = document.getElementById('definition');"
                             " return a.value.slice(a.selectionStart, a.selectionEnd); })()")
    assert selected == area.input_value().split("\n")[wrong - 1]
    no_problems(console, expected=(422,))  # the refused program
