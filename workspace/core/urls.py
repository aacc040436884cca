"""Absolute links, always on BASE_URL, and the host names the site answers to.

A link that leaves the site (an email, a calendar feed, a QR code, a link to copy) is built here and
nowhere else: `url_for(..., _external=True)` and `request.host_url` take the host from the request,
so a forged Host header would end up in a password-reset email.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from workspace.core.forms import safe_next

# Always trusted when TRUSTED_HOSTS is not set, so that `make run` and a browser on the same machine work.
LOCAL_HOSTS = ("localhost", "127.0.0.1")


def external_url(endpoint: str, **values: Any) -> str:
    """Build the absolute URL of an endpoint on BASE_URL (with or without a request: cron has none)."""
    base = urlsplit(current_app.config["BASE_URL"])
    anchor = values.pop("_anchor", None)
    current_app.inject_url_defaults(endpoint, values)
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http")
    url = adapter.build(endpoint, values, force_external=True)
    return f"{url}#{anchor}" if anchor else url


def absolute_path(path: str) -> str:
    """Turn a stored path on this site into an absolute link on BASE_URL (anything else becomes the home page)."""
    return current_app.config["BASE_URL"].rstrip("/") + safe_next(path, "/")


def page_to_show(target: str | None, default: str) -> str:
    """Return `target` when it is a page of this site a browser can open (a GET route), else `default`.

    Where someone is sent after logging in: a form's POST-only address (an expense, the book list) would answer
    405 there, and the boosted login form would leave them on the login page as if it had failed. `target` is the
    address as the browser has it, the script root included (/plc/c/maths/ where the app is served under /plc):
    the routes are matched without it, and an address outside it is no page of this app."""
    path = safe_next(target, "")
    if not path:
        return default
    adapter = current_app.create_url_adapter(request)
    if adapter is None:
        return path
    root = request.script_root
    route = urlsplit(path).path
    if root:
        if route != root and not route.startswith(root + "/"):
            return default
        route = route[len(root):] or "/"
    try:
        adapter.match(route, method="GET")
    except (NotFound, MethodNotAllowed):
        return default
    except RequestRedirect:  # a missing trailing slash: the page is one redirect away
        return path
    return path


def site_route(url: str | None) -> tuple[str, dict[str, Any], dict[str, list[str]]] | None:
    """The page of this site a link names, without a request: its endpoint, the values of its address and its query.

    `url` as a person wrote it in a text (an image's src): a path from the site's root (BASE_URL's path included
    where the app is served under one), or an absolute URL on one of the site's own hosts (BASE_URL's or a trusted
    one). None for another site's link, a relative or malformed one, or a path that is no GET route of the app
    (nothing is ever fetched). How a picture in a text is told to be one of the library's."""
    try:
        parts = urlsplit((url or "").strip().replace("\\", "/"))
        host = parts.hostname
    except ValueError:  # an unclosed [IPv6 address
        return None
    base = urlsplit(current_app.config["BASE_URL"])
    if parts.scheme or parts.netloc:
        if parts.scheme not in ("http", "https") or not host or host.lower() not in trusted_hosts(current_app.config):
            return None
    elif not parts.path.startswith("/") or parts.path.startswith("//"):
        return None
    root = base.path.rstrip("/")
    path = unquote(parts.path)
    if root:
        if path != root and not path.startswith(root + "/"):
            return None
        path = path[len(root):] or "/"
    adapter = current_app.url_map.bind(base.netloc or "localhost", script_name=root or "/",
                                       url_scheme=base.scheme or "http")
    try:
        endpoint, values = adapter.match(path, method="GET")
    except HTTPException:  # no such page, or one only a redirect away (RequestRedirect: not this link's file)
        return None
    return str(endpoint), dict(values), parse_qs(parts.query)


def host_of(url: str | None) -> str | None:
    """The host name of a URL, lower-cased, without port (None when it has none)."""
    return urlsplit(url or "").hostname


def trusted_hosts(config: Mapping[str, Any]) -> list[str]:
    """The host names requests may name: BASE_URL's host, then TRUSTED_HOSTS, or localhost when it is unset.

    A name starting with a dot (".school.edu.tw") also accepts its subdomains (Werkzeug's rule).
    """
    configured = config.get("TRUSTED_HOSTS")
    if isinstance(configured, str):
        configured = configured.split(",")
    extra: Iterable[str] = LOCAL_HOSTS if configured is None else configured
    # SERVER_NAME, when set, is the name Flask itself builds links with outside a request (the tests set it).
    server_name = host_of(f"//{config['SERVER_NAME']}") if config.get("SERVER_NAME") else None
    hosts: list[str] = []
    for name in [host_of(config.get("BASE_URL")), server_name, *extra]:
        name = (name or "").strip().lower()
        if name and name not in hosts:
            hosts.append(name)
    return hosts


class LowercaseHosts:
    """WSGI middleware: the Host (and X-Forwarded-Host) in lower case before Flask checks it against the trusted
    hosts, which Werkzeug compares as typed: host names are case-insensitive, and `Host: LOCALHOST` got 400."""

    def __init__(self, wsgi_app: Any) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        for key in ("HTTP_HOST", "HTTP_X_FORWARDED_HOST", "SERVER_NAME"):
            value = environ.get(key)
            if isinstance(value, str) and value != value.lower():
                environ[key] = value.lower()
        return self.wsgi_app(environ, start_response)
