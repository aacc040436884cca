"""Compliance benchmark (issue 13): the panel and the reviewers' table over 200 enrolled communities with 300
activities and 100 expenses each, against /healthz.

Seeds bench/seed.py, bench/seed_activities.py and bench/seed_compliance.py into one SQLite database (every
community enrolled, confirmed, in a copy of PLC-100 whose period holds today; the bench user co-convenes the
home community and reviews school 1, which holds all 200). Then, through gunicorn (bench/run.py's machinery):

- cached views: the home community's panel, its live poll that finds nothing new (204), the reviewers' table,
  each driven against /healthz in alternating rounds over CONCURRENCY connections;
- first views after a write: before each timed request the bench process writes in the database, outside the
  timed part (a refreshment expense added to the home community's ledger for the panel, to a community taken in
  turn for the table, through the ORM so that the flush hooks bump the counters as the service's write does),
  then times one GET; /healthz is timed the same way, one request at a time, and the ratio is that of the mean
  latencies. Target: 0.25 of /healthz for the panel and the table, cached and after a write.

Then, in-process with the test client (page cache off), the SQL statements of each page after a write: the
panel of a community with 30 activities and of the one with 301; the table of reviewers of 1, 50 and 200
communities. They must not differ (a count that grows with the data fails the run).
Run alone with `python -m bench.compliance`; `python -m bench.run` runs it after the others (BENCH_COMPLIANCE=0
skips it).
"""

from __future__ import annotations

import datetime as dt
import html
import http.client
import os
import re
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench import run as page_bench
from bench.run import after_writes
from bench.seed import bench_env, seed

TARGET = page_bench.TARGET_RATIO
REQUESTS = page_bench._env_int("BENCH_COMPLIANCE_REQUESTS", 400)  # per cached target
WRITES = page_bench._env_int("BENCH_COMPLIANCE_WRITES", 40)  # timed first views after a write, per page
HX = {"HX-Request": "true"}


class Writer:
    """Writes in the bench database from the bench process, as a convener's save would: a refreshment expense
    added to an enrolment's ledger through the ORM (the flush hooks bump the community's counters)."""

    def __init__(self, database_url: str) -> None:
        from sqlalchemy import select

        from workspace import create_app
        from workspace.compliance.models import Enrollment, Expense
        from workspace.extensions import db

        self.app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "PASSWORD_HASH_PROFILE": "fast",
                               "PAGE_CACHE": False})
        with self.app.app_context():
            self.enrollments = dict(db.session.execute(select(Enrollment.community_id, Enrollment.id)).all())
            self.receipt = db.session.scalar(select(Expense.receipt_blob_id).where(
                Expense.receipt_blob_id.is_not(None)).limit(1))
            db.session.remove()
        self.count = 0

    def write(self, community_id: int) -> None:
        """Add one refreshment expense (NT$100 for 5 persons, with its receipt) to the community's enrolment."""
        from workspace.compliance.models import Expense
        from workspace.extensions import db

        self.count += 1
        with self.app.app_context():
            db.session.add(Expense(
                enrollment_id=self.enrollments[community_id], category="refreshments",
                spent_on=dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1), amount=100, persons=5,
                payee="便利商店", description=f"bench write {self.count}", receipt_blob_id=self.receipt,
                receipt_filename="收據.pdf", claimable=True, breaches=[]))
            db.session.commit()
            db.session.remove()

    def close(self) -> None:
        from workspace.extensions import db

        with self.app.app_context():
            db.engine.dispose()


def measure_http(env: dict[str, str], email: str, password: str, seeded: Any, writer: Writer) -> bool:
    """Serve the database; the cached views in alternating rounds, then the first views after a write."""
    port = page_bench.free_port()
    log_path = Path(env["INSTANCE_DIR"]) / "gunicorn-compliance.log"
    server = page_bench.start_server(env, port, log_path)
    try:
        page_bench.wait_until_up(server, port, log_path)
        cookie = {"Cookie": page_bench.log_in(port, email, password)}
        panel, table = f"/c/{seeded.home_slug}/compliance/", "/review/compliance/"
        conn = http.client.HTTPConnection(page_bench.HOST, port, timeout=120)
        status, _headers, body = page_bench.request(conn, "GET", panel, cookie)
        conn.close()
        match = re.search(r'hx-get="([^"]*/compliance/live[^"]*)"', body.decode())
        if status != 200 or match is None:
            raise page_bench.BenchError(f"GET {panel} answered {status} without its live poll")
        poll = html.unescape(match.group(1))
        rows: list[tuple[str, str, dict[str, str], int, float | None]] = [
            ("/healthz", "/healthz", {}, 200, None),
            (f"panel, cached {panel}", panel, cookie, 200, TARGET),
            ("panel's poll, nothing new (204)", poll, {**cookie, **HX}, 204, TARGET),
            (f"reviewers' table, cached {table}", table, cookie, 200, TARGET)]
        results = page_bench.measure(port, [(path, headers) for _label, path, headers, _status, _target in rows],
                                     labels=[label for label, *_rest in rows],
                                     expect=[status for *_rest, status, _target in rows], requests=REQUESTS,
                                     warmup=min(page_bench.WARMUP, 20), name_rounds=False)
        page_bench.show_server_log(log_path)
        cached = page_bench.report(results, width=52, targets=[target for *_rest, target in rows],
                                   pages="the panel, its poll and the reviewers' table, cached")

        print(f"\nfirst views after a write: {WRITES} timed GETs per page, one at a time, each after a write made "
              "by the bench process (an expense added, outside the timed part)")
        communities = sorted(writer.enrollments)
        fresh = [
            after_writes(port, "/healthz (after a write)", "/healthz", {}, lambda _n: writer.write(1), WRITES),
            after_writes(port, f"panel after a write in it {panel}", panel, cookie, lambda _n: writer.write(1),
             WRITES),
            after_writes(port, f"reviewers' table after a write {table}", table, cookie,
             lambda n: writer.write(communities[n % len(communities)]), WRITES)]
        for result in fresh:
            mean = statistics.fmean(result.latencies) if result.latencies else float("nan")
            print(f"  {result.path}: mean {mean * 1000:.1f} ms, p95 {result.quantile_ms(0.95):.1f} ms")
        page_bench.show_server_log(log_path)
        after = page_bench.report(fresh, width=52, targets=[None, TARGET, TARGET],
                                  pages="the panel and the reviewers' table after a write (one at a time)")
        return cached and after
    finally:
        page_bench.stop_server(server)


def count_queries(database_url: str, password: str, seeded: Any, writer: Writer) -> bool:
    """In-process: the statements of each page after a write in its community, as served (page cache on: the
    reviewers' table judges again only the community written in) and with nothing kept (PAGE_CACHE=0: every
    enrolment judged), on small and big data."""
    from sqlalchemy import event

    from workspace import create_app
    from workspace.extensions import db

    short, home = seeded.short_slug, seeded.home_slug
    short_id = seeded.short_community_id
    pages = [
        (f"panel, {seeded.activities[short]} activities", 200, f"/c/{short}/compliance/", short_id),
        (f"panel, {seeded.activities[home]} activities", 200, f"/c/{home}/compliance/", 1),
        (f"panel's poll after a write, {seeded.activities[short]} activities", 200,
         f"/c/{short}/compliance/live?gen=0", short_id),
        (f"panel's poll after a write, {seeded.activities[home]} activities", 200,
         f"/c/{home}/compliance/live?gen=0", 1),
        ("reviewers' table, 1 community", 1, "/review/compliance/", short_id),
        ("reviewers' table, 50 communities", 50, "/review/compliance/", 1),
        ("reviewers' table, 200 communities", 200, "/review/compliance/", 1),
    ]
    figures: dict[str, list[int]] = {label: [] for label, *_rest in pages}
    for page_cache in (True, False):
        app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "PASSWORD_HASH_PROFILE": "fast",
                          "WTF_CSRF_ENABLED": False, "PAGE_CACHE": page_cache})
        statements: list[str] = []
        with app.app_context():
            engine = db.engine

        def listener(_connection: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
            statements.append(statement)  # noqa: B023 (each app's listener is removed before the next)

        clients = {size: page_bench.logged_in_client(app, email, password)
                   for size, email in seeded.reviewers.items()}
        event.listen(engine, "before_cursor_execute", listener)
        try:
            for label, size, path, community_id in pages:
                headers = HX if "live" in path else {}
                clients[size].get(path, headers=headers)  # every enrolment's figures kept (page cache on)
                writer.write(community_id)
                statements.clear()
                answer = clients[size].get(path, headers=headers)
                if answer.status_code != 200:
                    raise page_bench.BenchError(f"in-process GET {path} answered {answer.status_code}")
                figures[label].append(len(statements))
        finally:
            event.remove(engine, "before_cursor_execute", listener)
            with app.app_context():
                db.engine.dispose()
    print(f"\n{'SQL statements per request after a write (in-process)':<58}{'as served':>10}{'PAGE_CACHE=0':>14}")
    for label, (served, nothing_kept) in figures.items():
        print(f"{label:<58}{served:>10}{nothing_kept:>14}")
    constant = all(len({tuple(figures[label]) for label in figures if label.startswith(prefix)}) == 1
                   for prefix in ("panel,", "panel's poll", "reviewers'"))
    print("panels as the bench user (reviewer of school 1); the table as reviewers of school 3 (1 community), "
          "school 2 (50) and school 1 (200); each request made after a write in the community (an expense added)")
    print(f"statement counts {'do not grow' if constant else 'GROW'} with communities and activities: "
          f"{'PASS' if constant else 'FAIL'}")
    return constant


def run() -> bool:
    """Seed; measure through gunicorn (cached, after a write); count statements in-process."""
    from bench.seed_activities import seed_activities
    from bench.seed_compliance import seed_compliance
    from workspace import create_app

    print(f"\n== compliance benchmark: 200 enrolled communities x 300 activities x 100 expenses; {REQUESTS} "
          f"requests per cached target, {WRITES} first views after a write ==")
    print(f"load average before: {page_bench._load()}")
    with tempfile.TemporaryDirectory(prefix="workspace-bench-compliance-") as tmp:
        env = bench_env(Path(tmp))
        os.environ.update(env)  # create_app reads the environment before the overrides
        seeded = seed(env)
        app = create_app({"SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"], "PASSWORD_HASH_PROFILE": "fast"})
        activities = seed_activities(app)
        compliance = seed_compliance(app)
        print(f"seeded in {seeded.seconds:.1f} + {activities.seconds:.1f} + {compliance.seconds:.1f} s: "
              + ", ".join(f"{n} {name}" for name, n in {**activities.rows, **compliance.rows}.items()))
        writer = Writer(env["DATABASE_URL"])
        try:
            served = measure_http(env, seeded.email, seeded.password, compliance, writer)
            constant = count_queries(env["DATABASE_URL"], seeded.password, compliance, writer)
        finally:
            writer.close()
        print(f"load average after: {page_bench._load()} (other work on the machine lowers every figure)")
        return served and constant


def main() -> int:
    """Run the compliance benchmark alone."""
    return page_bench.run_alone("compliance", run)


if __name__ == "__main__":
    sys.exit(main())
