"""The language of what people write (core/text_language): its script told by its characters, and `lang` written on
its container only where it differs from the page's (WCAG 3.1.2, Language of Parts)."""

from __future__ import annotations

import pytest
from markupsafe import Markup

from workspace.core import text_language as module
from workspace.core.text_language import lang_attribute, text_language, written_script

LANGUAGES = {"zh_Hant": "zh-TW", "zh_Hans": "zh-CN", "en": "en"}


@pytest.mark.parametrize(("text", "expected"), [
    ("我們下週二在台中開會，請帶教案。", "zh-Hant"),
    ("我们下周二在台中开会，请带教案。", "zh-Hans"),
    ("數學領域共同備課", "zh-Hant"), ("数学领域共同备课", "zh-Hans"),
    # characters Taiwan writes too, which OpenCC's s2t(w) turns all the same, are no sign of Simplified
    ("台北的天氣", "zh-Hant"), ("范老師的游泳課", "zh-Hant"), ("核准公文", "zh"), ("群組", "zh-Hant"),
    ("吃飯了嗎", "zh-Hant"), ("吃饭了吗", "zh-Hans"), ("群组", "zh-Hans"),
    # mixed: the script most of its telling characters are in
    ("這學期的觀課紀錄已經上傳，大家辛苦了（附上简体版的教案）", "zh-Hant"),
    ("这学期的观课记录已经上传，大家辛苦了（附上繁體版）", "zh-Hans"),
    ("Unit 3 教學反思: students liked 分組討論", "zh-Hant"),
    # Han that does not tell: both scripts write every character
    ("中文", "zh"), ("一起上課", "zh-Hant"), ("一起", "zh"), ("台", "zh"), ("體 or 体", "zh"),
    # no Han at all
    ("Hello, team!", None), ("2027-01-05 15:00", None), ("👍🎉🙂", None), ("", None), (None, None),
    ("   ", None), ("Ｆｕｌｌｗｉｄｔｈ　ｌａｔｉｎ", None), ("ひらがなカタカナ", None), ("한국어", None),
    # Japanese is left to the page, not taken for Chinese by its kanji (学 and 国 are Simplified Chinese too)
    ("日本語の学校に行きます", None), ("パーティーへ行かないか", None), ("表ポあA鷗ŒéＢ逍Üßªąñ丂㐀𠀀", None),
    ("中文課・第三單元", "zh-Hant"),  # the middle dot is no kana
    ("\u200b\u200d\ufeff", None),
])
def test_the_script_of_a_text_is_told_by_its_characters(text, expected):
    assert written_script(text) == expected


def test_text_that_does_not_tell_takes_the_fallback_and_text_without_han_never_does():
    assert text_language("中文", fallback="zh-Hant") == "zh-Hant"
    assert text_language("中文") is None
    assert text_language("中文們", fallback="zh-Hans") == "zh-Hant"
    assert text_language("English only", fallback="zh-Hant") is None


def test_long_mixed_documents_are_told_by_their_majority(shared_dir):
    """The seed documents are real Chinese text found on the web, each mostly in one script."""
    seeds = sorted((shared_dir / "seeds").glob("*.txt"))
    assert seeds
    found = {written_script(path.read_text(encoding="utf-8")) for path in seeds}
    assert found == {"zh-Hant", "zh-Hans"}


def test_every_naughty_string_gets_an_answer_and_an_attribute_that_is_one_of_three(app, naughty):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        for text in naughty:
            assert written_script(text) in {None, "zh", "zh-Hant", "zh-Hans"}
            assert str(lang_attribute(text)) in {"", ' lang="zh-Hant"', ' lang="zh-Hans"'}


def test_the_answer_is_kept_per_text_and_the_conversion_not_repeated(monkeypatch):
    text = "這是一則只為這個測試寫的貼文：記憶。"
    english = "Plain English, kept as None too"
    module._MEMO.clear()
    assert written_script(text) == "zh-Hant"
    assert written_script(english) is None
    monkeypatch.setattr(module, "_script", lambda _text: pytest.fail("worked out twice"))
    assert written_script(text) == "zh-Hant"
    assert written_script("".join(list(text))) == "zh-Hant"  # another string object with the same text
    assert written_script(english) is None


def test_the_memo_is_bounded():
    memo = module._Memo(max_entries=3)
    for number in range(10):
        memo.put(number, "zh-Hant")
    assert memo.get(0, "missing") == "missing"
    assert memo.get(9, "missing") == "zh-Hant"
    assert len(memo._entries) == 3


@pytest.mark.parametrize(("locale", "text", "expected"), [
    ("en", "我們的共備紀錄", ' lang="zh-Hant"'), ("en", "我们的共备记录", ' lang="zh-Hans"'),
    ("en", "Our notes", ""), ("en", "👍", ""),
    ("zh_Hant", "我們的共備紀錄", ""), ("zh_Hant", "我们的共备记录", ' lang="zh-Hans"'), ("zh_Hant", "Our notes", ""),
    ("zh_Hans", "我們的共備紀錄", ' lang="zh-Hant"'), ("zh_Hans", "我们的共备记录", ""),
    # Han that does not tell reads as a Chinese page's own; on an English page as the deployment's default
    ("zh_Hans", "中文", ""), ("zh_Hant", "中文", ""), ("en", "中文", ' lang="zh-Hant"'),
])
def test_lang_is_written_only_where_the_text_is_not_in_the_pages_language(app, locale, text, expected):
    with app.test_request_context(headers={"Accept-Language": LANGUAGES[locale]}):
        assert str(lang_attribute(text)) == expected


def test_han_that_does_not_tell_is_left_to_an_english_page_of_an_english_deployment(app, monkeypatch):
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "en")
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert lang_attribute("中文") == Markup("")
        assert lang_attribute("中文們") == Markup(' lang="zh-Hant"')


def test_templates_have_the_filter(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        rendered = app.jinja_env.from_string('<p{{ text|lang_attr }}>{{ text }}</p>').render(text="備課")
    assert rendered == '<p lang="zh-Hant">備課</p>'


def test_a_sentence_of_ours_marks_the_values_people_wrote_inside_it(app):
    """mark_within (QA13: a gap's sentence built in Python, "The activity of … (共同備課) has no photo", read the title
    with an English voice): each value found is wrapped, the rest escaped, a value of the page's language left."""
    from workspace.core.text_language import mark_within

    sentence = "The expense of 3 May to <陳明德教授> for 研讨茶水 (NT$140) by 陳明德 has no receipt."
    with app.test_request_context(headers={"Accept-Language": "en"}):
        marked = mark_within(sentence, ["<陳明德教授>", "研讨茶水", "陳明德", "", None, "absent 名字"])
        assert marked == ('The expense of 3 May to <span lang="zh-Hant">&lt;陳明德教授&gt;</span> for '
                          '<span lang="zh-Hans">研讨茶水</span> (NT$140) by <span lang="zh-Hant">陳明德</span> has no '
                          'receipt.')
        template = app.jinja_env.from_string("{{ text|mark_within(values) }}")
        rendered = template.render(text="To 林老師", values=["林老師"])
        assert rendered == 'To <span lang="zh-Hant">林老師</span>'
    with app.test_request_context(headers={"Accept-Language": "zh-TW"}):
        marked = mark_within("付給 陳明德 的 研讨茶水", ["陳明德", "研讨茶水"])
        assert marked == '付給 陳明德 的 <span lang="zh-Hans">研讨茶水</span>'
