"""Plans: their fields, the template they start from, creating, updating and loading a plan and its sections."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from workspace.auth.models import User
from workspace.communities.models import Community
from workspace.communities.records import contributing_members
from workspace.core.database import advance, utcnow
from workspace.core.errors import Checks, Conflict, NotAllowed, ValidationError
from workspace.core.models import record_event
from workspace.core.parsing import check_in_range, parse_id
from workspace.core.permissions import can
from workspace.core.text import checked_line
from workspace.extensions import db
from workspace.plans.models import PlanDoc, PlanKind, PlanSection, PlanTemplate
from workspace.plans.services._common import DEFAULT_SECTIONS, MAX_LINE, MAX_TOPIC, _check_open
from workspace.plans.services._writing import _first_revisions, _members_by_id, _new_section
from workspace.plans.services.listing import reindex

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
