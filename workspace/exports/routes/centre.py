"""The community's exports page (匯出): per enrolment, every document to download or build, in the chosen
language; and the background jobs with their progress and file."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, redirect, request, url_for
from flask_login import current_user

from workspace.communities import records as community_records
from workspace.communities.access import load_community
from workspace.compliance import services as compliance
from workspace.compliance import wording as compliance_wording
from workspace.core.errors import ValidationError
from workspace.core.forms import EmptyForm
from workspace.core.htmx import render_page
from workspace.core.parsing import form_value, parse_id
from workspace.core.permissions import can, require
from workspace.core.storage import send_blob
from workspace.exports import jobs, report, wording
from workspace.exports.files import LANGUAGES
from workspace.exports.models import ExportJob
from workspace.exports.routes import bp, export_language, limit_builds, load_enrollment
from workspace.extensions import db

JOB_POLL_SECONDS = 1
PHOTO_CHOICES = ("2", "4", "all")  # photos of each activity the report places (the page offers 4 first)


@bp.get("/c/<slug>/exports/")
def centre(slug: str):
    """Every enrolment the reader may export, with its documents; their own recent background jobs."""
    return _centre_page(load_community(slug))


def _centre_page(community: Any, *, status: int = 200, template_errors: dict[int, str] | None = None) -> Response:
    # the withdrawn ones after the live: judged no more, their records still asked for
    enrollments = [enrollment for enrollment in [*compliance.enrollments_of(community.id),
                                                 *compliance.withdrawn_enrollments_of(community.id)]
                   if can(current_user, "export", enrollment)]
    require(bool(enrollments) or can(current_user, "read_activities", community))
    recent = [job for job in jobs.jobs_of(current_user) if job.community_id == community.id]
    # The application's members table reads each member's subjects from their profile: say whose are missing here,
    # where the convener can still have them added, not in a form already handed in with gaps.
    without_subjects = [member.display_name for member in community_records.current_members([community.id])
                        if not member.subjects] if enrollments else []
    without_subjects_names = compliance_wording.listing(without_subjects)
    return render_page("exports/centre.html", community=community, enrollments=enrollments,
                       without_subjects=without_subjects, without_subjects_names=without_subjects_names,
                       templates=report.offered_templates(enrollments), template_errors=template_errors or {},
                       jobs=recent, language=export_language(), languages=LANGUAGES,
                       language_names=wording.LANGUAGE_NAMES, wording=wording, form=EmptyForm(formdata=None),
                       status=status)


@bp.post("/c/<slug>/exports/<int:enrollment_id>/jobs")
@limit_builds
def start_job(slug: str, enrollment_id: int):
    """Build the results report in the background (with a funder's template offered for its program)."""
    community, enrollment = load_enrollment(slug, enrollment_id)
    require(EmptyForm().validate())
    kind = request.form.get("kind", "")
    if kind not in jobs.BUILDERS:
        abort(422)
    options = {}
    template_id = form_value("template_id", parse_id)  # no id at all: 404, as a malformed address
    if template_id:
        try:
            options["template_id"] = report.offered_template(enrollment, template_id).id
        except ValidationError as error:  # trashed, with problems, unknown, or another program's
            return _centre_page(community, status=422, template_errors={enrollment.id: error.message})
    most = request.form.get("photos_per_activity", "all")
    if most not in PHOTO_CHOICES:
        abort(422)
    if most != "all":
        options["photos_per_activity"] = int(most)
    started = jobs.start(kind, current_user, enrollment=enrollment, language=export_language(), options=options)
    return redirect(url_for("exports.job", slug=community.slug, job_id=started.id))


def _load_job(slug: str, job_id: int) -> tuple[object, ExportJob]:
    community = load_community(slug)
    found = db.session.get(ExportJob, job_id)
    if found is None or found.community_id != community.id:
        abort(404)
    require(can(current_user, "view", found), hide=True)
    return community, found


@bp.get("/c/<slug>/exports/jobs/<int:job_id>")
def job(slug: str, job_id: int):
    """A background export: its progress while it runs (the page asks every second), then its file."""
    community, found = _load_job(slug, job_id)
    return render_page("exports/job.html", "exports/_job.html", community=community, job=found,
                       wording=wording, poll_seconds=JOB_POLL_SECONDS)


@bp.get("/c/<slug>/exports/jobs/<int:job_id>/file")
def job_file(slug: str, job_id: int):
    """The file a finished job built (kept: it is the same file each time it is downloaded)."""
    _community, found = _load_job(slug, job_id)
    if found.blob is None:
        abort(404)
    return send_blob(found.blob, found.filename, ascii_name=jobs.plain_file_name(found))
