"""Activities benchmark: 200 communities × 300 activities × 30+ members, against /healthz; and the memory of a
500-MB video upload.

Through gunicorn (the page benchmark's machinery, bench/run.py), with the page cache as served: the activity
list (upcoming, and ?when=past), an activity page with 60 attendance rows (not page-cached: rendered on every
view) and the live sign-in board's poll that finds nothing new (204, at the address the board page gives it).
Targets: each page 0.25 × the requests per second of /healthz, the poll 0.6. Then the same with PAGE_CACHE=0,
for information. Then, in-process with the test client (page cache off), the SQL statements of each request on
a small community (5 members, 5 activities) and on the big one (301 activities, 60 attendance rows): they must
be the same number (a count that grows with the data fails the run).
Last, the upload: gunicorn with one worker, whose resident memory (VmRSS) is sampled every 50 ms while a video
of BENCH_VIDEO_MB (500) MB is streamed to the evidence upload as the convener; the worker's peak must stay
within 100 MB of its idle figure (BENCH_VIDEO_MB=0 skips it).
Run alone with `python -m bench.activities`; `python -m bench.run` runs it after the discussion board.
"""

from __future__ import annotations

import html
import http.client
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bench import run as page_bench
from bench.seed import bench_env, seed
from bench.seed_activities import Place, SeededActivities, seed_activities

PAGE_TARGET = page_bench.TARGET_RATIO
POLL_TARGET = 0.6  # the board polls every 3 s for as long as the activity lasts
REQUESTS = page_bench._env_int("BENCH_ACTIVITIES_REQUESTS", 1_000)  # HTTP requests per target
VIDEO_MB = page_bench._env_int("BENCH_VIDEO_MB", 500)  # the uploaded video, in MiB (0: skip the upload check)
MEMORY_LIMIT_MB = 100  # the worker's peak resident memory above idle during the upload
SAMPLE_SECONDS = 0.05
HX = {"HX-Request": "true"}
MB = 1024 * 1024


@dataclass(frozen=True)
class Paths:
    """The measured addresses of one community."""

    upcoming: str
    past: str
    page: str
    board: str
    poll: str  # taken from the board page: it carries the write counter
    upload: str


def paths(place: Place) -> Paths:
    base = f"/c/{place.slug}/activities/"
    page = f"{base}{place.activity_id}"
    return Paths(upcoming=base, past=f"{base}?when=past", page=page, board=f"{page}/board", poll="",
                 upload=f"{page}/evidence")


POLLER = re.compile(r'id="attendees"[^>]*hx-get="([^"]+)"', re.S)
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def poller_path(page: str) -> str:
    """The live board's poll address as the board page gives it (gen=the write counter)."""
    match = POLLER.search(page)
    if match is None:
        raise page_bench.BenchError("the board page has no poller (id=attendees)")
    return html.unescape(match.group(1))


def _get(port: int, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(page_bench.HOST, port, timeout=30)
    try:
        status, _headers, body = page_bench.request(conn, "GET", path, headers)
    finally:
        conn.close()
    return status, body


def measure_http(env: dict[str, str], email: str, password: str, big: Paths, *, fresh: bool) -> bool:
    """Serve the database with gunicorn and drive the activity pages against /healthz in alternating rounds."""
    port = page_bench.free_port()
    log_path = Path(env["INSTANCE_DIR"]) / f"gunicorn-activities{'-fresh' if fresh else ''}.log"
    server = page_bench.start_server({**env, "PAGE_CACHE": "0"} if fresh else env, port, log_path)
    try:
        page_bench.wait_until_up(server, port, log_path)
        cookie = {"Cookie": page_bench.log_in(port, email, password)}
        status, board = _get(port, big.board, cookie)
        if status != 200:
            raise page_bench.BenchError(f"GET {big.board} answered {status}")
        big = replace(big, poll=poller_path(board.decode()))
        rows: list[tuple[str, str, dict[str, str], int, float | None]] = [("/healthz", "/healthz", {}, 200, None)]
        target = None if fresh else PAGE_TARGET
        rows += [(f"list, upcoming {big.upcoming}", big.upcoming, cookie, 200, target),
                 (f"list, past {big.past}", big.past, cookie, 200, target),
                 (f"activity page (60 attended) {big.page}", big.page, cookie, 200, target)]
        if not fresh:
            rows.append(("board poll, nothing new (204)", big.poll, {**cookie, **HX}, 204, POLL_TARGET))
        results = page_bench.measure(port, [(path, headers) for _label, path, headers, _status, _target in rows],
                                     labels=[label for label, *_rest in rows],
                                     expect=[status for *_rest, status, _target in rows],
                                     requests=REQUESTS, warmup=min(page_bench.WARMUP, 50), name_rounds=False)
        page_bench.show_server_log(log_path)
        return page_bench.report(results, width=58, targets=[target for *_rest, target in rows],
                                 pages="(fresh renders: information only)" if fresh else "each page and the poll")
    finally:
        page_bench.stop_server(server)


def count_queries(app: Any, email: str, password: str, small: Paths, big: Paths) -> list[page_bench.Count]:
    """Count the SQL statements of each request, in-process, on the small community and on the big one."""
    client = page_bench.logged_in_client(app, email, password)
    small, big = (replace(place, poll=poller_path(client.get(place.board).get_data(as_text=True)))
                  for place in (small, big))
    requests = [("list, upcoming", "upcoming", {}, 200), ("list, past", "past", {}, 200),
                ("activity page", "page", {}, 200), ("sign-in board", "board", {}, 200),
                ("board poll, nothing new (204)", "poll", HX, 204),
                ("board poll, list changed (gen=0)", "changed", HX, 200)]

    def path(place: Paths, name: str) -> str:
        return re.sub(r"gen=\d+", "gen=0", place.poll) if name == "changed" else getattr(place, name)

    return page_bench.count_statements(app, client, [
        (label, path(small, name), path(big, name), headers, status) for label, name, headers, status in requests])


def legend(seeded: SeededActivities) -> str:
    small, big = seeded.small, seeded.big
    return (f"small: /c/{small.slug}/activities/ ({small.activities} activities, {small.members} members), "
            f"activity {small.activity_id} ({small.attendance} attended)\n"
            f"big:   /c/{big.slug}/activities/ ({big.activities} activities, {big.members} members), "
            f"activity {big.activity_id} ({big.attendance} attended)\n"
            "page cache off, the bench user (co-convener of both), the last of three identical requests counted")


# --- the upload's memory -------------------------------------------------------------------------


def make_video(path: Path, size: int) -> None:
    """An MP4 of `size` bytes without writing them: `ftyp` (brand isom), a small `moov` and an `mdat` box
    whose 64-bit size covers the rest, a sparse run of zeros (core/storage walks the boxes, reads no media)."""
    from tests.media import mp4_prefix

    with path.open("wb") as handle:
        handle.write(mp4_prefix(size))
        handle.truncate(size)


def worker_pid(master: int, timeout: float = 10.0) -> int:
    """The gunicorn worker: the master's only child."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        children = Path(f"/proc/{master}/task/{master}/children")
        pids = children.read_text().split() if children.exists() else [
            entry.name for entry in Path("/proc").iterdir() if entry.name.isdigit() and _ppid(entry.name) == master]
        if len(pids) == 1:
            return int(pids[0])
        time.sleep(0.1)
    raise page_bench.BenchError(f"gunicorn master {master} has no single worker")


def _ppid(pid: str) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def status_kb(pid: int, field: str) -> int:
    """A figure of /proc/<pid>/status in kB (VmRSS: resident now, VmHWM: the highest resident so far)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise page_bench.BenchError(f"/proc/{pid}/status has no {field}")


class Sampler(threading.Thread):
    """Read the worker's VmRSS every SAMPLE_SECONDS until stopped; keep the peak and when it came."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_kb, self.peak_at, self.samples = pid, 0, 0.0, 0
        self.started = time.monotonic()
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            try:
                rss = status_kb(self.pid, "VmRSS")
            except (OSError, page_bench.BenchError):
                break
            self.samples += 1
            if rss > self.peak_kb:
                self.peak_kb, self.peak_at = rss, time.monotonic() - self.started
            self.done.wait(SAMPLE_SECONDS)


def send_upload(port: int, path: str, cookie: str, token: str, video: Path, filename: str) -> tuple[int, bytes]:
    """POST the file as multipart (field `files`, X-Upload: 1, as upload.js sends it), read from disk in 1-MiB
    chunks: the bench never holds the file in memory."""
    boundary = uuid.uuid4().hex
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{filename}\"\r\n"
            "Content-Type: video/mp4\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    size = video.stat().st_size
    conn = http.client.HTTPConnection(page_bench.HOST, port, timeout=600)
    try:
        conn.putrequest("POST", path)
        for name, value in (("User-Agent", page_bench.USER_AGENT), ("Cookie", cookie), ("X-Upload", "1"),
                            ("X-CSRFToken", token), ("Referer", f"http://{page_bench.HOST}:{port}{path}"),
                            ("Content-Type", f"multipart/form-data; boundary={boundary}"),
                            ("Content-Length", str(len(head) + size + len(tail)))):
            conn.putheader(name, value)
        conn.endheaders()
        conn.send(head)
        with video.open("rb") as handle:
            for chunk in iter(lambda: handle.read(MB), b""):
                conn.send(chunk)
        conn.send(tail)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def measure_upload(env: dict[str, str], email: str, password: str, big: Paths) -> bool:
    """One gunicorn worker; its VmRSS at idle, then sampled while a VIDEO_MB video is uploaded as the convener."""
    size = VIDEO_MB * MB
    # MAX_CONTENT_LENGTH is MAX_VIDEO_UPLOAD_MB and counts the whole request, multipart framing included: a
    # video of exactly the limit is refused with 413 (see check_limit_edge), so the limit gets 1 MB of room.
    limit_mb = max(int(os.environ.get("MAX_VIDEO_UPLOAD_MB") or 500), VIDEO_MB + 1)
    instance = Path(env["INSTANCE_DIR"])
    video = instance / "bench-video.mp4"
    make_video(video, size)
    port = page_bench.free_port()
    log_path = instance / "gunicorn-upload.log"
    gunicorn = Path(sys.executable).parent / "gunicorn"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [str(gunicorn), "--bind", f"{page_bench.HOST}:{port}", "--workers", "1", "--threads",
             str(page_bench.THREADS), "--timeout", "600", "--log-level", "warning", page_bench.APP],
            cwd=page_bench.ROOT, env={**os.environ, **env, "MAX_VIDEO_UPLOAD_MB": str(limit_mb)}, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        page_bench.wait_until_up(server, port, log_path)
        pid = worker_pid(server.pid)
        cookie = page_bench.log_in(port, email, password)
        status, page = _get(port, big.page, {"Cookie": cookie})  # the page the convener uploads from
        match = CSRF.search(page.decode())
        if status != 200 or match is None:
            raise page_bench.BenchError(f"GET {big.page} answered {status} without a CSRF token")
        token = html.unescape(match.group(1) or match.group(2))
        time.sleep(1.0)
        idle_kb, hwm_before = status_kb(pid, "VmRSS"), status_kb(pid, "VmHWM")
        sampler = Sampler(pid)
        sampler.start()
        started = time.monotonic()
        try:
            status, body = send_upload(port, big.upload, cookie, token, video, "研習錄影.mp4")
        finally:
            seconds = time.monotonic() - started
            time.sleep(0.2)
            sampler.done.set()
            sampler.join()
        after_kb, hwm_after = status_kb(pid, "VmRSS"), status_kb(pid, "VmHWM")
        page_bench.show_server_log(log_path)
        stored = sorted((instance / "uploads").rglob("*"), key=lambda item: item.stat().st_size if item.is_file()
                        else 0)
        largest = stored[-1].stat().st_size if stored and stored[-1].is_file() else 0
        rise = (sampler.peak_kb - idle_kb) / 1024
        ok = status == 201 and largest == size and rise < MEMORY_LIMIT_MB
        print(f"\nvideo upload: {VIDEO_MB} MB ({size:,} bytes, MAX_VIDEO_UPLOAD_MB={limit_mb}) as the convener, "
              f"1 gunicorn worker (pid {pid}) x {page_bench.THREADS} threads")
        print(f"  answer {status} in {seconds:.1f} s ({VIDEO_MB / seconds:.0f} MB/s); stored blob {largest:,} bytes"
              + ("" if status == 201 else f"; body: {body[:200]!r}"))
        print(f"  worker VmRSS: idle {idle_kb / 1024:.1f} MB, peak {sampler.peak_kb / 1024:.1f} MB "
              f"(at {sampler.peak_at:.1f} s, {sampler.samples} samples every {SAMPLE_SECONDS * 1000:.0f} ms), "
              f"after {after_kb / 1024:.1f} MB")
        print(f"  worker VmHWM (kernel's peak since start): {hwm_before / 1024:.1f} MB before, "
              f"{hwm_after / 1024:.1f} MB after")
        print(f"  peak - idle = {rise:.1f} MB (target < {MEMORY_LIMIT_MB} MB): {'PASS' if ok else 'FAIL'}")
        return ok
    finally:
        page_bench.stop_server(server)
        video.unlink(missing_ok=True)


def check_limit_edge(database_url: str, email: str, password: str, big: Paths) -> None:
    """In-process, for information: a video of exactly MAX_VIDEO_UPLOAD_MB (1 here) and one a byte under it."""
    import io

    from tests.media import mp4_of_size
    from workspace import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "PASSWORD_HASH_PROFILE": "fast",
                      "WTF_CSRF_ENABLED": False, "PAGE_CACHE": False, "MAX_VIDEO_UPLOAD_MB": 1,
                      "MAX_CONTENT_LENGTH": (1 + 1) * MB})  # as workspace/config.py sets it: the limit + 1 MB
    client = page_bench.logged_in_client(app, email, password)
    figures = []
    for size in (MB, MB - 4096):
        data = mp4_of_size(size)
        answer = client.post(big.upload, data={"files": (io.BytesIO(data), "clip.mp4", "video/mp4")},
                             headers={"X-Upload": "1"}, content_type="multipart/form-data")
        figures.append(f"{size:,} bytes -> {answer.status_code}")
    print("limit edge (MAX_VIDEO_UPLOAD_MB=1, in-process): " + ", ".join(figures)
          + " (the request limit leaves 1 MB for the form around the file)")
    with app.app_context():
        from workspace.extensions import db

        db.session.rollback()
        db.engine.dispose()


def run() -> bool:
    """Seed; measure through gunicorn (cached, then fresh); count queries in-process; the upload's memory."""
    from workspace import create_app

    print(f"\n== activities benchmark: 200 communities x 300 activities, an activity with 60 attended; "
          f"{REQUESTS} requests per target ==")
    print(f"load average before: {page_bench._load()}")
    with tempfile.TemporaryDirectory(prefix="workspace-bench-activities-") as tmp:
        env = bench_env(Path(tmp))
        os.environ.update(env)  # create_app reads the environment before the overrides
        seeded = seed(env)
        app = create_app({"SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"], "PASSWORD_HASH_PROFILE": "fast"})
        activities = seed_activities(app)
        print(f"seeded in {seeded.seconds:.1f} + {activities.seconds:.1f} s: "
              + ", ".join(f"{n} {name}" for name, n in activities.rows.items()))
        big, small = paths(activities.big), paths(activities.small)
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
                                            legend(activities))
        with counting.app_context():
            from workspace.extensions import db

            db.engine.dispose()
        memory = True
        if VIDEO_MB > 0:
            check_limit_edge(env["DATABASE_URL"], seeded.email, seeded.password, small)
            memory = measure_upload(env, seeded.email, seeded.password, big)
        print(f"load average after: {page_bench._load()} (other work on the machine lowers every figure)")
        return served and constant and memory


def main() -> int:
    """Run the activities benchmark alone."""
    return page_bench.run_alone("activities", run)


if __name__ == "__main__":
    sys.exit(main())
