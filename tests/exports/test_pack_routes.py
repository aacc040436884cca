"""The pack's and the frozen files' routes: headers, the submission page's list of frozen files, bad ids."""

from __future__ import annotations

from urllib.parse import quote

from sqlalchemy import select

from tests.exports.pack_helpers import pack_world
from tests.exports.test_freeze import file_url, files_of, submit
from workspace.core.database import utcnow
from workspace.core.records import local_day
from workspace.exports.models import SubmissionFile
from workspace.extensions import db


def test_the_pack_is_named_in_the_reader_s_language_and_not_cached(client, ctx):
    world = pack_world()
    client.login(world.convener)
    response = client.get(world.url("zh_Hant"))
    disposition = response.headers["Content-Disposition"]
    assert response.mimetype == "application/zip"
    assert disposition.startswith("attachment;") and "filename*=UTF-8''" in disposition
    today = local_day(utcnow()).isoformat()  # dated the day it is made, as the report and ledgers are
    assert quote(world.enrolled.club.community.name) in disposition and f"{today}.zip" in disposition
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    response.close()


def test_the_submission_page_lists_the_frozen_files_with_size_and_checksum(client, ctx):
    world = pack_world()
    submission = submit(client, world)
    page = client.get(f"/c/{world.slug}/compliance/{world.enrollment.id}/submissions/{submission.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for row in files_of(submission).values():
        assert row.sha256 in text
        assert file_url(world, submission, row) in text
        assert row.filename in text


def test_frozen_file_urls_with_wrong_or_foreign_ids_are_not_found(client, ctx):
    world, other = pack_world("club"), pack_world("other")
    submission = submit(client, world)
    theirs = submit(client, other)
    row = files_of(submission)["evidence_pack"]
    their_row = files_of(theirs)["evidence_pack"]
    client.login(world.convener)
    base = f"/c/{world.slug}/compliance/{world.enrollment.id}/submissions"
    for url in (f"{base}/{submission.id}/files/99999", f"{base}/99999/files/{row.id}",
                f"{base}/{submission.id}/files/{their_row.id}", f"{base}/{theirs.id}/files/{their_row.id}",
                f"{base}/{submission.id}/files/abc",
                f"/c/{world.slug}/compliance/{other.enrollment.id}/submissions/{theirs.id}/files/{their_row.id}"):
        assert client.get(url).status_code == 404, url
    assert client.get(file_url(world, submission, row)).status_code == 200


def test_a_frozen_download_leaves_an_audit_event(client, ctx):
    from workspace.core.models import AuditEvent

    world = pack_world()
    submission = submit(client, world)
    row = db.session.scalars(select(SubmissionFile).where(SubmissionFile.submission_id == submission.id)).first()
    client.get(file_url(world, submission, row))
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export.downloaded")).one()
    assert event.data["document"] == row.kind and event.data["frozen"] is True
