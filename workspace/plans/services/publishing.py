"""A plan's status and its transitions, the whole plan as Markdown, publishing to the library, trash and restore."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from workspace.auth.models import User
from workspace.core import search
from workspace.core.database import utcnow
from workspace.core.errors import NotAllowed, ValidationError
from workspace.core.i18n import listing
from workspace.core.models import record_event
from workspace.core.permissions import can
from workspace.core.text import clean_text, render_markdown
from workspace.core.text_language import written_script
from workspace.extensions import db
from workspace.plans.models import PlanDoc, PlanStatus
from workspace.plans.services._common import PLAN_KIND, section_title
from workspace.plans.services.listing import reindex
from workspace.resources import services as resources
from workspace.resources.models import Resource, ResourceKind, Visibility

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
        rows.append((str(_("Teachers")), listing(user.display_name for user in doc.teachers)))
    return rows


def plan_markdown(doc: PlanDoc) -> str:
    """The plan as one Markdown text: its topic, a table of fields, each section under its heading."""
    field_header, value_header = _("Field"), _("Value")
    parts = [f"# {doc.topic}", "", f"| {field_header} | {value_header} |", "| --- | --- |"]
    for label, value in field_rows(doc):
        cell = (value or "—").replace("|", "\\|").replace("\n", " ")
        parts.append(f"| {label} | {cell} |")
    for section in doc.sections:
        parts += ["", f"## {section_title(section)}", "", section.body.strip() or "—"]
    return "\n".join(parts) + "\n"


_SCRIPT_LOCALES = {"zh-Hant": "zh_Hant", "zh-Hans": "zh_Hans"}


def published_language(doc: PlanDoc) -> str:
    """The language of a plan's library copy: the script its topic and sections are written in (no Chinese at all:
    English; Chinese of neither script: the deployment's language), never the publisher's or a reader's.

    The copy is one document, downloaded, printed, indexed and read by other communities: its app words (the field
    table, the default sections' titles, the description) read in the language its people's words are in, which
    the app never converts. Decided by the text alone, so that the copy compares with the plan whoever looks."""
    script = written_script("\n".join([doc.topic, *(section.body for section in doc.sections)]))
    if script is None:
        return "en"
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    return _SCRIPT_LOCALES.get(script, default if default in _SCRIPT_LOCALES.values() else "zh_Hant")


def _copy_text(doc: PlanDoc) -> str:
    with force_locale(published_language(doc)):
        return clean_text(plan_markdown(doc))


def pictures_hidden_from_copy(doc: PlanDoc) -> list[resources.HiddenPicture]:
    """The pictures of the plan that some readers of its library copy could not see (a broken picture for them):
    read against the copy's visibility now, or a new copy's (the community's members)."""
    resource = db.session.get(Resource, doc.published_resource_id) if doc.published_resource_id else None
    visibility = resource.visibility if resource is not None and resource.live else Visibility.COMMUNITY.value
    return resources.hidden_pictures(str(render_markdown(_copy_text(doc))), doc.community, visibility)


def publish(doc: PlanDoc, *, actor: User) -> Any:
    """Put the final plan in the library as a lesson-plan resource (a new version when published before), written
    in the plan's own language (published_language)."""
    if not can(actor, "publish", doc):
        raise NotAllowed(str(_l("Only a final shared plan can be published, by its lead planner or a convener.")))
    body = _copy_text(doc)
    resource = db.session.get(Resource, doc.published_resource_id) if doc.published_resource_id else None
    with force_locale(published_language(doc)):
        if resource is not None and resource.live:
            resources.add_text_version(resource, body, actor=actor, note=str(_("Published again from the plan")))
        else:
            fields = resources.ResourceFields(title=doc.topic, kind=ResourceKind.LESSON_PLAN.value,
                                              subject=doc.subject, grade=doc.grade,
                                              tags=[str(_("Collective lesson planning"))],
                                              description=str(_("Published from the community's shared plan.")))
            resource = resources.create_text_resource(doc.community, fields, body, actor=actor)
            doc.published_resource_id = resource.id
    record_event(actor, "plans.published", doc, doc.community, title=doc.topic, resource=resource.id)
    return resource


@dataclass(frozen=True)
class PublishedCopy:
    """A plan's copy in the library: the resource, when its text was published, and whether the plan changed since."""

    resource: Resource
    published_at: dt.datetime
    outdated: bool


def published_copy(doc: PlanDoc) -> PublishedCopy | None:
    """The plan's live copy in the library, compared with the plan as it would be published now (None: not
    published, or the copy is in the trash)."""
    resource = db.session.get(Resource, doc.published_resource_id) if doc.published_resource_id else None
    version = resource.current_version if resource is not None and resource.live else None
    if version is None:
        return None
    return PublishedCopy(resource, version.created_at, (version.body or "") != _copy_text(doc))


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
