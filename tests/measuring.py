"""Counting the SQL statements of a page, the one way every query-count test does it."""

from __future__ import annotations

from typing import Any


def measure(client: Any, count_queries: Any, path: str, status: int = 200, **kwargs: Any) -> int:
    """The statements one GET of `path` runs, after a first request (a client's first request loads what
    later ones keep: the CSRF token in the session, the user)."""
    client.get(path, **kwargs)
    with count_queries() as queries:
        response = client.get(path, **kwargs)
    assert response.status_code == status, path
    return len(queries)
