"""The compliance part of the policy: who reads a community's standing against its programs, who enrols it,
who confirms an enrolment or waives a rule, and who edits programs.

The panel reads like the activities it counts (DESIGN.md's matrix puts compliance beside activities,
attendance and evidence): contributors, the conveners, reviewers in scope and admins. A convener enrols
and withdraws until the enrolment is confirmed; an admin or a reviewer of the community's school confirms,
waives and withdraws a confirmed enrolment; only admins edit programs. The records in full (the ledger, the
report, frozen files, and the receipts and deliverable files they are built from) go only to those who export:
the conveners, reviewers in scope and admins.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from workspace.communities.policy import in_communities, reviews, role_in
from workspace.compliance.models import BookListItem, Deliverable, Enrollment, Program, Waiver
from workspace.core.database import utcnow
from workspace.core.i18n import local_date
from workspace.core.permissions import (
    CONTRIBUTORS,
    MANAGERS,
    StateChange,
    is_admin,
    register_rule,
    register_scope,
    register_site_action,
)
from workspace.core.records import local_day


def enrollment_rule(user: Any, action: str, enrollment: Enrollment) -> bool:
    """What a person may do with a community's enrolment in a program."""
    community = enrollment.community
    role = role_in(user, community)
    admin = is_admin(user)
    reviewer = reviews(user, community)
    open_ = community.archived_at is None and enrollment.withdrawn_at is None
    if action == "view":
        return admin or role in CONTRIBUTORS or reviewer
    if action in {"manage_budget", "submit", "write_report"}:  # expenses, receipts, book list, deliverables;
        # handing it in; the results report's own texts (preface, change in school culture)
        return open_ and (admin or role in MANAGERS)
    if action == "export":  # the report, ledgers, evidence pack, frozen files, receipts and deliverable files: the
        # records in full (a speaker's receipt carries a national ID number, a home address and a bank account)
        return admin or role in MANAGERS or reviewer
    if action == "withdraw":  # out of the program (kept, judged no more): the convener until it is confirmed; then
        # the funder's side has agreed to it, and only those who confirm may take it back (like the amount)
        return open_ and (admin or reviewer or (role in MANAGERS and not enrollment.confirmed))
    if action == "edit_amount":  # until it is confirmed; then only the one who confirms changes it
        return open_ and (admin or reviewer or (role in MANAGERS and not enrollment.confirmed))
    if action in {"confirm", "waive", "decide", "appraise"}:  # confirm: once (ENROLLMENT_CHANGES)
        return open_ and (admin or reviewer)
    raise ValueError(f"unknown enrolment action {action!r}")


def _already_confirmed(enrollment: Enrollment) -> str:
    """Who confirmed the enrolment, and when: said to a second confirmer, whose click changes nothing."""
    if enrollment.confirmed_by is None:
        return gettext("The enrolment is already confirmed.")
    return gettext("The enrolment was already confirmed by %(name)s on %(date)s.",
                   name=enrollment.confirmed_by.display_name, date=local_date(enrollment.confirmed_at))


# Confirmed once: a second tab or a second reviewer leaves who confirmed it, and when, as they are.
ENROLLMENT_CHANGES = {"confirm": StateChange(lambda enrollment: not enrollment.confirmed,
                                             lambda enrollment: enrollment.confirmed, _already_confirmed)}


def enrollment_scope(user: Any, action: str) -> Any:
    """The enrolments a person reads (view), as a condition on Enrollment."""
    if action != "view":
        raise ValueError(f"no list scope for the enrolment action {action!r}")
    return in_communities(Enrollment.community_id, user, "read_activities")


def waiver_rule(user: Any, action: str, waiver: Waiver) -> bool:
    """A waiver is read with its enrolment's panel; the reviewers and admins who may waive revoke it."""
    enrollment = waiver.enrollment
    if action == "view":
        return enrollment_rule(user, "view", enrollment)
    if action == "revoke":
        return waiver.revoked_at is None and enrollment_rule(user, "waive", enrollment)
    raise ValueError(f"unknown waiver action {action!r}")


def enrollment_item_rule(user: Any, action: str, item: BookListItem | Deliverable) -> bool:
    """A title of the book list or a deliverable marked done: read with its enrolment's panel, removed by those who
    manage its budget (from the list only: _removal)."""
    if action == "view":
        return enrollment_rule(user, "view", item.enrollment)
    if action == "remove":
        return enrollment_rule(user, "manage_budget", item.enrollment)
    raise ValueError(f"unknown action {action!r} on {type(item).__name__}")


def _removal(already: Any) -> dict[str, StateChange]:
    """Taking an item off its list: a second time (a second tab) is answered as done, not as a missing page."""
    return {"remove": StateChange(lambda item: item.live, lambda item: not item.live, already)}


def program_rule(user: Any, action: str, program: Program) -> bool:
    """Programs are read by anyone signed in (a convener chooses one to enrol in); only admins edit them.

    `enrol`: whether a program is open to this person for a new enrolment (who may enrol the community at all is
    the community's `manage_activities`): not archived, and its period not ended; an admin may still enrol a
    community in an ended one (a past year recorded afterwards). An enrolment made stays judged either way.
    """
    if action == "view":
        return user.is_authenticated
    if action == "enrol":
        return program.archived_at is None and (is_admin(user) or not program.ended(local_day(utcnow())))
    if action in {"edit", "archive", "copy"}:
        return is_admin(user)
    raise ValueError(f"unknown program action {action!r}")


register_rule(Enrollment, enrollment_rule, changes=ENROLLMENT_CHANGES)
register_scope(Enrollment, enrollment_scope)
register_rule(Waiver, waiver_rule)
register_rule(BookListItem, enrollment_item_rule, changes=_removal(_l("The title is already off the book list.")))
register_rule(Deliverable, enrollment_item_rule,
              changes=_removal(_l("The deliverable is already no longer marked done.")))
register_rule(Program, program_rule)
register_site_action("manage_programs", is_admin)
