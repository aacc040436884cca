"""The evidence pack's and the frozen files' permission walk: whoever may export the enrolment (its conveners,
reviewers in scope, admins) downloads them; members and guest experts are refused (403); outsiders, former
members and reviewers of another school do not see the community (404); anonymous visitors log in first."""

from __future__ import annotations

import pytest
from flask import url_for
from sqlalchemy import select

from tests.compliance.helpers import program_copy
from tests.permission_walk import FB, LOGIN, NF, Step, Table, World, build_world, route_test
from workspace.compliance import services
from workspace.compliance.models import Deliverable, Enrollment
from workspace.compliance.services import review
from workspace.exports import jobs
from workspace.exports.models import SubmissionFile
from workspace.extensions import db

ROLES = ("anonymous", "outsider", "departed", "reviewer_elsewhere", "guest_expert", "member", "co_convener",
         "convener", "reviewer", "admin")


def build_pack_world() -> World:
    """Every role; the community enrolled (confirmed) in a copy of PLC-100, submitted once, its files frozen."""
    world = build_world(ROLES, name="packwalk")
    convener, reviewer = world.users["convener"], world.users["reviewer"]
    enrollment = services.enrol(world.community(), program_copy(), 50_000, convener)
    services.confirm(enrollment, reviewer)
    submission = review.submit(services.standings([enrollment])[0], "第一次送審", convener)
    db.session.commit()
    jobs.start_freeze(submission, convener, "zh_Hant")
    frozen = db.session.scalars(select(SubmissionFile).where(SubmissionFile.submission_id == submission.id)).first()
    assert frozen is not None
    world.ids = {"enrollment_id": enrollment.id, "submission_id": submission.id, "file_id": frozen.id}
    return world


def _delivered() -> int:
    """How many deliverables the community's enrolment has marked now."""
    enrollment_id = db.session.scalars(select(Enrollment.id)).one()
    return len(review.deliverables_of([enrollment_id]).get(enrollment_id, []))


def _take_back() -> None:
    """Put the world back: no deliverable marked."""
    for deliverable in db.session.scalars(select(Deliverable).where(Deliverable.live)):
        db.session.delete(deliverable)
    db.session.commit()


EXPORTERS = dict(anonymous=LOGIN, outsider=NF, guest_expert=FB, member=FB)  # the others: 200

STEPS = [
    Step("GET", "exports.evidence_pack", "/c/{slug}/exports/{enrollment_id}/evidence.zip?lang=zh_Hant", None,
         EXPORTERS),
    Step("GET", "exports.submission_file",
         "/c/{slug}/compliance/{enrollment_id}/submissions/{submission_id}/files/{file_id}", None, EXPORTERS),
    # The files are kept already: whoever may export is told there is nothing to prepare again (409).
    Step("POST", "exports.freeze_again", "/c/{slug}/compliance/{enrollment_id}/submissions/{submission_id}/freeze",
         {}, dict(EXPORTERS, default=409)),
    # Marking the frozen report delivered is the deliverables' right (manage_budget): conveners and admins, not the
    # reviewers who may download it.
    Step("POST", "exports.deliver_report",
         "/c/{slug}/compliance/{enrollment_id}/submissions/{submission_id}/files/{file_id}/deliver", {},
         dict(EXPORTERS, reviewer=FB, default=302),
         effect=(lambda world: _delivered() > 0, frozenset({"co_convener", "convener", "admin"})),
         reset=lambda world: _take_back()),
]

TABLE = Table(ROLES, build_pack_world, STEPS)
test_route_answers_each_role = route_test(TABLE)


def test_the_table_names_the_roles_the_brief_asks_for():
    """Reviewer in scope and convener download; member, outsider and another school's reviewer cannot."""
    from tests.permission_walk import expected_status

    for step in STEPS[:2]:
        assert expected_status(step.rules, "reviewer") == 200 and expected_status(step.rules, "convener") == 200
        assert expected_status(step.rules, "member") == FB
        assert expected_status(step.rules, "outsider") == NF == expected_status(step.rules, "reviewer_elsewhere")


@pytest.mark.parametrize(("role", "links"), [
    ("member", False), ("co_convener", True), ("convener", True), ("reviewer", True),
    ("admin", True),
])
def test_the_submission_page_links_the_frozen_files_only_for_those_who_may_download_them(client, ctx, role, links):
    """A member reads the files' names and checksums but gets no link that would answer 403."""
    world = build_pack_world()
    frozen = db.session.get(SubmissionFile, world.ids["file_id"])
    client.login(world.users[role])
    page = client.get(url_for("compliance.submission", slug=world.slug, enrollment_id=world.ids["enrollment_id"],
                              submission_id=world.ids["submission_id"]))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert frozen.filename in html and frozen.sha256 in html
    download = url_for("exports.submission_file", slug=world.slug, enrollment_id=world.ids["enrollment_id"],
                       submission_id=world.ids["submission_id"], file_id=frozen.id)
    assert (download in html) is links
    if links:
        assert client.get(download).status_code == 200
