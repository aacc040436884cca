"""Plan templates: a community's templates and their sections, managed by its conveners."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from workspace.auth.models import User
from workspace.communities.models import Community
from workspace.core.database import utcnow
from workspace.core.errors import Checks, NotAllowed, ValidationError
from workspace.core.models import record_event
from workspace.core.permissions import can
from workspace.core.text import checked_line, checked_text
from workspace.extensions import db
from workspace.plans.models import PlanTemplate, TemplateSection
from workspace.plans.services._common import (
    DEFAULT_SECTIONS,
    MAX_GUIDANCE,
    MAX_SECTION_TITLE,
    MAX_TEMPLATE_NAME,
    MAX_TEMPLATE_SECTIONS,
    _check_open,
)

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
