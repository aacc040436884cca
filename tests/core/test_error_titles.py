"""An error page's <title> is its heading, not its number (QA: a tab and a screen reader's first words said only
"404 · PLC Workspace")."""

from __future__ import annotations

import re


def test_an_error_page_is_titled_by_what_went_wrong(client, ctx):
    for language, heading in (("en", "Page not found"), ("zh-TW", "找不到網頁")):
        response = client.get("/no-such-page-at-all", headers={"Accept-Language": language})
        page = response.get_data(as_text=True)
        assert response.status_code == 404
        title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
        assert title.startswith(f"{heading} · ") and re.search(r"<h1>(.*?)</h1>", page, re.S).group(1) == heading
