"""Accounts: users, login, registration, invitations' sign-up path, password reset, language."""

from workspace.auth import policy  # noqa: F401  (registers the area's rules before any can() on its models)
from workspace.auth.routes import bp

__all__ = ["bp"]
