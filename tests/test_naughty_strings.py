"""The Big List of Naughty Strings through every free-text field: stored and shown unchanged, or refused
beside the field; never a crash, never live markup."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from markupsafe import escape
from sqlalchemy import select

from tests.factories import make_community, make_user
from workspace.auth.models import User
from workspace.communities.models import Community
from workspace.core.text import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, clean_line, clean_text, render_markdown
from workspace.core.text_language import lang_attribute
from workspace.extensions import db

SCRIPT_TAG = re.compile(r"<script\b", re.IGNORECASE)
FIELD_ERROR = re.compile(r'<p class="field-error" id="([a-z_]+)-error">')
PARTS = 4
URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "xlink:href", "background", "poster"})



class _Tags(HTMLParser):
    """Collect every tag and attribute of an HTML fragment."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag


def url_scheme(url: str) -> str | None:
    """The scheme a browser would read in an attribute URL (WHATWG URL parsing), or None if relative."""
    url = re.sub(r"[\t\n\r]", "", url.strip("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d"
                                           "\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b"
                                           "\x1c\x1d\x1e\x1f "))
    match = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):", url)
    return match.group(1).lower() if match else None


def markup_problems(html: str) -> list[str]:
    """What in sanitized HTML could run: scripts, handlers, styles, odd URLs, tags off the allowlist."""
    problems = []
    if SCRIPT_TAG.search(html):
        problems.append("<script")
    parser = _Tags()
    parser.feed(html)
    parser.close()
    for tag, attrs in parser.tags:
        if tag not in ALLOWED_TAGS:
            problems.append(f"tag {tag}")
        for name, value in attrs:
            if name.startswith("on"):
                problems.append(f"handler {tag}[{name}]")
            if name not in ALLOWED_ATTRIBUTES.get(tag, []):
                problems.append(f"attribute {tag}[{name}]")
            if name in URL_ATTRIBUTES and value and url_scheme(value) not in {None, "http", "https", "mailto"}:
                problems.append(f"url {tag}[{name}]={value!r}")
    return problems


@pytest.mark.parametrize(
    "html",
    [
        "<script>alert(1)</script>",
        '<a href="javascript:alert(1)">x</a>',
        '<a href=" \x01JaVaScRiPt:alert(1)">x</a>',
        '<a href="java\tscript:alert(1)">x</a>',
        '<img src="data:text/html,x">',
        '<img src="x" onerror="alert(1)">',
        '<p style="color:red">x</p>',
        "<svg><a>x</a></svg>",
    ],
)
def test_the_markup_check_catches_live_markup(html):
    assert markup_problems(html)


def test_the_markup_check_accepts_safe_markup():
    assert markup_problems('<p><a href="https://x.test/a" rel="nofollow">a</a> <img src="/x.png" alt="x"></p>') == []
    assert markup_problems("<p>onerror=alert(1) javascript:alert(1) &lt;script&gt;</p>") == []


def test_markdown_sanitizer_neutralises_every_naughty_string(naughty):
    """Markdown + bleach on every string, as text, as a link target and inside raw HTML."""
    failures = []
    for index, value in enumerate(naughty):
        for source in (value, f"[x]({value})", f'<a href="{value}" onclick="{value}">x</a>'):
            problems = markup_problems(str(render_markdown(source)))
            if problems:
                failures.append((index, source, problems))
    assert not failures, failures[:10]


def _script_count(page: str) -> int:
    return len(SCRIPT_TAG.findall(page))


def _outside_user_html(page: str) -> str:
    """The page without the sanitized Markdown areas (where allowed markup is meant to be live)."""
    return re.sub(r'<div class="prose"(?: lang="zh-Han[st]")? hx-disable>.*?</div>', "", page, flags=re.S)


@pytest.mark.parametrize("part", range(PARTS))
def test_naughty_strings_in_every_free_text_field(app, client, ctx, naughty, part):
    """Every string (this part's share, so that pytest -n spreads them) through every free-text field."""
    admin = make_user(is_admin=True, display_name="Admin")
    invited_to = make_community(convener=admin, slug="invitations-here")
    client.login(admin)
    baseline_scripts = _script_count(client.get("/account").get_data(as_text=True))
    assert baseline_scripts >= 1
    failures: list[tuple[int, str, str]] = []
    display_name = "Admin"

    def fail(index: int, where: str, why: str) -> None:
        failures.append((index, where, why))

    def check_page(index: int, where: str, page: str, value: str, *expected: str) -> None:
        """Each expected context holds the value escaped; no live script; no raw markup from it."""
        for context in expected:
            if context not in page:
                fail(index, where, f"not shown unchanged: {context[:80]!r}")
        if _script_count(page) != baseline_scripts:
            fail(index, where, "a <script> tag from the input is live")
        if "<" in value and str(escape(value)) != value and value in _outside_user_html(page):
            fail(index, where, "the value appears unescaped")

    def nav_user(name: str, page: str) -> str:
        """The top bar's name, marked with its language where it is not the page's (QA13)."""
        page_lang = re.search(r'<html lang="([^"]+)"', page).group(1)
        return f'class="nav-user"{lang_attribute(name, page_lang)}>{escape(name)}</a>'

    for index in range(part, len(naughty), PARTS):
        value = naughty[index]
        slug = f"community-{index}"
        name, description = clean_line(value), clean_text(value)

        # The user's display name, through /account (shown in the top bar of every later page).
        try:
            response = client.post_form("/account", {"display_name": value, "school_id": "", "locale": ""})
        except Exception as error:  # every crash is collected and reported at the end
            fail(index, "display name", f"crash {error!r}")
        else:
            if response.status_code == 302:
                stored = db.session.scalar(select(User.display_name).where(User.id == admin.id))
                if stored != clean_line(value, invisible=True):  # a name keeps nothing invisible
                    fail(index, "display name", f"stored as {stored!r}")
                display_name = stored or display_name
            elif response.status_code == 422:
                page = response.get_data(as_text=True)
                if 'id="display_name-error"' not in page:
                    fail(index, "display name", "422 without the error beside the field")
                check_page(index, "account (refused)", page, name)
            else:
                fail(index, "display name", f"status {response.status_code}")

        # A community whose name and description are the string, through the HTTP form.
        try:
            response = client.post_form("/communities/new", {
                "name": value, "kind": "subject", "slug": slug, "description": value, "vision": "",
            })
        except Exception as error:
            fail(index, "community", f"crash {error!r}")
            response = None
        if response is not None and response.status_code == 302:
            community = db.session.scalar(select(Community).where(Community.slug == slug))
            if community is None:
                fail(index, "community", "302 but nothing stored")
            else:
                if community.name != name:
                    fail(index, "community", f"name stored as {community.name!r}")
                if community.description != description:
                    fail(index, "community", "description changed on the way in")
                for problem in markup_problems(community.description_html):
                    fail(index, "community description_html", problem)
                home = client.get(f"/c/{slug}/")
                if home.status_code != 200:
                    fail(index, "community home", f"status {home.status_code}")
                else:
                    body = home.get_data(as_text=True)
                    # the name's h1 carries its language where it is not the page's (和製漢語 on an English page)
                    page_lang = re.search(r'<html lang="([^"]+)"', body).group(1)
                    check_page(index, "community home", body, name, f"<title>{escape(name)} · ",
                               f"<h1{lang_attribute(name, page_lang)}>{escape(name)}</h1>",
                               nav_user(display_name, body))
        elif response is not None and response.status_code == 422:
            page = response.get_data(as_text=True)
            if not FIELD_ERROR.search(page):
                fail(index, "community", "422 without an error beside a field")
            check_page(index, "community form", page, value, nav_user(display_name, page))
        elif response is not None:
            fail(index, "community", f"status {response.status_code}")

        # A search on the users list: the query comes back in the search box, escaped.
        try:
            response = client.get("/admin/users/", query_string={"q": value})
        except Exception as error:
            fail(index, "user search", f"crash {error!r}")
        else:
            if response.status_code != 200:
                fail(index, "user search", f"status {response.status_code}")
            else:
                query = clean_line(value)[:100]
                check_page(index, "user search", response.get_data(as_text=True), query,
                           f'name="q" value="{escape(query)}"')

        # The invitation's email field (through htmx: the invitations fragment comes back).
        try:
            response = client.hx("post", f"/c/{invited_to.slug}/members/invitations", {
                "how": "email", "email": value, "role": "member", "single_use": "y", "days": "14",
            })
        except Exception as error:
            fail(index, "invitation email", f"crash {error!r}")
        else:
            page = response.get_data(as_text=True)
            if response.status_code == 422:
                if 'id="email-error"' not in page:
                    fail(index, "invitation email", "422 without the error beside the field")
            elif response.status_code != 200:
                fail(index, "invitation email", f"status {response.status_code}")
            if SCRIPT_TAG.search(page):
                fail(index, "invitation email", "a <script> tag from the input is live")

    report = "\n".join(f"#{index} {naughty[index]!r:.60} · {where}: {why}" for index, where, why in failures[:40])
    assert not failures, f"{len(failures)} problems:\n{report}"
