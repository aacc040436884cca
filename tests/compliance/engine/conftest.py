"""The engine is pure: its tests need no database, so the suite's per-test emptying of tables is left out here."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _clean_state() -> Iterator[None]:
    """Override tests/conftest.py's: nothing here writes to a database (the wording tests borrow `app` only)."""
    yield
