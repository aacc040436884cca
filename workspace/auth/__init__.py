"""Accounts: users, login, registration, invitations' sign-up path, password reset, language."""

from workspace.auth.routes import bp

__all__ = ["bp"]
