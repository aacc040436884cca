"""Add mentoring to a bench database: 2,000 pairings, each with 20 meeting logs, 6 observations, its milestones,
goals, the open next steps of its last meeting and (every other one) a public lesson this semester.

On top of bench/seed.py (200 communities, their members): the home community (the bench user co-convenes it)
holds HOME_PAIRINGS pairings, so its convener's overview has pages to turn; the bench user mentors
BENCH_MENTEES new teachers there; the rest are spread over the other communities among their members. One
community gets a single pairing and one member mentors a single new teacher, for the statement counts. The rows
are bulk-inserted with SQLAlchemy Core, with the columns the services write (the services would take minutes).
"""

from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

RANDOM_SEED = 20261214
ZONE = ZoneInfo("Asia/Taipei")
PAIRINGS = 2_000
HOME_PAIRINGS = 400  # the home community's overview: 8 pages of 50
BENCH_MENTEES = 12  # the bench user's own home
LOGS = 20
OBSERVATIONS = 6
MILESTONES = (("First meeting", 14, "mentor", "meeting"), ("First observation", 42, "mentor", "observation"),
              ("Observe the mentor", 60, "mentee", "observation"), ("First goals", 30, "mentee", "goal"),
              ("Public lesson scheduled", 120, "mentee", "public_lesson"), ("Handbook begun", 30, "mentee", "handbook"))


@dataclass(frozen=True)
class SeededMentoring:
    """What the mentoring benchmark measures: the home community, the small cases, the rows added."""

    home_slug: str
    home_pairing_id: int  # a pairing of the bench user's, written in before each timed view
    small_slug: str  # a community with one pairing
    small_convener_email: str
    small_pairing_id: int
    single_mentor_email: str  # a mentor of one new teacher
    rows: dict[str, int]
    seconds: float


def seed_mentoring(app: Any, *, bench_user_id: int = 1) -> SeededMentoring:
    """Pair members, write their logs, observations, milestones, goals, next steps and public lessons."""
    from bench.seed import COMMUNITIES  # read when called: tests/test_bench_seeds.py shrinks it
    from workspace.activities.models import Activity
    from workspace.auth.models import User
    from workspace.communities.models import Community, Membership
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

    started = time.perf_counter()
    rng = random.Random(RANDOM_SEED)
    now = dt.datetime.now(dt.UTC)
    today = now.astimezone(ZONE).date()
    with app.app_context():
        members: dict[int, list[int]] = {}
        conveners: dict[int, int] = {}
        for community_id, user_id, role in db.session.execute(
                select(Membership.community_id, Membership.user_id, Membership.role).where(
                    Membership.live, Membership.role.in_(("convener", "co_convener", "member", "mentor")),
                    Membership.community_id <= COMMUNITIES - 1)):
            members.setdefault(community_id, []).append(user_id)
            if role == "convener":
                conveners[community_id] = user_id
        slugs = dict(db.session.execute(select(Community.id, Community.slug)).all())
        emails = dict(db.session.execute(select(User.id, User.email)).all())
        form = ObservationForm(title="觀課紀錄表", rows=[{"key": "a", "label": "提問", "hint": ""}],
                               levels=[{"value": 1, "label": "待加強"}, {"value": 2, "label": "良好"}])
        db.session.add(form)
        db.session.commit()
        form_id = form.id

        # Who is paired with whom: (community, mentor, mentee).
        pairs: list[tuple[int, int, int]] = []
        small_id = COMMUNITIES - 1
        small_mentor, small_mentee = [uid for uid in members[small_id] if uid != conveners.get(small_id)][:2]
        home = [uid for uid in members[1] if uid not in (bench_user_id, small_mentor)]
        rng.shuffle(home)
        pairs += [(1, bench_user_id, mentee) for mentee in home[:BENCH_MENTEES]]
        rest = home[BENCH_MENTEES:]
        while len(pairs) < HOME_PAIRINGS:
            mentor, mentee = rng.sample(rest, 2)
            pairs.append((1, mentor, mentee))
        pairs.append((small_id, small_mentor, small_mentee))
        others = [cid for cid in sorted(members) if cid not in (1, small_id) and len(members[cid]) >= 4]
        while len(pairs) < PAIRINGS:
            community_id = rng.choice(others)
            mentor, mentee = rng.sample(members[community_id], 2)
            if mentor in (bench_user_id, small_mentor) or mentee in (bench_user_id, small_mentor):
                continue  # the measured mentors keep the mentees counted above
            pairs.append((community_id, mentor, mentee))

        first_id = (db.session.scalar(select(Pairing.id).order_by(Pairing.id.desc()).limit(1)) or 0) + 1
        pairing_rows, milestone_rows, log_rows, step_rows, observation_rows, goal_rows = [], [], [], [], [], []
        activity_rows, lesson_rows = [], []
        log_id = (db.session.scalar(select(MeetingLog.id).order_by(MeetingLog.id.desc()).limit(1)) or 0)
        activity_id = (db.session.scalar(select(Activity.id).order_by(Activity.id.desc()).limit(1)) or 0)
        for offset, (community_id, mentor, mentee) in enumerate(pairs):
            pairing_id = first_id + offset
            starts = today - dt.timedelta(days=rng.randint(200, 600))
            pairing_rows.append({
                "id": pairing_id, "community_id": community_id, "mentor_id": mentor, "mentee_id": mentee,
                "starts_on": starts, "ends_on": starts + dt.timedelta(days=729), "status": "active",
                "ended_at": None, "end_reason": "", "replaced_by_id": None,
                "created_by_id": conveners.get(community_id), "created_at": now, "version": 1})
            for position, (title, days, owner, kind) in enumerate(MILESTONES):
                milestone_rows.append({
                    "pairing_id": pairing_id, "title": title, "due_on": starts + dt.timedelta(days=days),
                    "owner": owner, "kind": kind, "position": position,
                    "done_at": now if position < 4 else None, "done_by_id": None, "deleted_at": None})
            milestone_rows.append({"pairing_id": pairing_id, "title": "Review the term", "owner": "mentor",
                                   "due_on": today + dt.timedelta(days=rng.randint(1, 20)), "kind": "other",
                                   "position": 9, "done_at": None, "done_by_id": None, "deleted_at": None})
            for number in range(LOGS):
                log_id += 1
                held = today - dt.timedelta(days=7 + number * 9 + rng.randint(0, 3))
                log_rows.append({
                    "id": log_id, "pairing_id": pairing_id, "held_on": held, "duration_minutes": 40,
                    "topics": "班級經營、提問設計", "notes": "討論了提問的層次。",
                    "notes_html": "<p>討論了提問的層次。</p>",
                    "private_notes": "", "shared": False, "activity_id": None, "author_id": mentor,
                    "created_at": now, "updated_at": now, "version": 1, "deleted_at": None})
                if number == 0:
                    step_rows += [{"pairing_id": pairing_id, "log_id": log_id, "text": text, "owner": "mentee",
                                   "position": index, "done_at": None, "done_in_log_id": None}
                                  for index, text in enumerate(("設計三個高層次提問", "觀摩導師的數學課"))]
            for number in range(OBSERVATIONS):
                observer, observed = (mentor, mentee) if number % 3 else (mentee, mentor)
                observation_rows.append({
                    "community_id": community_id, "pairing_id": pairing_id, "public_lesson_id": None,
                    "observer_id": observer, "observed_id": observed, "form_id": form_id,
                    "observed_on": today - dt.timedelta(days=10 + number * 30), "lesson_starts_at": None,
                    "subject": "數學", "focus": "提問", "ratings": {"a": 2}, "strengths": "節奏清楚",
                    "suggestions": "多等待", "reflection": "", "status": "finalized", "shared": False,
                    "activity_id": None, "created_at": now, "updated_at": now, "finalized_at": now, "version": 1,
                    "deleted_at": None})
            goal_rows += [{"pairing_id": pairing_id, "title": title, "success_criteria": "", "due_on": None,
                           "status": "in_progress", "shared": False, "created_by_id": mentee, "created_at": now,
                           "updated_at": now, "version": 1, "deleted_at": None}
                          for title in ("提問技巧", "班級經營", "差異化教學")]
            if offset % 2 == 0:
                activity_id += 1
                lesson_start = now - dt.timedelta(days=rng.randint(3, 60))
                activity_rows.append({
                    "id": activity_id, "community_id": community_id, "title": "公開課",
                    "method": "observation_feedback",
                    "mode": "offline", "starts_at": lesson_start, "ends_at": lesson_start + dt.timedelta(hours=1),
                    "place": "", "meeting_url": "", "agenda": "", "agenda_html": "", "subjects": ["數學"], "tags": [],
                    "series_key": None, "copied_from_id": None, "cancelled_at": None, "cancel_reason": "",
                    "minutes": "", "minutes_html": "", "outcomes": "", "outcomes_html": "", "sign_in_nonce": "",
                    "version": 1, "created_at": now})
                lesson_rows.append({"community_id": community_id, "teacher_id": mentee, "pairing_id": pairing_id,
                                    "activity_id": activity_id, "topic": "分數的加法", "subject": "數學",
                                    "form_id": form_id, "created_by_id": mentee, "created_at": now})
        home_pairing = first_id
        small_pairing = first_id + HOME_PAIRINGS
        db.session.remove()  # every transaction here takes the write lock (BEGIN IMMEDIATE): end the session's
        with db.engine.begin() as connection:
            connection.execute(insert(Pairing), pairing_rows)
            connection.execute(insert(Milestone), milestone_rows)
            connection.execute(insert(MeetingLog), log_rows)
            connection.execute(insert(NextStep), step_rows)
            connection.execute(insert(Observation), observation_rows)
            connection.execute(insert(Goal), goal_rows)
            connection.execute(insert(Activity), activity_rows)
            connection.execute(insert(PublicLesson), lesson_rows)
            connection.exec_driver_sql("ANALYZE")
        db.engine.dispose()  # release the file before gunicorn opens it
    rows = {"pairings": len(pairing_rows), "milestones": len(milestone_rows), "meeting_logs": len(log_rows),
            "next_steps": len(step_rows), "observations": len(observation_rows), "goals": len(goal_rows),
            "public lessons": len(lesson_rows)}
    return SeededMentoring(
        home_slug=slugs[1], home_pairing_id=home_pairing, small_slug=slugs[small_id],
        small_convener_email=emails[conveners[small_id]], small_pairing_id=small_pairing,
        single_mentor_email=emails[small_mentor], rows=rows, seconds=time.perf_counter() - started)
