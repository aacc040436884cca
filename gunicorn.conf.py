"""gunicorn's settings for `make run` and for deployments (`gunicorn -c gunicorn.conf.py wsgi:app`).

Read from the same environment variables as the app. Two choices matter for safety and for reading the logs:
- gunicorn by default believes X-Forwarded-Proto (and friends) from 127.0.0.1, so anyone who can reach the
  port locally could claim HTTPS. It trusts forwarded headers only with BEHIND_PROXY=1, and then only from
  FORWARDED_ALLOW_IPS (default the local proxy, 127.0.0.1 and ::1).
- The access log (a line per request, live polls included) is off unless ACCESS_LOG=1; errors and start-up
  messages still go to the terminal.
"""

import os
import subprocess
import sys
import threading
import time

from workspace.config import _bool as flag

# The server's processes (and the job consumer started below, which inherits this) run on the deployment's clock,
# TIMEZONE, whatever zone the machine is set to (often UTC): what the standard library dates from the local clock
# (a ZIP entry's time in the evidence pack, the log's lines) then reads as the school's, as the pages do.
os.environ["TZ"] = os.environ.get("TIMEZONE") or "Asia/Taipei"
time.tzset()

bind = f"{os.environ.get('HOST') or '127.0.0.1'}:{os.environ.get('PORT') or '5000'}"
workers = int(os.environ.get("WORKERS") or 2)
threads = int(os.environ.get("THREADS") or 4)
forwarded_allow_ips = (os.environ.get("FORWARDED_ALLOW_IPS") or "127.0.0.1,::1") if flag("BEHIND_PROXY", False) else ""
accesslog = "-" if flag("ACCESS_LOG", False) else None
# gunicorn 27's control socket sits at one path per user (~/.gunicorn/gunicorn.ctl): two installations run by one
# account (a county hosting two) would share it, and nothing here uses it.
control_socket_disable = True

# The job queue's consumer (background exports, notification emails, emptying the trash) runs beside the web server,
# so `make run` is all a school starts. JOBS_WORKER=0 leaves it out (a deployment that runs `huey_consumer
# workspace.tasks.huey` as its own service, or several web servers sharing one Redis queue with one consumer).
# A watchdog thread in gunicorn's master starts it again when it dies (killed for memory, a crash): gunicorn itself
# would go on serving with a dead queue and say nothing. It checks every JOBS_WATCH_SECONDS (5) and waits longer
# (doubling up to 5 minutes) while the consumer keeps dying within a minute of its start.
_consumer = None
_consumer_lock = threading.Lock()
_stopping = threading.Event()
_RESTART_DELAY_MAX = 300.0
_STABLE_AFTER = 60.0  # a consumer that ran this long died of something new: start it again at once


def _start_consumer():
    command = [sys.executable, "-m", "huey.bin.huey_consumer", "workspace.tasks.huey",
               "--workers", os.environ.get("JOBS_WORKERS") or "2", "--worker-type", "thread",
               "--quiet", "--flush-locks"]
    return subprocess.Popen(command)  # noqa: S603 - our own interpreter and module, no outside input


def _shutting_down(server):
    # gunicorn's stop() empties LISTENERS first: a consumer ending then was stopped with the server (systemd sends
    # SIGTERM to the whole group), not lost.
    return _stopping.is_set() or not server.LISTENERS


def _watch_consumer(server):
    """Start the consumer again whenever it has ended, and say so in the log (an error: jobs stopped meanwhile)."""
    global _consumer
    interval = float(os.environ.get("JOBS_WATCH_SECONDS") or 5)
    delay = 0.0
    started = time.monotonic()
    while not _stopping.wait(interval):
        with _consumer_lock:
            if _consumer is None or _consumer.poll() is None:
                continue
            pid = _consumer.pid
        if _stopping.wait(max(interval, 1.0)) or _shutting_down(server):
            return
        ran = time.monotonic() - started
        delay = 0.0 if ran >= _STABLE_AFTER else min(max(delay * 2, interval), _RESTART_DELAY_MAX)
        server.log.error("The job queue's consumer (pid %s) has ended after %.0f s; starting it again%s", pid, ran,
                         f" in {delay:.0f} s" if delay else "")
        if delay and _stopping.wait(delay):
            return
        with _consumer_lock:
            if _shutting_down(server):
                return
            _consumer = _start_consumer()
            started = time.monotonic()
            server.log.error("The job queue's consumer runs again (pid %s)", _consumer.pid)


def on_starting(server):
    global _consumer
    if not flag("JOBS_WORKER", True) or flag("JOBS_IMMEDIATE", False):
        return
    _consumer = _start_consumer()
    threading.Thread(target=_watch_consumer, args=(server,), name="consumer-watchdog", daemon=True).start()


def on_exit(server):
    _stopping.set()
    with _consumer_lock:
        if _consumer is not None and _consumer.poll() is None:
            _consumer.terminate()
            try:
                _consumer.wait(timeout=15)
            except subprocess.TimeoutExpired:
                _consumer.kill()
