"""Notification pages: the list, opening one, marking all read, the bell poll, settings, unsubscribe."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from markupsafe import Markup

from workspace.core.forms import safe_next
from workspace.core.htmx import render_page
from workspace.core.mail import mail_configured
from workspace.core.parsing import arg, parse_number, parse_page
from workspace.core.permissions import public
from workspace.extensions import csrf, db
from workspace.notifications import services
from workspace.notifications.forms import SettingsForm, UnsubscribeForm
from workspace.notifications.models import Notification

bp = Blueprint("notifications", __name__)


@bp.app_template_global()
def unread_notifications() -> int:
    """The signed-in user's unread count for the bell (one query per request, none for visitors)."""
    user = current_user._get_current_object()
    if user is None or not user.is_authenticated:
        return 0
    if "_unread_notifications" not in g:
        g._unread_notifications = services.unread_count(user)
    return g._unread_notifications


@bp.app_template_global()
def describe_notification(notification: Notification) -> Markup:
    """Say in the reader's language what a notification is about, what people wrote in it marked with its
    language (lang="zh-Hant" on an English or 简体 page)."""
    return services.describe_marked(notification)


@bp.app_template_global()
def notification_excerpt(notification: Notification) -> str:
    """A notification's excerpt in the reader's words (a built-in text, e.g. a section's guidance, translated)."""
    return services.excerpt_of(notification)


def _own_notification(notification_id: int) -> Notification:
    """Return the current user's notification, or 404 (someone else's is not known to exist)."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != current_user.id:
        abort(404)
    return notification


@bp.get("/notifications/")
def index():
    """List the user's notifications, newest first, unread ones highlighted."""
    page = services.recent(current_user, page=arg("page", parse_page, 1))
    return render_page("notifications/index.html", "notifications/_list.html", page=page)


@bp.post("/notifications/<int:notification_id>/open")
def open_notification(notification_id: int):
    """Mark a notification read and go to what it is about (only ever a path on this site)."""
    notification = _own_notification(notification_id)
    services.mark_read(notification, current_user)
    db.session.commit()
    target = safe_next(notification.path, url_for("notifications.index"))
    if not target.startswith(request.script_root + "/"):
        target = request.script_root + target  # stored paths are relative to the site's root
    return redirect(target)


@bp.post("/notifications/read-all")
def read_all():
    """Mark every notification of the user as read."""
    count = services.mark_all_read(current_user)
    db.session.commit()
    if count:
        flash(ngettext("%(num)d notification marked as read.", "%(num)d notifications marked as read.", count),
              "success")
    return redirect(url_for("notifications.index"))


@bp.get("/notifications/bell")
def bell():
    """Answer the bell's poll: 204 while the unread count is what the page shows, else the new bell."""
    count = services.unread_count(current_user)
    # A poll's own counter: one that does not parse is an unknown count (the bell is sent), never an error.
    if parse_number(request.args.get("seen")) == count:
        response = Response(status=204)
        response.vary.add("HX-Request")
        return response
    return render_page("notifications/_bell.html", bell_count=count, oob=False)


@bp.get("/notifications/settings")
def settings():
    """Show what the user hears about, and what by email."""
    form = SettingsForm(obj=services.settings_for(current_user))
    return render_page("notifications/settings.html", form=form, mail=mail_configured())


@bp.post("/notifications/settings")
def update_settings():
    """Save what the user hears about."""
    form = SettingsForm()
    if not form.validate():
        return render_page("notifications/settings.html", form=form, mail=mail_configured(), status=422)
    services.update_settings(current_user, notify_replies=form.notify_replies.data,
                             email_mentions=form.email_mentions.data, email_replies=form.email_replies.data,
                             email_reviews=form.email_reviews.data, notify_lessons=form.notify_lessons.data,
                             email_lessons=form.email_lessons.data, notify_deadlines=form.notify_deadlines.data,
                             email_deadlines=form.email_deadlines.data)
    db.session.commit()
    flash(_("Notification settings saved."), "success")
    return redirect(url_for("notifications.settings"))


def _unsubscriber(token: str):
    user = services.user_for_unsubscribe_token(token)
    if user is None:
        abort(404)
    return user


@bp.get("/notifications/unsubscribe/<token>")
@public
def unsubscribe(token: str):
    """Ask the person from an email's link to confirm that they want no more notification emails."""
    person = _unsubscriber(token)
    settings = services.settings_for(person)
    return render_page("notifications/unsubscribe.html", form=UnsubscribeForm(), person=person, token=token,
                       stopped=services.emails_stopped(settings))


@bp.post("/notifications/unsubscribe/<token>")
@public
def confirm_unsubscribe(token: str):
    """Turn off every notification email of the person the link was made for."""
    person = _unsubscriber(token)
    form = UnsubscribeForm()
    if not form.validate():
        return render_page("notifications/unsubscribe.html", form=form, person=person, token=token, stopped=False,
                           status=400)
    services.stop_emails(person)
    db.session.commit()
    flash(_("You will get no more notification emails."), "success")
    return redirect(url_for("notifications.unsubscribe", token=token))


@bp.get("/notifications/unsubscribe/<token>/one-click")
@public
def one_click_unsubscribe_page(token: str):
    """The one-click address opened in a browser (copied from the header): the page that asks first."""
    _unsubscriber(token)
    return redirect(url_for("notifications.unsubscribe", token=token))


@bp.post("/notifications/unsubscribe/<token>/one-click")
@public
@csrf.exempt
def one_click_unsubscribe(token: str):
    """RFC 8058 one-click unsubscribe: the mail program's own button POSTs `List-Unsubscribe=One-Click` here.

    Exempt from CSRF because the mail program sends no cookie and no form token; the signed token in the address is
    what authorises, as on the page, and the only thing it can do is turn emails off. A link checker that opens
    addresses (GET) never unsubscribes anyone: only this POST with its body does.
    """
    person = _unsubscriber(token)
    if request.form.get("List-Unsubscribe") != "One-Click":
        abort(400)
    services.stop_emails(person)
    db.session.commit()
    return Response("Unsubscribed.\n", mimetype="text/plain")
