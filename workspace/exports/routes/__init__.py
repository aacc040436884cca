"""Exports' pages and downloads: the community's exports page with its background jobs (centre.py), the results
report's texts and the funders' templates (report.py), the spreadsheets and printable documents (sheets.py), the
evidence pack and the frozen submissions' files (pack.py).

Every route loads the community through the one policy (outsiders get 404) and asks can() for `export` on the
enrolment; every download leaves an audit event.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, current_app, request
from flask_babel import get_locale
from flask_login import current_user

from workspace.communities.access import load_community
from workspace.compliance.models import Enrollment
from workspace.core.permissions import can, require
from workspace.core.storage import send_built
from workspace.exports import audit
from workspace.exports.files import ExportFile, language_or_default
from workspace.extensions import db, limiter, per_person

bp = Blueprint("exports", __name__)
bp.record_once(lambda _setup: audit.register())

# Every document built on request (the evidence pack streams every file of a period) counts against one allowance
# per person (EXPORT_RATE_LIMIT): enough for a convener trying each document in each language at 11 pm, not for a
# script building the pack in a loop. Downloading a file already built (a job's, a submission's) does not count.
limit_builds = limiter.shared_limit(lambda: current_app.config["EXPORT_RATE_LIMIT"], scope="exports",
                                    key_func=per_person)


def load_enrollment(slug: str, enrollment_id: int, action: str = "export") -> tuple[Any, Enrollment]:
    """The community at /c/<slug>/ and its enrolment (404 for outsiders and strangers' ids, 403 without `action`)."""
    community = load_community(slug)
    enrollment = db.session.get(Enrollment, enrollment_id)
    if enrollment is None or enrollment.community_id != community.id:
        abort(404)
    if enrollment.withdrawn_at is not None and action != "export":  # its records are still exported, not written
        abort(404)
    require(can(current_user, action, enrollment))
    return community, enrollment


def export_language() -> str:
    """The language asked for (?lang= or a form's `language`), else the reader's own."""
    asked = request.values.get("lang") or request.values.get("language")
    return language_or_default(asked, str(get_locale() or "zh_Hant"))


def send_export(built: ExportFile) -> Response:
    """Answer with a built file as an attachment named in the reader's language (RFC 5987 `filename*`)."""
    if built.data is not None:
        body: Any = built.data
    else:
        body = _read_and_remove(built.path)
    return send_built(body, built.filename, built.media_type, ascii_name=built.ascii_name)


def _read_and_remove(path: Any):
    """Stream a temporary file in chunks, then delete it."""
    try:
        with open(path, "rb") as handle:
            yield from iter(lambda: handle.read(256 * 1024), b"")
    finally:
        path.unlink(missing_ok=True)


from workspace.exports.routes import centre, pack, report, sheets  # noqa: E402, F401  (the routes on bp)
