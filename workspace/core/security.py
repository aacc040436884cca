"""Security headers on every response, the login gate (login required unless a view is @public), and the
refusal of requests for a host the site does not serve."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, has_request_context, make_response, redirect, request, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import SecurityError

from workspace.core.cache import answer_from_cache
from workspace.core.urls import page_to_show
from workspace.extensions import htmx

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def set_security_headers(response: Response) -> Response:
    """Add CSP, nosniff, referrer and framing headers (a view may set a stricter CSP of its own)."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    # Invitation and reset tokens live in URLs: never leak them to another site.
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    # Only when the request already loaded its user: /healthz with a cookie must not query for it.
    loaded = g.get("_login_user")
    if loaded is not None and loaded.is_authenticated:
        headers.setdefault("Cache-Control", "private, no-store")
    return response


def _is_public_endpoint() -> bool:
    if request.endpoint is None:
        return True  # 404s and the like go to the error handlers
    if request.endpoint == "static":
        return True
    view = current_app.view_functions.get(request.endpoint)
    return bool(getattr(view, "_public", False))


def require_login() -> Response | None:
    """Send a visitor who is not logged in to the login page, and back here afterwards."""
    if _is_public_endpoint() or current_user.is_authenticated:
        return None
    return login_redirect()


def _this_site_path(url: str | None) -> str | None:
    """The path (and query) of an address on this site, None for another host or no address."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or parts.netloc != request.host or not parts.path.startswith("/"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _page_to_return_to() -> str:
    """Where the person goes back to once logged in: the address asked for, or, for an htmx request from a
    page (a poll, a save, a swap) and for any form sent, that page; after logging in again,
    /notifications/bell, a section's save address or a POST-only address (an expense) would show a bare
    fragment, a 405 or nothing at all. Only a page of this site a GET can show (core/urls.page_to_show)."""
    # As the browser has it: the script root (/plc) too, as in HX-Current-URL and the Referer.
    target = request.script_root + (request.full_path if request.query_string else request.path)
    current = _this_site_path(request.headers.get("HX-Current-URL")) if htmx else None
    if request.method != "GET":  # a form sent: the page it was sent from (a boosted form, a plain one)
        target = current or _this_site_path(request.referrer) or target
    elif htmx and not htmx.boosted and current:  # a boosted link asks for the page it names
        target = current
    return page_to_show(target, request.script_root + "/")


def login_redirect() -> Response:
    """The answer to a visitor who must log in first (a view that checks late, after a cheap early answer)."""
    login_url = url_for("auth.login", next=_page_to_return_to())
    if htmx:
        # A 302 would swap the login page into a small target: navigate instead.
        response = make_response("", 401)
        response.headers["HX-Redirect"] = login_url
        return response
    return redirect(login_url)


_reported_hosts: set[str] = set()


def refuse_untrusted_host() -> Response | None:
    """Answer 400 to a request whose Host (or X-Forwarded-Host behind the proxy) is not a trusted host.

    Flask notices the host when it builds the request's URL adapter and leaves the error for the view;
    the before-request hooks would still run without an adapter (and fail on the first url_for), so the
    refusal comes first of all, as plain text: no page, no session, no database.
    """
    if not isinstance(request.routing_exception, SecurityError):
        return None
    host = request.environ.get("HTTP_HOST", "")[:100]
    if host not in _reported_hosts and len(_reported_hosts) < 100:  # once per host: scanners come often
        _reported_hosts.add(host)
        current_app.logger.warning("refused a request for host %r: not in TRUSTED_HOSTS %s (set BASE_URL or "
                                   "TRUSTED_HOSTS)", host, current_app.config["TRUSTED_HOSTS"])
    response = make_response(_("This site is not served at this address."), 400)
    response.mimetype = "text/plain"
    return response


def install(app: Flask) -> None:
    """Install the login gate, the session cookie policy and the security headers on the app."""
    app.session_interface = SessionInterface()
    # First, before the CSRF check: a save sent after the login ended (the session and its CSRF secret are
    # gone) is told to log in again, not refused as a bad request; sending someone to log in changes nothing.
    app.before_request_funcs.setdefault(None, []).insert(0, require_login)
    # A page the cache keeps for this login is answered before the user is loaded (core/cache.py).
    app.before_request_funcs[None].insert(0, answer_from_cache)
    app.before_request_funcs[None].insert(0, refuse_untrusted_host)
    app.after_request(set_security_headers)


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, marked Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or (has_request_context() and request.is_secure))
