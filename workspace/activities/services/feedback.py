"""Participants' feedback on an activity and its summary."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from workspace.activities.models import Activity, Feedback
from workspace.activities.services._common import _text
from workspace.auth.models import User
from workspace.core.database import utcnow
from workspace.core.errors import Checks, NotAllowed, ValidationError
from workspace.core.permissions import can
from workspace.core.text import has_visible_text
from workspace.extensions import db

# --- feedback ------------------------------------------------------------------------------------

MAX_COMMENT = 2_000


def check_feedback(satisfaction: int | str | None, comment: str | None) -> tuple[int, str]:
    """The score (1–5) and the comment, checked together (one ValidationError naming each field)."""
    checks = Checks()
    with checks:
        try:
            score = int(satisfaction or 0)
        except (TypeError, ValueError):
            score = 0
        if not 1 <= score <= 5:
            raise ValidationError(str(_l("Choose from 1 (not at all) to 5 (very).")), field="satisfaction")
    with checks:
        comment = _text(comment, "comment", MAX_COMMENT)
    checks.done()
    return score, comment


def give_feedback(activity: Activity, satisfaction: int | str | None, comment: str, *, actor: User,
                  now: dt.datetime | None = None) -> Any:
    """A member's feedback, once, after the activity has started: satisfaction 1–5 and a comment."""
    now = now or utcnow()
    if not can(actor, "give_feedback", activity):
        raise NotAllowed(str(_l("Only members of the community give feedback.")))
    if now < activity.starts_at:
        raise ValidationError(str(_l("Feedback opens when the activity starts.")), field="satisfaction")
    if db.session.scalar(select(Feedback.id).where(Feedback.activity_id == activity.id,
                                                   Feedback.user_id == actor.id)) is not None:
        raise ValidationError(str(_l("You have already given your feedback on this activity. Thank you!")),
                              field="satisfaction")
    score, comment = check_feedback(satisfaction, comment)
    feedback = Feedback(activity_id=activity.id, user_id=actor.id, satisfaction=score, comment=comment,
                        created_at=now)
    db.session.add(feedback)
    db.session.flush()
    return feedback


def my_feedback(activity: Activity, user: Any) -> Any:
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(select(Feedback).where(Feedback.activity_id == activity.id,
                                                    Feedback.user_id == user.id))


@dataclass
class FeedbackSummary:
    """The distribution of satisfaction and the comments, without names (what a convener sees)."""

    count: int
    counts: dict[int, int]  # 1..5 -> how many
    average: float | None
    comments: list[str]

    @property
    def widest(self) -> int:
        return max(self.counts.values() or [0]) or 1


def feedback_summary(activity: Activity) -> FeedbackSummary:
    rows = db.session.execute(select(Feedback.satisfaction, Feedback.comment).where(
        Feedback.activity_id == activity.id).order_by(Feedback.created_at)).all()
    counts = {score: 0 for score in range(1, 6)}
    for score, _comment in rows:
        counts[score] += 1
    comments = [comment for _score, comment in rows if comment and has_visible_text(comment)]
    average = round(sum(score for score, _comment in rows) / len(rows), 2) if rows else None
    return FeedbackSummary(count=len(rows), counts=counts, average=average, comments=comments)
