"""Co-planning pages: the list, a plan with its sections edited in place, the conflict view, history and
diffs, comments, status, adaptations and their changes, lessons and reflections, links, publishing, the
Word export and the print view, and the community's templates.

Every route loads the community through the one policy (outsiders get 404), then the plan, and asks can()
for the action. Forms work without JavaScript (full pages); htmx swaps one section at a time.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from workspace.communities.access import load_community
from workspace.communities.models import Community
from workspace.core import links
from workspace.core.cache import COMMUNITY, cache_page
from workspace.core.database import utcnow
from workspace.core.docx import DOCX_TYPE
from workspace.core.errors import Conflict, DomainError
from workspace.core.forms import attach_error, validate_all
from workspace.core.htmx import render_page, wants_fragment
from workspace.core.i18n import current_locale_code, listing, local_span
from workspace.core.models import record_event
from workspace.core.once import ALREADY_SAVED, claim
from workspace.core.parsing import arg, form_value, numbers, parse_id, parse_number, parse_page, read
from workspace.core.permissions import can, change_and_say, deny, require
from workspace.core.storage import send_built, titled_filename
from workspace.core.text import clean_line
from workspace.extensions import db
from workspace.plans import audit, services
from workspace.plans.export import DocxLinked, DocxSection, plan_docx
from workspace.plans.forms import (
    CommentForm,
    LessonForm,
    LibraryAdaptationForm,
    LinkForm,
    NewPlanForm,
    PlanForm,
    SectionForm,
    TemplateForm,
    TemplateSectionForm,
)
from workspace.plans.models import LessonTaught, PlanComment, PlanDoc, PlanSection, TemplateSection
from workspace.resources.models import Resource
from workspace.resources.services import library_pictures

bp = Blueprint("plans", __name__)



def load_plan(slug: str, plan_id: int, action: str = "view") -> PlanDoc:
    """The plan if the user reads this community's material (else 404) and may do `action` (else 403)."""
    community = load_community(slug, "read_material")
    doc = services.load_plan(community, plan_id)
    if doc is None or not can(current_user, "view", doc):
        abort(404)
    if action != "view":
        require(can(current_user, action, doc))
    return doc


def load_section(doc: PlanDoc, section_id: int) -> PlanSection:
    section = services.load_section(doc, section_id)
    if section is None:
        abort(404)
    return section


def _labels() -> dict[str, Any]:
    return {"status_labels": services.STATUS_LABELS, "how_labels": services.HOW_LABELS,
            "section_title": services.section_title, "section_guidance": services.section_guidance}


def _plan_path(doc: PlanDoc, section: PlanSection | None = None) -> str:
    path = url_for("plans.show", slug=doc.community.slug, plan_id=doc.id)
    return f"{path}#section-{section.id}" if section is not None else path


# --- the list and a new plan ---------------------------------------------------------------------


@bp.get("/c/<slug>/plans/")
@cache_page(depends=[COMMUNITY])
def index(slug: str):
    """The community's shared plans (filter by status, mine, or the trash) and the reader's adaptations."""
    community = load_community(slug, "read_material")
    status = request.args.get("status", "")
    mine = request.args.get("mine") == "1"
    trash = request.args.get("trash") == "1"
    page = services.list_plans(community, current_user, status=status, mine=mine, trash=trash,
                               page=arg("page", parse_page, 1))
    return render_page("plans/index.html", "plans/_list.html", community=community, page=page, chosen_status=status,
                       mine=mine, trash=trash, adaptations=services.my_adaptations(community, current_user),
                       **_labels())


def _member_choices(form: PlanForm, community: Community) -> None:
    members = services.plan_members(community)
    form.lead_id.choices = [(str(user.id), user.display_name) for user in members]
    form.teacher_ids.choices = [(user.id, user.display_name) for user in members]


def _fields(form: PlanForm) -> services.PlanFields:
    return services.PlanFields(topic=form.topic.data or "", subject=form.subject.data or "",
                               grade=form.grade.data or "", unit=form.unit.data or "",
                               lead_id=read(form.lead_id.data, parse_id), planned_on=form.planned_on.data,
                               teacher_ids=list(form.teacher_ids.data or []))


def _new_form(community: Community) -> NewPlanForm:
    form = NewPlanForm()
    _member_choices(form, community)
    form.template.choices = [("default", _("Default (集體備課)"))] + [
        (str(template.id), template.name) for template in services.templates_of(community)]
    return form


@bp.route("/c/<slug>/plans/new", methods=["GET", "POST"])
def new(slug: str):
    """Start a plan from a template: topic, subject, grade, unit, lead planner, date, teachers."""
    community = load_community(slug, "contribute")
    form = _new_form(community)
    if request.method == "GET":
        form.lead_id.data = str(current_user.id)
        form.teacher_ids.data = [current_user.id]
        form.template.data = request.args.get("template", "default")
        return render_page("plans/new.html", community=community, form=form)
    if validate_all(form, lambda: services.check_fields(community, _fields(form))):
        try:
            once = claim(form.once_token, current_user, fallback=url_for("plans.index", slug=slug))
            if once.repeat is not None:
                db.session.rollback()
                flash(ALREADY_SAVED, "info")
                return redirect(once.repeat)
            doc = services.create_plan(community, _fields(form), actor=current_user,
                                       template=services.load_template(community, form.template.data))
            once.answered(_plan_path(doc))
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("The plan is ready: click a section to write in it."), "success")
            return redirect(_plan_path(doc))
    return render_page("plans/new.html", community=community, form=form, status=422)


# --- one plan ------------------------------------------------------------------------------------


def _show_context(doc: PlanDoc, opened_id: int | None = None) -> dict[str, Any]:
    """Everything the plan page shows, in a bounded number of queries whatever the plan's size; `opened_id`: the
    section whose comments are shown already (a comment's notice opens the plan there)."""
    community = doc.community
    sections = services.sections_of(doc)
    opened = next((section for section in sections if section.id == opened_id), None)
    context: dict[str, Any] = dict(
        community=community, doc=doc, sections=sections,
        opened=dict(section_id=opened.id, comments=services.comments_of(opened),
                    form=CommentForm(formdata=None)) if opened is not None else None,
        comment_counts=services.open_comment_counts(doc),
        editing=services.editors_now(doc, current_user), links=services.links_of(doc),
        field_rows=services.field_rows(doc), next_statuses=services.next_statuses(doc), **_labels())
    if doc.adaptation:
        parent = doc.parent
        # A shared plan in the trash is named, not linked (a 404 for most) nor compared with section by section:
        # the page says where it is and who can bring it back.
        parent_trashed = parent is not None and not parent.live
        context.update(parent=parent, parent_trashed=parent_trashed, lessons=services.lessons_of(doc),
                       changes={} if parent_trashed else
                       {change.section.id: change for change in services.section_changes(doc)},
                       lesson_form=LessonForm())
    else:
        context.update(library_source=services.library_source(doc),
                       adaptations=services.adaptations_of(doc), reflections=services.reflections_for(doc),
                       own_adaptation=services.adaptation_by(doc, current_user), published=services.published_copy(doc),
                       members=services.plan_members(community) if can(current_user, "assign", doc) else [])
    if can(current_user, "link", doc):
        context.update(link_form=_link_form())
    return context


@bp.get("/c/<slug>/plans/<int:plan_id>")
@cache_page(depends=[COMMUNITY])
def show(slug: str, plan_id: int):
    """A plan: its fields and status, each section (click to edit), comments, adaptations, reflections, links.
    `?comments=<section id>` shows that section's comments (a comment's notice opens there, at `#comment-<id>`)."""
    return render_page("plans/show.html", **_show_context(load_plan(slug, plan_id), arg("comments", parse_id)))


@bp.route("/c/<slug>/plans/<int:plan_id>/edit", methods=["GET", "POST"])
def edit(slug: str, plan_id: int):
    """Change the plan's fields (a stale form is refused with what was typed kept)."""
    doc = load_plan(slug, plan_id, "edit_fields")
    form = PlanForm()
    _member_choices(form, doc.community)
    if request.method == "GET":
        form.topic.data, form.subject.data, form.grade.data, form.unit.data = doc.topic, doc.subject, doc.grade, \
            doc.unit
        form.lead_id.data = str(doc.lead_id or "")
        form.planned_on.data = doc.planned_on
        form.teacher_ids.data = [user.id for user in doc.teachers]
        form.base_version.data = str(doc.version)
        return render_page("plans/edit.html", community=doc.community, doc=doc, form=form)
    conflict = False
    if validate_all(form, lambda: services.check_fields(doc.community, _fields(form))):
        try:
            services.update_fields(doc, _fields(form), actor=current_user,
                                   base_version=read(form.base_version.data, numbers(), 0))
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
            conflict = isinstance(error, Conflict)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(_plan_path(doc))
    doc = load_plan(slug, plan_id, "edit_fields")
    if conflict:
        form.base_version.data = str(doc.version)
    return render_page("plans/edit.html", community=doc.community, doc=doc, form=form, conflict=conflict,
                       status=409 if conflict else 422)


# --- sections: view, edit, save (merge or conflict), presence --------------------------------------


def _read_view_context(doc: PlanDoc, section_ids: set[int]) -> dict[str, Any]:
    """What these sections' read views need besides the sections: open comment counts and, in an adaptation,
    each one's change from the shared plan."""
    context: dict[str, Any] = dict(comment_counts=services.open_comment_counts(doc))
    if doc.adaptation:
        context["changes"] = {change.section.id: change for change in services.section_changes(doc)
                              if change.section.id in section_ids}
    return context


def _section_context(doc: PlanDoc, section: PlanSection, **extra: Any) -> dict[str, Any]:
    context = dict(community=doc.community, doc=doc, section=section, editing=services.editors_now(doc, current_user),
                   **_labels(), **_read_view_context(doc, {section.id}))
    context.update(extra)
    return context


@bp.get("/c/<slug>/plans/<int:plan_id>/sections/<int:section_id>")
def section(slug: str, plan_id: int, section_id: int):
    """One section as shown on the plan page (what Cancel swaps back in)."""
    doc = load_plan(slug, plan_id)
    item = load_section(doc, section_id)
    if not wants_fragment():
        return redirect(_plan_path(doc, item))
    return render_page("plans/_section.html", **_section_context(doc, item))


@bp.get("/c/<slug>/plans/<int:plan_id>/sections/<int:section_id>/edit")
def edit_section(slug: str, plan_id: int, section_id: int):
    """The section's editor, started from its current version (the save carries that version back). A plan made
    final meanwhile (a page opened before) says so and how to reopen it, as its save does, not "your role"."""
    doc = load_plan(slug, plan_id)
    item = load_section(doc, section_id)
    if not can(current_user, "edit", doc):
        try:
            services.check_editable(item, current_user)
        except DomainError as error:
            deny(reason=error.message)
    form = SectionForm(formdata=None, body=item.body, base_version=item.version)
    template = "plans/_section_editor.html" if wants_fragment() else "plans/section_edit.html"
    return render_page(template, **_section_context(doc, item, form=form))


@bp.post("/c/<slug>/plans/<int:plan_id>/sections/<int:section_id>")
def save_section(slug: str, plan_id: int, section_id: int):
    """Save a section: stored, merged with saves made meanwhile, or (overlapping changes) the conflict view."""
    doc = load_plan(slug, plan_id)
    item = load_section(doc, section_id)
    form = SectionForm()
    template = "plans/_section_editor.html" if wants_fragment() else "plans/section_edit.html"
    typed = form.body.data or ""
    if not form.validate():
        return render_page(template, status=422, **_section_context(doc, item, form=form))
    try:
        saved = services.save_section(item, typed, actor=current_user,
                                      base_version=form.base_version.data or 0, resolving=bool(form.resolving.data))
    except DomainError as error:
        db.session.rollback()
        attach_error(form, error)
        doc = load_plan(slug, plan_id)
        return render_page(template, status=422, **_section_context(doc, load_section(doc, section_id), form=form))
    if saved.accepted and form.shared_version.data and doc.adaptation:  # a settled conflict with the shared plan
        services.mark_shared_taken(item, read(form.shared_version.data, numbers()), actor=current_user)
    if not saved.accepted:
        db.session.rollback()
        doc = load_plan(slug, plan_id)
        item = load_section(doc, section_id)
        # The proposal is what the editor settles; it is saved against the version shown now.
        conflict_form = SectionForm(formdata=None, body=saved.outcome.text, base_version=item.version, resolving="1")
        return render_page(template, status=409, **_section_context(
            doc, item, form=conflict_form, conflict=saved, mine=typed))
    db.session.commit()
    notice = None
    if saved.outcome.merged:
        notice = _("Merged with the changes %(names)s saved meanwhile.",
                   names=listing(saved.theirs_authors) or _("someone"))
    if not wants_fragment():
        flash(notice or _("Saved."), "success")
        return redirect(_plan_path(doc, item))
    doc = load_plan(slug, plan_id)
    return render_page("plans/_section.html", **_section_context(doc, load_section(doc, section_id), notice=notice))


@bp.post("/c/<slug>/plans/<int:plan_id>/sections/<int:section_id>/presence")
def touch_section(slug: str, plan_id: int, section_id: int):
    """The open editor says it is still open (every 20 s): others see who is editing what."""
    doc = load_plan(slug, plan_id, "edit")
    services.touch_section(load_section(doc, section_id), current_user)
    db.session.commit()
    return Response(status=204)


@bp.post("/c/<slug>/plans/<int:plan_id>/sections/<int:section_id>/leave")
def leave_section(slug: str, plan_id: int, section_id: int):
    """Close the editor without saving (Cancel): the section as it is now."""
    doc = load_plan(slug, plan_id)
    item = load_section(doc, section_id)
    services.leave_section(item, current_user)
    db.session.commit()
    if not wants_fragment():
        return redirect(_plan_path(doc, item))
    return render_page("plans/_section.html", **_section_context(doc, item))


MAX_SHOWN = 500  # sections a poll may ask about (a plan has a dozen)


def _shown_versions(value: str) -> dict[int, int]:
    """The sections a page shows and their versions, as its poll sends them: "12:3,13:7" (anything else is
    ignored)."""
    shown: dict[int, int] = {}
    for pair in value.split(",")[:MAX_SHOWN]:
        section_id, _colon, version = pair.partition(":")
        number, seen = parse_id(section_id), parse_number(version)
        if number is not None and seen is not None:
            shown[number] = seen
    return shown


@bp.get("/c/<slug>/plans/<int:plan_id>/editing")
def editing(slug: str, plan_id: int):
    """Who is editing which section now, and each section saved since the page showed it (the plan page asks
    every 15 s, with the versions it shows; everything is swapped out of band)."""
    doc = load_plan(slug, plan_id)
    shown = _shown_versions(request.args.get("shown", ""))
    sections = list(doc.sections)
    changed = [section for section in sections if section.id in shown and shown[section.id] != section.version]
    context: dict[str, Any] = dict(community=doc.community, doc=doc, sections=sections, changed=changed,
                                   editing=services.editors_now(doc, current_user), **_labels())
    if changed:
        context.update(_read_view_context(doc, {section.id for section in changed}))
    return render_page("plans/_presence.html", **context)


@bp.post("/c/<slug>/plans/<int:plan_id>/assign")
def assign_section(slug: str, plan_id: int):
    """Assign a section to a member (or to nobody): one form for the whole plan."""
    doc = load_plan(slug, plan_id, "assign")
    item = load_section(doc, form_value("section_id", parse_id, 0))
    try:
        services.assign_section(item, form_value("assignee_id", parse_id), actor=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("Assigned."), "success")
    return redirect(_plan_path(doc, item))


@bp.post("/c/<slug>/plans/<int:plan_id>/sections/<int:section_id>/take-shared")
def take_shared(slug: str, plan_id: int, section_id: int):
    """In an adaptation: bring in the shared plan's changes since the copy (merged with one's own)."""
    doc = load_plan(slug, plan_id, "edit")
    item = load_section(doc, section_id)
    template = "plans/_section_editor.html" if wants_fragment() else "plans/section_edit.html"
    try:
        saved = services.take_shared_changes(item, actor=current_user)
    except DomainError as error:
        db.session.rollback()
        if not wants_fragment():
            flash(error.message, "error")
            return redirect(_plan_path(doc, item))
        doc = load_plan(slug, plan_id)  # htmx: the section again, saying why, in place (not a whole page in it)
        return render_page("plans/_section.html", status=422,
                           **_section_context(doc, load_section(doc, section_id), notice=error.message))
    if not saved.accepted:
        db.session.rollback()
        conflict_form = SectionForm(formdata=None, body=saved.outcome.text, base_version=item.version, resolving="1",
                                    shared_version=saved.shared_version)
        return render_page(template, status=409, **_section_context(
            doc, item, form=conflict_form, conflict=saved, mine=item.body, shared=True))
    db.session.commit()
    notice = _("The shared plan's changes are in your section.")
    if not wants_fragment():
        flash(notice, "success")
        return redirect(_plan_path(doc, item))
    doc = load_plan(slug, plan_id)
    return render_page("plans/_section.html", **_section_context(doc, load_section(doc, section_id), notice=notice))


# --- history and diffs ---------------------------------------------------------------------------


@bp.get("/c/<slug>/plans/<int:plan_id>/sections/<int:section_id>/history")
@cache_page(depends=[COMMUNITY])
def section_history(slug: str, plan_id: int, section_id: int):
    """A section's revisions, newest first: who saved, when, how (merged, restored …); pick two to compare."""
    doc = load_plan(slug, plan_id)
    item = load_section(doc, section_id)
    history = services.section_history(item, arg("page", parse_page, 1))
    return render_page("plans/history.html", community=doc.community, doc=doc, section=item, history=history,
                       can_restore=can(current_user, "edit", doc), **_labels())


@bp.get("/c/<slug>/plans/<int:plan_id>/history")
@cache_page(depends=[COMMUNITY])
def history(slug: str, plan_id: int):
    """Every section's revisions of the plan, newest first."""
    doc = load_plan(slug, plan_id)
    history = services.document_history(doc, arg("page", parse_page, 1))
    return render_page("plans/history.html", community=doc.community, doc=doc, section=None, history=history,
                       can_restore=False, **_labels())


@bp.get("/c/<slug>/plans/<int:plan_id>/sections/<int:section_id>/diff")
@cache_page(depends=[COMMUNITY])
def diff(slug: str, plan_id: int, section_id: int):
    """The differences between two revisions of a section (?from=&to=, the previous and the latest by default)."""
    doc = load_plan(slug, plan_id)
    item = load_section(doc, section_id)
    newer = arg("to", numbers(1), item.version)
    older = arg("from", numbers(1), max(1, newer - 1))
    if older > newer:
        older, newer = newer, older
    found = services.revisions_at(item, [older, newer])
    if older not in found or newer not in found:
        abort(404)
    return render_page("plans/diff.html", community=doc.community, doc=doc, section=item, old=found[older],
                       new=found[newer], lines=services.diff_lines(found[older].body, found[newer].body),
                       can_restore=can(current_user, "edit", doc), **_labels())


@bp.post("/c/<slug>/plans/<int:plan_id>/sections/<int:section_id>/restore")
def restore_revision(slug: str, plan_id: int, section_id: int):
    """Bring back an earlier revision as a new one (history is never rewritten)."""
    doc = load_plan(slug, plan_id, "edit")
    item = load_section(doc, section_id)
    version = form_value("version", numbers(1), 0)
    try:
        services.restore_revision(item, version, actor=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("plans.section_history", slug=slug, plan_id=plan_id, section_id=section_id))
    db.session.commit()
    flash(_("Version %(version)d is back, as a new revision.", version=version), "success")
    return redirect(_plan_path(doc, item))


# --- comments ------------------------------------------------------------------------------------


def _comments_context(doc: PlanDoc, section: PlanSection, form: CommentForm | None = None) -> dict[str, Any]:
    return dict(community=doc.community, doc=doc, section=section, comments=services.comments_of(section),
                comment_counts=services.open_comment_counts(doc), refresh_badge=wants_fragment(),
                form=form or CommentForm(formdata=None), **_labels())


@bp.get("/c/<slug>/plans/<int:plan_id>/sections/<int:section_id>/comments")
def comments(slug: str, plan_id: int, section_id: int):
    doc = load_plan(slug, plan_id)
    item = load_section(doc, section_id)
    template = "plans/_comments.html" if wants_fragment() else "plans/comments.html"
    return render_page(template, **_comments_context(doc, item))


@bp.post("/c/<slug>/plans/<int:plan_id>/sections/<int:section_id>/comments")
def add_comment(slug: str, plan_id: int, section_id: int):
    doc = load_plan(slug, plan_id, "comment")
    item = load_section(doc, section_id)
    form = CommentForm()
    template = "plans/_comments.html" if wants_fragment() else "plans/comments.html"
    if form.validate():
        parent = None
        parent_id = read(form.parent_id.data, parse_id)
        if parent_id:
            parent = db.session.get(PlanComment, parent_id)
            if parent is None or parent.section_id != item.id:
                abort(404)
        try:
            services.add_comment(item, form.body.data, actor=current_user, parent=parent)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            if not wants_fragment():
                return redirect(url_for("plans.comments", slug=slug, plan_id=plan_id, section_id=section_id))
            return render_page(template, **_comments_context(doc, item))
    return render_page(template, status=422, **_comments_context(doc, item, form))


@bp.post("/c/<slug>/plans/<int:plan_id>/comments/<int:comment_id>/<any(resolve, reopen):action>")
def resolve_comment(slug: str, plan_id: int, comment_id: int, action: str):
    doc = load_plan(slug, plan_id, "comment")
    comment = db.session.get(PlanComment, comment_id)
    if comment is None or comment.doc_id != doc.id:
        abort(404)
    services.set_resolved(comment, action == "resolve", actor=current_user)
    db.session.commit()
    item = load_section(doc, comment.section_id)
    if not wants_fragment():
        return redirect(url_for("plans.comments", slug=slug, plan_id=plan_id, section_id=item.id))
    return render_page("plans/_comments.html", **_comments_context(doc, item))


# --- status, adaptations, lessons, rounds ---------------------------------------------------------


@bp.post("/c/<slug>/plans/<int:plan_id>/status")
def set_status(slug: str, plan_id: int):
    doc = load_plan(slug, plan_id)
    wanted = request.form.get("status", "")
    if wanted == doc.status and wanted in services.STATUS_LABELS:  # pressed again, or from a second tab
        flash(_("The plan is already: %(status)s.", status=_(services.STATUS_LABELS[doc.status])), "info")
        return redirect(_plan_path(doc))
    try:
        services.set_status(doc, request.form.get("status", ""), actor=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("The plan is now: %(status)s.", status=_(services.STATUS_LABELS[doc.status])), "success")
    return redirect(_plan_path(doc))


@bp.post("/c/<slug>/plans/<int:plan_id>/adapt")
def adapt(slug: str, plan_id: int):
    """Make (or open) one's own copy of the shared plan for one's class (二次備課)."""
    doc = load_plan(slug, plan_id)
    existing = services.adaptation_by(doc, current_user)
    if existing is None:
        require(can(current_user, "adapt", doc))
    elif not existing.live:  # one's own adaptation in the trash comes back, if it may
        require(can(current_user, "restore", existing))
    try:
        copy = services.adapt(doc, actor=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(_plan_path(doc))
    db.session.commit()
    if existing is None:
        flash(_("Your adaptation is ready: change what your class needs; the shared plan stays as it is."), "success")
    return redirect(_plan_path(copy))


@bp.post("/c/<slug>/plans/<int:plan_id>/lessons")
def record_lesson(slug: str, plan_id: int):
    """After teaching: the date, the class and the reflection (課後反思), on one's adaptation."""
    doc = load_plan(slug, plan_id, "record_lesson")
    form = LessonForm()
    if validate_all(form, lambda: services.check_lesson(form.taught_on.data, form.class_name.data,
                                                        form.reflection.data)):
        lessons = _plan_path(doc) + "#lessons"
        try:
            once = claim(form.once_token, current_user, fallback=lessons)
            if once.repeat is not None:
                db.session.rollback()
                flash(ALREADY_SAVED, "info")
                return redirect(once.repeat)
            services.record_lesson(doc, taught_on=form.taught_on.data, class_name=form.class_name.data,
                                   reflection=form.reflection.data, actor=current_user)
            once.answered(lessons)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("The lesson and its reflection are recorded; the shared plan shows them."), "success")
            return redirect(_plan_path(doc) + "#lessons")
    doc = load_plan(slug, plan_id)
    context = _show_context(doc)
    context["lesson_form"] = form
    return render_page("plans/show.html", status=422, **context)


@bp.route("/c/<slug>/plans/<int:plan_id>/lessons/<int:lesson_id>", methods=["GET", "POST"])
def edit_lesson(slug: str, plan_id: int, lesson_id: int):
    doc = load_plan(slug, plan_id, "record_lesson")
    lesson = db.session.get(LessonTaught, lesson_id)
    if lesson is None or lesson.doc_id != doc.id:
        abort(404)
    form = LessonForm(obj=lesson) if request.method == "GET" else LessonForm()
    if request.method == "POST" and validate_all(form, lambda: services.check_lesson(
            form.taught_on.data, form.class_name.data, form.reflection.data)):
        try:
            services.update_lesson(lesson, taught_on=form.taught_on.data, class_name=form.class_name.data,
                                   reflection=form.reflection.data, actor=current_user)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(_plan_path(doc) + "#lessons")
    return render_page("plans/lesson_edit.html", community=doc.community, doc=doc, lesson=lesson, form=form,
                       status=200 if request.method == "GET" else 422)


@bp.post("/c/<slug>/plans/<int:plan_id>/round")
def new_round(slug: str, plan_id: int):
    """Start the next round from this final plan and the reflections on it."""
    doc = load_plan(slug, plan_id, "new_round")
    started = services.next_round_of(doc)
    if started is not None:  # pressed twice, or from a second tab: the round that was started
        flash(_("Round %(round)d was already started from this plan: here it is.", round=started.round), "info")
        return redirect(_plan_path(started))
    following = services.start_new_round(doc, actor=current_user)
    db.session.commit()
    flash(_("Round %(round)d starts from the final plan; the reflections are in its last section.",
            round=following.round), "success")
    return redirect(_plan_path(following))


# --- links, publishing, trash ----------------------------------------------------------------------


def _link_form(form: LinkForm | None = None) -> LinkForm:
    """The link form; its resource or activity choices load when the picker is opened (link_choices)."""
    form = form or LinkForm(formdata=None)
    form.role.choices = [("meeting", _("the planning meeting")), ("observation", _("an observation of the lesson"))]
    return form


@bp.get("/c/<slug>/plans/<int:plan_id>/links/choices")
def link_choices(slug: str, plan_id: int):
    """The options of the link picker, loaded when it is opened (and as the search box is typed in)."""
    doc = load_plan(slug, plan_id, "link")
    choices = services.link_choices(doc, clean_line(request.args.get("q", ""))[:100])
    options = [(f"resource:{item.id}", _("Resource: %(title)s", title=item.title)) for item in choices["resource"]]
    options += [(f"activity:{item.id}", _("Activity: %(title)s (%(date)s)", title=item.title,
                                          date=format_date(item.starts_at, "medium")))
                for item in choices["activity"]]
    return render_page("plans/_link_choices.html", options=options)


@bp.post("/c/<slug>/plans/<int:plan_id>/links")
def add_link(slug: str, plan_id: int):
    doc = load_plan(slug, plan_id, "link")
    form = _link_form(LinkForm())
    kind, _sep, raw_id = (form.target.data or "").partition(":")
    try:
        services.link_target(doc, kind, read(raw_id, parse_id), form.role.data or "", actor=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("Linked."), "success")
    return redirect(_plan_path(doc) + "#links")


@bp.post("/c/<slug>/plans/<int:plan_id>/links/<int:link_id>/remove")
def remove_link(slug: str, plan_id: int, link_id: int):
    doc = load_plan(slug, plan_id, "link")
    link = db.session.get(links.Link, link_id)
    if link is None or (link.from_type, link.from_id) != ("plan", doc.id) or link.role not in services.PLAN_ROLES:
        abort(404)
    services.unlink(doc, link, actor=current_user)
    db.session.commit()
    flash(_("The link is removed."), "success")
    return redirect(_plan_path(doc) + "#links")


@bp.post("/c/<slug>/plans/<int:plan_id>/publish")
def publish(slug: str, plan_id: int):
    """Put the final plan in the library as a lesson plan (again: a new version of the same resource); first, when
    some of its readers could not see a picture of it, say which (publishing it as it is stays one button away)."""
    doc = load_plan(slug, plan_id, "publish")
    if request.form.get("pictures") != "accepted":  # asked once: the pictures its readers would see broken
        hidden = services.pictures_hidden_from_copy(doc)
        if hidden:
            return render_page("plans/show.html", status=409, hidden_pictures=hidden, **_show_context(doc))
    resource = services.publish(doc, actor=current_user)
    db.session.commit()
    flash(_("The plan is in the library."), "success")
    return redirect(url_for("resources.show", slug=slug, resource_id=resource.id))


@bp.post("/c/<slug>/plans/<int:plan_id>/delete")
def delete(slug: str, plan_id: int):
    doc = load_plan(slug, plan_id)
    change_and_say(current_user, "delete", doc, lambda: services.trash_plan(doc, actor=current_user),
                   _("The plan is in the trash; it can be restored from there."))
    return redirect(url_for("plans.index", slug=slug))


@bp.post("/c/<slug>/plans/<int:plan_id>/restore")
def restore(slug: str, plan_id: int):
    doc = load_plan(slug, plan_id)
    change_and_say(current_user, "restore", doc, lambda: services.restore_plan(doc, actor=current_user),
                   _("The plan is restored."))
    return redirect(_plan_path(doc))


# --- a plan published to the library, adapted in one's own community (改編) ----------------------------------


def load_published_plan(slug: str, resource_id: int) -> Resource:
    """A plan published to the library (a written resource published from a plan) that the reader may read; else
    404, to an outsider as to anyone: nothing of the source plan shows here but what was published."""
    resource = db.session.get(Resource, resource_id)
    version = resource.current_version if resource is not None else None
    if (resource is None or resource.community.slug != slug or not resource.live or version is None
            or not version.is_text or not can(current_user, "view", resource)
            or services.published_plan_of(resource) is None):
        abort(404)
    return resource


def _library_form(communities: list[Community], form: LibraryAdaptationForm | None = None) -> LibraryAdaptationForm:
    form = form or LibraryAdaptationForm(formdata=None)
    form.community.choices = [(str(community.id), community.name) for community in communities]
    return form


def _writable_communities() -> list[Community]:
    """Where the reader may start the plan: refused (403) when nowhere (a guest expert, a reviewer)."""
    communities = services.adaptable_communities(current_user)
    if not communities:
        deny(reason=_("You can start a plan only in a community where you are a member."))
    return communities


@bp.get("/c/<slug>/resources/<int:resource_id>/adapt")
def new_from_library(slug: str, resource_id: int):
    """Choose the community where a plan published to the library is adapted: a new plan there from its sections."""
    resource = load_published_plan(slug, resource_id)
    form = _library_form(_writable_communities())
    return render_page("plans/from_library.html", resource=resource, form=form)


@bp.post("/c/<slug>/resources/<int:resource_id>/adapt")
def create_from_library(slug: str, resource_id: int):
    """Start a plan in one of the reader's communities from the published version's sections, linked to it."""
    resource = load_published_plan(slug, resource_id)
    communities = _writable_communities()
    form = _library_form(communities, LibraryAdaptationForm())
    chosen = next((community for community in communities if str(community.id) == form.community.data), None)
    if chosen is None:
        form.community.errors = [_("Choose one of your communities.")]
        return render_page("plans/from_library.html", resource=resource, form=form, status=422)
    try:
        once = claim(form.once_token, current_user,
                     fallback=url_for("resources.show", slug=slug, resource_id=resource.id))
        if once.repeat is not None:
            db.session.rollback()
            flash(ALREADY_SAVED, "info")
            return redirect(once.repeat)
        copy = services.adapt_published(resource, chosen, actor=current_user)
        once.answered(_plan_path(copy))
    except DomainError as error:
        db.session.rollback()
        attach_error(form, error)
        return render_page("plans/from_library.html", resource=resource, form=form, status=422)
    db.session.commit()
    flash(_("The plan is ready in %(community)s: adapt it to your classes.", community=chosen.name), "success")
    return redirect(_plan_path(copy))


def library_adaptation_url(resource: Resource) -> str | None:
    """Where the reader of a resource's page adapts it in their own community: a plan published to the library,
    for a reader who may start a plan somewhere (else None: no button). Two small queries, on that page only."""
    if not getattr(current_user, "is_authenticated", False) or not resource.live:
        return None
    version = resource.current_version
    if version is None or not version.is_text or services.published_plan_of(resource) is None:
        return None
    if not services.adaptable_communities(current_user):
        return None
    return url_for("plans.new_from_library", slug=resource.community.slug, resource_id=resource.id)


# --- export and print ----------------------------------------------------------------------------


def _linked_rows(doc: PlanDoc) -> DocxLinked:
    """The plan's resources and activities as its page lists them (the same words), for its Word file."""
    rows = []
    for item in services.links_of(doc):
        if item.link.to_type == "resource":
            rows.append((_("Resource"), item.target.title, ""))
        else:
            rows.append((_("Planning meeting") if item.link.role == "meeting" else _("Observation"), item.target.title,
                         local_span(item.target.starts_at, item.target.ends_at, "medium")))
    return DocxLinked(_("Resources and activities"), (_("Kind"), _("Title"), _("When")), rows)


@bp.get("/c/<slug>/plans/<int:plan_id>/export.docx")
def export_docx(slug: str, plan_id: int):
    """The plan as a Word document (headings and tables kept)."""
    doc = load_plan(slug, plan_id)
    footer = _("%(community)s · exported %(date)s", community=doc.community.name,
               date=format_date(utcnow(), "medium"))
    # An adaptation says whose it is (its file was named like the shared plan's) and holds the lessons taught from
    # it with their reflections, as its page does.
    title = (_("%(title)s (adaptation by %(name)s)", title=doc.topic,
               name=doc.owner.display_name if doc.owner else _("a former member")) if doc.adaptation else doc.topic)
    sections = [DocxSection(services.section_title(item), item.body) for item in doc.sections]
    sections += [DocxSection(_("Lesson taught on %(date)s, %(class_name)s", date=format_date(lesson.taught_on),
                                class_name=lesson.class_name), lesson.reflection or "—")
                 for lesson in services.lessons_of(doc)]
    # The pictures the page shows from the library, as the reader sees them there (one they may not read: its alt).
    data = plan_docx(title=title, fields=services.field_rows(doc), footer=footer, language=current_locale_code(),
                     sections=sections, linked=_linked_rows(doc), image_source=library_pictures(current_user))
    name = titled_filename(title, "docx")
    record_event(current_user, "plans.exported", doc, doc.community, title=doc.topic)  # every export is traced
    db.session.commit()
    return send_built(data, name, DOCX_TYPE, ascii_name=f"lesson-plan-{doc.id}.docx")


@bp.get("/c/<slug>/plans/<int:plan_id>/print")
def print_view(slug: str, plan_id: int):
    """The plan laid out for paper (A4), without the page's controls."""
    doc = load_plan(slug, plan_id)
    return render_page("plans/print.html", community=doc.community, doc=doc, sections=list(doc.sections),
                       field_rows=services.field_rows(doc), **_labels())


# --- templates -----------------------------------------------------------------------------------


@bp.get("/c/<slug>/plans/templates")
def templates(slug: str):
    community = load_community(slug, "read_material")
    return render_page("plans/templates.html", community=community, templates=services.templates_of(community),
                       default_sections=services.DEFAULT_SECTIONS, form=TemplateForm(formdata=None),
                       can_manage=can(current_user, "manage_plan_templates", community))


@bp.post("/c/<slug>/plans/templates")
def create_template(slug: str):
    community = load_community(slug, "manage_plan_templates")
    form = TemplateForm()
    if form.validate():
        try:
            template = services.create_template(community, form.name.data, actor=current_user)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            return redirect(url_for("plans.edit_template", slug=slug, template_id=template.id))
    return render_page("plans/templates.html", community=community, templates=services.templates_of(community),
                       default_sections=services.DEFAULT_SECTIONS, form=form, can_manage=True, status=422)


def _load_template(community: Community, template_id: int):
    template = services.load_template(community, template_id)
    if template is None:
        abort(404)
    return template


def _template_page(community: Community, template: Any, *, form: TemplateForm | None = None,
                   section_form: TemplateSectionForm | None = None, editing: int | None = None,
                   status: int = 200):
    return render_page("plans/template_edit.html", community=community, plan_template=template,
                       form=form or TemplateForm(formdata=None, name=template.name),
                       section_form=section_form or TemplateSectionForm(formdata=None), editing=editing,
                       status=status)


@bp.route("/c/<slug>/plans/templates/<int:template_id>", methods=["GET", "POST"])
def edit_template(slug: str, template_id: int):
    """Rename a template; add, rename, reorder and remove its sections, with guidance per section."""
    community = load_community(slug, "manage_plan_templates")
    template = _load_template(community, template_id)
    if request.method == "GET":
        return _template_page(community, template)
    form = TemplateForm()
    try:
        services.rename_template(template, form.name.data, actor=current_user)
    except DomainError as error:
        db.session.rollback()
        attach_error(form, error)
        return _template_page(community, _load_template(community, template_id), form=form, status=422)
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("plans.edit_template", slug=slug, template_id=template_id))


@bp.post("/c/<slug>/plans/templates/<int:template_id>/sections")
def add_template_section(slug: str, template_id: int):
    community = load_community(slug, "manage_plan_templates")
    template = _load_template(community, template_id)
    form = TemplateSectionForm()
    try:
        services.add_template_section(template, form.title.data, form.guidance.data, actor=current_user)
    except DomainError as error:
        db.session.rollback()
        attach_error(form, error)
        return _template_page(community, _load_template(community, template_id), section_form=form, status=422)
    db.session.commit()
    return redirect(url_for("plans.edit_template", slug=slug, template_id=template_id))


def _template_section(template: Any, section_id: int) -> TemplateSection:
    item = db.session.get(TemplateSection, section_id)
    if item is None or item.template_id != template.id:
        abort(404)
    return item


@bp.post("/c/<slug>/plans/templates/<int:template_id>/sections/<int:section_id>")
def update_template_section(slug: str, template_id: int, section_id: int):
    community = load_community(slug, "manage_plan_templates")
    template = _load_template(community, template_id)
    item = _template_section(template, section_id)
    action = request.form.get("action", "save")
    form = TemplateSectionForm()
    try:
        if action in {"up", "down"}:
            services.move_template_section(item, -1 if action == "up" else 1, actor=current_user)
        elif action == "delete":
            services.delete_template_section(item, actor=current_user)
        else:
            services.update_template_section(item, form.title.data, form.guidance.data, actor=current_user)
    except DomainError as error:
        db.session.rollback()
        if action == "save":
            attach_error(form, error)
            return _template_page(community, _load_template(community, template_id), section_form=form,
                                  editing=section_id, status=422)
        flash(error.message, "error")
    else:
        db.session.commit()
    return redirect(url_for("plans.edit_template", slug=slug, template_id=template_id))


@bp.post("/c/<slug>/plans/templates/<int:template_id>/delete")
def delete_template(slug: str, template_id: int):
    community = load_community(slug, "manage_plan_templates")
    services.delete_template(_load_template(community, template_id), actor=current_user)
    db.session.commit()
    flash(_("The template is removed. Plans made from it keep their sections."), "success")
    return redirect(url_for("plans.templates", slug=slug))


# What core shows of this area is registered with its blueprint: core imports no area.
bp.record_once(lambda _setup: audit.register())
# The library's page of a published plan offers "Adapt in my community" through this (the library imports no plans).
bp.add_app_template_global(library_adaptation_url)
