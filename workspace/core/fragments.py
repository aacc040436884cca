"""Fragment cache: parts of a page kept under the versions of what they show, so that the first view after a
write re-renders only what the write changed.

The page cache (core/cache.py) keeps whole pages until a counter they depend on moves: a reply anywhere in a
community makes every page of that community render anew. Most of such a page has not changed (the other 49
posts of a thread, the other 19 rows of the board, the layout's menu). A template marks those parts:

    {% call fragment("post", post.id, post.edited_at, post.deleted, decisions) %} … {% endcall %}

and the body is rendered only when no fragment is kept under that key. There is no invalidation: the key
carries the versions of everything the body shows (a record's own columns that change with it, a counter), so
a change makes a new key and the old entry ages out of the LRU.

What a key must hold (the caller's duty; tests/core/test_fragments.py and each area's tests prove it per use):
- the versions of every record the body shows (its id and the columns that change when it does, or the
  cache_counters scopes it depends on);
- every viewer-dependent bit the body shows: the answers of `can()` for its buttons, the viewer's id only where
  the body shows something that is theirs alone (their name, their unread count);
- what the fragment module adds itself: the fragment's name, the language, and the site's script root.

What a fragment may never hold: anything per request or per session. The CSRF token is the one such value a
body may draw: inside a fragment `csrf_token()` gives a placeholder, which is replaced by the request's token
each time the fragment is used (one `str.replace`). Flash messages, the current path (`next=` links) and the
time ("3 minutes ago") stay outside fragments.

Storage: a per-process LRU bounded in bytes (FRAGMENT_CACHE_MAX_MB, 32 by default; FRAGMENT_CACHE=0 turns it
off). A hit costs a dict lookup under a lock; nothing is shared between workers, since a fragment takes longer
to fetch from a shared store than most take to render.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from flask import Flask, current_app, g, has_request_context, request
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from workspace.core.i18n import current_locale_code

logger = logging.getLogger(__name__)

# What csrf_token() gives inside a fragment's body (no form field or URL holds it otherwise).
CSRF_PLACEHOLDER = "\x00csrf-token\x00"


class FragmentStore:
    """A bounded LRU of rendered fragments (text), by key, safe for a worker's threads."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[Hashable, str] = OrderedDict()
        self._lock = threading.Lock()
        self.epoch: int | None = None  # the restore epoch the entries were drawn under (see follow_epoch)

    def get(self, key: Hashable) -> str | None:
        """The fragment kept under `key` (now the most recently used), or None."""
        with self._lock:
            text = self._entries.get(key)
            if text is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return text

    def put(self, key: Hashable, text: str) -> None:
        """Keep `text` under `key`, dropping the least recently used fragments beyond max_bytes."""
        size = len(text)
        if size > self.max_bytes:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.size -= len(old)
            self._entries[key] = text
            self.size += size
            while self.size > self.max_bytes:
                _key, dropped = self._entries.popitem(last=False)
                self.size -= len(dropped)

    def __len__(self) -> int:
        return len(self._entries)

    def follow_epoch(self, epoch: int) -> None:
        """Forget every fragment when the database's restore epoch is not the one they were drawn under.

        A restore puts records back with the versions they had at backup time, so a kept fragment's key (a post's
        id, created_at, version …) can match a record whose text is another again. The worker that restores
        empties its own store; every other worker learns of it here, from the counters each page reads anyway."""
        with self._lock:
            if self.epoch is not None and self.epoch != epoch:
                self._entries.clear()
                self.size = 0
            self.epoch = epoch

    def clear(self) -> None:
        """Forget every fragment."""
        with self._lock:
            self._entries.clear()
            self.size = 0


def fragment_store(app: Flask | None = None) -> FragmentStore:
    """The app's fragment store in this process (made on first use)."""
    app = app or current_app._get_current_object()
    found = app.extensions.get("fragment_store")
    if found is None:
        max_bytes = int(app.config.get("FRAGMENT_CACHE_MAX_BYTES", 32 * 1024 * 1024))
        found = app.extensions["fragment_store"] = FragmentStore(max_bytes)
    return found


def in_fragment() -> bool:
    """Whether a fragment's body is being rendered now (per-request values must not be drawn into it)."""
    return has_request_context() and g.get("_fragment_depth", 0) > 0


def request_csrf_token() -> str:
    """The request's CSRF token, generated once (Flask-WTF reads five settings on every call)."""
    token = g.get("_page_csrf_token")
    if token is None:
        token = g._page_csrf_token = generate_csrf()
    return token


def _request_facts() -> tuple[Any, ...]:
    """What every key holds besides the caller's parts: the language and the script root (read once a request)."""
    facts = g.get("_fragment_facts")
    if facts is None:
        facts = g._fragment_facts = (current_locale_code(), request.script_root)
    return facts


def decisions(allowed: Callable[[str, Any], bool], actions: tuple[str, ...], row: Any) -> tuple[bool, ...]:
    """The answers of a page's row rule (core.permissions.page_permissions) for `actions` on `row`, as a key part:
    what the fragment's buttons show, decided in one call from a template."""
    return tuple([allowed(action, row) for action in actions])


def _holds_the_token(text: str) -> bool:
    """Whether a rendered body holds the request's real CSRF token (Flask-WTF keeps it in g.csrf_token)."""
    return any(bool(token) and token in text for token in (g.get("_page_csrf_token"), g.get("csrf_token")))


def fragment(name: str, *parts: Hashable, caller: Callable[[], Markup]) -> Markup:
    """Render `caller()` (a `{% call %}` block's body) once per key and reuse it: see the module's docstring.

    `parts` are the versions and viewer bits the body shows; they must be hashable (ids, strings, dates, bools,
    tuples of them).
    """
    if not has_request_context() or not current_app.config.get("FRAGMENT_CACHE", True):
        return caller()  # a {% call %} body's caller returns Markup
    store = fragment_store()
    key = (name, _request_facts(), parts)
    text = store.get(key)
    depth = g.get("_fragment_depth", 0)
    if text is None:
        g._fragment_depth = depth + 1
        try:
            text = str(caller())
        finally:
            g._fragment_depth = depth
        if _holds_the_token(text):  # drawn some other way (a WTForms field): never kept for another request
            logger.warning("fragment %r holds the request's CSRF token: not kept", name)
            return Markup(text)  # noqa: S704 - the text was rendered by an autoescaping template
        store.put(key, text)
    if depth == 0 and CSRF_PLACEHOLDER in text:
        # Patched in per use; inside another fragment the placeholder stays, and the outer one patches it.
        text = text.replace(CSRF_PLACEHOLDER, request_csrf_token())
    return Markup(text)  # noqa: S704 - the text was rendered by an autoescaping template
