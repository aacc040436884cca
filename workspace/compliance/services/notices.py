"""What compliance tells people through the notifications area about an enrolment and a submission to the
reviewers: the reviewers in scope hear that a community enrolled (it waits for their confirmation; the site
administrators hear it when no reviewer in scope would) and that a round
was handed in (or handed in again); the community's conveners hear that the enrolment was confirmed or its approved
amount changed (from what to what), and that a round was returned or approved, with the reviewer's comment.

Who is told comes from the policy's own conditions (communities.policy.reviewers_of, holders_of), so a notice never
reaches someone the panel would refuse; notify() leaves out the one who acted and closed accounts. The notice
opens the panel's submission history.
"""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext
from sqlalchemy import select

from workspace.auth.models import User
from workspace.auth.services import administrators
from workspace.communities.policy import holders_of, reviewers_of
from workspace.compliance import wording
from workspace.compliance.models import Enrollment, Submission, SubmissionStatus
from workspace.core.i18n import in_reader_script
from workspace.core.permissions import MANAGERS
from workspace.extensions import db
from workspace.notifications import services as notifications


def _history_path(submission: Submission) -> str:
    """The panel's submission history of the enrolment (a path on this site: the email puts BASE_URL before it)."""
    enrollment = submission.enrollment
    return f"/c/{enrollment.community.slug}/compliance/#submissions-{enrollment.id}"


def _title(submission: Submission) -> str:
    """The program and the round, in no language: each reader reads it in theirs (`submission_words`)."""
    return f"{submission.enrollment.program.name} · #{submission.number}"


_KEPT_ROUND = re.compile(r"(?P<program>.*) · #(?P<number>\d+)", re.S)


def submission_words(kept: str) -> str:
    """A submission's notice title as its reader reads it: the program in the reader's script and the round as the
    panel and the submission's page say it (「… · 第 1 次送審」, "… · Round 1"), not "#1"; a title kept in
    another form (cut at its length limit) is shown as kept, in the reader's script."""
    found = _KEPT_ROUND.fullmatch(kept)
    if found is None:
        return in_reader_script(kept)
    round_words = gettext("Round %(number)d", number=int(found["number"]))
    return f"{in_reader_script(found['program'])} · {round_words}"


def _tell(people: list[User], kind: str, submission: Submission, excerpt: str, actor: Any) -> None:
    notifications.notify(people, kind, actor=actor, community=submission.enrollment.community,
                         subject_type="submission", subject_id=submission.id, title=_title(submission),
                         excerpt=excerpt, path=_history_path(submission))


def submitted(submission: Submission, actor: Any) -> None:
    """Tell the reviewers in scope of the community (its schools' and the county-wide ones) that a round is in."""
    community = submission.enrollment.community
    reviewers = list(db.session.scalars(select(User).where(reviewers_of(User.id, community)).order_by(User.id)))
    _tell(reviewers, "submitted", submission, submission.note, actor)


def decided(submission: Submission, actor: Any) -> None:
    """Tell the community's conveners and co-conveners that the round was returned or approved, with the comment."""
    community = submission.enrollment.community
    conveners = list(db.session.scalars(select(User).where(holders_of(User.id, community, MANAGERS))
                                        .order_by(User.id)))
    kind = "approved" if submission.status == SubmissionStatus.APPROVED.value else "returned"
    _tell(conveners, kind, submission, submission.comment, actor)


def _reviewers(community: Any) -> list[User]:
    return list(db.session.scalars(select(User).where(reviewers_of(User.id, community)).order_by(User.id)))


def _conveners(community: Any) -> list[User]:
    return list(db.session.scalars(select(User).where(holders_of(User.id, community, MANAGERS)).order_by(User.id)))


def _tell_enrolment(people: list[User], kind: str, enrollment: Enrollment, excerpt: str, actor: Any) -> None:
    community = enrollment.community
    notifications.notify(people, kind, actor=actor, community=community, subject_type="enrollment",
                         subject_id=enrollment.id, title=enrollment.program.name,
                         excerpt=f"{community.name} · {excerpt}" if excerpt else community.name,
                         path=f"/c/{community.slug}/compliance/#enrollment-{enrollment.id}")


def _amount(enrollment: Enrollment, amount: int | None) -> str:
    return wording.money(amount or 0, enrollment.program.currency)


def enrolled(enrollment: Enrollment, actor: Any) -> None:
    """Tell the reviewers in scope that a community enrolled with an amount that waits for their confirmation; when
    no reviewer in scope would hear of it (a new school has none yet, or only the one who enrolled), the site
    administrators, who confirm it too: otherwise nobody learned that it waited."""
    reviewers = [user for user in _reviewers(enrollment.community)
                 if user.active and user.id != getattr(actor, "id", None)]
    _tell_enrolment(reviewers or administrators(), "enrolled", enrollment,
                    _amount(enrollment, enrollment.approved_amount), actor)


def confirmed(enrollment: Enrollment, actor: Any) -> None:
    """Tell the community's conveners that the enrolment (and its approved amount) is confirmed."""
    _tell_enrolment(_conveners(enrollment.community), "confirmed", enrollment,
                    _amount(enrollment, enrollment.approved_amount), actor)


def withdrawn(enrollment: Enrollment, actor: Any) -> None:
    """Tell both sides, the community's conveners and the reviewers in scope, that the community left the program
    (whoever did it is not told): the reviewers' table and the panel stop judging it."""
    people = {user.id: user for user in [*_conveners(enrollment.community), *_reviewers(enrollment.community)]}
    _tell_enrolment(list(people.values()), "withdrawn", enrollment, "", actor)


def amount_changed(enrollment: Enrollment, before: int | None, actor: Any) -> None:
    """Tell the community's conveners that the approved amount changed, from what to what (an amount below what is
    already claimable shows as an overrun on their panel, and only they can set expenses aside)."""
    change = f"{_amount(enrollment, before)} → {_amount(enrollment, enrollment.approved_amount)}"
    _tell_enrolment(_conveners(enrollment.community), "amount_changed", enrollment, change, actor)


notifications.register_title_words("submission", submission_words)
