"""Write-lock benchmark: other people's saves while a large photo arrives slowly, and eight photos at once.

Through gunicorn (the page benchmark's machinery, bench/run.py: 2 workers × 4 threads) on SQLite, the default:
1. /healthz, one request at a time: the yardstick every figure below is divided by.
2. One member uploads an 8-MB photo (BENCH_LOCK_PHOTO_MB) over a raw socket at about 1 MB/s; while its body
   arrives, three other members save one after another, without pause: a reply on the board, a plan section,
   a comment on that section. Each save's answer and time are kept, and so is the upload's answer.
3. Eight members upload a 4-MB photo each at the same moment, at full speed; each answer is kept.
Figures are shown in medians of /healthz. Targets: every save and every upload succeeds, and the slowest save
takes under a quarter of the slow upload's own time, i.e. no save waited for it (before the fix each save
waited for the whole upload and failed after the 5-s busy timeout).
Run alone with `python -m bench.write_lock`; `python -m bench.run` runs it last (BENCH_WRITE_LOCK=0 skips it).
"""

from __future__ import annotations

import http.client
import io
import os
import re
import secrets
import socket
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from bench import run as page_bench
from bench.seed import bench_env

PHOTO_MB = page_bench._env_int("BENCH_LOCK_PHOTO_MB", 8)
UPLOAD_BYTES_PER_SECOND = page_bench._env_int("BENCH_LOCK_UPLOAD_KBPS", 1024) * 1024
SIMULTANEOUS = page_bench._env_int("BENCH_LOCK_SIMULTANEOUS", 8)
HEALTHZ_REQUESTS = 300
SAVE_SHARE = 0.25  # the slowest save must take under a quarter of the slow upload's own time (it did not wait)
PASSWORD = "bench-" + secrets.token_hex(8)


@dataclass
class Person:
    email: str
    cookie: str = ""
    token: str = ""


@dataclass
class Board:
    """What the seeding made: the people, and where they save."""

    slug: str
    thread_id: int
    plan_id: int
    section_id: int
    section_version: int
    people: list[Person] = field(default_factory=list)


def photo(megabytes: float) -> bytes:
    """A JPEG of noise of about this size (noise does not compress), which the store re-encodes."""
    from PIL import Image

    width = int((megabytes * 1024 * 1024 / 0.9 / 0.75) ** 0.5)  # noise at quality 90: ~0.9 bytes a pixel
    height = width * 3 // 4
    out = io.BytesIO()
    Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(out, "JPEG", quality=90)
    return out.getvalue()


def seed(env: dict[str, str], people: int) -> Board:
    """A fresh database: a community with a thread and a co-planning document, and `people` members."""
    import flask_migrate

    from workspace import create_app
    from workspace.auth.services import register_user
    from workspace.communities.services import add_member, create_community
    from workspace.discussions import services as discussions
    from workspace.extensions import db
    from workspace.plans import services as plans
    from workspace.plans.models import PlanSection

    app = create_app({"SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"], "PASSWORD_HASH_PROFILE": "fast"})
    with app.test_request_context():
        flask_migrate.upgrade()
        users = [register_user(email=f"teacher{index}@bench.example", display_name=f"老師{index}",
                               password=PASSWORD) for index in range(people)]
        community = create_community(actor=users[0], name="五年級數學社群", kind="subject", slug="lock-bench",
                                     description="", vision="", school_ids=())
        for user in users[1:]:
            add_member(community, user, "member")
        category = next(item for item in discussions.categories_of(community) if item.key == "questions")
        thread = discussions.create_thread(community, category=category, title="分數加減的引導提問",
                                           body="大家都怎麼引導學生通分？", actor=users[0])
        doc = plans.create_plan(community, plans.PlanFields(topic="分數的加減", lead_id=users[1].id,
                                                            teacher_ids=[users[1].id]), actor=users[1])
        db.session.flush()
        section = min(db.session.query(PlanSection).filter_by(doc_id=doc.id), key=lambda item: item.position)
        db.session.commit()
        board = Board(community.slug, thread.id, doc.id, section.id, section.version,
                      [Person(user.email) for user in users])
        db.engine.dispose()
    return board


def log_in(port: int, person: Person) -> None:
    """A browser's login, then the page's CSRF token."""
    person.cookie = page_bench.log_in(port, person.email, PASSWORD)
    conn = http.client.HTTPConnection(page_bench.HOST, port, timeout=30)
    try:
        _status, _headers, body = page_bench.request(conn, "GET", "/", {"Cookie": person.cookie})
    finally:
        conn.close()
    match = re.search(r'id="csrf-token" data-token="([^"]+)"', body.decode())
    if not match:
        raise page_bench.BenchError("no CSRF token on the home page")
    person.token = match.group(1)


def post_form(port: int, person: Person, path: str, fields: dict[str, str]) -> tuple[int, float]:
    """POST a form as a browser without JavaScript; return the status and the seconds it took."""
    body = urllib.parse.urlencode({"csrf_token": person.token, **fields})
    conn = http.client.HTTPConnection(page_bench.HOST, port, timeout=60)
    started = time.perf_counter()
    try:
        status, _headers, _body = page_bench.request(conn, "POST", path, {
            "Cookie": person.cookie, "Content-Type": "application/x-www-form-urlencoded"}, body)
    except (OSError, http.client.HTTPException):
        status = 0
    finally:
        conn.close()
    return status, time.perf_counter() - started


def upload(port: int, person: Person, slug: str, content: bytes, filename: str,
           bytes_per_second: int | None = None) -> tuple[int, float]:
    """Add a photo to the library over a raw socket (paced when `bytes_per_second`); return status and seconds."""
    boundary = f"----bench-{uuid.uuid4().hex}"
    fields = {"csrf_token": person.token, "source": "files", "kind": "courseware", "visibility": "community"}
    body = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
                    for name, value in fields.items())
    body += (f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{filename}"\r\n'
             f"Content-Type: image/jpeg\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    head = (f"POST /c/{slug}/resources/new HTTP/1.1\r\nHost: {page_bench.HOST}:{port}\r\n"
            f"Cookie: {person.cookie}\r\nX-Upload: 1\r\nConnection: close\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    data = head + body
    started = time.perf_counter()
    try:
        with socket.create_connection((page_bench.HOST, port), timeout=120) as sock:
            chunk = 64 * 1024
            for offset in range(0, len(data), chunk):
                sock.sendall(data[offset:offset + chunk])
                if bytes_per_second:
                    time.sleep(chunk / bytes_per_second)
            response = http.client.HTTPResponse(sock)
            response.begin()
            response.read()
            status = response.status
    except (OSError, http.client.HTTPException):
        status = 0
    return status, time.perf_counter() - started


def healthz_median(port: int) -> float:
    conn = http.client.HTTPConnection(page_bench.HOST, port, timeout=10)
    times = []
    try:
        for _ in range(HEALTHZ_REQUESTS):
            started = time.perf_counter()
            status, _headers, _body = page_bench.request(conn, "GET", "/healthz", {})
            if status != 200:
                raise page_bench.BenchError(f"/healthz answered {status}")
            times.append(time.perf_counter() - started)
    finally:
        conn.close()
    return statistics.median(times)


def saves_during_a_slow_upload(port: int, board: Board) -> tuple[list[tuple[str, int, float]], tuple[int, float]]:
    """Three people save over and over while a fourth's photo arrives slowly; return their answers and its."""
    uploader, replier, planner, commenter = board.people[1:5]
    content = photo(PHOTO_MB)
    done = threading.Event()
    answers: list[tuple[str, int, float]] = []
    lock = threading.Lock()
    plan = f"/c/{board.slug}/plans/{board.plan_id}/sections/{board.section_id}"

    def keep_saving(kind: str, person: Person) -> None:
        version, number = board.section_version, 0
        while not done.is_set():
            number += 1
            if kind == "reply":
                answer = post_form(port, person, f"/c/{board.slug}/discussions/{board.thread_id}/reply",
                                   {"body": f"第 {number} 則回覆：先摺紙再通分。", "submission_key": uuid.uuid4().hex})
            elif kind == "section":
                answer = post_form(port, person, plan, {"body": f"學生能用圖示說明異分母分數的加法（第 {number} 版）。",
                                                        "base_version": str(version)})
                version += answer[0] == 302
            else:
                answer = post_form(port, person, f"{plan}/comments", {"body": f"第 {number} 個建議：加上生活情境。"})
            with lock:
                answers.append((kind, *answer))

    savers = [threading.Thread(target=keep_saving, args=args)
              for args in (("reply", replier), ("section", planner), ("comment", commenter))]
    result: list[tuple[int, float]] = []

    def send() -> None:
        result.append(upload(port, uploader, board.slug, content, "課堂照片.jpg", UPLOAD_BYTES_PER_SECOND))
        done.set()

    sender = threading.Thread(target=send)
    sender.start()
    time.sleep(1.0)  # the upload is under way (its body takes several seconds) before the saves begin
    for saver in savers:
        saver.start()
    sender.join()
    for saver in savers:
        saver.join()
    return answers, result[0]


def simultaneous_uploads(port: int, board: Board) -> list[tuple[int, float]]:
    """SIMULTANEOUS people upload a 4-MB photo each at the same moment."""
    photos = [photo(4) for _ in range(SIMULTANEOUS)]
    start = threading.Barrier(SIMULTANEOUS)
    answers: list[tuple[int, float]] = []

    def send(index: int) -> None:
        start.wait()
        answers.append(upload(port, board.people[5 + index], board.slug, photos[index], f"活動照片{index}.jpg"))

    threads = [threading.Thread(target=send, args=(index,)) for index in range(SIMULTANEOUS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def report(base: float, answers: list[tuple[str, int, float]], slow_upload: tuple[int, float],
           together: list[tuple[int, float]]) -> bool:
    ok = True
    print(f"/healthz median {base * 1000:.1f} ms (the unit below)")
    print(f"an {PHOTO_MB}-MB photo sent at {UPLOAD_BYTES_PER_SECOND // 1024} KB/s: HTTP {slow_upload[0]} "
          f"after {slow_upload[1]:.1f} s")
    ok = ok and slow_upload[0] == 201
    print(f"{'saves meanwhile':<16} {'sent':>5} {'failed':>7} {'median':>12} {'slowest':>12}")
    for kind in ("reply", "section", "comment"):
        mine = [(status, seconds) for name, status, seconds in answers if name == kind]
        failed = sorted({status for status, _seconds in mine if status != 302})
        times = [seconds for _status, seconds in mine]
        median, slowest = statistics.median(times), max(times)
        print(f"{kind:<16} {len(mine):>5} {len(mine) - [s for s, _t in mine].count(302):>7} "
              f"{median / base:>7.0f} × hz {slowest / base:>7.0f} × hz   ({median * 1000:.0f} / "
              f"{slowest * 1000:.0f} ms{f', answers {failed}' if failed else ''})")
        ok = ok and not failed and slowest < SAVE_SHARE * slow_upload[1]
    statuses = [status for status, _seconds in together]
    slowest = max(seconds for _status, seconds in together)
    print(f"{SIMULTANEOUS} photos of 4 MB at once: {statuses.count(201)} of {SIMULTANEOUS} stored "
          f"(answers {sorted(statuses)}), the slowest after {slowest:.1f} s")
    ok = ok and statuses == [201] * SIMULTANEOUS
    print(f"target: no failure, the slowest save under {SAVE_SHARE:.0%} of the slow upload's time: "
          f"{'PASS' if ok else 'FAIL'}")
    return ok


def run() -> bool:
    """Seed, serve with gunicorn, measure, report."""
    print(f"\n== write-lock benchmark: saves while a {PHOTO_MB}-MB photo arrives; {SIMULTANEOUS} photos at once ==")
    print(f"load average before: {page_bench._load()}")
    with tempfile.TemporaryDirectory(prefix="workspace-bench-lock-") as tmp:
        instance = Path(tmp)
        env = bench_env(instance)
        os.environ.update(env)  # create_app reads the environment before the overrides
        board = seed(env, 5 + SIMULTANEOUS)
        port = page_bench.free_port()
        log_path = instance / "gunicorn.log"
        server = page_bench.start_server(env, port, log_path)
        try:
            page_bench.wait_until_up(server, port, log_path)
            for person in board.people[1:]:
                log_in(port, person)
            base = healthz_median(port)
            answers, slow_upload = saves_during_a_slow_upload(port, board)
            together = simultaneous_uploads(port, board)
            page_bench.show_server_log(log_path)
            print(f"load average after: {page_bench._load()} (other work on the machine lowers every figure)")
            return report(base, answers, slow_upload, together)
        finally:
            page_bench.stop_server(server)


def main() -> int:
    """Run the write-lock benchmark alone."""
    return page_bench.run_alone("write-lock", run)


if __name__ == "__main__":
    sys.exit(main())
