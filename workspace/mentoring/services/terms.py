"""The school calendar mentoring speaks in: the school year (1 August – 31 July, named by the year it starts in,
民國 year = that year − 1911) and its two semesters (1 August – 31 January, 1 February – 31 July)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import gettext as _

from workspace.core.errors import ValidationError
from workspace.core.i18n import current_locale_code, local_date
from workspace.core.records import Period


def school_year_of(day: dt.date) -> int:
    """The school year `day` falls in, as the year it started in (2026 for 2026-08-01 … 2027-07-31)."""
    return day.year if day.month >= 8 else day.year - 1


def school_year_label(year: int) -> str:
    """School year `year` as the reader counts it: Taiwan from the founding of the ROC (115 學年度（2026–2027）), a
    reader of simplified Chinese by the calendar (2026–2027 学年), to whom an ROC year says nothing, and an English
    reader as "2026–27" (after the words "School year")."""
    locale = current_locale_code()
    if locale == "zh_Hans":
        return _("%(start)d–%(end)d school year", start=year, end=year + 1)
    if locale == "zh_Hant":
        return _("%(start)d–%(end)d (ROC %(roc)d)", start=year, end=year + 1, roc=year - 1911)
    return f"{year}–{(year + 1) % 100:02d}"


def school_year_period(year: int) -> Period:
    """The days of school year `year`."""
    return Period(dt.date(year, 8, 1), dt.date(year + 1, 7, 31))


def semester_of(day: dt.date) -> Period:
    """The semester `day` falls in: the first (Aug–Jan) or the second (Feb–Jul)."""
    year = school_year_of(day)
    if day.month >= 8 or day.month == 1:
        return Period(dt.date(year, 8, 1), dt.date(year + 1, 1, 31))
    return Period(dt.date(year + 1, 2, 1), dt.date(year + 1, 7, 31))


def semester_number(day: dt.date) -> int:
    """1 for the first semester of a school year, 2 for the second."""
    return 1 if day.month >= 8 or day.month == 1 else 2


def month_period(day: dt.date) -> Period:
    """The calendar month `day` falls in."""
    first = day.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return Period(first, following - dt.timedelta(days=1))


def check_within(day: dt.date, period: Period, field: str, message: Any) -> None:
    """Refuse `day` outside `period` beside `field`. `message` (lazy) names the days allowed as %(first)s and
    %(last)s, written in the reader's locale (2026年9月1日): a pair's logs, observations and goals, and public
    lessons, are held to the pairing's term (or the school year) this way, not only to the app's 1900–2200."""
    if not period.first <= day <= period.last:
        raise ValidationError(str(message) % {"first": local_date(period.first), "last": local_date(period.last)},
                              field=field)


def school_year_around(day: dt.date) -> Period:
    """The school year `day` falls in."""
    return school_year_period(school_year_of(day))


def school_years_ahead(day: dt.date) -> Period:
    """The school year `day` falls in and the next (a public lesson or an observation outside a pairing is dated
    in them: in July a teacher plans September's lesson)."""
    return Period(school_year_around(day).first, school_year_period(school_year_of(day) + 1).last)
