"""The discussion board: threads, replies, mentions, unread tracking and moderation."""

from workspace.discussions import policy  # noqa: F401  (registers the area's rules before any can() on its models)
from workspace.discussions.routes import bp

__all__ = ["bp"]
