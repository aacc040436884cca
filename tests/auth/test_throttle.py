"""Login throttling without HTTP: per account and client, growing waits, the two ceilings that only slow, shared
storage.

Every test runs on the database store and again on Redis (when reachable; REQUIRE_REDIS=1 makes a missing
Redis fail): the counts must be the same wherever they are kept.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid

import pytest
from flask_babel import force_locale

from tests.factories import PASSWORD, make_user
from workspace.auth import services, throttle
from workspace.auth.throttle import Client
from workspace.core.database import utcnow
from workspace.extensions import db

REDIS = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
TEACHER = Client(address="203.0.113.10")  # the teacher's school network
STRANGER = Client(address="198.51.100.66")


def redis_reachable() -> bool:
    """Whether the test Redis answers (REQUIRE_REDIS=1 turns a missing one into a failure)."""
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail("REQUIRE_REDIS=1 but Redis is not reachable on 127.0.0.1:6379")
        return False


@pytest.fixture(params=["database", "redis"])
def store(request, app, ctx, monkeypatch) -> str:
    """Run the test on the database store, then on Redis under a key prefix of its own."""
    if request.param == "redis":
        if not redis_reachable():
            pytest.skip("Redis is not reachable on 127.0.0.1:6379 (REQUIRE_REDIS=1 makes this fail)")
        monkeypatch.setitem(app.config, "REDIS_URL", REDIS)
        monkeypatch.setitem(app.config, "REDIS_PREFIX", f"test-{uuid.uuid4().hex}")
        monkeypatch.delitem(app.extensions, "login_throttle_redis", raising=False)
    return request.param


@pytest.fixture(autouse=True)
def _settings(app, monkeypatch) -> None:
    """The shipped defaults, whatever the environment says."""
    for key, value in {"LOGIN_FAILURES_BEFORE_DELAY": 3, "LOGIN_DELAY_SECONDS": 5, "LOGIN_DELAY_MAX_SECONDS": 900,
                       "LOGIN_DELAY_MAX_PER_ADDRESS_SECONDS": 120,
                       "LOGIN_FAILURE_WINDOW_MINUTES": 1440, "LOGIN_FAILURES_PER_ACCOUNT": 100,
                       "LOGIN_RATE_LIMIT_PER_ADDRESS": "20 per 10 minutes"}.items():
        monkeypatch.setitem(app.config, key, value)


def fail(email: str, client: Client, at: dt.datetime) -> None:
    assert services.authenticate(email, "a wrong password!", client, now=at) is None
    db.session.flush()


def wait(email: str, client: Client, at: dt.datetime) -> int:
    refusal = services.login_refusal(email, client, now=at)
    return refusal.seconds if refusal else 0


def test_waits_start_after_three_failures_and_double_up_to_the_cap(store):
    """A browser that logged in to the account before is counted on its own: only it builds its waits, so they
    double up to the full cap of a quarter of an hour."""
    make_user(email="lin@school.test")
    her_browser = Client(address=STRANGER.address, browser="b" * 32)
    now = utcnow()
    waits = []
    for _ in range(13):
        assert wait("lin@school.test", her_browser, now) == 0  # each try comes once the last wait is over
        fail("lin@school.test", her_browser, now)
        waits.append(wait("lin@school.test", her_browser, now))
        now += dt.timedelta(seconds=waits[-1])
    assert waits == [0, 0, 5, 10, 20, 40, 80, 160, 320, 640, 900, 900, 900]
    # Halfway through a wait, the rest of it.
    assert wait("lin@school.test", her_browser, now - dt.timedelta(seconds=400)) == 400


def test_the_wait_one_network_address_builds_for_an_account_is_capped_at_two_minutes(store):
    """QA: a student on the school's NAT failed a teacher's login each time the wait ended (5 → 10 → … → 320 s):
    the teacher, in a fresh browser behind the same address, then waited six minutes with the right password, and
    could be kept waiting up to a quarter of an hour, again and again. Browsers that never logged in to the account
    share the address's count, so what they can be made to wait is what the address's guesser waits: two minutes
    at most, and the refusal says it is this network's count."""
    make_user(email="lin@school.test")
    now = utcnow()
    waits = []
    for _ in range(10):
        assert wait("lin@school.test", STRANGER, now) == 0
        fail("lin@school.test", STRANGER, now)
        waits.append(wait("lin@school.test", STRANGER, now))
        now += dt.timedelta(seconds=waits[-1])
    assert waits == [0, 0, 5, 10, 20, 40, 80, 120, 120, 120]
    fail("lin@school.test", STRANGER, now)
    refusal = services.login_refusal("lin@school.test", STRANGER, now=now)
    assert refusal == throttle.Refusal(throttle.NETWORK, 120)


def test_one_address_guessing_for_hours_gets_a_bounded_number_of_tries_and_slows_no_other_network(store, app,
                                                                                                  monkeypatch):
    """The cap lets one address try an account every two minutes: 720 tries a day at most (the password rules ask
    for about 10^8 guesses at least, so centuries). It fills at most half of the account's ceiling, so a single
    network never slows the teacher's logins from anywhere else, however long it keeps going (here two hours past a
    ceiling of 20, to keep the test short)."""
    monkeypatch.setitem(app.config, "LOGIN_FAILURES_PER_ACCOUNT", 20)
    teacher = make_user(email="lin@school.test")
    start = now = utcnow()
    tries = 0
    while now < start + dt.timedelta(hours=2):
        now += dt.timedelta(seconds=wait("lin@school.test", STRANGER, now))
        fail("lin@school.test", STRANGER, now)
        tries += 1
    assert 20 * 2 < tries <= 2 * 3600 // 120 + 10
    assert wait("lin@school.test", STRANGER, now) == 120
    assert services.login_refusal("lin@school.test", TEACHER, now=now) is None  # another network: not held back
    assert services.authenticate("lin@school.test", PASSWORD, TEACHER, now=now) is teacher


def test_two_networks_together_reach_the_accounts_ceiling(store, app, monkeypatch):
    """Half the ceiling per address: guessing spread over two networks or more still meets it."""
    monkeypatch.setitem(app.config, "LOGIN_FAILURES_PER_ACCOUNT", 10)
    monkeypatch.setitem(app.config, "LOGIN_DELAY_MAX_PER_ADDRESS_SECONDS", 5)
    make_user(email="lin@school.test")
    other = Client(address="192.0.2.7")
    now = utcnow()
    for _ in range(12):
        now += dt.timedelta(seconds=wait("lin@school.test", STRANGER, now))
        fail("lin@school.test", STRANGER, now)
    assert wait("lin@school.test", TEACHER, now) == 0  # twelve from one address count as five
    for _ in range(5):
        now += dt.timedelta(seconds=wait("lin@school.test", other, now))
        fail("lin@school.test", other, now)
    refusal = services.login_refusal("lin@school.test", TEACHER, now=now)
    assert refusal is not None and refusal.reason == throttle.ACCOUNT
    # Past the ceiling every failure counts towards the doubling: 17 failures, 8 past the ceiling of 10.
    assert refusal.seconds == 5 * 2 ** 7


def test_a_stranger_failing_20_times_elsewhere_does_not_stop_the_teacher(store):
    teacher = make_user(email="lin@school.test")
    now = utcnow()
    for _ in range(20):
        now += dt.timedelta(seconds=wait("lin@school.test", STRANGER, now))
        fail("lin@school.test", STRANGER, now)
    assert wait("lin@school.test", STRANGER, now) == 120  # the stranger waits
    assert wait("lin@school.test", TEACHER, now) == 0  # the teacher does not
    assert services.authenticate("lin@school.test", PASSWORD, TEACHER, now=now) is teacher


def test_a_known_browser_is_counted_apart_from_strangers_at_the_same_address(store):
    """A classroom behind the school's one address guesses; the teacher's own browser there still gets in."""
    teacher = make_user(email="lin@school.test")
    her_browser = Client(address=STRANGER.address, browser="b" * 32)
    now = utcnow()
    for _ in range(8):
        now += dt.timedelta(seconds=wait("lin@school.test", STRANGER, now))
        fail("lin@school.test", STRANGER, now)
    assert wait("lin@school.test", STRANGER, now) > 0
    assert wait("lin@school.test", her_browser, now) == 0
    assert services.authenticate("lin@school.test", PASSWORD, her_browser, now=now) is teacher


def test_a_success_forgives_that_clients_failures_only(store):
    make_user(email="lin@school.test")
    start = now = utcnow()
    for client in (TEACHER, STRANGER):
        for _ in range(3):
            fail("lin@school.test", client, now)
    assert wait("lin@school.test", TEACHER, now) == 5
    now += dt.timedelta(seconds=5)
    assert services.authenticate("lin@school.test", PASSWORD, TEACHER, now=now) is not None
    db.session.flush()
    fail("lin@school.test", TEACHER, now)
    assert wait("lin@school.test", TEACHER, now) == 0  # a fresh start after her own success
    assert wait("lin@school.test", STRANGER, start) == 5  # the stranger's count stays


def test_failures_older_than_the_window_are_forgotten(store, app):
    make_user(email="lin@school.test")
    long_ago = utcnow() - dt.timedelta(minutes=app.config["LOGIN_FAILURE_WINDOW_MINUTES"] + 1)
    for _ in range(10):
        fail("lin@school.test", STRANGER, long_ago)
    assert wait("lin@school.test", STRANGER, utcnow()) == 0


def test_guessing_from_many_addresses_slows_unknown_browsers_for_minutes_not_a_day(store, app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_FAILURES_PER_ACCOUNT", 10)
    teacher = make_user(email="lin@school.test")
    start = utcnow()
    for number in range(10):
        fail("lin@school.test", Client(address=f"198.51.100.{number}"), start + dt.timedelta(seconds=number))
    now = start + dt.timedelta(seconds=9)
    refusal = services.login_refusal("lin@school.test", TEACHER, now=now)
    assert refusal is not None and refusal.reason == throttle.ACCOUNT
    assert refusal.seconds == 5  # after the latest failure, not until the oldest leaves the day's window
    # Each further failure doubles the pause, up to the cap of a quarter of an hour.
    for number in range(10, 20):
        now += dt.timedelta(seconds=wait("lin@school.test", TEACHER, now))
        fail("lin@school.test", Client(address=f"198.51.100.{number}"), now)
    assert services.login_refusal("lin@school.test", TEACHER, now=now).seconds == 900
    # Once it is sat out, the teacher's right password from a new device gets in.
    later = now + dt.timedelta(seconds=900)
    assert wait("lin@school.test", TEACHER, later) == 0
    assert services.authenticate("lin@school.test", PASSWORD, TEACHER, now=later) is teacher
    # A browser that logged in to the account before is not held back at all.
    known = Client(address=TEACHER.address, browser="c" * 32)
    assert wait("lin@school.test", known, now) == 0
    assert services.authenticate("lin@school.test", PASSWORD, known, now=now) is teacher
    # Other accounts are not affected.
    assert wait("wang@school.test", TEACHER, now) == 0


def test_made_up_addresses_from_a_shared_network_do_not_stop_a_teacher_there(store):
    """A student on the school Wi-Fi fails 50 times with invented addresses: a teacher behind the same address,
    on a browser that never logged in here, still gets in with her password."""
    teacher = make_user(email="lin@school.test")
    now = utcnow()
    for number in range(50):
        assert wait(f"nobody{number}@x.example", STRANGER, now) == 0  # each new address is checked, not refused
        fail(f"nobody{number}@x.example", STRANGER, now)
    assert wait("lin@school.test", STRANGER, now) == 0
    assert services.authenticate("lin@school.test", PASSWORD, STRANGER, now=now) is teacher


def test_a_busy_address_guessing_one_account_waits_from_its_first_failure(store, app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT_PER_ADDRESS", "5 per 10 minutes")
    now = utcnow()
    for number in range(5):
        fail(f"teacher{number}@school.test", STRANGER, now)
    # Past the address's ceiling its free tries are gone: one more failure on an account, and that account waits.
    assert wait("lin@school.test", STRANGER, now) == 0
    fail("lin@school.test", STRANGER, now)
    refusal = services.login_refusal("lin@school.test", STRANGER, now=now)
    assert refusal is not None and refusal.reason == throttle.NETWORK and refusal.seconds == 5
    now += dt.timedelta(seconds=5)
    fail("lin@school.test", STRANGER, now)
    assert wait("lin@school.test", STRANGER, now) == 10
    assert wait("lin@school.test", TEACHER, now) == 0  # other networks are not affected
    assert wait("wang@school.test", STRANGER, now) == 0  # nor other accounts from here
    # Once the address's period is over, its free tries are back.
    assert wait("lin@school.test", STRANGER, now + dt.timedelta(minutes=10)) == 0


def test_the_counts_ignore_whether_the_account_exists_or_is_active(store):
    make_user(email="lin@school.test")
    make_user(email="gone@school.test", active=False)
    now = utcnow()
    for email in ("lin@school.test", "gone@school.test", "nobody@school.test"):
        for _ in range(4):
            fail(email, STRANGER, now)
    assert {wait(email, STRANGER, now) for email in ("lin@school.test", "gone@school.test",
                                                     "nobody@school.test")} == {10}


def test_the_throttle_keeps_nothing_in_the_process(store, app, ctx):
    """Counts made through one app instance are seen by another (a second worker, another server)."""
    make_user(email="lin@school.test")
    now = utcnow()
    for _ in range(3):
        fail("lin@school.test", STRANGER, now)
    db.session.commit()
    from workspace import create_app

    other = create_app({"TESTING": True, "SECRET_KEY": app.config["SECRET_KEY"], "PASSWORD_HASH_PROFILE": "fast",
                        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                        "INSTANCE_DIR": app.config["INSTANCE_DIR"],
                        **{key: app.config[key] for key in ("REDIS_URL", "REDIS_PREFIX")
                           if app.config.get(key)}})
    with other.test_request_context():
        assert other.config.get("REDIS_URL") == app.config.get("REDIS_URL")
        assert wait("lin@school.test", STRANGER, now) == 5
        db.session.remove()


@pytest.mark.parametrize(("locale", "words"), [("en", "Wait 15 minutes, then try again."),
                                               ("zh_Hant", "請等候 15 分鐘後再試。"),
                                               ("zh_Hans", "请等候15分钟后再试。")])
def test_the_wait_is_said_in_the_users_language(ctx, locale, words):
    from workspace.auth.routes import _refusal_message

    with force_locale(locale):
        text = _refusal_message(throttle.Refusal(throttle.DELAY, 841))
    assert words in text


@pytest.mark.parametrize(("address", "counted_as"), [
    ("203.0.113.10", "203.0.113.10"),
    ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
    ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
    ("::ffff:203.0.113.10", "203.0.113.10"),
    ("", ""),
    ("not an address", "not an address"),
])
def test_an_ipv6_client_is_counted_by_its_64(address, counted_as):
    assert throttle.network_of(address) == counted_as


def test_while_redis_is_away_the_database_keeps_counting(app, ctx, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:9/0")  # nothing listens there
    monkeypatch.delitem(app.extensions, "login_throttle_redis", raising=False)
    make_user(email="lin@school.test")
    now = utcnow()
    for _ in range(3):
        fail("lin@school.test", STRANGER, now)
    assert wait("lin@school.test", STRANGER, now) == 5


def test_the_daily_purge_drops_attempts_the_throttle_no_longer_counts(app, ctx):
    """login_attempts grew by a row per login for ever; the daily job keeps only what the throttle still reads."""
    from sqlalchemy import func, select

    from workspace.auth.models import LoginAttempt

    now = utcnow()
    window = dt.timedelta(minutes=app.config["LOGIN_FAILURE_WINDOW_MINUTES"])
    for age in (dt.timedelta(minutes=1), window - dt.timedelta(minutes=1), window + dt.timedelta(minutes=1),
                dt.timedelta(days=400)):
        db.session.add(LoginAttempt(email="lin@school.test", address=TEACHER.address, succeeded=False,
                                    attempted_at=now - age))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["purge-trash"])
    assert result.exit_code == 0, result.output
    assert "Old login attempts removed: 2" in result.output
    assert db.session.scalar(select(func.count(LoginAttempt.id))) == 2
    # What is left still counts: the two recent failures are the teacher's, from her address.
    assert throttle.check("lin@school.test", TEACHER) is None
