"""Explain a slow page: count its SQL queries and profile one request in-process (python -m bench.profile [PATH])."""

from __future__ import annotations

import cProfile
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import event

from bench.seed import HOME_SLUG, bench_env, seed


def main(paths: list[str]) -> int:
    """Seed a database, log in with the test client, then time, count and profile each path."""
    from workspace import create_app
    from workspace.extensions import db

    with tempfile.TemporaryDirectory(prefix="workspace-bench-") as tmp:
        env = bench_env(Path(tmp))
        os.environ.update(env)  # create_app reads the environment before the overrides
        seeded = seed(env)
        app = create_app({"WTF_CSRF_ENABLED": False, "SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"]})
        client = app.test_client()
        answer = client.post("/login", data={"email": seeded.email, "password": seeded.password})
        if answer.status_code != 302:
            print(f"login answered {answer.status_code}", file=sys.stderr)
            return 2
        statements: list[str] = []
        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute",
                     lambda _c, _cur, statement, *_rest: statements.append(statement))
        for path in paths or ["/healthz", "/", f"/c/{HOME_SLUG}/"]:
            for _ in range(5):  # warm: templates compiled, statement cache filled
                client.get(path)
            statements.clear()
            started = time.perf_counter()
            response = client.get(path)
            elapsed = (time.perf_counter() - started) * 1000
            print(f"\n== {path}: {response.status_code}, {len(response.data)} bytes, {elapsed:.1f} ms, "
                  f"{len(statements)} SQL statements")
            for statement in statements:
                print("   ", " ".join(statement.split())[:160])
            profiler = cProfile.Profile()
            profiler.enable()
            client.get(path)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
