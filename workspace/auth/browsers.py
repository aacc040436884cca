"""The known-browser cookie: "this browser has logged in to these accounts".

It opens nothing by itself. It lets the login throttle (auth/throttle.py) count this browser's failed
logins apart from everyone else's at the same address — a stranger's guesses, or a classroom of them
behind the school's one public address, never slow a teacher's own browser — and spares it the ceilings
meant for guessing spread over many machines. The value is signed (itsdangerous, the app's secret key)
and names accounts by a hash of their address, not the address.
"""

from __future__ import annotations

import hashlib
import secrets

from flask import Response, after_this_request, current_app, request
from itsdangerous import BadSignature, URLSafeSerializer

from workspace.auth.services import normalize_email

COOKIE = "known_browser"
MAX_ACCOUNTS = 10  # a family computer or a shared staff-room laptop
DAYS = 365


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="known-browser")


def _tag(email: str) -> str:
    return hashlib.sha256(normalize_email(email).encode()).hexdigest()[:16]


def _read() -> dict:
    raw = request.cookies.get(COOKIE)
    if not raw:
        return {}
    try:
        value = _serializer().loads(raw)
    except BadSignature:
        return {}
    valid = (isinstance(value, dict) and isinstance(value.get("id"), str) and len(value["id"]) == 32
             and isinstance(value.get("accounts"), list))
    return value if valid else {}


def known(email: str) -> str | None:
    """This browser's id when it has logged in to the account with this address before, else None."""
    value = _read()
    return value["id"] if value and _tag(email) in value["accounts"] else None


def remember(email: str) -> None:
    """Note on the browser, with the response, that it logged in to this account (for a year, the last few)."""
    value = _read() or {"id": secrets.token_hex(16), "accounts": []}
    tag = _tag(email)
    value["accounts"] = ([other for other in value["accounts"] if other != tag] + [tag])[-MAX_ACCOUNTS:]
    cookie = _serializer().dumps(value)
    secure = bool(current_app.config["SESSION_COOKIE_SECURE"] or request.is_secure)

    @after_this_request
    def _set(response: Response) -> Response:
        response.set_cookie(COOKIE, cookie, max_age=DAYS * 86400, httponly=True, samesite="Lax", secure=secure)
        return response
