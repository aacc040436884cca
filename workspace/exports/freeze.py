"""Frozen submissions: the exact files handed to the funder, kept with their checksums. (Being built: issue 15.)"""

from __future__ import annotations

from workspace.core.jobs import job


@job()
def freeze_job(job_id: int) -> None:
    """Build and keep the files of the submission a job names."""
    raise NotImplementedError("frozen submissions are being built")
