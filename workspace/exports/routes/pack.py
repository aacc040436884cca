"""The evidence pack (a streamed ZIP) and a submission's frozen files.

The pack's rows are read and its audit event committed before the first byte; the response then streams files
from disk, after the request has ended (its session is not touched again). The report and the ledgers are built
when the stream reaches them (after the activity folders), each in an app context and session of its own.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from workspace.compliance.models import Submission, SubmissionStatus
from workspace.compliance.services import review
from workspace.core.database import utcnow
from workspace.core.errors import DomainError
from workspace.core.forms import EmptyForm
from workspace.core.permissions import can, require
from workspace.core.records import local_day
from workspace.core.storage import send_blob, send_built
from workspace.exports import audit, jobs, pack
from workspace.exports.files import ZIP
from workspace.exports.models import ExportJob, JobStatus, SubmissionFile
from workspace.exports.routes import bp, export_language, limit_builds, load_enrollment
from workspace.extensions import db


@bp.get("/c/<slug>/exports/<int:enrollment_id>/evidence.zip")
@limit_builds
def evidence_pack(slug: str, enrollment_id: int):
    """The enrolment's evidence pack, streamed: activity folders first, then report, ledgers, manifest, sums."""
    community, enrollment = load_enrollment(slug, enrollment_id)
    language = export_language()
    planned = pack.plan_pack(enrollment, language)  # every row read now: the stream reads only files
    audit.exported(current_user, "evidence_pack", enrollment, community, language=language)
    db.session.commit()
    response = send_built(planned.chunks(), planned.filename, ZIP,
                          ascii_name=pack.ascii_pack_name(planned, enrollment.program.code))
    response.headers["X-Accel-Buffering"] = "no"  # a proxy passes the stream on as it comes
    return response


@bp.get("/c/<slug>/compliance/<int:enrollment_id>/submissions/<int:submission_id>/files/<int:file_id>")
def submission_file(slug: str, enrollment_id: int, submission_id: int, file_id: int):
    """One frozen file of a submission, exactly as it was handed to the funder."""
    community, enrollment = load_enrollment(slug, enrollment_id)
    submission = db.session.get(Submission, submission_id)
    found = db.session.get(SubmissionFile, file_id)
    if submission is None or submission.enrollment_id != enrollment.id or found is None \
            or found.submission_id != submission.id:
        abort(404)
    require(can(current_user, "view", found))
    audit.exported(current_user, found.kind, submission, community, language="", frozen=True,
                   number=submission.number)
    db.session.commit()
    return send_blob(found.blob, found.filename)


@bp.post("/c/<slug>/compliance/<int:enrollment_id>/submissions/<int:submission_id>/files/<int:file_id>/deliver")
def deliver_report(slug: str, enrollment_id: int, submission_id: int, file_id: int):
    """Mark the results report delivered today with this round's frozen report (the deliverable the rule reads)."""
    community, enrollment = load_enrollment(slug, enrollment_id, "manage_budget")
    submission = db.session.get(Submission, submission_id)
    found = db.session.get(SubmissionFile, file_id)
    if submission is None or submission.enrollment_id != enrollment.id or found is None \
            or found.submission_id != submission.id or found.kind != "results_report":
        abort(404)
    require(EmptyForm().validate())
    if submission.status == SubmissionStatus.RETURNED.value:  # sent back: not the report to hand to the funder
        flash(returned_report_text(), "error")
        return redirect(url_for("compliance.submission", slug=community.slug, enrollment_id=enrollment.id,
                                submission_id=submission.id))
    try:
        review.mark_done(enrollment, "results_report", local_day(utcnow()),
                         _("Round %(number)d, as submitted", number=submission.number), current_user, stored=found)
        db.session.commit()
        flash(_("The results report is marked delivered."), "success")
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
    return redirect(url_for("compliance.panel", slug=community.slug) + f"#deliverables-{enrollment.id}")


def returned_report_text() -> str:
    """Why a returned round's report is not marked delivered, in the reader's language."""
    return _("The reviewers returned this round: its report is not the one to hand to the funder. Submit again, "
             "then mark the new round's report delivered.")


def submission_files(submission: Any) -> list[SubmissionFile]:
    """A submission's frozen files, in the order they were kept."""
    if submission is None or getattr(submission, "id", None) is None:
        return []
    return list(db.session.scalars(select(SubmissionFile).where(SubmissionFile.submission_id == submission.id)
                                   .order_by(SubmissionFile.id)))


def submission_freeze(submission: Any) -> ExportJob | None:
    """The latest job freezing a submission's files (to say they are being prepared, or could not be)."""
    if submission is None or getattr(submission, "id", None) is None:
        return None
    return db.session.scalar(select(ExportJob).where(ExportJob.submission_id == submission.id)
                             .order_by(ExportJob.id.desc()).limit(1))


# A freeze takes minutes at most; one still unfinished after this long died with its worker (or never started).
FREEZE_STALLED_AFTER = dt.timedelta(minutes=30)


def freeze_may_restart(submission: Any, freezing: ExportJob | None) -> bool:
    """Whether a submission's files may be prepared again: none were kept and the last try failed, stalled, or
    never was (a queue that could not take it)."""
    if submission_files(submission):
        return False
    if freezing is None or freezing.status == JobStatus.FAILED.value:
        return True
    return not freezing.finished and utcnow() - freezing.created_at > FREEZE_STALLED_AFTER


@bp.post("/c/<slug>/compliance/<int:enrollment_id>/submissions/<int:submission_id>/freeze")
def freeze_again(slug: str, enrollment_id: int, submission_id: int):
    """Prepare a submission's files again after the first try failed or stalled (a full disk, a worker gone)."""
    community, enrollment = load_enrollment(slug, enrollment_id)
    submission = db.session.get(Submission, submission_id)
    if submission is None or submission.enrollment_id != enrollment.id:
        abort(404)
    require(EmptyForm().validate())
    if not freeze_may_restart(submission, submission_freeze(submission)):
        abort(409)  # kept already, or still being prepared
    started = jobs.start_freeze(submission, current_user, export_language())
    if started is None:
        flash(_("The files could not be queued. Tell your site admin (the error is in the server's log)."), "error")
    else:
        flash(_("The files of this round are being prepared again."), "success")
    return redirect(url_for("compliance.submission", slug=community.slug, enrollment_id=enrollment.id,
                            submission_id=submission.id) + f"#frozen-files-{submission.id}")


def delivered_report(enrollment: Any) -> Any:
    """The results report marked delivered for the enrolment (its one live record), or None: the submission's
    page says a frozen report is the one delivered instead of offering to mark it again."""
    if enrollment is None or getattr(enrollment, "id", None) is None:
        return None
    return next((item for item in review.deliverables_of([enrollment.id]).get(enrollment.id, ())
                 if item.item == "results_report"), None)


@bp.app_context_processor
def _frozen_files_helpers() -> dict[str, Any]:
    """The compliance pages list a submission's frozen files through these (templates/exports/_submission_files)."""
    return {"submission_files": submission_files, "submission_freeze": submission_freeze,
            "returned_report_text": returned_report_text,
            "freeze_may_restart": freeze_may_restart, "delivered_report": delivered_report}
