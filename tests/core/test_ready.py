"""/healthz stays the cheapest answer (the benchmarks' reference: no database); /healthz/ready says whether this
instance can serve: the database answers and a job queue consumer beat recently (QA11 findings 4 and 10)."""

from __future__ import annotations

import time

import pytest

from workspace import create_app
from workspace.core import jobs


@pytest.fixture()
def consumer_expected(app, monkeypatch):
    """The heartbeat checked, as in production (the tests otherwise run jobs at once, with no consumer)."""
    monkeypatch.setitem(app.config, "JOBS_IMMEDIATE", False)
    jobs.huey.storage.pop_data(jobs.HEARTBEAT_KEY)
    yield
    jobs.huey.storage.pop_data(jobs.HEARTBEAT_KEY)


def test_healthz_reads_no_database(client, count_queries):
    with count_queries() as statements:
        response = client.get("/healthz")
    assert (response.status_code, response.get_data(as_text=True)) == (200, "ok")
    assert statements == []


def test_ready_checks_the_database(client, count_queries):
    with count_queries() as statements:
        response = client.get("/healthz/ready")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.get_json() == {"status": "ok", "checks": {"database": "ok", "jobs": "not checked"}}
    assert [statement.strip() for statement in statements] == ["SELECT 1"]


def test_with_the_database_down_healthz_is_ok_and_ready_is_not(app, tmp_path):
    down = create_app({"TESTING": True, "SECRET_KEY": "k" * 32, "INSTANCE_DIR": str(tmp_path),
                       "SERVER_NAME": "workspace.test", "BASE_URL": "http://workspace.test",
                       "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:9/nothing"})
    client = down.test_client()
    assert client.get("/healthz").status_code == 200  # the process is up: a liveness check only
    response = client.get("/healthz/ready")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"] == "unreachable"
    assert response.get_json()["status"] == "unavailable"


def test_ready_fails_until_a_consumer_beats_and_when_its_beat_is_old(client, app, consumer_expected):
    response = client.get("/healthz/ready")
    assert response.status_code == 503
    assert response.get_json()["checks"] == {"database": "ok", "jobs": "no consumer has run yet"}

    jobs.beat()
    assert client.get("/healthz/ready").status_code == 200

    # The consumer died five minutes ago (its last beat), beyond the limit of three.
    jobs.huey.storage.put_data(jobs.HEARTBEAT_KEY, repr(time.time() - 300).encode())
    response = client.get("/healthz/ready")
    assert response.status_code == 503
    assert response.get_json()["checks"]["jobs"] == "no consumer for 300 s (limit 180 s)"


def test_the_heartbeat_check_can_be_turned_off(client, app, consumer_expected, monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_HEARTBEAT_MAX_AGE_SECONDS", 0)
    assert client.get("/healthz/ready").get_json()["checks"]["jobs"] == "not checked"


def test_the_consumer_beats_at_its_start_and_every_minute():
    from workspace import tasks

    assert "first_heartbeat" in jobs.huey._startup
    task = tasks.heartbeat_job.task_class()
    assert all(task.validate_datetime(minute) for minute in _minutes())  # a periodic job: every minute


def _minutes():
    import datetime as dt

    start = dt.datetime(2026, 12, 5, 11, 0)
    return [start + dt.timedelta(minutes=step) for step in range(0, 120, 7)]
