"""The interface languages: complete catalogues in step with the code, and the locale chosen per request.

When a test here fails because a string is missing: run `make extract-messages`, translate the new
entries in workspace/translations/zh_Hant and zh_Hans (shared/design/GLOSSARY.md has the words),
then `make translations`.
"""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po
from sqlalchemy import select

from tests.factories import make_user
from workspace.auth.models import User
from workspace.extensions import db

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "workspace" / "translations"
CATALOG_LOCALES = ("zh_Hant", "zh_Hans")
HINT = "run `make extract-messages`, translate the new entries in both catalogues, then `make translations`"

# A named placeholder (%(name)s, %(num)d, %(size).1f …); "%%" is a literal percent sign.
PLACEHOLDER = re.compile(r"%\((\w+)\)[#0\- +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")


def _po_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def _read(locale: str) -> Catalog:
    with _po_path(locale).open("rb") as handle:
        return read_po(handle)


def _messages(catalog: Catalog) -> list[Message]:
    return [message for message in catalog if message.id]


def _singular(message: Message) -> str:
    return message.id[0] if message.pluralizable else message.id


def _translations(message: Message) -> list[str]:
    return list(message.string) if message.pluralizable else [message.string]


def _placeholders(text: str) -> list[str]:
    return sorted(match.group(0) for match in PLACEHOLDER.finditer(text))


def _stray_percent(text: str) -> bool:
    """A '%' that is neither a placeholder nor '%%' (Jinja's newstyle gettext always formats)."""
    return "%" in PLACEHOLDER.sub("", text).replace("%%", "")


# --- the catalogues ------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", CATALOG_LOCALES)
def test_catalog_headers(locale):
    catalog = _read(locale)
    assert catalog.locale_identifier == locale
    assert catalog.num_plurals == 1
    assert catalog.plural_expr == "0"
    assert "nplurals=1; plural=0;" in catalog.plural_forms
    assert catalog.fuzzy is False, "the catalogue header is marked fuzzy"


@pytest.mark.parametrize("locale", CATALOG_LOCALES)
def test_every_message_is_translated_and_not_fuzzy(locale):
    catalog = _read(locale)
    messages = _messages(catalog)
    assert messages, f"{locale} catalogue is empty: {HINT}"
    untranslated = [_singular(m) for m in messages if not all(_translations(m))]
    fuzzy = [_singular(m) for m in messages if m.fuzzy]
    assert not untranslated, f"untranslated in {locale}: {untranslated}"
    assert not fuzzy, f"fuzzy (check, then remove the flag) in {locale}: {fuzzy}"
    wrong_plurals = [_singular(m) for m in messages if m.pluralizable and len(m.string) != 1]
    assert not wrong_plurals, f"Chinese has one plural form (nplurals=1) in {locale}: {wrong_plurals}"


@pytest.mark.parametrize("locale", CATALOG_LOCALES)
def test_translations_keep_the_placeholders(locale):
    problems = []
    for message in _messages(_read(locale)):
        sources = list(message.id) if message.pluralizable else [message.id]
        expected = sorted(set().union(*(_placeholders(source) for source in sources)))
        for translation in _translations(message):
            stray = _stray_percent(translation) and not any(_stray_percent(source) for source in sources)
            if stray or sorted(set(_placeholders(translation))) != expected:
                problems.append((_singular(message), translation))
    assert not problems, f"placeholders differ from the English in {locale}: {problems}"


# A person's name or a day written before 的 takes no space in Chinese (QA: 「2026年12月5日 的觀課」,
# 「黃美玲 的省思」); an amount, an address or a program's key may keep one.
NAME_OR_DAY = re.compile(r"%\((?:name|observed|date|day)\)s 的")


@pytest.mark.parametrize("locale", CATALOG_LOCALES)
def test_no_space_between_a_name_or_a_day_and_de(locale):
    spaced = [translation for message in _messages(_read(locale)) for translation in _translations(message)
              if NAME_OR_DAY.search(translation)]
    assert not spaced, f"a space before 的 in {locale}: {spaced}"


@pytest.mark.parametrize("locale", CATALOG_LOCALES)
def test_the_catalogs_pass_the_checks_their_compilation_runs(locale):
    """`pybabel compile` refuses a catalog whose translation names a placeholder its message lacks (an
    ngettext's %(num)d kept in Chinese's single form, say): `make run` and CI then stop before any test runs."""
    problems = [(_singular(message), [str(error) for error in errors]) for message, errors in _read(locale).check()]
    assert not problems, f"{locale}: {problems}"


def test_required_translations():
    """Words the browser tests and the teachers rely on."""
    hant = {m.id: m.string for m in _messages(_read("zh_Hant"))}
    hans = {m.id: m.string for m in _messages(_read("zh_Hans"))}
    assert hant["My communities"] == "我的社群"
    assert hans["My communities"] == "我的社群"
    assert hant["Log in"] == "登入"
    assert hans["Log in"] == "登录"


def test_simplified_chinese_says_no_taiwan_words_nor_corner_quotes():
    """QA: 栏位 (字段), 辨识 (识别), 装置 (设备), 分页 for a browser tab (标签页: 分页 is a list's pages) and 「」
    (“”) had leaked from Taiwan's usage into the Simplified catalogue."""
    for message in _messages(_read("zh_Hans")):
        tab = re.search(r"\btabs?\b", " ".join(message.id) if message.pluralizable else message.id) is not None
        for text in _translations(message):
            assert not any(word in text for word in ("栏位", "辨识", "装置", "「", "」")), (message.id, text)
            assert not (tab and "分页" in text), (message.id, text)


@pytest.mark.parametrize(("locale", "words"), [("zh_Hant", ("審查委員", "報名")), ("zh_Hans", ("审查委员", "报名"))])
def test_reviewers_and_enrolments_are_named_with_the_glossary_s_words(locale, words):
    """QA 10: the panel said 請洽確認的審查委員 and a notice 已確認…的報名, where the glossary and every other page say
    審查人員 and 參加 (參加補助計畫, 確認參加)."""
    for message in _messages(_read(locale)):
        for text in _translations(message):
            assert not any(word in text for word in words), (message.id, text)


@pytest.mark.parametrize(("locale", "old", "approved"), [("zh_Hant", "核定金額", "核撥數"),
                                                        ("zh_Hans", "核定金额", "核拨数")])
def test_the_funds_approved_are_named_with_the_glossary_s_word(locale, old, approved):
    """QA 13: the glossary's "funds approved / remaining" is 核撥數 / 結餘數; the interface said 核定金額 in 18
    strings, beside 結餘數 on the reviewers' table."""
    catalog = _read(locale)
    for message in _messages(catalog):
        for text in _translations(message):
            assert old not in text, (message.id, text)
    assert catalog.get("Approved amount").string == catalog.get("Approved").string == approved


def test_the_interface_says_nin_not_ni():
    """QA 13: the library said 分享給你學校的資源 where every other page says 您 (both catalogues: 你們兩位 too)."""
    for locale in CATALOG_LOCALES:
        for message in _messages(_read(locale)):
            for text in _translations(message):
                assert "你" not in text, (locale, message.id, text)


@pytest.mark.parametrize(("locale", "sign_up", "create"), [("zh_Hant", "註冊帳號", "建立帳號"),
                                                            ("zh_Hans", "注册账号", "创建账号")])
def test_an_administrator_creates_an_account_where_a_visitor_signs_up(locale, sign_up, create):
    """QA 13: the administrator's Create an account page and link said 註冊帳號, the login page's word for signing
    oneself up; its button said 建立帳號."""
    catalog = _read(locale)
    assert catalog.get("Create an account").string == sign_up
    assert catalog.get("Create an account", context="an administrator making an account for someone").string == create


def test_catalogs_are_in_step_with_the_code(tmp_path):
    """Every string in the code and templates, extracted afresh as `make extract-messages` does, is translated."""
    pot = tmp_path / "messages.pot"
    CommandLineInterface().run([
        "pybabel", "--quiet", "extract",
        "-F", str(ROOT / "babel.cfg"), "-k", "_l", "-k", "lazy_gettext", "-k", "N_",
        "-o", str(pot), "--no-location", "--sort-output", str(ROOT),
    ])
    with pot.open("rb") as handle:
        extracted = {_singular(message) for message in _messages(read_po(handle))}
    assert len(extracted) > 100, "the extraction found almost nothing: is babel.cfg right?"
    for locale in CATALOG_LOCALES:
        known = {_singular(message) for message in _messages(_read(locale))}
        missing = sorted(extracted - known)
        assert not missing, f"not in the {locale} catalogue ({HINT}): {missing}"


# A gettext call inside an f-string's braces: the extraction does not see it, so its words stay English.
GETTEXT_IN_FSTRING = re.compile(r"\{[^{}]*(?<![\w.])(?:_|_l|gettext|ngettext|lazy_gettext|N_)\(\s*[\"']")


def test_no_message_is_hidden_from_the_extraction_in_an_f_string():
    """`f"{n}. {_('Budget plan')}"` is translated at run time only if its words are in the catalogue, and the
    extraction does not read inside f-strings (Python 3.11 keeps an f-string one token): such a heading printed
    in English in a Chinese document. Format the translated words into a string instead."""
    hidden = []
    for path in sorted((ROOT / "workspace").rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            prefix = re.match(r"[A-Za-z]*", token.string).group(0).lower() if token.type == tokenize.STRING else ""
            if "f" in prefix and GETTEXT_IN_FSTRING.search(token.string):
                hidden.append(f"{path.relative_to(ROOT)}:{token.start[0]}")
    assert not hidden, f"gettext inside an f-string (not extracted): {hidden}"


# --- the language of a page ----------------------------------------------------------------------


def _login_page(client, accept_language: str) -> str:
    response = client.get("/login", headers={"Accept-Language": accept_language})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_traditional_chinese_for_taiwan(client):
    page = _login_page(client, "zh-TW,zh;q=0.9,en;q=0.5")
    assert '<html lang="zh-Hant">' in page
    assert "登入" in page
    assert "Log in" not in page


def test_simplified_chinese_for_the_mainland(client):
    page = _login_page(client, "zh-CN,zh;q=0.9")
    assert '<html lang="zh-Hans">' in page
    assert "登录" in page
    assert "Log in" not in page


def test_english(client):
    page = _login_page(client, "en-GB,en;q=0.9")
    assert '<html lang="en">' in page
    assert "Log in" in page
    assert "登入" not in page


def test_saved_locale_wins_over_the_browser(client, ctx):
    user = make_user(locale="zh_Hans")
    client.login(user)
    response = client.get("/", headers={"Accept-Language": "zh-TW"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<html lang="zh-Hans">' in page
    assert "退出登录" in page  # "Log out" in Simplified
    assert "登出" not in page  # … not in Traditional


def test_visitor_switches_language_for_the_session(client):
    assert "登入" in _login_page(client, "zh-TW")
    response = client.post_form("/locale", {"locale": "en", "next": "/login"}, headers={"Accept-Language": "zh-TW"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")
    page = _login_page(client, "zh-TW")
    assert '<html lang="en">' in page
    assert "Log in" in page


def test_user_switch_is_saved_on_the_account(client, ctx):
    user = make_user(locale="zh_Hant")
    client.login(user)
    response = client.post_form("/locale", {"locale": "en", "next": "/login"}, headers={"Accept-Language": "zh-TW"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(User.locale).where(User.id == user.id)) == "en"
    page = client.get("/", headers={"Accept-Language": "zh-TW"}).get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "My communities" in page


def test_unknown_locale_is_refused(client):
    client.post_form("/locale", {"locale": "fr", "next": "/login"}, headers={"Accept-Language": "zh-CN"})
    page = _login_page(client, "zh-CN")
    assert '<html lang="zh-Hans">' in page
