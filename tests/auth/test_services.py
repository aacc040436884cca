"""Account rules without HTTP: registration, hashing, login throttling, reset links, admin rights."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from tests.factories import PASSWORD, add_member, make_community, make_user
from workspace.auth import services
from workspace.auth.models import LoginAttempt, PasswordReset, User, UserSession
from workspace.communities.models import Membership
from workspace.core.database import utcnow
from workspace.core.errors import ValidationError
from workspace.core.models import AuditEvent
from workspace.extensions import db


@pytest.fixture(autouse=True)
def _english(ctx):
    """Messages in English, whatever catalogues exist, so that the tests can read them."""
    with force_locale("en"):
        yield


def _register(**overrides) -> User:
    values = {"email": "lin@school.test", "display_name": "林老師", "password": PASSWORD}
    values.update(overrides)
    return services.register_user(**values)


def _attempts(email: str) -> list[LoginAttempt]:
    return list(db.session.scalars(select(LoginAttempt).where(LoginAttempt.email == email).order_by(LoginAttempt.id)))


# --- registration ------------------------------------------------------------------------------


def test_register_user_normalises_email_case_and_space():
    user = _register(email="  Lin.Ming@School.TEST ", display_name="  林明  ")
    assert user.id is not None
    assert user.email == "lin.ming@school.test"
    assert user.display_name == "林明"
    assert services.find_user_by_email("LIN.MING@school.test") is user


def test_register_user_refuses_the_same_address_in_another_case():
    _register(email="lin@school.test")
    with pytest.raises(ValidationError) as caught:
        _register(email="LIN@School.Test", display_name="Someone else")
    assert caught.value.field == "email"
    assert "already exists" in caught.value.message
    assert db.session.scalar(select(func.count(User.id))) == 1


@pytest.mark.parametrize(
    "email", ["not-an-address", "lin@", "@school.test", "lin@@school.test", "", "lin school@x.test"]
)
def test_register_user_refuses_an_invalid_email(email):
    with pytest.raises(ValidationError) as caught:
        _register(email=email)
    assert caught.value.field == "email"
    assert "valid email" in caught.value.message


@pytest.mark.parametrize("name", ["", "   ", "\x00\x07", "\r\n\t"])
def test_register_user_refuses_an_empty_name(name):
    with pytest.raises(ValidationError) as caught:
        _register(display_name=name)
    assert caught.value.field == "display_name"


@pytest.mark.parametrize("name", ["系統通知：密碼已過期，請至 http://evil.example 重設", "請至 evil.com重設",
                                  "www.evil", "ｅｖｉｌ．ｃｏｍ", "chen@evil.tw", "Dr.Chen", "HTTPS://X"])
def test_a_name_a_mail_program_would_make_a_link_of_is_refused(name):
    """Names are quoted in other people's notification e-mails: none may carry a link there."""
    with pytest.raises(ValidationError) as caught:
        _register(display_name=name)
    assert caught.value.field == "display_name" and "web address" in caught.value.message


@pytest.mark.parametrize("name", ["Dr. Chen", "J.R.R. Tolkien", "陳怡君", "王 小明 (Ms.)", "Mary-Jane O'Neil",
                                  "阿沙·布農"])
def test_names_with_full_stops_and_other_signs_are_kept(name):
    assert _register(display_name=name).display_name == name


@pytest.mark.parametrize("name", ["陳怡君\u200b", "\u200d陳怡君", "陳\ufeff怡君", "陳怡君\u00ad", "\u202e陳怡君\u2060"])
def test_a_name_is_stored_without_what_shows_nothing(name):
    assert _register(display_name=name).display_name == "陳怡君"


@pytest.mark.parametrize("name", ["\u200b\u200d", "\ufeff\u2060", "\u3164"])
def test_a_name_of_nothing_but_invisible_characters_is_refused(name):
    with pytest.raises(ValidationError) as caught:
        _register(display_name=name)
    assert caught.value.field == "display_name"


# --- names that members of one community cannot tell apart -----------------------------------------


def _shared_community(*people, name: str = "五年級數學"):
    community = make_community(people[0], name=name)
    for person in people[1:]:
        add_member(community, person)
    return community


def _rename(user, name: str, **fields) -> None:
    services.update_profile(user, display_name=name, locale=None, school_id=None, **fields)


@pytest.mark.parametrize("lookalike", ["陳怡君", "陳怡君\u200b", "陈怡君", " 陳 怡君 ", "\u202e陳怡君", "陳\u3000怡君"])
def test_a_member_cannot_rename_themself_to_the_name_of_another_member(lookalike):
    """The convener's exact name taken by a member relabelled all the member's posts as hers (QA, major)."""
    convener = make_user(display_name="陳怡君")
    member = make_user(display_name="張家瑋")
    _shared_community(convener, member)
    with pytest.raises(ValidationError) as caught:
        _rename(member, lookalike)
    assert caught.value.field == "display_name"
    assert caught.value.message == ("Another member of “五年級數學” is already called 陳怡君. Add something that "
                                    "tells you apart, such as your subject or your school.")
    db.session.rollback()
    assert db.session.get(User, member.id).display_name == "張家瑋"


def test_the_refusal_suggests_the_name_with_ones_subject_or_school():
    convener = make_user(display_name="陳怡君")
    member = make_user(display_name="張家瑋", subjects=["數學", "自然"])
    _shared_community(convener, member)
    with pytest.raises(ValidationError) as caught:
        _rename(member, "陳怡君")
    assert caught.value.message.endswith("such as 陳怡君 (數學).")
    with force_locale("zh_Hant"), pytest.raises(ValidationError) as caught:
        _rename(member, "陳怡君", title="none", subjects="")
    assert "陳怡君" in caught.value.message and "陳怡君（" not in caught.value.message  # no subject left to suggest
    db.session.rollback()


@pytest.mark.parametrize(("locale", "words"), [
    ("zh_Hant", "「五年級數學」已有另一位成員叫做陳怡君。請加上能區分兩人的文字，例如陳怡君（數學）。"),
    ("zh_Hans", "“五年級數學”已有另一位成员叫做陳怡君。请加上能区分两人的文字，例如陳怡君（數學）。"),
])
def test_the_refusal_speaks_the_users_language(locale, words):
    convener = make_user(display_name="陳怡君")
    member = make_user(display_name="張家瑋", subjects=["數學"])
    _shared_community(convener, member)
    with force_locale(locale), pytest.raises(ValidationError) as caught:
        _rename(member, "陳怡君")
    assert caught.value.message == words


def test_namesakes_stay_apart_only_where_they_meet():
    """Real namesakes exist: nothing stops signing up with a name taken elsewhere, joining a community where a
    namesake is, or saving one's profile with the name one has; only a rename into another member's name."""
    convener = make_user(display_name="陳怡君")
    _shared_community(convener, make_user())
    stranger = make_user(display_name="王老師")
    _rename(stranger, "陳怡君")  # no community in common: a namesake elsewhere is no one's impersonation
    assert stranger.display_name == "陳怡君"
    namesake = _register(email="chen.yijun2@school.test", display_name="陳怡君")  # signing up is never refused
    community = _shared_community(convener, namesake, name="數學領域")
    _rename(namesake, "陳怡君", title="senior", subjects="數學")  # saving one's own name again, the profile changed
    assert namesake.display_name == "陳怡君" and namesake.subjects == ["數學"]
    _rename(namesake, "陳怡君（數學）")
    assert namesake.display_name == "陳怡君（數學）"
    with pytest.raises(ValidationError):
        _rename(namesake, "陳怡君")  # once apart, not back
    db.session.rollback()
    assert community.id


def test_departed_and_deactivated_members_leave_their_names_free():
    from workspace.communities import services as community_services

    convener = make_user(display_name="陳怡君")
    departed = make_user(display_name="林志豪")
    deactivated = make_user(display_name="黃美玲")
    member = make_user(display_name="張家瑋")
    _shared_community(convener, deactivated, member)
    community = _shared_community(convener, departed, member, name="數學領域")
    leaving = db.session.scalar(select(Membership).where(Membership.community_id == community.id,
                                                         Membership.user_id == departed.id))
    community_services.leave_community(leaving, actor=departed)
    deactivated.active = False
    db.session.commit()
    _rename(member, "林志豪")
    _rename(member, "黃美玲")
    assert member.display_name == "黃美玲"


@pytest.mark.parametrize(
    ("password", "words"),
    [
        ("short", "at least 10"),
        ("123456789", "at least 10"),
        ("aaaaaaaaaaaaaaa", "too easy"),
        ("abababababab", "too easy"),
    ],
)
def test_register_user_refuses_short_or_trivial_passwords(password, words):
    with pytest.raises(ValidationError) as caught:
        _register(password=password)
    assert caught.value.field == "password"
    assert words in caught.value.message
    assert db.session.scalar(select(func.count(User.id))) == 0


@pytest.mark.parametrize(
    ("password", "words"),
    [
        ("password12", "most common passwords"),
        ("1234567890", "most common passwords"),
        ("qwertyuiop", "most common passwords"),
        ("1qaz2wsx3edc", "most common passwords"),
        ("iloveyou123", "most common passwords"),
        ("P@ssw0rd2024!", "most common passwords"),
        ("woaini1314", "most common passwords"),
        ("teacher2026", "most common passwords"),
        ("abcdefghijkl", "too easy to guess"),
        ("asdfghjkl;'", "too easy to guess"),
    ],
)
def test_register_user_refuses_common_and_guessable_passwords(password, words):
    with pytest.raises(ValidationError) as caught:
        _register(password=password)
    assert caught.value.field == "password"
    assert words in caught.value.message
    assert "short sentence" in caught.value.message  # and says what works instead
    assert db.session.scalar(select(func.count(User.id))) == 0


@pytest.mark.parametrize("password", ["lin.meiling2026", "Lin.Meiling!!", "meiling12345"])
def test_a_password_made_of_ones_own_name_or_address_is_refused(password):
    with pytest.raises(ValidationError) as caught:
        _register(email="lin.meiling@school.test", display_name="林美玲", password=password)
    assert "your name or email address" in caught.value.message
    user = make_user(email="lin.meiling@school.test")
    with pytest.raises(ValidationError):
        services.set_password(user, password)


@pytest.mark.parametrize(("email", "name", "password"), [
    ("lin.jiarong@newschool.edu.tw", "林佳蓉", "linjiarong1"),
    ("huang.xiaoming@newschool.edu.tw", "黃小明", "huangxiaoming1"),
    ("chen-yijun@school.test", "陳怡君", "chenyijun2026"),
    ("teacher42@school.test", "Lin Jiarong", "linjiarong1"),
    ("teacher42@school.test", "Huang Xiao-Ming", "HuangXiaoMing1"),
])
def test_a_password_made_of_the_address_or_name_run_together_is_refused(email, name, password):
    """QA 13: `_personal_words` knew lin.jiarong, lin and jiarong, not linjiarong: `linjiarong1` scored 3 and was
    taken, though the user guide says a password made of one's own name or address is refused."""
    with pytest.raises(ValidationError) as caught:
        _register(email=email, display_name=name, password=password)
    assert "your name or email address" in caught.value.message


@pytest.mark.parametrize("password", [PASSWORD, "demo-password-2026", "correct horse battery staple",
                                      "光華國小數學社群2026", "Tr0ub4dor&3x-42",
                                      "x" * 5 + "a rather long passphrase " * 40])
def test_good_passwords_are_accepted(password):
    user = _register(password=password)
    assert services.verify_password(user, password)


@pytest.mark.parametrize(("locale", "words"), [("zh_Hant", "常見"), ("zh_Hans", "常见"), ("en", "common")])
def test_the_weak_password_message_speaks_the_users_language(locale, words):
    with force_locale(locale), pytest.raises(ValidationError) as caught:
        _register(password="password12")
    assert words in caught.value.message


def test_password_hashes_are_argon2_verify_and_differ_per_user():
    first = _register(email="a@school.test")
    second = _register(email="b@school.test")
    assert first.password_hash.startswith("$argon2id$")
    assert PASSWORD not in first.password_hash
    assert first.password_hash != second.password_hash  # a fresh salt each time
    assert services.verify_password(first, PASSWORD)
    assert services.verify_password(second, PASSWORD)
    assert not services.verify_password(first, PASSWORD + "x")
    assert not services.verify_password(first, "")


def test_verify_password_survives_a_broken_hash():
    user = _register()
    user.password_hash = "not a hash"
    assert services.verify_password(user, PASSWORD) is False


# --- authentication and throttling --------------------------------------------------------------


def test_authenticate_returns_the_user_and_records_the_attempt():
    user = _register(email="lin@school.test")
    assert user.last_login_at is None
    assert services.authenticate(" LIN@school.test ", PASSWORD, "10.0.0.7") is user
    [attempt] = _attempts("lin@school.test")
    assert attempt.succeeded is True
    assert attempt.address == "10.0.0.7"
    assert user.last_login_at is not None


def test_authenticate_refuses_wrong_password_unknown_email_and_deactivated_user():
    user = _register(email="lin@school.test")
    assert services.authenticate("lin@school.test", "a wrong password!", "10.0.0.7") is None
    assert services.authenticate("nobody@school.test", PASSWORD, "10.0.0.7") is None
    user.active = False
    assert services.authenticate("lin@school.test", PASSWORD, "10.0.0.7") is None
    db.session.flush()
    assert [a.succeeded for a in _attempts("lin@school.test")] == [False, False]
    assert [a.succeeded for a in _attempts("nobody@school.test")] == [False]
    assert user.last_login_at is None


def test_every_failed_login_checks_one_hash_whatever_the_account_state(counting):
    _register(email="lin@school.test")
    _register(email="gone@school.test").active = False
    db.session.flush()
    cases = {
        "wrong password": ("lin@school.test", "a wrong password!"),
        "no such account": ("nobody@school.test", PASSWORD),
        "deactivated, wrong password": ("gone@school.test", "a wrong password!"),
        "deactivated, right password": ("gone@school.test", PASSWORD),
    }
    for case, (email, password) in cases.items():
        counting.verified.clear()
        assert services.authenticate(email, password, "10.0.0.7") is None, case
        assert len(counting.verified) == 1, case
        # The missing account is checked against a hash of the same kind and cost as a real one.
        assert counting.verified[0].startswith("$argon2id$v=19$m=8,t=1,p=1$"), case
    counting.verified.clear()
    assert services.authenticate("lin@school.test", PASSWORD, "10.0.0.7") is not None
    assert len(counting.verified) == 1


# Throttling (waits, ceilings, the window, what a success forgives): tests/auth/test_throttle.py.


# --- logins (sessions) ----------------------------------------------------------------------


def _login(user: User, **extra) -> str:
    services.start_session(user, user_agent=extra.pop("user_agent", "pytest"), address="192.0.2.7", **extra)
    db.session.flush()
    return user.session_token


def test_load_user_from_session_id_checks_the_login_and_its_secret():
    user = _register()
    session_id = _login(user)
    login_id, _, secret = session_id.partition(":")
    assert services.load_user_from_session_id(session_id) is user
    assert services.load_user_from_session_id(f"{login_id}:wrong") is None
    assert services.load_user_from_session_id(login_id) is None
    assert services.load_user_from_session_id("x:y") is None
    assert services.load_user_from_session_id(f"999999:{secret}") is None
    # Ids past 64 bits and non-ASCII digits are nobody, not an error.
    assert services.load_user_from_session_id(f"{2**64}:{secret}") is None
    assert services.load_user_from_session_id(f"١٢:{secret}") is None
    # Only the secret's hash is stored.
    login = db.session.get(UserSession, int(login_id))
    assert login.secret_hash == hashlib.sha256(secret.encode()).hexdigest() and secret not in login.secret_hash


def test_an_ended_or_expired_login_loads_nobody():
    user = _register()
    ended, expired, open_ = _login(user), _login(user), _login(user)
    services.end_session(db.session.get(UserSession, int(ended.partition(":")[0])))
    db.session.get(UserSession, int(expired.partition(":")[0])).expires_at = utcnow() - dt.timedelta(seconds=1)
    db.session.flush()
    assert services.load_user_from_session_id(ended) is None
    assert services.load_user_from_session_id(expired) is None
    assert services.load_user_from_session_id(open_) is user


def test_a_remembered_login_lasts_as_long_as_its_cookie_and_another_until_unused(app):
    user = _register()
    remembered = services.start_session(user, user_agent="", address="", remember=True)
    plain = services.start_session(user, user_agent="", address="")
    now = utcnow()
    assert abs(remembered.expires_at - (now + app.config["REMEMBER_COOKIE_DURATION"])) < dt.timedelta(minutes=1)
    idle = dt.timedelta(days=app.config["SESSION_IDLE_DAYS"])
    assert abs(plain.expires_at - (now + idle)) < dt.timedelta(minutes=1)


def test_set_password_ends_every_login_but_the_one_kept():
    user = _register()
    old_session_id = _login(user)
    kept_session_id = _login(user)
    services.set_password(user, "a brand new passphrase", keep=user.login)
    db.session.flush()
    assert services.load_user_from_session_id(old_session_id) is None
    assert services.load_user_from_session_id(kept_session_id) is user
    assert services.verify_password(user, "a brand new passphrase")
    assert not services.verify_password(user, PASSWORD)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.password_changed")) is not None


def test_set_password_refuses_a_weak_password_and_keeps_the_old_one():
    user = _register()
    session_id = _login(user)
    with pytest.raises(ValidationError) as caught:
        services.set_password(user, "short", field="new_password")
    assert caught.value.field == "new_password"
    assert services.verify_password(user, PASSWORD)
    assert services.load_user_from_session_id(session_id) is user


def test_end_other_sessions_keeps_this_one_and_is_audited():
    user, other_user = _register(), make_user()
    this, first, second = _login(user), _login(user), _login(user)
    keep = user.login
    assert keep.id == int(second.partition(":")[0])
    someone_elses = _login(other_user)
    assert services.end_other_sessions(user, keep=db.session.get(UserSession, int(this.partition(":")[0])),
                                       actor=user) == 2
    db.session.flush()
    assert services.load_user_from_session_id(this) is user
    assert services.load_user_from_session_id(first) is None and services.load_user_from_session_id(second) is None
    assert services.load_user_from_session_id(someone_elses) is other_user
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.sessions_ended"))
    assert event.data == {"count": 2}


def test_active_sessions_lists_only_the_persons_own_open_logins():
    user, other_user = _register(), make_user()
    mine = _login(user, user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
                                   "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1")
    ended = _login(user)
    _login(other_user)
    services.end_session(db.session.get(UserSession, int(ended.partition(":")[0])))
    db.session.flush()
    logins = services.active_sessions(user)
    assert [login.id for login in logins] == [int(mine.partition(":")[0])]
    assert services.find_session(user, int(ended.partition(":")[0])) is None
    assert services.find_session(other_user, logins[0].id) is None
    assert services.device_label(logins[0].user_agent) == "Mobile Safari on iPhone"


@pytest.mark.parametrize(("agent", "label"), [
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 "
     "Safari/537.36", "Chrome on Windows"),
    ("Mozilla/5.0 (Linux; Android 14; SM-A546B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile "
     "Safari/537.36", "Chrome Mobile on Android"),
    ("", "An unknown browser"),
    ("<script>", "An unknown browser"),
])
def test_device_label_names_browser_and_system(agent, label):
    assert services.device_label(agent) == label


def test_purge_sessions_deletes_ended_and_expired_logins_only():
    user = _register()
    ended, expired, open_ = _login(user), _login(user), _login(user)
    services.end_session(db.session.get(UserSession, int(ended.partition(":")[0])))
    db.session.get(UserSession, int(expired.partition(":")[0])).expires_at = utcnow() - dt.timedelta(seconds=1)
    db.session.flush()
    assert services.purge_sessions() == 2
    assert [login.id for login in db.session.scalars(select(UserSession))] == [int(open_.partition(":")[0])]


def test_a_new_login_clears_away_the_persons_ended_logins():
    user = _register()
    ended = _login(user)
    services.end_session(db.session.get(UserSession, int(ended.partition(":")[0])))
    db.session.flush()
    fresh = _login(user)
    assert [login.id for login in db.session.scalars(select(UserSession))] == [int(fresh.partition(":")[0])]
    assert services.load_user_from_session_id(ended) is None  # the id may come back, the secret does not


# --- password reset links ------------------------------------------------------------------------


def test_reset_token_is_stored_only_as_its_sha256():
    user = make_user()
    token = services.create_password_reset(user)
    db.session.flush()
    [reset] = db.session.scalars(select(PasswordReset)).all()
    assert reset.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in {reset.token_hash, str(reset.id)}
    assert len(token) >= 32
    assert services.find_password_reset(token) is reset
    assert services.find_password_reset(reset.token_hash) is None  # the hash is not a token


def test_reset_link_works_once():
    user = make_user()
    token = services.create_password_reset(user)
    db.session.flush()
    assert services.reset_link_problem(services.find_password_reset(token)) is None
    assert services.use_password_reset(token, "my new long password") is user
    db.session.flush()
    assert services.verify_password(user, "my new long password")
    problem = services.reset_link_problem(services.find_password_reset(token))
    assert problem and "already been used" in problem
    with pytest.raises(ValidationError) as caught:
        services.use_password_reset(token, "yet another password")
    assert "already been used" in caught.value.message
    assert services.verify_password(user, "my new long password")


def test_reset_link_expires():
    user = make_user()
    token = services.create_password_reset(user)
    db.session.flush()
    reset = services.find_password_reset(token)
    reset.expires_at = utcnow() - dt.timedelta(seconds=1)
    db.session.flush()
    problem = services.reset_link_problem(services.find_password_reset(token))
    assert problem and "expired" in problem
    with pytest.raises(ValidationError):
        services.use_password_reset(token, "my new long password")
    assert services.verify_password(user, PASSWORD)


def test_reset_link_problems_for_unknown_and_deactivated():
    assert "not valid" in services.reset_link_problem(None)
    assert services.find_password_reset("no-such-token") is None
    user = make_user()
    token = services.create_password_reset(user)
    user.active = False
    db.session.flush()
    assert "deactivated" in services.reset_link_problem(services.find_password_reset(token))


def test_reset_link_lifetime_follows_the_argument_and_the_config(app):
    user = make_user()
    default_token = services.create_password_reset(user)
    short_token = services.create_password_reset(user, hours=1)
    db.session.flush()
    now = utcnow()
    default_left = services.find_password_reset(default_token).expires_at - now
    short_left = services.find_password_reset(short_token).expires_at - now
    hours = app.config["RESET_LINK_HOURS"]
    assert dt.timedelta(hours=hours) - dt.timedelta(minutes=1) < default_left <= dt.timedelta(hours=hours)
    assert dt.timedelta(minutes=59) < short_left <= dt.timedelta(hours=1)


def test_using_one_link_kills_the_other_open_links():
    user = make_user()
    other_user = make_user()
    first = services.create_password_reset(user)
    second = services.create_password_reset(user)
    someone_elses = services.create_password_reset(other_user)
    db.session.flush()
    services.use_password_reset(second, "my new long password")
    db.session.flush()
    assert "already been used" in services.reset_link_problem(services.find_password_reset(first))
    assert services.reset_link_problem(services.find_password_reset(someone_elses)) is None


def test_using_a_reset_link_signs_out_old_sessions():
    user = make_user()
    old_session_id = _login(user)
    token = services.create_password_reset(user)
    db.session.flush()
    services.use_password_reset(token, "my new long password")
    db.session.flush()
    assert services.load_user_from_session_id(old_session_id) is None


def test_a_weak_password_does_not_use_up_the_link():
    user = make_user()
    token = services.create_password_reset(user)
    db.session.flush()
    with pytest.raises(ValidationError) as caught:
        services.use_password_reset(token, "short")
    assert caught.value.field == "password"
    db.session.flush()
    assert services.reset_link_problem(services.find_password_reset(token)) is None


# --- administration of accounts ------------------------------------------------------------------


def test_set_user_active_refuses_deactivating_oneself():
    admin = make_user(is_admin=True)
    with pytest.raises(ValidationError):
        services.set_user_active(admin, False, actor=admin)
    assert admin.active is True


def test_set_user_active_deactivates_and_signs_out_then_reactivates():
    admin = make_user(is_admin=True)
    user = make_user()
    session_id = _login(user)
    services.set_user_active(user, False, actor=admin)
    db.session.flush()
    assert user.active is False and user.is_active is False
    assert services.load_user_from_session_id(session_id) is None
    services.set_user_active(user, True, actor=admin)
    db.session.flush()
    assert user.active is True
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["user.deactivated", "user.activated"]


def test_set_user_admin_refuses_removing_ones_own_rights():
    admin = make_user(is_admin=True)
    with pytest.raises(ValidationError):
        services.set_user_admin(admin, False, actor=admin)
    assert admin.is_admin is True


def test_set_user_admin_grants_and_revokes_for_others():
    admin = make_user(is_admin=True)
    user = make_user()
    services.set_user_admin(user, True, actor=admin)
    assert user.is_admin is True
    services.set_user_admin(user, False, actor=admin)
    assert user.is_admin is False


def test_create_admin_creates_a_new_administrator():
    user = services.create_admin("Boss@School.test", "an admin passphrase")
    db.session.flush()
    assert user.email == "boss@school.test"
    assert user.display_name == "Boss"
    assert user.is_admin and user.active
    assert services.verify_password(user, "an admin passphrase")


def test_create_admin_without_a_name_takes_one_from_the_address_without_its_dots():
    user = services.create_admin("chen.yijun@school.test", "an admin passphrase")
    assert user.display_name == "chen yijun"


def test_create_admin_with_a_name_renames_an_existing_account():
    """QA 13: `create-admin` run without --name made the administrator "it"; run again with --name, it renames them
    (it used to leave the name as it was), refusing a name as any other form does."""
    services.create_admin("it@newschool.edu.tw", "an admin passphrase")
    user = services.create_admin("it@newschool.edu.tw", "an admin passphrase", "資訊組 林老師")
    assert user.display_name == "資訊組 林老師"
    with pytest.raises(ValidationError):
        services.create_admin("it@newschool.edu.tw", "an admin passphrase", "www.evil.example")
    assert services.create_admin("it@newschool.edu.tw", "an admin passphrase").display_name == "資訊組 林老師"


def test_create_admin_promotes_an_existing_account():
    existing = make_user(email="lin@school.test", active=False)
    session_id = _login(existing)
    user = services.create_admin("LIN@school.test", "an admin passphrase")
    db.session.flush()
    assert user is existing
    assert user.is_admin and user.active
    assert services.verify_password(user, "an admin passphrase")
    assert services.load_user_from_session_id(session_id) is None
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_create_admin_refuses_a_weak_password():
    with pytest.raises(ValidationError):
        services.create_admin("boss@school.test", "short")
    with pytest.raises(ValidationError):
        services.create_admin("boss@school.test", "password12")
    make_user(email="lin@school.test", password=PASSWORD)
    with pytest.raises(ValidationError):
        services.create_admin("lin@school.test", "1234567890")
