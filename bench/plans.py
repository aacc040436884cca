"""Co-planning benchmark: a plan of 12 sections with 2,000 revisions; section saves, the plan page, history and diffs.

Through gunicorn (the page benchmark's machinery, bench/run.py), with the page cache as served: the plan page,
driven against /healthz in alternating rounds (target: 0.25 × the requests per second of /healthz), and, for
information, a section's history, the plan's history and a diff. Then the same with PAGE_CACHE=0 (a fresh render,
as after any write: while a team edits, every save is one), for information. Then section saves through the real
route, one after another, as htmx sends them (POST …/sections/<id> with HX-Request, the editor's CSRF token and
base_version): a save from the current version, and a save from an older version that merges with a colleague's
change on other lines (the colleague saves in between, not timed), alternating; p50 / p95 of both beside
sequential /healthz requests, for information (any answer but the saved or merged section fails the run). Last,
in-process with the test client (page cache off), the SQL statements of the plan page, the history pages and the
diff pages on a small plan (2 revisions per section) and on the big one: they must be the same number (a count
that grows with the revisions fails the run).
Run alone with `python -m bench.plans`; `python -m bench.run` runs it after the other benchmarks.
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
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import run as page_bench
from bench.seed import bench_env, seed
from bench.seed_plans import SeededPlan, SeededPlans, check, seed_plans

PAGE_TARGET = page_bench.TARGET_RATIO
REQUESTS = page_bench._env_int("BENCH_PLANS_REQUESTS", 1_000)  # HTTP requests per page target
SAVES = page_bench._env_int("BENCH_PLANS_SAVES", 150)  # timed saves from the current version
MERGES = page_bench._env_int("BENCH_PLANS_MERGES", 150)  # timed saves from an older version, merged
HX = {"HX-Request": "true"}
EDITOR_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
EDITOR_BASE = re.compile(r'name="base_version" value="(\d+)"')
EDITOR_BODY = re.compile(r"<textarea[^>]*name=\"body\"[^>]*>(.*?)</textarea>", re.S)
NOTE = re.compile(r"（第 \d+ 次共備[^）]*）")  # what the benchmark appends to a line, replaced on the next save


@dataclass(frozen=True)
class Paths:
    """The measured addresses of one plan."""

    page: str
    section_history: str
    section_history_last: str
    history: str
    history_last: str
    diff: str  # the busiest section's last change
    diff_wide: str  # its version 1 (empty) against the latest: every line added


def paths(plan: SeededPlan) -> Paths:
    """Addresses of a plan's page, its busiest section's history (first and last page) and diffs, and the plan's
    history (first and last page)."""
    from workspace.plans.services import HISTORY_PER_PAGE

    base = f"/c/{plan.slug}/plans/{plan.plan_id}"
    section_id, version = plan.busiest
    section = f"{base}/sections/{section_id}"
    return Paths(page=base, section_history=f"{section}/history",
                 section_history_last=f"{section}/history?page={math.ceil(version / HISTORY_PER_PAGE)}",
                 history=f"{base}/history", history_last=f"{base}/history?page="
                 f"{math.ceil(plan.revisions / HISTORY_PER_PAGE)}", diff=f"{section}/diff",
                 diff_wide=f"{section}/diff?from=1&to={version}")


# --- the pages, through gunicorn -------------------------------------------------------------------


def measure_pages(env: dict[str, str], email: str, password: str, big: Paths, *, fresh: bool) -> bool:
    """Serve the database with gunicorn and drive the plan page (the target) and the history and diff pages
    (information) against /healthz in alternating rounds; with PAGE_CACHE=0 when `fresh`, all for information."""
    port = page_bench.free_port()
    log_path = Path(env["INSTANCE_DIR"]) / f"gunicorn-plans{'-fresh' if fresh else ''}.log"
    server = page_bench.start_server({**env, "PAGE_CACHE": "0"} if fresh else env, port, log_path)
    try:
        page_bench.wait_until_up(server, port, log_path)
        cookie = {"Cookie": page_bench.log_in(port, email, password)}
        target = None if fresh else PAGE_TARGET
        rows: list[tuple[str, str, dict[str, str], float | None]] = [
            ("/healthz", "/healthz", {}, None),
            ("plan page (12 sections, 2,000 revisions)", big.page, cookie, target),
            ("section history, page 1", big.section_history, cookie, None),
            ("plan history, page 1", big.history, cookie, None),
            ("diff, last change of the section", big.diff, cookie, None),
        ]
        results = page_bench.measure(port, [(path, headers) for _label, path, headers, _target in rows],
                                     labels=[label for label, *_rest in rows], requests=REQUESTS,
                                     warmup=min(page_bench.WARMUP, 50), name_rounds=False)
        page_bench.show_server_log(log_path)
        return page_bench.report(results, width=44, targets=[target for *_rest, target in rows],
                                 pages="(fresh renders: information only)" if fresh
                                 else "the plan page (history and diff: information)")
    finally:
        page_bench.stop_server(server)


# --- saving sections, through gunicorn -------------------------------------------------------------


class Editor:
    """One teacher's browser: a kept-alive connection, the session cookie, and htmx's way of saving."""

    def __init__(self, port: int, cookie: str) -> None:
        self.port, self.cookie = port, cookie
        self.conn = http.client.HTTPConnection(page_bench.HOST, port, timeout=30)

    def send(self, method: str, path: str, headers: dict[str, str], body: str | None = None) -> tuple[int, str]:
        try:
            status, answer, data = page_bench.request(self.conn, method, path, {"Cookie": self.cookie, **headers},
                                                      body)
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection(page_bench.HOST, self.port, timeout=30)
            raise
        if answer["set-cookie"]:
            self.cookie = answer["set-cookie"]  # as a browser keeps the newest session cookie
        return status, data.decode()

    def open(self, section: str) -> tuple[str, int, str]:
        """Click Edit: the editor fragment, with its CSRF token, the version it starts from and the text."""
        status, page = self.send("GET", f"{section}/edit", HX)
        token, base, body = EDITOR_TOKEN.search(page), EDITOR_BASE.search(page), EDITOR_BODY.search(page)
        if status != 200 or token is None or base is None or body is None:
            raise page_bench.BenchError(f"GET {section}/edit answered {status} without an editor")
        return html.unescape(token.group(1) or token.group(2)), int(base.group(1)), html.unescape(body.group(1))

    def save(self, plan_page: str, section: str, token: str, base: int, text: str) -> tuple[int, str, float]:
        """Press Save: htmx posts the form (csrf_token, base_version, body) with its headers; timed."""
        form = urllib.parse.urlencode({"csrf_token": token, "base_version": str(base), "body": text})
        headers = {**HX, "HX-Target": f"section-{section.rsplit('/', 1)[1]}", "X-CSRFToken": token,
                   "HX-Current-URL": f"http://{page_bench.HOST}:{self.port}{plan_page}",
                   "Content-Type": "application/x-www-form-urlencoded",
                   "Referer": f"http://{page_bench.HOST}:{self.port}{plan_page}"}
        started = time.perf_counter()
        status, answer = self.send("POST", section, headers, form)
        return status, answer, time.perf_counter() - started

    def healthz(self) -> float:
        started = time.perf_counter()
        status, _page = self.send("GET", "/healthz", {})
        if status != 200:
            raise page_bench.BenchError(f"GET /healthz answered {status}")
        return time.perf_counter() - started

    def close(self) -> None:
        self.conn.close()


def _editable(text: str) -> list[int]:
    """The lines a teacher would reword: not blank, not a heading, not a table row."""
    return [index for index, line in enumerate(text.split("\n"))
            if line.strip() and not line.lstrip().startswith(("#", "|", "**"))]


def _reword(text: str, index: int, note: str) -> str:
    """The text with one line changed: the benchmark's earlier note on it replaced by `note`."""
    lines = text.split("\n")
    lines[index] = NOTE.sub("", lines[index]) + note
    return "\n".join(lines)


def measure_saves(port: int, big: SeededPlan, email: str, password: str, co_editor: str) -> bool:
    """Timed saves from the current version and timed saves from an older one that merge, alternating."""
    base_path = f"/c/{big.slug}/plans/{big.plan_id}"
    sections = [f"{base_path}/sections/{section_id}" for section_id in big.section_ids]
    me = Editor(port, page_bench.log_in(port, email, password))
    colleague = Editor(port, page_bench.log_in(port, co_editor, password))
    healthz = page_bench.Result("/healthz (one at a time)")
    plain = page_bench.Result("save, base_version = current")
    merged = page_bench.Result("save from an older base, merged")
    started = time.monotonic()
    try:
        # Plain and merged saves alternate, so that other load on the machine falls on both alike.
        for number in range(1, max(SAVES, MERGES) + 1):
            section = sections[number % len(sections)]
            if number <= SAVES:  # Edit, change a line, Save: the section moves one version on
                token, base, text = me.open(section)
                note = f"（第 {number} 次共備討論後補充）"
                healthz.latencies.append(me.healthz())
                status, answer, seconds = me.save(base_path, section, token, base,
                                                  _reword(text, _editable(text)[-1], note))
                if status == 200 and note in answer:
                    plain.latencies.append(seconds)
                else:
                    plain.errors.append(f"HTTP {status}" + ("" if status != 200 else " without the saved text"))
            if number <= MERGES:
                # Both open the editor at version v; the colleague saves a change near the top (v + 1); then
                # the timed save from v changes a line near the end: merged with the colleague's, nothing asked.
                section = sections[(number + len(sections) // 2) % len(sections)]
                token, base, text = me.open(section)
                lines = _editable(text)
                if len(lines) < 2 or lines[-1] - lines[0] < 3:
                    raise page_bench.BenchError(f"{section} has too few lines to change two apart")
                their_token, their_base, their_text = colleague.open(section)
                theirs = f"（第 {number} 次共備會議上提出）"
                status, _answer, _seconds = colleague.save(base_path, section, their_token, their_base,
                                                           _reword(their_text, lines[0], theirs))
                if status != 200:
                    raise page_bench.BenchError(f"the colleague's save of {section} answered {status}")
                mine = f"（第 {number} 次共備討論後修訂）"
                healthz.latencies.append(me.healthz())
                status, answer, seconds = me.save(base_path, section, token, base, _reword(text, lines[-1], mine))
                if status == 200 and mine in answer and theirs in answer:
                    merged.latencies.append(seconds)
                else:
                    merged.errors.append(f"HTTP {status}" + ("" if status != 200 else " without both changes"))
    finally:
        me.close()
        colleague.close()
    for result in (healthz, plain, merged):
        result.seconds = sum(result.latencies)  # one at a time: requests per second = 1 / mean latency
    print(f"\n{SAVES} saves and {MERGES} merged saves (each after its colleague's save), alternating, one at a "
          f"time, in {time.monotonic() - started:.0f} s; a /healthz before each, on the same connection")
    ok = page_bench.report([healthz, plain, merged], width=44, targets=[None, None, None],
                           pages="a row with a target (the saves have none: p50 / p95 for information)")
    print(f"save p50 / p95: {plain.quantile_ms(0.5):.1f} / {plain.quantile_ms(0.95):.1f} ms; merged save p50 / "
          f"p95: {merged.quantile_ms(0.5):.1f} / {merged.quantile_ms(0.95):.1f} ms")
    return ok


def measure_saving(env: dict[str, str], email: str, password: str, plans: SeededPlans) -> bool:
    """Serve the database as configured (page cache on) and time the saves (they add revisions: last)."""
    port = page_bench.free_port()
    log_path = Path(env["INSTANCE_DIR"]) / "gunicorn-plans-saves.log"
    server = page_bench.start_server(env, port, log_path)
    try:
        page_bench.wait_until_up(server, port, log_path)
        saved = measure_saves(port, plans.big, email, password, plans.co_editor_email)
        page_bench.show_server_log(log_path)
        return saved
    finally:
        page_bench.stop_server(server)


# --- query counts, in-process ----------------------------------------------------------------------


def count_queries(app: Any, email: str, password: str, small: Paths, big: Paths) -> list[page_bench.Count]:
    """Count the SQL statements of each page, in-process, on the small plan and on the big one."""
    client = page_bench.logged_in_client(app, email, password)
    requests = [("plan page", "page"), ("section history, page 1", "section_history"),
                ("section history, last page", "section_history_last"), ("plan history, page 1", "history"),
                ("plan history, last page", "history_last"), ("diff, last change", "diff"),
                ("diff, version 1 -> latest", "diff_wide")]
    return page_bench.count_statements(app, client, [
        (label, getattr(small, name), getattr(big, name), {}, 200) for label, name in requests])


def refreshed(app: Any, plan: SeededPlan) -> SeededPlan:
    """The plan as it is now (the saves added revisions): its sections' versions and its revisions."""
    from sqlalchemy import func, select

    from workspace.extensions import db
    from workspace.plans.models import PlanSection, SectionRevision

    with app.app_context():
        sections = {section_id: (version, len(body)) for section_id, version, body in db.session.execute(
            select(PlanSection.id, PlanSection.version, PlanSection.body).where(PlanSection.doc_id == plan.plan_id))}
        revisions = db.session.scalar(select(func.count()).select_from(SectionRevision)
                                      .where(SectionRevision.doc_id == plan.plan_id)) or 0
        db.session.remove()
    return dataclasses.replace(plan, versions=tuple(sections[section_id][0] for section_id in plan.section_ids),
                               revisions=revisions, characters=sum(length for _version, length in sections.values()))


def legend(plans: SeededPlans) -> str:
    small, big = plans.small, plans.big
    return (f"small: /c/{small.slug}/plans/{small.plan_id} (12 sections, {small.revisions} revisions, "
            f"{small.characters:,} characters)\n"
            f"big:   /c/{big.slug}/plans/{big.plan_id} (12 sections, {big.revisions:,} revisions, "
            f"{big.characters:,} characters; the busiest section {big.busiest[0]} at version {big.busiest[1]})\n"
            "page cache off, the bench user (co-convener and lead planner of both), the last of three identical "
            "requests counted (after the saves above)")


def run() -> bool:
    """Seed the plans; measure pages and saves through gunicorn; count queries in-process."""
    from workspace import create_app

    print(f"\n== co-planning benchmark: a plan of 12 sections and 2,000 revisions; {REQUESTS} requests per page "
          f"target, {SAVES} saves, {MERGES} merged saves ==")
    print(f"load average before: {page_bench._load()}")
    with tempfile.TemporaryDirectory(prefix="workspace-bench-plans-") as tmp:
        env = bench_env(Path(tmp))
        os.environ.update(env)  # create_app reads the environment before the overrides
        seeded = seed(env)
        app = create_app({"SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"], "PASSWORD_HASH_PROFILE": "fast"})
        plans = seed_plans(app)
        print(f"seeded the plans in {plans.seconds:.1f} s: " + ", ".join(f"{n} {name}" for name, n in
                                                                        plans.rows.items())
              + f"; the big plan's text {plans.big.characters:,} characters, sections at versions "
              + ", ".join(str(version) for version in plans.big.versions))
        problems = check(app, plans)
        if problems:
            raise page_bench.BenchError("seeded plans are inconsistent: " + "; ".join(problems[:3]))
        big = paths(plans.big)
        served = measure_pages(env, seeded.email, seeded.password, big, fresh=False)
        if os.environ.get("PAGE_CACHE") == "0":
            print("(PAGE_CACHE=0: the pages above are fresh renders already)")
        else:
            print("\nthe pages rendered afresh (PAGE_CACHE=0), as after any write (every save is one); for "
                  "information, they do not fail the run:")
            measure_pages(env, seeded.email, seeded.password, big, fresh=True)
        saved = measure_saving(env, seeded.email, seeded.password, plans)
        counting = create_app({"SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"], "PASSWORD_HASH_PROFILE": "fast",
                               "WTF_CSRF_ENABLED": False, "PAGE_CACHE": False})
        plans = dataclasses.replace(plans, big=refreshed(counting, plans.big))  # the saves added revisions
        constant = page_bench.report_counts(count_queries(counting, seeded.email, seeded.password,
                                                          paths(plans.small), paths(plans.big)), legend(plans))
        with counting.app_context():
            from workspace.extensions import db

            db.engine.dispose()
        print(f"load average after: {page_bench._load()} (other work on the machine lowers every figure)")
        return served and saved and constant


def main() -> int:
    """Run the co-planning benchmark alone."""
    return page_bench.run_alone("co-planning", run)


if __name__ == "__main__":
    sys.exit(main())
