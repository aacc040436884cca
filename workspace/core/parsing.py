"""One way to read the numbers and dates people and browsers send: ids, page numbers, counts, dates, times.

Everything that arrives as text in an address or a form and is used as a number or a date goes through
here, so that a value the database cannot store or the calendar cannot hold is turned away at the door,
never deep inside a page:

- **ids** are 1 … 2^31 − 1 written in ASCII digits: every id column is an INTEGER, which PostgreSQL keeps
  in 32 bits (SQLite in 64), and a larger number sent to PostgreSQL fails the query ("integer out of
  range"), not merely finds nothing. `str.isdigit()` and `int()` also accept "²", "١٢", " 1" and
  twenty-digit numbers: they are not ids here. In paths the app's `int` converter (IdConverter) applies
  this rule, so every `<int:…>` of every route answers 404 for anything else;
- **page numbers and counts** (a page, a version, a post number) are ASCII digits in a stated range, at
  most what an INTEGER column holds;
- **dates and times** are ISO (2026-03-05, 2026-03-05T14:00, 2026-03) with years FIRST_YEAR … LAST_YEAR,
  wide enough for any school's records, narrow enough that converting to and from UTC, adding a day or
  a month, or showing the month before and after can never leave the calendar Python can hold;
- **dates of the ROC calendar** (民國100年1月1日, 100/01/01, full-width digits) as funders write them are read
  by `parse_roc_date()` and written by `roc_date()`.

Query-string and form values are read with `arg()` / `form_value()` / `read()`: absent or empty gives the
default, a malformed value answers 404 (the address names nothing that exists). Values a person types in
a form field go through the fields of `core/forms.py` instead, which use the same parsers and put the
message beside the field.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Callable
from typing import Any, TypeVar

from babel import Locale
from babel.numbers import get_currency_symbol
from flask import Flask, abort, request
from flask_babel import lazy_gettext as _l
from werkzeug.routing import BaseConverter
from werkzeug.routing import ValidationError as RouteMismatch

from workspace.core.errors import ValidationError
from workspace.core.i18n import currency_digits

MAX_ID = 2**31 - 1  # the largest INTEGER on every database we run on (PostgreSQL's is 32-bit)
MAX_PAGE = 1_000_000  # far past any list's last page, far below an OFFSET the database would refuse
FIRST_YEAR, LAST_YEAR = 1900, 2200
FIRST_DAY, LAST_DAY = dt.date(FIRST_YEAR, 1, 1), dt.date(LAST_YEAR, 12, 31)

_ID = re.compile(r"[1-9][0-9]{0,9}")
_NUMBER = re.compile(r"[0-9]{1,19}")
# Browsers send zero-padded ISO; a browser without date inputs shows a text box, where 2026-3-5 is fair.
_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_DATETIME = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})[T ]([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?")
_MONTH = re.compile(r"([0-9]{4})-([0-9]{1,2})(?:-([0-9]{1,2}))?")

T = TypeVar("T")


# --- parsers: text in, a value or None out ---------------------------------------------------------


def parse_id(value: object) -> int | None:
    """An id (1 … 2^31 − 1, ASCII digits, no sign, no spaces, no leading zero), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 1 <= value <= MAX_ID else None
    if isinstance(value, str) and _ID.fullmatch(value):
        number = int(value)
        return number if number <= MAX_ID else None
    return None


def parse_number(value: object, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """A whole number written in ASCII digits (leading zeros allowed) between minimum and maximum, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _NUMBER.fullmatch(value):
        number = int(value)
    else:
        return None
    return number if minimum <= number <= maximum else None


def parse_decimal(value: object, maximum: float = 1_000_000) -> float | None:
    """A non-negative number with at most two decimals, as typed (1.5, 1,5, full-width １.５); None for anything
    else (nan, inf, 1e3, a negative number, more than `maximum`)."""
    if not isinstance(value, str):
        return None
    text = unicodedata.normalize("NFKC", value).strip().replace(",", ".")
    if not re.fullmatch(r"\d{1,9}(\.\d{1,2})?", text):
        return None
    number = float(text)
    return number if number <= maximum else None


def parse_signed_decimal(value: object) -> int | float | None:
    """A number as typed, below zero or past any limit included (-18, －18, −3, 1.5, 1,5, 10000000000000): an int when
    it is whole, a float with at most two decimals; None for what is no number (words, 1e3, nan, 1.234). For a
    figure whose limits the caller's own checks then name ("-18 is less than the minimum of 1") rather than a
    message on how to write a number, which -18 already is."""
    if not isinstance(value, str):
        return None
    text = unicodedata.normalize("NFKC", value).strip().replace("\u2212", "-").replace(",", ".")
    match = re.fullmatch(r"(-?)\s*(\d{1,30})(?:\.(\d{1,2}))?", text)
    if match is None:
        return None
    sign, whole, fraction = match.groups()
    if fraction is None or not fraction.strip("0"):
        return -int(whole) if sign else int(whole)
    return float(f"{sign}{whole}.{fraction}")


MAX_MONEY = 10**12  # minor units: far above any grant or expense, far below a BIGINT column's limit
# What may come before or after a typed amount: a currency's sign, code or word (NT$1,200 · ¥12.50 · 1200元 ·
# TWD 1200). Only the signs of the amount's own currency are taken off (`money_signs`); one of another currency
# (¥30000 typed for an NT$ program) is refused, never read as the program's money.
_LEADING_SIGN = re.compile(r"^([A-Za-z]{0,3}\$|[A-Za-z]{2}¥|[¥€£₩₹₱฿]|[A-Za-z]{3})\s*")
_TRAILING_SIGN = re.compile(r"\s*(元|圓|块|塊|円|[A-Za-z]{3})$")
# The signs a reader types that CLDR does not give the currency (its code and symbols are taken from Babel).
_MORE_SIGNS = {"TWD": frozenset({"NT$", "$", "元", "圓", "块", "塊"}),
               "CNY": frozenset({"¥", "RMB", "元", "圓", "块", "塊"})}
_OTHER_SIGNS = frozenset({"RMB", "元", "圓", "块", "塊", "円"})  # no ISO code, yet they name a currency


@functools.cache
def money_signs(currency: str) -> frozenset[str]:
    """The signs, codes and words an amount of `currency` may be typed with, upper case: for TWD NT$, $, TWD, 元;
    for CNY ¥, CN¥, RMB, CNY, 元; for any other its ISO code and its symbols in the interface's languages."""
    symbols = {get_currency_symbol(currency, locale) for locale in ("en", "zh_Hant", "zh_Hans")}
    return frozenset(sign.upper() for sign in {currency, *symbols, *_MORE_SIGNS.get(currency, ())})


@functools.cache
def _currency_codes() -> frozenset[str]:
    return frozenset(code.upper() for code in Locale("en").currencies)


def _names_a_currency(token: str) -> bool:
    """Whether a word typed beside an amount is some currency's sign (NT$, ¥, €, USD, RMB, 元), not just letters."""
    upper = token.upper()
    return not upper.isalpha() or upper in _currency_codes() or upper in _OTHER_SIGNS


def _signs_apart(text: str) -> tuple[str, list[str]]:
    """A typed amount without the currency signs before and after it, and those signs (upper case)."""
    signs = []
    if (match := _LEADING_SIGN.match(text)) and _names_a_currency(match[1]):
        signs.append(match[1].upper())
        text = text[match.end():]
    if (match := _TRAILING_SIGN.search(text)) and _names_a_currency(match[1]):
        signs.append(match[1].upper())
        text = text[:match.start()]
    return text.strip(), signs


def _typed_money(value: object, currency: str) -> tuple[str, bool]:
    """The amount's text (NFKC, without its signs) and whether every sign typed is the currency's own."""
    text, signs = _signs_apart(unicodedata.normalize("NFKC", value if isinstance(value, str) else "").strip())
    return text, all(sign in money_signs(currency) for sign in signs)


def parse_money(value: object, currency: str, maximum: int = MAX_MONEY) -> int | None:
    """An amount typed in `currency`'s main unit, as an integer of its minor units (0 decimals for NT$, 2 for ¥):
    1200, 1,200, 12.50, 1200.00, full-width digits, the currency's own sign, code or 元 around it. None for anything
    else: another currency's sign (¥ for NT$), a negative amount, more decimals than the currency keeps (other than
    zeros), commas that do not group thousands, more than `maximum` minor units."""
    if not isinstance(value, str):
        return None
    text, own = _typed_money(value, currency)
    match = re.fullmatch(r"([0-9]{1,3}(?:,[0-9]{3})+|[0-9]{1,15})(?:\.([0-9]+))?", text)  # ASCII: not ١٢
    if match is None or not own:
        return None
    digits = currency_digits(currency)
    whole, fraction = match.group(1).replace(",", ""), (match.group(2) or "")
    if fraction[digits:].strip("0"):  # 1200.00 is NT$1,200; 12.50 is no NT$ amount
        return None
    amount = int(whole) * 10**digits + int((fraction or "0").ljust(digits, "0")[:digits] or 0)
    return amount if amount <= maximum else None


def money_problem(value: object, currency: str, maximum: int = MAX_MONEY) -> str:
    """Why `parse_money` refused a typed amount, so the message can say what to change: `currency` (a sign or
    code of another currency: ¥30000 for NT$), `negative`, `too_large`, `exponent` (1e9), `decimals` (more than the
    currency keeps, or commas that do not group thousands) or `text` (words, 三萬, anything else)."""
    text, own = _typed_money(value, currency)
    if not own:
        return "currency"
    digits = currency_digits(currency)
    if re.fullmatch(r"[-−]\s*[0-9][0-9,]*(?:\.[0-9]+)?", text):
        return "negative"
    if re.fullmatch(r"[0-9]+(?:\.[0-9]+)?[eE][-+]?[0-9]+", text):
        return "exponent"
    plain = re.fullmatch(r"([0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.([0-9]+))?", text)
    if plain is not None and not (plain.group(2) or "")[digits:].strip("0") \
            and int(plain.group(1).replace(",", "")) * 10**digits > maximum:
        return "too_large"
    if re.fullmatch(r"[0-9][0-9,]*(?:\.[0-9]*)?", text):
        return "decimals"
    return "text"


def parse_page(value: object) -> int | None:
    """A page number of a list (1 … MAX_PAGE), else None."""
    return parse_number(value, 1, MAX_PAGE)


def numbers(minimum: int = 0, maximum: int = MAX_ID) -> Callable[[object], int | None]:
    """A parser of whole numbers in this range (for `arg()` and `read()`)."""
    return lambda value: parse_number(value, minimum, maximum)


def iso_date(value: object) -> dt.date | None:
    """A calendar date written YYYY-MM-DD (any year), else None."""
    match = _DATE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        return None
    try:
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:  # 2026-02-30, month 13
        return None


def iso_datetime(value: object) -> dt.datetime | None:
    """A wall-clock time written YYYY-MM-DDTHH:MM[:SS] (a datetime-local input; any year), naive, else None."""
    match = _DATETIME.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        return None
    try:
        return dt.datetime(*(int(part) for part in match.groups() if part is not None))
    except ValueError:
        return None


def in_range(value: dt.date | dt.datetime | None) -> bool:
    """Whether a date or time falls in the years the app accepts (FIRST_YEAR … LAST_YEAR)."""
    return value is not None and FIRST_YEAR <= value.year <= LAST_YEAR


def parse_date(value: object) -> dt.date | None:
    """A date (YYYY-MM-DD) in the accepted years, else None."""
    date = iso_date(value)
    return date if in_range(date) else None


def parse_datetime(value: object) -> dt.datetime | None:
    """A wall-clock time (YYYY-MM-DDTHH:MM) in the accepted years, naive, else None."""
    moment = iso_datetime(value)
    return moment if in_range(moment) else None


def parse_month(value: object) -> dt.date | None:
    """A month (YYYY-MM, or a day of it YYYY-MM-DD) in the accepted years, as its first day, else None."""
    match = _MONTH.fullmatch(value) if isinstance(value, str) else None
    if match is None or (match[3] is not None and parse_date(value) is None):
        return None
    year, month = int(match[1]), int(match[2])
    return dt.date(year, month, 1) if 1 <= month <= 12 and FIRST_YEAR <= year <= LAST_YEAR else None


# --- dates of the Republic of China calendar (民國) -------------------------------------------------------

ROC_OFFSET = 1911  # 民國1年 is 1912
# 民國100年1月1日, 100年01月01日, 100/01/01, 100-1-1, 100.01.01 (after NFKC: full-width digits and marks too)
_ROC_WORDS = re.compile(r"(?:民國|民国)?\s*([0-9]{1,3})\s*年\s*([0-9]{1,2})\s*月\s*([0-9]{1,2})\s*日?")
_ROC_MARKS = re.compile(r"([0-9]{1,3})([/.-])([0-9]{1,2})\2([0-9]{1,2})")
_GREGORIAN = re.compile(r"([0-9]{4})([/.-])([0-9]{1,2})\2([0-9]{1,2})")
# 2027年3月5日, as the pages write a date in Chinese (西元/公元 in front, as some write it)
_GREGORIAN_WORDS = re.compile(r"(?:西元|公元)?\s*([0-9]{4})\s*年\s*([0-9]{1,2})\s*月\s*([0-9]{1,2})\s*日?")


# Dec 5, 2026 / December 5, 2026 / 5 Dec 2026 / Sat, Dec 5, 2026: as the English pages write a date
_ENGLISH_MONTHS = {name: number for number, names in enumerate((
    ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
    ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
    ("dec", "december")), start=1) for name in names}
_WEEKDAY = r"(?:[A-Za-z]{3,9}\.?,\s*)?"
_ENGLISH_MONTH_FIRST = re.compile(_WEEKDAY + r"([A-Za-z]{3,9})\.?\s+([0-9]{1,2})(?:st|nd|rd|th)?,?\s+([0-9]{4})")
_ENGLISH_DAY_FIRST = re.compile(_WEEKDAY + r"([0-9]{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]{3,9})\.?,?\s+([0-9]{4})")


def written_date(value: object) -> tuple[int, int, int] | None:
    """(year, month, day) of text written in one of the forms parse_roc_date() reads, the ROC year made Gregorian,
    the numbers as written (whether that day exists is not checked); None for text in no such form or ROC year 0."""
    if not isinstance(value, str):
        return None
    text = unicodedata.normalize("NFKC", value).strip()
    if (match := _ROC_WORDS.fullmatch(text)) or (match := _ROC_MARKS.fullmatch(text)):
        year, month, day = (int(part) for part in match.groups() if part.isdigit())
        return (year + ROC_OFFSET, month, day) if year >= 1 else None
    if (match := _GREGORIAN.fullmatch(text)) or (match := _GREGORIAN_WORDS.fullmatch(text)):
        year, month, day = (int(part) for part in match.groups() if part.isdigit())
        return year, month, day
    if match := _ENGLISH_MONTH_FIRST.fullmatch(text):
        month_name, day_text, year_text = match.groups()
    elif match := _ENGLISH_DAY_FIRST.fullmatch(text):
        day_text, month_name, year_text = match.groups()
    else:
        return None
    month = _ENGLISH_MONTHS.get(month_name.lower())
    return (int(year_text), month, int(day_text)) if month is not None else None


def parse_roc_date(value: object, *, any_year: bool = False) -> dt.date | None:
    """A date written in the ROC calendar (民國100年1月1日, 100/01/01, 100-1-1, 100.01.01, full-width digits too),
    as a Gregorian date with a four-digit year (2011-01-01, 2011年1月1日) or in English (Jan 1, 2011, 1 January
    2011): every way the pages show a date, in each language; None for anything else, year 0 or a day that does
    not exist (100/02/30, Feb 30, 2027), or a year outside the accepted ones.

    With `any_year`, a well-formed date outside the accepted years is returned too (a form then says the years
    allowed, not that the date does not exist); one past what the calendar holds (民國9000年) as `dt.date.max`.
    """
    parts = written_date(value)
    if parts is None:
        return None
    year, month, day = parts
    if year > dt.MAXYEAR:
        return dt.date.max if any_year and 1 <= month <= 12 and 1 <= day <= 31 else None
    try:
        date = dt.date(year, month, day)
    except ValueError:  # 100/02/30, month 13
        return None
    return date if any_year or in_range(date) else None


def roc_date(value: dt.date) -> str:
    """A date as the ROC calendar writes it: 民國100年1月1日 (a date before 1912 stays ISO)."""
    if value.year <= ROC_OFFSET:
        return value.isoformat()
    return f"民國{value.year - ROC_OFFSET}年{value.month}月{value.day}日"


# --- dates that stay in the calendar -------------------------------------------------------------


def missing_day_message(value: object, *, any_form: bool = False) -> str | None:
    """What to say of text written as a date (YYYY-MM-DD, a time after it allowed; with `any_form`, every form
    parse_roc_date() reads: 116/02/30, Feb 30, 2027) whose day is not in the calendar (2026-02-30, month 13), in
    the reader's language; None for anything else. "Enter a date such as …" told a teacher who had typed the right
    form that the form was wrong."""
    if any_form:
        parts = written_date(value)
        if parts is None:
            return None
        year, month, day = parts
        text = unicodedata.normalize("NFKC", str(value)).strip()
    else:
        match = _DATE.match(value.strip()) if isinstance(value, str) else None
        if match is None:
            return None
        year, month, day = (int(part) for part in match.groups())
        text = match.group(0)
    if not 1 <= month <= 12:
        return str(_l("%(text)s is not a date: there is no month %(month)d.", text=text, month=month))
    days = ((dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
            if 1 <= year <= 9998 else 31)
    if not 1 <= day <= days:
        return str(_l("%(text)s is not a date: that month has %(days)d days.", text=text, days=days))
    return None


def range_message() -> str:
    """What to say about a date outside the accepted years, in the reader's language."""
    return str(_l("Give a date between %(first)d and %(last)d.", first=FIRST_YEAR, last=LAST_YEAR))


def check_in_range(value: dt.date | dt.datetime | None, field: str) -> None:
    """Refuse (beside `field`) a date or time outside the accepted years; None is left to the caller."""
    if value is not None and not in_range(value):
        raise ValidationError(range_message(), field=field)


def bounded(day: dt.date) -> dt.date:
    """A day held within the accepted years: the edge of a period a page asks about (never stored)."""
    return min(max(day, FIRST_DAY), LAST_DAY)


def shifted(moment: T, delta: dt.timedelta) -> T:
    """`moment + delta`, held at the ends of the calendar instead of overflowing (a window's edge, a day after).

    Dates and times the app stores are in the accepted years, so this only matters for a record written
    before they were, which must still show rather than break its page.
    """
    try:
        return moment + delta  # type: ignore[operator]
    except OverflowError:
        ends = (dt.date.min, dt.date.max) if not isinstance(moment, dt.datetime) else (
            dt.datetime.min.replace(tzinfo=moment.tzinfo), dt.datetime.max.replace(tzinfo=moment.tzinfo))
        return ends[0] if delta < dt.timedelta(0) else ends[1]  # type: ignore[return-value]


# --- reading requests ----------------------------------------------------------------------------


def read(value: str | None, parse: Callable[[str], T | None], default: Any = None) -> Any:
    """A value from an address or a form read by `parse`: `default` when absent or empty, 404 when malformed.

    For what the pages themselves put in links, hidden fields and choices (ids, versions, page numbers,
    months): a value that does not parse names nothing that exists.
    """
    if value is None or value == "":
        return default
    parsed = parse(value)
    if parsed is None:
        abort(404)
    return parsed


def arg(name: str, parse: Callable[[str], T | None], default: Any = None) -> Any:
    """`?name=` read by `parse` (see `read`): `arg("page", parse_page, 1)`, `arg("author", parse_id)`."""
    return read(request.args.get(name), parse, default)


def form_value(name: str, parse: Callable[[str], T | None], default: Any = None) -> Any:
    """The posted field `name` read by `parse` (see `read`), for hidden fields and choices read without a form."""
    return read(request.form.get(name), parse, default)


# --- paths ---------------------------------------------------------------------------------------


class IdConverter(BaseConverter):
    """`<int:…>` in every route: an id, 1 … 2^31 − 1 in ASCII digits without a leading zero, else 404.

    Werkzeug's own converter matches `\\d+`, which takes Arabic-Indic digits and any length: a large id then
    reached the database and overflowed its integer (SQLite raises OverflowError past 2^63, PostgreSQL
    "integer out of range" past 2^31), a server error instead of "not found".
    """

    regex = r"[1-9][0-9]{0,9}"
    weight = 50  # as werkzeug's number converters: routes keep the order they matched in before
    part_isolating = True

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        if number is None:
            raise RouteMismatch()
        return number

    def to_url(self, value: Any) -> str:
        return str(int(value))


def install(app: Flask) -> None:
    """Make IdConverter the app's `int` converter (before any blueprint adds its routes)."""
    app.url_map.converters["int"] = IdConverter
