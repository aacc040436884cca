"""The page cache serves a page again only while nothing it shows (or who may see it) has changed, and a
change refreshes only the pages that show what it touched: its community, or one person's own pages."""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid

import pytest

from tests.factories import add_member, make_community, make_user
from workspace.auth.models import User
from workspace.communities import services
from workspace.communities.models import Role
from workspace.core import cache
from workspace.core.cache import FileStore, Rule, current_generation, page_store, rule_of, store
from workspace.core.database import utcnow
from workspace.discussions import services as discussions
from workspace.discussions.models import Category
from workspace.extensions import db
from workspace.notifications import services as notifications


def _warm(client, path: str) -> None:
    client.get(path)  # sets the session's CSRF secret
    client.get(path)  # rendered and stored


def _served_from_cache(client, path: str, count_queries) -> str:
    """Ask for the page and check that it came from the cache (nothing read but the user and the counters)."""
    db.session.commit()  # the test's own objects are expired now: read nothing inside the count
    with count_queries() as statements:
        response = client.get(path)
    assert response.status_code == 200
    assert len(statements) <= 2, statements  # the user and the counters, nothing else
    return response.get_data(as_text=True)


def _served(client, path: str, count_queries) -> list:
    db.session.commit()
    with count_queries() as statements:
        assert client.get(path).status_code == 200
    return statements


def _rendered(client, path: str, count_queries) -> str:
    db.session.commit()
    with count_queries() as statements:
        response = client.get(path)
    assert response.status_code == 200
    assert len(statements) > 2, "served from the cache"
    return response.get_data(as_text=True)


def test_every_model_declares_what_a_change_to_it_refreshes():
    """A new model says what a write to it bumps (`__cache_rule__`, see core/cache.py) or this fails."""
    missing = [mapper.class_.__name__ for mapper in db.Model.registry.mappers
               if not isinstance(mapper.class_.__dict__.get("__cache_rule__"), Rule)]
    assert missing == []


def test_a_model_without_a_rule_is_refused_at_its_first_write():
    class Unruled:
        pass

    with pytest.raises(TypeError, match="Unruled declares no __cache_rule__"):
        rule_of(Unruled)


def test_a_repeated_page_is_served_from_the_cache(client, ctx, count_queries):
    convener = make_user()
    community = make_community(convener, name="Cache Club")
    client.login(convener)
    path = f"/c/{community.slug}/"
    _warm(client, path)
    db.session.commit()  # the test's own objects are expired now: read nothing inside the count
    with count_queries() as statements:
        response = client.get(path)
    assert response.status_code == 200 and "Cache Club" in response.get_data(as_text=True)
    assert len(statements) <= 2  # the user and the counters, nothing else
    assert "HX-Request" in response.headers["Vary"]
    assert response.headers["Content-Security-Policy"]  # headers are still set on a hit


def test_any_write_shows_on_the_next_request(client, ctx):
    convener = make_user()
    community = make_community(convener, name="Before")
    client.login(convener)
    _warm(client, f"/c/{community.slug}/")
    before = current_generation(community.slug)
    community.name = "After"
    db.session.commit()
    assert current_generation(community.slug) != before
    assert "After" in client.get(f"/c/{community.slug}/").get_data(as_text=True)


def test_a_write_in_another_community_leaves_the_page_cached(client, ctx, count_queries):
    convener = make_user()
    here = make_community(convener, name="Here", slug="here")
    someone = make_user()
    elsewhere = make_community(someone, name="Elsewhere", slug="elsewhere")
    client.login(convener)
    for path in ("/c/here/", "/c/here/discussions/", "/"):
        _warm(client, path)
    discussions.create_thread(elsewhere, category=db.session.scalars(
        db.select(Category).where(Category.community_id == elsewhere.id)).first(),
        title="別處的討論", body="內容", actor=someone)
    elsewhere.name = "Elsewhere, renamed"
    db.session.commit()
    for path in ("/c/here/", "/c/here/discussions/", "/"):
        assert "Here" in _served_from_cache(client, path, count_queries)
    here.name = "Here, renamed"
    db.session.commit()
    assert "Here, renamed" in _rendered(client, "/c/here/", count_queries)


def test_a_reply_refreshes_its_own_community_and_the_poll_of_another_stays_empty(client, ctx):
    from tests.discussions.helpers import make_board
    from tests.discussions.test_routes import poller_url

    board = make_board("board")
    other = make_board("other", convener="王召集", member="張老師")
    thread = board.thread()
    client.login(board.member)
    poll = poller_url(client.get(f"/c/board/discussions/{thread.id}").get_data(as_text=True))
    other.reply(other.thread(), "別的社群")
    assert client.hx("GET", poll).status_code == 204  # only another community changed
    board.reply(thread, "這裡的新回覆")
    assert "這裡的新回覆" in client.hx("GET", poll).get_data(as_text=True)


def test_losing_access_is_not_hidden_by_the_cache(client, ctx):
    convener = make_user()
    community = make_community(convener)
    member = add_member(community)
    client.login(member.user)
    _warm(client, f"/c/{community.slug}/")
    services.remove_member(member, actor=convener)
    db.session.commit()
    assert client.get(f"/c/{community.slug}/").status_code == 404


def test_joining_or_a_new_role_refreshes_that_persons_pages_everywhere(client, ctx, count_queries):
    convener = make_user()
    first = make_community(convener, name="First Circle", slug="first")
    second = make_community(convener, name="Second Circle", slug="second")
    member = add_member(first)
    client.login(member.user)
    _warm(client, "/")
    _warm(client, "/c/first/")
    assert "Second Circle" not in _served_from_cache(client, "/", count_queries)
    services.add_member(second, member.user, Role.MEMBER.value)
    db.session.commit()
    assert "Second Circle" in _rendered(client, "/", count_queries)  # the home page of the one who joined
    _warm(client, "/c/first/")
    services.change_role(member, Role.CO_CONVENER.value, actor=convener)
    db.session.commit()
    _rendered(client, "/c/first/", count_queries)


def test_the_bell_counts_a_notification_on_a_page_of_another_community(client, ctx):
    convener = make_user()
    quiet = make_community(convener, slug="quiet")
    busy = make_community(convener, slug="busy")
    member = add_member(quiet).user
    add_member(busy, member)
    client.login(member)
    _warm(client, "/c/quiet/")
    assert "bell-count" not in client.get("/c/quiet/").get_data(as_text=True)
    notifications.notify([member], "mention", actor=convener, community=busy, subject_type="Thread", subject_id=1,
                         title="提到你", excerpt="", path="/c/busy/")
    db.session.commit()
    page = client.get("/c/quiet/").get_data(as_text=True)
    assert 'class="bell-count"' in page and "1 unread" in page


def test_users_languages_and_fragments_get_their_own_pages(client, make_client, ctx):
    convener = make_user(display_name="Convener Chen")
    community = make_community(convener)
    member = add_member(community, make_user(display_name="Member Lin"))
    client.login(convener)
    other = make_client().login(member.user)
    _warm(client, "/")
    _warm(other, "/")
    assert "Convener Chen" in client.get("/").get_data(as_text=True)
    assert "Member Lin" in other.get("/").get_data(as_text=True)
    chinese = client.get("/", headers={"Accept-Language": "zh-TW"}).get_data(as_text=True)
    assert 'lang="zh-Hant"' in chinese
    assert 'lang="en"' in client.get("/").get_data(as_text=True)


def _on_a_kept_page(client):
    """A convener logged in on `client` whose community home is kept in the cache: (the convener, its path)."""
    convener = make_user()
    client.login(convener)
    path = f"/c/{make_community(convener).slug}/"
    _warm(client, path)
    return convener, path


def _counting_user_loads(app, monkeypatch) -> list[str]:
    """Record every time Flask-Login's loader (the ORM's user) runs."""
    loads: list[str] = []
    loader = app.login_manager._user_callback

    def counted(session_id: str):
        loads.append(session_id)
        return loader(session_id)

    monkeypatch.setattr(app.login_manager, "_user_callback", counted)
    return loads


def test_a_hit_is_answered_before_the_user_is_loaded(app, client, ctx, count_queries, monkeypatch):
    convener = make_user()
    community = make_community(convener, name="Quick Circle")
    client.login(convener)
    path = f"/c/{community.slug}/"
    _warm(client, path)
    ordinary = client.get(path)  # a hit the ordinary way would be byte for byte this page
    loads = _counting_user_loads(app, monkeypatch)
    db.session.commit()
    with count_queries() as statements:
        response = client.get(path)
    assert loads == [] and len(statements) == 2  # the login and the counters, in plain SQL
    assert response.get_data() == ordinary.get_data() and "Quick Circle" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Content-Security-Policy"] and "HX-Request" in response.headers["Vary"]


def _autocommit_of_each_read(client, path: str) -> tuple[list[object], object]:
    """GET `path` and give whether each statement it ran was in autocommit (psycopg's own flag on PostgreSQL;
    SQLite's connections have none), and what an early hit's reads should show on this database."""
    from sqlalchemy import event

    engine = db.engine
    levels: list[object] = []

    def listener(connection, _cursor, statement, *_rest):
        if not statement.startswith("BEGIN"):  # SQLite's own BEGIN DEFERRED (core/database)
            levels.append(getattr(connection.connection.dbapi_connection, "autocommit", None))

    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    expected = True if engine.dialect.name == "postgresql" else getattr(db.session.connection().connection
                                                                        .dbapi_connection, "autocommit", None)
    return levels, expected


def test_a_hit_reads_outside_a_transaction_on_postgresql(app, client, ctx):
    """On PostgreSQL a hit's two reads run in autocommit (no BEGIN and ROLLBACK round trips) and nothing else is
    read; on SQLite they run in the session, as every read there does."""
    _convener, path = _on_a_kept_page(client)
    db.session.commit()
    levels, expected = _autocommit_of_each_read(client, path)
    assert levels == [expected, expected]  # the login and the counters, nothing else


def test_a_varying_hit_reads_outside_a_transaction_on_postgresql(client, ctx):
    """The activity page's `vary=` (has it started?) reads on the hit's own connection too: on PostgreSQL all
    three reads run in autocommit, and the page cached before it started is not served once it has."""
    from tests.activities.helpers import make_club
    from workspace.activities.models import Activity

    club = make_club("varies-pg")
    activity = club.activity()
    client.login(club.member)
    path = f"/c/varies-pg/activities/{activity.id}"
    _warm(client, path)
    db.session.commit()
    levels, expected = _autocommit_of_each_read(client, path)
    assert levels == [expected, expected, expected]  # the login, the counters, whether it has started
    assert 'id="feedback"' not in client.get(path).get_data(as_text=True)
    db.session.execute(db.update(Activity).where(Activity.id == activity.id)
                       .values(starts_at=utcnow() - dt.timedelta(minutes=5)))
    db.session.commit()
    assert 'id="feedback"' in client.get(path).get_data(as_text=True)  # the started variant, not the kept one


def test_a_login_ended_elsewhere_gets_no_cached_page(client, ctx):
    """Logging out everywhere writes no counter: the early answer must check the login itself."""
    from workspace.auth.services import end_sessions

    convener, path = _on_a_kept_page(client)
    end_sessions(convener)
    db.session.commit()
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_forged_secret_or_a_closed_account_gets_no_cached_page(client, ctx):
    convener, path = _on_a_kept_page(client)
    with client.session_transaction() as session:
        real = session["_user_id"]
        session["_user_id"] = real.split(":")[0] + ":" + "x" * 43
    assert client.get(path).status_code == 302
    with client.session_transaction() as session:
        session["_user_id"] = real
    assert client.get(path).status_code == 200
    # Written as a plain statement (as a script or another tool might), which moves no counter: the early answer
    # must check the account itself.
    db.session.execute(db.update(User).where(User.id == convener.id).values(approved_at=None))
    db.session.commit()
    assert client.get(path).status_code == 302
    db.session.execute(db.update(User).where(User.id == convener.id).values(approved_at=utcnow(), active=False))
    db.session.commit()
    assert client.get(path).status_code == 302


def test_a_login_not_seen_lately_is_recorded_as_seen(app, client, ctx, monkeypatch):
    """The early answer writes nothing: a login last seen before SESSION_SEEN_EVERY goes the ordinary way."""
    from workspace.auth.models import UserSession

    convener, path = _on_a_kept_page(client)
    login = db.session.scalars(db.select(UserSession).where(UserSession.user_id == convener.id)).one()
    login.last_seen_at = utcnow() - dt.timedelta(hours=1)
    db.session.commit()
    loads = _counting_user_loads(app, monkeypatch)
    assert client.get(path).status_code == 200
    db.session.refresh(login)
    assert len(loads) == 1 and utcnow() - login.last_seen_at < dt.timedelta(minutes=1)
    client.get(path)
    assert len(loads) == 1  # seen now: the next hit is answered early again


def test_the_early_answer_leaves_session_protection_to_flask_login(client, ctx):
    """A session whose browser changed is marked not fresh (Flask-Login's "basic" protection) before any
    cached page is served to it."""
    _convener, path = _on_a_kept_page(client)
    with client.session_transaction() as session:
        session["_fresh"] = True
        session["_id"] = "another browser"
    assert client.get(path).status_code == 200
    with client.session_transaction() as session:
        assert session["_fresh"] is False


def test_the_early_answer_keeps_each_readers_language(client, ctx):
    """The key's language comes from the saved choice, else the browser's, as the ordinary way."""
    convener = make_user(locale=None)
    community = make_community(convener, name="Language Circle")
    client.login(convener)
    path = f"/c/{community.slug}/"
    for language, lang in (("en", "en"), ("zh-TW", "zh-Hant"), ("zh-CN", "zh-Hans")):
        for _ in range(3):
            page = client.get(path, headers={"Accept-Language": language}).get_data(as_text=True)
            assert f'<html lang="{lang}">' in page
    convener.locale = "zh_Hans"
    db.session.commit()
    for _ in range(3):
        page = client.get(path, headers={"Accept-Language": "en"}).get_data(as_text=True)
        assert '<html lang="zh-Hans">' in page


def test_a_page_that_varies_is_answered_early_by_its_variant(client, ctx, count_queries):
    """The activity page varies on whether the activity has started (no write marks that moment): the early
    answer asks `vary=` too, and serves the page of the other variant only once it is kept."""
    from tests.activities.helpers import make_club
    from workspace.activities.models import Activity

    club = make_club("varies")
    activity = club.activity()
    client.login(club.member)
    path = f"/c/varies/activities/{activity.id}"
    _warm(client, path)
    db.session.commit()
    with count_queries() as statements:
        assert client.get(path).status_code == 200
    assert len(statements) == 3  # the login, the counters, whether it has started
    # Time passes (written as a plain statement, which moves no counter, as the clock moves none).
    db.session.execute(db.update(Activity).where(Activity.id == activity.id)
                       .values(starts_at=utcnow() - dt.timedelta(minutes=5)))
    _rendered(client, path, count_queries)
    assert len(_served(client, path, count_queries)) == 3


def test_a_pending_message_is_shown_not_a_cached_page(client, ctx):
    convener = make_user()
    community = make_community(convener)
    client.login(convener)
    _warm(client, f"/c/{community.slug}/")
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "A message for you")]
    assert "A message for you" in client.get(f"/c/{community.slug}/").get_data(as_text=True)


def test_login_attempts_do_not_empty_the_cache(client, ctx):
    from workspace.auth.services import authenticate

    convener = make_user()
    community = make_community(convener)
    before = current_generation(community.slug)
    authenticate("nobody@school.test", "wrong password", "127.0.0.1")
    db.session.commit()
    assert current_generation(community.slug) == before


def test_a_page_that_changes_with_time_is_rendered_anew_once_its_time_has_passed(client, ctx, count_queries,
                                                                                 monkeypatch):
    convener = make_user()
    make_community(convener, slug="timely")
    client.login(convener)
    _warm(client, "/c/timely/activities/")  # declared expires=300: upcoming activities turn past
    _served_from_cache(client, "/c/timely/activities/", count_queries)
    later = cache.time.time() + 300
    monkeypatch.setattr(cache.time, "time", lambda: later)
    _rendered(client, "/c/timely/activities/", count_queries)


def test_the_embedded_store_is_shared_by_every_process_of_the_machine(app, client, ctx):
    """Pages are files under instance/page-cache: another worker (here another app on the same instance)
    finds the page this one stored."""
    from workspace import create_app

    convener = make_user()
    community = make_community(convener, name="Shared Circle")
    client.login(convener)
    _warm(client, f"/c/{community.slug}/")
    directory = page_store(app).directory
    stored = [path for path in directory.glob("*/*")]
    assert stored
    worker = create_app({"TESTING": True, "SECRET_KEY": app.config["SECRET_KEY"],
                         "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                         "INSTANCE_DIR": app.config["INSTANCE_DIR"], "SERVER_NAME": app.config["SERVER_NAME"]})
    found = [page_store(worker).get(path.parent.name + path.name) for path in stored]
    assert any(hit is not None and b"Shared Circle" in hit[0] for hit in found)
    with worker.app_context():
        db.engine.dispose()


def test_the_file_store_is_bounded(tmp_path):
    small = FileStore(tmp_path, max_bytes=30, max_age=float("inf"), prune_every=1000)
    for number in range(5):
        small.put(f"{number:064x}", b"1234", "text/html")
        os.utime(small._path(f"{number:064x}"), (number, 1_000_000_000 + number))
    small.prune()
    assert small.get(f"{0:064x}") is None and small.get(f"{4:064x}") == (b"1234", "text/html")
    assert sum(path.stat().st_size for path in tmp_path.glob("*/*")) <= 30


def _redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def test_with_redis_the_pages_live_in_redis(app, client, ctx, count_queries, monkeypatch):
    if not _redis_reachable():
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail("REQUIRE_REDIS=1 but Redis is not reachable on 127.0.0.1:6379")
        pytest.skip("Redis is not reachable on 127.0.0.1:6379 (REQUIRE_REDIS=1 makes this fail)")
    import redis

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    prefix = f"test-{uuid.uuid4().hex}"
    monkeypatch.setitem(app.config, "REDIS_URL", url)
    monkeypatch.setitem(app.config, "REDIS_PREFIX", prefix)
    monkeypatch.delitem(app.extensions, "page_store", raising=False)
    try:
        convener = make_user()
        community = make_community(convener, name="Redis Circle")
        client.login(convener)
        _warm(client, f"/c/{community.slug}/")
        assert "Redis Circle" in _served_from_cache(client, f"/c/{community.slug}/", count_queries)
        assert list(redis.Redis.from_url(url).scan_iter(f"{prefix}:page:*"))
        store.clear()
        assert not list(redis.Redis.from_url(url).scan_iter(f"{prefix}:page:*"))
    finally:
        app.extensions.pop("page_store", None)
