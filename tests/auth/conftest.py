"""Fixtures of the account tests: the local SMTP server of tests/test_mail.py, shared rather than copied."""

from __future__ import annotations

from tests.test_mail import smtp  # noqa: F401 - a fixture, made available to every test here
