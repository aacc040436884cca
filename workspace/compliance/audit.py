"""What the audit trail says of compliance: programs edited, enrolments requested, confirmed and withdrawn,
rules waived and waivers taken back."""

from __future__ import annotations

from workspace.compliance import wording
from workspace.core import audit
from workspace.core.i18n import N_

MESSAGES = {
    "program.created": N_("created the program %(name)s"),
    "program.changed": N_("changed the program %(name)s (%(changes)s)"),
    "program.archived": N_("archived the program %(name)s"),
    "program.unarchived": N_("brought back the program %(name)s"),
    "enrollment.requested": N_("enrolled %(community)s in the program %(program)s"),
    "enrollment.confirmed": N_("confirmed the enrolment of %(community)s in the program %(program)s"),
    "enrollment.amount_changed": N_("changed the approved amount of %(community)s in %(program)s from %(before)s "
                                    "to %(after)s"),
    "enrollment.withdrawn": N_("withdrew %(community)s from the program %(program)s"),
    "rule.waived": N_("waived the rule %(rule)s of %(program)s for %(community)s"),
    "rule.unwaived": N_("took back the waiver of the rule %(rule)s for %(community)s"),
    "enrollment.appraised": N_("recorded the appraisal of %(community)s in %(program)s"),
    "submission.submitted": N_("submitted %(community)s's standing in %(program)s to the reviewers (round "
                               "%(number)s)"),
    "submission.approved": N_("approved the submission of %(community)s in %(program)s (round %(number)s)"),
    "submission.returned": N_("returned the submission of %(community)s in %(program)s with comments (round "
                              "%(number)s)"),
    "deliverable.marked": N_("marked the %(item)s of %(community)s done in %(program)s"),
    "deliverable.replaced": N_("marked the %(item)s of %(community)s done again in %(program)s (it replaces the one "
                               "marked before, kept in the history)"),
    "deliverable.unmarked": N_("took back the %(item)s of %(community)s"),
    "expense.added": N_("added an expense to the budget of %(community)s in %(program)s"),
    "expense.changed": N_("changed an expense of %(community)s in %(program)s"),
    "expense.trashed": N_("moved an expense of %(community)s in %(program)s to the trash"),
    "expense.restored": N_("put back an expense of %(community)s in %(program)s"),
    "book.added": N_("added %(title)s to the book list of %(community)s"),
    "book.removed": N_("took %(title)s off the book list of %(community)s"),
}


def register() -> None:
    """Give the trail this area's sentences, the deliverables' names in the reader's language and what a program's
    save changed."""
    audit.register_messages(MESSAGES)
    audit.register_label("item", wording.item_text)
    audit.register_label("changes", wording.program_changes_text)
    audit.register_funder_names(action for action in MESSAGES if action.startswith("program."))
    audit.register_target("Enrollment", "compliance.panel")
