"""Page numbers of every paginated list, decided in one place: `?page=` past the last page answers 404, as a
malformed one does (`parsing.parse_page`), except page 1 of an empty list, which shows the list's empty state.

A list that clamped a page past its end to the last page showed another page than the one asked for under the
asked address; one that answered an empty page looked like a list with nothing in it. Both hid a stale link."""

from __future__ import annotations

import math

from werkzeug.exceptions import NotFound


class PageNotFound(NotFound):
    """A page number past a list's last page (answered 404 by the app's error handler)."""


def page_count(total: int, per_page: int) -> int:
    """How many pages `total` rows make at `per_page` a page: at least one (an empty list has its page 1)."""
    return max(1, math.ceil(total / per_page))


def require_page(page: int, total: int, per_page: int) -> int:
    """Check that `page` is a page of a list of `total` rows at `per_page` a page and answer how many pages there
    are; raise PageNotFound (404) for a page before the first or past the last (page 1 always exists)."""
    pages = page_count(total, per_page)
    if not 1 <= page <= pages:
        raise PageNotFound()
    return pages
