"""Domain errors raised by services, and the error pages (400/401/403/404/413/429/500) in the user's language."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Flask, Response, make_response, render_template, request
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
        for field, message in (pair for error in errors for pair in error.errors):
            if field is None:
                if message not in loose:
                    loose.append(message)
            else:
                several.setdefault(field, message)
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


ERROR_CODES = (400, 401, 403, 404, 405, 413, 429, 500)


def _render_error(code: int, description: str | None = None) -> Response:
    hx = htmx
    template = "errors/_error.html" if hx and not hx.boosted else "errors/error.html"
    response = make_response(render_template(template, code=code, description=description), code)
    response.vary.add("HX-Request")
    return response


def register_error_handlers(app: Flask) -> None:
    """Answer HTTP errors with friendly pages in the user's language."""

    @app.errorhandler(HTTPException)
    def handle_http(error: HTTPException) -> Any:
        if error.code is None or error.code < 400:
            return error
        response = _render_error(error.code)
        if error.code == 429 and getattr(error, "retry_after", None):
            response.headers["Retry-After"] = str(error.retry_after)
        if error.code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception) -> Any:
        db.session.rollback()
        if app.testing and app.config.get("PROPAGATE_TEST_ERRORS", True):
            raise error
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return _render_error(500)
