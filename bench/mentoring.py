"""Mentoring benchmark (issue 14): the convener's overview and the mentor's home over 2,000 pairings with 20
meeting logs and 6 observations each, on the first view after a write, against /healthz.

Seeds bench/seed.py and bench/seed_mentoring.py into one SQLite database (the bench user co-convenes the home
community, which holds 400 pairings, and mentors 12 new teachers there). Then, through gunicorn (bench/run.py's
machinery), first views after a write: before each timed request the bench process writes in the database,
outside the timed part (a meeting log added to one of the bench user's pairings, through the ORM so that the
flush hooks bump the counters as the service's write does), then times one GET; /healthz is timed the same
way, one request at a time, and the ratio is that of the mean latencies. Target: 0.25 of /healthz for the
overview (first page and last page of 50) and the mentor's home.

Then, in-process with the test client, the SQL statements of each page after a write: the overview of a community
with one pairing and of the one with 400 (first and last page); the home of a mentor of one new teacher and of
the bench user (12). They must not differ (a count that grows with the data fails the run).
Run alone with `python -m bench.mentoring`; `python -m bench.run` runs it after the others (BENCH_MENTORING=0
skips it).
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench import run as page_bench
from bench.run import after_writes
from bench.seed import bench_env, seed

TARGET = page_bench.TARGET_RATIO
WRITES = page_bench._env_int("BENCH_MENTORING_WRITES", 40)  # timed first views after a write, per page


class Writer:
    """Writes in the bench database from the bench process, as a mentor's save would: a meeting log added to a
    pairing through the ORM (the flush hooks bump the community's counters)."""

    def __init__(self, database_url: str) -> None:
        from workspace import create_app

        self.app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "PASSWORD_HASH_PROFILE": "fast",
                               "PAGE_CACHE": False})
        self.count = 0

    def write(self, pairing_id: int) -> None:
        """Add one meeting log, held yesterday, to the pairing."""
        from workspace.extensions import db
        from workspace.mentoring.models import MeetingLog

        self.count += 1
        with self.app.app_context():
            db.session.add(MeetingLog(pairing_id=pairing_id, held_on=dt.date.today() - dt.timedelta(days=1),
                                      duration_minutes=30, topics=f"bench write {self.count}", notes="",
                                      notes_html=""))
            db.session.commit()
            db.session.remove()

    def close(self) -> None:
        from workspace.extensions import db

        with self.app.app_context():
            db.engine.dispose()


def measure_http(env: dict[str, str], email: str, password: str, seeded: Any, writer: Writer) -> bool:
    """Serve the database; time each page on its first view after a write, one request at a time."""
    port = page_bench.free_port()
    log_path = Path(env["INSTANCE_DIR"]) / "gunicorn-mentoring.log"
    server = page_bench.start_server(env, port, log_path)
    try:
        page_bench.wait_until_up(server, port, log_path)
        cookie = {"Cookie": page_bench.log_in(port, email, password)}
        overview = f"/c/{seeded.home_slug}/mentoring/"
        write = lambda _n: writer.write(seeded.home_pairing_id)  # noqa: E731
        print(f"\nfirst views after a write: {WRITES} timed GETs per page, one at a time, each after a write made "
              "by the bench process (a meeting log added, outside the timed part)")
        fresh = [
            after_writes(port, "/healthz (after a write)", "/healthz", {}, write, WRITES),
            after_writes(port, f"overview, page 1 of 8 {overview}", overview, cookie, write, WRITES),
            after_writes(port, f"overview, page 8 of 8 {overview}?page=8", overview + "?page=8", cookie, write,
             WRITES),
            after_writes(port, "mentor's home, 12 mentees /mentoring/", "/mentoring/", cookie, write, WRITES)]
        for result in fresh:
            mean = statistics.fmean(result.latencies) if result.latencies else float("nan")
            print(f"  {result.path}: mean {mean * 1000:.1f} ms, p95 {result.quantile_ms(0.95):.1f} ms")
        page_bench.show_server_log(log_path)
        return page_bench.report(fresh, width=52, targets=[None, TARGET, TARGET, TARGET],
                                 pages="the overview and the mentor's home after a write (one at a time)")
    finally:
        page_bench.stop_server(server)


def count_queries(database_url: str, email: str, password: str, seeded: Any, writer: Writer) -> bool:
    """In-process: the statements of each page after a write, on small and big data."""
    from sqlalchemy import event

    from workspace import create_app
    from workspace.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "PASSWORD_HASH_PROFILE": "fast",
                      "WTF_CSRF_ENABLED": False})
    pages = [
        ("overview, 1 pairing", seeded.small_convener_email, f"/c/{seeded.small_slug}/mentoring/",
         seeded.small_pairing_id),
        ("overview, 400 pairings (page 1)", email, f"/c/{seeded.home_slug}/mentoring/", seeded.home_pairing_id),
        ("overview, 400 pairings (page 8)", email, f"/c/{seeded.home_slug}/mentoring/?page=8",
         seeded.home_pairing_id),
        ("mentor's home, 1 mentee", seeded.single_mentor_email, "/mentoring/", seeded.small_pairing_id),
        ("mentor's home, 12 mentees", email, "/mentoring/", seeded.home_pairing_id),
    ]
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def listener(_connection: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        statements.append(statement)

    clients = {who: page_bench.logged_in_client(app, who, password) for who in {who for _l, who, *_r in pages}}
    figures: dict[str, int] = {}
    event.listen(engine, "before_cursor_execute", listener)
    try:
        for label, who, path, pairing_id in pages:
            clients[who].get(path)
            writer.write(pairing_id)
            statements.clear()
            answer = clients[who].get(path)
            if answer.status_code != 200:
                raise page_bench.BenchError(f"in-process GET {path} answered {answer.status_code}")
            figures[label] = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
        with app.app_context():
            db.engine.dispose()
    print(f"\n{'SQL statements per request after a write (in-process)':<58}{'statements':>10}")
    for label, count in figures.items():
        print(f"{label:<58}{count:>10}")
    constant = all(len({figures[label] for label in figures if label.startswith(prefix)}) == 1
                   for prefix in ("overview", "mentor's home"))
    print(f"statement counts {'do not grow' if constant else 'GROW'} with pairings, logs and observations: "
          f"{'PASS' if constant else 'FAIL'}")
    return constant


def run() -> bool:
    """Seed; measure through gunicorn (after a write); count statements in-process."""
    from bench.seed_mentoring import seed_mentoring
    from workspace import create_app

    print(f"\n== mentoring benchmark: 2,000 pairings x 20 meeting logs x 6 observations; {WRITES} first views "
          "after a write per page ==")
    print(f"load average before: {page_bench._load()}")
    with tempfile.TemporaryDirectory(prefix="workspace-bench-mentoring-") as tmp:
        env = bench_env(Path(tmp))
        os.environ.update(env)  # create_app reads the environment before the overrides
        seeded = seed(env)
        app = create_app({"SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"], "PASSWORD_HASH_PROFILE": "fast"})
        mentoring = seed_mentoring(app)
        print(f"seeded in {seeded.seconds:.1f} + {mentoring.seconds:.1f} s: "
              + ", ".join(f"{n} {name}" for name, n in mentoring.rows.items()))
        writer = Writer(env["DATABASE_URL"])
        try:
            served = measure_http(env, seeded.email, seeded.password, mentoring, writer)
            constant = count_queries(env["DATABASE_URL"], seeded.email, seeded.password, mentoring, writer)
        finally:
            writer.close()
        print(f"load average after: {page_bench._load()} (other work on the machine lowers every figure)")
        return served and constant


def main() -> int:
    """Run the mentoring benchmark alone."""
    return page_bench.run_alone("mentoring", run)


if __name__ == "__main__":
    sys.exit(main())
