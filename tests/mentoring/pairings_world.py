"""Records of a pair made directly from the models (meeting logs, observations, public lessons, milestones,
goals, next steps), for the health and route tests of pairings."""

from __future__ import annotations

import datetime as dt

from workspace.activities.models import Activity
from workspace.core.database import utcnow
from workspace.extensions import db
from workspace.mentoring.models import (
    Goal,
    MeetingLog,
    Milestone,
    NextStep,
    Observation,
    ObservationForm,
    Pairing,
    PublicLesson,
)

SECRET = "秘密的輔導內容"  # what the pair wrote: never on the convener's pages


def log(pairing: Pairing, day: dt.date, *, trashed: bool = False, steps: tuple[str, ...] = ()) -> MeetingLog:
    """A meeting log held on `day`, with notes the convener must not see and open next steps."""
    entry = MeetingLog(pairing_id=pairing.id, held_on=day, duration_minutes=40, topics=SECRET, notes=SECRET,
                       notes_html=SECRET, author_id=pairing.mentor_id, deleted_at=utcnow() if trashed else None)
    db.session.add(entry)
    db.session.flush()
    for position, text in enumerate(steps):
        db.session.add(NextStep(pairing_id=pairing.id, log_id=entry.id, text=text, position=position))
    db.session.commit()
    return entry


def form() -> ObservationForm:
    """An observation form of no community (as the shipped default is)."""
    made = ObservationForm(title="觀課紀錄表", rows=[], levels=[])
    db.session.add(made)
    db.session.commit()
    return made


def observation(pairing: Pairing, day: dt.date, form_id: int, *, trashed: bool = False) -> Observation:
    """The mentor observes the new teacher on `day`."""
    made = Observation(community_id=pairing.community_id, pairing_id=pairing.id, observer_id=pairing.mentor_id,
                       observed_id=pairing.mentee_id, form_id=form_id, observed_on=day, focus=SECRET,
                       strengths=SECRET, deleted_at=utcnow() if trashed else None)
    db.session.add(made)
    db.session.commit()
    return made


def public_lesson(pairing: Pairing, starts: dt.datetime, *, cancelled: bool = False) -> PublicLesson:
    """The new teacher's public lesson, an activity of the community starting at `starts` (two hours)."""
    activity = Activity(community_id=pairing.community_id, title="公開課", method="observation_feedback",
                        starts_at=starts, ends_at=starts + dt.timedelta(hours=2),
                        cancelled_at=utcnow() if cancelled else None)
    db.session.add(activity)
    db.session.flush()
    lesson = PublicLesson(community_id=pairing.community_id, teacher_id=pairing.mentee_id, pairing_id=pairing.id,
                          activity_id=activity.id, topic="分數的加法")
    db.session.add(lesson)
    db.session.commit()
    return lesson


def milestone(pairing: Pairing, due_on: dt.date, *, done: bool = False, trashed: bool = False,
              title: str = "里程碑") -> Milestone:
    """A milestone of the pairing due on `due_on`."""
    made = Milestone(pairing_id=pairing.id, title=title, due_on=due_on, done_at=utcnow() if done else None,
                     deleted_at=utcnow() if trashed else None)
    db.session.add(made)
    db.session.commit()
    return made


def goal(pairing: Pairing, title: str, status: str = "open") -> Goal:
    """A goal of the new teacher."""
    made = Goal(pairing_id=pairing.id, title=title, status=status, created_by_id=pairing.mentee_id)
    db.session.add(made)
    db.session.commit()
    return made
