"""Domain errors raised by services, and the error pages (400/401/403/404/413/429/500/503) in the user's language."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, current_app, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from workspace.extensions import db, htmx


class DomainError(Exception):
    """A rule of the domain refused the action; `field` names the form field it belongs beside."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self._several: list[tuple[str | None, str]] | None = None

    @property
    def errors(self) -> list[tuple[str | None, str]]:
        """Every (field, message) this error carries: one, or several found by one check of a form."""
        return list(self._several) if self._several is not None else [(self.field, self.message)]


class ValidationError(DomainError):
    """The input breaks a rule (duplicate slug, expired invitation …); one, or several found at once."""

    @classmethod
    def combine(cls, errors: Sequence[DomainError]) -> ValidationError:
        """One error carrying all of `errors`, the first message per field (what a form shows beside it)."""
        several: dict[str, str] = {}
        loose: list[str] = []
        for name, message in (pair for error in errors for pair in error.errors):
            if name is None:
                if message not in loose:
                    loose.append(message)
            else:
                several.setdefault(name, message)
        pairs: list[tuple[str | None, str]] = [*several.items(), *((None, message) for message in loose)]
        combined = cls(pairs[0][1], pairs[0][0])
        combined._several = pairs
        return combined


class Checks:
    """Run every check of one input and raise what they refused together, so a person sees all at once.

        checks = Checks()
        with checks:
            title = checked_line(…, "title", …)
        with checks:
            starts, ends = check_times(…)
        checks.done()  # one ValidationError naming the title and the times, or nothing

    A value assigned inside a block that refused is unbound: use it only after `done()`.
    """

    def __init__(self) -> None:
        self.found: list[ValidationError] = []

    def __enter__(self) -> Checks:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, traceback: Any) -> bool:
        if isinstance(error, ValidationError):
            self.found.append(error)
            return True  # keep checking the other fields
        return False

    def done(self) -> None:
        """Raise one ValidationError carrying everything refused so far, if anything was."""
        if self.found:
            raise ValidationError.combine(self.found)


class NotAllowed(DomainError):
    """The actor may not do this, whatever the input."""


class Conflict(DomainError):
    """Someone else changed the record first."""


class TooSoon(DomainError):
    """The person did this too often lately (core/ratelimit.py): it is allowed again in `retry_after` seconds.
    A route answers 429 with Retry-After and the form, what was typed kept."""

    def __init__(self, message: str, field: str | None = None, *, retry_after: int) -> None:
        super().__init__(message, field)
        self.retry_after = retry_after


ERROR_CODES = (400, 401, 403, 404, 405, 413, 429, 500, 503)
# How long a person is asked to wait after a lock wait timed out: the writes in the way take milliseconds.
RETRY_AFTER_SECONDS = 3
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# SQLSTATEs of PostgreSQL's lock_timeout, deadlock and serialization failure: nothing saved, sending again works.
POSTGRES_CONTENTION = frozenset({"55P03", "40P01", "40001"})


def _render_error(code: int, description: str | None = None, **context: Any) -> Response:
    hx = htmx
    template = "errors/_error.html" if hx and not hx.boosted else "errors/error.html"
    response = make_response(render_template(template, code=code, description=description, **context), code)
    response.vary.add("HX-Request")
    return response


def is_lock_timeout(error: BaseException) -> bool:
    """Whether the database gave up waiting for a lock that another transaction held, so nothing was saved:
    SQLite's busy timeout ("database is locked"), PostgreSQL's lock timeout, a deadlock or a serialization
    failure."""
    original = getattr(error, "orig", None) or error
    if isinstance(original, sqlite3.Error):
        code = getattr(original, "sqlite_errorcode", None)
        if code is None:
            return "database is locked" in str(original)
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)  # extended codes keep the primary low byte
    return getattr(original, "sqlstate", None) in POSTGRES_CONTENTION


@dataclass
class Resend:
    """What a form sent, to be sent again as it was: the values (typed text shown, the rest hidden) and the
    names of the files, which a browser cannot be handed back and are chosen again."""

    action: str
    values: list[tuple[str, str, bool]] = field(default_factory=list)  # (name, value, shown)
    files: list[tuple[str, str]] = field(default_factory=list)  # (field name, file name)

    @property
    def shows_text(self) -> bool:
        return any(shown for _name, _value, shown in self.values)


def _typed(value: str) -> bool:
    """Whether a value reads as something a person typed (spaces, Chinese …) rather than a key or a choice."""
    return any(char.isspace() or ord(char) > 127 for char in value)


def _resend() -> Resend | None:
    if request.method in SAFE_METHODS or not request.mimetype.startswith(
            ("multipart/form-data", "application/x-www-form-urlencoded")):
        return None
    query = request.query_string.decode("latin-1")
    resend = Resend(action=request.script_root + request.path + (f"?{query}" if query else ""))
    for name, value in request.form.items(multi=True):
        if name != "csrf_token":  # the page brings a token of its own
            resend.values.append((name, value, _typed(value)))
    for name, upload in request.files.items(multi=True):
        if upload.filename:
            resend.files.append((name, upload.filename))
    return resend


def _busy_response() -> Response:
    """Answer a write that waited for the lock in vain: 503 with Retry-After, and nothing typed is lost.

    htmx: the error (not swapped, so the form on the page keeps its text), whose heading app.js shows as the
    message. A plain form: the same message above the form's values, ready to be sent again. A script that
    asks for JSON: {"error": message}.
    """
    current_app.logger.warning("the database stayed locked for %s %s: answered 503", request.method, request.path)
    if request.accept_mimetypes.best == "application/json":
        response = jsonify(error=_("The server is busy and nothing was saved. Try again in a few seconds."))
        response.status_code = 503
    elif htmx and not htmx.boosted:
        response = _render_error(503, saving=request.method not in SAFE_METHODS)
    else:
        response = _render_error(503, saving=request.method not in SAFE_METHODS, resend=_resend())
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


def register_error_handlers(app: Flask) -> None:
    """Answer HTTP errors with friendly pages in the user's language."""

    @app.errorhandler(HTTPException)
    def handle_http(error: HTTPException) -> Any:
        if error.code is None or error.code < 400:
            return error
        # A reason given with the abort (deny(reason=…): "This plan is final …") is said instead of the default.
        reason = error.description if error.description != type(error).description else None
        response = _render_error(error.code, reason)
        if error.code == 429 and getattr(error, "retry_after", None):
            response.headers["Retry-After"] = str(error.retry_after)
        if error.code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception) -> Any:
        db.session.rollback()
        if is_lock_timeout(error):
            return _busy_response()
        if app.testing and app.config.get("PROPAGATE_TEST_ERRORS", True):
            raise error
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return _render_error(500)
