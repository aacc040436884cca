"""Demo data: placeholder until the full demo set lands."""

from __future__ import annotations

from collections.abc import Callable


def load_demo_data(only_if_empty: bool = False) -> bool:
    return False


def print_logins(echo: Callable[[str], None]) -> None:
    return None
