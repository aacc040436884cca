"""The background job machinery: a job row's progress, its file and its failure, the periodic jobs' schedules, and
a real queue consumer in its own process (SQLite queue; Redis too when it is there) running an export job."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.compliance.helpers import enrolled
from tests.factories import make_user
from workspace import tasks
from workspace.core.jobs import huey
from workspace.core.storage import blob_path
from workspace.exports import jobs
from workspace.exports.files import DOCX, ExportFile
from workspace.exports.models import ExportJob, JobStatus
from workspace.exports.progress import JobProgress
from workspace.extensions import db
from workspace.tasks import purge_trash_job, send_notifications_job

ROOT = Path(__file__).resolve().parents[2]


def _builder_with_progress(export_job: ExportJob, progress) -> ExportFile:
    for done in range(1, 4):
        progress(done, 3, "photos")
    return ExportFile(f"報告-{export_job.language}.docx", DOCX, data=b"PK-not-really-a-docx")


def test_a_job_runs_reports_progress_and_keeps_its_file(ctx, monkeypatch):
    monkeypatch.setitem(jobs.BUILDERS, "results_report", _builder_with_progress)
    club = enrolled()
    convener = club.club.convener
    started = jobs.start("results_report", convener, enrollment=club.enrollment, language="zh_Hans")
    db.session.refresh(started)
    assert started.status == JobStatus.DONE.value and started.percent == 100
    assert started.filename == "報告-zh_Hans.docx"
    assert blob_path(started.blob).read_bytes() == b"PK-not-really-a-docx"
    assert started.started_at is not None and started.finished_at is not None
    assert jobs.jobs_of(convener) == [started]
    assert jobs.jobs_of(make_user()) == []


def test_a_failing_builder_marks_the_job_failed_and_keeps_nothing(ctx, monkeypatch):
    def broken(_job, _progress):
        raise RuntimeError("the photo store is gone")

    monkeypatch.setitem(jobs.BUILDERS, "results_report", broken)
    club = enrolled()
    started = jobs.start("results_report", club.club.convener, enrollment=club.enrollment)
    db.session.expire_all()
    failed = db.session.get(ExportJob, started.id)
    assert failed.status == JobStatus.FAILED.value and "photo store is gone" in failed.error
    assert failed.blob is None and failed.finished_at is not None


def test_progress_is_seen_by_another_session_while_the_build_runs(ctx, monkeypatch):
    seen: list[tuple[int, int, str]] = []

    def watching(export_job: ExportJob, progress) -> ExportFile:
        progress(2, 5, "photos")
        with db.engine.connect() as other:  # what the job page (another request) reads meanwhile
            row = other.execute(db.select(ExportJob.done, ExportJob.total, ExportJob.step, ExportJob.status)
                                .where(ExportJob.id == export_job.id)).one()
        seen.append(tuple(row))
        return ExportFile("a.docx", DOCX, data=b"x")

    monkeypatch.setitem(jobs.BUILDERS, "results_report", watching)
    club = enrolled()
    jobs.start("results_report", club.club.convener, enrollment=club.enrollment)
    assert seen == [(2, 5, "photos", "running")]


def test_progress_writes_are_throttled_but_the_last_step_always_lands(ctx):
    club = enrolled()
    row = ExportJob(kind="results_report", enrollment_id=club.enrollment.id, community_id=club.club.community.id)
    db.session.add(row)
    db.session.flush()
    row_id = row.id
    db.session.commit()  # and no read after it: a test's transaction would hold SQLite's write lock
    progress = JobProgress(row_id)
    for done in range(1, 101):
        progress(done, 100, "photos")
    db.session.expire_all()
    assert (row.done, row.total) == (100, 100)


def test_asking_again_for_a_document_still_being_built_gets_the_job_under_way(ctx, monkeypatch):
    """A second click (or a script) does not queue a copy; another language, other options, another person or a
    job left "running" by a worker that stopped long ago do."""
    from workspace.core.database import utcnow

    monkeypatch.setitem(jobs.BUILDERS, "results_report", _builder_with_progress)
    club = enrolled()
    convener = club.club.convener
    waiting = ExportJob(kind="results_report", enrollment_id=club.enrollment.id,
                        community_id=club.club.community.id, requested_by_id=convener.id, language="zh_Hant",
                        options={"photos_per_activity": 4}, status=JobStatus.RUNNING.value)
    db.session.add(waiting)
    db.session.commit()
    again = jobs.start("results_report", convener, enrollment=club.enrollment, language="zh_Hant",
                       options={"photos_per_activity": 4})
    assert again.id == waiting.id and db.session.query(ExportJob).count() == 1
    others = [jobs.start("results_report", convener, enrollment=club.enrollment, language="en",
                         options={"photos_per_activity": 4}),
              jobs.start("results_report", convener, enrollment=club.enrollment, language="zh_Hant"),
              jobs.start("results_report", make_user(), enrollment=club.enrollment, language="zh_Hant",
                         options={"photos_per_activity": 4})]
    assert len({job.id for job in others} | {waiting.id}) == 4
    waiting.created_at = utcnow() - dt.timedelta(minutes=jobs.WAITING_MINUTES + 1)
    db.session.commit()
    assert jobs.start("results_report", convener, enrollment=club.enrollment, language="zh_Hant",
                      options={"photos_per_activity": 4}).id != waiting.id


def test_unknown_kinds_are_refused(ctx):
    club = enrolled()
    with pytest.raises(ValueError):
        jobs.start("a_kind_nobody_builds", club.club.convener, enrollment=club.enrollment)


def test_the_periodic_jobs_run_on_their_schedules():
    periodic = {task.name: task for task in huey._registry.periodic_tasks}
    notifications = next(task for name, task in periodic.items() if name.endswith("send_notifications_job"))
    purge = next(task for name, task in periodic.items() if name.endswith("purge_trash_job"))
    assert notifications.validate_datetime(dt.datetime(2027, 1, 4, 10, 5))
    assert not notifications.validate_datetime(dt.datetime(2027, 1, 4, 10, 7))
    assert purge.validate_datetime(dt.datetime(2027, 1, 4, 3, 17))
    assert not purge.validate_datetime(dt.datetime(2027, 1, 4, 4, 17))


def test_the_periodic_jobs_do_what_the_commands_do(ctx):
    assert send_notifications_job.call_local() == 0  # nothing pending
    purged = purge_trash_job.call_local()
    assert purged == tasks.Purged(0, 0, 0, 0)


def _queue_env(app, tmp_path: Path, redis_url: str | None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in {"JOBS_IMMEDIATE", "REDIS_URL"}}
    env.update(DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], INSTANCE_DIR=app.config["INSTANCE_DIR"],
               UPLOAD_DIR=app.config["UPLOAD_DIR"], JOBS_DB=str(tmp_path / "queue.sqlite3"),
               JOBS_QUEUE=f"test-{uuid.uuid4().hex[:8]}", SECRET_KEY=app.config["SECRET_KEY"],
               BASE_URL=app.config["BASE_URL"])
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def _redis_url() -> str | None:
    url = "redis://127.0.0.1:6379/0"
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception:
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail("REQUIRE_REDIS=1 but Redis does not answer", pytrace=False)
        return None
    return url


def _status(job_id: int) -> str:
    """The job's status read in a transaction that ends at once (the consumer writes meanwhile)."""
    status = db.session.scalar(db.select(ExportJob.status).where(ExportJob.id == job_id))
    db.session.rollback()
    return status


@pytest.mark.parametrize("store", ["sqlite", "redis"])
def test_a_real_consumer_runs_a_queued_export_in_its_own_process(app, ctx, tmp_path, store):
    """The path `make run` takes: the web process enqueues, the consumer (another process, its own app) builds."""
    redis_url = _redis_url() if store == "redis" else None
    if store == "redis" and redis_url is None:
        pytest.skip("Redis does not answer (REQUIRE_REDIS=1 makes this fail)")
    club = enrolled()
    row = ExportJob(kind="no_such_builder", enrollment_id=club.enrollment.id, community_id=club.club.community.id,
                    requested_by_id=club.club.convener.id)
    db.session.add(row)
    db.session.flush()
    row_id = row.id
    db.session.commit()
    env = _queue_env(app, tmp_path, redis_url)
    enqueue = ("from workspace.exports.jobs import run_export; "
               f"result = run_export({row_id}); print(type(result).__name__)")
    queued = subprocess.run([sys.executable, "-c", enqueue], env=env, cwd=ROOT, capture_output=True, text=True,
                            timeout=60, check=False)
    assert queued.returncode == 0 and "Result" in queued.stdout, queued.stderr
    assert _status(row_id) == JobStatus.QUEUED.value  # on the queue, not run yet
    consumer = subprocess.Popen([sys.executable, "-m", "huey.bin.huey_consumer", "workspace.tasks.huey",
                                 "--workers", "1", "--quiet"], env=env, cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _status(row_id) not in {"done", "failed"}:
            time.sleep(0.2)
    finally:
        consumer.terminate()
        consumer.wait(timeout=20)
    finished = db.session.get(ExportJob, row_id)
    # The kind has no builder: the consumer ran the job, recorded the failure and said why.
    assert finished.status == JobStatus.FAILED.value and "no_such_builder" in finished.error


def test_the_nightly_upkeep_forgets_jobs_finished_over_a_month_ago(ctx):
    club = enrolled()
    now = dt.datetime(2027, 3, 1, tzinfo=dt.UTC)
    for days in (31, 29):
        db.session.add(ExportJob(kind="results_report", enrollment_id=club.enrollment.id,
                                 community_id=club.club.community.id, status=JobStatus.DONE.value,
                                 finished_at=now - dt.timedelta(days=days)))
    db.session.add(ExportJob(kind="results_report", enrollment_id=club.enrollment.id,
                             community_id=club.club.community.id))  # still queued: never forgotten
    db.session.commit()
    assert jobs.forget_old_jobs(now) == 1
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count()).select_from(ExportJob)) == 2


def test_what_the_exports_enqueue_are_background_jobs_and_nothing_else_is():
    """`enqueue` calls the freezer and the builder: each must be a queued job (else the request would build a
    year's files itself), and their helpers must not be (a helper made a job is queued with a copy of its record
    instead of changing it)."""
    from huey.api import TaskWrapper

    from workspace.exports import freeze

    assert isinstance(freeze.freeze_job, TaskWrapper) and isinstance(jobs.run_export, TaskWrapper)
    queued = {name for name, value in vars(freeze).items() if isinstance(value, TaskWrapper)}
    assert queued == {"freeze_job"}


def test_the_bar_only_moves_forward_over_a_report_s_steps():
    """Each step counts its own items (5 of 5 activities, then 4 of 16 photos): the bar read 99 % after the
    activities and 25 % at the fourth photo. It now moves within each step's share of the whole."""
    seen = []
    for step, total in (("figures", 1), ("activities", 5), ("photos", 16)):
        for done in range(total + 1):
            seen.append(ExportJob(status=JobStatus.RUNNING.value, step=step, done=done, total=total).percent)
    assert seen == sorted(seen) and seen[0] == 0 and seen[-1] == 95
    assert ExportJob(status=JobStatus.DONE.value, step="saving", done=1, total=1).percent == 100
    # A frozen submission counts its steps over the job as a whole: unchanged.
    assert [ExportJob(status=JobStatus.RUNNING.value, step=step, done=done, total=4).percent
            for done, step in enumerate(("report", "ledger", "pack"))] == [0, 25, 50]
