"""A background export's progress and outcome on its job row.

Progress is written on its own connection, at most a few times a second, so the build's own session (reading
records) is never committed half-way and the job page still sees it move. A build reads inside `reads_first()`
(jobs.py): on SQLite it then holds no write lock while it reads, and the progress writes get through.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import update

from workspace.core.database import utcnow, write_aside
from workspace.core.storage import store_built
from workspace.exports.files import ExportFile
from workspace.exports.models import ExportJob, JobStatus
from workspace.extensions import db

PROGRESS_INTERVAL = 0.3  # seconds between two progress writes


class JobProgress:
    """The progress callback of one job: writes done/total/step on its own short transaction, throttled."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self._last = 0.0

    def __call__(self, done: int, total: int, step: str) -> None:
        now = time.monotonic()
        if now - self._last < PROGRESS_INTERVAL and done < total:
            return
        self._last = now
        # Best effort: a tick the busy database cannot take now is skipped; the next one (or the end) lands.
        write_aside(self._update(status=JobStatus.RUNNING.value, done=done, total=total, step=step))

    def _update(self, **values: Any) -> Any:
        return update(ExportJob).where(ExportJob.id == self.job_id).values(**values)

    def write(self, **values: Any) -> None:
        """Write these values now, on a short transaction of their own (a start, a failure: never skipped)."""
        with db.engine.begin() as connection:
            connection.execute(self._update(**values))


def keep_result(export_job: ExportJob, built: ExportFile) -> None:
    """Store the built file and mark the job done (in the caller's transaction)."""
    export_job.status = JobStatus.DONE.value
    export_job.done = export_job.total = max(export_job.total, 1)
    export_job.step = "saving"
    export_job.blob = store_built(built.data if built.data is not None else built.path, built.media_type)
    export_job.filename = built.filename
    export_job.finished_at = utcnow()


def fail(job_id: int, message: str) -> None:
    """Mark the job failed with a message for the person who asked (the build's own work rolled back)."""
    db.session.rollback()
    JobProgress(job_id).write(status=JobStatus.FAILED.value, error=message[:2000], finished_at=utcnow())


