"""User text through one door: Markdown rendered once, then sanitized against one allowlist."""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable
from functools import partial
from html.parser import HTMLParser

import bleach
import markdown as markdown_lib
from bleach.linkifier import LinkifyFilter, build_url_re
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from workspace.core.errors import ValidationError
from workspace.core.search import fold

# Never svg, math, noscript or raw-text tags: every known bleach bypass needed one of them.
ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "i", "img", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table", "tbody", "td",
    "th", "thead", "tr", "ul", "dl", "dt", "dd", "kbd", "mark",
})
ALLOWED_ATTRIBUTES = {
    "a": ["href", "title", "rel"],
    "abbr": ["title"],
    "img": ["src", "alt", "title", "width", "height"],
    "td": ["align"],
    "th": ["align"],
    "ol": ["start"],
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
MARKDOWN_EXTENSIONS = ["tables", "fenced_code", "sane_lists", "nl2br"]
# Column alignment as align="…" (allowed), not style="text-align…" (stripped, so alignment was lost).
MARKDOWN_CONFIGS = {"tables": {"use_align_attribute": True}}


def _link_attributes(attrs: dict, new: bool = False) -> dict:
    attrs[(None, "rel")] = "nofollow noopener"
    return attrs


# One pass: cleaning and linkifying together (a separate Linker with skip_tags double-escapes code).
# The LinkifyFilter runs after the sanitizer, so the links it makes are never checked against
# ALLOWED_PROTOCOLS; its default URL pattern knows html5lib's long protocol list (data, webcal, feed, ...)
# and would turn plain text like "data:evil.com/..." into a live data: link. Same allowlist here.
def _new_cleaner() -> bleach.Cleaner:
    return bleach.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        filters=[partial(LinkifyFilter, callbacks=[_link_attributes], skip_tags={"pre", "code"},
                         url_re=build_url_re(protocols=ALLOWED_PROTOCOLS))],
    )


# A Cleaner keeps its parser's state while it works, so it is not thread-safe (bleach says so): two saves
# sanitized at once by one Cleaner raised IndexError or mixed one person's text into another's. One per thread.
_local = threading.local()


def _cleaner() -> bleach.Cleaner:
    cleaner = getattr(_local, "cleaner", None)
    if cleaner is None:
        cleaner = _local.cleaner = _new_cleaner()
    return cleaner


# A block-level tag opening a line starts a raw HTML block that Markdown leaves alone until the tag is closed.
_BLOCK_TAG_AT_LINE_START = re.compile(r"^ {0,3}<([a-zA-Z][a-zA-Z0-9]*)(?=[\s/>])", re.MULTILINE)
_VOID_TAGS = frozenset({"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"})


def _unclosed_raw_block(source: str, block_tags: Iterable[str]) -> bool:
    """Whether a block-level tag opens a line and is never closed: Markdown would then keep every line after it,
    to the end, as raw HTML (a post's headings and lists shown as their Markdown source once the tag is stripped)."""
    lowered = source.lower()
    for tag in {match.group(1).lower() for match in _BLOCK_TAG_AT_LINE_START.finditer(source)}:
        if tag in block_tags and tag not in _VOID_TAGS and lowered.count(f"</{tag}") < len(
                re.findall(rf"<{tag}(?=[\s/>])", lowered)):
            return True
    return False


def render_markdown(source: str) -> Markup:
    """Turn the user's Markdown into safe HTML: no scripts, handlers, styles or odd URLs survive."""
    if not source or not source.strip():
        return Markup("")
    source = lists_after_text(source)
    md = markdown_lib.Markdown(extensions=MARKDOWN_EXTENSIONS, extension_configs=MARKDOWN_CONFIGS,
                               output_format="html")
    if _unclosed_raw_block(source, md.block_level_elements):
        # Read as Markdown with the tags inline: the stray tag is stripped below and the rest renders.
        md.preprocessors.deregister("html_block")
    return Markup(_cleaner().clean(md.convert(source)))  # noqa: S704 - this is the sanitizer


_LIST_ITEM = re.compile(r"^ {0,3}(?:[-*+]|\d{1,9}[.)])[ \t]+\S")  # "- 先寫…", "1. 暖身": a list item's first line


def lists_after_text(source: str) -> str:
    """Markdown in which a list that starts on the line after a sentence is a list, as teachers type one (and as
    GitHub reads it): python-markdown wants a blank line first, and rendered "討論：<br>- 先寫…<br>- 再寫…" as one
    paragraph of dashes. A blank line is put before such a list's first item; code blocks are left alone."""
    lines, fenced, previous = [], False, ""
    for line in source.split("\n"):
        if _FENCE.match(line):
            fenced = not fenced
        elif (not fenced and _LIST_ITEM.match(line) and previous.strip() and not _LIST_ITEM.match(previous)
              and not previous.startswith((" ", "\t", ">", "|"))):
            lines.append("")
        lines.append(line)
        previous = line if not fenced else ""
    return "\n".join(lines)


# A heading as python-markdown reads one: hashes at the very start of a line, a space after them or not (##議程).
_ATX_HEADING = re.compile(r"^(#{1,6})")
_NOTHING_SHOWN = re.compile(r"^\s*(?:<!--.*?-->\s*)*$")  # a blank line, or only HTML comments
_BARE_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d{1,9}[.)])\s*$")  # the "- " a template leaves to fill in
_FENCE = re.compile(r"^ {0,3}(```|~~~)")


def without_empty_sections(source: str) -> str:
    """Markdown without the headings that nothing follows before the next heading of their level or above (nor at
    the end): the minutes start from a template (## 議程, ## 討論, ## 決議, ## 後續工作) and a section left unfilled
    printed a bare heading on the page and in the report handed to the funder. A list item with nothing in it
    goes too (an empty bullet). Code blocks are left alone."""
    lines, fenced = [], False
    for line in source.split("\n"):
        if _FENCE.match(line):
            fenced = not fenced
        if fenced or not _BARE_LIST_ITEM.match(line):
            lines.append(line)
    while True:
        headings, fenced = [], False
        for index, line in enumerate(lines):
            if _FENCE.match(line):
                fenced = not fenced
            elif not fenced and (match := _ATX_HEADING.match(line)):
                headings.append((index, len(match.group(1))))
        empty = None
        for position, (index, level) in enumerate(headings):
            following = headings[position + 1] if position + 1 < len(headings) else None
            end = following[0] if following else len(lines)
            if all(_NOTHING_SHOWN.match(line) for line in lines[index + 1:end]) and (
                    following is None or following[1] <= level):
                empty = index
                break
        if empty is None:
            return "\n".join(lines)
        del lines[empty]


_HEADING_TAG = re.compile(r"<(/?)h([1-6])(?=[\s>])")


def headings_from(html: str | Markup, level: int) -> Markup:
    """Sanitized HTML whose headings start at `level`: the text's highest heading becomes <h{level}>, the others
    keep their depth below it, never past h6. A description's own "# 分數的加減" sat as a second h1 beside the
    page's; minutes that start at "## 討論" under the page's h3 come out as h4, not h5."""
    found = [int(match.group(2)) for match in _HEADING_TAG.finditer(str(html or "")) if not match.group(1)]
    shift = max(level, 1) - min(found) if found else 0
    if shift <= 0 or not html:
        return Markup(html or "")  # noqa: S704 - already sanitized HTML (stored by render_markdown)
    return Markup(_HEADING_TAG.sub(lambda match: f"<{match.group(1)}h{min(int(match.group(2)) + shift, 6)}",  # noqa: S704
                                   str(html)))


# Control characters, and the bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069): one
# right-to-left override in a title turned the rest of a notification or a feed line around it backwards (the
# "Trojan Source" trick). The marks LRM and RLM (U+200E, U+200F) stay: they change no text but their own neighbours.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


# What a name shows nothing of: Unicode's default-ignorable code points (soft hyphen, the zero-width space, joiners
# and marks U+200B–U+200F, word joiner and invisible operators U+2060–U+206F, variation selectors, the BOM U+FEFF,
# Hangul fillers, tags). Two names that differ only by one of them look the same: 陳怡君 and 陳怡君 + U+200B were
# two people on one board (QA).
_INVISIBLE_CLASS = ("\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f"
                    "\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
                    "\U000e0000-\U000e0fff")
_INVISIBLE_CHARS = re.compile(f"[{_INVISIBLE_CLASS}]")
# Emoji (Extended_Pictographic, near enough): a joiner between two of them and the emoji-style selector after one
# draw something (👩‍🏫 is a teacher, 👩🏫 a woman and a school), so a name keeps those two; name_key drops them too.
_PICTOGRAPHIC = ("\u00a9\u00ae\u203c\u2049\u2122\u2139\u2194-\u2199\u21a9\u21aa\u231a-\u23ff\u24c2\u25aa-\u27bf"
                 "\u2934\u2935\u2b05-\u2b55\u3030\u303d\u3297\u3299\U0001f000-\U0001faff")
_INVISIBLE_IN_NAMES = re.compile(
    f"(?P<drawn>(?<=[{_PICTOGRAPHIC}\ufe0f])\u200d(?=[{_PICTOGRAPHIC}])|(?<=[{_PICTOGRAPHIC}])\ufe0f)"
    f"|[{_INVISIBLE_CLASS}]")


def clean_line(value: str | None, *, invisible: bool = False) -> str:
    """Normalise a one-line field: NFC, no control characters (nor bidi overrides), no surrounding space.

    `invisible`: also drop every character that shows nothing (zero-width spaces and joiners, the LRM and RLM
    marks, soft hyphens, the BOM …), for a person's name, which must look like no one else's; only a joiner inside
    an emoji sequence (👩‍🏫) and an emoji's style selector stay. Titles keep them all."""
    if value is None:
        return ""
    value = unicodedata.normalize("NFC", value)
    value = _CONTROL.sub("", value).replace("\r", " ").replace("\n", " ")
    if invisible:
        value = _INVISIBLE_IN_NAMES.sub(lambda match: match.group("drawn") or "", value)
    return value.strip()


def name_key(name: str) -> str:
    """A name as people tell names apart, for comparing two (never shown): without what shows nothing, compatibility
    forms folded (NFKC: full-width Ａ is A), not by case, diacritics, spaces or script (陳怡君 = 陈怡君)."""
    return "".join(fold(_INVISIBLE_CHARS.sub("", clean_line(name))).split())


_BIDI_CONTROLS = re.compile(r"[\u202a-\u202e\u2066-\u2069]")


def isolate_bidi(text: str) -> str:
    """A name or title put into a sentence of ours, fenced in a directional isolate (FSI … PDI) when it holds bidi
    controls: one saved before clean_line dropped them can no longer turn the rest of the sentence backwards.
    Text without them is returned as it is."""
    return f"\u2068{text}\u2069" if _BIDI_CONTROLS.search(text) else text


def clean_text(value: str | None) -> str:
    """Normalise a multi-line field: NFC, Unix line ends, no control characters (nor bidi overrides) but tab and
    newline."""
    if value is None:
        return ""
    value = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", value).strip()


_INVISIBLE = frozenset({"Cf", "Cc", "Zs", "Zl", "Zp", "Mn", "Me"})


def has_visible_text(value: str) -> bool:
    """Whether a name shows anything at all (not only spaces, zero-width or combining characters)."""
    return any(unicodedata.category(char) not in _INVISIBLE for char in value)


class _TextOfHtml(HTMLParser):
    """Collects the text of an HTML fragment; block ends become line breaks."""

    BLOCK_ENDS = frozenset({"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "pre", "blockquote", "dt", "dd"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append(" ")  # cells of a row stay apart

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BLOCK_ENDS:
            self.parts.append("\n")


def html_to_text(fragment: str | None) -> str:
    """The words of an HTML fragment (say, a stored sanitized body) without its tags, a line per block.

    The standard library's parser, not the sanitizer's html5lib: this only reads text, and re-indexing a long
    plan on every save spent most of its time parsing."""
    if not fragment:
        return ""
    parser = _TextOfHtml()
    parser.feed(fragment)
    parser.close()
    lines = (line.strip() for line in "".join(parser.parts).split("\n"))
    return "\n".join(line for line in lines if line)


class _ImageSources(HTMLParser):
    """Collects the `src` of every picture of an HTML fragment, in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "img":
            source = dict(attrs).get("src")
            if source:
                self.sources.append(source)

    handle_startendtag = handle_starttag


def image_sources(fragment: str | None) -> list[str]:
    """The addresses of the pictures an HTML fragment (a stored sanitized body) shows, in order."""
    if not fragment:
        return []
    parser = _ImageSources()
    parser.feed(fragment)
    parser.close()
    return parser.sources


def markdown_to_text(source: str | None) -> str:
    """The words of a Markdown text without its markup (for search snippets and previews)."""
    if not source:
        return ""
    return html_to_text(markdown_lib.markdown(source, extensions=MARKDOWN_EXTENSIONS, output_format="html"))


def checked_line(value: str | None, field: str, limit: int, *, required: bool = False) -> str:
    """A one-line field, cleaned; refused (beside `field`) when required and empty, or longer than `limit`."""
    value = clean_line(value)
    if required and not has_visible_text(value):
        raise ValidationError(str(_l("This field is required.")), field=field)
    if len(value) > limit:
        raise ValidationError(str(_l("Use at most %(count)d characters.", count=limit)), field=field)
    return value


def checked_list(values: str | Iterable[str] | None, field: str, limit: int = 10, length: int = 60) -> list[str]:
    """A short list typed in one line (subjects, tags): split at commas (also 、 and ，), each item cleaned,
    repeats dropped; refused (beside `field`) when an item is longer than `length` or there are more than
    `limit`. The one reader of such lists: an activity's subjects and tags, a teacher's subjects."""
    parts = values.replace("、", ",").replace("，", ",").split(",") if isinstance(values, str) else list(values or [])
    items: list[str] = []
    for part in parts:
        item = clean_line(part)
        if item and has_visible_text(item) and item not in items:
            if len(item) > length:
                raise ValidationError(str(_l("Use at most %(count)d characters.", count=length)), field=field)
            items.append(item)
    if len(items) > limit:
        raise ValidationError(str(_l("Use at most %(count)d entries.", count=limit)), field=field)
    return items


def checked_text(value: str | None, field: str, limit: int) -> str:
    """A multi-line field, cleaned; refused (beside `field`) when longer than `limit`."""
    value = clean_text(value)
    if len(value) > limit:
        raise ValidationError(str(_l("Use at most %(count)d characters.", count=limit)), field=field)
    return value
