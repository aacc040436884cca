"""What every area read module takes: a period of local days, and the one way to bound a query by it.

A period includes its first and its last day, in the deployment's time zone (TIMEZONE), as a funder's
window does ("2011-01-01 to 2012-06-30"). In SQL it is the half-open UTC interval from the local midnight
that starts the first day to the local midnight after the last one: a moment at 23:59:59.9 on the last
day is inside, midnight after it is not, and two adjacent periods never count a record twice.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app

from workspace.core.parsing import bounded


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, or earlier for a negative count (the month's last day where it is shorter:
    29 February a year on is 28 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def local_midnight(day: dt.date) -> dt.datetime:
    """The UTC moment at which `day` begins in the deployment's time zone (the earlier reading of a repeated hour)."""
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    return dt.datetime.combine(day, dt.time()).replace(tzinfo=zone, fold=0).astimezone(dt.UTC)


@dataclass(frozen=True)
class Period:
    """From `first` to `last`, both days included, in the deployment's time zone."""

    first: dt.date
    last: dt.date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError(f"a period cannot end ({self.last}) before it starts ({self.first})")

    @property
    def starts_at(self) -> dt.datetime:
        """The first moment inside (UTC)."""
        return local_midnight(bounded(self.first))

    @property
    def ends_at(self) -> dt.datetime:
        """The first moment after the period (UTC): the local midnight that ends its last day."""
        return local_midnight(bounded(self.last) + dt.timedelta(days=1))

    def holds(self, column: Any) -> Any:
        """The SQL condition that a timestamp column falls inside the period."""
        return (column >= self.starts_at) & (column < self.ends_at)

    def holds_day(self, column: Any) -> Any:
        """The SQL condition that a date column (a lesson's day, a plan's month) falls inside the period."""
        return (column >= self.first) & (column <= self.last)

    def overlaps(self, since: Any, until: Any) -> Any:
        """The SQL condition that a span [since, until) shares a moment with the period; until NULL is open-ended.

        A membership joined at `since` and left at `until` was a membership during the period.
        """
        return (since < self.ends_at) & (until.is_(None) | (until > self.starts_at))


def local_day(moment: dt.datetime) -> dt.date:
    """The calendar day a UTC moment falls on in the deployment's time zone."""
    return moment.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).date()
