"""What compliance tells people through the notifications area about an enrolment and a submission to the
reviewers: the reviewers in scope hear that a community enrolled (it waits for their confirmation; the site
administrators hear it when no reviewer in scope would) and that a round
was handed in (or handed in again); the community's conveners hear that the enrolment was confirmed or its approved
amount changed (from what to what), and that a round was returned or approved, with the reviewer's comment.

Who is told comes from the policy's own conditions (communities.policy.reviewers_of, holders_of), so a notice never
reaches someone the panel would refuse; notify() leaves out the one who acted and closed accounts. The notice
opens the panel's submission history.

A notice that asks the reviewers for something (an enrolment "waits for your confirmation", a round "submitted to
the reviewers") follows what became of it, as a post's notices follow the post (notifications.requote and
withdraw_emails): once the enrolment is confirmed or withdrawn, or the round decided, every reviewer's notice says
so and by whom (with the amount as it now stands), is marked read, and its e-mail not yet sent is dropped; an
amount changed while the enrolment still waits is quoted anew.
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

# The notices that ask the reviewers for something, which follow what became of it.
ENROLLED = ("enrolled",)
SUBMITTED = ("submitted",)


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


def _name(person: Any) -> str:
    """Who acted, as a notice kept for later names them (as written then: a name is no one language's)."""
    return str(getattr(person, "display_name", "") or "")


def decided(submission: Submission, actor: Any) -> None:
    """Tell the community's conveners and co-conveners that the round was returned or approved, with the comment;
    the reviewers' notices of the round say it was decided, and by whom, and are no longer open work."""
    community = submission.enrollment.community
    conveners = list(db.session.scalars(select(User).where(holders_of(User.id, community, MANAGERS))
                                        .order_by(User.id)))
    kind = "approved" if submission.status == SubmissionStatus.APPROVED.value else "returned"
    notifications.withdraw_emails("submission", submission.id, SUBMITTED)
    decision = {"decision": kind, "by": _name(actor), "note": " ".join((submission.note or "").split())}
    notifications.requote("submission", submission.id, SUBMITTED,
                          notifications.keep_data(decision, notifications.MAX_EXCERPT), done=True)
    _tell(conveners, kind, submission, submission.comment, actor)


def submission_excerpt_words(kept: str) -> str:
    """A round's notice excerpt as its reader reads it: once the round is decided, the reviewers' "submitted" notices
    say who returned or approved it, then the convener's note; any other excerpt (a note, a comment) as kept."""
    data = notifications.read_data(kept)
    if data is None or data.get("decision") not in ("returned", "approved"):
        return kept
    name = str(data.get("by") or "") or gettext(notifications.SOMEONE)
    said = (gettext("Approved by %(name)s", name=name) if data["decision"] == "approved"
            else gettext("Returned with comments by %(name)s", name=name))
    note = str(data.get("note") or "")
    return f"{said} · {note}" if note else said


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


def _restate(enrollment: Enrollment, state: str, by: Any, *, done: bool) -> None:
    """Have the reviewers' "waits for your confirmation" notices of the enrolment say where it stands now: still
    waiting at its current amount, confirmed (by whom, at what amount) or withdrawn (by whom), kept as data and
    worded by each reader (`enrollment_excerpt_words`). `done`: nobody is asked to confirm it any more: the notices
    are marked read and their e-mails not yet sent dropped (the next batch told of an amount no longer asked)."""
    if done:
        notifications.withdraw_emails("enrollment", enrollment.id, ENROLLED)
    data = {"state": state, "community": enrollment.community.name, "amount": enrollment.approved_amount or 0,
            "currency": enrollment.program.currency}
    if by is not None:
        data["by"] = _name(by)
    notifications.requote("enrollment", enrollment.id, ENROLLED,
                          notifications.keep_data(data, notifications.MAX_EXCERPT), done=done)


def enrollment_excerpt_words(kept: str) -> str:
    """An enrolment notice's excerpt as its reader reads it: the "waits for your confirmation" notices, once the
    enrolment moved on, say where it stands (「光華數學社群 · 許文彬已確認，核定金額為NT$20,000」) with the amount
    written as the reader writes money; any other excerpt as kept."""
    data = notifications.read_data(kept)
    if data is None or data.get("state") not in ("waiting", "confirmed", "withdrawn"):
        return kept
    try:
        amount = wording.money(int(data.get("amount") or 0), str(data.get("currency") or "TWD"))
    except (TypeError, ValueError):
        return kept
    name = str(data.get("by") or "") or gettext(notifications.SOMEONE)
    said = {"waiting": lambda: amount,
            "confirmed": lambda: gettext("Confirmed by %(name)s at %(amount)s", name=name, amount=amount),
            "withdrawn": lambda: gettext("Withdrawn from the program by %(name)s", name=name)}[data["state"]]()
    community = str(data.get("community") or "")
    return f"{community} · {said}" if community else said


def enrolled(enrollment: Enrollment, actor: Any) -> None:
    """Tell the reviewers in scope that a community enrolled with an amount that waits for their confirmation; when
    no reviewer in scope would hear of it (a new school has none yet, or only the one who enrolled), the site
    administrators, who confirm it too: otherwise nobody learned that it waited."""
    reviewers = [user for user in _reviewers(enrollment.community)
                 if user.active and user.id != getattr(actor, "id", None)]
    _tell_enrolment(reviewers or administrators(), "enrolled", enrollment,
                    _amount(enrollment, enrollment.approved_amount), actor)


def confirmed(enrollment: Enrollment, actor: Any) -> None:
    """Tell the community's conveners that the enrolment (and its approved amount) is confirmed; the reviewers'
    notices asking for it say who confirmed it, at what amount, and are no longer open work."""
    _restate(enrollment, "confirmed", actor, done=True)
    _tell_enrolment(_conveners(enrollment.community), "confirmed", enrollment,
                    _amount(enrollment, enrollment.approved_amount), actor)


def withdrawn(enrollment: Enrollment, actor: Any) -> None:
    """Tell both sides, the community's conveners and the reviewers in scope, that the community left the program
    (whoever did it is not told): the reviewers' table and the panel stop judging it, and their notices asking to
    confirm it say it was withdrawn."""
    _restate(enrollment, "withdrawn", actor, done=True)
    people = {user.id: user for user in [*_conveners(enrollment.community), *_reviewers(enrollment.community)]}
    _tell_enrolment(list(people.values()), "withdrawn", enrollment, "", actor)


def amount_changed(enrollment: Enrollment, before: int | None, actor: Any) -> None:
    """Tell the community's conveners that the approved amount changed, from what to what (an amount below what is
    already claimable shows as an overrun on their panel, and only they can set expenses aside); the reviewers'
    notices of the enrolment quote the new amount (still waiting, or confirmed by whoever confirmed it)."""
    if enrollment.confirmed:
        _restate(enrollment, "confirmed", enrollment.confirmed_by, done=True)
    else:
        _restate(enrollment, "waiting", None, done=False)
    change = f"{_amount(enrollment, before)} → {_amount(enrollment, enrollment.approved_amount)}"
    _tell_enrolment(_conveners(enrollment.community), "amount_changed", enrollment, change, actor)


notifications.register_title_words("submission", submission_words)
notifications.register_excerpt_words("submission", submission_excerpt_words)
notifications.register_excerpt_words("enrollment", enrollment_excerpt_words)
