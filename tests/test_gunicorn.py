"""gunicorn as `make run` starts it (gunicorn.conf.py): whom it trusts with X-Forwarded-*, and a quiet log.

These start the real server on a free port and talk to it over HTTP, as a browser or a proxy would.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def _gunicorn(tmp_path: Path, **env: str) -> Iterator[tuple[str, Path]]:
    """Run gunicorn with the project's config; yield its address and the file its output goes to."""
    port = _free_port()
    log = tmp_path / f"gunicorn-{port}.log"
    environment = {**os.environ, "HOST": "127.0.0.1", "PORT": str(port), "WORKERS": "1",
                   "INSTANCE_DIR": str(tmp_path / "instance"), "SECRET_KEY": "test-secret-key-not-for-production",
                   "BASE_URL": f"http://127.0.0.1:{port}", **env}
    for name in ("BEHIND_PROXY", "ACCESS_LOG", "FORWARDED_ALLOW_IPS"):
        if name not in env:
            environment.pop(name, None)
    with log.open("wb") as out:
        server = subprocess.Popen([str(GUNICORN), "--config", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT,
                                  env=environment, stdout=out, stderr=subprocess.STDOUT)
        try:
            address = f"http://127.0.0.1:{port}"
            for _ in range(200):
                try:
                    urllib.request.urlopen(f"{address}/healthz", timeout=1).read()
                    break
                except OSError:
                    assert server.poll() is None, log.read_text()
                    time.sleep(0.05)
            yield address, log
        finally:
            server.terminate()
            server.wait(timeout=10)


def _get(address: str, **headers: str) -> dict[str, str]:
    request = urllib.request.Request(f"{address}/healthz", headers=headers)
    with urllib.request.urlopen(request, timeout=5) as response:
        return dict(response.headers)


def test_forwarded_headers_are_not_believed_without_a_proxy(tmp_path):
    """Without BEHIND_PROXY, a local client claiming HTTPS is not served as HTTPS (no HSTS, no Secure cookie)."""
    with _gunicorn(tmp_path) as (address, _log):
        headers = _get(address, **{"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"})
    assert "Strict-Transport-Security" not in headers


def test_behind_a_proxy_its_forwarded_scheme_counts(tmp_path):
    with _gunicorn(tmp_path, BEHIND_PROXY="1") as (address, _log):
        assert "Strict-Transport-Security" in _get(address, **{"X-Forwarded-Proto": "https"})
        assert "Strict-Transport-Security" not in _get(address)


def test_the_access_log_is_off_unless_asked_for(tmp_path):
    with _gunicorn(tmp_path) as (address, log):
        _get(address)
        _get(address)
    quiet = log.read_text()
    assert "GET /healthz" not in quiet
    with _gunicorn(tmp_path, ACCESS_LOG="1") as (address, log):
        _get(address)
    assert "GET /healthz" in log.read_text()


def _children_running(parent: int, marker: str) -> list[int]:
    """Processes whose parent is `parent` and whose command line holds `marker`."""
    found = []
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().rsplit(")", 1)[1].split()
            command = (status.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if int(fields[1]) == parent and marker in command:
            found.append(int(status.parent.name))
    return found


def _server_pid(address: str) -> int:
    port = int(address.rsplit(":", 1)[1])
    for status in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            command = status.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "gunicorn" in command and "wsgi:app" in command and int(status.parent.name) != os.getpid():
            environ = (status.parent / "environ").read_bytes()
            if f"PORT={port}".encode() in environ.split(b"\0"):
                return int(status.parent.name)
    raise AssertionError(f"no gunicorn on port {port}")


def test_the_job_queue_consumer_runs_beside_the_server_and_stops_with_it(tmp_path):
    """`make run` needs no cron and no second command: gunicorn starts the queue's consumer and stops it."""
    with _gunicorn(tmp_path, JOBS_IMMEDIATE="0", JOBS_DB=str(tmp_path / "queue.sqlite3")) as (address, _log):
        master = _server_pid(address)
        consumers: list[int] = []
        for _ in range(100):
            consumers = _children_running(master, "huey_consumer")
            if consumers:
                break
            time.sleep(0.05)
        assert len(consumers) == 1
    for _ in range(100):
        if not _alive(consumers[0]):
            break
        time.sleep(0.1)
    else:
        raise AssertionError("the consumer outlived the server")


def _alive(pid: int) -> bool:
    """Whether the process runs (a zombie waiting for its parent to reap it does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_the_consumer_can_be_left_out(tmp_path):
    with _gunicorn(tmp_path, JOBS_IMMEDIATE="0", JOBS_WORKER="0") as (address, _log):
        time.sleep(0.5)
        assert _children_running(_server_pid(address), "huey_consumer") == []


def test_the_servers_processes_run_on_the_deployments_clock():
    """An evidence pack's entries were dated on the machine's clock (UTC: 17:16 where the manifest said 01:16+08:00):
    gunicorn.conf.py puts its processes, and the job consumer it starts, on TIMEZONE's."""
    probe = ("import runpy, time; runpy.run_path('gunicorn.conf.py'); "
             "print(time.strftime('%z', time.localtime(1800000000)))")
    for zone, offset in (("Asia/Taipei", "+0800"), ("America/Caracas", "-0400")):
        out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True,
                             env={**os.environ, "TZ": "UTC", "TIMEZONE": zone, "JOBS_WORKER": "0"})
        assert out.stdout.strip().splitlines()[-1] == offset, (zone, out.stdout, out.stderr)


def _until(found, seconds: float = 30.0):
    """Poll `found()` until it gives something truthy (or fail after `seconds`)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = found()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("waited in vain")


def _ready(address: str) -> int:
    try:
        with urllib.request.urlopen(f"{address}/healthz/ready", timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_a_dead_consumer_is_started_again_and_the_log_says_so(tmp_path):
    """QA11 #4: a consumer killed (for memory, say) left the queue dead while gunicorn and /healthz said nothing."""
    with _gunicorn(tmp_path, JOBS_IMMEDIATE="0", JOBS_DB=str(tmp_path / "queue.sqlite3"),
                   JOBS_WATCH_SECONDS="0.2") as (address, log):
        master = _server_pid(address)
        (first,) = _until(lambda: _children_running(master, "huey_consumer"))
        _until(lambda: _ready(address) == 200)  # the consumer beat at its start
        os.kill(first, signal.SIGKILL)
        (second,) = _until(lambda: [pid for pid in _children_running(master, "huey_consumer") if pid != first])
        text = _until(lambda: "runs again" in log.read_text() and log.read_text())
        assert f"The job queue's consumer (pid {first}) has ended" in text
        assert _ready(address) == 200
    _until(lambda: not _alive(second), 15)  # and it stops with the server
