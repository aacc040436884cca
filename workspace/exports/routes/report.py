"""The results report's own texts (preface, change in school culture, chosen comments, the cited video) and the
funders' DOCX templates (admins: upload, check, trash, put back)."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from workspace.activities import records as activity_records
from workspace.compliance.gather import program_period
from workspace.compliance.models import Program
from workspace.core.errors import Conflict, DomainError
from workspace.core.forms import EmptyForm, attach_error
from workspace.core.htmx import render_page
from workspace.core.i18n import in_reader_script, local_date
from workspace.core.permissions import can, require
from workspace.core.storage import UploadRejected, store_uploads
from workspace.exports import report
from workspace.exports import templates as funder_templates
from workspace.exports.content import report_text_of
from workspace.exports.files import DOCX, ExportFile
from workspace.exports.forms import ReportTextsForm, TemplateForm
from workspace.exports.models import FunderTemplate
from workspace.exports.routes import bp, load_enrollment, send_export
from workspace.extensions import db


def _texts_choices(form: ReportTextsForm, enrollment) -> dict:
    """Fill the form's choices from the period's records; return what the page lists beside them."""
    period = program_period(enrollment.program)
    ids = [enrollment.community_id]
    held = {row.id: row for row in activity_records.held_activities(ids, period)}
    comments = [row for row in activity_records.feedback_comments(ids, period) if row.activity_id in held]
    videos = activity_records.report_videos(ids, period)  # a pair's private record's video is not offered
    with_video = list(dict.fromkeys(row.activity_id for row in videos))
    form.chosen_feedback_ids.choices = [(row.id, row.comment) for row in comments]
    form.video_activity_id.choices = [("", _("The first activity with a video"))] + [
        (activity_id, f"{local_date(held[activity_id].starts_at)} {held[activity_id].title}")
        for activity_id in with_video]
    return {"comments": comments, "titles": {activity_id: row.title for activity_id, row in held.items()}}


@bp.route("/c/<slug>/exports/<int:enrollment_id>/texts", methods=["GET", "POST"])
def report_texts(slug: str, enrollment_id: int):
    """Write the report's preface and change in school culture; choose the comments and the video it cites."""
    community, enrollment = load_enrollment(slug, enrollment_id, "write_report")
    kept = report_text_of(enrollment)
    if request.method == "GET":
        form = ReportTextsForm(formdata=None)
        form.preface.data = kept.preface if kept else ""
        form.culture_change.data = kept.culture_change if kept else ""
        form.chosen_feedback_ids.data = list(kept.chosen_feedback_ids or ()) if kept else []
        form.video_activity_id.data = kept.video_activity_id if kept else None
        form.version.data = kept.version if kept else 0
        listed = _texts_choices(form, enrollment)
        return render_page("exports/report_texts.html", community=community, enrollment=enrollment, form=form,
                           **listed)
    form = ReportTextsForm()
    listed = _texts_choices(form, enrollment)
    status = 422
    if form.validate():
        try:
            report.save_texts(enrollment, preface=form.preface.data or "",
                              culture_change=form.culture_change.data or "",
                              chosen_feedback_ids=form.chosen_feedback_ids.data or [],
                              video_activity_id=form.video_activity_id.data, version=form.version.data,
                              actor=current_user)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
            if isinstance(error, Conflict):
                status = 409
                current = report_text_of(enrollment)
                form.version.data = current.version if current else 0
        else:
            db.session.commit()
            flash(_("The report's texts are saved."), "success")
            return redirect(url_for("exports.report_texts", slug=community.slug, enrollment_id=enrollment.id))
    return render_page("exports/report_texts.html", community=community, enrollment=enrollment, form=form,
                       status=status, **listed)


# -- funders' templates (admins) -------------------------------------------------------------------------------


def _require_manager() -> None:
    """Admins only; everyone else gets 404 (the admin pages are not advertised)."""
    require(can(current_user, "manage_templates"), hide=True)


def _templates_page(form: TemplateForm, status: int = 200):
    rows = list(db.session.scalars(select(FunderTemplate).order_by(FunderTemplate.name, FunderTemplate.id)))
    programs = list(db.session.scalars(select(Program).where(Program.live).order_by(Program.name)))
    form.program_id.choices = [("", _("Any program"))] + [(program.id, in_reader_script(program.name))
                                                         for program in programs]
    return render_page("exports/templates.html", form=form, status=status,
                       live=[row for row in rows if row.deleted_at is None],
                       trashed=[row for row in rows if row.deleted_at is not None],
                       problem_text=funder_templates.problem_text, context_names=funder_templates.CONTEXT_NAMES,
                       action_form=EmptyForm(formdata=None))


@bp.get("/admin/exports/templates")
def templates():
    """The funders' templates: each with the placeholders found and its problems by name; the trash below."""
    _require_manager()
    return _templates_page(TemplateForm(formdata=None))


@bp.get("/admin/exports/templates/default.docx")
def default_template():
    """The template that ships with the app: every placeholder in place, a start for a funder's own format."""
    _require_manager()
    return send_export(ExportFile(_("Default results report template") + ".docx", DOCX,
                                  data=funder_templates.DEFAULT_TEMPLATE.read_bytes()))


@bp.post("/admin/exports/templates")
def upload_template():
    """Upload a funder's DOCX: checked, kept with its placeholders and problems (refused when it is no DOCX)."""
    _require_manager()
    form = TemplateForm()
    _templates_page(form)  # fills the program choices the form validates against
    uploads = [upload for upload in request.files.getlist("file") if upload and upload.filename]
    if not form.validate():
        return _templates_page(form, 422)
    if len(uploads) != 1:
        form.file.errors = [_("Choose one Word document (.docx).")]
        return _templates_page(form, 422)
    program_id = form.program_id.data
    if program_id is not None and db.session.get(Program, program_id) is None:
        form.program_id.errors = [_("Choose a program from the list.")]
        return _templates_page(form, 422)
    try:
        stored = store_uploads(uploads)[0]
        template = funder_templates.add_template(stored, form.name.data or "", current_user, program_id=program_id)
    except UploadRejected as error:
        db.session.rollback()
        form.file.errors = [error.message]
        return _templates_page(form, 413 if error.reason == "too_large" else 422)
    except DomainError as error:
        db.session.rollback()
        attach_error(form, error)
        return _templates_page(form, 422)
    db.session.commit()
    if template.problems:
        flash(_("The template is kept, but it is not offered until its problems are fixed."), "warning")
    else:
        flash(_("The template is checked and offered with the results report."), "success")
    return redirect(url_for("exports.templates", _anchor=f"template-{template.id}"))


def _load_template(template_id: int) -> FunderTemplate:
    _require_manager()
    template = db.session.get(FunderTemplate, template_id)
    if template is None:
        abort(404)
    require(can(current_user, "manage", template), hide=True)
    require(EmptyForm().validate())
    return template


@bp.post("/admin/exports/templates/<int:template_id>/trash")
def trash_template(template_id: int):
    """Move a template to the trash: no longer offered (kept, to put back)."""
    template = _load_template(template_id)
    if template.deleted_at is None:
        funder_templates.trash_template(template, current_user)
        db.session.commit()
    flash(_("The template is in the trash."), "success")
    return redirect(url_for("exports.templates"))


@bp.post("/admin/exports/templates/<int:template_id>/restore")
def restore_template(template_id: int):
    """Put a trashed template back."""
    template = _load_template(template_id)
    if template.deleted_at is not None:
        funder_templates.trash_template(template, current_user, restore=True)
        db.session.commit()
    flash(_("The template is back."), "success")
    return redirect(url_for("exports.templates"))
