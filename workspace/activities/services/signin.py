"""Sign-in: its window, the QR token and its rotation, scan receipts and self sign-in."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from workspace.activities.models import Activity, Attendance, AttendanceStatus
from workspace.activities.records import ATTENDED
from workspace.activities.services._common import LATE_AFTER, SIGN_IN_CLOSES, SIGN_IN_OPENS, marked_ahead
from workspace.auth.models import User
from workspace.core.database import utcnow
from workspace.core.errors import DomainError, NotAllowed, ValidationError
from workspace.core.i18n import local_moment
from workspace.core.parsing import shifted
from workspace.core.permissions import can
from workspace.extensions import db

# --- sign-in -------------------------------------------------------------------------------------


# The code on the board changes every few seconds (a time step, as in TOTP): a token names its activity,
# community, the activity's nonce (voided by "New code") and its step, and is taken until its step is over plus
# a grace. Someone who scanned in time keeps that moment through a *scan receipt*: signed by the server, it
# records when the code was checked and who holds it (the person logged in, or, for a visitor sent to log in
# first, a random value in a cookie of the browser that scanned), and holds for SIGN_IN_LOGIN_MINUTES.


class CodeExpired(ValidationError):
    """A genuine code of the activity, scanned after its grace: the person should scan the screen again."""


@dataclass(frozen=True)
class SignInPurpose:
    """What a sign-in link in a login's `next` is for: the activity's title and community when its code is good."""

    title: str | None = None
    community: str | None = None


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="activity-sign-in")


def _receipts() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="activity-sign-in-scan")


def code_seconds() -> int:
    """How long each code is shown on the board (SIGN_IN_CODE_SECONDS, at least 1)."""
    return max(1, int(current_app.config.get("SIGN_IN_CODE_SECONDS", 15)))


def code_grace() -> dt.timedelta:
    """How long a code is still taken after the board replaced it (SIGN_IN_CODE_GRACE_SECONDS)."""
    return dt.timedelta(seconds=max(0, int(current_app.config.get("SIGN_IN_CODE_GRACE_SECONDS", 45))))


def login_grace() -> dt.timedelta:
    """How long a scan made in time stays good while the person logs in (SIGN_IN_LOGIN_MINUTES)."""
    return dt.timedelta(minutes=max(0, int(current_app.config.get("SIGN_IN_LOGIN_MINUTES", 10))))


def code_step(now: dt.datetime | None = None) -> int:
    """The number of the board's time step at `now` (steps of code_seconds() since the Unix epoch)."""
    return math.floor((now or utcnow()).timestamp()) // code_seconds()


def code_replaced_at(step: int) -> dt.datetime:
    """When the code of `step` leaves the board (the next step begins)."""
    return dt.datetime.fromtimestamp((step + 1) * code_seconds(), dt.UTC)


def sign_in_token(activity: Activity, now: dt.datetime | None = None) -> str:
    """The token in the QR code at `now`: signed, naming the activity, its community, its nonce and the step."""
    return _serializer().dumps({"a": activity.id, "c": activity.community_id, "n": activity.sign_in_nonce,
                                "s": code_step(now)})


def sign_in_window(activity: Activity) -> tuple[dt.datetime, dt.datetime]:
    """When QR sign-in opens and closes (UTC): SIGN_IN_OPENS before the start, SIGN_IN_CLOSES after the end."""
    return shifted(activity.starts_at, -SIGN_IN_OPENS), shifted(activity.ends_at, SIGN_IN_CLOSES)


def sign_in_state(activity: Activity, now: dt.datetime | None = None) -> str:
    """What the board shows at `now`: "cancelled", "upcoming" (before the window), "open" or "closed"."""
    if activity.cancelled:
        return "cancelled"
    now = now or utcnow()
    opens, closes = sign_in_window(activity)
    if now < opens:
        return "upcoming"
    return "open" if now <= closes else "closed"


def _token_data(token: str) -> dict[str, Any] | None:
    try:
        data = _serializer().loads(token or "")
    except BadSignature:
        return None
    return data if isinstance(data, dict) else None


def token_names(activity: Activity, token: str) -> bool:
    """Whether the token is a genuine code of this activity (whatever its window, step or nonce)."""
    data = _token_data(token)
    return data is not None and data.get("a") == activity.id and data.get("c") == activity.community_id


def check_token(activity: Activity, token: str, now: dt.datetime | None = None) -> None:
    """Refuse a token that is forged, made for another activity or community, voided, used outside the
    window, or scanned after its grace (CodeExpired). `now` is the moment of the scan."""
    data = _token_data(token)
    if data is None:
        raise ValidationError(str(_l("This sign-in code is not valid. Scan the code on the screen again.")))
    if data.get("a") != activity.id or data.get("c") != activity.community_id:
        raise ValidationError(str(_l("This sign-in code belongs to another activity.")))
    if data.get("n") != activity.sign_in_nonce:
        raise ValidationError(str(_l("This sign-in code has been replaced. Scan the code on the screen again.")))
    if activity.cancelled:
        raise ValidationError(str(_l("This activity was cancelled.")))
    now = now or utcnow()
    opens, closes = sign_in_window(activity)
    if now < opens:
        raise ValidationError(str(_l("Sign-in opens at %(when)s.", when=local_moment(opens))))
    if now > closes:
        raise ValidationError(str(_l("Sign-in closed at %(when)s. Ask the convener to mark you.",
                                     when=local_moment(closes))))
    step = data.get("s")
    # A code from before rotation (no step) or from a step not begun (a forged clock) is as stale as an old one.
    if (not isinstance(step, int) or isinstance(step, bool) or step > code_step(now) + 1
            or now > code_replaced_at(step) + code_grace()):
        raise CodeExpired(str(_l("This code has expired: the code on the screen changes every few seconds. "
                                 "Scan the code on the screen again.")))


def browser_mark(browser: str) -> str:
    """What a scan receipt keeps of a browser's scan cookie: a digest, so the link alone does not carry it."""
    return hashlib.sha256(("activity-sign-in-browser:" + browser).encode()).hexdigest()[:32]


def scan_receipt(activity: Activity, token: str, *, user: User | None = None, browser: str = "",
                 now: dt.datetime | None = None) -> str:
    """A signed record that the token was good at `now`, held by `user` (or, for a visitor, the browser).

    Raises the token's refusal when it is not good at `now`.
    """
    now = now or utcnow()
    check_token(activity, token, now)
    if user is None and not browser:
        raise ValueError("a scan receipt needs a holder: the user or the browser")
    data = _token_data(token) or {}
    return _receipts().dumps({"a": activity.id, "n": data.get("n"), "s": data.get("s"),
                              "at": math.floor(now.timestamp()), "u": user.id if user is not None else None,
                              "b": browser_mark(browser) if user is None else None})


def _read_receipt(activity: Activity, token: str, receipt: str, now: dt.datetime) -> dict[str, Any] | None:
    """The receipt's data when it is genuine, names this very code, and is no older than login_grace()."""
    if not receipt:
        return None
    try:
        data = _receipts().loads(receipt)
    except BadSignature:
        return None
    code = _token_data(token)
    if not isinstance(data, dict) or code is None or not isinstance(data.get("at"), int):
        return None
    if (data.get("a"), data.get("n"), data.get("s")) != (activity.id, code.get("n"), code.get("s")):
        return None
    scanned = dt.datetime.fromtimestamp(data["at"], dt.UTC)
    if scanned > now + dt.timedelta(seconds=5) or now - scanned > login_grace():
        return None
    return data


def scan_moment(activity: Activity, token: str, receipt: str, *, actor: User, browser: str = "",
                now: dt.datetime | None = None) -> dt.datetime:
    """The moment the code counts from: the receipt's when it is good and the actor holds it, else `now`."""
    now = now or utcnow()
    data = _read_receipt(activity, token, receipt, now)
    if data is None:
        return now
    held = (data.get("u") == actor.id if data.get("u") is not None
            else bool(browser) and hmac.compare_digest(str(data.get("b") or ""), browser_mark(browser)))
    return dt.datetime.fromtimestamp(data["at"], dt.UTC) if held else now


def sign_in_purpose(target: str, now: dt.datetime | None = None) -> SignInPurpose | None:
    """What a login's `next` address is for when it is a sign-in link: None for any other address.

    The title and community are told only while the link's code is good (or was, in its receipt), so a guessed
    or old link teaches nothing the person could not already see.
    """
    from werkzeug.exceptions import HTTPException

    parts = urlsplit(target or "")
    try:
        endpoint, args = current_app.url_map.bind("localhost").match(parts.path, method="GET")
    except HTTPException:
        return None
    if endpoint != "activities.sign_in_page":
        return None
    query = parse_qs(parts.query)
    token, receipt = (query.get("t") or [""])[0], (query.get("r") or [""])[0]
    if not 0 < args["activity_id"] < 2**63:  # no such row, and the database would refuse the number
        return SignInPurpose()
    activity = db.session.get(Activity, args["activity_id"])
    if activity is None or activity.community.slug != args["slug"]:
        return SignInPurpose()
    now = now or utcnow()
    data = _read_receipt(activity, token, receipt, now)
    moment = dt.datetime.fromtimestamp(data["at"], dt.UTC) if data else now
    try:
        check_token(activity, token, moment)
    except DomainError:
        return SignInPurpose()
    return SignInPurpose(activity.title, activity.community.name)


def sign_in(activity: Activity, token: str, *, actor: User, receipt: str = "", browser: str = "",
            now: dt.datetime | None = None) -> Attendance:
    """Sign the actor in with the QR code's token: present, or late after start + 10 minutes.

    The code is checked at the moment of the scan (a receipt the actor holds, else `now`), and that moment is
    recorded. Only oneself can be signed in this way; a second sign-in changes nothing; a non-member is refused.
    """
    now = now or utcnow()
    moment = scan_moment(activity, token, receipt, actor=actor, browser=browser, now=now)
    check_token(activity, token, moment)
    if not can(actor, "sign_in", activity):
        raise NotAllowed(str(_l("Only members of the community can sign in. Ask the convener to add you.")))
    attendance = db.session.scalar(select(Attendance).where(
        Attendance.activity_id == activity.id, Attendance.user_id == actor.id))
    if attendance is not None and attendance.signed_at is not None:
        return attendance  # already signed in: nothing changes
    status = AttendanceStatus.LATE if moment > activity.starts_at + LATE_AFTER else AttendanceStatus.PRESENT
    if attendance is None:
        attendance = Attendance(activity_id=activity.id, user_id=actor.id)
        db.session.add(attendance)
    attendance.status, attendance.signed_at, attendance.how = status.value, moment, "qr"
    attendance.updated_by_id, attendance.updated_at = actor.id, now
    db.session.flush()
    return attendance


def regenerate_sign_in(activity: Activity, *, actor: User) -> None:
    """Void every QR code issued for the activity (e.g. a photo of it was shared)."""
    if not can(actor, "manage", activity):
        raise NotAllowed(str(_l("Only conveners can change activities.")))
    activity.sign_in_nonce = secrets.token_hex(8)


def signed_in(activity: Activity, *, now: dt.datetime | None = None) -> list[Attendance]:
    """Who signed in or was marked as come, in order of arrival (the live board, in the room). `now`: as the
    activity's page says it then: before the activity starts, those who signed in early, not a mark given ahead
    (`marked_ahead`: a public lesson's teacher, marked present when it was scheduled)."""
    query = select(Attendance).where(Attendance.activity_id == activity.id,
                                     Attendance.status.in_([status.value for status in ATTENDED]))
    if now is not None:
        query = query.join(Activity, Activity.id == Attendance.activity_id).where(~marked_ahead(now))
    return list(db.session.scalars(
        query
        .options(joinedload(Attendance.user)).order_by(Attendance.signed_at.is_(None), Attendance.signed_at,
                                                       Attendance.id)))
