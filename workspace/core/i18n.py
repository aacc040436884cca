"""Interface languages: the user's choice, else the browser's Accept-Language; dates in the user's locale."""

from __future__ import annotations

import datetime as dt
import functools
import re
from decimal import Decimal
from typing import Any

import flask_babel
from babel import Locale
from babel.core import get_global
from babel.dates import (
    DateTimePattern,
    format_skeleton,
    get_date_format,
    get_datetime_format,
    get_time_format,
    get_timezone,
    get_timezone_name,
    parse_pattern,
)
from babel.numbers import format_currency, get_currency_symbol
from babel.numbers import format_decimal as babel_format_decimal
from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import format_date, format_datetime, format_decimal
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup, escape

LOCALES = ("zh_Hant", "zh_Hans", "en")
LOCALE_NAMES = {"zh_Hant": "繁體中文", "zh_Hans": "简体中文", "en": "English"}
HTML_LANG = {"zh_Hant": "zh-Hant", "zh_Hans": "zh-Hans", "en": "en"}

# Browser tags that mean a script: Taiwan, Hong Kong and Macau write Traditional; the rest Simplified.
_TRADITIONAL_REGIONS = {"tw", "hk", "mo", "hant"}


def locale_from_tag(tag: str) -> str | None:
    """Map a language tag (zh-TW, zh-Hans-CN, en-GB …) to one of our locales, or None."""
    parts = tag.replace("_", "-").lower().split("-")
    if parts[0] == "en":
        return "en"
    if parts[0] == "zh":
        if "hant" in parts[1:]:
            return "zh_Hant"
        if "hans" in parts[1:]:
            return "zh_Hans"
        if any(part in _TRADITIONAL_REGIONS for part in parts[1:]):
            return "zh_Hant"
        return "zh_Hans"
    return None


def negotiate_locale(accept_language: list[tuple[str, float]]) -> str | None:
    """Pick the best of our locales from Accept-Language entries (tag, quality), best first."""
    for tag, _quality in sorted(accept_language, key=lambda item: -item[1]):
        locale = locale_from_tag(tag)
        if locale:
            return locale
    return None


def select_locale() -> str:
    """Flask-Babel's locale selector: the user's saved choice, the session's, then the browser's."""
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    saved = current_user.locale if current_user and current_user.is_authenticated else None
    return choose_locale(saved)


def choose_locale(saved: str | None) -> str:
    """The request's locale for a reader whose saved choice is `saved` (None for a visitor): that choice, the
    session's, then the browser's. The page cache asks it before the user is loaded."""
    if saved in LOCALES:
        return saved
    chosen = session.get("locale")
    if chosen in LOCALES:
        return chosen
    return negotiate_locale(list(request.accept_languages)) or current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["TIMEZONE"]


_STYLES = ("full", "long", "medium", "short")


@functools.lru_cache(maxsize=64)
def _patterns(locale: Locale, style: str) -> tuple[str, DateTimePattern, DateTimePattern]:
    """A locale's date-and-time layout and its parsed date and time patterns for a style, read once per process.

    Babel looks the three up in the locale data and parses them on every call; a page showing fifty timestamps
    asked for the same three fifty times.
    """
    return (get_datetime_format(style, locale=locale).replace("'", ""),
            parse_pattern(get_date_format(style, locale=locale)),
            parse_pattern(_twenty_four_hours(get_time_format(style, locale=locale).pattern)))


def _twenty_four_hours(pattern: str) -> str:
    """A CLDR time pattern on the 24-hour clock of school timetables: English's h:mm:ss a and Traditional
    Chinese's Bh:mm:ss (下午3:00:00) read HH:mm:ss, as the activities' times and Simplified Chinese do (a saved-at
    beside a 15:00 activity read 3:00:00 PM)."""
    if "h" not in pattern:
        return pattern
    # The day period (a: AM/PM, B: 下午) goes with the space around it, one space kept between two parts.
    without = re.sub(r"[\s\u202f]*[aB]+[\s\u202f]*",
                     lambda match: " " if match.start() > 0 and match.end() < len(match.string) else "", pattern)
    return re.sub(r"h+", "HH", without)


def _reader_locale() -> Locale:
    return flask_babel.get_locale() or Locale.parse(current_app.config["BABEL_DEFAULT_LOCALE"])


@functools.cache
def script_converter(config: str) -> Any:
    """The OpenCC converter of `config` ("t2s", "s2tw"), one per process: each loads its dictionaries once.
    Search folds with it too (core/search builds the t2s one when it is imported)."""
    import opencc

    return opencc.OpenCC(config)


def listing(items: Any) -> str:
    """Items joined by the reader's list separator: ", " in English, 、 in Chinese (English pages read
    "Maths、Science" when every list was joined with 、). Items already marked up (names each in `|lang_span`)
    give markup, the others escaped beside them."""
    items = list(items)
    if any(isinstance(item, Markup) for item in items):
        return escape(gettext(", ")).join(escape(item) for item in items)
    return gettext(", ").join(str(item) for item in items)


def in_reader_script(text: str | None) -> str:
    """Chinese text written by a funder or shipped with the app (a rule's citation, the default observation
    form) in the reader's script: Simplified for zh_Hans, Traditional for zh_Hant, as it is for English. Not
    for what people write: their words (and their names) are shown as they wrote them."""
    if not text:
        return text or ""
    locale = str(_reader_locale())
    if locale == "zh_Hans":
        return script_converter("t2s").convert(text)
    if locale == "zh_Hant":
        return script_converter("s2tw").convert(text)
    return text


def script_variants(text: str) -> tuple[str, ...]:
    """`text` as typed, in Simplified and in Traditional (each once): what a short title filter matches, so that
    分数 finds 分數 (the search index folds; a picker's LIKE does not)."""
    return tuple(dict.fromkeys((text, script_converter("t2s").convert(text), script_converter("s2tw").convert(text))))


# Zones a Simplified Chinese reader is told by their offset alone: a deployment on Taiwan's clock serving an
# urban–rural community on the mainland showed its teachers 时间以台北时间（UTC+8）为准.
NAMED_BY_OFFSET_IN_SIMPLIFIED = frozenset({"Asia/Taipei"})


def zone_label() -> str:
    """The deployment's time zone as the reader's language names it, with its offset now: 台北時間（UTC+8）,
    Taiwan Time (UTC+8). Forms that take a time say it, not the zone database's "Asia/Taipei"."""
    zone = get_timezone(current_app.config["TIMEZONE"])
    offset = dt.datetime.now(zone).utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    hours, rest = divmod(abs(minutes), 60)
    written = f"UTC{'-' if minutes < 0 else '+'}{hours}" + (f":{rest:02d}" if rest else "")
    locale = _reader_locale()
    if str(locale) == "zh_Hans" and str(zone) in NAMED_BY_OFFSET_IN_SIMPLIFIED:
        return written  # a mainland reader of a Taiwanese deployment reads UTC+8, not 台北时间
    name = get_timezone_name(zone, locale=locale)
    return flask_babel.gettext("%(zone)s (%(offset)s)", zone=name, offset=written)


def local_datetime(value: dt.datetime | None, style: str = "medium") -> str:
    """Show a UTC timestamp in the deployment's time zone and the user's locale."""
    if not value:
        return ""
    if style not in _STYLES:
        return format_datetime(value, style)
    locale = _reader_locale()
    layout, date_pattern, time_pattern = _patterns(locale, style)
    local = (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).astimezone(_zone())
    return layout.replace("{0}", time_pattern.apply(local, locale)).replace("{1}", date_pattern.apply(local, locale))


def local_date(value: dt.datetime | dt.date | None, style: str = "medium") -> str:
    """Show a date in the user's locale (a timestamp is first moved into the deployment's zone)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.astimezone(_zone()).date()
    if style not in _STYLES:
        return format_date(value, style)
    locale = _reader_locale()
    return _patterns(locale, style)[1].apply(value, locale)


def local_moment(value: dt.datetime | None) -> str:
    """Show a UTC timestamp as a date and a time to the minute, in the deployment's zone and the user's locale.

    2027年1月5日 15:00 in Chinese, Jan 5, 2027, 15:00 in English (the 24-hour clock of school timetables).
    """
    if value is None:
        return ""
    locale = _reader_locale()
    local = value.astimezone(_zone())
    layout, day_pattern, _time = _patterns(locale, "medium")
    day = day_pattern.apply(local.date(), locale)
    return layout.replace("{1}", day).replace("{0}", _clock(local))


def local_span(start: dt.datetime, end: dt.datetime, style: str = "medium") -> str:
    """When something takes place, in the reader's language and the deployment's zone: the day, then the times
    on the 24-hour clock of school timetables (2026年9月30日 16:00–16:50, Sep 30, 2026 16:00–16:50); both days
    when it ends on another. The activity pages and the sign-in sheets write it this one way."""
    zone = _zone()
    starts, ends = start.astimezone(zone), end.astimezone(zone)
    day = local_date(starts.date(), style)
    if ends.date() == starts.date():
        return f"{day} {starts:%H:%M}–{ends:%H:%M}"
    return f"{day} {starts:%H:%M} – {local_date(ends.date(), style)} {ends:%H:%M}"


def _clock(local: dt.datetime) -> str:
    """A time of day to the minute on the 24-hour clock of school timetables, in every language: the activities'
    times (local_span) read 15:00 in English too, and a moment beside them read 3:00 PM."""
    return f"{local:%H:%M}"


def month_year(value: dt.date | dt.datetime | None) -> str:
    """A month as the reader's language writes it in a heading: 2027年1月 in both Chinese scripts, January 2027.

    CLDR's year-month skeleton, not a pattern of our own: "yyyy MMMM" gave "2027 一月" in Chinese.
    """
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.astimezone(_zone()).date()
    return format_skeleton("yMMMM", value, locale=flask_babel.get_locale() or "en")


def month_day(value: dt.date | dt.datetime | None) -> str:
    """A day under its month's heading, without its year: 10月15日 in both Chinese scripts, Oct 15 (CLDR's
    month-day skeleton, as `month_year` uses the year-month one)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.astimezone(_zone()).date()
    return format_skeleton("MMMd", value, locale=flask_babel.get_locale() or "en")


def format_hours(value: float | int | Decimal | None) -> str:
    """A length in hours in the reader's language: 1 hour, 1.5 hours, 3 小時, 3 小时 (no "3 h", no "1.0"); under an
    hour in minutes (40 minutes, 40 分鐘), and a length that is not a whole or half hour in both, to the nearest
    minute (1 hour 40 minutes, 1 小時 40 分鐘).

    The number takes the locale's decimals (at most two places); the word its plural form.
    """
    number = float(value or 0)
    minutes = round(number * 60)
    # A length that is not a whole or half hour reads in minutes, as a teacher says it: a 40-minute lesson was
    # "0.67 小時", 100 minutes "1.67 hours".
    if 0 < minutes < 60:
        return translations().ungettext("%(num)d minute", "%(num)d minutes", minutes) % {"num": minutes}
    if minutes % 30:  # a sum arrives rounded (5.17 for 310 minutes): read to the nearest minute
        whole, rest = divmod(minutes, 60)
        # the extractor reads a literal message: the join is marked below for the catalogs
        return translations().ugettext(HOURS_AND_MINUTES) % {
            "hours": format_hours(whole),
            "minutes": translations().ungettext("%(num)d minute", "%(num)d minutes", rest) % {"num": rest}}
    shown = format_decimal(round(number, 2), format="#,##0.##")
    # gettext chooses a plural form by a whole number; a fraction reads as plural in English ("1.5 hours")
    # and Chinese has one form, so a fraction chooses with 2.
    chooser = int(number) if number.is_integer() else 2
    return translations().ungettext("%(hours)s hour", "%(hours)s hours", chooser) % {"hours": shown}


FILE_SIZE_UNITS = ("KB", "MB", "GB")  # counted in 1,024s, as the upload limits are (MAX_UPLOAD_MB: 50 MB)


def format_file_size(size: int | None) -> str:
    """A file's size as people read it: 512 bytes, 1.5 KB, 40.2 MB, 3.1 GB (one decimal at most, the locale's
    digits; QA: a 42 MB PDF read "41127.4 KB"). The one way sizes are shown (the `filesize` filter)."""
    size = max(int(size or 0), 0)
    if size < 1024:
        return translations().ungettext("%(num)d byte", "%(num)d bytes", size) % {"num": size}
    value, unit = size / 1024, 0
    while round(value, 1) >= 1024 and unit < len(FILE_SIZE_UNITS) - 1:
        value, unit = value / 1024, unit + 1
    return f"{format_decimal(round(value, 1), format='#,##0.#')} {FILE_SIZE_UNITS[unit]}"


def _zone() -> dt.tzinfo:
    from zoneinfo import ZoneInfo

    return ZoneInfo(current_app.config["TIMEZONE"])


def N_(message: str) -> str:  # noqa: N802 - the conventional name for "mark for translation"
    """Mark a message for extraction; it is translated where it is shown, with gettext()."""
    return message


HOURS_AND_MINUTES = N_("%(hours)s %(minutes)s")  # "1 hour 40 minutes", "1 小時 40 分鐘"


def translations() -> Any:
    """The current request's catalog, looked up once per request and language (Flask-Babel's lookup is costly).
    Kept with the locale it is of: a request that builds a document in another language (force_locale) once read
    the page's catalog inside it, and an English form listed its schools' roles in Chinese."""
    if not has_request_context():
        return flask_babel.get_translations()
    locale = flask_babel.get_locale()
    cached = g.get("_workspace_translations")
    if cached is None or cached[0] is not locale:
        cached = g._workspace_translations = (locale, flask_babel.get_translations())
    return cached[1]



def gettext(message: str, **variables: Any) -> str:
    """Translate a message for the current request (the fast path every page uses)."""
    text = translations().ugettext(message)
    return text % variables if variables else text


def install_template_gettext(app: Flask) -> None:
    """Give templates the catalog once per render instead of Flask-Babel's lookup on every string.

    A page calls _() a hundred times or more; the catalog rides in the template context, and
    templates rendered without it (macros imported without context) fall back to translations().
    """

    @pass_context
    def template_gettext(context: Any, message: str) -> str:
        catalog = context.get("_catalog") or translations()
        return catalog.ugettext(message)

    @pass_context
    def template_ngettext(context: Any, singular: str, plural: str, number: int) -> str:
        catalog = context.get("_catalog") or translations()
        return catalog.ungettext(singular, plural, number)

    app.jinja_env.install_gettext_callables(gettext=template_gettext, ngettext=template_ngettext, newstyle=True)
    app.context_processor(lambda: {"_catalog": translations()})


def current_locale_code() -> str:
    """The request's locale as a plain string (zh_Hant, zh_Hans or en)."""
    locale = flask_babel.get_locale()
    return str(locale) if locale else current_app.config["BABEL_DEFAULT_LOCALE"]


def currency_digits(currency: str) -> int:
    """How many decimals an amount of `currency` is kept in: CLDR's cash digits (TWD 0: whole dollars; CNY 2).

    Money is stored as an integer count of these units (minor units), never as a float.
    """
    fractions = get_global("currency_fractions")
    return int(fractions.get(currency, fractions["DEFAULT"])[2])


@functools.cache
def _currencies_in_use() -> frozenset[str]:
    return frozenset(code for entries in get_global("territory_currencies").values()
                     for code, _start, end, tender in entries if tender and end is None)


def is_known_currency(code: object) -> bool:
    """Whether `code` is an ISO 4217 currency Babel knows and some country pays in today (TWD, CNY, USD, XAF):
    not XXX ("no currency"), XTS (testing), gold (XAU) or a currency withdrawn (DEM)."""
    return isinstance(code, str) and code in Locale("en").currencies and code in _currencies_in_use()


def format_money(amount: int | None, currency: str = "TWD", *, whole: bool = False) -> str:
    """An amount in minor units as the reader's language writes money: NT$12,000, US$12.50. `whole`: an amount
    without cents drops its zeros (CN¥50,000, not CN¥50,000.00; CN¥12.50 stays), for a table of many amounts whose
    columns the zeros widened past the page."""
    digits = currency_digits(currency)
    value = Decimal(int(amount or 0)).scaleb(-digits)
    if whole and digits and int(amount or 0) % 10**digits == 0:
        digits = 0
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    if currency in _PLAIN_SIGNS:  # CLDR writes TWD as a bare "$" in Traditional Chinese: ambiguous in a report
        sign = "-" if value < 0 else ""
        return f"{sign}{_PLAIN_SIGNS[currency]}{babel_format_decimal(abs(value), pattern, locale=_reader_locale())}"
    return format_currency(value, currency, format="¤" + pattern, locale=_reader_locale(), currency_digits=False)


_PLAIN_SIGNS = {"TWD": "NT$"}


def currency_sign(currency: str) -> str:
    """The sign a reader knows the currency by, for a form's label: NT$, ¥, US$."""
    if currency in _PLAIN_SIGNS:
        return _PLAIN_SIGNS[currency]
    return get_currency_symbol(currency, locale=_reader_locale())


def other_currency_message(currency: str) -> str:
    """What an amount typed with another currency's sign is told (¥30000 for an NT$ program): the sign to use."""
    return flask_babel.gettext("This program counts in %(sign)s: type the amount in %(sign)s.",
                               sign=currency_sign(currency))


def with_currency(text: str, currency: str) -> str:
    """A label or a name with the currency's sign after it, as the reader's language writes it: 金額（NT$）."""
    return flask_babel.gettext("%(text)s (%(sign)s)", text=text, sign=currency_sign(currency))


def money_input(amount: int | None, currency: str) -> str:
    """An amount in minor units as a form shows it back for editing: 1200 (NT$), 12.50 (¥); no grouping."""
    if amount is None:
        return ""
    digits = currency_digits(currency)
    return f"{Decimal(int(amount)).scaleb(-digits):.{digits}f}"
