"""Calendar feeds (ICS): a person's activities in all their communities, or one community's, at a secret URL.

Tokens: the token in a feed's URL is an HMAC-SHA256, keyed with SECRET_KEY, of the feed's owner, community
and `created_at` (to the microsecond); the row stores only the SHA-256 of that token, for the lookup. So the
address can be shown again at any time (it is derived, not kept), the database alone does not give it away
(the key is not in it), and making a new address moves `created_at` on, which changes the token and the
stored hash: the old URL then finds nothing. A lookup also recomputes the token from the row and compares
it in constant time, so a new SECRET_KEY retires every old address (the page then re-stamps the row).

Services take the person explicitly, flush but never commit, and read no request.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

import flask_babel
from flask import current_app
from icalendar import Calendar, Event
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, lazyload

from workspace.activities.models import Activity, CalendarFeed, Mode
from workspace.activities.services import METHOD_LABELS
from workspace.auth.models import LOCALES, User
from workspace.communities.models import Community
from workspace.communities.policy import member_of
from workspace.core.database import utcnow
from workspace.core.errors import NotAllowed
from workspace.core.permissions import can, scope
from workspace.extensions import db

PAST_DAYS = 60  # a feed starts this many days back, so that last month's activities stay in the calendar
MAX_EVENTS = 500  # the earliest 500 from there on: far-off occurrences of a long series wait their turn
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")  # 32 bytes of HMAC, base64url without padding
PRODID = "-//PLC Workspace//Activities//EN"


# --- tokens --------------------------------------------------------------------------------------


def _key() -> bytes:
    secret = current_app.config["SECRET_KEY"]
    key = secret if isinstance(secret, bytes) else str(secret).encode()
    # A key of its own, so that no other signature of the app can ever stand for a feed token.
    return hmac.new(key, b"workspace.calendar-feed", hashlib.sha256).digest()


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def feed_token(feed: CalendarFeed) -> str:
    """Return the secret token of a feed, derived from the row and SECRET_KEY."""
    message = f"{feed.user_id}|{feed.community_id or ''}|{_stamp(feed.created_at)}".encode()
    digest = hmac.new(_key(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _stamp_feed(feed: CalendarFeed, *, after: dt.datetime | None = None) -> str:
    """Give the feed a new creation time (strictly after `after`) and the hash of its new token."""
    now = utcnow()
    if after is not None and now <= after:
        now = after + dt.timedelta(microseconds=1)
    feed.created_at = now
    token = feed_token(feed)
    feed.token_hash = _token_hash(token)
    return token


def _feeds_of(user: User, community: Community | None) -> Select[tuple[CalendarFeed]]:
    community_match = (CalendarFeed.community_id.is_(None) if community is None
                       else CalendarFeed.community_id == community.id)
    return select(CalendarFeed).where(CalendarFeed.user_id == user.id, community_match).order_by(CalendarFeed.id)


def _find_feed(user: User, community: Community | None) -> CalendarFeed | None:
    # NULLs are distinct in the unique constraint, so a race may leave two personal feeds: take the first.
    return db.session.scalar(_feeds_of(user, community).limit(1))


def _check_reader(user: User, community: Community | None) -> None:
    if community is not None and not can(user, "read_activities", community):
        raise NotAllowed(flask_babel.gettext("Only people who read this community's activities have its feed."))


def ensure_feed(user: User, community: Community | None = None) -> CalendarFeed:
    """Return the person's feed (personal when `community` is None), creating it when missing."""
    _check_reader(user, community)
    feed = _find_feed(user, community)
    if feed is not None:
        return feed
    feed = CalendarFeed(user_id=user.id, community_id=community.id if community else None)
    _stamp_feed(feed)
    try:
        with db.session.begin_nested():  # a second tab may create the same feed at the same moment
            db.session.add(feed)
    except IntegrityError:
        feed = _find_feed(user, community)
        if feed is None:
            raise
    return feed


def feed_url_token(user: User, community: Community | None = None) -> str:
    """Return the secret token of the person's feed (personal when `community` is None), creating the feed."""
    feed = ensure_feed(user, community)
    token = feed_token(feed)
    if not hmac.compare_digest(feed.token_hash, _token_hash(token)):
        # SECRET_KEY changed since the feed was made: its old address is dead, give it a new one.
        token = _stamp_feed(feed, after=feed.created_at)
        db.session.flush()
    return token


def regenerate_feed(user: User, community: Community | None = None) -> str:
    """Give the person's feed a new secret token and return it; the old address stops working at once."""
    _check_reader(user, community)
    feed = _find_feed(user, community)
    if feed is None:
        return feed_url_token(user, community)
    for extra in db.session.scalars(_feeds_of(user, community).where(CalendarFeed.id != feed.id)):
        db.session.delete(extra)  # a duplicate left by a race would keep an old address alive
    token = _stamp_feed(feed, after=feed.created_at)
    db.session.flush()
    return token


def feed_for_token(token: str) -> CalendarFeed | None:
    """Return the feed of a token, or None for an unknown, regenerated or malformed one (or a closed account)."""
    if not isinstance(token, str) or not TOKEN_PATTERN.fullmatch(token):
        return None
    # Looking up the SHA-256 leaks nothing through timing: nobody can steer the hash's bytes.
    feed = db.session.scalar(
        select(CalendarFeed).join(User, User.id == CalendarFeed.user_id)
        .where(CalendarFeed.token_hash == _token_hash(token), User.active.is_(True))
    )
    if feed is None or not hmac.compare_digest(feed_token(feed), token):
        return None
    return feed


def feed_owner(feed: CalendarFeed) -> User:
    """Return the person a feed belongs to."""
    owner = db.session.get(User, feed.user_id)
    assert owner is not None  # the foreign key cascades: a feed never outlives its owner
    return owner


def feed_community(feed: CalendarFeed) -> Community | None:
    """Return the community of a community feed, None for a personal feed."""
    if feed.community_id is None:
        return None
    return db.session.get(Community, feed.community_id, options=[lazyload(Community.schools)])


# --- what a feed holds ---------------------------------------------------------------------------


def _feed_communities(feed: CalendarFeed, owner: User) -> list[Community]:
    community = feed_community(feed)
    # The policy decides each time: a person who left (or was made a guest) gets an empty feed, no error.
    if community is not None:
        return [community] if can(owner, "read_activities", community) else []
    # A personal feed: the person's own communities, those whose activities they still read.
    return list(db.session.scalars(
        select(Community).options(lazyload(Community.schools))
        .where(member_of(Community.id, owner), scope(owner, "read_activities", Community)).order_by(Community.id)
    ))


def feed_activities(feed: CalendarFeed, *, now: dt.datetime | None = None) -> list[Activity]:
    """Return the activities the feed's owner may see, from PAST_DAYS ago on, cancelled ones included."""
    owner = feed_owner(feed)
    communities = _feed_communities(feed, owner)
    if not communities:
        return []
    since = (now or utcnow()) - dt.timedelta(days=PAST_DAYS)
    # The community rides along in the same query: url_of() needs its slug.
    return list(db.session.scalars(
        select(Activity).options(joinedload(Activity.community).lazyload(Community.schools))
        .where(Activity.community_id.in_([community.id for community in communities]), Activity.starts_at >= since,
               scope(owner, "view", Activity))  # a pair's private meeting only in the pair's (and conveners') feeds
        .order_by(Activity.starts_at, Activity.id).limit(MAX_EVENTS)
    ))


def feed_name(feed: CalendarFeed) -> str:
    """Return the calendar's name, in the current locale: the community's name, or the person's own."""
    community = feed_community(feed)
    if community is not None:
        return community.name
    return flask_babel.gettext("My PLC activities")


def locale_of(user: User) -> str:
    """Return the language a person reads their feed in (their choice, else the site's default)."""
    return user.locale if user.locale in LOCALES else current_app.config["BABEL_DEFAULT_LOCALE"]


# --- the ICS file --------------------------------------------------------------------------------


def _uid_host() -> str:
    return urlsplit(current_app.config.get("BASE_URL") or "").hostname or "plc-workspace"


def _description(activity: Activity, url: str) -> str:
    gettext = flask_babel.gettext
    lines = [gettext(METHOD_LABELS[activity.method]) if activity.method in METHOD_LABELS else activity.method]
    if activity.cancelled and activity.cancel_reason:
        lines.append(gettext("Cancelled: %(reason)s", reason=activity.cancel_reason_shown))
    if activity.mode == Mode.HYBRID and activity.meeting_url:
        lines.append(gettext("Online: %(url)s", url=activity.meeting_url))
    if activity.agenda.strip():
        lines += ["", activity.agenda.strip()]
    lines += ["", url]
    return "\n".join(lines)


def _location(activity: Activity) -> str:
    if activity.mode == Mode.ONLINE and activity.meeting_url:
        return activity.meeting_url
    return activity.place or activity.meeting_url


def build_ics(activities: Sequence[Activity], *, name: str, url_of: Callable[[Activity], str],
              locale: str | None = None) -> bytes:
    """Write the activities as an iCalendar file (UTF-8, folded lines), labels in `locale` (else the current one)."""
    if locale is not None:
        with flask_babel.force_locale(locale):
            return build_ics(activities, name=name, url_of=url_of)
    gettext = flask_babel.gettext
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", current_app.config["TIMEZONE"])
    calendar.add("refresh-interval", dt.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    host = _uid_host()
    for activity in activities:
        url = url_of(activity)
        event = Event()
        event.add("uid", f"activity-{activity.id}@{host}")
        event.add("dtstamp", (activity.updated_at or activity.created_at or utcnow()).astimezone(dt.UTC))
        event.add("dtstart", activity.starts_at.astimezone(dt.UTC))
        event.add("dtend", activity.ends_at.astimezone(dt.UTC))
        # Many calendar apps show a cancelled event like any other: say it in the title too.
        title = (gettext("Cancelled: %(title)s", title=activity.title) if activity.cancelled
                 else activity.title)
        event.add("summary", title)
        location = _location(activity)
        if location:
            event.add("location", location)
        event.add("description", _description(activity, url))
        event.add("url", url)
        event.add("status", "CANCELLED" if activity.cancelled else "CONFIRMED")
        event.add("sequence", activity.version or 0)
        calendar.add_component(event)
    return calendar.to_ical()


def feed_filename(feed: CalendarFeed) -> str:
    """Return an ASCII file name for the feed's download."""
    community = feed_community(feed)
    return f"{community.slug}.ics" if community is not None else "my-activities.ics"


def render_feed(feed: CalendarFeed, url_of: Callable[[Activity], str]) -> tuple[bytes, str]:
    """Return the ICS body and the file name of a feed, written in its owner's language."""
    # Held here so that the session's identity map answers the helpers' look-ups without a query.
    owner, _community = feed_owner(feed), feed_community(feed)
    with flask_babel.force_locale(locale_of(owner)):
        body = build_ics(feed_activities(feed), name=feed_name(feed), url_of=url_of)
    return body, feed_filename(feed)
