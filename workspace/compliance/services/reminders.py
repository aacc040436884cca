"""Deadline reminders: the conveners and co-conveners of a community hear of each deliverable not done yet (a single
one, or one month's plan) when it is due in a week, due tomorrow, and once when it has become overdue, before the
panel's "not met" is the first they learn of it.

A daily job (workspace.tasks) calls `remind_deadlines`. Each live, confirmed enrolment of a community not archived,
whose program is running (or near enough for a deadline to fall: REACH), is judged once, all of them together
(`standings`: a bounded number of queries whatever their number). Each reminder is given once per person, deliverable
part and threshold (notifications.send_reminders keeps the guard); on any day at most one threshold applies
(`threshold`), so a job that missed days sends the latest that applies, never a burst of the ones it missed.

The notice keeps what is due as data (the item, its day, the month of a monthly plan, overdue or not, the program's
code) and each reader reads it in their language through the panel's own sentence for it (wording.gap_text).
"""

from __future__ import annotations

import datetime as dt
import json

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from workspace.auth.models import User
from workspace.communities.models import Community
from workspace.communities.records import current_members
from workspace.compliance import wording
from workspace.compliance.engine import Status
from workspace.compliance.engine.results import Gap
from workspace.compliance.models import Enrollment, EnrollmentStatus, Program
from workspace.compliance.services.standing import standings
from workspace.core.database import utcnow
from workspace.core.i18n import in_reader_script
from workspace.core.permissions import MANAGERS
from workspace.core.records import local_day
from workspace.extensions import db
from workspace.notifications import services as notifications
from workspace.notifications.models import Notification

SUBJECT = "deliverable"  # the notices' subject type (their subject id: the enrolment)
AHEAD = (7, 1)  # a week before the due day, and the day before
# A deadline may fall before a program's period (a month's plan is due the month before) or after it (the results
# report): enrolments are judged from this long before their first day to this long after their last.
REACH = dt.timedelta(days=62)
PROGRAM_NAME_KEPT = 80
_SETTLED = frozenset({Status.MET, Status.WAIVED, Status.NOT_APPLICABLE})


def threshold(due: dt.date, today: dt.date) -> str | None:
    """The one threshold a deliverable's due day has reached today: "due-7" (due in 2 to 7 days), "due-1" (due
    tomorrow, or today after a missed run), "overdue" (within a week after the day), else None."""
    return notifications.reached_threshold(due, today, AHEAD)


def enrolments_to_remind(today: dt.date) -> list[Enrollment]:
    """The live, confirmed enrolments of communities not archived whose program runs near `today` (one query, their
    programs and communities loaded with them)."""
    return list(db.session.scalars(
        select(Enrollment).join(Community, Community.id == Enrollment.community_id)
        .join(Program, Program.id == Enrollment.program_id)
        .where(Enrollment.live, Enrollment.status == EnrollmentStatus.CONFIRMED.value, Community.archived_at.is_(None),
               Program.first_day <= today + REACH, Program.last_day >= today - REACH)
        .options(selectinload(Enrollment.program), selectinload(Enrollment.community))
        .order_by(Enrollment.id)))


def _title(gap: Gap, program: Program, overdue: bool) -> str:
    """What is due, kept as data for each reader to read in their language (`deadline_words`)."""
    params = gap.params
    # The program by the name its panel shows (its file code, "PLC-115", the convener never sees there), cut short
    # enough that the kept JSON stays within a notice's title.
    kept = {"item": params["item"], "due": params["due"].isoformat(), "program": program.code,
            "name": program.name[:PROGRAM_NAME_KEPT]}
    if params.get("month"):
        kept["month"] = params["month"].isoformat()
    if overdue:
        kept["overdue"] = True
    return json.dumps(kept, ensure_ascii=False, separators=(",", ":"))


def deadline_words(kept: str) -> str:
    """A reminder's title as its reader reads it: the panel's sentence for the deliverable (The monthly plan for
    December 2026 is due on 20 November 2026; The results report was not done by 31 July 2026), then the program's
    name as the panel shows it (in the reader's script; a reminder kept before names came, its code)."""
    try:
        data = json.loads(kept)
        params: dict[str, object] = {"item": data["item"], "due": dt.date.fromisoformat(data["due"])}
        if data.get("month"):
            params["month"] = dt.date.fromisoformat(data["month"])
        if data.get("overdue"):
            params["overdue"] = True
        sentence = wording.gap_text(Gap("deliverable_missing", params), in_document=True)
        return gettext("%(text)s (%(detail)s)", text=sentence.rstrip().rstrip(wording.SENTENCE_ENDS),
                       detail=in_reader_script(data.get("name") or data["program"]))
    except (ValueError, KeyError, TypeError):
        return kept


notifications.register_title_words(SUBJECT, deadline_words)


def remind_deadlines(*, now: dt.datetime | None = None) -> list[Notification]:
    """Remind the conveners and co-conveners of every enrolment to remind of (`enrolments_to_remind`) of each
    deliverable not done yet that reached a threshold today; each person once per deliverable part and threshold.
    Returns the notices given. Flushes, never commits."""
    now = now or utcnow()
    today = local_day(now)
    enrollments = enrolments_to_remind(today)
    if not enrollments:
        return []
    conveners: dict[int, list[int]] = {}
    for member in current_members({enrollment.community_id for enrollment in enrollments}, roles=MANAGERS):
        conveners.setdefault(member.community_id, []).append(member.user_id)
    wanted = sorted({user_id for ids in conveners.values() for user_id in ids})
    people = {user.id: user for user in db.session.scalars(
        select(User).where(User.id.in_(wanted), User.active.is_(True)))} if wanted else {}
    reminders = []
    for standing in standings(enrollments, now=now):
        enrollment = standing.enrollment
        recipients = tuple(people[user_id] for user_id in conveners.get(enrollment.community_id, ())
                           if user_id in people)
        if not recipients:
            continue
        for result in standing.results:
            if result.kind != "deliverable" or result.status in _SETTLED:
                continue
            for _unit, gap in wording.missing_deliverables(result):
                reached = threshold(gap.params["due"], today)
                if reached is None:
                    continue
                month = gap.params["month"].isoformat() if gap.params.get("month") else ""
                reminders.append(notifications.Reminder(
                    key=f"{SUBJECT}:{enrollment.id}:{result.rule_id}:{month}:{gap.params['due'].isoformat()}:{reached}",
                    recipients=recipients, kind="due", community=enrollment.community, subject_type=SUBJECT,
                    subject_id=enrollment.id, title=_title(gap, enrollment.program, reached == notifications.OVERDUE),
                    # the deliverable's own line under its program's Deliverables, with its due day
                    path=f"/c/{enrollment.community.slug}/compliance/"
                         f"#{wording.due_anchor(enrollment.id, result.rule_id, gap)}"))
    return notifications.send_reminders(reminders, now=now)
