"""What a page asks many times, answered once: per-page memos for templates, static URLs once per process.

A fresh render of a 50-post thread asked the policy 214 times and the CSRF token 108 times, and every page built
~17 addresses that never change (static files, the menu) through the URL map. Templates get memoized versions
(installed as Jinja globals by `core.templating.install`, `can` and `csrf_token` under their usual names):

- `page_can` answers `can(user, action, obj)` once per (user, action, object) per request. The memo lives in
  `flask.g`, so it ends with the request; it holds the objects it keyed on, so an id is never reused within
  it. Routes keep calling `core.permissions.can` itself: a route may change what the answer depends on
  between two checks, a template does not.
- `page_csrf_token` asks Flask-WTF once per request (it reads five settings on every call).
- `fixed_url` builds an address that is the same on every request (`fixed_url('static', filename=…)`, a menu
  page) once per process and script root. Addresses with a slug or an id keep using `url_for`.
"""

from __future__ import annotations

from typing import Any

from flask import g, has_request_context, request, url_for
from flask_wtf.csrf import generate_csrf

from workspace.core.fragments import CSRF_PLACEHOLDER, request_csrf_token
from workspace.core.permissions import can

_fixed_urls: dict[tuple[Any, ...], str] = {}


def _memo(name: str) -> dict[Any, Any]:
    """The request's memo called `name` (a new dict on the request's first use)."""
    memo = g.get(name)
    if memo is None:
        memo = {}
        setattr(g, name, memo)
    return memo


def page_can(user: Any, action: str, obj: Any = None) -> bool:
    """`can()` for templates: decided once per (user, action, object) while the request lasts."""
    if not has_request_context():
        return can(user, action, obj)
    memo = _memo("_page_decisions")
    key = (id(user), action, id(obj))
    hit = memo.get(key)
    if hit is not None and hit[0] is user and hit[1] is obj:
        return hit[2]
    answer = can(user, action, obj)
    memo[key] = (user, obj, answer)  # the objects keep their ids from being reused while the memo lives
    return answer


def page_csrf_token() -> str:
    """The request's CSRF token, generated once however many forms the page draws; inside a cached fragment a
    placeholder, replaced by the token each time the fragment is drawn (core/fragments.py)."""
    if not has_request_context():
        return generate_csrf()
    if g.get("_fragment_depth"):
        return CSRF_PLACEHOLDER
    return request_csrf_token()


def fixed_url(endpoint: str, **values: str) -> str:
    """The address of a page or file that is the same on every request, built once per process (and script
    root, when the site is mounted under a prefix)."""
    key = (request.script_root if has_request_context() else "", endpoint, *sorted(values.items()))
    address = _fixed_urls.get(key)
    if address is None:
        address = _fixed_urls[key] = url_for(endpoint, **values)
    return address
