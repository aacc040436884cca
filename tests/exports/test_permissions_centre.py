"""The permission walk of the exports page and its background jobs.

The page is read by whoever reads the community's activities (a member sees that exporting is for conveners,
reviewers and admins); a job is started by those who may export the enrolment (its conveners, reviewers in
scope, admins); a job and its file are seen only by the person who asked and admins (anyone else: 404).
"""

from __future__ import annotations

from tests.compliance.helpers import program_copy
from tests.permission_walk import DONE, FB, LOGIN, NF, Step, Table, World, build_world, csrf_test, route_test
from workspace.compliance import services
from workspace.core.storage import store_built
from workspace.exports.files import DOCX
from workspace.exports.models import ExportJob, JobStatus
from workspace.extensions import db

ROLES = ("anonymous", "outsider", "departed", "reviewer_elsewhere", "guest_expert", "member", "co_convener",
         "convener", "reviewer", "admin")


def build_exports_world() -> World:
    """Every role; the community enrolled in a copy of PLC-100, and a finished job the convener asked for."""
    world = build_world(ROLES, name="export")
    convener = world.users["convener"]
    enrollment = services.enrol(world.community(), program_copy(), 50_000, convener)
    db.session.flush()
    job = ExportJob(kind="results_report", community_id=world.community_id, enrollment_id=enrollment.id,
                    requested_by_id=convener.id, status=JobStatus.DONE.value, done=1, total=1,
                    blob=store_built(b"PK report bytes", DOCX), filename="成果報告.docx")
    db.session.add(job)
    db.session.commit()
    world.ids = {"enrollment_id": enrollment.id, "job_id": job.id}
    return world


READERS = dict(anonymous=LOGIN, outsider=NF, guest_expert=FB)
EXPORTERS = dict(READERS, member=FB, default=DONE)  # conveners, reviewers in scope, admins
ASKER = dict(anonymous=LOGIN, default=NF, convener=200, admin=200)  # the job's own person, and admins
BASE = "/c/{slug}/exports"

STEPS = [
    Step("GET", "exports.centre", BASE + "/", None, READERS),
    Step("POST", "exports.start_job", BASE + "/{enrollment_id}/jobs", {"kind": "results_report"}, EXPORTERS),
    Step("GET", "exports.job", BASE + "/jobs/{job_id}", None, ASKER),
    Step("GET", "exports.job_file", BASE + "/jobs/{job_id}/file", None, ASKER),
]

TABLE = Table(ROLES, build_exports_world, STEPS, csrf_as=lambda _step: "convener")
test_route_answers_each_role = route_test(TABLE)
test_unsafe_requests_without_the_csrf_token_are_refused = csrf_test(TABLE)
