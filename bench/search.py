"""Search benchmark: 100,000 resources of mixed Chinese and English text; search latency and list-page throughput.

In-process, `core.search.search` is called many times for one-, two- and four-character Chinese queries
and English prefixes (target: p95 under 50 ms each). Through gunicorn, a community's resource library
with and without a query is driven like the page benchmark and compared with /healthz (target: 0.25).
Run alone with `python -m bench.search`; `python -m bench.run` runs it after the page benchmark.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from bench import run as page_bench
from bench.seed import bench_env, seed
from bench.seed_resources import RESOURCES, seed_resources, verify_index

TARGET_P95_MS = 50.0
TARGET_RATIO = page_bench.TARGET_RATIO
CALLS = page_bench._env_int("BENCH_SEARCH_CALLS", 200)  # in-process search calls per query length
REQUESTS = page_bench._env_int("BENCH_SEARCH_REQUESTS", 1_000)  # HTTP requests per list-page target
COUNT = page_bench._env_int("BENCH_SEARCH_RESOURCES", RESOURCES)
SEARCH_MAX_SECONDS = page_bench._env_int("BENCH_SEARCH_MAX_SECONDS", 30)  # per query length, in-process

# Traditional and Simplified forms alike: search folds both to one script.
QUERIES = {
    "1 character": ("學", "数", "課", "評", "验", "閱", "師", "图", "磁", "鐵"),
    "2 characters": ("分數", "通分", "教案", "课程", "評量", "阅读", "實驗", "学生", "磁鐵", "繪本"),
    "4 characters": ("分數通分", "閱讀理解", "合作學習", "教学设计", "課程目標", "同儕觀課", "學生作業",
                     "科学实验", "評量規準", "數學教案"),
    "English prefix": ("frac", "less", "assess", "rub", "geo", "lit", "vocab", "feed", "obs", "stem"),
}
LIST_QUERY = "分數"  # the two-character query of the list page


@dataclass
class Timing:
    """Latencies of one group of in-process search calls."""

    label: str
    latencies: list[float] = field(default_factory=list)
    totals: list[int] = field(default_factory=list)
    capped: bool = False

    def quantile_ms(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")


def measure_search(app: object, calls: int = CALLS) -> list[Timing]:
    """Call search.search directly, as the list page does (every community, resources, a page of 20)."""
    from workspace.core import search
    from workspace.extensions import db

    timings = []
    with app.app_context():  # type: ignore[attr-defined]
        for queries in QUERIES.values():  # warm: statement cache, SQLite page cache, folding caches
            for query in queries:
                search.search(query, kinds=["resource"], limit=20)
                db.session.rollback()
        for label, queries in QUERIES.items():
            timing = Timing(label)
            deadline = time.monotonic() + SEARCH_MAX_SECONDS
            for call in range(calls):
                if time.monotonic() > deadline:
                    timing.capped = True
                    break
                started = time.perf_counter()
                page = search.search(queries[call % len(queries)], kinds=["resource"], limit=20)
                timing.latencies.append(time.perf_counter() - started)
                timing.totals.append(page.total)
                db.session.rollback()  # one transaction per call, as one per request
            timings.append(timing)
        db.session.remove()
        db.engine.dispose()
    return timings


def report_search(timings: list[Timing]) -> bool:
    """Print the in-process table and say whether every query length met the target."""
    print(f"\n{'search (in-process)':<22}{'calls':>7}{'hits':>8}{'mean ms':>9}{'p50 ms':>9}{'p95 ms':>9}"
          f"{'max ms':>9}  verdict")
    ok = True
    for timing in timings:
        p95 = timing.quantile_ms(0.95)
        passed = bool(timing.latencies) and p95 < TARGET_P95_MS
        ok = ok and passed
        verdict = ("PASS" if passed else "FAIL") + (f" (time cap: {len(timing.latencies)} done)" if timing.capped
                                                    else "")
        mean = statistics.fmean(timing.latencies) * 1000 if timing.latencies else float("nan")
        hits = statistics.fmean(timing.totals) if timing.totals else 0
        print(f"{timing.label:<22}{len(timing.latencies):>7}{hits:>8.0f}{mean:>9.1f}{timing.quantile_ms(0.5):>9.1f}"
              f"{p95:>9.1f}{max(timing.latencies, default=0) * 1000:>9.1f}  {verdict}")
    print(f"target: p95 < {TARGET_P95_MS:.0f} ms for every query length (hits: mean matches per query)")
    return ok


def report_pages(results: list[page_bench.Result]) -> bool:
    """Print the list-page table (the page benchmark's, with a wider path column) and apply the ratio target."""
    return page_bench.report(results, width=40, pages="each list page")


def measure_pages(env: dict[str, str], email: str, password: str, slug: str) -> list[page_bench.Result]:
    """Serve the database with gunicorn and drive /healthz and the library list in alternating rounds."""
    port = page_bench.free_port()
    log_path = Path(env["INSTANCE_DIR"]) / "gunicorn-search.log"
    server = page_bench.start_server(env, port, log_path)
    try:
        page_bench.wait_until_up(server, port, log_path)
        cookie = page_bench.log_in(port, email, password)
        library = f"/c/{slug}/resources/"
        targets = [("/healthz", {}), (library, {"Cookie": cookie}),
                   (f"{library}?q={urllib.parse.quote(LIST_QUERY)}", {"Cookie": cookie})]
        rounds, concurrency = page_bench.ROUNDS, page_bench.CONCURRENCY
        for path, headers in targets:
            page_bench.drive(port, path, headers, min(page_bench.WARMUP, 50), concurrency,
                             page_bench.MAX_SECONDS)
        results = [page_bench.Result(path) for path, _headers in targets]
        for round_number in range(1, rounds + 1):
            figures = []
            for result, (path, headers) in zip(results, targets, strict=True):
                part = page_bench.drive(port, path, headers, max(1, REQUESTS // rounds), concurrency,
                                        page_bench.MAX_SECONDS / rounds)
                result.add(part)
                figures.append(f"{part.rps:.0f}/s")
            print(f"  round {round_number}/{rounds}: " + ", ".join(figures))
        server_log = log_path.read_text(errors="replace").strip()
        if server_log:
            print("gunicorn log (last lines):\n" + "\n".join(server_log.splitlines()[-10:]))
        return results
    finally:
        page_bench.stop_server(server)


def run() -> bool:
    """Seed users, communities and 100,000 resources; measure search in-process, then the list pages."""
    from workspace import create_app

    print(f"\n== search benchmark: {COUNT:,} resources; {CALLS} search calls per query length; "
          f"{REQUESTS} requests per list-page target ==")
    print(f"load average before: {page_bench._load()}")
    with tempfile.TemporaryDirectory(prefix="workspace-bench-search-") as tmp:
        env = bench_env(Path(tmp))
        os.environ.update(env)  # create_app reads the environment before the overrides
        seeded = seed(env)
        app = create_app({"SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"], "PASSWORD_HASH_PROFILE": "fast"})
        resources = seed_resources(app, count=COUNT)
        print(f"seeded resources in {resources.seconds:.1f} s (folding and tokenizing "
              f"{resources.token_seconds:.1f} s of CPU in workers): "
              + ", ".join(f"{n} {name}" for name, n in resources.rows.items()))
        problems = verify_index(app)
        if problems:
            raise page_bench.BenchError("bulk search rows differ from index_document's: " + "; ".join(problems[:3]))
        print("index check: 50 resources re-indexed through services.reindex give the same rows")
        size = Path(env["DATABASE_URL"].removeprefix("sqlite:///")).stat().st_size
        print(f"database: {size / 1e6:.0f} MB")
        searched = report_search(measure_search(app))
        pages = report_pages(measure_pages(env, seeded.email, seeded.password, seeded.home_slug))
        print(f"load average after: {page_bench._load()} (other work on the machine lowers every figure)")
        return searched and pages


def main() -> int:
    """Run the search benchmark alone."""
    return page_bench.run_alone("search", run)


if __name__ == "__main__":
    sys.exit(main())
