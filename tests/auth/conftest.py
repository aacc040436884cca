"""Fixtures of the account tests: a real argon2 hasher that counts its password checks, a local SMTP server."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from tests.test_mail import smtp  # noqa: F401 - the local SMTP server, for the reset links mailed here
from workspace.auth import services


class CountingHasher(PasswordHasher):
    """A real argon2 hasher (the cheap test profile) that counts the password checks it makes."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.verified: list[str] = []

    def verify(self, hash, password):
        self.verified.append(hash)
        return super().verify(hash, password)


@pytest.fixture()
def counting(app, monkeypatch) -> CountingHasher:
    """Make every password check of the app go through a CountingHasher."""
    hasher = CountingHasher()
    monkeypatch.setitem(services._HASHERS, "counting", hasher)
    monkeypatch.setitem(app.config, "PASSWORD_HASH_PROFILE", "counting")
    return hasher
