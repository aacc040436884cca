"""The language of what people write, for `lang` on its container (WCAG 3.1.2, Language of Parts).

A page's `<html lang>` is the reader's interface language, but a post, a plan section or a mentoring note is in
whatever language its author wrote. An English reader's screen reader read a Traditional Chinese post with an
English voice, and a 简体 reader's browser drew Traditional text with Simplified glyph forms (and the reverse).

`text_language(text)` tells: no Han character → None (the page's language stands); Han → zh-Hant or zh-Hans by
the characters that only one script writes (counted one character at a time with OpenCC: 們 changes under t2s,
们 under s2tw); neither or a tie → the fallback given. Japanese is not told (no `ja`): a text with kana among
its Han characters is left to the page.
`lang_attribute(text)` (the template filter `|lang_attr`) writes ` lang="zh-Hant"` only when that differs from
the page's language. The answer depends on the text, the page's language and the deployment's default language
only, so a cached fragment (keyed by its versions and the language, core/fragments.py) may hold it.
"""

from __future__ import annotations

import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Hashable, Iterable

from flask import current_app, has_app_context
from markupsafe import Markup, escape

from workspace.core.i18n import HTML_LANG, current_locale_code, script_converter

# CJK ideographs: the unified blocks and extensions A–H, and the compatibility ideographs.
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_KANA = re.compile("[\u3041-\u309f\u30a1-\u30fa\u30fc-\u30ff\u31f0-\u31ff\uff66-\uff9d]")  # not ・ (U+30FB)

# Characters Traditional text writes too (台灣, 公里, 核准, 皇后, 若干, 游泳; names such as 范, 余, 游, 杰, 岳, 涂),
# which s2tw turns into another all the same: counted as Simplified, they made 「台北的天氣」 a tie and a short
# Taiwanese title Simplified. (s2tw rather than s2t: s2t also turns 群 into 羣 and 吃 into 喫, which Taiwan does not.)
_BOTH_SCRIPTS = frozenset("台里准后于范余干游斗郁云征朴丑仆佣咸岳杰涂筑尸占凶夸帘几")

# Each character's evidence, worked out once per process: (is Traditional only, is Simplified only).
_CHARACTERS: dict[str, tuple[bool, bool]] = {}
_CHARACTERS_LOCK = threading.Lock()

_UNDECIDED = "zh"  # Han, but no character only one script writes (中文, 一起), or as many of each


class _Memo:
    """A bounded LRU of answers by key (entries, not bytes: an answer is a short tag), safe for threads."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, str | None] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, default: str) -> str | None:
        """The answer kept under `key` (now the most recently used), else `default`."""
        with self._lock:
            if key not in self._entries:
                return default
            self._entries.move_to_end(key)
            return self._entries[key]

    def put(self, key: Hashable, answer: str | None) -> None:
        """Keep `answer` under `key`, dropping the least recently used beyond max_entries."""
        with self._lock:
            self._entries[key] = answer
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        """Forget every answer."""
        with self._lock:
            self._entries.clear()


# By the text's hash and length, not the text (core/search._marked keys its memo so): a post body is not kept
# twice in memory, and 50 000 keys of a few dozen bytes stay under ~8 MB per process.
_MEMO = _Memo(max_entries=50_000)
_MISSING = "\x00"


def _evidence(characters: set[str]) -> None:
    """Work out, in one conversion each way, which of `characters` (not yet known) only one script writes."""
    ordered = sorted(characters)
    joined = "\n".join(ordered)  # a line break between characters: OpenCC converts each alone, no phrase spans it
    simplified = script_converter("t2s").convert(joined).split("\n")
    traditional = script_converter("s2tw").convert(joined).split("\n")
    if len(simplified) != len(ordered) or len(traditional) != len(ordered):  # never seen; decide one by one
        simplified = [script_converter("t2s").convert(char) for char in ordered]
        traditional = [script_converter("s2tw").convert(char) for char in ordered]
    with _CHARACTERS_LOCK:
        for char, as_simplified, as_traditional in zip(ordered, simplified, traditional, strict=True):
            _CHARACTERS[char] = (as_simplified != char,
                                 as_traditional != char and as_simplified == char and char not in _BOTH_SCRIPTS)


def _script(text: str) -> str | None:
    """zh-Hant, zh-Hans, _UNDECIDED for Han text of neither script, None for text without Han (or Japanese)."""
    counts = Counter(_HAN.findall(text))
    if not counts:
        return None
    if len(_KANA.findall(text)) * 10 >= counts.total():
        return None  # Japanese (its kanji read as 学 or 国 would have made it Simplified Chinese): left to the page
    unknown = {char for char in counts if char not in _CHARACTERS}
    if unknown:
        _evidence(unknown)
    traditional = simplified = 0
    for char, count in counts.items():
        only_traditional, only_simplified = _CHARACTERS[char]
        traditional += count * only_traditional
        simplified += count * only_simplified
    if traditional > simplified:
        return "zh-Hant"
    if simplified > traditional:
        return "zh-Hans"
    return _UNDECIDED


def written_script(text: str | None) -> str | None:
    """The script `text` is written in: "zh-Hant", "zh-Hans", "zh" (Han characters both scripts write, or as
    many of each), or None when it holds no Han character (English, numbers, emoji). Memoised per text."""
    if not text:
        return None
    key = (hash(text), len(text))
    found = _MEMO.get(key, _MISSING)
    if found == _MISSING:
        found = _script(text)
        _MEMO.put(key, found)
    return found


def text_language(text: str | None, fallback: str | None = None) -> str | None:
    """The language `text` is written in as an HTML tag: zh-Hant or zh-Hans by its script, `fallback` (a tag,
    e.g. the community's records language) when its Han characters do not tell, None when it has none."""
    script = written_script(text)
    if script == _UNDECIDED:
        return fallback
    return script


_ATTRIBUTES = {tag: Markup(f' lang="{tag}"') for tag in ("zh-Hant", "zh-Hans")}  # noqa: S704 - fixed tags
_NOTHING = Markup("")


def page_language() -> str:
    """The page's `<html lang>`: the reader's interface language as a tag (zh-Hant, zh-Hans, en). Read once per
    render (core/templating puts it in the context as `_page_lang`), not once per marked text."""
    return HTML_LANG.get(current_locale_code(), "zh-Hant")


def _default_language() -> str | None:
    """The deployment's default language as a tag when it is Chinese (what a community's records are written in
    when its members chose no other), else None."""
    if not has_app_context():
        return None
    tag = HTML_LANG.get(current_app.config.get("BABEL_DEFAULT_LOCALE", ""))
    return tag if tag and tag.startswith("zh") else None


def lang_attribute(text: str | None, page: str | None = None) -> Markup:
    """` lang="zh-Hant"` for an element holding `text` when its language differs from the page's, else nothing.

    Han text that does not tell its script reads as the page's on a Chinese page (no character of it is drawn
    otherwise in the other script), and as the deployment's default language on an English page: the
    community's own records language would cost a query per page, and would have to join every fragment's key.
    `page` is the page's language when the caller knows it (the template filter reads it from the context).
    """
    script = written_script(text)
    if script is None:
        return _NOTHING
    page = page or page_language()
    if script == _UNDECIDED:
        if page.startswith("zh"):
            return _NOTHING
        script = _default_language()
    return _ATTRIBUTES[script] if script and script != page else _NOTHING


def lang_span(text: str | None, page: str | None = None) -> Markup:
    """`text` escaped, inside `<span lang="…">` when its language differs from the page's: for a title written
    inline among the interface's own words (a heading that also holds badges), where no element is its own."""
    attribute = lang_attribute(text, page)
    escaped = escape(text or "")
    return Markup(f"<span{attribute}>{escaped}</span>") if attribute else escaped  # noqa: S704 - escaped above


def mark_within(sentence: str | None, written: Iterable[str | None], page: str | None = None) -> Markup:
    """A sentence of ours, already said in the reader's language, that holds values people wrote (an activity's
    title, a payee, a teacher's name): the sentence escaped, each of those values inside it in a
    `<span lang="…">` where its language differs from the page's. For a sentence built in Python and shown both
    on pages and in documents (compliance's gaps), which cannot carry the mark itself."""
    page = page or page_language()
    values = sorted({value for value in written if value and lang_attribute(value, page)}, key=len, reverse=True)
    escaped = str(escape(sentence or ""))
    spans: list[str] = []
    for value in values:  # the longest first: a name inside a longer title is marked with the title
        found = str(escape(value))
        if found not in escaped:
            continue
        escaped = escaped.replace(found, f"\x00{len(spans)}\x00")
        spans.append(str(lang_span(value, page)))
    for index, span in enumerate(spans):
        escaped = escaped.replace(f"\x00{index}\x00", span)
    return Markup(escaped)  # noqa: S704 - escaped above, each span escaped by lang_span
