"""The one door for user text: Markdown rendered, then sanitized; one-line fields normalised."""

from __future__ import annotations

import pytest

from workspace.core.text import clean_line, clean_text, render_markdown

HOSTILE = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "![x](javascript:alert(1))",
    '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
    "<svg onload=alert(1)>",
    "<math><mi xlink:href='javascript:alert(1)'>x</mi></math>",
    '<iframe src="https://evil.example"></iframe>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<p hx-get="/logout" hx-trigger="load">x</p>',
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>",
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    "<form action=/logout><button>x</button></form>",
    '<object data="x.swf"></object>',
]


@pytest.mark.parametrize("source", HOSTILE)
def test_no_executable_markup_survives(source):
    html = str(render_markdown(source)).lower()
    for bad in ("<script", "onerror", "onload", "javascript:", "data:text", "<svg", "<math", "<iframe",
                "style=", "hx-", "<form", "<object"):
        assert bad not in html, (source, html)


def test_ordinary_markdown_still_renders():
    html = str(render_markdown(
        "# 標題\n\n**粗體** and *italic*\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        "```\ncode <b>\n```\n\n[link](https://example.org) https://example.com"
    ))
    assert "<h1>標題</h1>" in html
    assert "<strong>粗體</strong>" in html and "<em>italic</em>" in html
    assert "<li>one</li>" in html and "<table>" in html and "<td>1</td>" in html
    assert "code &lt;b&gt;" in html
    assert '<a href="https://example.org" rel="nofollow noopener">link</a>' in html
    assert 'href="https://example.com"' in html  # bare URLs become links too


@pytest.mark.parametrize("opening", ["<div>", "<DIV class='x'>", "<section>", "  <blockquote>"])
def test_a_block_tag_never_closed_leaves_the_rest_of_the_post_rendered(opening):
    """A tag like <div> opening a line and never closed made Markdown keep everything after it as raw HTML: the
    sanitizer stripped the tag and the post's headings and lists read as their Markdown source."""
    html = str(render_markdown(f"{opening}\n## 教學反思\n\n- 先通分\n- 再約分\n\n**重點**"))
    assert "<h2>教學反思</h2>" in html
    assert "<li>先通分</li>" in html and "<strong>重點</strong>" in html
    assert "##" not in html and "**" not in html


def test_closed_raw_html_blocks_keep_their_shape():
    """A definition list typed as HTML and closed stays a definition list, not one paragraph with line breaks."""
    html = str(render_markdown("<dl>\n<dt>通分</dt>\n<dd>分母相同</dd>\n</dl>\n\n**後記**"))
    assert "<dl>\n<dt>通分</dt>\n<dd>分母相同</dd>\n</dl>" in html
    assert "<br>" not in html and "<p><strong>後記</strong></p>" in html


@pytest.mark.parametrize(("source", "kept"), [
    ("## 議程\n\n## 討論\n\n討論了重點\n\n## 決議\n\n## 後續工作\n", "\n## 討論\n\n討論了重點\n\n\n"),
    ("# 紀錄\n\n## 觀察\n\n## 建議\n提供句型鷹架", "# 紀錄\n\n\n## 建議\n提供句型鷹架"),  # a parent over a filled child
    ("# 紀錄\n\n## 觀察\n\n", "\n\n"),  # a parent whose children are all empty goes too
    ("```\n# 不是標題\n```\n## 空的\n", "```\n# 不是標題\n```\n"),  # code is left alone
    ("##議程\n\n##討論\n大家同意\n", "\n##討論\n大家同意\n"),  # no space after the hashes: still a heading
    ("## 空的\n<!-- 待補 -->\n\n## 有的\n內容", "<!-- 待補 -->\n\n## 有的\n內容"),  # a comment shows nothing
    ("  ## 縮排不是標題\n", "  ## 縮排不是標題\n"),
    # a list item with nothing in it (the template's "- " to fill in) is nothing under a heading, and goes
    ("## 討論\n\n- \n\n## 決議\n\n1.\n-\n", "\n\n\n"),
    ("## 討論\n\n- 先通分\n- \n", "## 討論\n\n- 先通分\n"),
    ("```\n- \n```\n", "```\n- \n```\n"),  # but not inside code
])
def test_headings_with_nothing_under_them_are_left_out(source, kept):
    from workspace.core.text import without_empty_sections

    assert without_empty_sections(source) == kept


def test_empty_markdown_is_empty():
    assert str(render_markdown("   ")) == ""


def test_clean_line_normalises_and_strips_controls():
    assert clean_line("  Cafe\u0301\x00\n name ") == "Café  name"
    assert clean_line(None) == ""


@pytest.mark.parametrize("clean", [clean_line, clean_text])
def test_bidi_overrides_and_isolates_are_dropped_but_the_marks_stay(clean):
    """A right-to-left override in a title turned the rest of a notification around it backwards: the overrides,
    embeddings and isolates go; LRM and RLM, which reorder nothing beyond their neighbours, stay."""
    assert clean("\u202e第三次觀課\u202c 紀錄") == "第三次觀課 紀錄"
    assert clean("a\u202ab\u202bc\u202dd\u2066e\u2067f\u2068g\u2069h") == "abcdefgh"
    assert clean("שלום\u200f 老師\u200e") == "שלום\u200f 老師\u200e"


def test_a_title_saved_with_an_override_is_fenced_in_an_isolate_inside_our_sentences(ctx):
    """A title saved before the overrides were dropped cannot turn a notification around it backwards."""
    from workspace.core.audit import quoted
    from workspace.core.text import isolate_bidi

    assert isolate_bidi("第三次觀課") == "第三次觀課"
    assert isolate_bidi("\u202e觀課") == "\u2068\u202e觀課\u2069"
    assert "\u2068\u202etxt.exe\u2069" in quoted("\u202etxt.exe")


@pytest.mark.parametrize("hidden", ["\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u202a", "\u202e", "\u2060",
                                    "\u2061", "\u2064", "\u2066", "\ufeff", "\u00ad", "\u180e", "\u3164", "\ufe0f",
                                    "\U000e0041"])
def test_a_name_loses_every_character_that_shows_nothing(hidden):
    """陳怡君 and 陳怡君 + U+200B were two people on one board, each called 陳怡君 (QA): a name keeps nothing
    invisible but the joiner inside an emoji sequence and an emoji's style selector, which draw something."""
    assert clean_line(f"{hidden}陳{hidden}怡君{hidden}", invisible=True) == "陳怡君"
    assert clean_line("👩\u200d🏫 陳老師 ❤\ufe0f", invisible=True) == "👩\u200d🏫 陳老師 ❤\ufe0f"  # teacher, red heart
    assert clean_line("🙂\u200d陳老師\u200d🙂", invisible=True) == "🙂陳老師🙂"


@pytest.mark.parametrize("lookalike", ["陳怡君", "陳怡君\u200b", "\u202e陳怡君", "陈怡君", "陳 怡君", "陳\u3000怡君",
                                       "\ufeff陳\u00ad怡君\u2060"])
def test_names_people_cannot_tell_apart_have_one_key(lookalike):
    from workspace.core.text import name_key

    assert name_key(lookalike) == name_key("陳怡君")
    assert name_key(f"{lookalike}🙂\u200d🙂") == name_key("陳怡君🙂🙂")  # a joiner that joins nothing draws nothing


@pytest.mark.parametrize(("one", "other"), [("Chen Yijun", "ＣＨＥＮ　ＹＩＪＵＮ"), ("Chen Yijun", "chen yijun"),
                                            ("José", "Jose"), ("ﬁona", "fiona"), ("Ⅱ班", "II班")])
def test_name_keys_fold_width_case_and_compatibility_forms(one, other):
    from workspace.core.text import name_key

    assert name_key(one) == name_key(other)
    assert name_key("陳怡君") != name_key("陳怡君（數學）")


def test_clean_text_keeps_newlines_and_unifies_line_ends():
    assert clean_text("a\r\nb\rc\x07\n") == "a\nb\nc"


@pytest.mark.parametrize(("value", "visible"), [
    ("林老師", True), ("a", True), ("\u200b\u200b", False), ("\ufeff", False), (" \u3000 ", False),
    ("\u0301", False), ("🙂", True), ("\u202eabc", True),
])
def test_has_visible_text(value, visible):
    from workspace.core.text import has_visible_text

    assert has_visible_text(value) is visible


def test_markdown_to_text_keeps_words_not_markup():
    from workspace.core.text import markdown_to_text

    text = markdown_to_text("# 標題\n\n**粗體**與 [連結](https://example.org)\n\n- 一\n- 二\n\n<b>x</b> 1 < 2")
    assert "#" not in text and "*" not in text and "<b>" not in text and "](" not in text
    assert text.splitlines() == ["標題", "粗體與 連結", "一", "二", "x 1 < 2"]


def test_table_column_alignment_survives_the_sanitizer():
    html = str(render_markdown("| 題目 | 分數 |\n|:--|--:|\n| 通分 | 10 |"))
    assert '<th align="left">題目</th>' in html and '<td align="right">10</td>' in html
    assert "style" not in html


def test_html_to_text_reads_a_stored_render_as_markdown_to_text_reads_its_source():
    from workspace.core.text import html_to_text, markdown_to_text

    source = ("## 學習目標\n\n能用**通分**算 1/2 + 1/3\n第二行 & <更多>\n\n"
              "| 題目 | 分數 |\n|:--|--:|\n| 通分 | 10 |\n\n- 看 https://example.org/分數\n- 二\n\n```\ncode < 1\n```")
    stored = str(render_markdown(source))
    text = html_to_text(stored)
    assert text == markdown_to_text(source)
    assert text.splitlines() == ["學習目標", "能用通分算 1/2 + 1/3", "第二行 & <更多>", "題目", "分數", "通分", "10",
                                 "看 https://example.org/分數", "二", "code < 1"]
    assert html_to_text("") == "" and html_to_text(None) == ""


def test_markdown_rendered_in_several_threads_at_once_comes_out_whole_and_apart():
    """Saves are sanitized at the same moment in one worker's threads (they no longer queue for the database):
    each text comes out as it does alone, never failing and never mixed with another person's."""
    import threading

    texts = [f"第 {number} 則：**先摺紙**再通分 https://example.com/{number} <script>x</script>\n\n- 一\n- 二 `碼`\n\n"
             f"| 甲 | 乙 |\n|---|---|\n| {number} | 2 |" for number in range(24)]
    alone = {text: str(render_markdown(text)) for text in texts}
    problems: list[str] = []
    start = threading.Barrier(6)

    def render(offset: int) -> None:
        start.wait()
        for step in range(200):
            text = texts[(offset * 5 + step) % len(texts)]
            try:
                if str(render_markdown(text)) != alone[text]:
                    problems.append(f"text {text[:6]} came out different")
            except Exception as error:  # any failure is the finding
                problems.append(repr(error))

    threads = [threading.Thread(target=render, args=(offset,)) for offset in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert problems == []


def test_headings_start_where_the_page_puts_them():
    """A text's own "# 標題" is shown under the page's headings: # at the level asked, ## below it, never past h6."""
    from workspace.core.text import headings_from

    html = str(render_markdown("# 標題\n\n## 小節\n\n###### 最深\n\n<header>不是標題</header>"))
    assert str(headings_from(html, 3)) == html.replace("<h1>", "<h3>").replace("</h1>", "</h3>").replace(
        "<h2>", "<h4>").replace("</h2>", "</h4>")
    assert "<h6>最深</h6>" in str(headings_from(html, 3))
    assert str(headings_from(html, 1)) == html and str(headings_from("", 3)) == ""
    # Minutes that start at ## under the page's h3: their highest heading is the h4, the rest below it.
    minutes = str(render_markdown("## 討論\n\n內容\n\n### 細節"))
    assert str(headings_from(minutes, 4)) == minutes.replace("h2>", "h4>").replace("h3>", "h5>")
    assert str(headings_from("<p>沒有標題</p>", 4)) == "<p>沒有標題</p>"


def test_a_list_typed_on_the_line_after_a_sentence_is_a_list():
    """QA: 討論：, then "- 先寫…" on the next line, rendered as one paragraph of dashes; a teacher types lists so."""
    html = str(render_markdown("討論了**聯絡簿**的寫法：\n- 先寫孩子做得好的地方\n- 再寫需要家長配合的事"))
    assert "<ul>" in html and "<li>先寫孩子做得好的地方</li>" in html and "<br />\n- " not in html
    assert "<strong>聯絡簿</strong>" in html and "<p>討論了" in html
    numbered = str(render_markdown("流程\n1. 暖身\n2. 分組"))
    assert "<ol>" in numbered and "<li>暖身</li>" in numbered
    code = str(render_markdown("```\n說明\n- 不是清單\n```"))
    assert "<ul>" not in code and "- 不是清單" in code
    assert "<ul>" not in str(render_markdown("Scores: 3 - 2 today"))  # a dash inside a line is a dash
