"""Viewer-free reads of the co-planning of communities in a period: the plans, the lessons taught from them
and the reflections written after.

Communities and a Period (core/records.py: first and last day included, local time) in, frozen rows out,
in a fixed number of queries whatever the number of plans and lessons. Plans in the trash, and the lessons
of such plans, are left out here, through `PlanDoc.live`. A plan belongs to the period when it was made in
it or a lesson of it was taught in it. Nothing here checks who asks: the caller has decided that already.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import aliased

from workspace.core.records import Period
from workspace.extensions import db
from workspace.plans.models import LessonTaught, PlanDoc, PlanKind, PlanStatus


@dataclass(frozen=True)
class LessonRecord:
    """A lesson taught in the period from a plan not in the trash, and whether its reflection is written."""

    id: int
    plan_id: int
    community_id: int
    taught_on: dt.date
    class_name: str
    author_id: int | None
    has_reflection: bool


@dataclass(frozen=True)
class PlanRecord:
    """A shared plan or an adaptation of the period, with its lessons and reflections of the period."""

    id: int
    community_id: int
    kind: str  # shared, adaptation
    topic: str
    subject: str
    grade: str
    status: str  # draft, review, final
    lead_id: int | None
    owner_id: int | None  # an adaptation's teacher
    parent_id: int | None  # an adaptation's shared plan
    planned_on: dt.date | None
    created_at: dt.datetime
    updated_at: dt.datetime
    lessons: int  # taught in the period
    reflections: int  # of those, with a reflection written

    @property
    def adaptation(self) -> bool:
        """One teacher's copy of a shared plan (二次備課), not a plan of its own."""
        return self.kind == PlanKind.ADAPTATION.value

    @property
    def finished(self) -> bool:
        """Final (定稿): a draft or a plan under review is still being written. An adaptation keeps the status its
        shared plan had when it was copied (a teacher's copy is never submitted or finalized itself)."""
        return self.status == PlanStatus.FINAL.value


def _has_reflection() -> ColumnElement[bool]:
    return func.length(func.trim(LessonTaught.reflection)) > 0


def lessons_taught(community_ids: Collection[int], period: Period) -> list[LessonRecord]:
    """The lessons taught in the period from live plans of these communities, oldest first (one query)."""
    return [LessonRecord(*row[:6], bool(row[6])) for row in db.session.execute(
        select(LessonTaught.id, LessonTaught.doc_id, PlanDoc.community_id, LessonTaught.taught_on,
               LessonTaught.class_name, LessonTaught.author_id, _has_reflection())
        .join(PlanDoc, PlanDoc.id == LessonTaught.doc_id)
        .where(PlanDoc.community_id.in_(list(community_ids)), PlanDoc.live, period.holds_day(LessonTaught.taught_on))
        .order_by(LessonTaught.taught_on, LessonTaught.id))]


def plans(community_ids: Collection[int], period: Period) -> list[PlanRecord]:
    """The live plans of these communities made in the period or taught from in it, oldest first (two queries). An
    adaptation of a plan in the trash goes with it: the results report listed a teacher's copy as the community's
    developed material once its shared plan was trashed."""
    lessons = lessons_taught(community_ids, period)
    taught: dict[int, list[LessonRecord]] = {}
    for lesson in lessons:
        taught.setdefault(lesson.plan_id, []).append(lesson)
    taught_from = select(LessonTaught.doc_id).where(period.holds_day(LessonTaught.taught_on)).scalar_subquery()
    parent = aliased(PlanDoc)
    rows = db.session.execute(
        select(PlanDoc.id, PlanDoc.community_id, PlanDoc.kind, PlanDoc.topic, PlanDoc.subject, PlanDoc.grade,
               PlanDoc.status, PlanDoc.lead_id, PlanDoc.owner_id, PlanDoc.parent_id, PlanDoc.planned_on,
               PlanDoc.created_at, PlanDoc.updated_at)
        .where(PlanDoc.community_id.in_(list(community_ids)), PlanDoc.live,
               or_(PlanDoc.parent_id.is_(None), PlanDoc.parent_id.in_(select(parent.id).where(parent.live))),
               or_(period.holds(PlanDoc.created_at), PlanDoc.id.in_(taught_from)))
        .order_by(PlanDoc.created_at, PlanDoc.id)).all()
    return [PlanRecord(*row, len(taught.get(row.id, ())),
                       sum(1 for lesson in taught.get(row.id, ()) if lesson.has_reflection)) for row in rows]
