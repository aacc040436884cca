"""Site-wide routes that belong to no area: the health check and the Markdown preview of every editor."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import text

from workspace.core import jobs
from workspace.core.htmx import render_page
from workspace.core.permissions import public
from workspace.core.text import render_markdown
from workspace.extensions import db, limiter, per_person

bp = Blueprint("core", __name__)
logger = logging.getLogger(__name__)

MAX_PREVIEW = 200_000  # characters rendered; longer than any field that takes Markdown


@bp.get("/healthz")
@public
def health():
    """Answer that the process is up (for load balancers and the benchmark's baseline)."""
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


@bp.get("/healthz/ready")
@public
def ready():
    """Whether this instance can serve (for load balancers and monitors; /healthz only says the process is up): the
    database answers one `SELECT 1`, and a job queue consumer beat within JOBS_HEARTBEAT_MAX_AGE_SECONDS. 200 or
    503, with a JSON body naming each check's state."""
    checks = {"database": _database_state(), "jobs": _jobs_state()}
    healthy = all(state in ("ok", "not checked") for state in checks.values())
    response = jsonify(status="ok" if healthy else "unavailable", checks=checks)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response


def _database_state() -> str:
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # whatever the reason, the instance cannot serve pages
        logger.error("readiness: the database does not answer (%s)", error)
        return "unreachable"
    return "ok"


def _jobs_state() -> str:
    limit = current_app.config["JOBS_HEARTBEAT_MAX_AGE_SECONDS"]
    if current_app.config.get("JOBS_IMMEDIATE") or limit <= 0:
        return "not checked"  # jobs run in the request (tests, JOBS_IMMEDIATE), or the check is turned off
    try:
        age = jobs.heartbeat_age()
    except Exception as error:  # the queue's store (Redis, its SQLite file) is away
        logger.error("readiness: the job queue cannot be read (%s)", error)
        return "queue unreachable"
    if age is None:
        return "no consumer has run yet"
    if age > limit:
        logger.error("readiness: the job queue's consumer last ran %.0f s ago", age)
        return f"no consumer for {age:.0f} s (limit {limit} s)"
    return "ok"


def _preview_limit() -> str:
    return current_app.config["PREVIEW_RATE_LIMIT"]


@bp.post("/markdown/preview")
@limiter.limit(_preview_limit, key_func=per_person)
def preview_markdown():
    """Render Markdown as it will look once saved (the editors' Preview tab and live previews)."""
    source = request.form.get("body") or ""
    return render_page("core/_markdown_preview.html", html=render_markdown(source[:MAX_PREVIEW]))
