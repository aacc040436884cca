"""Allowances per person for acts a service counts itself (a new thread, a reply), in the one limiter's storage.

Flask-Limiter (extensions.limiter) guards whole routes with decorators: a request past its limit is answered 429
before the view runs, with the error page. That suits a preview or an export; a form would lose what was typed.
An Allowance counts in the same storage with the same strategy (Redis with REDIS_URL, shared by every worker and
instance; else each worker's memory) under the same key prefix, but the caller asks first (`wait`), acts, and only
then counts the act (`spend`): the refusal is the form again, its text kept, the reason beside it, and a form
refused for another reason costs nothing. Keyed by what the caller gives, a person's id: nobody's requests use up
anybody else's allowance, and a new login does not start a fresh one.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
from dataclasses import dataclass

import limits
from flask import current_app
from flask_babel import format_timedelta

from workspace.extensions import limiter

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Allowance:
    """How many of one act (`scope`) one key (e.g. "user:42") may do per period: `limit` in Flask-Limiter's words
    ("20 per hour", "60 per 10 minutes")."""

    limit: str
    scope: str
    key: str

    @property
    def item(self) -> limits.RateLimitItem:
        return limits.parse(self.limit)

    def _identifiers(self) -> list[str]:
        prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or ""  # what Flask-Limiter puts first too
        return [prefix, self.scope, self.key] if prefix else [self.scope, self.key]

    def wait(self) -> int | None:
        """Seconds until one more is allowed (at least 1), or None while within the allowance. Counts nothing.

        When the storage cannot be reached (Redis away), nobody waits: the allowance slows floods, it guards no
        secret."""
        if not limiter.enabled:
            return None
        item, identifiers = self.item, self._identifiers()
        try:
            if limiter.limiter.test(item, *identifiers):
                return None
            reset, _remaining = limiter.limiter.get_window_stats(item, *identifiers)
        except limiter.storage.base_exceptions as error:
            logger.warning("allowance %s: the limiter's storage is unavailable (%s); not checked", self.scope, error)
            return None
        return max(1, math.ceil(reset - time.time()))

    def spend(self) -> None:
        """Count one act done."""
        if not limiter.enabled:
            return
        try:
            limiter.limiter.hit(self.item, *self._identifiers())
        except limiter.storage.base_exceptions as error:
            logger.warning("allowance %s: the limiter's storage is unavailable (%s); not counted", self.scope, error)

    @property
    def period(self) -> int:
        """The allowance's period in seconds (3600 for "20 per hour")."""
        return self.item.get_expiry()


def duration_words(seconds: float) -> str:
    """A duration in the reader's language, rounded up to the unit said: 3 minutes, 1 小時, 45秒钟."""
    if seconds >= 3600:
        amount = dt.timedelta(hours=math.ceil(seconds / 3600))
    elif seconds >= 60:
        amount = dt.timedelta(minutes=math.ceil(seconds / 60))
    else:
        amount = dt.timedelta(seconds=max(math.ceil(seconds), 1))
    return format_timedelta(amount, threshold=1)
