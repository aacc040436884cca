"""Frozen submissions: the exact files handed to the funder, kept with their checksums.

When a convener submits (compliance's submit route sends `review.submission_recorded` once the round is
committed; jobs.py starts a job of kind `submission` on it), this job builds the results report (DOCX), the
activity ledger (XLSX) and the evidence pack (ZIP, holding both and the CSV ledger), and keeps each as a
SubmissionFile: a blob (content-addressed, never changed), its name, SHA-256 and size. They stay downloadable
unchanged whatever happens to the records later; each round of the submit / return / resubmit loop gets its own.

The pack is written to a temporary file in the store's own folder while it is hashed, then moved into the store
(a rename): a pack of several gigabytes is never on disk twice, nor in memory.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from workspace.compliance.models import Submission
from workspace.compliance.services import review
from workspace.core.database import reads_first, utcnow
from workspace.core.jobs import job
from workspace.core.storage import build_file, clean_filename, store_built
from workspace.exports import audit, ledger, pack, report
from workspace.exports.files import ZIP, ExportFile, Progress, no_progress
from workspace.exports.models import ExportJob, JobStatus, SubmissionFile
from workspace.exports.progress import JobProgress, fail
from workspace.extensions import db

logger = logging.getLogger(__name__)

STEPS = ("report", "ledger", "pack")  # what the job page says it is doing, in order


@dataclass
class Frozen:
    """A file built for a submission, not kept yet: its kind and its bytes or temporary file."""

    kind: str
    built: ExportFile


def build_submission_files(submission: Submission, language: str,
                           progress: Progress = no_progress) -> list[Frozen]:
    """Build the files of a submission (reads only: nothing is written to the database here).

    The report and the XLSX ledger are built once and go both into the pack and beside it; a document that
    cannot be built fails the whole (the job says so): a submission's files are complete or not made.

    They are judged as the round was: under the program as the submission kept it (a rule changed since does not
    reach them) and on the day it was handed in; the records are read as they are when the job runs, moments later.
    """
    enrollment = review.EnrollmentAsSubmitted(submission.enrollment, submission)
    now = submission.submitted_at
    total = len(STEPS)
    progress(0, total, "report")
    # A document that fails fails the job. The photos as the exports page places them first (the pack has all).
    built_report = report.results_report(enrollment, language, now=now,  # type: ignore[arg-type]
                                         photos_per_activity=report.DEFAULT_PHOTOS_PER_ACTIVITY)
    progress(1, total, "ledger")
    ledger_xlsx = ledger.ledger_xlsx(enrollment, language, now=now)  # type: ignore[arg-type]
    ledger_csv = ledger.ledger_csv(enrollment, language, now=now)  # type: ignore[arg-type]
    progress(2, total, "pack")
    documents: list[tuple[str, pack.Document]] = [
        (kind, lambda built=built: built) for kind, built in
        (("results_report", built_report), ("ledger_xlsx", ledger_xlsx), ("ledger_csv", ledger_csv))]
    planned = pack.plan_pack(enrollment, language, documents=documents, keep_built=True,  # type: ignore[arg-type]
                             now=now)
    path = build_file(".zip")
    try:
        planned.write_to(path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    finally:
        if ledger_csv.path is not None:
            ledger_csv.path.unlink(missing_ok=True)  # inside the pack only: not kept beside it
    frozen = [Frozen("results_report", built_report), Frozen("ledger_xlsx", ledger_xlsx)]
    frozen.append(Frozen("evidence_pack", ExportFile(planned.filename, ZIP, path=path)))
    progress(total, total, "saving")
    # Each round's files are named for their round: a reviewer downloading rounds 1 and 2 got two files of one name.
    return [Frozen(item.kind, replace(item.built, filename=round_filename(item.built.filename, submission.number)))
            for item in frozen]


def round_filename(filename: str, number: int) -> str:
    """成果報告-社群-2026-12-05.docx as the file of a submission's round: 成果報告-社群-2026-12-05-第2次送審.docx."""
    stem, dot, extension = filename.rpartition(".")
    if not dot:
        stem, extension = filename, ""
    label = _("round-%(number)d", number=number)
    return clean_filename(f"{stem}-{label}" + (f".{extension}" if extension else ""))


def keep(submission: Submission, frozen: list[Frozen]) -> list[SubmissionFile]:
    """Move the built files into the store and record them with the submission (flushed, not committed)."""
    kept = []
    for item in frozen:
        source = item.built.data if item.built.data is not None else item.built.path
        blob = store_built(source, item.built.media_type)  # type: ignore[arg-type]
        row = SubmissionFile(submission_id=submission.id, kind=item.kind, blob=blob, filename=item.built.filename,
                             sha256=blob.sha256, size=blob.size)
        db.session.add(row)
        kept.append(row)
    db.session.flush()
    return kept


def _finish(export_job: ExportJob, kept_pack: SubmissionFile | None) -> None:
    """Mark the job done, pointing at the round's kept evidence pack (the file its page offers)."""
    export_job.status, export_job.step, export_job.finished_at = JobStatus.DONE.value, "saving", utcnow()
    export_job.done = export_job.total = len(STEPS)
    export_job.blob = kept_pack.blob if kept_pack is not None else None
    export_job.filename = kept_pack.filename if kept_pack is not None else ""


@job()
def freeze_job(job_id: int) -> None:
    """Build and keep the files of the submission a job names; the job row shows its progress, then the result."""
    export_job = db.session.get(ExportJob, job_id)
    if export_job is None or export_job.finished:
        return
    progress = JobProgress(job_id)
    db.session.rollback()  # end the read that found the row: on SQLite its lock would hold the progress writes up
    progress.write(status=JobStatus.RUNNING.value, started_at=utcnow(), step=STEPS[0], total=len(STEPS))
    # Every read up to the kept files begins as a request's does (reading): outside a request a transaction
    # begins by taking SQLite's write lock, which the reads below once held through the whole build (twenty
    # seconds in which nobody else could log in or save).
    with reads_first():
        submission = db.session.get(Submission, export_job.submission_id) if export_job.submission_id else None
        kept_pack = submission and db.session.scalar(select(SubmissionFile).where(
            SubmissionFile.submission_id == submission.id, SubmissionFile.kind == "evidence_pack"))
    if submission is None:
        db.session.rollback()
        fail(job_id, "the submission is gone")
        return
    if kept_pack is not None:  # kept meanwhile (two presses of "prepare again"): one set of files, not two
        _finish(db.session.get(ExportJob, job_id), kept_pack)
        db.session.commit()
        return
    try:
        with reads_first(), force_locale(export_job.language):  # reading: no lock held from the progress writes
            frozen = build_submission_files(submission, export_job.language, progress)
            # Progress is written on its own connection: from here on only this session writes (SQLite's one lock).
            db.session.rollback()  # no read transaction left open from the build
        export_job = db.session.get(ExportJob, job_id)
        submission = db.session.get(Submission, export_job.submission_id)
        kept = keep(submission, frozen)
        _finish(export_job, next((row for row in kept if row.kind == "evidence_pack"), None))
        audit.exported(export_job.requested_by, "submission", submission, submission.enrollment.community,
                       language=export_job.language, action="export.frozen", number=submission.number,
                       files=len(kept))
        db.session.commit()
    except Exception as error:  # the job page and the submission page say so; the submission itself stands
        current_app.logger.exception("freezing the files of submission job %s failed", job_id)
        fail(job_id, f"{type(error).__name__}: {error}")
        export_job = db.session.get(ExportJob, job_id)
        audit.exported(export_job.requested_by, "submission", export_job, export_job.community,
                       language=export_job.language, action="export.failed")
        db.session.commit()
