"""Every payload of the XSS corpus through the one Markdown door comes out inert, ordinary Markdown still
renders, and the checker itself can fail."""

from __future__ import annotations

import pytest

from tests.xss_corpus import ORDINARY, PAYLOADS, assert_inert, url_scheme
from workspace.core.text import render_markdown


def test_corpus_is_large_and_ids_are_unique():
    assert len(PAYLOADS) >= 70
    ids = [payload_id for payload_id, _ in PAYLOADS] + [sample_id for sample_id, _, _ in ORDINARY]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("source", [source for _, source in PAYLOADS], ids=[i for i, _ in PAYLOADS])
def test_payload_renders_inert(source):
    assert_inert(str(render_markdown(source)))


@pytest.mark.parametrize("source", [source for _, source in PAYLOADS], ids=[i for i, _ in PAYLOADS])
def test_rendering_the_output_again_stays_inert(source):
    once = str(render_markdown(source))
    assert_inert(str(render_markdown(once)))


@pytest.mark.parametrize(("source", "fragments"), [(source, fragments) for _, source, fragments in ORDINARY],
                         ids=[i for i, _, _ in ORDINARY])
def test_ordinary_markdown_renders_and_is_inert(source, fragments):
    html = str(render_markdown(source))
    for fragment in fragments:
        assert fragment in html, (fragment, html)
    assert_inert(html)


@pytest.mark.parametrize(("source", "fragments"), [(source, fragments) for _, source, fragments in ORDINARY],
                         ids=[i for i, _, _ in ORDINARY])
def test_ordinary_output_rendered_again_is_inert(source, fragments):
    assert_inert(str(render_markdown(str(render_markdown(source)))))


def test_code_keeps_hostile_html_as_visible_text():
    html = str(render_markdown("```\n<script>alert(1)</script>\n```\n\n`<img src=x onerror=alert(1)>`"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert_inert(html)


# --- the checker must be able to fail ---------------------------------------------------------------------------

BAD_HTML = [
    "<script>alert(1)</script>",
    "<SCRIPT>alert(1)</SCRIPT>",
    '<img src="x" onerror="alert(1)">',
    "<p onclick=alert(1)>x</p>",
    "<svg><a xlink:href='javascript:alert(1)'>x</a></svg>",
    "<math><mi>x</mi></math>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href="  \x01javascript:alert(1)">x</a>',
    '<a href="java\nscript:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html,x">x</a>',
    '<a href="webcal://evil.example.com/x">x</a>',
    '<img src="data:image/svg+xml;base64,PHN2Zz4=">',
    '<p style="color:red">x</p>',
    '<a href="/x" target="_blank">x</a>',
    '<img src="/x.png" srcset="javascript:alert(1)">',
    '<p hx-get="/logout" hx-trigger="load">x</p>',
    '<iframe src="https://evil.example"></iframe>',
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>",
    "<math><style><img src=x onerror=alert(1)></style></math>",
    "<table><tr><td background='javascript:alert(1)'>x</td></tr></table>",
    "<div>x</div>",
    "<p>x</p><img src=x onerror=alert(1)//>",
    "<img src=x onerror=alert(1)//",  # dropped at end of input, but live once the page's markup follows
    '<p>x</p><a href="/x" title="',  # an open attribute swallows the page after it
]


@pytest.mark.parametrize("html", BAD_HTML)
def test_checker_rejects_live_markup(html):
    with pytest.raises(AssertionError, match="not inert"):
        assert_inert(html)


@pytest.mark.parametrize("html", [
    "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>",
    "<pre><code>&lt;img src=x onerror=alert(1)&gt;</code></pre>",
    "<p>javascript:alert(1) onerror=alert(1) style=color:red</p>",
    '<a href="https://example.org" rel="nofollow noopener" title="t">x</a>',
    '<a href="/relative/path?a=1&amp;b=2">x</a>',
    '<a href="#top">x</a>',
    '<a href="mailto:a@example.org">x</a>',
    '<img src="/c/demo/discussions/files/3/photo.png" alt="圖">',
    '<table><tr><td align="left">x</td></tr></table>',
    '<ol start="3"><li>x</li></ol>',
    "<p>a<!-- comment -->b</p>",
    "",
])
def test_checker_accepts_inert_markup(html):
    assert_inert(html)


@pytest.mark.parametrize(("value", "scheme"), [
    ("https://example.org", "https"),
    (" \tJaVa\nScRiPt:alert(1)", "javascript"),
    ("jav\tascript:alert(1)", "javascript"),
    ("\x00java\x0bscript:alert(1)", "javascript"),
    ("javascript&colon;alert(1)", None),  # the DOM value holds literal "&colon;": a relative path
    ("/c/demo/files/1.png", None),
    ("photo.png", None),
    ("#x", None),
    ("?a=b:c", None),
    ("ｊavascript:alert(1)", None),  # not an ASCII scheme: a browser resolves it as a relative path
])
def test_url_scheme_reads_the_scheme_a_browser_would(value, scheme):
    assert url_scheme(value) == scheme
