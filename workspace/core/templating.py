"""What every template can use: the policy, local dates, the language switcher. An area's own labels
(`role_label` …) are registered with its blueprint (`bp.add_app_template_global`), so core names no area."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, request
from flask_babel import get_locale, pgettext
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup, escape

from workspace.core.fragments import decisions, fragment
from workspace.core.i18n import (
    HTML_LANG,
    LOCALE_NAMES,
    LOCALES,
    format_file_size,
    format_hours,
    format_money,
    in_reader_script,
    listing,
    local_date,
    local_datetime,
    local_moment,
    local_span,
    month_year,
    zone_label,
)
from workspace.core.render_memo import fixed_url, page_can, page_csrf_token
from workspace.core.text import headings_from
from workspace.core.text_language import lang_attribute, lang_span, mark_within, page_language
from workspace.core.urls import external_url

HTMX_SCRIPT = "vendor/htmx-2.0.11.min.js"


def current_locale() -> str:
    locale = get_locale()
    return str(locale) if locale else "zh_Hant"


# A run of Chinese in an English sentence: the funder's and the teachers' own terms (成果報告, 二次備課, 附件1's 附件).
# Digits between Chinese characters belong to the term (民國100年1月1日 is one date).
_CHINESE_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff](?:[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]"
                          r"|\d+(?=[\u3400-\u9fff\uf900-\ufaff]))*")


def chinese_terms(text: str) -> Markup:
    """In an English page, each Chinese term of a sentence marked `lang="zh-Hant"`, so that a screen reader reads it
    with a Chinese voice (it spelled "CJK character" or skipped it); a Chinese page's text is left as it is. For
    element text only, never an attribute's value."""
    escaped = escape(text)  # the text is escaped first; a run of Chinese characters holds no markup to escape
    if current_locale() != "en":
        return escaped
    return Markup(_CHINESE_RUN.sub(lambda run: f'<span lang="zh-Hant">{run.group()}</span>', str(escaped)))  # noqa: S704


@pass_context
def template_lang_attr(context: Any, text: str | None) -> Markup:
    """`|lang_attr`: the page's language read from the render's context (a dict lookup; Babel's locale costs
    a few proxies per call, and a thread page asks fifty times), else asked."""
    return lang_attribute(text, context.get("_page_lang"))


@pass_context
def template_lang_span(context: Any, text: str | None) -> Markup:
    """`|lang_span`, as `|lang_attr`."""
    return lang_span(text, context.get("_page_lang"))


@pass_context
def template_mark_within(context: Any, sentence: str | None, written: Any) -> Markup:
    """`{{ sentence|mark_within(values) }}`: a sentence of ours built in Python, the values people wrote inside it
    marked with their language (core/text_language.mark_within)."""
    return mark_within(sentence, written or (), context.get("_page_lang"))


def sentence_gap() -> str:
    """What stands between two sentences written one after the other: a space in English, nothing in Chinese
    (「…傳給他們。召集人：…」, not 「…傳給他們。 召集人：…」)."""
    return " " if current_locale() == "en" else ""


def install(app: Flask) -> None:
    """Expose the shared helpers to every template."""
    app.jinja_env.globals.update(
        can=page_can,  # decided once per page (core/render_memo.py)
        csrf_token=page_csrf_token,  # replaces Flask-WTF's, which is asked once per form
        fixed_url=fixed_url,
        fragment=fragment,  # {% call fragment(name, *versions) %} … {% endcall %}: core/fragments.py
        decisions=decisions,
        current_locale=current_locale,
        LOCALES=LOCALES,
        LOCALE_NAMES=LOCALE_NAMES,
        html_lang=lambda: HTML_LANG.get(current_locale(), "zh-Hant"),
        external_url=external_url,
        htmx_script=HTMX_SCRIPT,
        zone_label=zone_label,  # the time zone times are typed in, in the reader's words
        pgettext=pgettext,  # a word that means two things in English ("Leave": 請假 or 退出)
        sentence_gap=sentence_gap,  # {{ _("One.") }}{{ sentence_gap() }}{{ _("Two.") }}
    )
    app.jinja_env.filters.update(datetime=local_datetime, date=local_date, moment=local_moment, month=month_year,
                                 span=local_span,
                                 hours=format_hours, money=format_money, reader_script=in_reader_script,
                                 filesize=format_file_size,  # 40.2 MB
                                 headings_from=headings_from, chinese_terms=chinese_terms, listing=listing,
                                 # <div class="prose"{{ post.body|lang_attr }}>: ` lang="zh-Hant"` when the text's
                                 # language is not the page's (core/text_language.py)
                                 lang_attr=template_lang_attr,
                                 lang_span=template_lang_span,  # {{ doc.topic|lang_span }}: the same, inline
                                 mark_within=template_mark_within)  # {{ sentence|mark_within(its titles) }}

    @app.context_processor
    def _request_context() -> dict[str, Any]:
        # The user object itself, not the proxy: a page reads `user` dozens of times.
        # csrf_token again: Flask-WTF's own context processor puts its generate_csrf in every context, over the
        # global, and a page drew the token through it once per form (and a cached fragment needs the memo's
        # placeholder).
        return {"user": current_user._get_current_object(), "csrf_token": page_csrf_token,
                "current_path": request.full_path.rstrip("?") if request else "/",
                "_page_lang": page_language()}  # once per render, for |lang_attr
