"""What every template can use: the policy, labels, local dates, the language switcher, events."""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from flask_babel import get_locale
from flask_login import current_user

from workspace.communities.labels import community_type_label, role_label
from workspace.core.i18n import HTML_LANG, LOCALE_NAMES, LOCALES, N_, gettext, local_date, local_datetime
from workspace.core.permissions import can

HTMX_SCRIPT = "vendor/htmx-2.0.11.min.js"


def current_locale() -> str:
    locale = get_locale()
    return str(locale) if locale else "zh_Hant"


EVENT_MESSAGES = {
    "community.created": N_("created the community"),
    "community.archived": N_("archived the community"),
    "community.unarchived": N_("brought the community back from the archive"),
    "community.renamed_address": N_("changed the web address"),
    "community.convenership_transferred": N_("transferred the convenership"),
    "membership.role_changed": N_("changed a member's role to %(role)s"),
    "membership.evaluation_flag": N_("changed a member's evaluation-programme flag"),
    "membership.removed": N_("removed a member"),
    "membership.left": N_("left the community"),
    "invitation.created": N_("created an invitation (%(role)s)"),
    "invitation.accepted": N_("joined the community as %(role)s"),
    "invitation.revoked": N_("withdrew an invitation"),
    "school.saved": N_("saved a school"),
    "user.password_changed": N_("changed a password"),
    "user.reset_link_created": N_("made a password reset link"),
    "user.activated": N_("reactivated an account"),
    "user.deactivated": N_("deactivated an account"),
    "user.admin_granted": N_("made someone a site administrator"),
    "user.admin_revoked": N_("took away administrator rights"),
    "user.created": N_("created an account"),
    "user.approved": N_("let in an account waiting for its address to be confirmed"),
    "user.email_confirmed": N_("confirmed their email address"),
    "user.sessions_ended": N_("logged out on every other device"),
    "user.school_granted": N_("set the school of an account: %(name)s"),
    "user.school_refused": N_("turned down a request to join %(name)s"),
    "school.domain_added": N_("registered the email domain %(name)s for a school"),
    "school.domain_removed": N_("removed the email domain %(name)s of a school"),
    "reviewer_scope.granted": N_("gave reviewer access"),
    "reviewer_scope.revoked": N_("took away reviewer access"),
    "resource.trashed": N_("moved a resource to the trash: %(title)s"),
    "resource.restored": N_("restored a resource: %(title)s"),
    "resource.purged": N_("deleted a resource for good: %(title)s"),
    "discussions.category_added": N_("added the board section %(name)s"),
    "discussions.category_changed": N_("changed the board section %(name)s"),
    "discussions.category_deleted": N_("removed the board section %(name)s"),
    "discussions.pinned": N_("pinned the thread %(title)s"),
    "discussions.unpinned": N_("unpinned the thread %(title)s"),
    "discussions.locked": N_("locked the thread %(title)s"),
    "discussions.unlocked": N_("unlocked the thread %(title)s"),
    "discussions.moved": N_("moved the thread %(title)s to %(after)s"),
    "discussions.post_edited": N_("edited someone else's post"),
    "discussions.post_deleted": N_("deleted someone else's post"),
    "discussions.post_restored": N_("restored a deleted post"),
    "discussions.reported": N_("reported a post"),
    "discussions.report_resolved": N_("dealt with a reported post"),
    "activity.cancelled": N_("cancelled the activity %(title)s"),
    "activity.reinstated": N_("took back the cancellation of %(title)s"),
    "attendance.changed": N_("changed the attendance of %(name)s at %(title)s from %(before)s to %(after)s"),
    "evidence.removed": N_("removed a file from %(title)s"),
    "evidence.restored": N_("put a file back into %(title)s"),
    "monthly_plan.submitted": N_("submitted a monthly plan"),
    "plans.created": N_("started the plan %(title)s"),
    "plans.status_changed": N_("marked the plan %(title)s as %(status)s"),
    "plans.adapted": N_("made an adaptation of the plan %(title)s"),
    "plans.new_round": N_("started a new round of the plan %(title)s"),
    "plans.published": N_("published the plan %(title)s to the library"),
    "plans.deleted": N_("moved the plan %(title)s to the trash"),
    "plans.restored": N_("restored the plan %(title)s"),
    "plans.template_created": N_("created the plan template %(name)s"),
    "plans.template_deleted": N_("removed the plan template %(name)s"),
}
# Values an event message may name, taken from the event's data (user text: escaped by the template).
_EVENT_FIELDS = ("title", "name", "after")


def describe_event(event: Any) -> str:
    """Say in the user's language what an audit event records."""
    message = EVENT_MESSAGES.get(event.action)
    if message is None:
        return event.action
    data = event.data or {}
    if "%(role)s" in message:
        return gettext(message, role=role_label(data.get("new") or data.get("role") or ""))
    fields = {name: gettext("“%(text)s”", text=data.get(name) or "…")  # 「…」 in Traditional Chinese
              for name in _EVENT_FIELDS if f"%({name})s" in message}
    if "%(before)s" in message:  # an attendance status, named in the reader's language
        from workspace.activities.services import STATUS_LABELS

        for key in ("before", "after"):
            label = STATUS_LABELS.get(data.get(key) or "")
            fields[key] = gettext(label) if label else gettext("not marked")
    if "%(status)s" in message:  # a plan's status, named in the reader's language
        from workspace.plans.services import STATUS_LABELS as PLAN_STATUS_LABELS

        label = PLAN_STATUS_LABELS.get(data.get("status") or "")
        fields["status"] = gettext(label) if label else "…"
    return gettext(message, **fields) if fields else gettext(message)


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
        # The user object itself, not the proxy: a page reads `user` dozens of times.
        return {"user": current_user._get_current_object(),
                "current_path": request.full_path.rstrip("?") if request else "/"}
