"""Exports benchmark (issue 15): the evidence pack of a community-year (300 activities, 2,000 photos, one 200-MB
video) downloaded through gunicorn, and the results report and the frozen submission built in-process.

Seeds bench/seed.py and bench/seed_exports.py into one SQLite database and a real file store. Then:
- through gunicorn (bench/run.py's machinery), the bench user (co-convener of the home community) downloads the
  evidence pack BENCH_EXPORTS_ROUNDS times: time to first byte, total time, bytes, MB/s; the ZIP is written to
  disk by the client and opened with zipfile (every member counted, the manifest read);
- the serving workers' memory, sampled from /proc/<pid>/status every 20 ms while the pack streams: the peak
  resident set (VmRSS, and VmHWM, the kernel's own high-water mark) above the worker's idle RSS measured
  before the first download. Goal: under 150 MB above idle, whatever the pack's size;
- in-process: the results report's build (when its builder is there) and the frozen submission's build (report,
  ledger and the pack written to a temporary file while hashed).
Figures are printed; nothing is asserted on time. The memory goal is reported (PASS/FAIL) but only a failure to
run fails the benchmark. Run alone with `python -m bench.exports`; `python -m bench.run` runs it after the others
(BENCH_EXPORTS=0 skips it).
"""

from __future__ import annotations

import http.client
import json
import os
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

from bench import run as page_bench
from bench.seed import bench_env, seed

ROUNDS = page_bench._env_int("BENCH_EXPORTS_ROUNDS", 2)
MEMORY_GOAL_MB = 150
MB = 1024 * 1024


def _status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process, in bytes (empty when it is gone)."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    values = {}
    for line in lines:
        key, _colon, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) * 1024
    return values


def _workers(master: int) -> list[int]:
    """The gunicorn master's children: its workers (and the job consumer gunicorn.conf.py starts beside them)."""
    children = Path(f"/proc/{master}/task/{master}/children")
    try:
        return [int(pid) for pid in children.read_text().split()]
    except OSError:
        return []


class Sampler:
    """Samples the workers' VmRSS every 20 ms in a thread; keeps each worker's peak."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        self.peak = {pid: 0 for pid in pids}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid in self.pids:
                self.peak[pid] = max(self.peak[pid], _status(pid).get("VmRSS", 0))
            time.sleep(0.02)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: Any) -> None:
        self._stop.set()
        self._thread.join()


def download(port: int, path: str, cookie: str, target: Path) -> tuple[float, float, int]:
    """GET the pack, writing it to `target`; return (seconds to the first body byte, total seconds, bytes)."""
    conn = http.client.HTTPConnection(page_bench.HOST, port, timeout=300)
    try:
        started = time.perf_counter()
        conn.request("GET", path, headers={"Cookie": cookie, "User-Agent": page_bench.USER_AGENT})
        response = conn.getresponse()
        if response.status != 200:
            raise page_bench.BenchError(f"GET {path} answered {response.status}")
        size = 0
        first = None
        with target.open("wb") as out:
            while True:
                chunk = response.read1(256 * 1024)
                if not chunk:
                    break
                if first is None:
                    first = time.perf_counter() - started
                size += len(chunk)
                out.write(chunk)
        return first or 0.0, time.perf_counter() - started, size
    finally:
        conn.close()


def measure_http(env: dict[str, str], email: str, password: str, seeded: Any) -> bool:
    """Serve the database; download the pack ROUNDS times while sampling the workers' memory."""
    port = page_bench.free_port()
    folder = Path(env["INSTANCE_DIR"])
    log_path = folder / "gunicorn-exports.log"
    server = page_bench.start_server(env, port, log_path)
    try:
        page_bench.wait_until_up(server, port, log_path)
        cookie = page_bench.log_in(port, email, password)
        conn = http.client.HTTPConnection(page_bench.HOST, port, timeout=30)
        for _ in range(4):  # every worker has served a page: their idle size includes the app
            page_bench.request(conn, "GET", f"/c/{seeded.home_slug}/", {"Cookie": cookie})
        conn.close()
        workers = _workers(server.pid)
        if not workers:
            raise page_bench.BenchError("no gunicorn worker found under the master process")
        time.sleep(0.5)
        idle = {pid: _status(pid).get("VmRSS", 0) for pid in workers}
        path = f"/c/{seeded.home_slug}/exports/{seeded.enrollment_id}/evidence.zip?lang=zh_Hant"
        print(f"\nevidence pack through gunicorn ({page_bench.WORKERS} workers x {page_bench.THREADS} threads): "
              f"{seeded.rows['activities']} activities, {seeded.rows['photos']} photos, 1 video; "
              f"{seeded.evidence_bytes / MB:.0f} MB of evidence; idle RSS of gunicorn's children "
              "(workers, job consumer) "
              + ", ".join(f"{rss / MB:.0f} MB" for rss in idle.values()))
        above = 0.0
        target = folder / "downloaded.zip"
        for number in range(1, ROUNDS + 1):
            with Sampler(workers) as sampler:
                first, total, size = download(port, path, cookie, target)
            peak = max(sampler.peak[pid] - idle[pid] for pid in workers) / MB
            hwm = max(_status(pid).get("VmHWM", 0) - idle[pid] for pid in workers) / MB
            above = max(above, peak, hwm)
            print(f"  round {number}: first byte {first * 1000:.0f} ms, total {total:.1f} s, {size / MB:.0f} MB "
                  f"({size / MB / total:.0f} MB/s); worker peak RSS +{peak:.1f} MB above idle "
                  f"(VmHWM +{hwm:.1f} MB)")
        with zipfile.ZipFile(target) as archive:
            names = archive.namelist()
            manifest = json.loads(archive.read("manifest.json"))
        target.unlink()
        print(f"  the ZIP: {len(names)} entries, {len(manifest['files'])} files in manifest.json")
        ok = above < MEMORY_GOAL_MB
        print(f"  memory: worst peak +{above:.1f} MB above idle (goal < {MEMORY_GOAL_MB} MB): "
              f"{'PASS' if ok else 'FAIL'}")
        page_bench.show_server_log(log_path)
        return ok
    finally:
        page_bench.stop_server(server)


def measure_builds(env: dict[str, str], seeded: Any) -> None:
    """In-process: the results report's build and the frozen submission's (report, ledger, pack to disk)."""
    from workspace import create_app
    from workspace.compliance.models import Enrollment
    from workspace.exports import freeze, report
    from workspace.exports.files import no_progress
    from workspace.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"], "PASSWORD_HASH_PROFILE": "fast"})
    with app.test_request_context():
        enrollment = db.session.get(Enrollment, seeded.enrollment_id)
        started = time.perf_counter()
        built = report.results_report(enrollment, "zh_Hant", progress=no_progress)
        size = len(built.data) if built.data is not None else built.path.stat().st_size  # type: ignore[union-attr]
        print(f"\nresults report (in-process): {time.perf_counter() - started:.1f} s, {size / MB:.1f} MB")
        if built.path is not None:
            built.path.unlink(missing_ok=True)
        from workspace.compliance.models import Submission

        submission = Submission(enrollment_id=enrollment.id, number=1, snapshot={}, enrollment=enrollment)
        started = time.perf_counter()
        frozen = freeze.build_submission_files(submission, "zh_Hant")
        seconds = time.perf_counter() - started
        for item in frozen:
            size = len(item.built.data) if item.built.data is not None else item.built.path.stat().st_size  # type: ignore[union-attr]
            print(f"frozen submission file {item.kind}: {size / MB:.0f} MB")
            if item.built.path is not None:
                item.built.path.unlink(missing_ok=True)
        print(f"frozen submission build (in-process, pack written to disk while hashed): {seconds:.1f} s")
        db.session.rollback()
    with app.app_context():
        db.engine.dispose()


def run() -> bool:
    """Seed; download through gunicorn while sampling memory; time the in-process builds."""
    from bench.seed_exports import seed_exports
    from workspace import create_app

    print("\n== exports benchmark: evidence pack of 300 activities, 2,000 photos and a 200-MB video ==")
    print(f"load average before: {page_bench._load()}")
    with tempfile.TemporaryDirectory(prefix="workspace-bench-exports-") as tmp:
        env = bench_env(Path(tmp))
        os.environ.update(env)  # create_app reads the environment before the overrides
        seeded = seed(env)
        app = create_app({"SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"], "PASSWORD_HASH_PROFILE": "fast"})
        exports = seed_exports(app, Path(env["UPLOAD_DIR"]))
        print(f"seeded in {seeded.seconds:.1f} + {exports.seconds:.1f} s: "
              + ", ".join(f"{n} {name}" for name, n in exports.rows.items()))
        ok = measure_http(env, seeded.email, seeded.password, exports)
        measure_builds(env, exports)
        print(f"load average after: {page_bench._load()} (other work on the machine lowers every figure)")
        return ok


def main() -> int:
    """Run the exports benchmark alone."""
    return page_bench.run_alone("exports", run)


if __name__ == "__main__":
    sys.exit(main())
