"""Enrolments (requested by a convener, confirmed by an admin or reviewer, withdrawn) and reviewers'
waivers of a rule."""


from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from workspace.compliance.models import (
    Enrollment,
    EnrollmentStatus,
    Expense,
    Program,
    Submission,
    SubmissionStatus,
    Waiver,
)
from workspace.compliance.services import notices
from workspace.core.database import utcnow
from workspace.core.errors import ValidationError
from workspace.core.models import record_event
from workspace.extensions import db

MAX_AMOUNT = 10**12  # minor units: far above any community grant, far below the column's limit





def check_amount(amount: int | None) -> int:
    """An approved amount in minor units: a whole number from 0 up."""
    if amount is None or amount < 0 or amount > MAX_AMOUNT:
        raise ValidationError(_("Enter the approved amount, 0 or more."), "approved_amount")
    return amount


def _enrollment_in(community_id: int, program_id: int) -> Enrollment | None:
    return db.session.scalar(select(Enrollment).where(
        Enrollment.community_id == community_id, Enrollment.program_id == program_id))


def _same_request(enrollment: Enrollment | None, amount: int, actor: Any) -> bool:
    """Whether `enrollment` is the one this very request asked for, made by the other press of the button."""
    return (enrollment is not None and enrollment.withdrawn_at is None
            and enrollment.status == EnrollmentStatus.REQUESTED.value and enrollment.approved_amount == amount
            and enrollment.requested_by_id == getattr(actor, "id", None))


def enrol(community: Any, program: Program, approved_amount: int | None, actor: Any) -> Enrollment:
    """Enrol a community in a program (to be confirmed); a withdrawn enrolment in it is taken up again."""
    amount = check_amount(approved_amount)
    if program.archived_at is not None:
        raise ValidationError(_("This program takes no new enrolments."), "program")
    enrollment = _enrollment_in(community.id, program.id)
    if enrollment is not None and enrollment.withdrawn_at is None:
        raise ValidationError(_("The community is already enrolled in this program."), "program")
    fresh = enrollment is None
    if fresh:
        enrollment = Enrollment(community_id=community.id, program_id=program.id)
    enrollment.approved_amount = amount
    enrollment.status = EnrollmentStatus.REQUESTED.value
    enrollment.requested_by_id = getattr(actor, "id", None)
    enrollment.requested_at = utcnow()
    enrollment.confirmed_by_id = enrollment.confirmed_at = enrollment.withdrawn_at = None
    try:
        with db.session.begin_nested():
            db.session.add(enrollment)
            db.session.flush()
    except IntegrityError:  # enrolled by another request meanwhile (the button pressed twice on a slow line)
        earlier = _enrollment_in(community.id, program.id)
        if fresh and _same_request(earlier, amount, actor):
            return earlier  # type: ignore[return-value]
        raise ValidationError(_("The community is already enrolled in this program."), "program") from None
    record_event(actor, "enrollment.requested", enrollment, community, program=program.name, amount=amount)
    notices.enrolled(enrollment, actor)
    return enrollment


def confirm(enrollment: Enrollment, actor: Any) -> bool:
    """An admin or reviewer confirms the enrolment (and the approved amount). One already confirmed is left as it
    is, its confirmer and time kept (False)."""
    if enrollment.confirmed:
        return False
    enrollment.status = EnrollmentStatus.CONFIRMED.value
    enrollment.confirmed_by_id = getattr(actor, "id", None)
    enrollment.confirmed_at = utcnow()
    record_event(actor, "enrollment.confirmed", enrollment, enrollment.community, program=enrollment.program.name,
                 amount=enrollment.approved_amount)
    notices.confirmed(enrollment, actor)
    return True


def claimable_total(enrollment: Enrollment) -> int:
    """What the enrolment's live expenses marked claimable add up to (one query). An int on every database:
    PostgreSQL's SUM of a BIGINT is NUMERIC (a Decimal), which the audit trail's JSON cannot hold."""
    return int(db.session.scalar(select(func.coalesce(func.sum(Expense.amount), 0)).where(
        Expense.enrollment_id == enrollment.id, Expense.claimable.is_(True), Expense.live)) or 0)


def change_amount(enrollment: Enrollment, amount: int | None, actor: Any) -> int:
    """Change the approved amount (kept in the trail with the old value); answer what is already claimable.

    An amount below the claimable total is accepted: it is the funder's decision, recorded by whoever may
    record it, and the convener alone can set expenses aside. The route warns with the numbers, the ledger and
    the panel show the overrun, and no more claimable spending is accepted until it is resolved.
    """
    before = enrollment.approved_amount
    enrollment.approved_amount = check_amount(amount)
    claimable = claimable_total(enrollment)
    record_event(actor, "enrollment.amount_changed", enrollment, enrollment.community,
                 program=enrollment.program.name, before=before, after=enrollment.approved_amount,
                 claimable=claimable)
    if enrollment.approved_amount != before:
        notices.amount_changed(enrollment, before, actor)
    return claimable


def withdraw(enrollment: Enrollment, actor: Any) -> None:
    """Take the community out of the program: kept, with its waivers, and judged no more. Refused while one of its
    submissions is with the reviewers: withdrawn, it left their table and nobody could decide it."""
    if db.session.scalar(select(Submission.id).where(Submission.enrollment_id == enrollment.id,
                                                     Submission.status == SubmissionStatus.SUBMITTED.value).limit(1)):
        raise ValidationError(_("A submission of this enrolment is with the reviewers: it is approved or returned "
                                "before the community leaves the program."), "enrollment")
    enrollment.withdrawn_at = utcnow()
    record_event(actor, "enrollment.withdrawn", enrollment, enrollment.community, program=enrollment.program.name)
    notices.withdrawn(enrollment, actor)


def withdrawn_enrollments_of(community_id: int) -> list[Enrollment]:
    """A community's withdrawn enrolments, the latest withdrawal first (one query, programs loaded): judged no
    more, their records still read and exported."""
    return list(db.session.scalars(
        select(Enrollment).options(selectinload(Enrollment.program))
        .where(Enrollment.community_id == community_id, Enrollment.withdrawn_at.is_not(None))
        .order_by(Enrollment.withdrawn_at.desc(), Enrollment.id)))


def waiting_enrollments() -> list[Enrollment]:
    """Every live enrolment not confirmed yet, the oldest request first, with its community and program (one query):
    what waits for an administrator or a reviewer."""
    return list(db.session.scalars(
        select(Enrollment).options(selectinload(Enrollment.program), selectinload(Enrollment.community))
        .where(Enrollment.status == EnrollmentStatus.REQUESTED.value, Enrollment.live)
        .order_by(Enrollment.requested_at, Enrollment.id)))


def enrollments_of(community_id: int) -> list[Enrollment]:
    """A community's live enrolments, the current programs first (one query, programs loaded with them)."""
    return list(db.session.scalars(
        select(Enrollment).join(Program, Program.id == Enrollment.program_id)
        .where(Enrollment.community_id == community_id, Enrollment.live)
        .order_by(Program.last_day.desc(), Program.name, Enrollment.id)))




def waive(enrollment: Enrollment, rule_id: str, reason: str, actor: Any) -> Waiver:
    """Waive one rule of the program for this community, with the reason (shown on the panel)."""
    reason = " ".join((reason or "").split())
    rule_ids = {rule["id"] for rule in enrollment.program.definition.get("rules", ())}
    if rule_id not in rule_ids:
        raise ValidationError(_("This program has no such rule."), "rule_id")
    if not reason:
        raise ValidationError(_("Say why the rule is waived: the convener and other reviewers read it."), "reason")
    if len(reason) > 1000:
        raise ValidationError(_("Keep the reason under 1,000 characters."), "reason")
    if db.session.scalar(select(Waiver.id).where(Waiver.enrollment_id == enrollment.id, Waiver.rule_id == rule_id,
                                                 Waiver.live)) is not None:
        raise ValidationError(_("This rule is already waived."), "rule_id")
    waiver = Waiver(enrollment_id=enrollment.id, rule_id=rule_id, reason=reason,
                    waived_by_id=getattr(actor, "id", None))
    db.session.add(waiver)
    db.session.flush()
    record_event(actor, "rule.waived", waiver, enrollment.community, program=enrollment.program.name, rule=rule_id,
                 reason=reason)
    return waiver


def revoke(waiver: Waiver, actor: Any) -> None:
    """Take a waiver back: the rule is judged again (the waiver is kept, revoked)."""
    waiver.revoked_at = utcnow()
    record_event(actor, "rule.unwaived", waiver, waiver.enrollment.community, rule=waiver.rule_id)


def live_waivers(enrollment_ids: Sequence[int]) -> dict[int, dict[str, Waiver]]:
    """The waivers in force, by enrolment id then rule id (one query)."""
    found: dict[int, dict[str, Waiver]] = {}
    if enrollment_ids:
        for waiver in db.session.scalars(select(Waiver).where(Waiver.enrollment_id.in_(list(enrollment_ids)),
                                                              Waiver.live).order_by(Waiver.waived_at)):
            found.setdefault(waiver.enrollment_id, {})[waiver.rule_id] = waiver
    return found
