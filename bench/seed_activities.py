"""Add activities to a bench database: 200 communities × 300 activities over two years, 30+ members each,
attendance for the past ones, one activity in the bench user's home community with 60 attendance rows, and
a small community (5 members, 5 activities) to compare query counts with.

On top of bench/seed.py's users and communities (the login, the bench user, the slugs): 1,000 more users
(6,000 in all), and every community topped up to at least 30 current members (the home community keeps its
200). Rows are bulk-inserted with SQLAlchemy Core in one transaction with explicit ids (no service call per
row). Times are stored in UTC and fall in the deployment's school hours (Asia/Taipei); the 730 days run from
about 18 months ago to 6 months ahead, so both the upcoming and the past list are long. About 4 % of the
activities are cancelled (kept, with a reason); past ones that took place have a row per expected member
(~70 % present, late or left early, the rest absent or excused), most with minutes. Agendas and minutes are
pools of Markdown texts rendered once each by core/text.py's `render_markdown`.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
import time
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select

ACTIVITIES_PER_COMMUNITY = 300
MEMBERS = 30  # every community has at least this many current members (the cohort that is expected)
USERS_TOTAL = 6_000  # bench/seed.py makes 5,000
DAYS_BACK = 548  # activities start between ~18 months ago …
DAYS_AHEAD = 182  # … and ~6 months ahead: two years
CANCELLED = 0.04
ATTENDED = 0.70
BIG_ATTENDANCE = 60  # the measured activity page
SMALL_MEMBERS = 5
SMALL_ACTIVITIES = 5
SMALL_SLUG = "bench-activities-small"
BATCH = 20_000
RANDOM_SEED = 20241215
ZONE = ZoneInfo("Asia/Taipei")  # the deployment's zone in bench_env (TIMEZONE default)

METHOD_WEIGHTS = {
    "collaborative_planning": 18, "observation_feedback": 14, "peer_reflection": 10, "topic_study": 10,
    "experience_sharing": 9, "external_lecture": 7, "materials_development": 6, "teaching_innovation": 5,
    "co_teaching": 5, "case_analysis": 4, "new_curriculum": 4, "action_research": 3, "teaching_portfolio": 2,
    "new_teacher_mentoring": 2, "benchmark_learning": 1,
}
METHOD_TITLES = {
    "collaborative_planning": "共同備課", "observation_feedback": "公開授課與觀議課", "peer_reflection": "同儕省思對話",
    "topic_study": "專書共讀", "experience_sharing": "教學經驗分享", "external_lecture": "專題講座",
    "materials_development": "教材研發", "teaching_innovation": "教學方法創新", "co_teaching": "協同教學",
    "case_analysis": "案例分析", "new_curriculum": "新課程發展", "action_research": "行動研究",
    "teaching_portfolio": "教學檔案製作", "new_teacher_mentoring": "新進教師輔導", "benchmark_learning": "標竿學習",
}
TOPICS = ("分數的除法", "閱讀理解策略", "差異化教學", "素養導向評量", "學習單設計", "自主學習", "科學探究",
          "雙語教學", "數位學習", "學習共同體", "提問設計", "跨領域統整", "SEL 社會情緒學習", "寫作教學")
PLACES = ("本校會議室", "視聽教室", "自然教室", "圖書館研討室", "五年三班教室", "教師研究室")
SUBJECTS = ("國語", "數學", "英語", "自然", "社會", "藝術", "健體", "綜合")
TAGS = ("同步課堂", "送教下鄉", "跨校", "公開授課", "數位")
STARTS_LOCAL = ((13, 30), (13, 30), (14, 0), (15, 30), (8, 0), (19, 0))  # Wednesday afternoons, mostly
REASONS = ("颱風停課", "配合學校行事調整", "講師臨時有事", "改期至下週")
AGENDA = ("## 議程\n\n1. {topic}：課程目標與學生先備經驗\n2. 分組討論學習單設計\n3. **下次分工**與時程\n\n"
          "參考：[{topic}](https://example.org/{n})")
MINUTES = ("## 討論\n\n- 學生在{topic}的迷思概念：{subject}課堂觀察紀錄\n- 調整提問順序，先具體後抽象\n\n"
           "## 決議\n\n1. 下次公開授課由{subject}老師擔任\n2. 共同修訂評量規準\n\n"
           "## 下一步\n\n- 整理學生作品，下次會議分享")


@dataclass(frozen=True)
class Place:
    """One measured community and its activity with attendance."""

    community_id: int
    slug: str
    activities: int
    members: int
    activity_id: int  # the activity whose page and board are measured
    attendance: int  # its attendance rows


@dataclass(frozen=True)
class SeededActivities:
    big: Place
    small: Place
    rows: dict[str, int]
    seconds: float


class _Builder:
    def __init__(self, rng: random.Random, now: dt.datetime, agendas: list[tuple[str, str]],
                 minutes: list[tuple[str, str]]) -> None:
        self.rng, self.now, self.agendas, self.minutes = rng, now, agendas, minutes
        self.activities: list[dict[str, Any]] = []
        self.speakers: list[dict[str, Any]] = []
        self.schools: list[dict[str, Any]] = []
        self.attendance: list[dict[str, Any]] = []
        self.feedback: list[dict[str, Any]] = []
        self.methods, self.weights = list(METHOD_WEIGHTS), list(METHOD_WEIGHTS.values())

    def activity(self, community_id: int, convener: int, members: list[int], schools: list[int],
                 starts: dt.datetime, *, minutes_long: int) -> int:
        """One activity (its attendance rows, if it is past and held, are made in SQL: ATTENDANCE_SQL)."""
        rng, now = self.rng, self.now
        activity_id = len(self.activities) + 1
        method = rng.choices(self.methods, weights=self.weights)[0]
        mode = rng.choices(("offline", "online", "hybrid"), weights=(70, 20, 10))[0]
        ends = starts + dt.timedelta(minutes=minutes_long)
        topic = rng.choice(TOPICS)
        cancelled = rng.random() < CANCELLED
        wrote = ends < now and not cancelled and rng.random() < 0.6
        agenda, agenda_html = rng.choice(self.agendas) if rng.random() < 0.8 else ("", "")
        minutes, minutes_html = rng.choice(self.minutes) if wrote else ("", "")
        recorder = rng.choice(members) if rng.random() < 0.5 else None
        created = min(starts - dt.timedelta(days=rng.randint(3, 40)), now - dt.timedelta(hours=1))
        self.activities.append({
            "id": activity_id, "community_id": community_id, "title": f"{METHOD_TITLES[method]}：{topic}",
            "method": method, "mode": mode, "starts_at": starts, "ends_at": ends,
            "place": rng.choice(PLACES) if mode != "online" else "",
            "meeting_url": f"https://meet.example.org/{secrets.token_hex(5)}" if mode != "offline" else "",
            "agenda": agenda, "agenda_html": agenda_html,
            "subjects": rng.sample(SUBJECTS, rng.randint(1, 2)),
            "tags": rng.sample(TAGS, 1) if rng.random() < 0.15 else [],
            "series_key": f"s{community_id}-{method}" if rng.random() < 0.3 else None, "copied_from_id": None,
            "cancelled_at": created + dt.timedelta(days=1) if cancelled else None,
            "cancel_reason": rng.choice(REASONS) if cancelled else "",
            "minutes": minutes, "minutes_html": minutes_html,
            "minutes_updated_at": ends + dt.timedelta(days=1) if wrote else None,
            "minutes_updated_by_id": (recorder or convener) if wrote else None,
            "recorder_id": recorder, "outcomes": "", "outcomes_html": "",
            "sign_in_nonce": secrets.token_hex(8), "version": 2 if wrote else 1, "created_by_id": convener,
            "created_at": created, "updated_at": created,
        })
        if method == "external_lecture":
            self.speakers.append({"activity_id": activity_id, "position": 0, "user_id": None,
                                  "name": f"{rng.choice('陳林黃張李王')}教授", "affiliation": "國立教育大學",
                                  "external": True, "hours": rng.choice((2, 3)), "topic": topic})
        elif rng.random() < 0.3:
            self.speakers.append({"activity_id": activity_id, "position": 0, "user_id": rng.choice(members),
                                  "name": "主講老師", "affiliation": "", "external": False,
                                  "hours": round(minutes_long / 60, 1), "topic": topic})
        if schools and rng.random() < 0.3:
            self.schools.append({"activity_id": activity_id, "school_id": rng.choice(schools)})
        return activity_id

    def live(self, activity_id: int, people: list[int], convener: int, feedback: int) -> None:
        """Attendance of an activity under way: everyone listed signed in (a few late), some feedback."""
        activity = self.activities[activity_id - 1]
        for index, user_id in enumerate(people):
            late = index % 10 == 9
            signed = _sqlite_time(activity["starts_at"] + dt.timedelta(
                minutes=(15 + index % 5) if late else -10 + index % 12))
            self.attendance.append((activity_id, user_id, "late" if late else "present", signed, "qr", None, signed))
        for user_id in people[:feedback]:
            self.feedback.append({"activity_id": activity_id, "user_id": user_id,
                                  "satisfaction": self.rng.choice((3, 4, 4, 5, 5)),
                                  "comment": "收穫很多，學生的作品討論很有幫助。" if self.rng.random() < 0.5 else "",
                                  "created_at": self.now})
        activity["created_by_id"] = convener


# A row per cohort member for every past activity that took place, made by SQLite itself (1.3 million rows
# through Python cost ~30 s). Two rounds of a linear congruential generator on (activity, member) draw d in
# 0..999, the same on every run: 70 % came (present 59.5 %, late 7 %, left early 3.5 %), 12 % excused, 18 %
# absent; of those who came, ~60 % signed in by QR code (−15..+24 minutes around the start), the rest marked
# by the convener after the end. Timestamps in UTCDateTime's SQLite text form.
ATTENDANCE_SQL = """
WITH pairs AS (
    SELECT a.id, a.starts_at, a.ends_at, c.user_id, c.convener,
           (a.id * 1103515245 + c.user_id * 12345 + 2531011) % 2147483648 AS x
    FROM activities a JOIN bench_cohort c ON c.community_id = a.community_id
    WHERE a.ends_at < ? AND a.cancelled_at IS NULL),
drawn AS (SELECT *, (x * 1103515245 + 12345) % 2147483648 / 65536 % 1000 AS d FROM pairs),
marked AS (SELECT *, d < 700 AND x % 5 < 3 AS qr,
                  strftime('%Y-%m-%d %H:%M:%S', starts_at, (d % 40 - 15) || ' minutes') || '.000000' AS signed
           FROM drawn)
INSERT INTO attendances (activity_id, user_id, status, signed_at, how, updated_by_id, updated_at)
SELECT id, user_id,
       CASE WHEN d < 595 THEN 'present' WHEN d < 665 THEN 'late' WHEN d < 700 THEN 'left_early'
            WHEN d < 820 THEN 'excused' ELSE 'absent' END,
       CASE WHEN qr THEN signed END, CASE WHEN qr THEN 'qr' ELSE 'convener' END,
       CASE WHEN qr THEN NULL ELSE convener END, CASE WHEN qr THEN signed ELSE ends_at END
FROM marked
"""  # activities scanned in id order, each one's cohort from the index: rows arrive in index order, unsorted


def _sqlite_time(moment: dt.datetime) -> str:
    """A UTC time as core/database.UTCDateTime stores it on SQLite."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _school_hours(rng: random.Random, now: dt.datetime) -> tuple[dt.datetime, int]:
    """A start in the deployment's school hours on a day within the two years, in UTC, and a length."""
    day = (now.astimezone(ZONE) + dt.timedelta(days=rng.randint(-DAYS_BACK, DAYS_AHEAD))).date()
    hour, minute = rng.choice(STARTS_LOCAL)
    local = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=ZONE)
    return local.astimezone(dt.UTC), rng.choice((60, 90, 120, 120, 180))


def seed_activities(app: Any, *, home_id: int = 1, bench_user_id: int = 1,
                    per_community: int = ACTIVITIES_PER_COMMUNITY) -> SeededActivities:
    """Insert the activities (and the extra users and members they need); return what the bench measures."""
    from workspace.activities.models import Activity, Feedback, Speaker, activity_schools
    from workspace.auth.models import User
    from workspace.communities.models import Community, Membership, community_schools
    from workspace.core.text import render_markdown
    from workspace.extensions import db

    started = time.perf_counter()
    rng = random.Random(RANDOM_SEED)
    now = dt.datetime.now(dt.UTC)
    with app.app_context():
        communities = db.session.execute(select(Community.id, Community.slug).order_by(Community.id)).all()
        members: dict[int, list[int]] = {}
        roles: dict[tuple[int, int], str] = {}
        for community_id, user_id, role in db.session.execute(
                select(Membership.community_id, Membership.user_id, Membership.role)
                .where(Membership.left_at.is_(None)).order_by(Membership.id)):
            members.setdefault(community_id, []).append(user_id)
            roles[(community_id, user_id)] = role
        schools: dict[int, list[int]] = {}
        pairs = select(community_schools.c.community_id, community_schools.c.school_id)
        for community_id, school_id in db.session.execute(pairs):
            schools.setdefault(community_id, []).append(school_id)
        template = db.session.execute(select(User).where(User.id == 2)).scalar_one()
        password_hash, first_new = template.password_hash, (db.session.scalar(select(func.max(User.id))) or 0) + 1
        home_role = roles.get((home_id, bench_user_id))
        if home_role not in {"convener", "co_convener"}:
            raise ValueError(f"user {bench_user_id} does not manage community {home_id}: {home_role}")
        db.session.remove()

        users = [{"id": i, "email": f"teacher{i:05d}@bench.example",
                  "display_name": f"{rng.choice('陳林黃張李王吳劉')}老師{i}",
                  "password_hash": password_hash, "locale": None, "school_id": rng.randint(1, 3), "is_admin": False,
                  "active": True, "approved_at": now, "email_confirmed_at": now, "created_at": now}
                 for i in range(first_new, USERS_TOTAL + 1)]
        everyone = list(range(1, USERS_TOTAL + 1))
        new_members: list[dict[str, Any]] = []

        def join(community_id: int, user_id: int, role: str) -> None:
            new_members.append({"community_id": community_id, "user_id": user_id, "role": role,
                                "in_evaluation_programme": False, "left_at": None,
                                "joined_at": now - dt.timedelta(days=rng.randint(600, 800))})
            members.setdefault(community_id, []).append(user_id)

        fresh = [user["id"] for user in users]  # the new users join first, then anyone
        rng.shuffle(fresh)
        for community_id, _slug in communities:  # top up to MEMBERS current members
            current = set(members.get(community_id, []))
            while len(current) < MEMBERS:
                user_id = fresh.pop() if fresh else rng.choice(everyone[1:])
                if user_id not in current:
                    current.add(user_id)
                    join(community_id, user_id, "member")

        # The small community: 5 members, the bench user with the role they have at home.
        small_id = communities[-1][0] + 1
        small_people = rng.sample(everyone[1:], SMALL_MEMBERS - 1)
        small_community = {
            "id": small_id, "name": "小型活動社群", "slug": SMALL_SLUG, "kind": "pd_theme", "description": "",
            "description_html": "", "vision": "", "vision_html": "", "created_by_id": small_people[0],
            "created_at": now - dt.timedelta(days=800), "archived_at": None}
        join(small_id, small_people[0], "convener")
        join(small_id, bench_user_id, home_role)
        for user_id in small_people[1:]:
            join(small_id, user_id, "member")

        agendas = []
        for n, topic in enumerate(TOPICS):
            text = AGENDA.format(topic=topic, n=n)
            agendas.append((text, str(render_markdown(text))))
        minutes = []
        for topic in TOPICS:
            for subject in SUBJECTS[:4]:
                text = MINUTES.format(topic=topic, subject=subject)
                minutes.append((text, str(render_markdown(text))))
        builder = _Builder(rng, now, agendas, minutes)

        def convener_of(community_id: int) -> int:
            return next((u for u in members[community_id] if roles.get((community_id, u)) == "convener"),
                        members[community_id][0])

        cohort: list[tuple[int, int, int]] = []  # (community, member expected at its activities, convener)
        for community_id, _slug in communities:
            people = members[community_id]
            # The cohort that is expected at each activity: the home community's 200 members do not all come.
            cohort += [(community_id, user_id, convener_of(community_id)) for user_id in rng.sample(people, MEMBERS)]
            convener = convener_of(community_id)
            for _ in range(per_community):
                starts, length = _school_hours(rng, now)
                builder.activity(community_id, convener, people, schools.get(community_id, []), starts,
                                 minutes_long=length)

        def live_activity(community_id: int, people: list[int], feedback: int) -> int:
            """An activity under way (started an hour ago): the board is on the room's screen."""
            starts = (now - dt.timedelta(hours=1)).replace(second=0, microsecond=0)
            activity_id = builder.activity(community_id, bench_user_id, members[community_id],
                                           schools.get(community_id, []), starts, minutes_long=120)
            row = builder.activities[activity_id - 1]
            row.update(cancelled_at=None, cancel_reason="", title="共同備課：分數的除法（公開授課前）",
                       method="collaborative_planning", mode="offline", place="本校會議室", meeting_url="")
            builder.live(activity_id, people, bench_user_id, feedback)
            return activity_id

        home_people = [bench_user_id] + [u for u in members[home_id] if u != bench_user_id]
        big_id = live_activity(home_id, home_people[:BIG_ATTENDANCE], 12)
        small_first = len(builder.activities) + 1
        small_live = live_activity(small_id, members[small_id][:SMALL_MEMBERS - 1], 2)
        for offset in (-30, -9, 7, 21):  # two past (with attendance), two upcoming
            local = (now.astimezone(ZONE) + dt.timedelta(days=offset)).replace(hour=13, minute=30, second=0,
                                                                             microsecond=0)
            activity_id = builder.activity(small_id, small_people[0], members[small_id], [],
                                           local.astimezone(dt.UTC), minutes_long=120)
            builder.activities[activity_id - 1].update(cancelled_at=None, cancel_reason="")
        small_count = len(builder.activities) - small_first + 1
        cohort += [(small_id, user_id, small_people[0]) for user_id in members[small_id]]

        with db.engine.begin() as connection:
            if users:
                connection.execute(insert(User), users)
            connection.execute(insert(Community), [small_community])
            connection.execute(insert(community_schools), [{"community_id": small_id, "school_id": 1}])
            connection.execute(insert(Membership), new_members)
            for start in range(0, len(builder.activities), BATCH):
                connection.execute(insert(Activity), builder.activities[start:start + BATCH])
            connection.execute(insert(Speaker), builder.speakers)
            connection.execute(insert(activity_schools), builder.schools)
            connection.exec_driver_sql("PRAGMA cache_size = -262144")  # 256 MB: the indexes stay in memory
            connection.exec_driver_sql("CREATE TEMP TABLE bench_cohort (community_id INTEGER, user_id INTEGER, "
                                       "convener INTEGER)")
            connection.exec_driver_sql("INSERT INTO bench_cohort VALUES (?, ?, ?)", cohort)
            connection.exec_driver_sql("CREATE INDEX temp.ix_bench_cohort ON bench_cohort (community_id, user_id)")
            connection.exec_driver_sql(ATTENDANCE_SQL, (_sqlite_time(now),))
            made = connection.exec_driver_sql("SELECT changes()").scalar_one()
            connection.exec_driver_sql("DROP TABLE bench_cohort")
            connection.exec_driver_sql(
                "INSERT INTO attendances (activity_id, user_id, status, signed_at, how, updated_by_id, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)", builder.attendance)
            connection.execute(insert(Feedback), builder.feedback)
            connection.exec_driver_sql("ANALYZE")  # give the planner statistics, as a long-lived database has
        db.engine.dispose()  # release the file before gunicorn opens it
    big = Place(home_id, dict(communities)[home_id], per_community + 1, len(members[home_id]), big_id, BIG_ATTENDANCE)
    small = Place(small_id, SMALL_SLUG, small_count, len(members[small_id]), small_live, SMALL_MEMBERS - 1)
    rows = {"users (added)": len(users), "memberships (added)": len(new_members), "activities": len(builder.activities),
            "activity_speakers": len(builder.speakers), "activity_schools": len(builder.schools),
            "attendances": made + len(builder.attendance), "activity_feedback": len(builder.feedback)}
    return SeededActivities(big, small, rows, time.perf_counter() - started)


def main() -> int:
    """Seed the page benchmark's data and the activities in a new temporary directory (to poke at by hand)."""
    import os
    import sys
    import tempfile
    from pathlib import Path

    from bench.seed import bench_env, seed
    from workspace import create_app

    instance = Path(tempfile.mkdtemp(prefix="workspace-bench-activities-"))
    env = bench_env(instance)
    os.environ.update(env)
    seeded = seed(env)
    app = create_app({"SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"], "PASSWORD_HASH_PROFILE": "fast"})
    result = seed_activities(app)
    print(f"seeded {seeded.database_url} in {seeded.seconds:.1f} + {result.seconds:.1f} s: {result.rows}; "
          f"big {result.big}, small {result.small}", file=sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
