"""Checking an activity's fields (times, speakers, participants) before it is planned or changed."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from workspace.activities import records
from workspace.activities.models import Method, Mode, Speaker
from workspace.activities.services._common import (
    MAX_HOURS,
    MAX_SERIES,
    MAX_TITLE,
    _line,
    _member_ids,
    _text,
    community_members,
    to_utc,
)
from workspace.communities.models import Community, School
from workspace.core.errors import Checks, ValidationError
from workspace.core.parsing import check_in_range
from workspace.core.text import checked_list, clean_line
from workspace.extensions import db

# --- checks --------------------------------------------------------------------------------------


def _url(value: str | None) -> str:
    value = clean_line(value)
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc or len(value) > 500:
        raise ValidationError(str(_l("Give a web address that starts with https://")), field="meeting_url")
    return value


@dataclass
class SpeakerFields:
    name: str
    affiliation: str = ""
    external: bool = False
    hours: float | str = 0
    topic: str = ""
    user_id: int | None = None


@dataclass
class ActivityFields:
    """What a convener types about an activity; times are the deployment's local wall-clock times."""

    title: str
    method: str
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    mode: str = Mode.OFFLINE.value
    place: str = ""
    meeting_url: str = ""
    agenda: str = ""
    subjects: str | Sequence[str] = ""
    tags: str | Sequence[str] = ""
    school_ids: Sequence[int] = ()
    recorder_id: int | None = None
    speakers: Sequence[SpeakerFields] = field(default_factory=list)


def check_times(starts_at: dt.datetime | None, ends_at: dt.datetime | None) -> tuple[dt.datetime, dt.datetime]:
    """Both times given, the end after the start, at most 24 hours long; returned in UTC."""
    checks = Checks()
    with checks:
        if starts_at is None:
            raise ValidationError(str(_l("Give the start.")), field="starts_at")
        # Beyond these years converting to UTC, the sign-in window or the next day would leave the calendar.
        check_in_range(starts_at, "starts_at")
    with checks:
        if ends_at is None:
            raise ValidationError(str(_l("Give the end.")), field="ends_at")
        check_in_range(ends_at, "ends_at")
    checks.done()
    starts, ends = to_utc(starts_at), to_utc(ends_at)
    if ends <= starts:
        raise ValidationError(str(_l("The end must come after the start.")), field="ends_at")
    if ends - starts > dt.timedelta(hours=MAX_HOURS):
        raise ValidationError(str(_l("An activity lasts at most %(hours)d hours; split longer events.",
                                     hours=MAX_HOURS)), field="ends_at")
    return starts, ends


def _speakers(community: Community, speakers: Sequence[SpeakerFields], members: set[int]) -> list[Speaker]:
    """The speakers as typed; a name that is a member's name links the member (their hours count as theirs)."""
    by_name = {user.display_name.casefold(): user.id for user in community_members(community)} if speakers else {}
    rows = []
    for position, item in enumerate(speakers):
        name = clean_line(item.name)
        if not name:
            continue
        try:
            hours = float(item.hours or 0)
        except (TypeError, ValueError):
            raise ValidationError(str(_l("Give the hours as a number, e.g. 1.5")), field="speakers") from None
        if not 0 <= hours <= MAX_HOURS or math.isnan(hours):
            raise ValidationError(str(_l("Give the hours as a number, e.g. 1.5")), field="speakers")
        rows.append(Speaker(position=position, name=_line(name, "speakers", 100),
                            affiliation=_line(item.affiliation, "speakers"), external=bool(item.external),
                            hours=round(hours, 1), topic=_line(item.topic, "speakers"),
                            user_id=item.user_id if item.user_id in members else by_name.get(name.casefold())))
    return rows


@dataclass
class CheckedActivity:
    """An activity's fields once every rule passed: cleaned, times in UTC, speakers as rows to store."""

    title: str
    method: str
    mode: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str
    meeting_url: str
    agenda: str
    subjects: list[str]
    tags: list[str]
    schools: list[School]
    recorder_id: int | None
    speakers: list[Speaker]


def check_activity(community: Community, fields: ActivityFields, *, repeat: str | None = None,
                   count: int = 1) -> CheckedActivity:
    """Check every field of an activity (and of a series, when `repeat` is given) and refuse them together:
    one ValidationError naming each field that breaks a rule, so the form shows every problem at once."""
    checks = Checks()
    with checks:
        title = _line(fields.title, "title", MAX_TITLE, required=True)
    with checks:
        if fields.method not in {method.value for method in Method}:
            raise ValidationError(str(_l("Choose from the list.")), field="method")
    with checks:
        if fields.mode not in {mode.value for mode in Mode}:
            raise ValidationError(str(_l("Choose from the list.")), field="mode")
    with checks:
        starts_at, ends_at = check_times(fields.starts_at, fields.ends_at)
    with checks:
        place = _line(fields.place, "place")
    with checks:
        meeting_url = _url(fields.meeting_url)
    with checks:
        agenda = _text(fields.agenda, "agenda")
    with checks:
        subjects = checked_list(fields.subjects, "subjects")
    with checks:
        tags = list(dict.fromkeys(records.stored_tag(tag) for tag in checked_list(fields.tags, "tags")))
    members = _member_ids(community)
    with checks:
        if fields.recorder_id is not None and fields.recorder_id not in members:
            raise ValidationError(str(_l("Choose a member of the community.")), field="recorder_id")
    with checks:
        speakers = _speakers(community, fields.speakers, members)
    if repeat is not None:
        with checks:
            if repeat not in {"weekly", "monthly"}:
                raise ValidationError(str(_l("Choose from the list.")), field="repeat")
        with checks:
            if not 1 <= count <= MAX_SERIES:
                raise ValidationError(str(_l("Plan between 1 and %(count)d activities at once.",
                                             count=MAX_SERIES)), field="count")
    checks.done()
    school_ids = {school.id for school in community.schools}
    chosen = [school_id for school_id in fields.school_ids if school_id in school_ids]
    schools = list(db.session.scalars(select(School).where(School.id.in_(chosen)))) if chosen else []
    return CheckedActivity(title=title, method=fields.method, mode=fields.mode, starts_at=starts_at, ends_at=ends_at,
                           place=place, meeting_url=meeting_url, agenda=agenda, subjects=subjects, tags=tags,
                           schools=schools, recorder_id=fields.recorder_id, speakers=speakers)
