"""Co-planning rules (集體備課): templates, plans, section saves and their merges, history and diffs,
comments, status, adaptations (二次備課), lessons taught and reflections, links, publishing and search.

Services take the actor explicitly, raise domain errors, flush but never commit.

How a section save that started from an older version is reconciled with the saves made since, so that
two people editing one section never lose work:

A save carries the version it started from (its base). When nobody saved in between, it is taken as is.
Otherwise the three texts are merged line by line (diff3, the `merge3` library): changes on different
lines of the section merge by themselves; changes to the same or adjacent lines are a conflict. A
conflict is never settled silently: the editor gets both texts and a proposal that holds every line of
both, in the order of the section, to settle by hand. Plain functions, no database: tested by themselves
(tests/plans/test_merge.py, with hypothesis).
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import merge3
from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, tuple_, update
from sqlalchemy.orm import joinedload, selectinload

from workspace.activities.models import Activity, Method
from workspace.auth.models import User
from workspace.communities.models import Community, Membership
from workspace.communities.records import contributing_members
from workspace.core import links, search
from workspace.core.database import advance, utcnow
from workspace.core.errors import Checks, Conflict, NotAllowed, ValidationError
from workspace.core.i18n import N_
from workspace.core.mentions import find_mentions
from workspace.core.models import record_event
from workspace.core.parsing import check_in_range, parse_id
from workspace.core.permissions import CONTRIBUTORS, can, scope
from workspace.core.text import (
    checked_line,
    checked_text,
    clean_text,
    has_visible_text,
    html_to_text,
    markdown_to_text,
    render_markdown,
)
from workspace.extensions import db
from workspace.notifications import services as notifications
from workspace.plans.models import (
    LessonTaught,
    PlanComment,
    PlanDoc,
    PlanKind,
    PlanSection,
    PlanStatus,
    PlanTemplate,
    SectionPresence,
    SectionRevision,
    TemplateSection,
    plan_teachers,
)
from workspace.resources import services as resources
from workspace.resources.models import Resource, ResourceKind


@dataclass(frozen=True)
class ConflictRegion:
    """One place where both saves changed the same lines: the lines as they were, and each side's."""

    base: tuple[str, ...]
    mine: tuple[str, ...]
    theirs: tuple[str, ...]


@dataclass(frozen=True)
class MergeResult:
    """The merged text (when clean) or the proposal to settle (when not), and the regions in conflict."""

    text: str
    conflicts: tuple[ConflictRegion, ...]

    @property
    def clean(self) -> bool:
        return not self.conflicts


def _lines(text: str) -> list[str]:
    return text.split("\n") if text else []


def merge_texts(base: str, mine: str, theirs: str) -> MergeResult:
    """Merge the editor's text (`mine`) with what was saved meanwhile (`theirs`), both started from `base`.

    Where only one side changed lines, that side wins; where both made the same change, it is kept once;
    where both changed the same (or adjacent) lines differently, the region is a conflict and the
    proposal holds what was saved meanwhile, then the editor's lines: nothing of either is dropped.
    """
    if mine == theirs or theirs == base:
        return MergeResult(mine, ())
    if mine == base:
        return MergeResult(theirs, ())
    base_lines, mine_lines, theirs_lines = _lines(base), _lines(mine), _lines(theirs)
    merged: list[str] = []
    conflicts: list[ConflictRegion] = []
    for region in merge3.Merge3(base_lines, mine_lines, theirs_lines).merge_regions():
        kind = region[0]
        if kind == "unchanged":
            merged.extend(base_lines[region[1]:region[2]])
        elif kind in {"a", "same"}:
            merged.extend(mine_lines[region[1]:region[2]])
        elif kind == "b":
            merged.extend(theirs_lines[region[1]:region[2]])
        else:  # conflict: base, mine, theirs ranges
            _kind, base_start, base_end, mine_start, mine_end, theirs_start, theirs_end = region
            ours, others = mine_lines[mine_start:mine_end], theirs_lines[theirs_start:theirs_end]
            conflicts.append(ConflictRegion(tuple(base_lines[base_start:base_end]), tuple(ours), tuple(others)))
            merged.extend(others)
            merged.extend(line for line in ours if line not in others or line == "")
    return MergeResult("\n".join(merged), tuple(conflicts))


@dataclass(frozen=True)
class SaveOutcome:
    """What a section save leads to: the text to store (accepted), or a conflict to settle first."""

    accepted: bool
    text: str  # the text stored when accepted; the proposal when not
    merged: bool  # accepted after merging with saves made meanwhile
    conflicts: tuple[ConflictRegion, ...] = ()


def reconcile(*, current_text: str, current_version: int, base_text: str, base_version: int,
              new_text: str) -> SaveOutcome:
    """Decide a save that started from `base_version` when the section is at `current_version` now."""
    if base_version == current_version:
        return SaveOutcome(True, new_text, False)
    result = merge_texts(base_text, new_text, current_text)
    if result.clean:
        return SaveOutcome(True, result.text, True)
    return SaveOutcome(False, result.text, False, result.conflicts)


# --- the domain: templates, plans, sections, history, comments, adaptations, lessons, links ------------

MAX_TOPIC = 200
MAX_LINE = 200
MAX_TEMPLATE_NAME = 100
MAX_SECTION_TITLE = 100
MAX_GUIDANCE = 2_000
MAX_COMMENT = 10_000
MAX_REFLECTION = 20_000
MAX_CLASS = 60
MAX_TEMPLATE_SECTIONS = 30
PRESENCE_SECONDS = 45  # an editor not heard from for this long is no longer shown as editing
PER_PAGE = 20
HISTORY_PER_PAGE = 50
PLAN_KIND = "plan"  # the search documents of plans

# The default template (DESIGN.md, from the seeds): key, title, guidance for the writer.
DEFAULT_SECTIONS = (
    ("objectives", N_("Three-dimensional objectives"),
     N_("Knowledge and skills, process and methods, attitudes and values: what students will be able to do.")),
    ("resources", N_("Teaching resources"),
     N_("Textbook pages, courseware, manipulatives, videos; link library resources here.")),
    ("learners", N_("Learner analysis"),
     N_("What students already know, typical misconceptions, differences within the class.")),
    ("process", N_("Learning process"),
     N_("The steps of the lesson with time for each: introduction, exploration, practice, summary.")),
    ("strategies", N_("Guiding strategies"),
     N_("Questions to ask, how to group students, how to support those who struggle.")),
    ("homework", N_("Homework design"),
     N_("Layered tasks: basic, extended, challenge; how they will be checked.")),
    ("reflection", N_("Adjustment and reflection"),
     N_("After teaching: what worked, what to change next time.")),
)
_DEFAULT_TITLES = {key: title for key, title, _guidance in DEFAULT_SECTIONS}
_DEFAULT_GUIDANCE = {key: guidance for key, _title, guidance in DEFAULT_SECTIONS}
STATUS_LABELS = {PlanStatus.DRAFT: N_("Draft"), PlanStatus.REVIEW: N_("Under review"), PlanStatus.FINAL: N_("Final")}
HOW_LABELS = {"created": N_("created"), "saved": N_("saved"), "merged": N_("merged with a save made meanwhile"),
              "resolved": N_("conflict settled by hand"), "restored": N_("restored"),
              "updated": N_("took the shared plan's changes")}


def max_section_length() -> int:
    return int(current_app.config.get("PLAN_MAX_SECTION", 100_000))


def section_title(section: PlanSection | TemplateSection) -> str:
    """A section's title: its own, or (a default section never renamed) the translated default."""
    if section.title:
        return section.title
    return str(_(_DEFAULT_TITLES[section.key])) if section.key in _DEFAULT_TITLES else ""


def section_guidance(section: PlanSection) -> str:
    if section.guidance:
        return section.guidance
    return str(_(_DEFAULT_GUIDANCE[section.key])) if section.key in _DEFAULT_GUIDANCE and not section.title else ""


def _check_open(community: Community) -> None:
    if community.archived_at is not None:
        raise NotAllowed(str(_l("This community is archived: nothing can be changed.")))


# --- templates -----------------------------------------------------------------------------------


def templates_of(community: Community) -> list[PlanTemplate]:
    """The community's own templates (not deleted), with their sections (two queries)."""
    return list(db.session.scalars(
        select(PlanTemplate).where(PlanTemplate.community_id == community.id, PlanTemplate.live)
        .options(selectinload(PlanTemplate.sections)).order_by(PlanTemplate.name, PlanTemplate.id)))


def _template_name(community: Community, name: str | None, exclude: PlanTemplate | None = None) -> str:
    name = checked_line(name, "name", MAX_TEMPLATE_NAME, required=True)
    query = select(PlanTemplate.id).where(PlanTemplate.community_id == community.id,
                                          PlanTemplate.live,
                                          func.lower(PlanTemplate.name) == name.lower())
    if exclude is not None:
        query = query.where(PlanTemplate.id != exclude.id)
    if db.session.scalar(query) is not None:
        raise ValidationError(str(_l("A template with this name already exists.")), field="name")
    return name


def _manage_templates(community: Community, actor: User) -> None:
    _check_open(community)
    if not can(actor, "manage_plan_templates", community):
        raise NotAllowed(str(_l("Only conveners can change the community's templates.")))


def create_template(community: Community, name: str, *, actor: User) -> PlanTemplate:
    """A new template, starting as a copy of the default one (then renamed, reordered, extended)."""
    _manage_templates(community, actor)
    template = PlanTemplate(community_id=community.id, name=_template_name(community, name), created_by_id=actor.id)
    for position, (key, title, guidance) in enumerate(DEFAULT_SECTIONS):
        template.sections.append(TemplateSection(key=key, title=str(_(title)), guidance=str(_(guidance)),
                                                 position=position))
    db.session.add(template)
    db.session.flush()
    record_event(actor, "plans.template_created", template, community, name=template.name)
    return template


def rename_template(template: PlanTemplate, name: str, *, actor: User) -> None:
    community = db.session.get(Community, template.community_id)
    _manage_templates(community, actor)
    template.name = _template_name(community, name, exclude=template)


def delete_template(template: PlanTemplate, *, actor: User) -> None:
    """Hide a template from new plans; plans made from it keep their sections and history."""
    community = db.session.get(Community, template.community_id)
    _manage_templates(community, actor)
    template.deleted_at = utcnow()
    record_event(actor, "plans.template_deleted", template, community, name=template.name)


def _section_fields(title: str | None, guidance: str | None) -> tuple[str, str]:
    """A template section's title and guidance, checked together (one ValidationError naming both)."""
    checks = Checks()
    with checks:
        title = checked_line(title, "title", MAX_SECTION_TITLE, required=True)
    with checks:
        guidance = checked_text(guidance, "guidance", MAX_GUIDANCE)
    checks.done()
    return title, guidance


def add_template_section(template: PlanTemplate, title: str, guidance: str, *, actor: User) -> TemplateSection:
    community = db.session.get(Community, template.community_id)
    _manage_templates(community, actor)
    title, guidance = _section_fields(title, guidance)
    if len(template.sections) >= MAX_TEMPLATE_SECTIONS:
        raise ValidationError(str(_l("A template holds at most %(count)d sections.", count=MAX_TEMPLATE_SECTIONS)),
                              field="title")
    position = max((section.position for section in template.sections), default=-1) + 1
    section = TemplateSection(title=title, guidance=guidance, position=position)
    template.sections.append(section)
    db.session.flush()
    return section


def update_template_section(section: TemplateSection, title: str, guidance: str, *, actor: User) -> None:
    community = db.session.get(Community, section.template.community_id)
    _manage_templates(community, actor)
    section.title, section.guidance = _section_fields(title, guidance)


def move_template_section(section: TemplateSection, step: int, *, actor: User) -> None:
    """Swap a section with its neighbour above (step -1) or below (+1)."""
    community = db.session.get(Community, section.template.community_id)
    _manage_templates(community, actor)
    ordered = list(section.template.sections)
    index = ordered.index(section)
    other = index + (1 if step > 0 else -1)
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
        for position, item in enumerate(ordered):
            item.position = position


def delete_template_section(section: TemplateSection, *, actor: User) -> None:
    """Remove a section from the template; plans already made keep theirs (they hold a copy)."""
    template = section.template
    community = db.session.get(Community, template.community_id)
    _manage_templates(community, actor)
    if len(template.sections) <= 1:
        raise ValidationError(str(_l("A template needs at least one section.")), field="title")
    template.sections.remove(section)


# --- plans ---------------------------------------------------------------------------------------


@dataclass
class PlanFields:
    """What a person types about a plan (checked by check_fields)."""

    topic: str
    subject: str = ""
    grade: str = ""
    unit: str = ""
    lead_id: int | None = None
    planned_on: dt.date | None = None
    teacher_ids: Sequence[int] = ()


def plan_members(community: Community) -> list[User]:
    """The members who can be lead planner, teacher or assignee: those who write the community's material."""
    return contributing_members(community)


def _members_by_id(community: Community, ids: Iterable[int | None]) -> dict[int, User]:
    wanted = {int(user_id) for user_id in ids if user_id}
    if not wanted:
        return {}
    return {user.id: user for user in db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.community_id == community.id, Membership.live,
               Membership.role.in_(CONTRIBUTORS), User.id.in_(wanted)))}


@dataclass
class CheckedPlanFields:
    """A plan's fields once every rule passed: cleaned, the lead and teachers as members."""

    topic: str
    subject: str
    grade: str
    unit: str
    lead_id: int | None
    planned_on: dt.date | None
    teachers: list[User]


def check_fields(community: Community, fields: PlanFields) -> CheckedPlanFields:
    """Check every field of a plan and refuse them together (one ValidationError naming each field)."""
    checks = Checks()
    with checks:
        topic = checked_line(fields.topic, "topic", MAX_TOPIC, required=True)
    with checks:
        subject = checked_line(fields.subject, "subject", 60)
    with checks:
        grade = checked_line(fields.grade, "grade", 40)
    with checks:
        unit = checked_line(fields.unit, "unit", MAX_LINE)
    members = _members_by_id(community, [fields.lead_id, *fields.teacher_ids])
    with checks:
        if fields.lead_id and int(fields.lead_id) not in members:
            raise ValidationError(str(_l("Choose a member of this community.")), field="lead_id")
    with checks:
        if any(int(user_id) not in members for user_id in fields.teacher_ids):
            raise ValidationError(str(_l("Choose members of this community.")), field="teacher_ids")
    with checks:
        check_in_range(fields.planned_on, "planned_on")
    checks.done()
    return CheckedPlanFields(topic=topic, subject=subject, grade=grade, unit=unit,
                             lead_id=int(fields.lead_id) if fields.lead_id else None, planned_on=fields.planned_on,
                             teachers=[members[int(user_id)] for user_id in dict.fromkeys(fields.teacher_ids)])


def _apply_fields(doc: PlanDoc, community: Community, fields: PlanFields) -> None:
    checked = check_fields(community, fields)
    doc.topic, doc.subject, doc.grade, doc.unit = checked.topic, checked.subject, checked.grade, checked.unit
    doc.lead_id = checked.lead_id
    doc.planned_on = checked.planned_on
    doc.teachers = checked.teachers


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


def load_template(community: Community, template_id: int | str | None) -> PlanTemplate | None:
    """The community's template with this id; None for the default (or an unknown id)."""
    wanted = parse_id(template_id)  # "default", or anything that is not an id: the default
    if wanted is None:
        return None
    template = db.session.get(PlanTemplate, wanted)
    if template is None or template.community_id != community.id or not template.live:
        return None
    return template


def create_plan(community: Community, fields: PlanFields, *, actor: User,
                template: PlanTemplate | None = None) -> PlanDoc:
    """A shared plan from a template (the default when None), in draft, with an empty body per section."""
    _check_open(community)
    if not can(actor, "contribute", community):
        raise NotAllowed(str(_l("Only members of this community can start a plan.")))
    doc = PlanDoc(community_id=community.id, kind=PlanKind.SHARED.value, created_by_id=actor.id,
                  template_name=template.name if template else "")
    _apply_fields(doc, community, fields)
    if doc.lead_id is None:
        doc.lead_id = actor.id
    if template is None:
        for position, (key, _title, _guidance) in enumerate(DEFAULT_SECTIONS):
            _new_section(doc, position, key=key, title="", guidance="", body="", actor=actor)
    else:
        for position, item in enumerate(template.sections):
            _new_section(doc, position, key=item.key, title=item.title, guidance=item.guidance, body="", actor=actor)
    db.session.add(doc)
    _first_revisions(doc, actor)
    record_event(actor, "plans.created", doc, community, title=doc.topic)
    reindex(doc)
    return doc


def update_fields(doc: PlanDoc, fields: PlanFields, *, actor: User, base_version: int) -> PlanDoc:
    """Change the plan's fields; a stale form (someone saved them meanwhile) is refused with its text kept."""
    if not can(actor, "edit_fields", doc):
        raise NotAllowed(str(_l("You cannot change this plan's details.")))
    # The version moves in the database, only from the one the form was loaded at (a compare-and-swap).
    if base_version != doc.version or not advance(doc, expected=base_version):
        raise Conflict(str(_l("Someone changed these details while you were editing. The saved details are "
                              "shown; your changes are below, save again to keep them.")), field="topic")
    _apply_fields(doc, doc.community, fields)
    doc.updated_at = utcnow()
    reindex(doc)
    return doc


def load_plan(community: Community, plan_id: int) -> PlanDoc | None:
    doc = db.session.get(PlanDoc, plan_id)
    if doc is None or doc.community_id != community.id:
        return None
    return doc


def sections_of(doc: PlanDoc) -> list[PlanSection]:
    """A plan's sections in order, with who they are assigned to and who saved them last (one query)."""
    return list(db.session.scalars(
        select(PlanSection).where(PlanSection.doc_id == doc.id)
        .options(joinedload(PlanSection.assignee), joinedload(PlanSection.updated_by))
        .order_by(PlanSection.position, PlanSection.id)))


def load_section(doc: PlanDoc, section_id: int) -> PlanSection | None:
    section = db.session.get(PlanSection, section_id)
    return section if section is not None and section.doc_id == doc.id else None


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


def _editable(section: PlanSection, actor: User) -> PlanDoc:
    doc = section.doc
    if can(actor, "edit", doc):
        return doc
    if doc.community.archived_at is not None:
        raise NotAllowed(str(_l("This community is archived: nothing can be changed.")))
    if doc.final and not doc.adaptation:
        raise NotAllowed(str(_l("This plan is final. The lead planner or a convener can reopen it for changes.")))
    raise NotAllowed(str(_l("You cannot edit this plan.")))


def revision_body(section_id: int, version: int) -> str | None:
    return db.session.scalar(select(SectionRevision.body).where(SectionRevision.section_id == section_id,
                                                                SectionRevision.version == version))


def _authors_since(section: PlanSection, version: int) -> list[str]:
    names = db.session.scalars(
        select(User.display_name).join(SectionRevision, SectionRevision.author_id == User.id)
        .where(SectionRevision.section_id == section.id, SectionRevision.version > version)
        .order_by(SectionRevision.version))
    return list(dict.fromkeys(names))


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


def save_section(section: PlanSection, body: str | None, *, actor: User, base_version: int,
                 resolving: bool = False) -> SectionSave:
    """Save a section's body typed from `base_version`: taken as is, merged with saves made meanwhile, or
    answered with a conflict (nothing stored) whose proposal the editor settles and saves again.

    `resolving` marks the save of a settled conflict (its base is the version the conflict was shown at).
    """
    _editable(section, actor)
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
            return SectionSave(section, outcome, theirs=current_text if outcome.merged else "", theirs_authors=others)
    raise Conflict(str(_l("This section is being saved by others right now. Your text is kept below; save again.")),
                   field="body")


def _after_save(section: PlanSection) -> None:
    db.session.refresh(section)
    reindex(section.doc)


def restore_revision(section: PlanSection, version: int, *, actor: User) -> SectionSave:
    """Bring back an earlier body as a new revision (history is never rewritten)."""
    _editable(section, actor)
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
            _tell([members[int(assignee_id)]], "assigned", doc, section, actor, section_guidance(section))
        section.assignee_id = int(assignee_id)
    else:
        section.assignee_id = None


def _tell(people: Sequence[User], kind: str, doc: PlanDoc, section: PlanSection | None, actor: User,
          excerpt: str, anchor: str = "") -> None:
    """A notification about a plan (or one of its sections), opening the plan there (or at `anchor`)."""
    title = f"{doc.topic} · {section_title(section)}" if section is not None else doc.topic
    path = section_path(doc, section) if section is not None else f"/c/{doc.community.slug}/plans/{doc.id}{anchor}"
    notifications.notify(people, kind, actor=actor, community=doc.community, subject_type="plan",
                         subject_id=doc.id, title=title, excerpt=excerpt[:300], path=path)


# --- history and diffs ---------------------------------------------------------------------------


@dataclass
class HistoryPage:
    revisions: list[SectionRevision]
    page: int
    pages: int
    total: int
    titles: dict[int, str] = field(default_factory=dict)  # section id -> title (document history)


def _history(condition: Any, newest_first: Any, page: int) -> HistoryPage:
    """One page of revisions with their authors (two queries whatever the length of the history)."""
    total = db.session.scalar(select(func.count()).select_from(SectionRevision).where(condition)) or 0
    pages = max(1, math.ceil(total / HISTORY_PER_PAGE))
    page = min(max(1, page), pages)
    revisions = list(db.session.scalars(
        select(SectionRevision).where(condition).options(joinedload(SectionRevision.author))
        .order_by(newest_first).limit(HISTORY_PER_PAGE).offset((page - 1) * HISTORY_PER_PAGE)))
    return HistoryPage(revisions, page, pages, total)


def section_history(section: PlanSection, page: int = 1) -> HistoryPage:
    """A section's revisions, newest first."""
    return _history(SectionRevision.section_id == section.id, SectionRevision.version.desc(), page)


def document_history(doc: PlanDoc, page: int = 1) -> HistoryPage:
    """Every section's revisions of a plan, newest first, with the sections' titles."""
    history = _history(SectionRevision.doc_id == doc.id, SectionRevision.id.desc(), page)
    history.titles = {section.id: section_title(section) for section in doc.sections}
    return history


def revisions_at(section: PlanSection, versions: Sequence[int]) -> dict[int, SectionRevision]:
    return {revision.version: revision for revision in db.session.scalars(
        select(SectionRevision).where(SectionRevision.section_id == section.id,
                                      SectionRevision.version.in_(list(versions)))
        .options(joinedload(SectionRevision.author)))}


@dataclass(frozen=True)
class DiffLine:
    kind: str  # same, added, removed, gap (unchanged lines folded away)
    old_number: int | None
    new_number: int | None
    text: str
    # For a line changed in place (a removed line and its added counterpart): the line in pieces, each marked
    # as changed or not, so the page can show which words changed. Empty: the whole line is the change.
    pieces: tuple[tuple[bool, str], ...] = ()


WORD_DIFF_LIMIT = 2_000  # longer lines are compared as whole lines only (the comparison is quadratic)
WORD_DIFF_SIMILARITY = 0.4  # below this, two lines are different lines, not one line edited


def _pieces(old: str, new: str) -> tuple[tuple[tuple[bool, str], ...], tuple[tuple[bool, str], ...]]:
    """The changed characters of a line edited in place, on each side (Chinese has no spaces: by character)."""
    if max(len(old), len(new)) > WORD_DIFF_LIMIT:
        return (), ()
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    if matcher.ratio() < WORD_DIFF_SIMILARITY:
        return (), ()
    before: list[tuple[bool, str]] = []
    after: list[tuple[bool, str]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if i2 > i1:
            before.append((tag != "equal", old[i1:i2]))
        if j2 > j1:
            after.append((tag != "equal", new[j1:j2]))
    return tuple(before), tuple(after)


def diff_lines(old: str, new: str, *, context: int = 3) -> list[DiffLine]:
    """A line diff of two texts: removed and added lines with their numbers, unchanged runs folded to
    `context` lines around each change; a line edited in place also says which characters changed."""
    old_lines, new_lines = _lines(old), _lines(new)
    out: list[DiffLine] = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for group in matcher.get_grouped_opcodes(context):
        if out:
            out.append(DiffLine("gap", None, None, ""))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out.extend(DiffLine("same", i1 + n + 1, j1 + n + 1, old_lines[i1 + n]) for n in range(i2 - i1))
                continue
            paired = [_pieces(old_lines[i1 + n], new_lines[j1 + n]) for n in range(min(i2 - i1, j2 - j1))] \
                if tag == "replace" else []
            out.extend(DiffLine("removed", i1 + n + 1, None, old_lines[i1 + n],
                                paired[n][0] if n < len(paired) else ()) for n in range(i2 - i1))
            out.extend(DiffLine("added", None, j1 + n + 1, new_lines[j1 + n],
                                paired[n][1] if n < len(paired) else ()) for n in range(j2 - j1))
    return out


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


# --- status --------------------------------------------------------------------------------------

# The moves a plan can make, and the policy action each one needs.
TRANSITIONS = {
    (PlanStatus.DRAFT, PlanStatus.REVIEW): "submit",
    (PlanStatus.REVIEW, PlanStatus.DRAFT): "submit",
    (PlanStatus.DRAFT, PlanStatus.FINAL): "finalize",
    (PlanStatus.REVIEW, PlanStatus.FINAL): "finalize",
    (PlanStatus.FINAL, PlanStatus.REVIEW): "finalize",  # reopen
}


def next_statuses(doc: PlanDoc) -> list[tuple[str, str]]:
    """The statuses a plan can move to now, each with the policy action the move needs."""
    return [(to.value, action) for (start, to), action in TRANSITIONS.items() if start == doc.status]


def set_status(doc: PlanDoc, status: str, *, actor: User) -> None:
    """Move a shared plan: draft ⇄ under review by its writers, to final (and back) by the lead or a convener."""
    try:
        target = PlanStatus(status)
    except ValueError:
        raise ValidationError(str(_l("Choose a status.")), field="status") from None
    action = TRANSITIONS.get((PlanStatus(doc.status), target))
    if action is None:
        raise ValidationError(str(_l("A plan cannot move from this status to that one.")), field="status")
    if not can(actor, action, doc):
        raise NotAllowed(str(_l("Only the lead planner or a convener can mark a plan final or reopen it."))
                         if action == "finalize" else str(_l("You cannot change this plan's status.")))
    before = doc.status
    doc.status = target.value
    doc.updated_at = utcnow()
    record_event(actor, "plans.status_changed", doc, doc.community, title=doc.topic, before=before, status=doc.status)


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


def section_path(doc: PlanDoc, section: PlanSection) -> str:
    community = doc.community
    return f"/c/{community.slug}/plans/{doc.id}#section-{section.id}"


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
    common = dict(actor=actor, community=community, subject_type="plan_comment", subject_id=comment.id,
                  title=f"{doc.topic} · {section_title(section)}", excerpt=markdown_to_text(body)[:300],
                  path=section_path(doc, section))
    mentioned = find_mentions(body, plan_members(community))
    if mentioned:
        notifications.notify(mentioned, "mention", **common)
    told = {user.id for user in mentioned}
    if parent is not None:
        earlier = db.session.scalars(select(User).join(PlanComment, PlanComment.author_id == User.id).where(
            (PlanComment.id == parent.id) | (PlanComment.parent_id == parent.id))).unique().all()
        others = [user for user in earlier if user.id not in told]
        if others:
            notifications.notify(others, "reply", **common)
    else:
        # Whoever answers for the text hears of a new comment on it, as a document's owner would.
        responsible = {doc.owner_id if doc.adaptation else doc.lead_id, section.assignee_id} - told - {None}
        if responsible:
            notifications.notify(db.session.scalars(select(User).where(User.id.in_(responsible))), "comment",
                                 **common)
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


# --- adaptations (二次備課), lessons and reflections ----------------------------------------------


def adaptations_of(doc: PlanDoc) -> list[PlanDoc]:
    return list(db.session.scalars(
        select(PlanDoc).where(PlanDoc.parent_id == doc.id, PlanDoc.live)
        .options(joinedload(PlanDoc.owner)).order_by(PlanDoc.created_at)))


def adaptation_by(doc: PlanDoc, user: Any) -> PlanDoc | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(select(PlanDoc).where(PlanDoc.parent_id == doc.id, PlanDoc.owner_id == user.id))


def adapt(doc: PlanDoc, *, actor: User) -> PlanDoc:
    """The actor's own copy of a shared plan for their class, linked to it (their existing one if any)."""
    existing = adaptation_by(doc, actor)
    if existing is not None:
        if not existing.live:
            restore_plan(existing, actor=actor)
        return existing
    if not can(actor, "adapt", doc):
        raise NotAllowed(str(_l("Only the teachers who will teach this plan can adapt it.")))
    copy = PlanDoc(community_id=doc.community_id, kind=PlanKind.ADAPTATION.value, topic=doc.topic,
                   subject=doc.subject, grade=doc.grade, unit=doc.unit, lead_id=doc.lead_id,
                   planned_on=doc.planned_on, status=doc.status, template_name=doc.template_name, parent_id=doc.id,
                   owner_id=actor.id, round=doc.round, created_by_id=actor.id)
    copy.teachers = [actor]
    for section in doc.sections:
        item = _new_section(copy, section.position, key=section.key, title=section.title, guidance=section.guidance,
                            body=section.body, actor=actor)
        item.source_section_id, item.source_version = section.id, section.version
    db.session.add(copy)
    _first_revisions(copy, actor)
    record_event(actor, "plans.adapted", copy, doc.community, title=doc.topic)
    reindex(copy)
    return copy


@dataclass
class SectionChange:
    """How an adaptation's section differs from the shared version it was copied from."""

    section: PlanSection
    source_text: str  # the shared section's body at the copied version
    diff: list[DiffLine]
    shared_changed: bool  # the shared section was saved since the copy
    shared_version: int | None

    @property
    def changed(self) -> bool:
        return any(line.kind in {"added", "removed"} for line in self.diff)


def section_changes(adaptation: PlanDoc) -> list[SectionChange]:
    """For each section of an adaptation: its diff from the copied shared text, and whether the shared
    section changed since (three queries whatever the number of sections)."""
    sections = list(adaptation.sections)
    sources = [section.source_section_id for section in sections if section.source_section_id]
    current = dict(db.session.execute(select(PlanSection.id, PlanSection.version)
                                      .where(PlanSection.id.in_(sources))).all()) if sources else {}
    wanted = [(section.source_section_id, section.source_version) for section in sections
              if section.source_section_id and section.source_version]
    bodies: dict[tuple[int, int], str] = {}
    if wanted:
        for section_id, version, body in db.session.execute(
                select(SectionRevision.section_id, SectionRevision.version, SectionRevision.body)
                .where(tuple_(SectionRevision.section_id, SectionRevision.version).in_(wanted))):
            bodies[(section_id, version)] = body
    changes = []
    for section in sections:
        source_text = bodies.get((section.source_section_id, section.source_version), "") \
            if section.source_section_id else ""
        shared_version = current.get(section.source_section_id)
        changes.append(SectionChange(
            section, source_text, diff_lines(source_text, section.body),
            shared_version is not None and shared_version != section.source_version, shared_version))
    return changes


def take_shared_changes(section: PlanSection, *, actor: User) -> SectionSave:
    """Bring the shared section's changes since the copy into an adaptation's section: a three-way merge with
    the teacher's own changes (the copied text as base). A conflict is answered like one between editors."""
    _editable(section, actor)
    if not section.source_section_id:
        raise ValidationError(str(_l("This section was not copied from a shared plan.")), field="body")
    shared = db.session.get(PlanSection, section.source_section_id)
    if shared is None:
        raise ValidationError(str(_l("The shared plan no longer has this section.")), field="body")
    base = revision_body(shared.id, section.source_version or 1) or ""
    result = merge_texts(base, section.body, shared.body)
    current = section.version
    if not result.clean:
        return SectionSave(section, SaveOutcome(False, result.text, False, result.conflicts), theirs=shared.body,
                           theirs_authors=[], shared_version=shared.version)
    if result.text != section.body and not _store(section, result.text, expected_version=current, actor=actor,
                                                  base_version=current, how="updated"):
        raise Conflict(str(_l("This section was saved meanwhile. Try again.")), field="body")
    _after_save(section)  # reloads the section: its new version first, then the shared version it now holds
    section.source_version = shared.version
    db.session.flush()
    return SectionSave(section, SaveOutcome(True, result.text, True))


def mark_shared_taken(section: PlanSection, version: int | None, *, actor: User) -> None:
    """After a settled conflict with the shared text, note the shared version the section now includes
    (the one the conflict was shown with: a shared save made since stays flagged as new)."""
    _editable(section, actor)
    shared = db.session.get(PlanSection, section.source_section_id) if section.source_section_id else None
    if shared is not None and version is not None and (section.source_version or 0) < version <= shared.version:
        section.source_version = version


def lessons_of(doc: PlanDoc) -> list[LessonTaught]:
    return list(db.session.scalars(select(LessonTaught).where(LessonTaught.doc_id == doc.id)
                                   .options(joinedload(LessonTaught.author))
                                   .order_by(LessonTaught.taught_on, LessonTaught.id)))


def check_lesson(taught_on: dt.date | None, class_name: str | None,
                 reflection: str | None) -> tuple[dt.date, str, str]:
    """A lesson's date, class and reflection, checked together (one ValidationError naming each field)."""
    checks = Checks()
    with checks:
        if taught_on is None:
            raise ValidationError(str(_l("Enter the date you taught the lesson.")), field="taught_on")
        check_in_range(taught_on, "taught_on")
    with checks:
        class_name = checked_line(class_name, "class_name", MAX_CLASS, required=True)
    with checks:
        reflection = checked_text(reflection, "reflection", MAX_REFLECTION)
    checks.done()
    return taught_on, class_name, reflection


def record_lesson(doc: PlanDoc, *, taught_on: dt.date | None, class_name: str | None, reflection: str | None,
                  actor: User) -> LessonTaught:
    """Record a lesson taught from one's adaptation (date, class) with its reflection (課後反思)."""
    if not can(actor, "record_lesson", doc):
        raise NotAllowed(str(_l("Lessons are recorded on your own adaptation of the plan.")))
    taught_on, class_name, reflection = check_lesson(taught_on, class_name, reflection)
    lesson = LessonTaught(doc_id=doc.id, author_id=actor.id, taught_on=taught_on, class_name=class_name,
                          reflection=reflection, reflection_html=str(render_markdown(reflection)))
    db.session.add(lesson)
    doc.updated_at = utcnow()
    db.session.flush()
    reindex(doc)
    shared = doc.parent
    if shared is not None and shared.lead is not None and has_visible_text(reflection):
        _tell([shared.lead], "reflection", shared, None, actor,
              _("%(label)s: %(value)s", label=class_name, value=markdown_to_text(reflection)), anchor="#reflections")
    return lesson


def update_lesson(lesson: LessonTaught, *, taught_on: dt.date | None, class_name: str | None,
                  reflection: str | None, actor: User) -> LessonTaught:
    doc = db.session.get(PlanDoc, lesson.doc_id)
    if not can(actor, "record_lesson", doc) or lesson.author_id != actor.id:
        raise NotAllowed(str(_l("Only the teacher who taught the lesson can change its record.")))
    lesson.taught_on, lesson.class_name, lesson.reflection = check_lesson(taught_on, class_name, reflection)
    lesson.reflection_html = str(render_markdown(lesson.reflection))
    lesson.updated_at = utcnow()
    reindex(doc)
    return lesson


def reflections_for(doc: PlanDoc) -> list[LessonTaught]:
    """The lessons taught from every adaptation of a shared plan, with their reflections (one query)."""
    return list(db.session.scalars(
        select(LessonTaught).join(PlanDoc, PlanDoc.id == LessonTaught.doc_id)
        .where(PlanDoc.parent_id == doc.id, PlanDoc.live)
        .options(joinedload(LessonTaught.author)).order_by(LessonTaught.taught_on, LessonTaught.id)))


def start_new_round(doc: PlanDoc, *, actor: User) -> PlanDoc:
    """A new shared plan from a final one: the same fields and sections, the reflections gathered into the
    reflection section (or appended at the end), round + 1, linked to the plan it continues."""
    if not can(actor, "new_round", doc):
        raise NotAllowed(str(_l("A new round starts from a final plan, by its lead planner or a convener.")))
    reflections = reflections_for(doc)
    summary = ""
    if reflections:
        lines = [str(_("Reflections from round %(round)d:", round=doc.round)), ""]
        for lesson in reflections:
            author = lesson.author.display_name if lesson.author else str(_("a former member"))
            text = " ".join(markdown_to_text(lesson.reflection).split()) or "—"
            lines.append("- " + _("%(author)s, %(class_name)s, %(date)s: %(text)s", author=author,
                                  class_name=lesson.class_name, date=lesson.taught_on.isoformat(), text=text))
        summary = "\n".join(lines)
    following = PlanDoc(community_id=doc.community_id, kind=PlanKind.SHARED.value, topic=doc.topic,
                        subject=doc.subject, grade=doc.grade, unit=doc.unit, lead_id=doc.lead_id,
                        template_name=doc.template_name, previous_round_id=doc.id, round=doc.round + 1,
                        created_by_id=actor.id)
    following.teachers = list(doc.teachers)
    target_key = "reflection" if any(section.key == "reflection" for section in doc.sections) else None
    for section in doc.sections:
        body = section.body
        if summary and section.key == target_key:
            body = f"{body}\n\n{summary}".strip()
        _new_section(following, section.position, key=section.key, title=section.title, guidance=section.guidance,
                     body=body, actor=actor)
    if summary and target_key is None:
        position = max((section.position for section in doc.sections), default=-1) + 1
        _new_section(following, position, key="reflection", title="", guidance="", body=summary, actor=actor)
    db.session.add(following)
    _first_revisions(following, actor)
    record_event(actor, "plans.new_round", following, doc.community, title=doc.topic, round=following.round)
    reindex(following)
    return following


# --- links: resources, the planning meeting, observations -----------------------------------------

# The roles of a plan's links (links.Link from the plan): an attached resource; an activity as the planning
# meeting or an observation of the lesson. A plan links a record once, in one of these roles.
LINK_ROLES = {"resource": ("attachment",), "activity": ("meeting", "observation")}
PLAN_ROLES = tuple(role for roles in LINK_ROLES.values() for role in roles)
CHOICES_LIMIT = 200


@dataclass
class LinkedItem:
    link: links.Link
    target: Any  # a Resource or an Activity


def links_of(doc: PlanDoc) -> list[LinkedItem]:
    """The plan's linked resources and activities, resolved in one query per kind."""
    return [LinkedItem(link, target)
            for link, target in links.resolve(links.links_from(doc, roles=PLAN_ROLES))]


def link_target(doc: PlanDoc, target_type: str, target_id: int | None, role: str = "", *,
                actor: User) -> links.Link:
    """Attach a library resource of this community, or link one of its activities (as the planning meeting
    or an observation of the lesson)."""
    if not can(actor, "link", doc):
        raise NotAllowed(str(_l("You cannot change this plan's links.")))
    if target_type not in LINK_ROLES:
        raise ValidationError(str(_l("Choose a resource or an activity.")), field="target_id")
    role = role if role in LINK_ROLES[target_type] else LINK_ROLES[target_type][0]
    model = links.kind(target_type).model
    target = db.session.get(model, target_id) if target_id else None
    if target is None or target.community_id != doc.community_id or getattr(target, "deleted_at", None):
        raise ValidationError(str(_l("Choose one of this community's resources.")) if target_type == "resource"
                              else str(_l("Choose one of this community's activities.")), field="target_id")
    existing = next((link for link in links.links_from(doc, to_kind=target_type, roles=PLAN_ROLES)
                     if link.to_id == target.id), None)
    if existing is not None:  # linked again in another role: the role changes, the plan still links it once
        existing.role = role
        return existing
    return links.add_link(doc, target, role, actor=actor)


def unlink(doc: PlanDoc, link: links.Link, *, actor: User) -> None:
    """Remove one of the plan's links (the resource or activity stays)."""
    if (not can(actor, "link", doc) or (link.from_type, link.from_id) != ("plan", doc.id)
            or link.role not in PLAN_ROLES):
        raise NotAllowed(str(_l("You cannot change this plan's links.")))
    links.remove_link(link)


def plans_linked_to(target: Any) -> list[PlanDoc]:
    """The plans that link a resource or an activity (shown on its page)."""
    return list(db.session.scalars(
        select(PlanDoc).where(links.linking_condition("plan", PlanDoc.id, target, roles=PLAN_ROLES),
                              PlanDoc.live)
        .order_by(PlanDoc.topic)))


def link_choices(doc: PlanDoc, query: str = "") -> dict[str, list[Any]]:
    """The community's resources and activities that can be linked, whose title has `query` (the plan's
    link picker, loaded when it is opened). Both lists are bounded and read on an index: resources on
    ix_resources_community_recent (most recently changed first), activities on their starts_at indexes
    (latest first, then the planning meetings moved to the top, as the picker always showed them)."""
    resource_filter = [Resource.community_id == doc.community_id, Resource.live]
    activity_filter = [Activity.community_id == doc.community_id, Activity.live]
    if query:
        resource_filter.append(Resource.title.icontains(query, autoescape=True))
        activity_filter.append(Activity.title.icontains(query, autoescape=True))
    resources = list(db.session.scalars(select(Resource).where(*resource_filter)
                                        .order_by(Resource.updated_at.desc()).limit(CHOICES_LIMIT)))
    activities = list(db.session.scalars(select(Activity).where(*activity_filter)
                                         .order_by(Activity.starts_at.desc()).limit(CHOICES_LIMIT)))
    planning = Method.COLLABORATIVE_PLANNING.value
    activities.sort(key=lambda activity: activity.method != planning)  # stable: latest first within each
    return {"resource": resources, "activity": activities}


# --- the whole plan as Markdown; publishing; trash -------------------------------------------------


def field_rows(doc: PlanDoc) -> list[tuple[str, str]]:
    """The plan's fields as label/value pairs, in the reader's language (page, print, DOCX, publishing)."""
    rows = [
        (str(_("Subject")), doc.subject),
        (str(_("Grade")), doc.grade),
        (str(_("Textbook unit")), doc.unit),
        (str(_("Lead planner")), doc.lead.display_name if doc.lead else ""),
        (str(_("Planned teaching date")), format_date(doc.planned_on, "medium") if doc.planned_on else ""),
    ]
    if doc.adaptation:  # one teacher's copy: who adapted it, rather than the shared plan's teachers
        rows.append((str(_("Adapted by")), doc.owner.display_name if doc.owner is not None else ""))
    else:
        rows.append((str(_("Teachers")), "、".join(user.display_name for user in doc.teachers)))
    return rows


def plan_markdown(doc: PlanDoc) -> str:
    """The plan as one Markdown text: its topic, a table of fields, each section under its heading."""
    parts = [f"# {doc.topic}", "", f"| {_('Field')} | {_('Value')} |", "| --- | --- |"]
    for label, value in field_rows(doc):
        cell = (value or "—").replace("|", "\\|").replace("\n", " ")
        parts.append(f"| {label} | {cell} |")
    for section in doc.sections:
        parts += ["", f"## {section_title(section)}", "", section.body.strip() or "—"]
    return "\n".join(parts) + "\n"


def publish(doc: PlanDoc, *, actor: User) -> Any:
    """Put the final plan in the library as a lesson-plan resource (a new version when published before)."""
    if not can(actor, "publish", doc):
        raise NotAllowed(str(_l("Only a final shared plan can be published, by its lead planner or a convener.")))
    body = plan_markdown(doc)
    resource = db.session.get(Resource, doc.published_resource_id) if doc.published_resource_id else None
    if resource is not None and resource.live:
        resources.add_text_version(resource, body, actor=actor, note=str(_("Published again from the plan")))
    else:
        fields = resources.ResourceFields(title=doc.topic, kind=ResourceKind.LESSON_PLAN.value, subject=doc.subject,
                                          grade=doc.grade, tags=[str(_("Collective lesson planning"))],
                                          description=str(_("Published from the community's shared plan.")))
        resource = resources.create_text_resource(doc.community, fields, body, actor=actor)
        doc.published_resource_id = resource.id
    record_event(actor, "plans.published", doc, doc.community, title=doc.topic, resource=resource.id)
    return resource


def trash_plan(doc: PlanDoc, *, actor: User) -> None:
    if not can(actor, "delete", doc):
        raise NotAllowed(str(_l("Only the lead planner, its author or a convener can delete this plan.")))
    doc.deleted_at, doc.deleted_by_id = utcnow(), actor.id
    record_event(actor, "plans.deleted", doc, doc.community, title=doc.topic)
    search.remove_document(PLAN_KIND, doc.id)


def restore_plan(doc: PlanDoc, *, actor: User) -> None:
    if not can(actor, "restore", doc):
        raise NotAllowed(str(_l("You cannot restore this plan.")))
    doc.deleted_at, doc.deleted_by_id = None, None
    record_event(actor, "plans.restored", doc, doc.community, title=doc.topic)
    reindex(doc)


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
    pages = max(1, math.ceil(total / PER_PAGE))
    page = min(max(1, page), pages)
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
