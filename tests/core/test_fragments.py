"""The fragment cache: a part of a page rendered once per key, never showing one request's token to another."""

from __future__ import annotations

import re

import pytest
from flask import g

from workspace.core.fragments import CSRF_PLACEHOLDER, FragmentStore, fragment_store

TEMPLATE = '{% call fragment("probe", version) %}[{{ count() }}|{{ _("Log out") }}|{{ csrf_token() }}]{% endcall %}'


@pytest.fixture()
def render(app):
    """Render TEMPLATE in a request of its own (language and session given), counting the body's renders."""
    renders: list[int] = []

    def count() -> int:
        renders.append(1)
        return len(renders)

    def render_once(version: object, *, language: str = "en", source: str = TEMPLATE) -> str:
        with app.test_request_context(headers={"Accept-Language": language}):
            return app.jinja_env.from_string(source).render(version=version, count=count)

    render_once.renders = renders
    return render_once


def test_the_body_is_rendered_once_per_key(render):
    assert render(1).startswith("[1|")
    assert render(1).startswith("[1|")  # kept: the body did not run again
    assert render(2).startswith("[2|")  # another version: rendered anew
    assert render(1).startswith("[1|")


def test_the_language_is_in_every_key(render):
    english, chinese = render(1, language="en"), render(1, language="zh-TW")
    assert "Log out" in english and "Log out" not in chinese
    assert len(render.renders) == 2
    assert render(1, language="en").startswith("[1|Log out|")  # the English one, kept
    assert len(render.renders) == 2


def test_each_request_gets_its_own_csrf_token_and_the_store_keeps_none(app, render):
    first, second = render(1), render(1)
    token = re.search(r"\|([^|\]]+)\]$", first).group(1)
    assert token != re.search(r"\|([^|\]]+)\]$", second).group(1)  # two requests, two sessions, two tokens
    assert len(render.renders) == 1
    with app.app_context():
        kept = list(fragment_store()._entries.values())
    assert kept and all(CSRF_PLACEHOLDER in text and token not in text for text in kept)


def test_a_fragment_inside_another_leaves_the_token_to_the_outer_one(app, render):
    source = ('{% call fragment("outer", version) %}<{% call fragment("inner", version) %}{{ csrf_token() }}'
              '{% endcall %}>{% endcall %}')
    page = render(1, source=source)
    with app.app_context():
        kept = fragment_store()._entries.values()
        assert all(CSRF_PLACEHOLDER in text for text in kept)
    assert CSRF_PLACEHOLDER not in page and len(page) > 2
    assert render(1, source=source) != page  # the outer fragment, kept, takes the second request's own token


def test_off_the_body_is_rendered_every_time(app, render, monkeypatch):
    monkeypatch.setitem(app.config, "FRAGMENT_CACHE", False)
    render(1)
    render(1)
    assert len(render.renders) == 2


def test_the_store_drops_the_least_recently_used_beyond_its_size():
    store = FragmentStore(max_bytes=10)
    store.put("a", "aaaa")
    store.put("b", "bbbb")
    assert store.get("a") == "aaaa"  # now the most recently used
    store.put("c", "cccc")
    assert store.get("b") is None and store.get("a") == "aaaa" and store.get("c") == "cccc"
    assert store.size == 8
    store.put("huge", "x" * 11)  # larger than the whole store: not kept, nothing dropped for it
    assert store.get("huge") is None and len(store) == 2


def test_a_body_that_fails_leaves_nothing_kept_and_the_token_memo_usable(app):
    source = '{% call fragment("broken") %}{{ csrf_token() }}{{ fail() }}{% endcall %}'

    def fail() -> str:
        raise RuntimeError("broken body")

    with app.test_request_context():
        with pytest.raises(RuntimeError):
            app.jinja_env.from_string(source).render(fail=fail)
        assert not g.get("_fragment_depth")  # outside any fragment again: the page's token is the real one
        assert len(fragment_store()) == 0


def test_a_body_holding_the_real_token_is_never_kept(app):
    """A token drawn some other way than csrf_token() (a WTForms field, generate_csrf itself) is not stored."""
    from flask_wtf.csrf import generate_csrf

    source = '{% call fragment("leaky") %}<input value="{{ real() }}">{% endcall %}'
    with app.test_request_context():
        page = app.jinja_env.from_string(source).render(real=generate_csrf)
        assert generate_csrf() in page
        assert len(fragment_store()) == 0


def test_a_restore_in_another_worker_empties_this_worker_s_fragments_at_its_next_page(app, render, ctx):
    """QA 12 (left known): a restore puts records back with the versions they had, so a fragment kept by another
    worker could match a restored post whose text is another again. The restore moves the epoch in the database;
    every worker reads it with the page's counters, and drops its fragments when it has moved."""
    from sqlalchemy import text

    from workspace.core.cache import EPOCH_SCOPE, read_counters
    from workspace.extensions import db

    store = fragment_store(app)
    read_counters(())
    assert render(1).startswith("[1|") and render(1).startswith("[1|") and len(store) == 1
    read_counters(())  # the same epoch: kept
    assert render(1).startswith("[1|") and len(store) == 1
    # another worker restored: the epoch row changed in the database, this store was not told
    db.session.execute(text("INSERT INTO cache_counters (kind, scope_id, value) VALUES (:kind, :scope, 7) "
                            "ON CONFLICT (kind, scope_id) DO UPDATE SET value = excluded.value"),
                       {"kind": EPOCH_SCOPE[0], "scope": EPOCH_SCOPE[1]})
    db.session.commit()
    read_counters(())
    assert len(store) == 0
    assert render(1).startswith("[2|")  # drawn anew
