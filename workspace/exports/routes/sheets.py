"""Spreadsheets and printable documents answered at once: the activity ledger (XLSX, CSV), the application form
and implementation plan (DOCX), the sign-in sheets of a period, the reviewers' summary (附件1). (Being built.)"""

from __future__ import annotations

from flask import abort

from workspace.exports.routes import bp


@bp.get("/c/<slug>/exports/<int:enrollment_id>/ledger.<fmt>")
def ledger(slug: str, enrollment_id: int, fmt: str):
    abort(404)


@bp.get("/c/<slug>/exports/<int:enrollment_id>/application.docx")
def application(slug: str, enrollment_id: int):
    abort(404)


@bp.get("/c/<slug>/exports/<int:enrollment_id>/implementation-plan.docx")
def implementation_plan(slug: str, enrollment_id: int):
    abort(404)


@bp.get("/c/<slug>/exports/<int:enrollment_id>/sign-in-sheets.docx")
def sign_in_sheets(slug: str, enrollment_id: int):
    abort(404)


@bp.get("/review/compliance/summary.xlsx")
def review_summary():
    abort(404)
