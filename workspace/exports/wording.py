"""The names of the exports and of a job's steps, in the reader's language (pages, the audit trail, file names)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

DOCUMENTS = {
    "results_report": _l("results report"),
    "ledger_xlsx": _l("activity ledger (Excel)"),
    "ledger_csv": _l("activity ledger (CSV)"),
    "application": _l("application form"),
    "implementation_plan": _l("implementation plan"),
    "sign_in_sheets": _l("sign-in sheets"),
    "evidence_pack": _l("evidence pack"),
    "review_summary": _l("reviewers' summary (附件1)"),
    "submission": _l("frozen submission"),
    "handbook": _l("development handbook"),
    "plan": _l("co-planning document"),
}

STEPS = {
    "": _l("Waiting for its turn…"),
    "figures": _l("Reading the figures…"),
    "activities": _l("Writing the activities…"),
    "photos": _l("Placing the photos…"),
    "ledger": _l("Writing the ledger…"),
    "pack": _l("Packing the evidence…"),
    "saving": _l("Saving the file…"),
}

LANGUAGE_NAMES = {"zh_Hant": "繁體中文", "zh_Hans": "简体中文", "en": "English"}


def document_name(kind: str) -> str:
    """What the export is called (its kind when unknown, never an error)."""
    label = DOCUMENTS.get(kind)
    return str(label) if label is not None else kind


def step_text(step: str) -> str:
    """What a running job is doing, in words."""
    label = STEPS.get(step)
    return str(label) if label is not None else _("Working…")
