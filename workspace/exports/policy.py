"""The exports part of the policy. Who may export an enrolment's files is the enrolment's own `export` action
(compliance/policy.py: its conveners, reviewers in scope and admins); here: a background job is seen by the
person who asked for it (while they may still export) and admins; funders' templates are used by anyone who
exports and managed by admins; a submission's frozen files go with the right to export its enrolment."""

from __future__ import annotations

from typing import Any

from workspace.compliance.models import Enrollment, Submission
from workspace.core.permissions import can, is_admin, register_rule, register_scope, register_site_action
from workspace.exports.models import ExportJob, FunderTemplate, SubmissionFile
from workspace.extensions import db


def job_rule(user: Any, action: str, job: ExportJob) -> bool:
    """A job and its file: the person who asked, while they may still export what it holds; admins."""
    if action != "view":
        raise ValueError(f"unknown export job action {action!r}")
    if is_admin(user):
        return True
    if not user.is_authenticated or job.requested_by_id != user.id:
        return False
    if job.enrollment_id is not None:
        enrollment = db.session.get(Enrollment, job.enrollment_id)
        return enrollment is not None and can(user, "export", enrollment)
    return True  # a reviewer's own cross-community export: scoped when it was built


def job_scope(user: Any, action: str) -> Any:
    """The jobs a person sees listed: their own (admins: theirs too; the list is a person's own work)."""
    if action != "view":
        raise ValueError(f"no list scope for the export job action {action!r}")
    return ExportJob.requested_by_id == (user.id if user.is_authenticated else -1)


def template_rule(user: Any, action: str, template: FunderTemplate) -> bool:
    """A funder's template: offered to anyone signed in who exports; uploaded, replaced and trashed by admins."""
    if action == "view":
        return user.is_authenticated
    if action == "manage":
        return is_admin(user)
    raise ValueError(f"unknown funder template action {action!r}")


def submission_file_rule(user: Any, action: str, file: SubmissionFile) -> bool:
    """A frozen file is read by whoever may export its enrolment (its conveners, reviewers in scope, admins)."""
    if action != "view":
        raise ValueError(f"unknown submission file action {action!r}")
    submission = db.session.get(Submission, file.submission_id)
    return submission is not None and can(user, "export", submission.enrollment)


register_rule(ExportJob, job_rule)
register_scope(ExportJob, job_scope)
register_rule(FunderTemplate, template_rule)
register_rule(SubmissionFile, submission_file_rule)
register_site_action("manage_templates", is_admin)
