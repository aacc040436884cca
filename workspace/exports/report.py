"""The results report (成果報告) as DOCX. (Being built: issue 15.)"""

from __future__ import annotations

from workspace.exports.files import ExportFile, Progress
from workspace.exports.models import ExportJob


def job_builder(export_job: ExportJob, progress: Progress) -> ExportFile:
    """Build the results report a job asks for (its enrolment, language and options)."""
    raise NotImplementedError("the results report is being built")
