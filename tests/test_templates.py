"""Checks across every template, for what no single page's tests would notice missing.

A question asked before a step that is hard to take back (withdraw, trash, remove) is asked where htmx reads it.
Pages are boosted (`<body hx-boost="true">`): a form's submit is sent by htmx with the form as its element, so an
`hx-confirm` on a plain submit button inside it is never read and the step is taken at the first click. The
attribute belongs on the form, or on a button that sends its own request (`hx-post` and the like).
"""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
BUTTON = re.compile(r"<button\b(?:[^>{]|\{[^}]*\})*>", re.S)  # a button's opening tag, Jinja expressions included
OWN_REQUEST = re.compile(r"\bhx-(?:get|post|put|patch|delete)=")


def test_no_confirmation_sits_on_a_button_that_htmx_does_not_send_itself():
    misplaced = []
    for template in sorted(TEMPLATES.rglob("*.html")):
        text = template.read_text(encoding="utf-8")
        for tag in BUTTON.findall(text):
            if "hx-confirm=" in tag and not OWN_REQUEST.search(tag):
                line = text[:text.index(tag)].count("\n") + 1
                misplaced.append(f"{template.relative_to(TEMPLATES)}:{line}")
    assert misplaced == [], "hx-confirm on a plain submit button is never asked: put it on the form"


def test_the_check_finds_a_misplaced_confirmation():
    tag = '<button type="submit" class="button" hx-confirm="{{ _(\'Sure?\') }}">'
    assert BUTTON.findall(f"<form>{tag}x</button></form>") == [tag] and not OWN_REQUEST.search(tag)


def test_every_standalone_page_names_the_sites_icon():
    """Pages that do not extend the layout (print views, sign-in sheets) name the icon too: without it the browser
    asks for /favicon.ico, which answers 404 (an error in the console of every print)."""
    missing = [str(template.relative_to(TEMPLATES)) for template in sorted(TEMPLATES.rglob("*.html"))
               if "<html" in (text := template.read_text(encoding="utf-8")) and 'rel="icon"' not in text]
    assert missing == []
