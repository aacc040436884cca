"""The evidence pack (a streamed ZIP) and a submission's frozen files. (Being built: issue 15.)"""

from __future__ import annotations

from flask import abort

from workspace.exports.routes import bp


@bp.get("/c/<slug>/exports/<int:enrollment_id>/evidence.zip")
def evidence_pack(slug: str, enrollment_id: int):
    abort(404)


@bp.get("/c/<slug>/compliance/<int:enrollment_id>/submissions/<int:submission_id>/files/<int:file_id>")
def submission_file(slug: str, enrollment_id: int, submission_id: int, file_id: int):
    abort(404)
