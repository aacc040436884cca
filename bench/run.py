"""Load benchmark: seed a database, serve it with gunicorn, and compare the main pages with /healthz."""

from __future__ import annotations

import html
import http.client
import os
import platform
import re
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from bench.seed import Seeded, bench_env, seed

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 0.25  # each page must reach a quarter of the trivial route's throughput
HOST = "127.0.0.1"
USER_AGENT = "workspace-bench/1"
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


REQUESTS = _env_int("BENCH_REQUESTS", 2_000)
CONCURRENCY = _env_int("BENCH_CONCURRENCY", 8)
WARMUP = _env_int("BENCH_WARMUP", 100)
ROUNDS = _env_int("BENCH_ROUNDS", 4)
MAX_SECONDS = _env_int("BENCH_MAX_SECONDS", 50)  # per target: a slow or stuck server cannot hold the run forever
APP = os.environ.get("BENCH_APP") or "wsgi:app"  # another WSGI app to compare (e.g. a prototype of a fix)
WORKERS = _env_int("BENCH_WORKERS", 2)
THREADS = _env_int("BENCH_THREADS", 4)


class BenchError(Exception):
    """The benchmark could not run (server did not start, login failed …)."""


@dataclass
class Result:
    """Latencies and failures of one target."""

    path: str
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    capped: bool = False

    def add(self, other: Result) -> None:
        """Fold one round's figures into this target's."""
        self.latencies += other.latencies
        self.errors += other.errors
        self.seconds += other.seconds
        self.capped = self.capped or other.capped

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def quantile_ms(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")


def free_port() -> int:
    """Ask the kernel for a port nobody listens on."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def request(conn: http.client.HTTPConnection, method: str, path: str, headers: dict[str, str],
            body: str | None = None) -> tuple[int, dict[str, str], bytes]:
    """Send one request on a kept-alive connection and read the whole answer."""
    conn.request(method, path, body=body, headers={"User-Agent": USER_AGENT, **headers})
    response = conn.getresponse()
    data = response.read()  # the body must be drained before the connection can be reused
    cookies = "; ".join(value.split(";", 1)[0] for key, value in response.getheaders() if key.lower() == "set-cookie")
    return response.status, {"set-cookie": cookies, "location": response.getheader("Location", "")}, data


def start_server(env: dict[str, str], port: int, log_path: Path) -> subprocess.Popen[bytes]:
    """Start gunicorn in its own process group, so that it and its workers can be stopped together."""
    gunicorn = Path(sys.executable).parent / "gunicorn"
    log = log_path.open("wb")
    return subprocess.Popen(
        [str(gunicorn), "--bind", f"{HOST}:{port}", "--workers", str(WORKERS), "--threads", str(THREADS),
         "--log-level", "warning", APP],
        cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )


def stop_server(server: subprocess.Popen[bytes]) -> None:
    """Stop gunicorn and its workers (the process group this script created), forcefully if they linger."""
    if server.poll() is not None:
        return
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=5)
    except ProcessLookupError:
        pass


def wait_until_up(server: subprocess.Popen[bytes], port: int, log_path: Path, timeout: float = 30.0) -> None:
    """Poll /healthz until it answers 200, or fail with the server's log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise BenchError(f"gunicorn exited with {server.returncode}:\n{log_path.read_text()[-2000:]}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            status, _headers, _body = request(conn, "GET", "/healthz", {})
            conn.close()
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise BenchError(f"gunicorn did not answer /healthz within {timeout:.0f} s:\n{log_path.read_text()[-2000:]}")


def log_in(port: int, email: str, password: str) -> str:
    """Log in as a browser would (GET the form, POST it with the token) and return the session cookie."""
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        status, headers, body = request(conn, "GET", "/login", {})
        match = CSRF_FIELD.search(body.decode())
        if status != 200 or not match or not headers["set-cookie"]:
            raise BenchError(f"GET /login answered {status} without a CSRF token or a cookie")
        token = html.unescape(match.group(1) or match.group(2))
        form = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": password})
        status, answer, _body = request(conn, "POST", "/login", {
            "Cookie": headers["set-cookie"], "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"http://{HOST}:{port}/login",
        }, form)
        if status != 302 or not answer["set-cookie"]:
            raise BenchError(f"POST /login answered {status}, not a redirect with a session")
        cookie = answer["set-cookie"]
        status, headers, _body = request(conn, "GET", "/", {"Cookie": cookie})
        if status != 200:
            raise BenchError(f"GET / after logging in answered {status}")
        # Keep the cookie the first page set (it carries the new session's CSRF secret), as a browser does.
        return headers["set-cookie"] or cookie
    finally:
        conn.close()


def drive(port: int, path: str, headers: dict[str, str], count: int, concurrency: int,
          max_seconds: float, expect: int = 200) -> Result:
    """Send `count` GETs over `concurrency` kept-alive connections; time each and note every answer other
    than `expect` (200, or e.g. 204 for a poll that finds nothing new)."""
    result = Result(path)
    lock = threading.Lock()
    remaining = [count]
    deadline = time.monotonic() + max_seconds

    def worker() -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        latencies: list[float] = []
        errors: list[str] = []
        try:
            while time.monotonic() < deadline:
                with lock:
                    if remaining[0] <= 0:
                        break
                    remaining[0] -= 1
                started = time.perf_counter()
                try:
                    status, _headers, _body = request(conn, "GET", path, headers)
                except (OSError, http.client.HTTPException) as error:
                    errors.append(f"{type(error).__name__}: {error}")
                    conn.close()  # the next request opens a new connection
                    continue
                if status == expect:
                    latencies.append(time.perf_counter() - started)
                else:
                    errors.append(f"HTTP {status}")
        finally:
            conn.close()
            with lock:
                result.latencies.extend(latencies)
                result.errors.extend(errors)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - started
    result.capped = remaining[0] > 0
    return result


def after_writes(port: int, label: str, path: str, headers: dict[str, str], write: Callable[[int], None],
                 count: int) -> Result:
    """Time `count` GETs, each the first view after a write (made before it, outside the timed part)."""
    result = Result(label)
    conn = http.client.HTTPConnection(HOST, port, timeout=120)
    try:
        for number in range(count):
            write(number)
            started = time.perf_counter()
            status, _headers, _body = request(conn, "GET", path, headers)
            elapsed = time.perf_counter() - started
            if status == 200:
                result.latencies.append(elapsed)
            else:
                result.errors.append(f"HTTP {status}")
            result.seconds += elapsed
    finally:
        conn.close()
    return result


def machine() -> str:
    """Describe where the figures come from."""
    return (f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {platform.machine()}, "
            f"{platform.system()} {platform.release()}; Python {platform.python_version()}; "
            f"SQLite {sqlite3.sqlite_version}; gunicorn {WORKERS} workers x {THREADS} threads")


def _load() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def report(results: list[Result], *, width: int = 22, pages: str = "every page",
           targets: Sequence[float | None] | None = None) -> bool:
    """Print the table and say whether every page met the target without errors (row 0 is the baseline).

    `targets`, when given, holds each row's own ratio target (None: shown for information) and adds a
    target column; without it every page but /healthz rows is held to TARGET_RATIO.
    """
    baseline = results[0].rps
    print(f"\n{'target':<{width}}{'requests':>9}{'errors':>8}{'rps':>9}{'mean ms':>9}{'p50 ms':>9}"
          f"{'p95 ms':>9}{'ratio':>7}" + (f"{'target':>8}" if targets is not None else "") + "  verdict")
    ok = True
    for index, result in enumerate(results):
        ratio = result.rps / baseline if baseline else 0.0
        failed = bool(result.errors)
        if targets is None:
            target: float | None = None if result.path.startswith("/healthz") else TARGET_RATIO
        else:
            target = targets[index]
        if index == 0:
            verdict = "FAIL (errors)" if failed else "baseline"
        elif target is None:
            verdict = "FAIL (errors)" if failed else "information"
        else:
            failed = failed or ratio < target
            verdict = ("FAIL" if failed else "PASS") + (" (errors)" if result.errors else "")
        if result.capped:
            verdict += f" (time cap: {len(result.latencies)} done)"
        ok = ok and not failed
        mean = statistics.fmean(result.latencies) * 1000 if result.latencies else float("nan")
        label = urllib.parse.unquote(result.path)
        column = "" if targets is None else (f"{target:>8.2f}" if target is not None and index else f"{'':>8}")
        print(f"{label:<{width}}{len(result.latencies) + len(result.errors):>9}{len(result.errors):>8}"
              f"{result.rps:>9.0f}{mean:>9.1f}{result.quantile_ms(0.5):>9.1f}{result.quantile_ms(0.95):>9.1f}"
              f"{ratio:>7.2f}{column}  {verdict}")
        for error in sorted(set(result.errors))[:5]:
            print(f"    {result.errors.count(error)} x {error}")
    if targets is None:
        print(f"\ntarget: {pages} >= {TARGET_RATIO:.2f} x the requests per second of /healthz, no errors")
    else:
        print(f"\ntarget: {pages} >= its target x the requests per second of /healthz, no errors")
    return ok


def measure(port: int, targets: Sequence[tuple[str, dict[str, str]]], *, labels: Sequence[str] | None = None,
            expect: Sequence[int] | None = None, requests: int = REQUESTS, warmup: int = WARMUP,
            name_rounds: bool = True) -> list[Result]:
    """Warm every target up, then drive them in alternating rounds; one Result per target.

    Rounds alternate the targets, so that load from other processes on the machine falls on all of them
    alike and the ratios stay fair even when the absolute figures drift.
    """
    labels = list(labels) if labels is not None else [path for path, _headers in targets]
    expect = list(expect) if expect is not None else [200] * len(targets)
    for (path, headers), status in zip(targets, expect, strict=True):
        drive(port, path, headers, warmup, CONCURRENCY, MAX_SECONDS, status)  # compile templates, fill pools
    results = [Result(label) for label in labels]
    for round_number in range(1, ROUNDS + 1):
        figures = []
        for result, (path, headers), status in zip(results, targets, expect, strict=True):
            part = drive(port, path, headers, max(1, requests // ROUNDS), CONCURRENCY, MAX_SECONDS / ROUNDS, status)
            result.add(part)
            figures.append(f"{result.path} {part.rps:.0f}/s" if name_rounds else f"{part.rps:.0f}/s")
        print(f"  round {round_number}/{ROUNDS}: " + ", ".join(figures))
    return results


def show_server_log(log_path: Path) -> None:
    """A page that logged errors on the server shows them here rather than in a lost log."""
    server_log = log_path.read_text(errors="replace").strip()
    if server_log:
        print("gunicorn log (last lines):\n" + "\n".join(server_log.splitlines()[-10:]))


@dataclass
class Count:
    """The SQL statements of one request on a small and on a big data set."""

    label: str
    small: int
    big: int
    big_statements: list[str]


def logged_in_client(app: Any, email: str, password: str) -> Any:
    """The app's test client, logged in (logging in writes: take poll addresses after this)."""
    client = app.test_client()
    answer = client.post("/login", data={"email": email, "password": password})
    if answer.status_code != 302:
        raise BenchError(f"in-process login answered {answer.status_code}")
    return client


def count_statements(app: Any, client: Any,
                     requests: Sequence[tuple[str, str, str, dict[str, str], int]]) -> list[Count]:
    """In-process: the statements of each (label, small path, big path, headers, status) request, the last of
    three identical ones counted (the first may write, e.g. a read mark)."""
    from sqlalchemy import event

    from workspace.extensions import db

    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def listener(_connection: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    counts = []
    try:
        for label, small_path, big_path, headers, status in requests:
            figures = []
            for path in (small_path, big_path):
                for _ in range(2):
                    client.get(path, headers=headers)
                statements.clear()
                response = client.get(path, headers=headers)
                if response.status_code != status:
                    raise BenchError(f"in-process GET {path} answered {response.status_code}, not {status}")
                figures.append(list(statements))
            counts.append(Count(label, len(figures[0]), len(figures[1]), figures[1]))
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return counts


def report_counts(counts: list[Count], legend: str) -> bool:
    """Print both counts side by side; a count that differs fails (and shows the big one's statements)."""
    print(f"\n{'SQL statements per request (in-process)':<52}{'small':>7}{'big':>7}  constant")
    ok = True
    for count in counts:
        constant = count.small == count.big
        ok = ok and constant
        print(f"{count.label:<52}{count.small:>7}{count.big:>7}  {'yes' if constant else 'no'}")
        if not constant:
            for statement in count.big_statements:
                print("    ", " ".join(statement.split())[:150])
    print(legend)
    return ok


def run_alone(name: str, run_bench: Callable[[], bool]) -> int:
    """Run one benchmark from its own `python -m`: 0 when every target is met, 1 when not, 2 when it could not run."""
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    print(f"machine: {machine()}")
    started = time.monotonic()
    try:
        ok = run_bench()
    except BenchError as error:
        print(f"{name} benchmark failed: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: gunicorn stopped", file=sys.stderr)
        return 130
    print(f"{name} benchmark total {time.monotonic() - started:.0f} s: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


def _stop_on_sigterm(_signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(143)  # unwind through the finally blocks, which stop gunicorn


def run() -> bool:
    """Seed, serve, log in, warm up, measure each target in turn; return whether the targets were met."""
    print(f"machine: {machine()}")
    print(f"load: {REQUESTS} requests per target in {ROUNDS} alternating rounds over {CONCURRENCY} keep-alive "
          f"connections (after {WARMUP} warm-up requests each); app {APP}")
    print(f"load average before: {_load()}")
    with tempfile.TemporaryDirectory(prefix="workspace-bench-") as tmp:
        instance = Path(tmp)
        env = bench_env(instance)
        os.environ.update(env)  # create_app reads the environment before the overrides
        seeded: Seeded = seed(env)
        print(f"seeded in {seeded.seconds:.1f} s: " + ", ".join(f"{n} {name}" for name, n in seeded.rows.items()))
        port = free_port()
        log_path = instance / "gunicorn.log"
        server = start_server(env, port, log_path)
        try:
            wait_until_up(server, port, log_path)
            cookie = log_in(port, seeded.email, seeded.password)
            # The baseline /healthz gets no cookie, as a load balancer sends none; the pages are a logged-in
            # member's. /healthz with the cookie is shown for information: it adds the per-request cost of
            # loading the session user, which every page pays too.
            targets = [("/healthz", {}), ("/healthz", {"Cookie": cookie}), ("/", {"Cookie": cookie}),
                       (f"/c/{seeded.home_slug}/", {"Cookie": cookie})]
            results = measure(port, targets, labels=[path + (" (cookie)" if path == "/healthz" and headers else "")
                                                     for path, headers in targets])
            show_server_log(log_path)
            print(f"load average after: {_load()} (other work on the machine lowers every figure)")
            return report(results)
        finally:
            stop_server(server)


def main() -> int:
    """Run the benchmarks (pages, then search unless BENCH_SEARCH=0, then the discussion board unless
    BENCH_DISCUSSIONS=0, then activities unless BENCH_ACTIVITIES=0, then co-planning unless BENCH_PLANS=0, then
    uploads unless BENCH_UPLOADS=0, then the write lock unless BENCH_WRITE_LOCK=0, then narrow invalidation unless
    BENCH_INVALIDATION=0, then every main page fresh and cached unless BENCH_FRESH=0, then the compliance panel and
    the reviewers' table unless BENCH_COMPLIANCE=0, then the mentoring overview and home unless
    BENCH_MENTORING=0, then the evidence pack and the report unless BENCH_EXPORTS=0); exit 0 when every target
    is met, 1 when not, 2 when one could not run."""
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started where SIGINT is ignored
    started = time.monotonic()
    try:
        ok = run()
        if os.environ.get("BENCH_SEARCH") != "0":  # then the search benchmark (docs/performance.md, Search)
            from bench import search

            ok = search.run() and ok
        if os.environ.get("BENCH_DISCUSSIONS") != "0":  # then the board (docs/performance.md, Discussion board)
            from bench import discussions

            ok = discussions.run() and ok
        if os.environ.get("BENCH_ACTIVITIES") != "0":  # then activities (docs/performance.md, Activities)
            from bench import activities

            ok = activities.run() and ok
        if os.environ.get("BENCH_PLANS") != "0":  # then co-planning (docs/performance.md, Co-planning)
            from bench import plans

            ok = plans.run() and ok
        if os.environ.get("BENCH_UPLOADS") != "0":  # then taking in a large upload (docs/performance.md, Uploads)
            from bench import uploads

            ok = uploads.run() and ok
        if os.environ.get("BENCH_WRITE_LOCK") != "0":  # then saves during uploads (docs/performance.md, The write lock)
            from bench import write_lock

            ok = write_lock.run() and ok
        if os.environ.get("BENCH_INVALIDATION") != "0":  # then narrow invalidation (docs/performance.md)
            from bench import invalidation

            ok = invalidation.run() and ok
        if os.environ.get("BENCH_FRESH") != "0":  # then every main page fresh and cached (Fresh renders)
            from bench import fresh

            ok = fresh.run() and ok
        if os.environ.get("BENCH_COMPLIANCE") != "0":  # then the compliance panel and the reviewers' table
            from bench import compliance

            ok = compliance.run() and ok
        if os.environ.get("BENCH_MENTORING") != "0":  # then the convener's overview and the mentor's home
            from bench import mentoring

            ok = mentoring.run() and ok
        if os.environ.get("BENCH_EXPORTS") != "0":  # then the evidence pack and the builds (docs/exports/pack.md)
            from bench import exports

            ok = exports.run() and ok
    except BenchError as error:
        print(f"benchmark failed: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: gunicorn stopped", file=sys.stderr)
        return 130
    print(f"total {time.monotonic() - started:.0f} s: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
