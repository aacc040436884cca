"""Compliance rules: programs, enrolments, waivers, where a community stands, and its budget ledger.

Services take the actor explicitly, raise domain errors, flush but never commit. One module per topic; this
package re-exports their public names (`services.enrol`, `services.standings`):

- `catalogue`: programs, installed from the presets, created, edited, copied, archived.
- `enrolment`: enrolments and their approved amount, confirmation, withdrawal; reviewers' waivers.
- `standing`: each enrolment judged today by the engine from the gathered facts.
- `budget`: expenses checked against the program's caps, the book list, the ledger.
- `review`: submissions and their rounds, appraisals, deliverables, the reviewers' table and school totals.
- `reminders`: the daily reminders of deliverables due in a week, due tomorrow or overdue, to the conveners.
- `activity_days`: the warning when an activity is moved out of an enrolled program's period (or planned outside
  every one), answered to activities' `activity_dated` signal (imported here, so that it is connected).
"""

from __future__ import annotations

from workspace.compliance.services.activity_days import period_notices
from workspace.compliance.services.catalogue import (
    KEY_PATTERN,
    apply_figures,
    copy_document,
    create_program,
    figure_errors,
    figures_of,
    install_presets,
    programs,
    set_archived,
    stale_messages,
    taken_fields,
    update_program,
)
from workspace.compliance.services.enrolment import (
    MAX_AMOUNT,
    change_amount,
    check_amount,
    confirm,
    enrol,
    enrollments_of,
    live_waivers,
    revoke,
    waiting_enrollments,
    waive,
    withdraw,
    withdrawn_enrollments_of,
)
from workspace.compliance.services.reminders import remind_deadlines
from workspace.compliance.services.standing import Standing, standings

__all__ = ["KEY_PATTERN", "MAX_AMOUNT", "Standing", "apply_figures", "change_amount", "check_amount",
           "confirm", "copy_document", "create_program", "enrol", "enrollments_of", "figure_errors",
           "figures_of",
           "install_presets", "live_waivers", "period_notices", "programs", "remind_deadlines", "revoke",
           "set_archived", "stale_messages", "standings", "taken_fields",
           "update_program", "waiting_enrollments", "waive", "withdraw", "withdrawn_enrollments_of"]
