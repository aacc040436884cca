"""What the audit trail says of accounts: the sentences of `user.*` events and the people events name."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select

from workspace.auth.models import User
from workspace.core import audit
from workspace.core.i18n import N_
from workspace.extensions import db

MESSAGES = {
    "user.password_changed": N_("changed the password of %(user)s"),
    "user.reset_link_created": N_("made a password reset link for %(user)s"),
    "user.activated": N_("reactivated the account of %(user)s"),
    "user.deactivated": N_("deactivated the account of %(user)s"),
    "user.admin_granted": N_("made %(user)s a site administrator"),
    "user.admin_revoked": N_("took away the administrator rights of %(user)s"),
    "user.created": N_("created the account of %(user)s"),
    "user.approved": N_("let in the account of %(user)s before its address was confirmed"),
    "user.email_confirmed": N_("confirmed the email address of %(user)s"),
    "user.sessions_ended": N_("logged %(user)s out on %(count)s other devices"),
    "user.school_granted": N_("confirmed that %(user)s belongs to %(name)s"),
    "user.school_refused": N_("turned down the request of %(user)s to join %(name)s"),
    "user.teaching_profile_changed": N_("changed the professional title and subjects of %(user)s"),
}


def user_names(ids: set[int]) -> Mapping[int, str]:
    """The display names of these accounts (one query)."""
    return dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())


def register() -> None:
    """Give the trail this area's sentences and people (an account's own events, and the members others name)."""
    audit.register_messages(MESSAGES)
    audit.register_subject("user", user_names, subject_type="User", data_keys=("user_id", "old_user_id", "new_user_id"))
