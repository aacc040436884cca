"""Allowances counted in the limiter's storage by the caller: asked first, counted only once the act is done."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from workspace.core.ratelimit import Allowance, duration_words


def test_an_allowance_counts_only_what_is_spent_and_says_how_long_to_wait(ctx):
    allowance = Allowance("2 per hour", "test-acts", "user:1")
    assert allowance.wait() is None
    assert allowance.wait() is None  # asking counts nothing
    allowance.spend()
    allowance.spend()
    wait = allowance.wait()
    assert wait is not None and 3500 < wait <= 3600
    assert allowance.period == 3600


def test_each_key_and_each_scope_has_its_own_allowance(ctx):
    mine = Allowance("1 per hour", "test-acts", "user:1")
    mine.spend()
    assert mine.wait() is not None
    assert Allowance("1 per hour", "test-acts", "user:2").wait() is None  # another person
    assert Allowance("1 per hour", "other-acts", "user:1").wait() is None  # another kind of act


def test_a_switched_off_limiter_lets_everything_through(app, ctx, monkeypatch):
    from workspace.extensions import limiter

    monkeypatch.setattr(limiter, "enabled", False)
    allowance = Allowance("1 per hour", "test-acts", "user:1")
    allowance.spend()
    assert allowance.wait() is None


@pytest.mark.parametrize(("seconds", "locale", "words"), [
    (3600, "en", "1 hour"), (3599, "en", "1 hour"), (61, "en", "2 minutes"), (0.2, "en", "1 second"),
    (600, "zh_Hant", "10 分鐘"), (5400, "zh_Hans", "2小时"),
])
def test_durations_are_said_in_the_readers_language_rounded_up(ctx, seconds, locale, words):
    with force_locale(locale):
        assert duration_words(seconds) == words
