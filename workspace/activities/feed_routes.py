"""Calendar feed pages: the addresses of a member's feeds, making new ones, and the ICS feed itself.

The feed is public (calendar apps do not log in): its secret URL is the credential, so it never sets a
cookie and answers 404 for any token it does not know, regenerated ones included.
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from workspace.activities import feeds
from workspace.activities.models import Activity
from workspace.activities.routes import bp
from workspace.communities.access import load_community
from workspace.core.htmx import render_page
from workspace.core.permissions import public
from workspace.core.urls import external_url
from workspace.extensions import db


def _feed_url(token: str) -> str:
    return external_url("activities.calendar_feed", token=token)


@bp.get("/c/<slug>/activities/feed")
def show_feeds(slug: str):
    """The secret addresses of this community's feed and of the person's own feed, with how to subscribe."""
    community = load_community(slug, "read_activities")
    community_url = _feed_url(feeds.feed_url_token(current_user, community))
    personal_url = _feed_url(feeds.feed_url_token(current_user))
    db.session.commit()  # the first visit creates the feeds
    return render_page("activities/feeds.html", community=community, community_url=community_url,
                       personal_url=personal_url)


@bp.post("/c/<slug>/activities/feed/regenerate")
def regenerate_feed(slug: str):
    """Make a new address for the community feed or the personal feed; the old one stops working."""
    community = load_community(slug, "read_activities")
    which = request.form.get("which")
    if which not in {"community", "personal"}:
        abort(400)
    feeds.regenerate_feed(current_user, community if which == "community" else None)
    db.session.commit()
    flash(_("The new address is ready. Calendars subscribed to the old one no longer update."), "success")
    return redirect(url_for("activities.show_feeds", slug=slug) + f"#feed-{which}")


@bp.get("/calendar/<token>.ics")
@public
def calendar_feed(token: str):
    """The ICS feed behind a secret address (no login, no cookie)."""
    feed = feeds.feed_for_token(token)
    if feed is None:
        # Plain text, not the HTML error page: that page's form token would set a session cookie.
        return Response(_("This calendar address is unknown or was replaced by a new one."), 404,
                        mimetype="text/plain")

    def url_of(activity: Activity) -> str:
        return external_url("activities.show", slug=activity.community.slug, activity_id=activity.id)

    body, filename = feeds.render_feed(feed, url_of)
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "private, max-age=300"
    return response
