"""The accounts' part of the policy: a login (UserSession) is ended by its owner only (an administrator
deactivates the account instead)."""

from __future__ import annotations

from typing import Any

from workspace.auth.models import UserSession
from workspace.core.permissions import register_rule


def login_rule(user: Any, action: str, login: UserSession) -> bool:
    """What a person may do with a login."""
    if action == "end":
        return login.user_id == user.id
    raise ValueError(f"unknown login action {action!r}")


register_rule(UserSession, login_rule)
