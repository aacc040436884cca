"""Discussion board benchmark: a thread of 5,000 posts on a board of 2,000 threads, against /healthz.

Through gunicorn (the page benchmark's machinery, bench/run.py), with the page cache as served: the thread
list (page 1 and the last page), the long thread (first and last page, 50 posts each) and the live poll
that finds nothing new (204). Targets: each page 0.25 × the requests per second of /healthz, the poll 0.6.
Then the same pages with PAGE_CACHE=0 (a fresh render, as after any write), for information. Last,
in-process with the test client (page cache off), the SQL
statements of each request on a small board (20 threads, a thread of 50 posts) and on the big one: they
must be the same number (a count that grows with posts or threads fails the run).
Run alone with `python -m bench.discussions`; `python -m bench.run` runs it after the page benchmark.
"""

from __future__ import annotations

import dataclasses
import html
import http.client
import math
import os
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import run as page_bench
from bench.seed import bench_env, seed
from bench.seed_discussions import SeededDiscussions, check, seed_discussions

PAGE_TARGET = page_bench.TARGET_RATIO
POLL_TARGET = 0.6  # an open thread polls every 4 s: the unchanged answer must stay close to the trivial route
REQUESTS = page_bench._env_int("BENCH_DISCUSSIONS_REQUESTS", 1_000)  # HTTP requests per target
HX = {"HX-Request": "true"}


@dataclass(frozen=True)
class Paths:
    """The measured addresses of one board."""

    list_first: str
    list_last: str
    thread_first: str
    thread_last: str
    poll: str


def paths(app: Any, board: Any) -> Paths:
    """Addresses of a board's list pages, its long thread's first and last page and the unchanged poll."""
    from workspace.discussions.services import THREADS_PER_PAGE

    per_page = int(app.config.get("DISCUSSION_POSTS_PER_PAGE", 50))
    base = f"/c/{board.slug}/discussions/"
    thread = f"{base}{board.long_thread_id}"
    return Paths(list_first=base, list_last=f"{base}?page={max(math.ceil(board.threads / THREADS_PER_PAGE), 1)}",
                 thread_first=f"{thread}?page=1",
                 thread_last=f"{thread}?page={max(math.ceil(board.long_thread_posts / per_page), 1)}",
                 poll="")  # taken from the thread page: it carries the write counter


def measure_http(env: dict[str, str], email: str, password: str, big: Paths, *, fresh: bool) -> bool:
    """Serve the database with gunicorn and drive the board's pages against /healthz in alternating rounds."""
    port = page_bench.free_port()
    log_path = Path(env["INSTANCE_DIR"]) / f"gunicorn-discussions{'-fresh' if fresh else ''}.log"
    server = page_bench.start_server({**env, "PAGE_CACHE": "0"} if fresh else env, port, log_path)
    try:
        page_bench.wait_until_up(server, port, log_path)
        cookie = {"Cookie": page_bench.log_in(port, email, password)}
        # The reader opens the long thread's last page, alone, before the load: its read mark moves then (one
        # write), and the measured views are re-reads, as most views of a thread are. The second view's
        # poller carries the write counter as it stands, as an open page's poller does.
        conn = http.client.HTTPConnection(page_bench.HOST, port, timeout=30)
        try:
            page_bench.request(conn, "GET", big.thread_last, cookie)
            _status, _headers, page = page_bench.request(conn, "GET", big.thread_last, cookie)
        finally:
            conn.close()
        big = dataclasses.replace(big, poll=poller_path(page.decode()))
        rows: list[tuple[str, dict[str, str], int, float | None]] = [("/healthz", {}, 200, None)]
        if fresh:  # for information: a fresh render is what the first view after a write costs
            rows += [(path, cookie, 200, None) for path in (big.list_first, big.list_last, big.thread_first,
                                                             big.thread_last)]
        else:
            rows += [(big.list_first, cookie, 200, PAGE_TARGET), (big.list_last, cookie, 200, PAGE_TARGET),
                     (big.thread_first, cookie, 200, PAGE_TARGET), (big.thread_last, cookie, 200, PAGE_TARGET),
                     (big.poll, {**cookie, **HX}, 204, POLL_TARGET)]
        results = page_bench.measure(port, [(path, headers) for path, headers, _status, _target in rows],
                                     expect=[status for _path, _headers, status, _target in rows],
                                     requests=REQUESTS, warmup=min(page_bench.WARMUP, 50), name_rounds=False)
        page_bench.show_server_log(log_path)
        for result, (_path, _headers, status, _target) in zip(results, rows, strict=True):
            if status != 200:
                result.path += f" ({status})"
        return page_bench.report(results, width=52, targets=[target for *_rest, target in rows],
                                 pages="(fresh renders: information only)" if fresh else "each page and the poll")
    finally:
        page_bench.stop_server(server)


POLLER = re.compile(r'id="thread-poll"[^>]*hx-get="([^"]+)"', re.S)


def poller_path(page: str) -> str:
    """The live update's address as a thread page gives it (after=N, gen=the write counter)."""
    match = POLLER.search(page)
    if match is None:
        raise page_bench.BenchError("the thread page has no poller")
    return html.unescape(match.group(1))


def count_queries(app: Any, email: str, password: str, small: Paths, big: Paths) -> list[page_bench.Count]:
    """Count the SQL statements of each request, in-process, on the small board and on the big one."""
    client = page_bench.logged_in_client(app, email, password)
    small, big = (dataclasses.replace(board, poll=poller_path(
        [client.get(board.thread_last) for _ in range(2)][-1].get_data(as_text=True))) for board in (small, big))
    requests = [("thread list, page 1", "list_first", {}, 200), ("thread list, last page", "list_last", {}, 200),
                ("thread page, first page", "thread_first", {}, 200),
                ("thread page, last page", "thread_last", {}, 200), ("poll, nothing new (204)", "poll", HX, 204)]
    return page_bench.count_statements(app, client, [
        (label, getattr(small, name), getattr(big, name), headers, status)
        for label, name, headers, status in requests])


def legend(small: Paths, big: Paths) -> str:
    return (f"small: {small.list_first} (20 threads), thread {small.thread_first.split('?')[0]} (50 posts)\n"
            f"big:   {big.list_first} (2,000 threads), thread {big.thread_first.split('?')[0]} (5,000 posts)\n"
            "page cache off, the bench user (co-convener of both), the last of three identical requests counted")


def run() -> bool:
    """Seed the boards; measure through gunicorn (cached, then fresh list pages); count queries in-process."""
    from workspace import create_app

    print(f"\n== discussion board benchmark: a board of 2,000 threads, a thread of 5,000 posts; "
          f"{REQUESTS} requests per target ==")
    print(f"load average before: {page_bench._load()}")
    with tempfile.TemporaryDirectory(prefix="workspace-bench-discussions-") as tmp:
        env = bench_env(Path(tmp))
        os.environ.update(env)  # create_app reads the environment before the overrides
        seeded = seed(env)
        app = create_app({"SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"], "PASSWORD_HASH_PROFILE": "fast"})
        boards: SeededDiscussions = seed_discussions(app)
        print(f"seeded the boards in {boards.seconds:.1f} s: "
              + ", ".join(f"{n} {name}" for name, n in boards.rows.items()))
        problems = check(app, boards)
        if problems:
            raise page_bench.BenchError("seeded threads are inconsistent: " + "; ".join(problems[:3]))
        big, small = paths(app, boards.big), paths(app, boards.small)
        served = measure_http(env, seeded.email, seeded.password, big, fresh=False)
        if os.environ.get("PAGE_CACHE") == "0":
            print("(PAGE_CACHE=0: the lists above are fresh renders already)")
        else:
            print("\nthe pages rendered afresh (PAGE_CACHE=0), as after any write; for information, they do "
                  "not fail the run:")
            measure_http(env, seeded.email, seeded.password, big, fresh=True)
        counting = create_app({"SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"], "PASSWORD_HASH_PROFILE": "fast",
                               "WTF_CSRF_ENABLED": False, "PAGE_CACHE": False})
        constant = page_bench.report_counts(count_queries(counting, seeded.email, seeded.password, small, big),
                                            legend(small, big))
        with counting.app_context():
            from workspace.extensions import db

            db.engine.dispose()
        print(f"load average after: {page_bench._load()} (other work on the machine lowers every figure)")
        return served and constant


def main() -> int:
    """Run the discussion benchmark alone."""
    return page_bench.run_alone("discussion", run)


if __name__ == "__main__":
    sys.exit(main())
