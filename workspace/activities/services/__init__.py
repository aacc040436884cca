"""Activity rules: planning (one, a copy, a weekly or monthly series), cancelling, the sign-in window
and its QR token, attendance (self sign-in, the convener's table, changes audited), excused leave and
the minutes.

Services take the actor explicitly, raise domain errors, flush but never commit. Times come in as the
deployment's local wall-clock time and are stored in UTC, so hours are right across midnight and across
daylight-saving changes.

One module per topic; this package re-exports their public names, so callers write `services.sign_in`
or `from workspace.activities.services import METHOD_LABELS` without knowing the module:

- `checks`: checking an activity's fields (times, speakers, participants).
- `planning`: planning one activity or a series, changing, cancelling and reinstating.
- `listing`: lists of activities, the month calendar and the next activities of a reader's homes.
- `signin`: the sign-in window, the QR token, scan receipts and self sign-in.
- `attendance`: the convener's attendance table, excused leave, participation between two dates.
- `minutes`: the minutes and the members on the sign-in sheet.
- `evidence`: evidence of an activity and its checklist.
- `feedback`: participants' feedback and its summary.
- `monthly`: monthly plans, their deadlines and status.
- `outputs`: what an activity produced (linked library resources).
- `_common`: limits, labels, the time zone and UTC conversions, the line/text and manager checks, and the
  community's members (shared by all).

The modules import each other directly (never this `__init__`): `_common` first, then the topics.
"""

from __future__ import annotations

from workspace.activities.services._common import (
    LATE_AFTER,
    MAX_HOURS,
    MAX_LINE,
    MAX_SERIES,
    MAX_TEXT,
    MAX_TITLE,
    METHOD_LABELS,
    MINUTES_TEMPLATE,
    MODE_LABELS,
    PER_PAGE,
    SIGN_IN_CLOSES,
    SIGN_IN_OPENS,
    STATUS_LABELS,
    community_members,
    hours_of,
    is_marked_ahead,
    to_local,
    to_utc,
    zone,
)
from workspace.activities.services.attendance import (
    RosterRow,
    decide_leave,
    is_expected,
    my_attendance,
    my_leave,
    participation,
    pending_leave,
    request_leave,
    roster,
    set_attendance,
)
from workspace.activities.services.checks import (
    ActivityFields,
    CheckedActivity,
    SpeakerFields,
    check_activity,
    check_times,
)
from workspace.activities.services.evidence import (
    EVIDENCE_KINDS,
    MAX_CAPTION,
    Checklist,
    add_evidence,
    checklist,
    evidence_kind,
    evidence_of,
    remove_evidence,
    set_caption,
)
from workspace.activities.services.feedback import (
    MAX_COMMENT,
    FeedbackSummary,
    check_feedback,
    feedback_summary,
    give_feedback,
    my_feedback,
)
from workspace.activities.services.listing import (
    ActivityPage,
    MonthDay,
    NextActivity,
    list_activities,
    month_calendar,
    next_activities,
)
from workspace.activities.services.minutes import (
    members_for_sheet,
    minutes_template,
    private_minutes_reason,
    save_minutes,
)
from workspace.activities.services.monthly import (
    PlanStatus,
    activities_in_month,
    month_bounds,
    monthly_plan,
    next_month,
    plan_deadline,
    plan_status,
    submit_monthly_plan,
)
from workspace.activities.services.outputs import (
    OUTPUT,
    link_resource,
    linked_resources,
    resources_to_link,
    unlink,
)
from workspace.activities.services.planning import (
    activity_dated,
    cancel_activity,
    cancel_recorded_activity,
    create_activity,
    create_series,
    dating_notices,
    fields_of,
    move_recorded_activity,
    record_activity,
    reinstate_activity,
    reinstate_recorded_activity,
    update_activity,
)
from workspace.activities.services.signin import (
    CodeExpired,
    SignInPurpose,
    browser_mark,
    check_token,
    code_grace,
    code_replaced_at,
    code_seconds,
    code_step,
    login_grace,
    regenerate_sign_in,
    scan_moment,
    scan_receipt,
    sign_in,
    sign_in_purpose,
    sign_in_state,
    sign_in_token,
    sign_in_window,
    signed_in,
    token_names,
)

# The clock the services read, re-exported as the single module had it (tests take "now" from here).
from workspace.core.database import utcnow

__all__ = [
    "EVIDENCE_KINDS",
    "LATE_AFTER",
    "MAX_CAPTION",
    "MAX_COMMENT",
    "MAX_HOURS",
    "MAX_LINE",
    "MAX_SERIES",
    "MAX_TEXT",
    "MAX_TITLE",
    "METHOD_LABELS",
    "MINUTES_TEMPLATE",
    "MODE_LABELS",
    "OUTPUT",
    "PER_PAGE",
    "SIGN_IN_CLOSES",
    "SIGN_IN_OPENS",
    "STATUS_LABELS",
    "ActivityFields",
    "ActivityPage",
    "CheckedActivity",
    "Checklist",
    "CodeExpired",
    "FeedbackSummary",
    "MonthDay",
    "NextActivity",
    "PlanStatus",
    "RosterRow",
    "SignInPurpose",
    "SpeakerFields",
    "activities_in_month",
    "activity_dated",
    "add_evidence",
    "browser_mark",
    "cancel_activity",
    "cancel_recorded_activity",
    "check_activity",
    "check_feedback",
    "check_times",
    "check_token",
    "checklist",
    "code_grace",
    "code_replaced_at",
    "code_seconds",
    "code_step",
    "community_members",
    "create_activity",
    "create_series",
    "dating_notices",
    "decide_leave",
    "evidence_kind",
    "evidence_of",
    "feedback_summary",
    "fields_of",
    "give_feedback",
    "hours_of",
    "is_expected",
    "is_marked_ahead",
    "link_resource",
    "linked_resources",
    "list_activities",
    "login_grace",
    "members_for_sheet",
    "minutes_template",
    "month_bounds",
    "month_calendar",
    "monthly_plan",
    "move_recorded_activity",
    "my_attendance",
    "my_feedback",
    "my_leave",
    "next_activities",
    "next_month",
    "participation",
    "pending_leave",
    "plan_deadline",
    "plan_status",
    "private_minutes_reason",
    "record_activity",
    "regenerate_sign_in",
    "reinstate_activity",
    "reinstate_recorded_activity",
    "remove_evidence",
    "request_leave",
    "resources_to_link",
    "roster",
    "save_minutes",
    "scan_moment",
    "scan_receipt",
    "set_attendance",
    "set_caption",
    "sign_in",
    "sign_in_purpose",
    "sign_in_state",
    "sign_in_token",
    "sign_in_window",
    "signed_in",
    "submit_monthly_plan",
    "to_local",
    "to_utc",
    "token_names",
    "unlink",
    "update_activity",
    "utcnow",
    "zone",
]
