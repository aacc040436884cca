"""Fresh-render benchmark (issue 12): every main page's first view after a write in its community, and its cached view.

One database holds every area's bench data (bench/seed.py, then a library of BENCH_FRESH_RESOURCES resources, the
discussion board, the activities and the co-planning plan, all in the bench user's home community, who is also a
reviewer of one school). Two measurements:

1. In-process (the test client, no server), per page: the Python calls (cProfile), SQL statements and time of the
   first view after a write, with the fragment cache off (the whole page rendered, as before fragments) and on.
   The write is a reply by another member in another thread of the same community, through the board's service:
   it moves the community's counter, so the page cache cannot answer, and the replied thread's row changes.
   These counts do not depend on the machine's load.
2. Through gunicorn (as served: page and fragment caches on), one request at a time on a kept-alive connection,
   in alternating rounds (bench/invalidation.py's machinery): /healthz, then each page "fresh" (each view right
   after such a reply, made by this process outside the timed part) and "cached" (the same page again). Ratios
   are p50 of /healthz / p50 of the page. Targets: fresh 0.25, cached 0.40.

BENCH_DATABASE_URL=postgresql://… runs it on PostgreSQL (see DATABASE_URL below). BENCH_FRESH_CALLS=0 skips the
counts, BENCH_FRESH_TIMED=0 the server, BENCH_FRESH_ACTIVITIES=0 the activities (a faster seed). Run alone with
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
CALLS = page_bench._env_int("BENCH_FRESH_CALLS", 1)  # 0: skip the in-process call counts
TIMED = page_bench._env_int("BENCH_FRESH_TIMED", 1)  # 0: only the call counts, no server
ACTIVITIES = page_bench._env_int("BENCH_FRESH_ACTIVITIES", 1)  # 0: leave the activities out (a faster seed)


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


def sync_sequences(app: Any) -> None:
    """Move every PostgreSQL id sequence past the rows the bulk seeders wrote with their own ids, so that the
    writes the benchmark makes (a reply) get new ids."""
    from sqlalchemy import text

    from workspace.extensions import db

    with app.app_context():
        for table in db.metadata.sorted_tables:
            column = table.c.get("id")
            if column is None or not column.autoincrement or len(table.primary_key.columns) != 1:
                continue
            db.session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608 - the app's own names
                f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"))
        db.session.commit()


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


class ReplyWriter:
    """The write made before each "fresh" view: a reply in another thread of the same community, by another member,
    through the board's service (its flush hooks bump the community's counter, its thread's row moves, watchers
    are notified), so the next view of any page of that community can no longer come from the page cache."""

    def __init__(self, app: Any, community_id: int, avoid_thread_id: int, reader_id: int) -> None:
        from workspace.communities.models import Membership
        from workspace.discussions.models import Thread
        from workspace.extensions import db

        self.app, self.count = app, 0
        with app.app_context():
            self.thread_id = db.session.scalar(select(Thread.id).where(
                Thread.community_id == community_id, Thread.id != avoid_thread_id, Thread.locked_at.is_(None)
                ).order_by(Thread.id).limit(1))
            self.author_id = db.session.scalar(select(Membership.user_id).where(
                Membership.community_id == community_id, Membership.left_at.is_(None),
                Membership.user_id != reader_id).order_by(Membership.user_id).limit(1))
            db.engine.dispose()

    def __call__(self) -> None:
        from workspace.auth.models import User
        from workspace.discussions import services
        from workspace.discussions.models import Thread
        from workspace.extensions import db

        self.count += 1
        with self.app.test_request_context():
            services.reply(db.session.get(Thread, self.thread_id), f"Bench reply {self.count}",
                           actor=db.session.get(User, self.author_id))
            db.session.commit()


def count_calls(app: Any, email: str, password: str, pages: list[tuple[str, str]], write: Any,
                repeats: int = 3) -> list[tuple[str, int, int, float]]:
    """In-process, per page: (label, Python calls, SQL statements, ms) of its first view after a write (the fewest
    calls of `repeats`), the load-independent figure of a fresh render, without fragments (FRAGMENT_CACHE off:
    the whole page rendered) and with them. cProfile counts the calls."""
    app.config["WTF_CSRF_ENABLED"] = False  # the test client logs in without a form
    try:
        app.config["FRAGMENT_CACHE"] = False
        whole = _count_calls(app, email, password, pages, write, repeats)
        app.config["FRAGMENT_CACHE"] = True
        parts = _count_calls(app, email, password, pages, write, repeats)
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    print(f"\n{'page (first view after a write, in-process)':<46}{'calls: whole':>13}{'fragments':>10}"
          f"{'SQL':>9}{'ms':>13}")
    for (label, calls, count, elapsed), (_label, calls2, count2, elapsed2) in zip(whole, parts, strict=True):
        print(f"{label:<46}{calls:>13,}{calls2:>10,}{count:>5} →{count2:>3}{elapsed:>6.1f} →{elapsed2:>5.1f}")
    return parts


def _count_calls(app: Any, email: str, password: str, pages: list[tuple[str, str]], write: Any,
                 repeats: int) -> list[tuple[str, int, int, float]]:
    import cProfile
    import pstats

    from sqlalchemy import event

    from workspace.extensions import db

    client = page_bench.logged_in_client(app, email, password)
    statements: list[str] = []
    with app.app_context():
        engine = db.engine
    listener = lambda *_args: statements.append("")  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    rows = []
    try:
        for label, path in [("/healthz", "/healthz"), *pages]:
            for _ in range(2):  # warm: templates compiled, the fragments of the unchanged parts kept
                write()
                client.get(path)
            best = None
            for _ in range(repeats):
                write()
                statements.clear()
                profiler = cProfile.Profile()
                started = time.perf_counter()
                profiler.enable()
                response = client.get(path)
                profiler.disable()
                elapsed = (time.perf_counter() - started) * 1000
                if response.status_code != 200:
                    raise page_bench.BenchError(f"{path} answered {response.status_code}")
                calls = pstats.Stats(profiler).total_calls
                if best is None or calls < best[1]:
                    best = (label, calls, len(statements), elapsed)
            rows.append(best)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return rows


def measure(env: dict[str, str], email: str, password: str, pages: list[tuple[str, str]], write: Any) -> bool:
    """Serve the database and time, one request at a time in alternating rounds, /healthz and every page twice:
    cached (the same page again) and fresh (each view right after a write in its community, not timed)."""
    from bench.invalidation import Target, _time_requests

    port = page_bench.free_port()
    log_path = Path(env["INSTANCE_DIR"]) / "gunicorn-fresh.log"
    server = page_bench.start_server(env, port, log_path)
    targets = [Target("/healthz", "/healthz")]
    for label, path in pages:
        targets += [Target(f"{label} fresh", path, write), Target(f"{label} cached", path)]
    try:
        page_bench.wait_until_up(server, port, log_path)
        cookie = page_bench.log_in(port, email, password)
        for target in targets:  # warm up: templates compiled, pages and fragments stored in both workers
            _time_requests(port, Target(target.label, target.path, target.write), cookie, 10)
        for round_number in range(1, page_bench.ROUNDS + 1):
            for target in targets:
                _time_requests(port, target, cookie, max(1, REQUESTS // page_bench.ROUNDS))
            print(f"  round {round_number}/{page_bench.ROUNDS} done")
        page_bench.show_server_log(log_path)
    finally:
        page_bench.stop_server(server)
    return report(targets)


def report(targets: list[Any]) -> bool:
    """Print each target's p50 and its ratio to /healthz (p50 of /healthz / p50 of the page) against its target."""
    baseline = targets[0].p50
    print(f"\n{'target':<48}{'requests':>9}{'errors':>7}{'p50 ms':>8}{'p95 ms':>8}{'ratio':>7}  verdict")
    ok = True
    for target in targets:
        ratio = baseline / target.p50
        goal = FRESH_TARGET if target.label.endswith(" fresh") else CACHED_TARGET
        passed = target is targets[0] or (ratio >= goal and not target.errors)
        verdict = "baseline" if target is targets[0] else f"{'PASS' if passed else 'FAIL'} (>= {goal:.2f})"
        ok = ok and passed
        ordered = sorted(target.latencies)
        p95 = ordered[int(0.95 * (len(ordered) - 1))] * 1000 if ordered else float("nan")
        print(f"{target.label:<48}{len(target.latencies) + len(target.errors):>9}{len(target.errors):>7}"
              f"{target.p50 * 1000:>8.2f}{p95:>8.2f}{ratio:>7.2f}  {verdict}")
        for error in sorted(set(target.errors))[:5]:
            print(f"    {target.errors.count(error)} x {error}")
    return ok


def run() -> bool:
    """Seed every area into one database; measure the main pages fresh, then cached."""
    from bench.seed_activities import seed_activities
    from bench.seed_discussions import seed_discussions
    from bench.seed_plans import seed_plans
    from bench.seed_resources import seed_resources
    from workspace import create_app
    from workspace.extensions import db

    print(f"\n== fresh renders: the 12 main pages, each view after a write in their community, and cached; "
          f"{REQUESTS} requests per target ==")
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
        activity_id = None if postgres or not ACTIVITIES else seed_activities(app).big.activity_id
        plans = seed_plans(app)
        if postgres:
            sync_sequences(app)
            service_resources(app, PG_RESOURCES)
        grant_review(app, user_id=1, school_id=2)
        print(f"seeded every area in {time.monotonic() - started:.0f} s")
        pages = main_pages(app, seeded.home_slug, board.big.long_thread_id, activity_id,
                           plans.big.plan_id)
        write = ReplyWriter(app, community_id=1, avoid_thread_id=board.big.long_thread_id, reader_id=1)
        if CALLS:
            count_calls(app, seeded.email, seeded.password, pages, write)
            with app.app_context():
                db.engine.dispose()
        if not TIMED:
            return True
        passed = measure(env, seeded.email, seeded.password, pages, write)
        print(f"load average after: {page_bench._load()} (other work on the machine lowers every figure)")
        return passed


def main() -> int:
    """Run the fresh-render benchmark alone."""
    return page_bench.run_alone("fresh-render", run)


if __name__ == "__main__":
    sys.exit(main())
