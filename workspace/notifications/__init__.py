"""Notifications: the bell, the list, per-user settings and batched email."""

from workspace.notifications.routes import bp

__all__ = ["bp"]
