"""The private helpers that write a plan's sections, shared by plans, sections and adaptations: members by id,
new sections and their first revisions, the edit check, the compare-and-swap store, reindexing after a save,
and notifications about a plan.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from workspace.auth.models import User
from workspace.communities.models import Community, Membership
from workspace.core.database import utcnow
from workspace.core.errors import NotAllowed
from workspace.core.permissions import CONTRIBUTORS, can
from workspace.core.text import render_markdown
from workspace.extensions import db
from workspace.notifications import services as notifications
from workspace.plans.models import PlanDoc, PlanSection, SectionRevision
from workspace.plans.services import notices
from workspace.plans.services._common import readers_of, section_path
from workspace.plans.services.listing import reindex


def _members_by_id(community: Community, ids: Iterable[int | None]) -> dict[int, User]:
    wanted = {int(user_id) for user_id in ids if user_id}
    if not wanted:
        return {}
    return {user.id: user for user in db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.community_id == community.id, Membership.live,
               Membership.role.in_(CONTRIBUTORS), User.id.in_(wanted)))}


def _new_section(doc: PlanDoc, position: int, *, key: str | None, title: str, guidance: str, body: str,
                 actor: User) -> PlanSection:
    now = utcnow()
    section = PlanSection(key=key, title=title, guidance=guidance, position=position, body=body,
                          body_html=str(render_markdown(body)), version=1, updated_at=now, updated_by_id=actor.id)
    doc.sections.append(section)
    return section


def _first_revisions(doc: PlanDoc, actor: User, how: str = "created") -> None:
    db.session.flush()
    for section in doc.sections:
        db.session.add(SectionRevision(section_id=section.id, doc_id=doc.id, version=1, body=section.body,
                                       author_id=actor.id, how=how, created_at=section.updated_at))


def check_editable(section: PlanSection, actor: User) -> PlanDoc:
    """The section's plan if `actor` may edit it now, else NotAllowed saying why (archived, final, not theirs)."""
    doc = section.doc
    if can(actor, "edit", doc):
        return doc
    if doc.community.archived_at is not None:
        raise NotAllowed(str(_l("This community is archived: nothing can be changed.")))
    if doc.final and not doc.adaptation:
        raise NotAllowed(str(_l("This plan is final. The lead planner or a convener can reopen it for changes.")))
    raise NotAllowed(str(_l("You cannot edit this plan.")))


def _store(section: PlanSection, text: str, *, expected_version: int, actor: User, base_version: int, how: str,
           restored_from: int | None = None) -> bool:
    """Compare-and-swap: write the body only if the section is still at `expected_version`."""
    now = utcnow()
    changed = db.session.execute(
        update(PlanSection).where(PlanSection.id == section.id, PlanSection.version == expected_version)
        .values(body=text, body_html=str(render_markdown(text)), version=expected_version + 1, updated_at=now,
                updated_by_id=actor.id).execution_options(synchronize_session=False)).rowcount
    if not changed:
        return False
    db.session.add(SectionRevision(section_id=section.id, doc_id=section.doc_id, version=expected_version + 1,
                                   body=text, author_id=actor.id, base_version=base_version, how=how,
                                   restored_from=restored_from, created_at=now))
    db.session.execute(update(PlanDoc).where(PlanDoc.id == section.doc_id).values(updated_at=now)
                       .execution_options(synchronize_session=False))
    db.session.expire(section)
    db.session.flush()
    return True


def _after_save(section: PlanSection) -> None:
    db.session.refresh(section)
    reindex(section.doc)


def _tell(people: Sequence[User], kind: str, doc: PlanDoc, section: PlanSection | None, actor: User,
          excerpt: str, anchor: str = "") -> None:
    """A notification about a plan (or one of its sections), opening the plan there (or at `anchor`); `excerpt` is
    kept by `notices` (its built-in words worded by each reader)."""
    title = notices.notice_title(doc, section)
    path = section_path(doc, section) if section is not None else f"/c/{doc.community.slug}/plans/{doc.id}{anchor}"
    people = readers_of(doc, people)
    if not people:
        return
    notifications.notify(people, kind, actor=actor, community=doc.community, subject_type=notices.PLAN,
                         subject_id=doc.id, title=title, excerpt=excerpt, path=path)
