"""Narrow-invalidation benchmark: what a write does to the cached pages of its own and of other communities.

Through gunicorn (the page benchmark's machinery, bench/run.py: 2 workers × 4 threads) on the seeded SQLite
database, one request at a time on a kept-alive connection, in alternating rounds:
1. /healthz: the yardstick every figure is divided by (medians: ratio = p50 of /healthz / p50 of the target).
2. The home community's page and the bench user's home page, cached: the same page again, no write between.
3. The same pages, each view after a write in another community (one the bench user is not in): they stay
   cached. Before narrow invalidation every write bumped one global counter and every page rendered anew.
4. The community's page, each view after a write in that same community: the first view after a write,
   a fresh render (for information: the fixed cost of a render is the render branch's figure).
The writes are made between the timed requests by this process (not timed), as an ORM change to the
community's description, so they go through the flush hooks like any save. Then, in-process, what a hit costs
the embedded store: reading a stored page of the size of the community page from instance/page-cache.
Target: a page viewed after a write elsewhere answers at no less than 0.6 × the ratio of the same page cached
(a fresh render answers at about a fifth of it; the write just before costs the reader a little: SQLite
reads the new WAL frames).
Run alone with `python -m bench.invalidation`; `python -m bench.run` runs it last (BENCH_INVALIDATION=0 skips it).
"""

from __future__ import annotations

import http.client
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import run as page_bench
from bench.seed import bench_env, seed

REQUESTS = page_bench._env_int("BENCH_INVALIDATION_REQUESTS", 400)  # timed requests per target
ROUNDS = page_bench.ROUNDS
KEEPALIVE_SECONDS = 2  # gunicorn's default keep-alive: an idle connection may be closed after it
STILL_CACHED = 0.6  # a page after a write elsewhere keeps this share of its cached ratio (a fresh render: ~0.2)


@dataclass
class Target:
    """One timed case: a path, and the write made before each view (none for a plain cached view)."""

    label: str
    path: str
    write: Callable[[], None] | None = None
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) if self.latencies else float("nan")


class Writer:
    """Writes in one community between the timed requests (an ORM change, through the flush hooks)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.count = 0

    def in_community(self, slug: str) -> Callable[[], None]:
        def write() -> None:
            from sqlalchemy import select

            from workspace.communities.models import Community
            from workspace.extensions import db

            with self.app.app_context():
                community = db.session.scalar(select(Community).where(Community.slug == slug))
                self.count += 1
                community.vision = f"Bench write {self.count}"
                db.session.commit()

        return write


def _time_requests(port: int, target: Target, cookie: str, count: int) -> None:
    conn = http.client.HTTPConnection(page_bench.HOST, port, timeout=30)
    headers = {"Cookie": cookie} if cookie and not target.path.startswith("/healthz") else {}
    try:
        for _ in range(count):
            idle_since = time.monotonic()
            if target.write is not None:
                target.write()
            started = time.perf_counter()
            try:
                status, _headers, _body = page_bench.request(conn, "GET", target.path, headers)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as error:
                conn.close()
                if time.monotonic() - idle_since < KEEPALIVE_SECONDS:
                    target.errors.append(f"{type(error).__name__}: {error}")
                    continue
                # The write took longer than gunicorn keeps an idle connection open (a loaded machine): the server
                # closed it, as it may; a browser sends the request again on a new connection, and so does this.
                started = time.perf_counter()
                try:
                    status, _headers, _body = page_bench.request(conn, "GET", target.path, headers)
                except (OSError, http.client.HTTPException) as retry_error:
                    target.errors.append(f"{type(retry_error).__name__}: {retry_error}")
                    conn.close()
                    continue
            except (OSError, http.client.HTTPException) as error:
                target.errors.append(f"{type(error).__name__}: {error}")
                conn.close()
                continue
            if status == 200:
                target.latencies.append(time.perf_counter() - started)
            else:
                target.errors.append(f"HTTP {status}")
    finally:
        conn.close()


def hit_cost(instance: Path, page: bytes) -> float:
    """Microseconds to read one stored page of this size from the embedded store (median of 2,000 reads)."""
    from workspace.core.cache import FileStore

    store = FileStore(instance / "page-cache-bench")
    digest = "ab" * 32
    store.put(digest, page, "text/html")
    times = []
    for _ in range(2_000):
        started = time.perf_counter()
        store.get(digest)
        times.append(time.perf_counter() - started)
    store.clear()
    return statistics.median(times) * 1e6


def run() -> bool:
    """Seed, serve, log in, time the cases in alternating rounds; return whether the target was met."""
    from workspace import create_app
    from workspace.extensions import db

    print("\n== Narrow invalidation: cached pages after a write elsewhere and after a write here ==")
    with tempfile.TemporaryDirectory(prefix="workspace-bench-") as tmp:
        instance = Path(tmp)
        env = bench_env(instance)
        os.environ.update(env)  # create_app reads the environment before the overrides
        seeded = seed(env)
        app = create_app({"SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"], "INSTANCE_DIR": env["INSTANCE_DIR"],
                          "SECRET_KEY": env["SECRET_KEY"], "PASSWORD_HASH_PROFILE": "fast"})
        elsewhere = _elsewhere(app)
        writer = Writer(app)
        home = f"/c/{seeded.home_slug}/"
        targets = [
            Target("/healthz", "/healthz"),
            Target(f"{home} cached", home),
            Target("/ cached", "/"),
            Target(f"{home} after a write elsewhere", home, writer.in_community(elsewhere)),
            Target("/ after a write elsewhere", "/", writer.in_community(elsewhere)),
            Target(f"{home} after a write here", home, writer.in_community(seeded.home_slug)),
        ]
        port = page_bench.free_port()
        log_path = instance / "gunicorn.log"
        server = page_bench.start_server(env, port, log_path)
        try:
            page_bench.wait_until_up(server, port, log_path)
            cookie = page_bench.log_in(port, seeded.email, seeded.password)
            for target in targets:  # warm up: templates compiled, pages stored
                _time_requests(port, Target(target.label, target.path), cookie, 20)
            for round_number in range(1, ROUNDS + 1):
                for target in targets:
                    _time_requests(port, target, cookie, max(1, REQUESTS // ROUNDS))
                print(f"  round {round_number}/{ROUNDS} done")
            conn = http.client.HTTPConnection(page_bench.HOST, port, timeout=30)
            _status, _headers, page = page_bench.request(conn, "GET", home, {"Cookie": cookie})
            conn.close()
            page_bench.show_server_log(log_path)
        finally:
            page_bench.stop_server(server)
            with app.app_context():
                db.engine.dispose()
        return report(targets, hit_cost(instance, page), len(page))


def _elsewhere(app: Any) -> str:
    """A community the bench user is not a member of: its pages are none of the measured ones."""
    from sqlalchemy import select

    from workspace.communities.models import Community, Membership
    from workspace.extensions import db

    with app.app_context():
        return db.session.scalar(select(Community.slug).where(~Community.id.in_(
            select(Membership.community_id).where(Membership.user_id == 1))).order_by(Community.id.desc()).limit(1))


def report(targets: list[Target], hit_us: float, page_bytes: int) -> bool:
    """Print each case's p50 and its ratio to /healthz; say whether pages after a write elsewhere stayed cached."""
    baseline = targets[0].p50
    ratios = {target.label: baseline / target.p50 for target in targets}
    print(f"\n{'target':<44}{'requests':>9}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'ratio':>7}  verdict")
    ok = True
    for target in targets:
        verdict = "baseline" if target is targets[0] else "information"
        if "elsewhere" in target.label:
            cached = ratios[target.label.replace("after a write elsewhere", "cached")]
            passed = ratios[target.label] >= STILL_CACHED * cached and not target.errors
            verdict = ("PASS" if passed else "FAIL") + f" (>= {STILL_CACHED:.1f} x {cached:.2f}: still cached)"
            ok = ok and passed
        ordered = sorted(target.latencies)
        p95 = ordered[int(0.95 * (len(ordered) - 1))] * 1000 if ordered else float("nan")
        print(f"{target.label:<44}{len(target.latencies) + len(target.errors):>9}{len(target.errors):>8}"
              f"{target.p50 * 1000:>9.2f}{p95:>9.2f}{ratios[target.label]:>7.2f}  {verdict}")
        for error in sorted(set(target.errors))[:5]:
            print(f"    {target.errors.count(error)} x {error}")
        ok = ok and not target.errors
    print(f"\nembedded store (instance/page-cache): one hit reads a {page_bytes / 1024:.0f} KB page in {hit_us:.0f} µs "
          "(median of 2,000, in-process)")
    print(f"target: a page after a write in another community >= {STILL_CACHED:.1f} x its cached ratio "
          "(it was not rendered anew); ratios are p50 of /healthz / p50 of the page, one request at a time")
    return ok


if __name__ == "__main__":
    sys.exit(page_bench.run_alone("narrow invalidation", run))
