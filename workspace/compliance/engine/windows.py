"""The windows a rule is counted in (the whole period, each semester, each month) and how far a window has gone.

A window includes its first and last day. Today after the last day: the window is closed. Semesters recur
every year as month-day pairs (Taiwan's school year by default: 1 Aug – 31 Jan and 1 Feb – 31 Jul) and are
cut to the program's period, so the first and last windows may be shorter than a whole semester.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

DEFAULT_SEMESTERS = (
    {"key": "first", "first": "08-01", "last": "01-31"},
    {"key": "second", "first": "02-01", "last": "07-31"},
)


@dataclass(frozen=True)
class Window:
    """A run of local days, both ends included, with a label (period, a semester key and year, YYYY-MM)."""

    first: dt.date
    last: dt.date
    label: str

    @property
    def days(self) -> int:
        """How many days the window has."""
        return (self.last - self.first).days + 1

    def holds(self, day: dt.date) -> bool:
        """Whether the day falls in the window (both ends included)."""
        return self.first <= day <= self.last

    def closed(self, today: dt.date) -> bool:
        """Whether the window's last day has passed."""
        return today > self.last

    def started(self, today: dt.date) -> bool:
        """Whether the window's first day has come."""
        return today >= self.first

    def days_gone(self, today: dt.date) -> int:
        """The days of the window wholly past before today (0 on its first day, all of them once closed)."""
        return min(max((today - self.first).days, 0), self.days)

    def days_left(self, today: dt.date) -> int:
        """The days still to come, today included (0 once closed)."""
        return min(max((self.last - today).days + 1, 0), self.days)


def period_of(program: dict[str, Any]) -> Window:
    """The program's period as a window."""
    period = program["period"]
    return Window(dt.date.fromisoformat(period["first"]), dt.date.fromisoformat(period["last"]), "period")


def _month_day(year: int, text: str) -> dt.date:
    month, day = (int(part) for part in text.split("-"))
    if month == 2 and day == 29:  # a semester ending on 29 February ends on the 28th in a common year
        try:
            return dt.date(year, 2, 29)
        except ValueError:
            return dt.date(year, 2, 28)
    return dt.date(year, month, day)


def semesters(program: dict[str, Any]) -> list[Window]:
    """Each semester that meets the period, cut to the period, oldest first.

    A school year begins with the first semester listed; each later one starts at the next occurrence of its
    first day. Labels name the semester's key and the year its school year began: `second 2010` is
    1 Feb – 31 Jul 2011 in Taiwan's default calendar (99學年度第2學期).
    """
    period = period_of(program)
    listed = program.get("semesters") or DEFAULT_SEMESTERS
    found: list[Window] = []
    for year in range(period.first.year - 1, period.last.year + 1):
        start = _month_day(year, listed[0]["first"])
        for semester in listed:
            first = _month_day(start.year, semester["first"])
            if first < start:
                first = _month_day(start.year + 1, semester["first"])
            last = _month_day(first.year, semester["last"])
            if last < first:  # runs over New Year: 1 Aug – 31 Jan
                last = _month_day(first.year + 1, semester["last"])
            start = first
            if last < period.first or first > period.last:
                continue
            found.append(Window(max(first, period.first), min(last, period.last), f"{semester['key']} {year}"))
    return sorted(found, key=lambda window: window.first)


def months(program: dict[str, Any]) -> list[Window]:
    """Each calendar month that meets the period, cut to the period, labelled YYYY-MM."""
    period = period_of(program)
    found = []
    start = period.first.replace(day=1)
    while start <= period.last:
        following = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        found.append(Window(max(start, period.first), min(following - dt.timedelta(days=1), period.last),
                            f"{start:%Y-%m}"))
        start = following
    return found


def windows_of(program: dict[str, Any], window: object) -> list[Window]:
    """The windows of a rule's `window` parameter: period (default), semester, month, or {first, last}."""
    if window is None or window == "period":
        return [period_of(program)]
    if window == "semester":
        return semesters(program)
    if window == "month":
        return months(program)
    if isinstance(window, dict):
        return [Window(dt.date.fromisoformat(window["first"]), dt.date.fromisoformat(window["last"]),
                       window.get("label", f"{window['first']}/{window['last']}"))]
    raise ValueError(f"unknown window {window!r}")


def current_or_closed(windows: list[Window], today: dt.date) -> list[Window]:
    """The windows that decide a rule's status: the closed ones and the one running today (not those to come)."""
    return [window for window in windows if window.started(today)]
