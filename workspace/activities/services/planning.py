"""Planning activities: one, a series (weekly or monthly), changing, cancelling and reinstating."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Sequence

from blinker import Namespace
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, select

from workspace.activities.models import Activity, Attendance, AttendanceStatus
from workspace.activities.services._common import _check_manager, _line, to_local, to_utc
from workspace.activities.services.checks import ActivityFields, SpeakerFields, check_activity
from workspace.auth.models import User
from workspace.communities.models import Community
from workspace.communities.policy import role_in
from workspace.core.database import advance, utcnow
from workspace.core.errors import Conflict, NotAllowed, ValidationError
from workspace.core.i18n import local_date
from workspace.core.models import record_event
from workspace.core.permissions import CONTRIBUTORS, can
from workspace.core.text import render_markdown
from workspace.extensions import db

# Sent when activities are planned or one's start is changed (`activities`: those of one save, at their new starts, all
# of one community; `before=`: where the one moved started, None for new ones), inside the transaction. An area that
# reads activities by their day (compliance: the periods of the programs the community is enrolled in) answers with
# what the days mean to it, a list of sentences for the person who saved, reading what it needs once for the whole
# save (a series of 20 is one read, not 20); activities imports none of those areas (dating_notices gathers them).
activity_dated = Namespace().signal("activities.activity-dated")


def dating_notices(activities: Sequence[Activity], before: dt.datetime | None = None) -> list[str]:
    """What the areas that read activities by their day say of `activities` (one save: a planned activity or series,
    `before` None; or one activity moved from `before`) starting where they do now, each sentence once: warnings to
    show beside a save that is made all the same. Nothing when no start moved."""
    if not activities or (before is not None and all(before == activity.starts_at for activity in activities)):
        return []
    said: list[str] = []
    for _receiver, notices in activity_dated.send(None, activities=list(activities), before=before):
        said += [notice for notice in notices or () if notice not in said]
    return said


def _apply(activity: Activity, community: Community, fields: ActivityFields) -> None:
    checked = check_activity(community, fields)
    activity.title, activity.method, activity.mode = checked.title, checked.method, checked.mode
    activity.starts_at, activity.ends_at = checked.starts_at, checked.ends_at
    activity.place, activity.meeting_url = checked.place, checked.meeting_url
    activity.agenda = checked.agenda
    activity.agenda_html = str(render_markdown(activity.agenda))
    activity.subjects, activity.tags = checked.subjects, checked.tags
    activity.schools = checked.schools
    activity.recorder_id = checked.recorder_id
    activity.speakers = checked.speakers


# --- planning ------------------------------------------------------------------------------------


def create_activity(community: Community, fields: ActivityFields, *, actor: User,
                    copied_from: Activity | None = None, series_key: str | None = None) -> Activity:
    """Plan one activity."""
    _check_manager(community, actor)
    activity = Activity(community_id=community.id, created_by_id=actor.id, sign_in_nonce=secrets.token_hex(8),
                        copied_from_id=copied_from.id if copied_from else None, series_key=series_key)
    activity.community = community
    _apply(activity, community, fields)
    db.session.add(activity)
    db.session.flush()
    return activity


def record_activity(community: Community, fields: ActivityFields, *, actor: User,
                    present: Sequence[int] = (), private: bool = False) -> Activity:
    """Record an activity that another area's own rule allowed (a mentoring meeting, an observation, a public
    lesson), with the people in `present` marked present: the same checked record a convener plans, counted by
    every rule it satisfies, without the manager check (the calling area asked its policy). The member who
    records it is its recorder (writes its minutes, adds its evidence) unless the fields name one. A `private`
    one (a pair's meeting or observation) is read only by those it marks, the conveners and admins, and has no
    minutes of its own: the pair's record (the log, the observation's notes) is its minutes."""
    if community.archived_at is not None:
        raise NotAllowed(str(_l("This community is archived.")))
    activity = Activity(community_id=community.id, created_by_id=actor.id, sign_in_nonce=secrets.token_hex(8))
    activity.community = community
    _apply(activity, community, fields)
    activity.named_only = True  # the people it is for are those marked: a pair's meeting is not every member's
    activity.private = private
    if activity.recorder_id is None and role_in(actor, community) in CONTRIBUTORS:
        # Whoever recorded it (the mentor of a meeting, the teacher of a public lesson) adds its photos, and writes
        # the minutes of an open one: the funder's rules ask for them, and the area's own notes stay private.
        activity.recorder_id = actor.id
    db.session.add(activity)
    db.session.flush()
    for user_id in dict.fromkeys(present):
        db.session.add(Attendance(activity_id=activity.id, user_id=user_id, status=AttendanceStatus.PRESENT.value,
                                  how="convener", updated_by_id=actor.id, updated_at=utcnow()))
    db.session.flush()
    return activity


def move_recorded_activity(activity: Activity, fields: ActivityFields, *, actor: User) -> Activity:
    """Change an activity that another area recorded, as that area's own rule allowed (a public lesson moved by
    its teacher): checked like any change, its version moved on so that a convener's older form is refused."""
    if activity.community.archived_at is not None:
        raise NotAllowed(str(_l("This community is archived.")))
    _apply(activity, activity.community, fields)
    activity.updated_at = utcnow()
    advance(activity)
    return activity


def cancel_recorded_activity(activity: Activity, reason: str, *, actor: User) -> None:
    """Cancel an activity that another area recorded, as that area's own rule allowed; kept, with its reason."""
    if activity.cancelled:
        return
    activity.cancelled_at, activity.cancel_reason = utcnow(), _line(reason, "reason", 500)
    advance(activity)
    record_event(actor, "activity.cancelled", activity, activity.community, title=activity.title)


def reinstate_recorded_activity(activity: Activity, *, actor: User) -> None:
    """Reinstate an activity that another area recorded and cancelled (a meeting log taken out of the trash)."""
    if not activity.cancelled:
        return
    activity.cancelled_at, activity.cancel_reason = None, ""
    advance(activity)
    record_event(actor, "activity.reinstated", activity, activity.community, title=activity.title)


def _shift_months(local: dt.datetime, months: int) -> dt.datetime:
    """The same day and time `months` later (the 31st becomes the month's last day)."""
    year, month = divmod(local.month - 1 + months, 12)
    year, month = local.year + year, month + 1
    last = (dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return local.replace(year=year, month=month, day=min(local.day, last))


def create_series(community: Community, fields: ActivityFields, *, actor: User, repeat: str,
                  count: int) -> list[Activity]:
    """Plan a weekly or monthly series: the same local time each week or month (DST changes included)."""
    _check_manager(community, actor)
    check_activity(community, fields, repeat=repeat, count=count)
    starts, ends = fields.starts_at.replace(tzinfo=None), fields.ends_at.replace(tzinfo=None)  # local wall time
    key = uuid.uuid4().hex
    made = []
    for index in range(count):
        if repeat == "weekly":
            shift_start, shift_end = starts + dt.timedelta(weeks=index), ends + dt.timedelta(weeks=index)
        else:
            # The end follows the start (not its own day): the 30th 22:00–the 31st 01:00 would otherwise end
            # before it starts in a month whose last day clamps both to the same date.
            shift_start = _shift_months(starts, index)
            shift_end = shift_start + (ends - starts)
        made.append(create_activity(community, _replace_times(fields, shift_start, shift_end), actor=actor,
                                    series_key=key))
    return made


def _replace_times(fields: ActivityFields, starts: dt.datetime, ends: dt.datetime) -> ActivityFields:
    from dataclasses import replace

    return replace(fields, starts_at=starts, ends_at=ends)


def fields_of(activity: Activity) -> ActivityFields:
    """The form values of an activity (times as local wall-clock times): to edit or to copy it."""
    return ActivityFields(
        title=activity.title, method=activity.method, mode=activity.mode,
        starts_at=to_local(activity.starts_at).replace(tzinfo=None),
        ends_at=to_local(activity.ends_at).replace(tzinfo=None), place=activity.place,
        meeting_url=activity.meeting_url, agenda=activity.agenda, subjects=list(activity.subjects or []),
        tags=list(activity.tags or []), school_ids=[school.id for school in activity.schools],
        recorder_id=activity.recorder_id,
        speakers=[SpeakerFields(name=item.name, affiliation=item.affiliation, external=item.external,
                                hours=float(item.hours or 0), topic=item.topic, user_id=item.user_id)
                  for item in activity.speakers])


def held_moved_ahead(activity: Activity, fields: ActivityFields, *, now: dt.datetime | None = None) -> str | None:
    """Why moving an activity that was held to a time still to come needs a second word, or None: it then counts as
    held (for the funder's rules, the attendance rates, the reports) only once that time has passed, with its
    attendance marks. None when it was not held, or still ends in the past, or the new end is not a valid time."""
    now = now or utcnow()
    if activity.cancelled or activity.ends_at > now or fields.ends_at is None:
        return None
    try:
        ends_at = to_utc(fields.ends_at)
    except (ValueError, OverflowError):
        return None  # check_activity refuses it beside the field
    if ends_at <= now:  # held is ended: moved to a time under way, it is not held until it ends either
        return None
    marks = db.session.scalar(select(func.count()).select_from(Attendance)
                              .where(Attendance.activity_id == activity.id)) or 0
    return str(ngettext("This activity was held on %(day)s, with %(num)d attendance mark. Moved to a time still "
                        "to come, it leaves the counts and the reports until then. Tick “Move it anyway” to move it.",
                        "This activity was held on %(day)s, with %(num)d attendance marks. Moved to a time still "
                        "to come, it leaves the counts and the reports until then. Tick “Move it anyway” to move it.",
                        marks, day=local_date(activity.starts_at)))


def update_activity(activity: Activity, fields: ActivityFields, *, actor: User, base_version: int,
                    move_ahead: bool = False) -> Activity:
    """Change an activity; an edit that started from an older version is refused (nothing overwritten). An activity
    that was held is moved to a time still to come only with `move_ahead` (the person said so)."""
    if not can(actor, "manage", activity):
        raise NotAllowed(str(_l("Only conveners can change activities.")))
    if not move_ahead and (why := held_moved_ahead(activity, fields)):
        raise ValidationError(why, field="move_ahead")
    # The version moves in the database, only from the one the form was loaded at (a compare-and-swap).
    if base_version != activity.version or not advance(activity, expected=base_version):
        raise Conflict(str(_l("Someone changed this activity while you were editing. Look at the saved "
                              "version and make your change again.")))
    _apply(activity, activity.community, fields)
    activity.updated_at = utcnow()
    return activity


def cancel_activity(activity: Activity, reason: str, *, actor: User) -> None:
    """Mark an activity cancelled; it stays in the records with its reason."""
    if not can(actor, "manage", activity):
        raise NotAllowed(str(_l("Only conveners can cancel activities.")))
    if activity.cancelled:
        return
    activity.cancelled_at, activity.cancel_reason = utcnow(), _line(reason, "reason", 500)
    advance(activity)  # in the database: an editor's form from before the cancellation is refused
    record_event(actor, "activity.cancelled", activity, activity.community, title=activity.title)


def reinstate_activity(activity: Activity, *, actor: User) -> None:
    if not can(actor, "manage", activity):
        raise NotAllowed(str(_l("Only conveners can change activities.")))
    if not activity.cancelled:
        return
    activity.cancelled_at, activity.cancel_reason = None, ""
    advance(activity)
    record_event(actor, "activity.reinstated", activity, activity.community, title=activity.title)
