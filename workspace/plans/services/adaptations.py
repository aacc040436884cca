"""Adaptations (二次備課) of a shared plan and the changes taken from it, lessons taught, reflections, a new round;
and a plan started in one's own community from a plan another community published to the library (改編)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, tuple_
from sqlalchemy.orm import joinedload

from workspace.auth.models import User
from workspace.communities.models import Community
from workspace.core import links
from workspace.core.database import utcnow
from workspace.core.errors import Checks, Conflict, NotAllowed, ValidationError
from workspace.core.i18n import LOCALES, local_date
from workspace.core.models import record_event
from workspace.core.parsing import check_in_range
from workspace.core.permissions import can, scope
from workspace.core.text import (
    checked_line,
    checked_text,
    clean_line,
    has_visible_text,
    markdown_to_text,
    render_markdown,
)
from workspace.extensions import db
from workspace.plans.models import LessonTaught, PlanDoc, PlanKind, PlanSection, SectionRevision
from workspace.plans.services import notices
from workspace.plans.services._common import (
    _DEFAULT_TITLES,
    MAX_CLASS,
    MAX_LINE,
    MAX_REFLECTION,
    MAX_TEMPLATE_SECTIONS,
    MAX_TOPIC,
    _check_open,
)
from workspace.plans.services._writing import _after_save, _first_revisions, _new_section, _store, _tell, check_editable
from workspace.plans.services.history import DiffLine, diff_lines
from workspace.plans.services.listing import reindex
from workspace.plans.services.merge import SaveOutcome, merge_texts
from workspace.plans.services.publishing import restore_plan
from workspace.plans.services.sections import SectionSave, revision_body
from workspace.resources.models import Resource, ResourceVersion

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
    check_editable(section, actor)
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
    check_editable(section, actor)
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
              notices.reflection_excerpt(class_name, markdown_to_text(reflection)), anchor="#reflections")
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


def next_round_of(doc: PlanDoc) -> PlanDoc | None:
    """The live plan that continues this one (its next round), if one was started."""
    return db.session.scalar(select(PlanDoc).where(PlanDoc.previous_round_id == doc.id, PlanDoc.live)
                             .order_by(PlanDoc.id).limit(1))


def start_new_round(doc: PlanDoc, *, actor: User) -> PlanDoc:
    """A new shared plan from a final one: the same fields and sections, the reflections gathered into the
    reflection section (or appended at the end), round + 1, linked to the plan it continues. A round already
    started (the button pressed twice, a second tab) is answered with that plan, not a second copy."""
    if not can(actor, "new_round", doc):
        raise NotAllowed(str(_l("A new round starts from a final plan, by its lead planner or a convener.")))
    started = next_round_of(doc)
    if started is not None:
        return started
    reflections = reflections_for(doc)
    summary = ""
    if reflections:
        lines = [str(_("Reflections from round %(round)d:", round=doc.round)), ""]
        for lesson in reflections:
            author = lesson.author.display_name if lesson.author else str(_("a former member"))
            text = " ".join(markdown_to_text(lesson.reflection).split()) or "—"
            lines.append("- " + _("%(author)s, %(class_name)s, %(date)s: %(text)s", author=author,
                                  class_name=lesson.class_name, date=local_date(lesson.taught_on), text=text))
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


# --- a plan published to the library, adapted in another community (改編) ------------------------------------

ADAPTED_FROM = "adapted_from"  # the link of a plan started from a library copy: the plan → the resource
_HEADING = re.compile(r"^##\s+(.+?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_CELLS = re.compile(r"(?<!\\)\|")


def published_plan_of(resource: Resource) -> PlanDoc | None:
    """The plan a library resource was published from (None: the resource is no published plan)."""
    return db.session.scalar(select(PlanDoc).where(PlanDoc.published_resource_id == resource.id).limit(1))


def adaptable_communities(user: Any) -> list[Community]:
    """The communities where `user` may start a plan (open, where they write), by name: where a plan from the
    library may be adapted."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(db.session.scalars(select(Community).where(scope(user, "contribute", Community))
                                   .order_by(Community.name, Community.id)))


def _in_every_language(message: str) -> set[str]:
    found = set()
    for locale in LOCALES:
        with force_locale(locale):
            found.add(str(_(message)))
    return found


def _headings_of(source: PlanDoc | None) -> list[tuple[str | None, str, set[str]]]:
    """The source plan's sections as they may head the published text: (key, own title, the headings it may have).
    A default section never renamed was published under its title in the copy's language, any of them."""
    if source is None:
        return []
    return [(section.key, section.title, {section.title} if section.title else
             _in_every_language(_DEFAULT_TITLES[section.key]) if section.key in _DEFAULT_TITLES else set())
            for section in source.sections]


def _split(text: str, expected: list[tuple[str | None, str, set[str]]] | None) -> tuple[list[str], list[list[Any]]]:
    """The lines before the first section, and the sections [key, title, lines] of a published text: headed by
    the source plan's section headings in their order (`expected`), or by any "## " when None. A heading inside
    a code block is text."""
    preamble: list[str] = []
    parts: list[list[Any]] = []
    fenced, following = False, 0
    for line in text.split("\n"):
        if _FENCE.match(line):
            fenced = not fenced
        match = None if fenced else _HEADING.match(line)
        if match:
            heading = match.group(1).strip()
            if expected is None:
                parts.append([None, heading, []])
                continue
            found = next((index for index in range(following, len(expected)) if heading in expected[index][2]), None)
            if found is not None:
                key, title, _headings = expected[found]
                parts.append([key, title if title or key not in _DEFAULT_TITLES else "", []])
                following = found + 1
                continue
        (parts[-1][2] if parts else preamble).append(line)
    return preamble, parts


def _published_unit(preamble: list[str]) -> str:
    """The textbook unit of the published table of details ("" when the table is not there)."""
    labels = _in_every_language("Textbook unit")
    for line in preamble:
        cells = [cell.strip().replace("\\|", "|") for cell in _CELLS.split(line.strip())[1:-1]]
        if len(cells) == 2 and cells[0] in labels:
            return "" if cells[1] == "—" else cells[1]
    return ""


def _body(lines: list[str]) -> str:
    body = "\n".join(lines).strip()
    return "" if body == "—" else body  # an empty section was published as a dash


def published_sections(resource: Resource, version: ResourceVersion) -> tuple[str, list[tuple[str | None, str, str]]]:
    """The textbook unit and the sections (key, title, Markdown) of a published plan's text, read from that text
    alone: the source plan names only which headings are its sections (its keys and titles, published with it)."""
    source = published_plan_of(resource)
    text = version.body or ""
    preamble, parts = _split(text, _headings_of(source))
    if not parts:  # written again by hand since: its own headings are the sections
        preamble, parts = _split(text, None)
    if len(parts) > MAX_TEMPLATE_SECTIONS:  # the rest is kept, in the last section
        kept, rest = parts[:MAX_TEMPLATE_SECTIONS], parts[MAX_TEMPLATE_SECTIONS:]
        for key, title, lines in rest:
            kept[-1][2] += ["", f"## {title or _(_DEFAULT_TITLES.get(key, ''))}", *lines]
        parts = kept
    # What stands before the first section besides the title (# …) and the table of details is the first section's.
    lead = [line for line in preamble if not line.startswith("# ") and not line.lstrip().startswith("|")]
    if not parts:
        parts = [[None, resource.title[:100], []]]
    if _body(lead):
        parts[0][2] = [_body(lead), "", _body(parts[0][2])]
    return _published_unit(preamble), [(key, title[:100], _body(lines)) for key, title, lines in parts]


def adapt_published(resource: Resource, community: Community, *, actor: User) -> PlanDoc:
    """A new shared plan in `community` from a plan published to the library: the sections of its current version
    (their Markdown as published), the resource's title, subject and grade, the published unit; a draft led by the
    actor, linked to the resource (ADAPTED_FROM). Nothing else of the source plan is read: not its later changes,
    comments, people, dates or adaptations."""
    version = resource.current_version
    if (not can(actor, "view", resource) or published_plan_of(resource) is None or version is None
            or not version.is_text):
        raise NotAllowed(str(_l("This is not a plan published to the library that you can read.")))
    _check_open(community)
    if not can(actor, "contribute", community):
        raise NotAllowed(str(_l("Only members of this community can start a plan.")))
    unit, sections = published_sections(resource, version)
    copy = PlanDoc(community_id=community.id, kind=PlanKind.SHARED.value, topic=clean_line(resource.title)[:MAX_TOPIC],
                   subject=clean_line(resource.subject)[:60], grade=clean_line(resource.grade)[:40],
                   unit=clean_line(unit)[:MAX_LINE], lead_id=actor.id, created_by_id=actor.id)
    copy.teachers = [actor]
    for position, (key, title, body) in enumerate(sections):
        _new_section(copy, position, key=key, title=title, guidance="", body=body, actor=actor)
    db.session.add(copy)
    _first_revisions(copy, actor)
    links.add_link(copy, resource, ADAPTED_FROM, actor=actor)
    record_event(actor, "plans.adapted_from_library", copy, community, title=copy.topic)
    reindex(copy)
    return copy


@dataclass(frozen=True)
class LibrarySource:
    """Where a plan adapted from the library came from, as its page says it: the resource (for a link, when the
    reader may open it), its title, its community and the day the adapted version was published."""

    resource: Resource
    title: str
    community_name: str
    published_at: dt.datetime


def library_source(doc: PlanDoc) -> LibrarySource | None:
    """The library copy a plan was adapted from (None: started otherwise, or the copy was deleted for good)."""
    link = next(iter(links.links_from(doc, to_kind="resource", roles=(ADAPTED_FROM,))), None)
    resource = db.session.get(Resource, link.to_id) if link is not None else None
    if resource is None:
        return None
    published = db.session.scalar(  # the version adapted: the newest when the plan was made
        select(ResourceVersion.created_at).where(ResourceVersion.resource_id == resource.id,
                                                 ResourceVersion.created_at <= link.created_at)
        .order_by(ResourceVersion.number.desc()).limit(1))
    return LibrarySource(resource, resource.title, resource.community.name, published or resource.created_at)
