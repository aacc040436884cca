"""Frozen submissions: submitting builds the files handed to the funder in the background; they are kept with
their checksums and stay the same bytes whatever happens to the records afterwards; each round has its own."""

from __future__ import annotations

import copy
import hashlib

import pytest
from sqlalchemy import select, text

from tests.documents import docx_text
from tests.exports.pack_helpers import add_file, open_zip, pack_world
from tests.factories import make_reviewer
from tests.media import png_bytes
from workspace.activities import services as activities
from workspace.activities.models import Activity
from workspace.compliance import services
from workspace.compliance.models import Submission
from workspace.compliance.services import review
from workspace.core.models import AuditEvent
from workspace.core.storage import blob_path
from workspace.exports import jobs, report
from workspace.exports.models import ExportJob, SubmissionFile
from workspace.exports.report import DEFAULT_PHOTOS_PER_ACTIVITY
from workspace.extensions import db


def submit(client, world, note: str = "第一次送審") -> Submission:
    client.login(world.convener)
    answer = client.post_form(f"/c/{world.slug}/compliance/{world.enrollment.id}/submit", {"note": note})
    assert answer.status_code == 302, answer.status_code
    db.session.expire_all()
    return db.session.scalars(select(Submission).where(Submission.enrollment_id == world.enrollment.id)
                              .order_by(Submission.number.desc())).first()


def files_of(submission: Submission) -> dict[str, SubmissionFile]:
    return {row.kind: row for row in db.session.scalars(
        select(SubmissionFile).where(SubmissionFile.submission_id == submission.id))}


def file_url(world, submission: Submission, row: SubmissionFile) -> str:
    return (f"/c/{world.slug}/compliance/{world.enrollment.id}/submissions/{submission.id}/files/{row.id}")


def test_submitting_freezes_the_pack_with_its_checksum(client, ctx):
    world = pack_world()
    submission = submit(client, world)
    export_job = db.session.scalars(select(ExportJob).where(ExportJob.submission_id == submission.id)).one()
    assert export_job.kind == "submission" and export_job.status == "done", export_job.error
    frozen = files_of(submission)
    assert "evidence_pack" in frozen
    for row in frozen.values():
        data = blob_path(row.blob).read_bytes()
        assert row.sha256 == hashlib.sha256(data).hexdigest() == row.blob.sha256
        assert row.size == len(data)
    pack = frozen["evidence_pack"]
    assert pack.filename.endswith(".zip")
    archive = open_zip(blob_path(pack.blob).read_bytes())
    assert "2025-09-10 五年級數學共同備課/教室.png" in archive.namelist()
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export.frozen")).one()
    assert event.data["number"] == 1 and event.data["document"] == "submission"


def test_frozen_files_stay_the_same_after_the_records_change(client, ctx):
    world = pack_world()
    submission = submit(client, world)
    row = files_of(submission)["evidence_pack"]
    recorded = row.sha256
    activity = db.session.get(Activity, world.activities[0].id)
    fields = activities.fields_of(activity)
    fields.title = "改過的標題"
    activities.update_activity(activity, fields, actor=world.convener, base_version=activity.version)
    db.session.commit()
    answer = client.get(file_url(world, submission, row))
    assert answer.status_code == 200
    assert answer.mimetype == "application/zip"  # as the live pack is (not octet-stream), still an attachment
    assert answer.headers["Content-Disposition"].startswith("attachment;")
    data = answer.get_data()
    assert hashlib.sha256(data).hexdigest() == recorded
    assert "2025-09-10 五年級數學共同備課/教室.png" in open_zip(data).namelist()
    fresh = open_zip(client.get(world.url()).get_data())  # today's pack has the new title
    assert "2025-09-10 改過的標題/教室.png" in fresh.namelist()


def test_each_round_gets_its_own_files(client, ctx):
    world = pack_world()
    first = submit(client, world)
    reviewer = make_reviewer(world.enrolled.club.community.schools[0])
    review.decide(db.session.get(Submission, first.id), False, "請補上照片說明", reviewer)
    db.session.commit()
    activities.remove_evidence(world.evidence[0], actor=world.convener)
    db.session.commit()
    second = submit(client, world, "已補上")
    assert second.number == 2
    one, two = files_of(first)["evidence_pack"], files_of(second)["evidence_pack"]
    assert one.id != two.id and one.sha256 != two.sha256
    names_one = open_zip(blob_path(one.blob).read_bytes()).namelist()
    names_two = open_zip(blob_path(two.blob).read_bytes()).namelist()
    assert "2025-09-10 五年級數學共同備課/教室 (2).png" in names_one
    assert "2025-09-10 五年級數學共同備課/教室 (2).png" not in names_two
    # QA: both rounds' files were named alike (two downloads of one name): each is named for its round.
    for kind in ("results_report", "ledger_xlsx", "evidence_pack"):
        named = files_of(first)[kind].filename, files_of(second)[kind].filename
        assert named[0] != named[1], kind
        assert named[0].rpartition(".")[0].endswith("-round-1") and named[1].rpartition(".")[0].endswith("-round-2")
    client.login(reviewer)
    for submission, row in ((first, one), (second, two)):
        answer = client.get(file_url(world, submission, row))
        assert answer.status_code == 200 and hashlib.sha256(answer.get_data()).hexdigest() == row.sha256


def test_the_freezer_builds_without_http(ctx):
    world = pack_world()
    submission = review.submit(services.standings([world.enrollment])[0], "", world.convener)
    db.session.commit()
    started = jobs.start_freeze(submission, world.convener, "en")
    assert started is not None
    db.session.expire_all()
    assert db.session.get(ExportJob, started.id).status == "done"
    pack = files_of(submission)["evidence_pack"]
    archive = open_zip(blob_path(pack.blob).read_bytes())
    assert "2025-09-10 五年級數學共同備課/minutes.txt" in archive.namelist()  # in the job's language


def test_the_frozen_report_places_the_photos_the_exports_page_places_first(ctx):
    """A year's photos inline would make a report of hundreds of megabytes, built in memory: the frozen report
    places as many of each activity as the exports page does first, and the pack beside it has them all."""
    world = pack_world()
    for color in ("white", "black", "purple"):  # the first activity now has five photos
        add_file(world, world.activities[0], png_bytes(color=color), f"{color}.png")
    db.session.commit()
    submission = review.submit(services.standings([world.enrollment])[0], "", world.convener)
    db.session.commit()
    jobs.start_freeze(submission, world.convener, "en")
    db.session.expire_all()
    frozen = files_of(submission)
    report = open_zip(blob_path(frozen["results_report"].blob).read_bytes())
    # Photos go into the report as JPEGs (core/photos.py re-encodes them); the one PNG is the report's chart.
    placed = [name for name in report.namelist() if name.startswith("word/media/") and name.endswith(".jpg")]
    assert len(placed) == DEFAULT_PHOTOS_PER_ACTIVITY + 1  # four of the first activity, the second's one
    assert "1 more photo of these activities is not placed here" in report.read("word/document.xml").decode()
    pack = open_zip(blob_path(frozen["evidence_pack"].blob).read_bytes())
    assert len([name for name in pack.namelist() if name.startswith("2025-09-10") and name.endswith(".png")]) >= 5


def _lose_the_files(submission, **job) -> None:
    """As if freezing had gone wrong: no files kept, the job as `job` says (a failure, a worker gone)."""
    db.session.execute(db.delete(SubmissionFile).where(SubmissionFile.submission_id == submission.id))
    db.session.execute(db.update(ExportJob).where(ExportJob.submission_id == submission.id).values(**job))
    db.session.commit()


def test_files_that_could_not_be_prepared_are_prepared_again_from_the_page(client, ctx):
    world = pack_world()
    submission = submit(client, world)
    page = f"/c/{world.slug}/compliance/{world.enrollment.id}/submissions/{submission.id}"
    again = page + "/freeze"
    assert "Prepare the files again" not in client.get(page).get_data(as_text=True)
    assert client.post_form(again, {}).status_code == 409  # kept already: nothing to prepare
    _lose_the_files(submission, status="failed")
    shown = client.get(page).get_data(as_text=True)
    assert "could not be prepared" in shown and "Prepare the files again" in shown
    answer = client.post_form(again, {})
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"#frozen-files-{submission.id}")
    db.session.expire_all()
    assert set(files_of(submission)) == {"results_report", "ledger_xlsx", "evidence_pack"}
    assert client.post_form(again, {}).status_code == 409


def test_a_second_freeze_of_a_round_keeps_no_second_set_of_files(ctx):
    """Two presses of "prepare again" at once queue two jobs: the second finds the files kept and builds none."""
    world = pack_world()
    submission = review.submit(services.standings([world.enrollment])[0], "", world.convener)
    db.session.commit()
    jobs.start_freeze(submission, world.convener, "en")
    kept = {row.id for row in db.session.scalars(select(SubmissionFile).where(
        SubmissionFile.submission_id == submission.id))}
    assert len(kept) == 3  # the report, the ledger, the pack
    second = jobs.start_freeze(submission, world.convener, "en")
    db.session.expire_all()
    assert {row.id for row in db.session.scalars(select(SubmissionFile).where(
        SubmissionFile.submission_id == submission.id))} == kept
    finished = db.session.get(ExportJob, second.id)
    assert finished.status == "done" and finished.blob_id == files_of(submission)["evidence_pack"].blob_id


def test_a_freeze_left_unfinished_may_be_restarted_once_it_has_stalled(client, ctx):
    """A worker that died mid-way leaves the job running: after half an hour the page offers to start again."""
    import datetime as dt

    from workspace.core.database import utcnow

    world = pack_world()
    submission = submit(client, world)
    page = f"/c/{world.slug}/compliance/{world.enrollment.id}/submissions/{submission.id}"
    _lose_the_files(submission, status="running", finished_at=None, created_at=utcnow())
    assert "being prepared" in client.get(page).get_data(as_text=True)
    assert client.post_form(page + "/freeze", {}).status_code == 409  # still under way
    _lose_the_files(submission, created_at=utcnow() - dt.timedelta(hours=1))
    shown = client.get(page).get_data(as_text=True)
    assert "stopped before it was done" in shown and "Prepare the files again" in shown
    assert client.post_form(page + "/freeze", {}).status_code == 302
    db.session.expire_all()
    assert "evidence_pack" in files_of(submission)


def test_a_job_without_its_submission_fails_cleanly(ctx):
    world = pack_world()
    export_job = jobs.start("submission", world.convener, enrollment=world.enrollment, submission_id=None)
    db.session.expire_all()
    found = db.session.get(ExportJob, export_job.id)
    assert found.status == "failed" and found.error


def _write_elsewhere(submission_id: int) -> bool:
    """Whether another connection could write at once, as a login or a save would: take SQLite's write lock, or
    on PostgreSQL lock the submission's row the build reads (a reader takes no lock a writer waits for)."""
    if db.engine.dialect.name != "sqlite":
        from sqlalchemy.exc import OperationalError

        with db.engine.connect() as other:
            try:
                other.exec_driver_sql("SET LOCAL lock_timeout = '200ms'")
                other.execute(text("UPDATE submissions SET id = id WHERE id = :id"), {"id": submission_id})
                return True
            except OperationalError:  # lock timeout
                return False
            finally:
                other.rollback()
    import sqlite3

    other = sqlite3.connect(db.engine.url.database, timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.rollback()
        return True
    except sqlite3.OperationalError:  # database is locked
        return False
    finally:
        other.close()


@pytest.mark.parametrize("kind", ["submission", "results_report"])
def test_others_may_write_while_a_job_builds(app, ctx, monkeypatch, kind):
    """A job builds for seconds to minutes in the worker (no request): meanwhile another connection may write
    (log in, save). The freezer's first reads once began by taking SQLite's write lock, as a transaction outside
    a request does, and held it through the build: 503s for everyone for twenty seconds. On both databases. The
    job runs here as in the worker, in a thread with an app context of its own (the tests' request context would
    hide it)."""
    import threading

    from workspace.exports import freeze, report

    world = pack_world()
    submission = review.submit(services.standings([world.enrollment])[0], "", world.convener)
    db.session.commit()
    queued: list[int] = []
    monkeypatch.setattr(jobs, "enqueue", lambda export_job: queued.append(export_job.id))
    jobs.start(kind, world.convener, enrollment=world.enrollment, language="en",
               submission_id=submission.id if kind == "submission" else None)
    writes: list[bool] = []

    def try_a_write_then(build):
        return lambda *args, **kwargs: (writes.append(_write_elsewhere(submission.id)), build(*args, **kwargs))[1]

    if kind == "submission":
        monkeypatch.setattr(freeze, "build_submission_files", try_a_write_then(freeze.build_submission_files))
        work = freeze.freeze_job
    else:
        monkeypatch.setitem(jobs.BUILDERS, kind, try_a_write_then(report.job_builder))
        work = jobs.run_export
    errors: list[BaseException] = []

    def in_the_worker() -> None:
        try:
            with app.app_context():
                work.call_local(queued[0])
                db.session.remove()
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=in_the_worker)
    thread.start()
    thread.join(120)
    assert errors == []
    db.session.rollback()  # a fresh read: the worker wrote after this session's last one began
    assert db.session.get(ExportJob, queued[0]).status == "done"
    assert writes == [True]


def test_the_frozen_report_is_marked_delivered_in_one_click_by_the_convener_only(client, ctx):
    world = pack_world()
    submission = submit(client, world)
    frozen = files_of(submission)
    report_row, pack_row = frozen["results_report"], frozen["evidence_pack"]
    page_url = f"/c/{world.slug}/compliance/{world.enrollment.id}/submissions/{submission.id}"
    deliver = file_url(world, submission, report_row) + "/deliver"
    html = client.get(page_url).get_data(as_text=True)
    assert deliver in html and "Mark the results report delivered" in html
    assert file_url(world, submission, pack_row) + "/deliver" not in html  # the report only
    standing = services.standings([world.enrollment])[0]
    rule = next(found for found in standing.results if found.rule_id == "plc.results_report")
    assert rule.status != "met"
    # A reviewer reads the round and its files but marks nothing for the community.
    reviewer = make_reviewer(world.enrolled.club.community.schools[0])
    client.login(reviewer)
    assert deliver not in client.get(page_url).get_data(as_text=True)
    assert client.post_form(deliver, {}).status_code == 403
    assert client.post_form(file_url(world, submission, pack_row) + "/deliver", {}).status_code == 403
    client.login(world.convener)
    assert client.post_form(file_url(world, submission, pack_row) + "/deliver", {}).status_code == 404
    for _ in range(2):  # pressed twice: one deliverable
        answer = client.post_form(deliver, {})
        assert answer.status_code == 302 and answer.headers["Location"].endswith(f"#deliverables-{world.enrollment.id}")
    db.session.expire_all()
    [marked] = review.deliverables_of([world.enrollment.id])[world.enrollment.id]
    assert (marked.item, marked.blob_id, marked.filename) == ("results_report", report_row.blob_id,
                                                              report_row.filename)
    standing = services.standings([world.enrollment])[0]
    rule = next(found for found in standing.results if found.rule_id == "plc.results_report")
    assert ("deliverable", report_row.filename) in rule.counted
    html = client.get(page_url).get_data(as_text=True)  # marked: the page says so instead of offering it again
    assert deliver not in html and "Marked delivered on" in html


def test_each_frozen_file_names_its_values_and_the_delivery_has_a_line_of_its_own(client, ctx):
    """On a phone each value of the files table names its column (File, Size, SHA-256), and the convener's button
    that marks the report delivered sits in a cell of its own (the row's actions), not beside the checksum, where it
    was pushed half out of the card."""
    from tests.stacked import element, unlabelled_cells

    world = pack_world()
    submission = submit(client, world)
    report_row = files_of(submission)["results_report"]
    html = client.get(f"/c/{world.slug}/compliance/{world.enrollment.id}/submissions/{submission.id}").get_data(
        as_text=True)
    assert unlabelled_cells(html, within=f"frozen-files-{submission.id}") == []
    deliver = file_url(world, submission, report_row) + "/deliver"
    [form] = element(html, f"//form[@action='{deliver}']")
    cell = form.getparent()
    assert cell.tag == "td" and "actions" in cell.get("class")
    assert not cell.xpath(".//code") and cell.getparent().xpath("./td[@data-label='SHA-256']/code")


def test_a_returned_round_is_said_at_the_top_of_the_panel_and_its_report_is_not_marked_delivered(client, ctx):
    """QA: after the county returned the round, the panel's head still read only "Confirmed"; the return and its
    comment were under all eighteen rules, and the returned report could still be marked delivered."""
    world = pack_world()
    submission = submit(client, world)
    report_row = files_of(submission)["results_report"]
    reviewer = make_reviewer(world.enrolled.club.community.schools[0])
    review.decide(submission, approve=False, comment="請補上第3次活動的照片", actor=reviewer)
    db.session.commit()
    client.login(world.convener)
    panel = client.get(f"/c/{world.slug}/compliance/").get_data(as_text=True)
    head = panel.split(f'id="enrollment-{world.enrollment.id}"', 1)[1].split('class="tally"', 1)[0]
    assert "The reviewers returned round 1." in head and "請補上第3次活動的照片" in head
    assert f'href="#submissions-{world.enrollment.id}">Answer and submit again</a>' in head
    assert "Returned" in head
    page_url = f"/c/{world.slug}/compliance/{world.enrollment.id}/submissions/{submission.id}"
    page = client.get(page_url).get_data(as_text=True)
    assert '<p class="submission-status"><span class="badge badge-warn">Returned</span></p>' in page
    deliver = file_url(world, submission, report_row) + "/deliver"
    assert deliver not in page and "its report is not the one to hand to the funder" in page
    answer = client.post_form(deliver, {})
    assert answer.status_code == 302 and answer.headers["Location"].endswith(page_url)
    assert review.deliverables_of([world.enrollment.id]).get(world.enrollment.id, []) == []


def test_the_frozen_files_follow_the_program_and_amount_the_round_was_judged_under(ctx):
    """QA: the files are built by a job after the round is committed; a rule changed in that minute (18 activities
    made 20, the approved amount raised) reached the kept report, which then contradicted the round's own page."""
    world = pack_world()
    submission = review.submit(services.standings([world.enrollment])[0], "", world.convener)
    db.session.commit()
    program = world.enrollment.program
    definition = copy.deepcopy(program.definition)
    rule = next(rule for rule in definition["rules"] if rule["id"] == "plc.activities")
    assert rule["target"] == 18
    rule["target"] = 20
    program.definition = definition
    world.enrollment.approved_amount = 99_000
    db.session.commit()
    started = jobs.start_freeze(submission, world.convener, "en")
    db.session.expire_all()
    assert db.session.get(ExportJob, started.id).status == "done"
    kept = files_of(db.session.get(Submission, submission.id))
    text = docx_text(blob_path(kept["results_report"].blob).read_bytes())
    assert " of 18 activities" in text and " of 20 activities" not in text
    assert "NT$99,000" not in text and "NT$50,000" in text
    live = report.results_report(db.session.get(type(world.enrollment), world.enrollment.id), "en")
    assert " of 20 activities" in docx_text(live.data)  # the live report follows the program as it is now
