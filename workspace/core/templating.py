"""What every template can use: the policy, labels, local dates, the language switcher, events."""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from workspace.communities.labels import community_type_label, role_label
from workspace.core.i18n import HTML_LANG, LOCALE_NAMES, LOCALES, local_date, local_datetime
from workspace.core.permissions import can

HTMX_SCRIPT = "vendor/htmx-2.0.11.min.js"


def current_locale() -> str:
    locale = get_locale()
    return str(locale) if locale else "zh_Hant"


def describe_event(event: Any) -> str:
    """Say in the user's language what an audit event records."""
    data = event.data or {}
    role = role_label(data.get("new") or data.get("role") or "")
    messages = {
        "community.created": _("created the community"),
        "community.archived": _("archived the community"),
        "community.unarchived": _("brought the community back from the archive"),
        "community.renamed_address": _("changed the web address"),
        "community.convenership_transferred": _("transferred the convenership"),
        "membership.role_changed": _("changed a member's role to %(role)s", role=role),
        "membership.evaluation_flag": _("changed a member's evaluation-programme flag"),
        "membership.removed": _("removed a member"),
        "membership.left": _("left the community"),
        "invitation.created": _("created an invitation (%(role)s)", role=role),
        "invitation.accepted": _("joined the community as %(role)s", role=role),
        "invitation.revoked": _("withdrew an invitation"),
        "school.saved": _("saved a school"),
        "user.password_changed": _("changed a password"),
        "user.reset_link_created": _("made a password reset link"),
        "user.activated": _("reactivated an account"),
        "user.deactivated": _("deactivated an account"),
        "user.admin_granted": _("made someone a site administrator"),
        "user.admin_revoked": _("took away administrator rights"),
        "reviewer_scope.granted": _("gave reviewer access"),
        "reviewer_scope.revoked": _("took away reviewer access"),
    }
    return messages.get(event.action, event.action)


def install(app: Flask) -> None:
    """Expose the shared helpers to every template."""
    app.jinja_env.globals.update(
        can=can,
        current_locale=current_locale,
        LOCALES=LOCALES,
        LOCALE_NAMES=LOCALE_NAMES,
        html_lang=lambda: HTML_LANG.get(current_locale(), "zh-Hant"),
        role_label=role_label,
        community_type_label=community_type_label,
        describe_event=describe_event,
        htmx_script=HTMX_SCRIPT,
    )
    app.jinja_env.filters.update(datetime=local_datetime, date=local_date)

    @app.context_processor
    def _request_context() -> dict[str, Any]:
        return {"user": current_user, "current_path": request.full_path.rstrip("?") if request else "/"}
