"""What the audit trail says of activities: the sentences of activity, attendance, evidence and monthly
plan events, and attendance in the reader's language."""

from __future__ import annotations

from typing import Any

from workspace.activities.models import Activity
from workspace.activities.services import STATUS_LABELS
from workspace.core import audit
from workspace.core.i18n import N_, gettext

MESSAGES = {
    "activity.cancelled": N_("cancelled the activity %(title)s of %(community)s"),
    "activity.reinstated": N_("took back the cancellation of the activity %(title)s of %(community)s"),
    "attendance.changed": N_("changed the attendance of %(member)s at %(title)s in %(community)s from %(before)s "
                             "to %(after)s"),
    "evidence.removed": N_("removed the file %(name)s from the activity %(title)s of %(community)s"),
    "evidence.restored": N_("put the file %(name)s back into the activity %(title)s of %(community)s"),
    "monthly_plan.submitted": N_("submitted the monthly plan of %(community)s for %(month)s (%(count)s activities)"),
}


def _attendance_change(data: dict[str, Any], _names: audit.EventNames) -> dict[str, str]:
    labels = {key: STATUS_LABELS.get(data.get(key) or "") for key in ("before", "after")}
    return {key: gettext(label) if label else gettext("not marked") for key, label in labels.items()}


def register() -> None:
    """Give the trail this area's sentences and how an attendance change is said."""
    audit.register_messages(MESSAGES, {"attendance.changed": _attendance_change})
    # A cancellation is news for whoever reads the activities; attendance and evidence stay with the managers.
    audit.register_news(("activity.cancelled", "activity.reinstated"), audit.viewers_of(Activity))
    audit.register_target("Activity", "activities.show", "activity_id")
