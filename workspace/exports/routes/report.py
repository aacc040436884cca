"""The results report's own texts (preface, change in school culture, chosen comments) and the funders' DOCX
templates (admins). (Being built: issue 15.)"""

from __future__ import annotations

from flask import abort

from workspace.exports.routes import bp


@bp.route("/c/<slug>/exports/<int:enrollment_id>/texts", methods=["GET", "POST"])
def report_texts(slug: str, enrollment_id: int):
    abort(404)


@bp.get("/admin/exports/templates")
def templates():
    abort(404)
