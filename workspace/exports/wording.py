"""The names of the exports and of a job's steps, in the reader's language (pages, the audit trail, file names)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext

from workspace.core.i18n import local_date
from workspace.core.records import local_day

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


def withdrawn_on(enrollment: Any, now: dt.datetime) -> dt.date | None:
    """The day the enrolment was withdrawn from its program, when it was by `now` (None: enrolled then): what marks
    its report, ledgers and evidence pack. A round's files frozen before the withdrawal are not marked."""
    withdrawn_at = getattr(enrollment, "withdrawn_at", None)
    return local_day(withdrawn_at) if withdrawn_at is not None and withdrawn_at <= now else None


def withdrawn_text(day: dt.date) -> str:
    """The line at the top of a withdrawn enrolment's report and ledger, in the file's language."""
    return _("Withdrawn on %(date)s: the community left this program that day, and its rules are no longer checked.",
             date=local_date(day))


def withdrawn_mark(day: dt.date | None) -> str:
    """The word a withdrawn enrolment's file names carry after the program's code ("" while enrolled)."""
    return pgettext("in a file's name", "withdrawn") if day is not None else ""
