"""Build a fresh SQLite database of benchmark size: 5,000 users, 200 communities, their members and events."""

from __future__ import annotations

import datetime as dt
import os
import random
import secrets
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import insert

USERS = 5_000
COMMUNITIES = 200
SCHOOLS = 3
MEAN_MEMBERS = 25
HOME_MEMBERS = 200  # the measured community home lists this many members
BENCH_USER_COMMUNITIES = 40  # the measured community list shows this many cards
AUDIT_EVENTS = 4_000
BENCH_EMAIL = "bench@bench.example"
HOME_SLUG = "bench-home"
RANDOM_SEED = 20240601  # the same data on every run, so runs compare

SURNAMES = "陳林黃張李王吳劉蔡楊許鄭謝郭洪曾邱廖賴周"
GIVEN = "怡君雅婷欣宜佳穎志明俊傑淑芬美玲家豪建宏冠宇宗翰詩涵品妤"
KINDS = ("grade", "subject", "school_task", "pd_theme", "master_studio", "urban_rural")
SUBJECTS = ("國語", "數學", "英語", "自然", "社會", "藝術", "健體", "綜合")
DESCRIPTION = (
    "我們是一個**{subject}**教師專業學習社群，每月聚會一次，進行共同備課、公開授課與觀議課。\n\n"
    "- 共讀一本教學專書\n- 設計差異化的學習單\n- 分享學生作品並討論評量規準\n\n"
    "歡迎對{subject}教學有興趣的老師加入。"
)
VISION = "以學生學習為中心，透過**集體備課**與同儕觀課，提升{subject}教學品質。"
EVENT_ACTIONS = (
    ("membership.role_changed", {"old": "member", "new": "co_convener"}),
    ("invitation.created", {"role": "member", "email": None, "single_use": False}),
    ("invitation.accepted", {"role": "member"}),
    ("membership.evaluation_flag", {"flagged": True}),
    ("membership.left", {}),
)


@dataclass(frozen=True)
class Seeded:
    """What the benchmark needs to know about the database it got."""

    database_url: str
    email: str
    password: str
    home_slug: str
    rows: dict[str, int]
    seconds: float


def bench_env(instance_dir: Path) -> dict[str, str]:
    """The environment both the seeding app and gunicorn run under: a throwaway instance, cheap hashes."""
    return {
        "DATABASE_URL": f"sqlite:///{instance_dir / 'bench.sqlite3'}",
        "INSTANCE_DIR": str(instance_dir),
        "UPLOAD_DIR": str(instance_dir / "uploads"),
        # A fixed key per run: both gunicorn workers must sign and read the same session cookie.
        "SECRET_KEY": secrets.token_hex(32),
        "PASSWORD_HASH_PROFILE": "fast",
        # One login per run; the address limit must not trip if the run is repeated quickly.
        "LOGIN_RATE_LIMIT_PER_ADDRESS": "1000 per minute",
    }


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)


def _memberships(rng: random.Random, community_ids: list[int], user_ids: list[int],
                 bench_user_id: int, now: dt.datetime) -> list[dict[str, Any]]:
    """Members per community: the home community large, the others ~25 on average, one convener each."""
    home_id, others = community_ids[0], community_ids[1:]
    bench_in = set(rng.sample(others, BENCH_USER_COMMUNITIES - 1)) | {home_id}
    others_total = COMMUNITIES * MEAN_MEMBERS - HOME_MEMBERS
    rows: list[dict[str, Any]] = []
    for community_id in community_ids:
        size = HOME_MEMBERS if community_id == home_id else rng.randint(5, 2 * others_total // len(others) - 5)
        people = rng.sample(user_ids[1:], size)
        if community_id in bench_in:
            people[-1] = bench_user_id  # never the convener slot, so the bench user sees a member's page
        for index, user_id in enumerate(people):
            role = "convener" if index == 0 else rng.choices(
                ("member", "co_convener", "mentor", "guest_expert"), weights=(85, 5, 8, 2))[0]
            if user_id == bench_user_id:
                role = "co_convener" if community_id == home_id else "member"
            joined = now - dt.timedelta(days=rng.randint(1, 700))
            rows.append({
                "community_id": community_id, "user_id": user_id, "role": role,
                "in_evaluation_programme": rng.random() < 0.2, "joined_at": joined, "left_at": None,
            })
        # People who left stay in the table (the app keeps them for the records) and must be filtered out.
        for user_id in rng.sample(user_ids[1:], max(1, size // 10)):
            if user_id not in people:
                rows.append({
                    "community_id": community_id, "user_id": user_id, "role": "member",
                    "in_evaluation_programme": False, "joined_at": now - dt.timedelta(days=800),
                    "left_at": now - dt.timedelta(days=rng.randint(1, 300)),
                })
    return rows


def seed(env: dict[str, str]) -> Seeded:
    """Migrate a new database and fill it in one transaction; return how to reach the benchmark user."""
    import flask_migrate

    from workspace import create_app
    from workspace.auth.models import User
    from workspace.auth.services import hash_password
    from workspace.communities.models import Community, Membership, School, community_schools
    from workspace.core.models import AuditEvent
    from workspace.core.text import render_markdown
    from workspace.extensions import db

    started = time.perf_counter()
    rng = random.Random(RANDOM_SEED)
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"],
        "INSTANCE_DIR": env["INSTANCE_DIR"],
        "UPLOAD_DIR": env["UPLOAD_DIR"],
        "SECRET_KEY": env["SECRET_KEY"],
        "PASSWORD_HASH_PROFILE": "fast",
    })
    with app.app_context():
        flask_migrate.upgrade()
        password = secrets.token_urlsafe(12)  # a fresh one per run: nothing to leak, nothing to guess
        # argon2 on purpose costs time: one hash, shared by every account, keeps seeding to seconds.
        password_hash = hash_password(password)
        now = dt.datetime.now(dt.UTC)
        schools = [{"id": i + 1, "name": f"測試國民小學 {i + 1}", "class_count": 12 + 6 * i,
                    "in_evaluation_programme": i == 0, "created_at": now} for i in range(SCHOOLS)]
        users = [{
            "id": 1, "email": BENCH_EMAIL, "display_name": "測試老師", "password_hash": password_hash,
            "locale": "zh_Hant", "school_id": 1, "is_admin": False, "active": True,
            "approved_at": now, "email_confirmed_at": now, "created_at": now,
        }]
        users += [{
            "id": i, "email": f"teacher{i:05d}@bench.example", "display_name": _name(rng),
            "password_hash": password_hash, "locale": None, "school_id": rng.randint(1, SCHOOLS),
            "is_admin": False, "active": True, "approved_at": now, "email_confirmed_at": now, "created_at": now,
        } for i in range(2, USERS + 1)]
        user_ids = [user["id"] for user in users]
        texts = {subject: (DESCRIPTION.format(subject=subject), VISION.format(subject=subject))
                 for subject in SUBJECTS}
        html = {subject: (str(render_markdown(d)), str(render_markdown(v))) for subject, (d, v) in texts.items()}
        communities = []
        for i in range(1, COMMUNITIES + 1):
            subject = SUBJECTS[i % len(SUBJECTS)]
            communities.append({
                "id": i, "name": f"{subject}{'領域' if i % 2 else '教學'}社群 {i:03d}",
                "slug": HOME_SLUG if i == 1 else f"plc-{i:03d}", "kind": KINDS[i % len(KINDS)],
                "description": texts[subject][0], "description_html": html[subject][0],
                "vision": texts[subject][1], "vision_html": html[subject][1],
                "created_by_id": rng.choice(user_ids), "created_at": now - dt.timedelta(days=900 - i),
                # A few archived communities, so the list page draws both sections.
                "archived_at": now - dt.timedelta(days=30) if i % 40 == 0 else None,
            })
        community_ids = [community["id"] for community in communities]
        links = [{"community_id": community_id, "school_id": school_id}
                 for community_id in community_ids
                 for school_id in rng.sample(range(1, SCHOOLS + 1), rng.randint(1, 2))]
        memberships = _memberships(rng, community_ids, user_ids, 1, now)
        events = []
        for _ in range(AUDIT_EVENTS):
            action, data = rng.choice(EVENT_ACTIONS)
            events.append({
                "actor_id": rng.choice(user_ids), "action": action, "subject_type": "Membership",
                "subject_id": rng.randint(1, len(memberships)), "community_id": rng.choice(community_ids),
                "data": data, "created_at": now - dt.timedelta(minutes=rng.randint(1, 500_000)),
            })
        with db.engine.begin() as connection:
            connection.execute(insert(School), schools)
            connection.execute(insert(User), users)
            connection.execute(insert(Community), communities)
            connection.execute(insert(community_schools), links)
            connection.execute(insert(Membership), memberships)
            connection.execute(insert(AuditEvent), events)
            connection.exec_driver_sql("ANALYZE")  # give the planner statistics, as a long-lived database has
        db.engine.dispose()  # release the file before gunicorn opens it
    rows = {"schools": len(schools), "users": len(users), "communities": len(communities),
            "community_schools": len(links), "memberships": len(memberships), "audit_events": len(events)}
    return Seeded(env["DATABASE_URL"], BENCH_EMAIL, password, HOME_SLUG, rows,
                  time.perf_counter() - started)


def main() -> int:
    """Seed a database in a new temporary directory and say where it is (for poking at it by hand)."""
    instance = Path(tempfile.mkdtemp(prefix="workspace-bench-"))
    env = bench_env(instance)
    os.environ.update(env)  # create_app reads the environment before the overrides
    seeded = seed(env)
    print(f"seeded {seeded.database_url} in {seeded.seconds:.1f} s: {seeded.rows}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
