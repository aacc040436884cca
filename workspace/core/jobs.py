"""Background jobs: one queue (huey) for long work and the periodic jobs, so nobody waits and no school needs cron.

The queue is kept in a SQLite file beside the database (instance/jobs.sqlite3) by default, and in Redis when
REDIS_URL is set (several web servers then share one queue). `make run` starts a consumer beside the web server
(gunicorn.conf.py); `huey_consumer workspace.tasks.huey` starts one by hand. In the tests (and with
JOBS_IMMEDIATE=1) a job runs at once, in the caller's process and app context: the same code, no consumer.

A job is a plain function decorated with `@job()`. It runs inside an app context: the caller's when there is one
(immediate mode), else the consumer's own app, made once per process. A job takes ids, never records, and loads
what it needs: it may run in another process, seconds later.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask, has_app_context
from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.constants import EmptyData

from workspace.config import PROJECT_ROOT

Function = TypeVar("Function", bound=Callable[..., Any])
QUEUE_NAME = os.environ.get("JOBS_QUEUE") or "workspace"  # several deployments (or test runs) on one Redis


def _queue_file() -> Path:
    """instance/jobs.sqlite3 (JOBS_DB names another file)."""
    instance = Path(os.environ.get("INSTANCE_DIR", PROJECT_ROOT / "instance"))
    return Path(os.environ.get("JOBS_DB") or instance / "jobs.sqlite3").resolve()


def _make_queue() -> Huey:
    redis_url = os.environ.get("REDIS_URL")
    immediate = os.environ.get("JOBS_IMMEDIATE", "").lower() in {"1", "true", "yes", "on"}
    if redis_url:
        return RedisHuey(QUEUE_NAME, url=redis_url, immediate=immediate, utc=True)
    path = _queue_file()
    if not immediate:
        path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(QUEUE_NAME, filename=str(path), immediate=immediate, utc=True)


huey: Huey = _make_queue()


def configure(app: Flask) -> None:
    """Run jobs at once when the app says so (tests; JOBS_IMMEDIATE): huey then keeps its queue in memory."""
    if app.config.get("JOBS_IMMEDIATE"):
        huey.immediate = True


_factory: list[Callable[[], Flask]] = []


def use_app_factory(factory: Callable[[], Flask]) -> None:
    """Say how the consumer builds its app (workspace.tasks passes create_app: core imports no app module)."""
    _factory[:] = [factory]


@functools.cache
def _worker_app() -> Flask:
    """The consumer's own app, built once per process on its first job."""
    if not _factory:
        raise RuntimeError("no app factory: start the consumer with workspace.tasks.huey")
    return _factory[0]()


def _in_app_context(function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        if has_app_context():
            return function(*args, **kwargs)
        with _worker_app().app_context():
            try:
                return function(*args, **kwargs)
            finally:
                from workspace.extensions import db

                db.session.remove()

    return run


def job(**options: Any) -> Callable[[Function], Any]:
    """Make `function` a background job: `function(…)` enqueues it (a huey Result), `function.call_local(…)` runs it
    here and now. Options go to huey's task() (retries, retry_delay, priority …)."""

    def decorate(function: Function) -> Any:
        return huey.task(name=function.__name__, **options)(_in_app_context(function))

    return decorate


def periodic_job(schedule: Any) -> Callable[[Function], Any]:
    """Make `function` a job the consumer runs on `schedule` (a huey crontab)."""

    def decorate(function: Function) -> Any:
        return huey.periodic_task(schedule, name=function.__name__)(_in_app_context(function))

    return decorate


# The consumer's heartbeat, kept where the queue is (Redis under JOBS_QUEUE's keys, or instance/jobs.sqlite3), so that
# every web server sharing the queue reads the same one: /healthz/ready fails when it is too old (a dead consumer).
HEARTBEAT_KEY = "consumer-heartbeat"


def beat() -> None:
    """Say that a consumer of this queue runs jobs now (at its start, then every minute: workspace.tasks)."""
    huey.storage.put_data(HEARTBEAT_KEY, repr(time.time()).encode())


def heartbeat_age() -> float | None:
    """Seconds since a consumer of this queue last beat, or None when none ever did."""
    data = huey.storage.peek_data(HEARTBEAT_KEY)
    if data is EmptyData:
        return None
    return max(0.0, time.time() - float(data))


__all__ = ["beat", "crontab", "heartbeat_age", "huey", "job", "periodic_job", "use_app_factory"]
