"""Spreadsheets and printable documents answered at once: the activity ledger (XLSX, CSV), the application form
and implementation plan (DOCX), the sign-in sheets of a period, the reviewers' summary (附件1).

Each is built in the request (a few hundred rows, seconds at most: see docs/exports/sheets.md), in the language
asked for (?lang=, else the reader's), and leaves an audit event.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, request
from flask_login import current_user

from workspace.compliance.models import Enrollment
from workspace.core.parsing import parse_id
from workspace.core.permissions import can, require
from workspace.exports import audit, forms_docx, signin, summary
from workspace.exports import ledger as ledgers
from workspace.exports.files import ExportFile
from workspace.exports.routes import bp, export_language, limit_builds, load_enrollment, send_export
from workspace.extensions import db

LEDGERS: dict[str, tuple[str, Callable[..., ExportFile]]] = {
    "xlsx": ("ledger_xlsx", ledgers.ledger_xlsx),
    "csv": ("ledger_csv", ledgers.ledger_csv),
}


def _answer(slug: str, enrollment_id: int, document: str,
            build: Callable[[Enrollment, str], ExportFile]) -> object:
    """Build one enrolment's document in the reader's language, record the export, send the file."""
    community, enrollment = load_enrollment(slug, enrollment_id)
    language = export_language()
    built = build(enrollment, language)
    audit.exported(current_user, document, enrollment, community, language=language)
    db.session.commit()
    return send_export(built)


@bp.get("/c/<slug>/exports/<int:enrollment_id>/ledger.<fmt>")
@limit_builds
def ledger(slug: str, enrollment_id: int, fmt: str):
    """The activity ledger: `xlsx` (four sheets) or `csv` (the activities sheet); any other format is not found."""
    if fmt not in LEDGERS:
        abort(404)
    document, build = LEDGERS[fmt]
    return _answer(slug, enrollment_id, document, build)


@bp.get("/c/<slug>/exports/<int:enrollment_id>/application.docx")
@limit_builds
def application(slug: str, enrollment_id: int):
    """The application form (申請書) from the community's data."""
    return _answer(slug, enrollment_id, "application", forms_docx.application)


@bp.get("/c/<slug>/exports/<int:enrollment_id>/implementation-plan.docx")
@limit_builds
def implementation_plan(slug: str, enrollment_id: int):
    """The implementation plan (實施計畫) from the community's data."""
    # Who guides whom, and when, is the pair's and the conveners' to know: a reviewer's copy counts the pairs.
    return _answer(slug, enrollment_id, "implementation_plan",
                   lambda enrollment, language: forms_docx.implementation_plan(
                       enrollment, language, pairings_named=can(current_user, "view_pairings", enrollment.community)))


@bp.get("/c/<slug>/exports/<int:enrollment_id>/sign-in-sheets.docx")
@limit_builds
def sign_in_sheets(slug: str, enrollment_id: int):
    """The sign-in sheets of the period, a page per activity, as one printable document."""
    return _answer(slug, enrollment_id, "sign_in_sheets", signin.sign_in_sheets)


@bp.get("/review/compliance/summary.xlsx")
@limit_builds
def review_summary():
    """The reviewers' summary (附件1) of the communities the reader reviews (all for an admin); ?program=<id>
    keeps one program's. Reviewers and admins, as the review table (others: 404, it is not advertised)."""
    require(can(current_user, "review"), hide=True)
    program_id = None
    if request.args.get("program"):
        program_id = parse_id(request.args.get("program"))
        if program_id is None:
            abort(404)
    language = export_language()
    built = summary.review_summary(current_user, language, program_id=program_id)
    audit.exported(current_user, "review_summary", current_user._get_current_object(), None, language=language,
                   action="export.review_summary", program_id=program_id)
    db.session.commit()
    return send_export(built)
