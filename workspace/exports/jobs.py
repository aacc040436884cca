"""Exports built in the background: a job row that records what was asked and how far it is, the queue job that
builds it, and the file kept when it is ready.

`start()` records the job and enqueues `run_export` (or, for a submission, the freezer); the job page polls the
row while a builder reports its progress (progress.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select

from workspace.compliance.models import Submission
from workspace.compliance.services import review
from workspace.core.database import reads_first, utcnow
from workspace.core.jobs import job
from workspace.exports import audit, freeze, report
from workspace.exports import wording as export_wording
from workspace.exports.files import ExportFile, Progress, ascii_export_name, language_or_default
from workspace.exports.models import ExportJob, JobStatus
from workspace.exports.progress import JobProgress, fail, keep_result
from workspace.extensions import db

Builder = Callable[[ExportJob, Progress], ExportFile]

# What each kind of background export runs. The builder reads the job's enrolment, language and options.
BUILDERS: dict[str, Builder] = {
    "results_report": report.job_builder,
}
KEEP_JOBS = 20  # a person's job list shows this many, newest first
KEEP_DAYS = 30  # a finished job is forgotten after this many days (a frozen submission's files are kept apart)
WAITING_MINUTES = 30  # a queued or running job this recent is the one a new ask for the same document gets


def start(kind: str, actor: Any, *, enrollment: Any = None, submission_id: int | None = None,
          language: str = "zh_Hant", options: dict[str, Any] | None = None) -> ExportJob:
    """Record a job for `kind` and put it on the queue (in tests it runs at once). Commits: the queue's worker
    reads the row from another process."""
    if kind not in BUILDERS and kind != "submission":
        raise ValueError(f"no background builder for {kind!r}")
    if kind != "submission":
        waiting = same_job_waiting(kind, actor, enrollment, language_or_default(language), options or {})
        if waiting is not None:
            return waiting
    export_job = ExportJob(kind=kind, requested_by_id=getattr(actor, "id", None),
                           community_id=getattr(enrollment, "community_id", None),
                           enrollment_id=getattr(enrollment, "id", None), submission_id=submission_id,
                           language=language_or_default(language), options=dict(options or {}))
    db.session.add(export_job)
    db.session.commit()
    enqueue(export_job)
    return export_job


def same_job_waiting(kind: str, actor: Any, enrollment: Any, language: str,
                     options: dict[str, Any]) -> ExportJob | None:
    """The person's job for the same document (kind, enrolment, language, options) still queued or running: a
    second click, or a script, gets that one instead of a copy on the queue. A job older than WAITING_MINUTES is
    not waited for (a worker that stopped mid-build leaves its job "running")."""
    candidates = db.session.scalars(select(ExportJob).where(
        ExportJob.requested_by_id == getattr(actor, "id", None), ExportJob.kind == kind,
        ExportJob.enrollment_id == getattr(enrollment, "id", None), ExportJob.language == language,
        ExportJob.status.in_([JobStatus.QUEUED.value, JobStatus.RUNNING.value]),
        ExportJob.created_at >= utcnow() - dt.timedelta(minutes=WAITING_MINUTES)).order_by(ExportJob.id))
    return next((job for job in candidates if dict(job.options or {}) == dict(options)), None)


def enqueue(export_job: ExportJob) -> None:
    """Put a recorded job on the queue: the submission freezer for `submission`, else the builder of its kind."""
    if export_job.kind == "submission":
        freeze.freeze_job(export_job.id)
    else:
        run_export(export_job.id)


def jobs_of(user: Any, *, enrollment_id: int | None = None) -> list[ExportJob]:
    """A person's recent jobs, newest first (of one enrolment when given)."""
    statement = select(ExportJob).where(ExportJob.requested_by_id == user.id)
    if enrollment_id is not None:
        statement = statement.where(ExportJob.enrollment_id == enrollment_id)
    return list(db.session.scalars(statement.order_by(ExportJob.created_at.desc(), ExportJob.id.desc())
                                   .limit(KEEP_JOBS)))


@job()
def run_export(job_id: int) -> None:
    """Build one queued export in its language, keep the file, and leave an audit event."""
    export_job = db.session.get(ExportJob, job_id)
    if export_job is None or export_job.finished:
        return
    progress = JobProgress(job_id)
    db.session.rollback()  # end the read that found the row: on SQLite its lock would hold the progress writes up
    # The moment the build is of: the builder reads the records as of it, and the file's names carry its day and
    # local time (report.job_builder, plain_file_name), so that two builds of one evening are two names.
    progress.write(status=JobStatus.RUNNING.value, started_at=utcnow(), step="figures")
    try:
        with reads_first(), force_locale(export_job.language):
            built = BUILDERS[export_job.kind](export_job, progress)
        keep_result(export_job, built)
        audit.exported(export_job.requested_by, export_job.kind, export_job.enrollment or export_job,
                       export_job.community, language=export_job.language, action="export.built")
        db.session.commit()
    except Exception as error:  # a failed export tells its person, never leaves a job "running" for ever
        current_app.logger.exception("export job %s failed", job_id)
        fail(job_id, f"{type(error).__name__}: {error}")
        audit.exported(export_job.requested_by, export_job.kind, export_job, export_job.community,
                       language=export_job.language, action="export.failed")
        db.session.commit()


def forget_old_jobs(now: dt.datetime | None = None) -> int:
    """Delete the rows of jobs that finished more than KEEP_DAYS ago (their files were downloads of the moment;
    what a submission froze is kept by SubmissionFile); how many. The caller commits."""
    cutoff = (now or utcnow()) - dt.timedelta(days=KEEP_DAYS)
    old = list(db.session.scalars(select(ExportJob).where(ExportJob.finished_at < cutoff)))
    for row in old:
        db.session.delete(row)
    return len(old)


def start_freeze(submission: Submission, actor: Any, language: str) -> ExportJob | None:
    """Start freezing a just-committed submission's files in the background. A queue that cannot take the job is
    logged and never fails the submission, which is recorded already."""
    try:
        return start("submission", actor, enrollment=submission.enrollment, submission_id=submission.id,
                     language=language)
    except Exception:
        current_app.logger.exception("could not start freezing the files of submission %s", submission.id)
        db.session.rollback()
        return None


@review.submission_recorded.connect
def _freeze_when_submitted(submission: Submission, *, actor: Any, language: str) -> None:
    """Compliance says a round was submitted (and committed): its files are frozen for the reviewers."""
    start_freeze(submission, actor, language)


def plain_file_name(export_job: ExportJob) -> str:
    """The ASCII name of a finished job's file for clients that read only the plain filename: what it is in
    English, the program's code, `withdrawn` for a withdrawn enrolment's, and the day and local time of the build
    (results-report-PLC-100-2027-06-30-2314.docx), as its builder named the file (report.job_builder)."""
    extension = export_job.filename.rpartition(".")[2] or "bin"
    enrollment = export_job.enrollment
    program = enrollment.program.code if enrollment is not None else ""
    built_at = export_job.started_at or export_job.created_at
    withdrawn = enrollment is not None and export_wording.withdrawn_on(enrollment, built_at) is not None
    return ascii_export_name(export_job.kind.replace("_", "-"), program=program, withdrawn=withdrawn, at=built_at,
                             extension=extension)
