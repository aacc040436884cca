"""Stacked tables in rendered pages: on a phone a `.table`'s heading row is hidden and each cell shows its column's
name from its data-label (static/css/app.css), so a cell without one is a bare value there."""

from __future__ import annotations

import lxml.html

TABLES = "//table[contains(concat(' ', normalize-space(@class), ' '), ' table ')]"


def _classes(element: lxml.html.HtmlElement) -> set[str]:
    return set((element.get("class") or "").split())


def unlabelled_cells(html: str, within: str = "") -> list[str]:
    """The text of each body cell of the page's `.table`s (under the element of id `within`, if given) that names
    no column: not a row's buttons (.actions), not a labelled chip (.choice), not the one value beside a row
    heading."""
    root = lxml.html.fromstring(html)
    scope = root.get_element_by_id(within) if within else root
    found = []
    for table in scope.xpath("." + TABLES):
        for row in table.xpath("./tbody/tr | ./tfoot/tr"):
            cells = row.xpath("./td")
            if row.xpath("./th[@scope='row']") and len(cells) == 1:
                continue
            found += [cell.text_content().strip()[:40] for cell in cells
                      if not _classes(cell) & {"actions", "choice"} and not cell.get("data-label")]
    return found


def element(html: str, xpath: str) -> list[lxml.html.HtmlElement]:
    """The page's elements at `xpath`."""
    return lxml.html.fromstring(html).xpath(xpath)
