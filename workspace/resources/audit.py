"""What the audit trail says of the resource library: the sentences of `resource.*` events."""

from __future__ import annotations

from workspace.core import audit
from workspace.core.i18n import N_

MESSAGES = {
    "resource.trashed": N_("moved the resource %(title)s of %(community)s to the trash"),
    "resource.restored": N_("restored the resource %(title)s of %(community)s"),
    "resource.purged": N_("deleted the resource %(title)s of %(community)s for good"),
}


def register() -> None:
    """Give the trail this area's sentences."""
    audit.register_messages(MESSAGES)
