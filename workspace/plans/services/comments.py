"""Comments on a plan's sections: listing, counting the open ones, adding (with mentions) and resolving."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from workspace.auth.models import User
from workspace.core.database import utcnow
from workspace.core.errors import NotAllowed, ValidationError
from workspace.core.mentions import find_mentions
from workspace.core.permissions import can
from workspace.core.text import checked_text, has_visible_text, markdown_to_text, render_markdown
from workspace.extensions import db
from workspace.notifications import services as notifications
from workspace.plans.models import PlanComment, PlanDoc, PlanSection
from workspace.plans.services import notices
from workspace.plans.services._common import MAX_COMMENT, comment_path, readers_of
from workspace.plans.services.plans import plan_members

# --- comments ------------------------------------------------------------------------------------


def comments_of(section: PlanSection) -> list[PlanComment]:
    """A section's comments, top-level ones in order with their replies after them (one query)."""
    rows = list(db.session.scalars(select(PlanComment).where(PlanComment.section_id == section.id)
                                   .options(joinedload(PlanComment.author)).order_by(PlanComment.id)))
    replies: dict[int, list[PlanComment]] = {}
    for comment in rows:
        if comment.parent_id:
            replies.setdefault(comment.parent_id, []).append(comment)
    ordered: list[PlanComment] = []
    for comment in rows:
        if comment.parent_id is None:
            ordered.append(comment)
            ordered.extend(replies.get(comment.id, []))
    return ordered


def open_comment_counts(doc: PlanDoc) -> dict[int, int]:
    """Section id -> number of unresolved top-level comments (one query)."""
    return dict(db.session.execute(
        select(PlanComment.section_id, func.count()).where(PlanComment.doc_id == doc.id,
                                                           PlanComment.parent_id.is_(None),
                                                           PlanComment.resolved_at.is_(None))
        .group_by(PlanComment.section_id)).all())


def add_comment(section: PlanSection, body: str | None, *, actor: User,
                parent: PlanComment | None = None) -> PlanComment:
    """Comment on a section (or reply to a comment). Mentioned members are told; a new comment also tells the
    plan's lead planner (an adaptation's teacher) and the section's assignee, a reply the thread's people."""
    doc = section.doc
    if not can(actor, "comment", doc):
        raise NotAllowed(str(_l("You cannot comment on this plan.")))
    body = checked_text(body, "body", MAX_COMMENT)
    if not has_visible_text(body):
        raise ValidationError(str(_l("Write a comment first.")), field="body")
    if parent is not None:
        if parent.section_id != section.id:
            raise ValidationError(str(_l("This comment belongs to another section.")), field="body")
        if parent.parent_id is not None:
            parent = db.session.get(PlanComment, parent.parent_id)
    comment = PlanComment(doc_id=doc.id, section_id=section.id, parent_id=parent.id if parent else None,
                          author_id=actor.id, body=body, body_html=str(render_markdown(body)), created_at=utcnow())
    db.session.add(comment)
    if parent is not None and parent.resolved_at is not None:
        parent.resolved_at, parent.resolved_by_id = None, None  # a reply reopens the discussion
    db.session.flush()
    community = doc.community
    common = dict(actor=actor, community=community, subject_type=notices.PLAN_COMMENT, subject_id=comment.id,
                  title=notices.notice_title(doc, section), excerpt=markdown_to_text(body)[:300],
                  path=comment_path(doc, section, comment.id))
    mentioned = find_mentions(body, plan_members(community))
    if mentioned:
        notifications.notify(mentioned, "mention", **common)
    told = {user.id for user in mentioned}
    if parent is not None:
        earlier = db.session.scalars(select(User).join(PlanComment, PlanComment.author_id == User.id).where(
            (PlanComment.id == parent.id) | (PlanComment.parent_id == parent.id))).unique().all()
        others = readers_of(doc, [user for user in earlier if user.id not in told])
        if others:
            notifications.notify(others, "reply", **common)
    else:
        # Whoever answers for the text hears of a new comment on it, as a document's owner would.
        responsible = {doc.owner_id if doc.adaptation else doc.lead_id, section.assignee_id} - told - {None}
        readers = readers_of(doc, db.session.scalars(select(User).where(User.id.in_(responsible)))) \
            if responsible else []
        if readers:
            notifications.notify(readers, "comment", **common)
    return comment


def set_resolved(comment: PlanComment, resolved: bool, *, actor: User) -> None:
    """Resolve a top-level comment (its discussion is settled) or reopen it."""
    doc = db.session.get(PlanDoc, comment.doc_id)
    if not can(actor, "comment", doc):
        raise NotAllowed(str(_l("You cannot comment on this plan.")))
    if comment.parent_id is not None:
        comment = db.session.get(PlanComment, comment.parent_id)
    if resolved and comment.resolved_at is None:
        comment.resolved_at, comment.resolved_by_id = utcnow(), actor.id
    elif not resolved:
        comment.resolved_at, comment.resolved_by_id = None, None
