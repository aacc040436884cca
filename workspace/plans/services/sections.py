"""Saving a section (merged with saves made meanwhile, see `merge`), restoring and assigning it, and presence:
who has which section open.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from workspace.auth.models import User
from workspace.core.database import utcnow
from workspace.core.errors import Conflict, NotAllowed, ValidationError
from workspace.core.mentions import find_mentions
from workspace.core.permissions import can
from workspace.core.text import clean_text, markdown_to_text
from workspace.extensions import db
from workspace.plans.models import PlanDoc, PlanSection, SectionPresence, SectionRevision
from workspace.plans.services import notices
from workspace.plans.services._common import PRESENCE_SECONDS, max_section_length
from workspace.plans.services._writing import _after_save, _members_by_id, _store, _tell, check_editable
from workspace.plans.services.merge import SaveOutcome, reconcile
from workspace.plans.services.plans import plan_members

# --- saving a section ----------------------------------------------------------------------------


@dataclass
class SectionSave:
    """The result of a section save: stored (perhaps merged), or a conflict to settle with the proposal."""

    section: PlanSection
    outcome: SaveOutcome
    theirs: str = ""  # the text saved meanwhile (for the conflict view)
    theirs_authors: list[str] = field(default_factory=list)  # who saved since the editor's base
    shared_version: int | None = None  # taking the shared plan's changes: the shared version merged

    @property
    def accepted(self) -> bool:
        return self.outcome.accepted


def _check_section_text(body: str | None) -> str:
    body = clean_text(body)
    limit = max_section_length()
    if len(body) > limit:
        raise ValidationError(str(_l("A section holds at most %(count)d characters; this text has %(length)d.",
                                     count=limit, length=len(body))), field="body")
    return body


def revision_body(section_id: int, version: int) -> str | None:
    return db.session.scalar(select(SectionRevision.body).where(SectionRevision.section_id == section_id,
                                                                SectionRevision.version == version))


def _authors_since(section: PlanSection, version: int) -> list[str]:
    names = db.session.scalars(
        select(User.display_name).join(SectionRevision, SectionRevision.author_id == User.id)
        .where(SectionRevision.section_id == section.id, SectionRevision.version > version)
        .order_by(SectionRevision.version))
    return list(dict.fromkeys(names))


def save_section(section: PlanSection, body: str | None, *, actor: User, base_version: int,
                 resolving: bool = False) -> SectionSave:
    """Save a section's body typed from `base_version`: taken as is, merged with saves made meanwhile, or
    answered with a conflict (nothing stored) whose proposal the editor settles and saves again.

    `resolving` marks the save of a settled conflict (its base is the version the conflict was shown at).
    """
    check_editable(section, actor)
    text = _check_section_text(body)
    for _attempt in range(5):  # another save can land between the read and the swap: read again
        db.session.refresh(section)
        current_text, current_version = section.body, section.version
        if base_version > current_version or base_version < 1:
            raise ValidationError(str(_l("This edit started from a version the section never had. Reload the "
                                         "page; your text is kept below.")), field="body")
        base_text = current_text if base_version == current_version else revision_body(section.id, base_version)
        if base_text is None:
            base_text = ""
        outcome = reconcile(current_text=current_text, current_version=current_version, base_text=base_text,
                            base_version=base_version, new_text=text)
        if not outcome.accepted:
            return SectionSave(section, outcome, theirs=current_text,
                               theirs_authors=_authors_since(section, base_version))
        if outcome.text == current_text:
            return SectionSave(section, outcome)  # nothing new: no empty revision
        how = "resolved" if resolving else ("merged" if outcome.merged else "saved")
        others = _authors_since(section, base_version) if outcome.merged else []
        if _store(section, outcome.text, expected_version=current_version, actor=actor, base_version=base_version,
                  how=how):
            leave_section(section, actor)
            _after_save(section)
            _tell_mentioned(section, before=current_text, after=outcome.text, actor=actor)
            return SectionSave(section, outcome, theirs=current_text if outcome.merged else "", theirs_authors=others)
    raise Conflict(str(_l("This section is being saved by others right now. Your text is kept below; save again.")),
                   field="body")


def _tell_mentioned(section: PlanSection, *, before: str, after: str, actor: User) -> None:
    """Tell the members an @name in the section's saved text names and the version before did not (as a comment's
    mentions do: members who write the community's material, and only those who may read the plan), quoting the
    lines that name them. A save that keeps a mention tells nobody again; one merged with others' saves compares
    with theirs, so only what this save added counts."""
    members = plan_members(section.doc.community)
    named_before = {person.id for person in find_mentions(before, members)}
    new = [person for person in find_mentions(after, members) if person.id not in named_before]
    if not new:
        return
    lines = [markdown_to_text(line) for line in after.split("\n") if find_mentions(line, new)]
    _tell(new, "mention", section.doc, section, actor, notices.text_excerpt(" … ".join(line for line in lines if line)))


def restore_revision(section: PlanSection, version: int, *, actor: User) -> SectionSave:
    """Bring back an earlier body as a new revision (history is never rewritten)."""
    check_editable(section, actor)
    old = revision_body(section.id, version)
    if old is None:
        raise ValidationError(str(_l("This section has no such version.")), field="version")
    for _attempt in range(5):
        db.session.refresh(section)
        if old == section.body:
            return SectionSave(section, SaveOutcome(True, old, False))
        current = section.version
        if _store(section, old, expected_version=current, actor=actor, base_version=current, how="restored",
                  restored_from=version):
            _after_save(section)
            return SectionSave(section, SaveOutcome(True, old, False))
    raise Conflict(str(_l("This section is being saved by others right now. Try again.")), field="version")


def assign_section(section: PlanSection, assignee_id: int | None, *, actor: User) -> None:
    doc = section.doc
    if not can(actor, "assign", doc):
        raise NotAllowed(str(_l("Only the lead planner or a convener can assign sections.")))
    if assignee_id:
        members = _members_by_id(doc.community, [assignee_id])
        if int(assignee_id) not in members:
            raise ValidationError(str(_l("Choose a member of this community.")), field="assignee_id")
        if section.assignee_id != int(assignee_id):
            _tell([members[int(assignee_id)]], "assigned", doc, section, actor,
                  notices.assignment_excerpt(section))
        section.assignee_id = int(assignee_id)
    else:
        section.assignee_id = None


# --- presence: who has which section open ---------------------------------------------------------


def touch_section(section: PlanSection, user: User) -> None:
    """Note that `user` has this section's editor open (called when it opens and every few seconds)."""
    presence = db.session.get(SectionPresence, (section.id, user.id))
    if presence is None:
        db.session.add(SectionPresence(section_id=section.id, user_id=user.id, doc_id=section.doc_id,
                                       seen_at=utcnow()))
    else:
        presence.seen_at = utcnow()
    db.session.flush()


def leave_section(section: PlanSection, user: User) -> None:
    db.session.execute(delete(SectionPresence).where(SectionPresence.section_id == section.id,
                                                     SectionPresence.user_id == user.id))


def editors_now(doc: PlanDoc, viewer: Any = None) -> dict[int, list[str]]:
    """Section id -> the names of the others editing it now (heard from within PRESENCE_SECONDS)."""
    since = utcnow() - dt.timedelta(seconds=PRESENCE_SECONDS)
    editing: dict[int, list[str]] = {}
    query = (select(SectionPresence.section_id, User.display_name).join(User, User.id == SectionPresence.user_id)
             .where(SectionPresence.doc_id == doc.id, SectionPresence.seen_at >= since)
             .order_by(User.display_name))
    if getattr(viewer, "id", None) is not None:
        query = query.where(SectionPresence.user_id != viewer.id)
    for section_id, name in db.session.execute(query):
        editing.setdefault(section_id, []).append(name)
    return editing
