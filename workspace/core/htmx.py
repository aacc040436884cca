"""One URL, two representations: the full page, or only the fragment htmx swaps in."""

from __future__ import annotations

from typing import Any

from flask import Response, make_response, render_template, session

from workspace.extensions import htmx

REFUSED = frozenset({409, 422})  # a form answered again, not saved: its page's address stays in the bar


def wants_fragment() -> bool:
    """Whether this request should get a fragment: htmx, not boosted, not a history restore."""
    hx = htmx
    return bool(hx) and not hx.boosted and not hx.history_restore_request


def render_page(template: str, fragment: str | None = None, status: int = 200, **context: Any) -> Response:
    """Render `template` in full, or `fragment` when htmx swaps a region; always Vary on HX-Request.

    Pass only a partial as `template` to answer a mutation with the updated region.
    """
    partial = wants_fragment()
    chosen = fragment if fragment and partial else template
    body = render_template(chosen, **context)
    if partial and session.get("_flashes"):
        # What the action flashed goes into the page's one #flashes live region, out of band: the region stays
        # (its content is replaced, not the region), so a screen reader announces the message (app.js then moves
        # the focus back to the item that changed).
        body += render_template("core/_flashes.html", oob=True)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    if status in REFUSED and htmx and htmx.boosted:
        # A refused boosted form (its input, or a change made meanwhile: 409 with what was typed kept): the page shows
        # it again with its errors, but its address stays the page's (htmx would push the form's POST address, which
        # a reload answers 405); app.js brings the first error into view instead of the top of the page.
        response.headers["HX-Push-Url"] = "false"
    return response
