"""Keyboard focus and announcements around in-place (htmx) changes, in a real browser: a region that is replaced
keeps the focus on the control the person was on (or the item that changed), an editor opened in place takes the
focus into its first field, a refused form focuses its first invalid field, what an action says is put into the
page's one live region (#flashes, never re-created), and the compliance panel's refresh keeps the focus and says
only which rule's status changed.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask import Flask
from playwright.sync_api import Page, expect

from tests.e2e.checks import no_problems
from tests.e2e.conftest import ConsoleLog, Data
from tests.e2e.test_browser import log_in
from tests.e2e.test_compliance import (  # noqa: F401 (quick_polls is a fixture)
    ACTIVITY_RULE,
    LIVE_WAIT,
    _add_photo,
    _enrolled,
    _log_in,
    _polls,
    quick_polls,
)
from tests.e2e.test_mentoring import _paired


def _mark_flashes(page: Page) -> None:
    """Mark the page's live region: if a swap re-creates it, the mark is gone."""
    page.evaluate("document.getElementById('flashes').dataset.mark = 'kept'")


def _flashes_kept(page: Page) -> None:
    assert page.evaluate("document.getElementById('flashes').dataset.mark") == "kept", "#flashes was re-created"


def _with_milestone_and_goal(data: Data, live_app: Flask) -> dict[str, Any]:
    world = _paired(data, live_app)
    resource_id = data.text_resource(world["community"], world["mentor"], title="分數教學單元設計", body="教案")

    def work() -> tuple[int, int]:
        from workspace.auth.models import User
        from workspace.extensions import db
        from workspace.mentoring.models import Pairing
        from workspace.mentoring.services import goals, milestones

        pairing = db.session.get(Pairing, world["pairing_id"])
        mentor = db.session.get(User, world["mentor"]["id"])
        milestone = milestones.add_milestone(pairing, "完成第一次入班觀察", dt.date.today() + dt.timedelta(days=30),
                                             "mentor", "observation", mentor)
        goal = goals.create_goal(pairing, goals.GoalFields("提升提問技巧", "每節至少三個開放式問題"), actor=mentor)
        return milestone.id, goal.id

    world["milestone_id"], world["goal_id"] = data._run(work)
    world["resource_id"] = resource_id
    return world


def test_in_place_actions_keep_the_focus_and_announce_what_they_did(new_context, data: Data, live_app: Flask,
                                                                     console: ConsoleLog) -> None:
    world = _with_milestone_and_goal(data, live_app)
    slug, pairing_id = world["community"]["slug"], world["pairing_id"]
    page = new_context().new_page()
    log_in(page, world["mentor"])

    # A milestone ticked with the keyboard: the focus stays on its (now pressed) button; the tick is announced.
    page.goto(f"/c/{slug}/mentoring/pairings/{pairing_id}")
    _mark_flashes(page)
    tick = page.locator(f"#milestone-{world['milestone_id']} button[aria-pressed]")
    tick.focus()
    page.keyboard.press("Enter")
    expect(tick).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#flashes")).to_have_text("The milestone is ticked off.")
    expect(tick).to_be_focused()
    _flashes_kept(page)

    # A new log refused for an empty duration: the focus goes to that field, as on a full-page form.
    page.goto(f"/c/{slug}/mentoring/pairings/{pairing_id}/logs/")
    _mark_flashes(page)
    page.locator("#topics").fill("班級經營")
    page.locator("#mentee_steps").fill("整理座位表")
    page.locator("#new-log button[type=submit]").click()
    expect(page.locator("#duration_minutes")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#duration_minutes")).to_be_focused()
    # A duration below zero: the length's own range sentence, as for 0 or 601, not how to write a number.
    page.locator("#duration_minutes").fill("-5")
    page.locator("#new-log button[type=submit]").click()
    expect(page.locator("#duration_minutes-error")).to_have_text("Give the length, between 1 and 600 minutes.")
    expect(page.locator("#duration_minutes")).to_be_focused()

    page.locator("#duration_minutes").fill("40")
    page.locator("#new-log button[type=submit]").click()
    expect(page.locator("#flashes")).to_have_text("The meeting is logged.")
    expect(page.locator("#flashes .flash")).to_have_count(1)
    expect(page.locator(".meeting-log .flash, #meeting-logs [role=status]:not([data-draft-offer])")).to_have_count(0)
    _flashes_kept(page)
    log = page.locator(".meeting-log").first
    log_id = log.get_attribute("id")

    # A next step ticked: the focus stays on its button.
    step = log.locator(".next-steps button")
    step.focus()
    page.keyboard.press("Enter")
    expect(page.locator(f"#{log_id} .next-steps li.is-done")).to_have_count(1)
    expect(page.locator(f"#{log_id} .next-steps button")).to_be_focused()
    expect(page.locator(f"#{log_id} .next-steps button")).to_have_attribute("aria-label", re.compile("^Open again"))
    expect(page.locator("#flashes")).to_have_text("Saved.")

    # Edit: the editor opens in place with the focus in its first field; saving brings the focus back to the log.
    page.locator(f"#{log_id} a", has_text="Edit").click()
    expect(page.locator(f"section#{log_id} form")).to_be_visible()
    expect(page.locator(f"#{log_id}-held_on")).to_be_focused()
    page.locator(f"#{log_id}-topics").fill("班級經營與提問")
    page.locator(f"section#{log_id} button[type=submit]").click()
    expect(page.locator("#flashes")).to_have_text("The log is saved.")
    expect(page.locator(f"li#{log_id}")).to_contain_text("班級經營與提問")
    expect(page.locator(f"li#{log_id}")).to_be_focused()

    # Shared with the conveners: the focus stays on the button, now "Stop sharing".
    share = page.locator(f"#{log_id} form[action$='/share'] button")
    share.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#flashes")).to_have_text("The conveners can read this log now.")
    expect(share).to_contain_text("Stop sharing")
    expect(share).to_be_focused()
    _flashes_kept(page)

    # Goal evidence linked and removed: the focus comes back to the goal, the change is announced.
    goal = f"#goal-{world['goal_id']}"
    page.goto(f"/c/{slug}/mentoring/pairings/{pairing_id}/goals/")
    _mark_flashes(page)
    page.locator(f"{goal} .goal-add-evidence summary").click()
    choice = page.locator(f"#evidence-{world['goal_id']} option", has_text="分數教學單元設計").get_attribute("value")
    page.locator(f"#evidence-{world['goal_id']}").select_option(choice)
    page.locator(f"{goal} .goal-add-evidence button[type=submit]").click()
    expect(page.locator("#flashes")).to_have_text("Linked.")
    expect(page.locator(f"{goal} .goal-evidence li")).to_have_count(1)
    expect(page.locator(goal)).to_be_focused()
    page.locator(f"{goal} .goal-evidence button").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#flashes")).to_have_text("The link is removed.")
    expect(page.locator(f"{goal} .goal-evidence")).to_have_count(0)
    expect(page.locator(goal)).to_be_focused()
    _flashes_kept(page)
    no_problems(console, expected=(422,))


def test_the_panel_refresh_keeps_the_focus_and_says_which_rule_changed(new_context, data: Data, console: ConsoleLog,
                                                                       quick_polls: int) -> None:  # noqa: F811
    enrolled = _enrolled(data)
    panel = new_context().new_page()
    _log_in(panel, enrolled.convener)
    panel.goto(enrolled.panel)
    row = enrolled.rule(panel, ACTIVITY_RULE)
    summary = row.locator("summary")
    summary.focus()
    panel.keyboard.press("Enter")  # opened with the keyboard
    expect(row.locator("details")).to_have_attribute("open", "")
    news = panel.locator("#standings-news")
    expect(news).to_have_attribute("role", "status")
    expect(news).to_have_text("")
    polls = _polls(panel)

    _add_photo(data, enrolled, enrolled.activity_ids[-1])
    expect(row).to_have_class(re.compile(r"\bstatus-met\b"), timeout=LIVE_WAIT)
    assert 200 in polls, polls
    # Still on the same rule's summary, its details still open; the change said once, politely.
    expect(summary).to_be_focused()
    expect(row.locator("details")).to_have_attribute("open", "")
    expect(news).to_contain_text("A rule's status changed.")
    expect(news).to_contain_text("Met")

    # A write that changes no rule's status: the region is refreshed, nothing is said.
    panel.evaluate("document.getElementById('standings-news').textContent = ''")
    count = len(polls)
    _add_photo(data, enrolled, enrolled.activity_ids[0])
    panel.wait_for_timeout(LIVE_WAIT)
    assert 200 in polls[count:], polls[count:]
    expect(news).to_have_text("")
    expect(summary).to_be_focused()
    no_problems(console)
