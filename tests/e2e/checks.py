"""Checks every browser test makes: no script errors or failed loads, no sideways scrolling on a phone, and
where screenshots go (docs/screenshots/ with SCREENSHOTS=1, else the test's temporary folder)."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import Page

from tests.e2e.conftest import ConsoleLog

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# Names (tag#id.class) of the elements that reach past the right edge: where sideways scrolling comes from.
_WIDE_ELEMENTS = """(limit) => [...document.querySelectorAll("body *")]
  .filter(e => e.getBoundingClientRect().right > limit + 1)
  .map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") +
            (e.classList.length ? "." + [...e.classList].join(".") : "") +
            " right=" + Math.round(e.getBoundingClientRect().right))
  .slice(0, 8)"""


def no_problems(console: ConsoleLog, *, expected: tuple[int, ...] = (), went_offline: bool = False) -> None:
    """No script errors or CSP violations, and no resource that failed to load (apart from a favicon, the
    `expected` statuses the test asked for, and, in a test that cut the connection itself, what the browser could
    not reach while it was cut)."""
    failed = [message for message in console.messages
              if "Failed to load resource" in message and "favicon" not in message
              and not any(f"status of {status} " in message for status in expected)
              and not (went_offline and "net::ERR_INTERNET_DISCONNECTED" in message)]
    assert not console.problems, console.problems
    assert not failed, failed


def fits(page: Page, where: str = "") -> None:
    """Nothing makes the page scroll sideways; if something does, name the widest culprits."""
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if widths[0] > widths[1] + 1:
        culprits = page.evaluate(_WIDE_ELEMENTS, widths[1])
        raise AssertionError(f"{where or page.url}: scrollWidth {widths[0]} > innerWidth {widths[1]}; {culprits}")


def screenshots_folder(tmp_path: Path) -> Path:
    folder = PROJECT_ROOT / "docs" / "screenshots" if os.environ.get("SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder
