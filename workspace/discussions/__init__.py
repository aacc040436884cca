"""The discussion board: threads, replies, mentions, unread tracking and moderation."""

from workspace.discussions.routes import bp

__all__ = ["bp"]
