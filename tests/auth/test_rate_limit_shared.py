"""With REDIS_URL, the per-address limits are shared by every worker process: the login throttle's count of
failed logins from an address (auth/throttle.py) and Flask-Limiter's limit on reset requests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REDIS = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

WORKER = textwrap.dedent("""
    import os, re, sys
    from workspace import create_app
    from workspace.extensions import db
    from flask_migrate import upgrade
    app = create_app({"TESTING": False, "PASSWORD_HASH_PROFILE": "fast", "SQLALCHEMY_DATABASE_URI": os.environ["DB"],
                      "LOGIN_RATE_LIMIT_PER_ADDRESS": "3 per 10 minutes", "REDIS_PREFIX": os.environ["PREFIX"]})
    with app.app_context():
        upgrade()
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    form = {"csrf_token": token, "password": "wrong password"}
    count = int(sys.argv[1])
    emails = [sys.argv[3]] * count if len(sys.argv) > 3 else [f"x{i}@school.test" for i in range(count)]
    codes = [client.post(sys.argv[2], data={**form, "email": email},
                         environ_base={"REMOTE_ADDR": "10.9.8.7"}).status_code for email in emails]
    print(" ".join(map(str, codes)))
""")


def _redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def _worker(tmp_path: Path, attempts: int, prefix: str, path: str = "/login", email: str | None = None) -> list[int]:
    env = {**os.environ, "REDIS_URL": REDIS, "INSTANCE_DIR": str(tmp_path), "SECRET_KEY": "k" * 32,
           "DB": f"sqlite:///{tmp_path / 'shared.sqlite3'}", "PREFIX": prefix}
    result = subprocess.run([sys.executable, "-c", WORKER, str(attempts), path, *([email] if email else [])],
                            cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return [int(code) for code in result.stdout.split()]


def test_two_worker_processes_share_the_limit(tmp_path):
    if not _redis_reachable():
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail("REQUIRE_REDIS=1 but Redis is not reachable on 127.0.0.1:6379")
        pytest.skip("Redis is not reachable on 127.0.0.1:6379 (REQUIRE_REDIS=1 makes this fail)")
    prefix = f"test-{uuid.uuid4().hex}"
    first = _worker(tmp_path, 3, prefix)
    assert first == [422, 422, 422]
    # Another process sees the first one's count: the address is past its ceiling, so an account that failed from
    # it waits from its first failure (its own two failures alone are still within the free tries).
    second = _worker(tmp_path, 2, prefix, email="x0@school.test")
    assert second[-1] == 429


def test_two_worker_processes_share_the_limit_on_reset_requests(tmp_path):
    if not _redis_reachable():
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail("REQUIRE_REDIS=1 but Redis is not reachable on 127.0.0.1:6379")
        pytest.skip("Redis is not reachable on 127.0.0.1:6379 (REQUIRE_REDIS=1 makes this fail)")
    prefix = f"test-{uuid.uuid4().hex}"
    assert _worker(tmp_path, 3, prefix, "/forgot", email="x0@school.test") == [200, 200, 200]
    assert _worker(tmp_path, 1, prefix, "/forgot", email="x0@school.test") == [429]
    assert _worker(tmp_path, 1, prefix, "/forgot", email="x1@school.test") == [200]  # per address and account


def test_two_installations_on_one_redis_keep_apart(tmp_path):
    """REDIS_PREFIX: two installations sharing one Redis database count their limits and failed logins apart, and
    every key they write starts with their own prefix."""
    if not _redis_reachable():
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail("REQUIRE_REDIS=1 but Redis is not reachable on 127.0.0.1:6379")
        pytest.skip("Redis is not reachable on 127.0.0.1:6379 (REQUIRE_REDIS=1 makes this fail)")
    import redis

    first, second = f"test-{uuid.uuid4().hex}", f"test-{uuid.uuid4().hex}"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert _worker(tmp_path / "a", 3, first, "/forgot", email="x0@school.test") == [200, 200, 200]
    assert _worker(tmp_path / "a", 1, first, "/forgot", email="x0@school.test") == [429]
    assert _worker(tmp_path / "b", 1, second, "/forgot", email="x0@school.test") == [200]  # not the other's count
    assert _worker(tmp_path / "a", 2, first, "/login", email="x0@school.test") == [422, 422]
    client = redis.Redis.from_url(REDIS)
    written = [key.decode() for key in client.scan_iter(f"*{first}*")]
    assert any(":login:" in key for key in written) and any("LIMITER" in key for key in written)
    assert all(key.startswith(f"{first}:") or f"LIMITER/{first}" in key for key in written)
    assert not [key for key in client.scan_iter(f"*{second}*") if b":login:" in key]  # b never failed a login
