"""Meeting logs (輔導紀錄): when the pair met, how long, the topics, notes and the next steps agreed.

The next log starts from the open next steps of the earlier ones: the form lists them to tick off (ticked: done
in the new log), and the unticked stay open. The mentor's private notes are read and written by the mentor alone
(policy: MeetingLog read_private). A meeting may also be recorded as a community activity (新進教師輔導) with the
two marked present; the activity carries no content of the log, only that the meeting took place.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from workspace.activities.models import Activity, Method, Mode
from workspace.activities.services import (
    cancel_recorded_activity,
    move_recorded_activity,
    record_activity,
    reinstate_recorded_activity,
    to_local,
)
from workspace.activities.services.checks import ActivityFields
from workspace.communities.records import records_language
from workspace.core.database import advance, utcnow
from workspace.core.errors import Checks, Conflict, NotAllowed, ValidationError
from workspace.core.i18n import N_, gettext
from workspace.core.parsing import check_in_range
from workspace.core.permissions import can, scope
from workspace.core.records import Period, local_day
from workspace.core.text import checked_line, checked_text, clean_line, has_visible_text, render_markdown
from workspace.extensions import db
from workspace.mentoring.models import MeetingLog, MilestoneKind, NextStep, Owner, Pairing
from workspace.mentoring.services.milestones import note_progress
from workspace.mentoring.services.terms import check_within

MAX_MINUTES = 600  # a meeting of more than ten hours is a typo
# One way to say a length's limits, on the form (NumberRange fills %(min)d and %(max)d) and in the service.
MINUTES_RANGE = _l("Give the length, between %(min)d and %(max)d minutes.")
MAX_TOPICS = 500
MAX_NOTES = 20_000
MAX_STEP = 500
MAX_STEPS = 20  # per owner and meeting
DEFAULT_START = dt.time(16, 0)  # after class: when a recorded meeting's activity starts unless a time is given
_BULLET = re.compile(r"^\s*(?:[-*•·]|[0-9]{1,2}[.、)])\s*")
OWNER_LABELS = {Owner.MENTEE.value: _l("New teacher"), Owner.MENTOR.value: _l("Mentor")}


@dataclass
class LogFields:
    """What the pair types about a meeting. `next_steps` are (text, owner); `done_step_ids` the open steps of
    earlier meetings ticked off at this one; `private_notes` None leaves the stored ones as they are. An edit lists
    the log's done steps (`listed_done_ids`) with a box each: those left ticked (`kept_done_ids`) stay done, the
    others open again; a done step the editor did not list (ticked meanwhile) stays done."""

    held_on: dt.date | None
    duration_minutes: int | None
    topics: str | None = ""
    notes: str | None = ""
    private_notes: str | None = None
    next_steps: Sequence[tuple[str, str]] = field(default_factory=list)
    done_step_ids: Collection[int] = ()
    as_activity: bool = False
    starts_at: dt.time | None = None
    listed_done_ids: Collection[int] = ()
    kept_done_ids: Collection[int] = ()


def steps_from_lines(text: str | None, owner: str) -> list[tuple[str, str]]:
    """The next steps typed one per line (a leading "-", "*" or "1." dropped), each owned by `owner`."""
    steps = []
    for line in (text or "").splitlines():
        line = _BULLET.sub("", clean_line(line)).strip()
        if has_visible_text(line):
            steps.append((line, owner))
    return steps


def check_log(fields: LogFields, pairing: Pairing | None = None) -> LogFields:
    """The fields cleaned, or one ValidationError naming every field that breaks a rule. With the pairing, the
    meeting is dated within its term and not after today (a log records a meeting held)."""
    checks = Checks()
    with checks:
        if fields.held_on is None:
            raise ValidationError(str(_l("This field is required.")), field="held_on")
        check_in_range(fields.held_on, "held_on")
        if pairing is not None:
            check_within(fields.held_on, Period(pairing.starts_on, min(pairing.ends_on, local_day(utcnow()))),
                         "held_on", _l("Date the meeting from %(first)s to %(last)s: within the pairing and not "
                                       "after today."))
    with checks:
        if fields.duration_minutes is None:
            raise ValidationError(str(_l("This field is required.")), field="duration_minutes")
        if not 0 < fields.duration_minutes <= MAX_MINUTES:
            raise ValidationError(str(MINUTES_RANGE % {"min": 1, "max": MAX_MINUTES}), field="duration_minutes")
    with checks:
        topics = checked_line(fields.topics, "topics", MAX_TOPICS)
    with checks:
        notes = checked_text(fields.notes, "notes", MAX_NOTES)
    with checks:
        private = None if fields.private_notes is None else checked_text(fields.private_notes, "private_notes",
                                                                          MAX_NOTES)
    steps: list[tuple[str, str]] = []
    for owner in OWNER_LABELS:
        name = f"{owner}_steps"
        with checks:
            mine = [(text, step_owner) for text, step_owner in fields.next_steps if step_owner == owner]
            if len(mine) > MAX_STEPS:
                raise ValidationError(str(_l("Use at most %(count)d entries.", count=MAX_STEPS)), field=name)
            for text, _owner in mine:
                if len(text) > MAX_STEP:
                    raise ValidationError(str(_l("Keep each line to %(count)d characters.", count=MAX_STEP)),
                                          field=name)
            steps += mine
    checks.done()
    return LogFields(fields.held_on, fields.duration_minutes, topics, notes, private, steps,
                     list(fields.done_step_ids), fields.as_activity, fields.starts_at,
                     list(fields.listed_done_ids), list(fields.kept_done_ids))


def _require(allowed: bool) -> None:
    if not allowed:
        raise NotAllowed(str(_l("Only the mentor and the new teacher of an active pairing write its meeting logs.")))


def may_read_private(user: Any, pairing: Pairing) -> bool:
    """Whether `user` reads and writes the mentor's private notes of the pairing's logs (the policy, once per page)."""
    return can(user, "read_private", MeetingLog(pairing=pairing, pairing_id=pairing.id))


def open_steps(pairing: Pairing) -> list[NextStep]:
    """The pairing's next steps not yet done, from live logs, oldest meeting first."""
    return list(db.session.scalars(select(NextStep).join(MeetingLog, MeetingLog.id == NextStep.log_id).where(
        NextStep.pairing_id == pairing.id, NextStep.done_at.is_(None), MeetingLog.live).order_by(
        MeetingLog.held_on, MeetingLog.id, NextStep.position)))


def _tick(pairing: Pairing, step_ids: Collection[int], log: MeetingLog | None) -> int:
    """Mark the pairing's open steps among `step_ids` done (at `log`); return how many."""
    ids = {step_id for step_id in step_ids if isinstance(step_id, int)}
    if not ids:
        return 0
    steps = db.session.scalars(select(NextStep).where(
        NextStep.pairing_id == pairing.id, NextStep.id.in_(ids), NextStep.done_at.is_(None)))
    count = 0
    for step in steps:
        if log is not None and step.log_id == log.id:
            continue  # a step is done at a later meeting than the one that agreed it
        step.done_at = utcnow()
        step.done_in_log_id = log.id if log is not None else None
        count += 1
    return count


def _add_steps(log: MeetingLog, steps: Sequence[tuple[str, str]], start: int = 0) -> None:
    for position, (text, owner) in enumerate(steps, start=start):
        log.next_steps.append(NextStep(pairing_id=log.pairing_id, text=text, owner=owner, position=position))


def _meeting_title(pairing: Pairing) -> str:
    """The recorded activity's title, in the community's records language (not the writer's)."""
    with force_locale(records_language(pairing.community_id)):
        return gettext("New-teacher mentoring: %(name)s", name=pairing.mentee.display_name)


def _activity_fields(pairing: Pairing, checked: LogFields, start: dt.time | None = None) -> ActivityFields:
    """The meeting as a community activity (新進教師輔導, offline): title and time only, never the log's content."""
    starts = dt.datetime.combine(checked.held_on, checked.starts_at or start or DEFAULT_START)
    ends = starts + dt.timedelta(minutes=checked.duration_minutes)
    return ActivityFields(title=_meeting_title(pairing)[:200], method=Method.NEW_TEACHER_MENTORING.value,
                          starts_at=starts, ends_at=ends, mode=Mode.OFFLINE.value)


def _record_activity(pairing: Pairing, checked: LogFields, actor: Any) -> Any:
    """Record the meeting as a community activity, the pair present."""
    return record_activity(pairing.community, _activity_fields(pairing, checked), actor=actor,
                           present=list(pairing.member_ids()), private=True)


def _recorded_activity(log: MeetingLog) -> Activity | None:
    return db.session.get(Activity, log.activity_id) if log.activity_id is not None else None


def create_log(pairing: Pairing, fields: LogFields, *, actor: Any) -> MeetingLog:
    """Log a meeting: its next steps, the earlier steps ticked off at it, maybe its activity; the first log ticks
    the pairing's meeting milestone."""
    _require(can(actor, "write", pairing))
    checked = check_log(fields, pairing)
    private = checked.private_notes if may_read_private(actor, pairing) else None
    log = MeetingLog(pairing_id=pairing.id, held_on=checked.held_on, duration_minutes=checked.duration_minutes,
                     topics=checked.topics, notes=checked.notes, notes_html=str(render_markdown(checked.notes)),
                     private_notes=private or "", author_id=actor.id)
    log.pairing = pairing
    db.session.add(log)
    _add_steps(log, checked.next_steps)
    db.session.flush()
    _tick(pairing, checked.done_step_ids, log)
    if checked.as_activity:
        log.activity_id = _record_activity(pairing, checked, actor).id
    note_progress(pairing, MilestoneKind.MEETING, checked.held_on, actor_id=actor.id)
    return log


def update_log(log: MeetingLog, fields: LogFields, *, actor: Any, base_version: int) -> MeetingLog:
    """Change a log (its next steps: done ones stay unless unticked in the editor, removed open ones go, new lines
    are added); an edit started from an older version is refused and nothing is overwritten. Only the mentor
    changes the private notes."""
    _require(can(actor, "edit", log))
    checked = check_log(fields, log.pairing)
    if base_version != log.version or not advance(log, expected=base_version):
        raise Conflict(str(_l("Someone changed this log while you were editing it. Nothing was saved; your text is "
                              "kept below. Look at the saved log and make your change again.")))
    log.held_on, log.duration_minutes = checked.held_on, checked.duration_minutes
    log.topics, log.notes = checked.topics, checked.notes
    log.notes_html = str(render_markdown(checked.notes))
    if checked.private_notes is not None and may_read_private(actor, log.pairing):
        log.private_notes = checked.private_notes
    wanted = list(checked.next_steps)
    kept: list[NextStep] = []
    reopened = set(checked.listed_done_ids) - set(checked.kept_done_ids)
    for step in list(log.next_steps):
        if step.done_at is not None:
            # What was done stays on the record (a line typed with its text is a new step, not this one), unless
            # the editor listed it and its box was unticked: then it is open again (a step carried on to another
            # pairing is that pairing's to reopen).
            if step.id in reopened and step.pairing_id == log.pairing_id:
                step.done_at, step.done_in_log_id = None, None
            kept.append(step)
        elif (step.text, step.owner) in wanted:
            wanted.remove((step.text, step.owner))
            kept.append(step)
        else:
            log.next_steps.remove(step)
    for position, step in enumerate(kept):
        step.position = position
    _add_steps(log, wanted, start=len(kept))
    log.updated_at = utcnow()
    db.session.flush()
    activity = _recorded_activity(log)
    if activity is not None:  # the activity follows the log's day and length (its time of day kept)
        move_recorded_activity(activity, _activity_fields(log.pairing, checked, to_local(activity.starts_at).time()),
                               actor=actor)
    elif checked.as_activity:
        log.activity_id = _record_activity(log.pairing, checked, actor).id
    return log


def trash_log(log: MeetingLog, *, actor: Any) -> None:
    """Move a log to the trash (restorable; its open next steps leave the next log's list meanwhile)."""
    _require(can(actor, "delete", log))
    log.deleted_at = log.deleted_at or utcnow()
    activity = _recorded_activity(log)
    if activity is not None:  # a meeting in the trash counts for nothing: its activity is cancelled, and kept
        # Stored as the message, read in the reader's language (Activity.cancel_reason_shown).
        cancel_recorded_activity(activity, N_("The meeting log was moved to the trash."), actor=actor)


def restore_log(log: MeetingLog, *, actor: Any) -> None:
    """Take a log out of the trash."""
    _require(can(actor, "restore", log))
    log.deleted_at = None
    activity = _recorded_activity(log)
    if activity is not None:
        reinstate_recorded_activity(activity, actor=actor)


def share_log(log: MeetingLog, shared: bool, *, actor: Any) -> None:
    """Let the community's conveners read the log (never the private notes), or stop."""
    _require(can(actor, "share", log))
    log.shared = shared


def carry_open_steps(old: Pairing, new: Pairing) -> list[NextStep]:
    """Carry the old pairing's open next steps on to the pairing that takes over from it: the new pair ticks them
    (at a meeting or on their own); each stays under the log of the meeting that agreed it, which the outgoing
    mentor still reads, marked as carried on."""
    moved = open_steps(old)
    for step in moved:
        step.pairing_id, step.pairing = new.id, new
    db.session.flush()
    return moved


def tick_step(step: NextStep, done: bool, *, actor: Any) -> None:
    """Tick a next step off outside a meeting (or open it again)."""
    _require(can(actor, "edit", step))
    if done and step.done_at is None:
        step.done_at, step.done_in_log_id = utcnow(), None
    elif not done:
        step.done_at, step.done_in_log_id = None, None


def logs_of(pairing: Pairing, viewer: Any, *, trashed: bool = False) -> list[MeetingLog]:
    """The pairing's logs the viewer may read (in the trash, when `trashed`), newest meeting first, with their
    next steps (one query for all)."""
    live = ~MeetingLog.live if trashed else MeetingLog.live
    return list(db.session.scalars(select(MeetingLog).where(
        MeetingLog.pairing_id == pairing.id, live, scope(viewer, "read", MeetingLog)).options(
        selectinload(MeetingLog.next_steps)).order_by(MeetingLog.held_on.desc(), MeetingLog.id.desc())))


def done_days(logs: Sequence[MeetingLog]) -> dict[int, dt.date]:
    """The day each done step of `logs` was done: the date of the meeting whose log ticked it off (a log typed
    days later still says the meeting's day, and follows an edit of that date), else the day it was ticked on
    its own, in the deployment's time zone. One query, for the meetings' dates."""
    done = [step for log in logs for step in log.next_steps if step.done_at is not None]
    meeting_ids = {step.done_in_log_id for step in done if step.done_in_log_id is not None}
    held = {row.id: row.held_on for row in db.session.execute(select(MeetingLog.id, MeetingLog.held_on).where(
        MeetingLog.id.in_(meeting_ids)))} if meeting_ids else {}
    return {step.id: held.get(step.done_in_log_id) or local_day(step.done_at) for step in done}


def log_dates(pairing: Pairing, viewer: Any) -> list[tuple[dt.date, int]]:
    """The dates and lengths of the pairing's meetings (what a convener sees without the content)."""
    return [(row.held_on, row.duration_minutes) for row in db.session.execute(
        select(MeetingLog.held_on, MeetingLog.duration_minutes).where(
            MeetingLog.pairing_id == pairing.id, MeetingLog.live, scope(viewer, "view", MeetingLog)).order_by(
            MeetingLog.held_on.desc()))]


def open_steps_for(pairing_ids: Collection[int]) -> dict[int, list[NextStep]]:
    """The open next steps of many pairings at once (a home page's list): {pairing id: steps, oldest first}."""
    ids = list(pairing_ids)
    found: dict[int, list[NextStep]] = {}
    if not ids:
        return found
    for step in db.session.scalars(select(NextStep).join(MeetingLog, MeetingLog.id == NextStep.log_id).where(
            NextStep.pairing_id.in_(ids), NextStep.done_at.is_(None), MeetingLog.live).order_by(
            MeetingLog.held_on, MeetingLog.id, NextStep.position)):
        found.setdefault(step.pairing_id, []).append(step)
    return found
