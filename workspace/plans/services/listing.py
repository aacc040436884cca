"""Lists of plans, a person's adaptations, and search (the plans' search documents)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from workspace.auth.models import User
from workspace.communities.models import Community
from workspace.core import search
from workspace.core.pagination import require_page
from workspace.core.permissions import scope
from workspace.core.text import html_to_text
from workspace.extensions import db
from workspace.plans.models import LessonTaught, PlanComment, PlanDoc, PlanKind, PlanSection, PlanStatus, plan_teachers
from workspace.plans.services._common import PER_PAGE, PLAN_KIND, section_title

# --- lists and search ----------------------------------------------------------------------------


@dataclass
class PlanRow:
    doc: PlanDoc
    adaptations: int
    open_comments: int
    reflections: int


@dataclass
class PlanPage:
    rows: list[PlanRow]
    page: int
    pages: int
    total: int


def list_plans(community: Community, viewer: Any, *, status: str = "", mine: bool = False, trash: bool = False,
               page: int = 1) -> PlanPage:
    """The community's shared plans, newest change first, with their counts (four queries whatever the size)."""
    conditions = [PlanDoc.community_id == community.id, PlanDoc.kind == PlanKind.SHARED.value,
                  ~PlanDoc.live if trash else PlanDoc.live]
    if status in {item.value for item in PlanStatus}:
        conditions.append(PlanDoc.status == status)
    if trash:  # conveners see the whole trash, others only their own plans: what they may read there
        conditions.append(scope(viewer, "view", PlanDoc))
    if mine and getattr(viewer, "is_authenticated", False):  # I lead it, teach it, or have a section to write
        teaching = select(plan_teachers.c.plan_id).where(plan_teachers.c.user_id == viewer.id)
        writing = select(PlanSection.doc_id).where(PlanSection.assignee_id == viewer.id)
        conditions.append((PlanDoc.lead_id == viewer.id) | PlanDoc.id.in_(teaching) | PlanDoc.id.in_(writing))
    total = db.session.scalar(select(func.count()).select_from(PlanDoc).where(*conditions)) or 0
    pages = require_page(page, total, PER_PAGE)
    docs = list(db.session.scalars(select(PlanDoc).where(*conditions).options(joinedload(PlanDoc.lead))
                                   .order_by(PlanDoc.updated_at.desc(), PlanDoc.id.desc())
                                   .limit(PER_PAGE).offset((page - 1) * PER_PAGE)))
    ids = [doc.id for doc in docs]
    adaptations: dict[int, int] = {}
    comments: dict[int, int] = {}
    reflections: dict[int, int] = {}
    if ids:
        adaptations = dict(db.session.execute(select(PlanDoc.parent_id, func.count()).where(
            PlanDoc.parent_id.in_(ids), PlanDoc.live).group_by(PlanDoc.parent_id)).all())
        comments = dict(db.session.execute(select(PlanComment.doc_id, func.count()).where(
            PlanComment.doc_id.in_(ids), PlanComment.parent_id.is_(None), PlanComment.resolved_at.is_(None))
            .group_by(PlanComment.doc_id)).all())
        reflections = dict(db.session.execute(
            select(PlanDoc.parent_id, func.count()).join(LessonTaught, LessonTaught.doc_id == PlanDoc.id)
            .where(PlanDoc.parent_id.in_(ids), PlanDoc.live).group_by(PlanDoc.parent_id)).all())
    rows = [PlanRow(doc, adaptations.get(doc.id, 0), comments.get(doc.id, 0), reflections.get(doc.id, 0))
            for doc in docs]
    return PlanPage(rows, page, pages, total)


def my_adaptations(community: Community, viewer: Any) -> list[PlanDoc]:
    if not getattr(viewer, "is_authenticated", False):
        return []
    return list(db.session.scalars(select(PlanDoc).where(
        PlanDoc.community_id == community.id, PlanDoc.owner_id == viewer.id, PlanDoc.live)
        .order_by(PlanDoc.updated_at.desc()).limit(50)))


def reindex(doc: PlanDoc) -> None:
    """The plan's search document: its topic; its fields, sections and (adaptations) reflections as body."""
    if not doc.live:
        search.remove_document(PLAN_KIND, doc.id)
        return
    parts = [doc.subject, doc.grade, doc.unit]
    for section in doc.sections:
        parts.append(section_title(section))
        parts.append(html_to_text(section.body_html))  # the stored render: no Markdown pass on every save
    if doc.adaptation:
        parts.extend(html_to_text(lesson.reflection_html) for lesson in db.session.scalars(
            select(LessonTaught).where(LessonTaught.doc_id == doc.id)))
    search.index_document(PLAN_KIND, doc.id, community_id=doc.community_id, title=doc.topic,
                          body="\n".join(part for part in parts if part), updated_at=doc.updated_at)


@dataclass
class PlanHit:
    hit: search.SearchHit
    path: str
    community: Community
    adaptation: bool = False  # a teacher's own version (二次備課), not the shared plan
    teacher: str = ""  # whose adaptation it is


def search_plans(communities: Sequence[Community], query: str, *, limit: int = 10) -> tuple[list[PlanHit], int]:
    """Find plans of these communities (the caller decided who may read them), with their addresses, and which
    of them are a teacher's adaptation and whose (a plan and its adaptation share a topic: they looked alike)."""
    if not communities:
        return [], 0
    by_id = {community.id: community for community in communities}
    page = search.search(query, kinds=[PLAN_KIND], community_ids=list(by_id), limit=limit)
    found = [hit for hit in page.hits if hit.community_id in by_id]
    kinds = {doc_id: (kind, name) for doc_id, kind, name in db.session.execute(
        select(PlanDoc.id, PlanDoc.kind, User.display_name).outerjoin(User, User.id == PlanDoc.owner_id)
        .where(PlanDoc.id.in_([hit.object_id for hit in found])))} if found else {}
    hits = []
    for hit in found:
        kind, name = kinds.get(hit.object_id, (PlanKind.SHARED.value, None))
        hits.append(PlanHit(hit, f"/c/{by_id[hit.community_id].slug}/plans/{hit.object_id}", by_id[hit.community_id],
                            adaptation=kind == PlanKind.ADAPTATION.value, teacher=name or ""))
    return hits, page.total
