"""What the audit trail says of compliance: programs edited, enrolments requested, confirmed and withdrawn,
rules waived and waivers taken back."""

from __future__ import annotations

from workspace.core import audit
from workspace.core.i18n import N_

MESSAGES = {
    "program.created": N_("created the program %(name)s"),
    "program.changed": N_("changed the program %(name)s"),
    "program.archived": N_("archived the program %(name)s"),
    "program.unarchived": N_("brought back the program %(name)s"),
    "enrollment.requested": N_("enrolled %(community)s in the program %(program)s"),
    "enrollment.confirmed": N_("confirmed the enrolment of %(community)s in the program %(program)s"),
    "enrollment.amount_changed": N_("changed the approved amount of %(community)s in %(program)s from %(before)s "
                                    "to %(after)s"),
    "enrollment.withdrawn": N_("withdrew %(community)s from the program %(program)s"),
    "rule.waived": N_("waived the rule %(rule)s of %(program)s for %(community)s"),
    "rule.unwaived": N_("took back the waiver of the rule %(rule)s for %(community)s"),
}


def register() -> None:
    """Give the trail this area's sentences."""
    audit.register_messages(MESSAGES)
