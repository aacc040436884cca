"""Fresh-render benchmark (issue 12): every main page's first view after a write, and its cached view.

One database holds every area's bench data (bench/seed.py, then a library of BENCH_FRESH_RESOURCES resources, the
discussion board, the activities and the co-planning plan, all in the bench user's home community, who is also a
reviewer of one school). gunicorn serves it twice: with PAGE_CACHE=0, where every request renders the page afresh,
as the first view after a write in the same community does (a write there changes what the page shows, so no
cache may answer it), and as served (page cache on), where every request after the first is a cached view. Each
page is driven against /healthz in alternating rounds (bench/run.py's machinery). Targets: fresh renders
0.25 × the requests per second of /healthz, cached views 0.40.
BENCH_DATABASE_URL=postgresql://… runs it on PostgreSQL (see DATABASE_URL below). Run alone with
`python -m bench.fresh`; `python -m bench.run` runs it after the other benchmarks (BENCH_FRESH=0 skips it).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from bench import run as page_bench
from bench.seed import bench_env, seed

FRESH_TARGET = 0.25  # a page rendered afresh, as after a write in its community
CACHED_TARGET = 0.40  # the same page answered from the page cache
REQUESTS = page_bench._env_int("BENCH_FRESH_REQUESTS", 600)  # HTTP requests per page target
RESOURCES = page_bench._env_int("BENCH_FRESH_RESOURCES", 3_000)
# A PostgreSQL database to seed instead of a SQLite file (its public schema is dropped first). The activities'
# and the library's bulk seeders write SQLite's own SQL and FTS5 rows: on PostgreSQL the library gets
# BENCH_FRESH_PG_RESOURCES resources through the service (which indexes them) and the activity pages are left out.
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "")
PG_RESOURCES = page_bench._env_int("BENCH_FRESH_PG_RESOURCES", 300)


def main_pages(app: Any, slug: str, thread_id: int, activity_id: int | None, plan_id: int) -> list[tuple[str, str]]:
    """(label, path) of every main page, in the bench user's home community (no activity pages without
    `activity_id`)."""
    from workspace.extensions import db
    from workspace.resources.models import Resource

    with app.app_context():
        resource_id = db.session.scalars(select(Resource.id).join(Resource.community)
                                         .where(Resource.deleted_at.is_(None))
                                         .filter_by(slug=slug).order_by(Resource.id.desc()).limit(1)).one()
    base = f"/c/{slug}"
    pages = [
        ("home (40 communities)", "/"),
        ("community home (200 members)", f"{base}/"),
        ("library (resource list)", f"{base}/resources/"),
        ("resource page", f"{base}/resources/{resource_id}"),
        ("board (thread list)", f"{base}/discussions/"),
        ("thread, 50 posts", f"{base}/discussions/{thread_id}?page=1"),
        ("activities list", f"{base}/activities/"),
        ("activity page", f"{base}/activities/{activity_id}"),
        ("plans list", f"{base}/plans/"),
        ("plan page (12 sections)", f"{base}/plans/{plan_id}"),
        ("search ?q=分數", "/search?q=%E5%88%86%E6%95%B8"),
        ("review (one school)", "/review/"),
    ]
    return [page for page in pages if activity_id is not None or "/activities/" not in page[1]]


def reset_postgres(url: str) -> None:
    """Drop and recreate the public schema of the benchmark's PostgreSQL database."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def service_resources(app: Any, count: int, community_id: int = 1, author_id: int = 1) -> None:
    """Add `count` text resources through the service, which indexes them as PostgreSQL searches them."""
    from workspace.auth.models import User
    from workspace.communities.models import Community
    from workspace.extensions import db
    from workspace.resources import services

    with app.test_request_context():
        community, author = db.session.get(Community, community_id), db.session.get(User, author_id)
        for number in range(count):
            services.create_text_resource(
                community, services.ResourceFields(title=f"分數的教學 {number}", kind="lesson_plan", subject="數學"),
                f"通分與約分的練習 {number}：分數教學設計與評量。", actor=author)
        db.session.commit()
        db.engine.dispose()


def grant_review(app: Any, user_id: int, school_id: int) -> None:
    """Make the bench user a reviewer of one school, so that /review/ answers and every page pays the scope."""
    from workspace.communities.models import ReviewerScope
    from workspace.extensions import db

    with app.app_context(), db.engine.begin() as connection:
        connection.execute(insert(ReviewerScope), [{"user_id": user_id, "school_id": school_id,
                                                    "created_at": dt.datetime.now(dt.UTC)}])
        db.engine.dispose()


def measure(env: dict[str, str], email: str, password: str, pages: list[tuple[str, str]], *, fresh: bool) -> bool:
    """Serve the database (PAGE_CACHE=0 when `fresh`) and drive every page against /healthz."""
    port = page_bench.free_port()
    log_path = Path(env["INSTANCE_DIR"]) / f"gunicorn-fresh{'-0' if fresh else ''}.log"
    server = page_bench.start_server({**env, "PAGE_CACHE": "0"} if fresh else env, port, log_path)
    try:
        page_bench.wait_until_up(server, port, log_path)
        cookie = {"Cookie": page_bench.log_in(port, email, password)}
        target = FRESH_TARGET if fresh else CACHED_TARGET
        rows = [("/healthz", "/healthz", {}, None)] + [(label, path, cookie, target) for label, path in pages]
        results = page_bench.measure(port, [(path, headers) for _label, path, headers, _target in rows],
                                     labels=[label for label, *_rest in rows], requests=REQUESTS,
                                     warmup=min(page_bench.WARMUP, 30), name_rounds=False)
        page_bench.show_server_log(log_path)
        return page_bench.report(results, width=32, targets=[target for *_rest, target in rows],
                                 pages="every main page " + ("rendered afresh" if fresh else "cached"))
    finally:
        page_bench.stop_server(server)


def run() -> bool:
    """Seed every area into one database; measure the main pages fresh, then cached."""
    from bench.seed_activities import seed_activities
    from bench.seed_discussions import seed_discussions
    from bench.seed_plans import seed_plans
    from bench.seed_resources import seed_resources
    from workspace import create_app

    print(f"\n== fresh renders: the 12 main pages after a write (PAGE_CACHE=0) and cached; {REQUESTS} requests "
          f"per target ==")
    print(f"load average before: {page_bench._load()}")
    with tempfile.TemporaryDirectory(prefix="workspace-bench-fresh-") as tmp:
        env = bench_env(Path(tmp))
        postgres = DATABASE_URL.startswith("postgresql")
        if postgres:
            reset_postgres(DATABASE_URL)
            env["DATABASE_URL"] = DATABASE_URL
        os.environ.update(env)  # create_app reads the environment before the overrides
        print(f"database: {'PostgreSQL' if postgres else 'SQLite'}")
        started = time.monotonic()
        seeded = seed(env)
        app = create_app({"SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"], "PASSWORD_HASH_PROFILE": "fast"})
        if not postgres:
            seed_resources(app, count=RESOURCES)
        board = seed_discussions(app)
        activity_id = None if postgres else seed_activities(app).big.activity_id
        plans = seed_plans(app)
        if postgres:
            service_resources(app, PG_RESOURCES)
        grant_review(app, user_id=1, school_id=2)
        print(f"seeded every area in {time.monotonic() - started:.0f} s")
        pages = main_pages(app, seeded.home_slug, board.big.long_thread_id, activity_id,
                           plans.big.plan_id)
        fresh = measure(env, seeded.email, seeded.password, pages, fresh=True)
        cached = measure(env, seeded.email, seeded.password, pages, fresh=False)
        print(f"load average after: {page_bench._load()} (other work on the machine lowers every figure)")
        return fresh and cached


def main() -> int:
    """Run the fresh-render benchmark alone."""
    return page_bench.run_alone("fresh-render", run)


if __name__ == "__main__":
    sys.exit(main())
