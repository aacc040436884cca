"""What the audit trail says of exports: every export leaves an event (who, what, which community, which
language), whether it was downloaded at once or built in the background."""

from __future__ import annotations

from typing import Any

from workspace.core import audit
from workspace.core.i18n import N_
from workspace.core.models import record_event
from workspace.exports import wording

MESSAGES = {
    "export.downloaded": N_("exported the %(document)s of %(community)s"),
    "export.built": N_("built the %(document)s of %(community)s in the background"),
    "export.failed": N_("could not build the %(document)s of %(community)s"),
    "export.review_summary": N_("exported the %(document)s of the communities they review"),
    "export.frozen": N_("froze the files of round %(number)s of %(community)s for the reviewers"),
    "template.uploaded": N_("uploaded the funder's template %(name)s"),
    "template.trashed": N_("moved the funder's template %(name)s to the trash"),
    "template.restored": N_("put back the funder's template %(name)s"),
    "report_text.changed": N_("changed the texts of the results report of %(community)s"),
}


def exported(actor: Any, document: str, subject: Any, community: Any = None, *, language: str = "",
             action: str = "export.downloaded", **data: Any) -> None:
    """Record that `actor` exported `document` (a kind of wording.DOCUMENTS) of `subject`."""
    record_event(actor, action, subject, community, document=document, language=language, **data)


def register() -> None:
    """Give the trail this area's sentences, and the documents' names in the reader's language."""
    audit.register_messages(MESSAGES)
    audit.register_label("document", wording.document_name)
