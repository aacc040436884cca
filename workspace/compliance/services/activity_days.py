"""What an activity's day means to the programs its community is enrolled in, said when the activity is planned or
moved (activities.services.activity_dated): activities knows nothing of programs, and compliance reads activities.

A program counts an activity by the local day it starts (the read modules' Period), so an activity moved out of a
period no longer counts toward that program's rules, and one planned outside every period counts toward none. The
save is made all the same: these are warnings, in the reader's language, naming the program and its period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from workspace.activities.services import activity_dated
from workspace.compliance.gather import program_period
from workspace.compliance.models import Enrollment, Program
from workspace.core.database import utcnow
from workspace.core.i18n import in_reader_script, local_date
from workspace.core.records import local_day
from workspace.extensions import db


def _holds(program: Program, day: dt.date) -> bool:
    period = program_period(program)
    return period.first <= day <= period.last


def left_period_text(program: Program) -> str:
    """The warning of an activity moved out of the program's period."""
    return _("This activity is no longer within the period of %(program)s (%(first)s to %(last)s): it no longer "
             "counts toward its rules.", program=in_reader_script(program.name), first=local_date(program.first_day),
             last=local_date(program.last_day))


def outside_period_text(program: Program) -> str:
    """The warning of an activity planned outside the period of every program the community is enrolled in."""
    return _("This activity is outside the period of %(program)s (%(first)s to %(last)s): it does not count toward "
             "its rules.", program=in_reader_script(program.name), first=local_date(program.first_day),
             last=local_date(program.last_day))


def series_outside_text(program: Program, outside: int, planned: int) -> str:
    """The warning of a series some (or all) of whose activities fall outside the period of every enrolled program."""
    if outside == planned:  # a series has two or more
        return _("The %(num)d activities planned are outside the period of %(program)s (%(first)s to %(last)s): they "
                 "do not count toward its rules.", num=outside, program=in_reader_script(program.name),
                 first=local_date(program.first_day), last=local_date(program.last_day))
    return ngettext("%(num)d of the %(planned)d activities planned is outside the period of %(program)s (%(first)s "
                    "to %(last)s): it does not count toward its rules.",
                    "%(num)d of the %(planned)d activities planned are outside the period of %(program)s (%(first)s "
                    "to %(last)s): they do not count toward its rules.",
                    outside, planned=planned, program=in_reader_script(program.name),
                    first=local_date(program.first_day), last=local_date(program.last_day))


@activity_dated.connect
def period_notices(_sender: Any, *, activities: Sequence[Any], before: dt.datetime | None) -> list[str]:
    """Moved (one activity, `before` its former start): each program whose period held its former day and not its
    new one. Planned (`before` None: one activity or a series): each program of the community not yet over, when
    none of their periods holds the day of one of them, said once for the series. The community's programs are read
    once whatever the number of activities. A community in no program (or cancelled activities) hears nothing."""
    activities = [activity for activity in activities if not activity.cancelled]
    if not activities:
        return []
    programs = [enrollment.program for enrollment in db.session.scalars(
        select(Enrollment).where(Enrollment.community_id == activities[0].community_id, Enrollment.live)
        .options(selectinload(Enrollment.program)).order_by(Enrollment.id))]
    if before is None:
        # Only the programs still running or to come: a community's past rounds (last year's enrolment) are not
        # what a new activity is planned for, and "outside the period of 2025's program" would be said of them all.
        current = [program for program in programs if program_period(program).last >= local_day(utcnow())]
        days = [local_day(activity.starts_at) for activity in activities]
        outside = sum(1 for day in days if not any(_holds(program, day) for program in current))
        if not current or not outside:
            return []
        if len(days) == 1:
            return [outside_period_text(program) for program in current]
        return [series_outside_text(program, outside, len(days)) for program in current]
    was = local_day(before)
    day = local_day(activities[0].starts_at)
    return [left_period_text(program) for program in programs if _holds(program, was) and not _holds(program, day)]
