"""Viewer-free reads of mentoring for compliance, exports and the pages: communities and a Period in, rows out.

Like `activities.records` (CONVENTIONS.md §13): a fixed number of queries whatever the number of pairings,
lessons, logs or observations; trashed logs and observations and cancelled public lessons are left out here
only; nothing here checks who asks (the caller decided that already), and nothing here returns what a pair
wrote: who, when and how many only, which is what a reviewer may see.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import func, or_, select

from workspace.activities import records as activity_records
from workspace.activities.models import Activity
from workspace.core.database import utcnow
from workspace.core.records import Period, local_day
from workspace.extensions import db
from workspace.mentoring.models import MeetingLog, Observation, ObservationNote, Pairing, PublicLesson


@dataclass(frozen=True)
class MenteeRow:
    """A new teacher of a pairing that overlaps the period (one row per pairing)."""

    community_id: int
    user_id: int
    mentor_id: int
    starts_on: dt.date
    ends_on: dt.date  # the term's end, or the day the pairing was ended early


@dataclass(frozen=True)
class MentorRow:
    """A mentor of a pairing that overlaps the period (one row per pairing)."""

    community_id: int
    user_id: int
    mentee_id: int
    starts_on: dt.date
    ends_on: dt.date


@dataclass(frozen=True)
class PublicLessonRow:
    """A public lesson that is not cancelled, starting in the period (held, or still to come)."""

    id: int
    community_id: int
    teacher_id: int
    day: dt.date  # the local day it starts
    held: bool  # not cancelled and over by the time asked about
    activity_id: int


@dataclass(frozen=True)
class PairingCounts:
    """One community's mentoring in the period, as counts: pairings that overlap it, meeting logs and
    observations dated in it (trashed ones left out)."""

    community_id: int
    pairings: int
    meeting_logs: int
    observations: int


def _pairings(community_ids: Collection[int], period: Period) -> list[tuple[int, int, int, dt.date, dt.date]]:
    """(community, mentor, mentee, first day, last day) of each pairing overlapping the period (one query)."""
    if not community_ids:
        return []
    rows = db.session.execute(
        select(Pairing.community_id, Pairing.mentor_id, Pairing.mentee_id, Pairing.starts_on, Pairing.ends_on,
               Pairing.ended_at)
        .where(Pairing.community_id.in_(list(community_ids)), Pairing.starts_on <= period.last,
               Pairing.ends_on >= period.first)
        .order_by(Pairing.community_id, Pairing.starts_on, Pairing.id)).all()
    found = []
    for row in rows:
        # A pairing ended early ends on the day it was ended (never before it started).
        last = row.ends_on if row.ended_at is None else max(min(row.ends_on, local_day(row.ended_at)), row.starts_on)
        if last >= period.first:
            found.append((row.community_id, row.mentor_id, row.mentee_id, row.starts_on, last))
    return found


def mentees(community_ids: Collection[int], period: Period) -> list[MenteeRow]:
    """The new teachers of the pairings that overlap the period, by community then start (one query)."""
    return [MenteeRow(community_id, mentee_id, mentor_id, first, last)
            for community_id, mentor_id, mentee_id, first, last in _pairings(community_ids, period)]


def mentors(community_ids: Collection[int], period: Period) -> list[MentorRow]:
    """The mentors of the pairings that overlap the period, by community then start (one query)."""
    return [MentorRow(community_id, mentor_id, mentee_id, first, last)
            for community_id, mentor_id, mentee_id, first, last in _pairings(community_ids, period)]


def public_lessons(community_ids: Collection[int], period: Period, *,
                   now: dt.datetime | None = None) -> list[PublicLessonRow]:
    """The public lessons starting in the period, cancelled ones left out, oldest first (one query)."""
    if not community_ids:
        return []
    now = now or utcnow()
    rows = db.session.execute(
        select(PublicLesson.id, PublicLesson.community_id, PublicLesson.teacher_id, Activity.id.label("activity_id"),
               Activity.starts_at, Activity.ends_at)
        .join(Activity, Activity.id == PublicLesson.activity_id)
        .where(PublicLesson.community_id.in_(list(community_ids)), Activity.live, period.holds(Activity.starts_at))
        .order_by(Activity.starts_at, PublicLesson.id)).all()
    return [PublicLessonRow(row.id, row.community_id, row.teacher_id, local_day(row.starts_at), row.ends_at <= now,
                            row.activity_id) for row in rows]


def pairing_counts(community_ids: Collection[int], period: Period) -> list[PairingCounts]:
    """Per community: pairings overlapping the period, meeting logs and observations dated in it (three
    queries); communities without any are listed with zeros."""
    ids = sorted(set(community_ids))
    if not ids:
        return []
    pairings: dict[int, int] = {}
    for community_id, *_rest in _pairings(ids, period):
        pairings[community_id] = pairings.get(community_id, 0) + 1
    logs = dict(db.session.execute(
        select(Pairing.community_id, func.count(MeetingLog.id)).join(Pairing, Pairing.id == MeetingLog.pairing_id)
        .where(Pairing.community_id.in_(ids), MeetingLog.live, period.holds_day(MeetingLog.held_on))
        .group_by(Pairing.community_id)).all())
    observations = dict(db.session.execute(
        select(Observation.community_id, func.count(Observation.id))
        .where(Observation.community_id.in_(ids), Observation.live, period.holds_day(Observation.observed_on))
        .group_by(Observation.community_id)).all())
    return [PairingCounts(community_id, pairings.get(community_id, 0), logs.get(community_id, 0),
                          observations.get(community_id, 0)) for community_id in ids]


@activity_records.record_kept.connect
def kept_records(_sender: object, *, activity_ids: list[int]) -> dict[int, activity_records.KeptRecord]:
    """The record the pair keeps of their private activities among `activity_ids` (two queries): a live meeting log
    with topics or notes is the meeting's minutes; a live observation with notes, strengths or suggestions is the
    lesson's, its notes' photos its photos. What they say stays the pair's: only that they exist is answered."""
    kept: dict[int, activity_records.KeptRecord] = {}
    written = or_(func.length(func.trim(MeetingLog.topics)) > 0, func.length(func.trim(MeetingLog.notes)) > 0)
    for activity_id in db.session.scalars(select(MeetingLog.activity_id).where(
            MeetingLog.activity_id.in_(activity_ids), MeetingLog.live, written)):
        kept[activity_id] = activity_records.KeptRecord(minutes=True)
    notes = (select(func.count(ObservationNote.id)).where(ObservationNote.observation_id == Observation.id)
             .correlate(Observation).scalar_subquery())
    photos = (select(func.count(ObservationNote.id)).where(ObservationNote.observation_id == Observation.id,
                                                           ObservationNote.photo_blob_id.is_not(None))
              .correlate(Observation).scalar_subquery())
    for activity_id, note_count, photo_count, strengths, suggestions in db.session.execute(
            select(Observation.activity_id, notes, photos, Observation.strengths, Observation.suggestions)
            .where(Observation.activity_id.in_(activity_ids), Observation.live)):
        minutes = bool(note_count) or bool((strengths or "").strip()) or bool((suggestions or "").strip())
        before = kept.get(activity_id, activity_records.KeptRecord())
        kept[activity_id] = activity_records.KeptRecord(before.minutes or minutes, before.photos + (photo_count or 0))
    return kept
