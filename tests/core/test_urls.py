"""Absolute links come from BASE_URL, never from the request's Host; a request for an unknown host gets 400."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.activities.helpers import make_club, now_local
from tests.factories import make_user
from tests.test_mail import _body, smtp  # noqa: F401 - the local SMTP server fixture
from workspace import create_app
from workspace.activities import feeds
from workspace.auth.models import PasswordReset
from workspace.config import load_config
from workspace.core.urls import external_url, site_route, trusted_hosts
from workspace.extensions import db

PUBLIC = "https://plc.school.example.tw"
# Absolute links of any kind in a page or a message.
LINK = re.compile(r"https?://[^\s\"'<>]+")


@pytest.fixture()
def public_base_url(app, monkeypatch) -> str:
    """The deployment's public address, unlike any host the test client sends."""
    monkeypatch.setitem(app.config, "BASE_URL", PUBLIC)
    return PUBLIC


def _links(text: str) -> list[str]:
    return [link.replace("&amp;", "&") for link in LINK.findall(text)]


# A trusted host that is not BASE_URL's (make run's address): requests are sent to it for real, cookies included.
LOCAL = "http://localhost:5000"


def _local_csrf(client, user=None) -> str:
    """Log `user` in on the LOCAL host (when given) and return that session's form token."""
    if user is not None:
        from workspace.auth.services import start_session

        start_session(user, user_agent="Werkzeug test client", address="127.0.0.1")
        db.session.commit()
        with client.session_transaction(base_url=LOCAL) as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
    page = client.get("/account" if user else "/login", base_url=LOCAL).get_data(as_text=True)
    return re.search(r'id="csrf-token" data-token="([^"]+)"', page).group(1)


def _second_app(app, **overrides):
    """Another instance of the app on the same database (as a second gunicorn worker would be)."""
    return create_app({
        "TESTING": True, "SECRET_KEY": app.config["SECRET_KEY"], "PASSWORD_HASH_PROFILE": "fast",
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "INSTANCE_DIR": app.config["INSTANCE_DIR"],
        "MAIL_SERVER": None, **overrides,
    })


# --- the Host header ------------------------------------------------------------------------------


def test_a_forged_host_gets_400_and_no_reset_email(client, smtp, ctx):  # noqa: F811
    make_user(email="lin@school.test")
    response = client.post_form("/forgot", {"email": "lin@school.test"}, headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert response.mimetype == "text/plain"  # a refusal, not a page
    assert "evil.example" not in response.get_data(as_text=True)
    assert smtp.envelopes == []
    assert db.session.scalar(select(func.count(PasswordReset.id))) == 0
    # Any page, any method.
    for method in ("GET", "POST"):
        assert client.open("/login", method=method, headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/login", headers={"Host": "evil.example:80"}).status_code == 400


def test_the_reset_email_links_to_base_url_whatever_trusted_host_was_asked(client, smtp, public_base_url,  # noqa: F811
                                                                           ctx):
    make_user(email="lin@school.test")
    # localhost is trusted (make run), yet the link must not name it.
    response = client.post("/forgot", base_url=LOCAL, data={"email": "lin@school.test",
                                                            "csrf_token": _local_csrf(client)})
    assert response.status_code == 200
    [message] = smtp.messages
    [link] = [link for link in _links(_body(message)) if "/reset/" in link]
    assert link.startswith(f"{PUBLIC}/reset/"), link


def test_every_absolute_link_on_a_page_comes_from_base_url(client, public_base_url, ctx):
    club = make_club()
    activity = club.activity(title="公開課", starts=now_local())  # sign-in open: the board shows its link
    admin = make_user(is_admin=True)
    # localhost is trusted (make run), yet no link may name it.
    host = {"base_url": LOCAL}
    pages: dict[str, str] = {}

    answer = client.post(f"/admin/users/{club.member.id}/reset-link", data={"csrf_token": _local_csrf(client, admin)},
                         **host)
    assert answer.status_code == 200
    pages["admin reset link"] = answer.get_data(as_text=True)

    answer = client.post("/c/club/members/invitations", data={
        "how": "link", "email": "", "role": "member", "days": "7", "csrf_token": _local_csrf(client, club.convener),
    }, **host)
    assert answer.status_code == 302
    pages["invitation links"] = client.get("/c/club/members/", **host).get_data(as_text=True)
    pages["calendar feed addresses"] = client.get("/c/club/activities/feed", **host).get_data(as_text=True)
    pages["sign-in board"] = client.get(f"/c/club/activities/{activity.id}/board", **host).get_data(as_text=True)
    token = feeds.feed_url_token(club.convener, club.community)
    db.session.commit()
    pages["calendar feed"] = client.get(f"/calendar/{token}.ics", **host).get_data(as_text=True)

    expected = {"admin reset link": "/reset/", "invitation links": "/invite/", "calendar feed addresses": "/calendar/",
                "sign-in board": "/sign-in?t=", "calendar feed": f"/activities/{activity.id}"}
    for name, page in pages.items():
        ours = [link for link in _links(page) if "localhost" in link or link.startswith(PUBLIC)]
        assert any(expected[name] in link for link in ours), (name, ours)
        assert all(link.startswith(PUBLIC + "/") for link in ours), (name, ours)


def test_external_url_needs_no_request(app, public_base_url):
    with app.app_context():
        assert external_url("auth.login") == f"{PUBLIC}/login"
        assert external_url("auth.reset_password", token="abc", _anchor="top") == f"{PUBLIC}/reset/abc#top"


def test_base_url_with_a_path_prefixes_the_links(app, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", "https://www.school.example.tw/plc")
    with app.app_context():
        assert external_url("auth.login") == "https://www.school.example.tw/plc/login"


def test_site_route_names_a_page_of_this_site_only(app, monkeypatch):
    """What an image's src in a text names (a Word export draws the library's pictures the reader may see): a path
    of the app, or an absolute URL on BASE_URL, with its query; another site, a relative path or no route: None."""
    monkeypatch.setitem(app.config, "BASE_URL", "https://www.school.example.tw/plc")
    with app.app_context():
        download = ("resources.download", {"slug": "maths", "resource_id": 10}, {"version": ["2"]})
        assert site_route("/plc/c/maths/resources/10/download?version=2") == download
        assert site_route("https://www.school.example.tw/plc/c/maths/resources/10/download?version=2") == download
        assert site_route("/plc/c/maths/resources/10/thumbnail")[:2] == ("resources.thumbnail",
                                                                           {"slug": "maths", "resource_id": 10})
        for elsewhere in ("/c/maths/resources/10/download",  # outside the app's root
                          "https://evil.example/plc/c/maths/resources/10/download", "//evil.example/plc/login",
                          "c/maths/resources/10/download", "javascript:alert(1)", "http://[::1/x", "",
                          "/plc/no/such/page", "/plc/c/maths/resources"):  # a redirect away (the slash) is no file
            assert site_route(elsewhere) is None, elsewhere


def test_behind_a_proxy_x_forwarded_host_is_checked_too(app):
    proxied = _second_app(app, BEHIND_PROXY=True, BASE_URL="https://plc.school.example.tw", SERVER_NAME=None)
    client = proxied.test_client()
    forged = client.get("/login", headers={"Host": "127.0.0.1:5000", "X-Forwarded-Host": "evil.example",
                                           "X-Forwarded-Proto": "https"})
    assert forged.status_code == 400
    honest = client.get("/login", headers={"Host": "127.0.0.1:5000", "X-Forwarded-Host": "plc.school.example.tw",
                                           "X-Forwarded-Proto": "https"})
    assert honest.status_code == 200


# --- which hosts are trusted ---------------------------------------------------------------------


def test_make_run_answers_on_localhost_and_127_0_0_1(app, monkeypatch):
    for name in ("BASE_URL", "TRUSTED_HOSTS", "HOST", "PORT"):
        monkeypatch.delenv(name, raising=False)
    local = _second_app(app, SERVER_NAME=None)
    assert local.config["BASE_URL"] == "http://127.0.0.1:5000"
    client = local.test_client()
    for host in ("127.0.0.1:5000", "localhost:5000", "localhost"):
        assert client.get("/login", headers={"Host": host}).status_code == 200, host
    assert client.get("/login", headers={"Host": "192.0.2.7:5000"}).status_code == 400


def test_trusted_hosts_default_to_base_url_and_localhost():
    assert trusted_hosts({"BASE_URL": "https://PLC.School.edu.tw:8443/plc", "TRUSTED_HOSTS": None}) == [
        "plc.school.edu.tw", "localhost", "127.0.0.1"]


def test_trusted_hosts_from_the_environment_replace_localhost(monkeypatch, tmp_path):
    monkeypatch.setenv("INSTANCE_DIR", str(tmp_path))
    monkeypatch.setenv("BASE_URL", "https://plc.school.edu.tw")
    monkeypatch.setenv("TRUSTED_HOSTS", " plc-backup.school.edu.tw, .county.edu.tw ,")
    config = load_config()
    assert config["TRUSTED_HOSTS"] == ["plc-backup.school.edu.tw", ".county.edu.tw"]
    assert trusted_hosts(config) == ["plc.school.edu.tw", "plc-backup.school.edu.tw", ".county.edu.tw"]
    instance = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}"})
    client = instance.test_client()
    assert client.get("/healthz", headers={"Host": "www.county.edu.tw"}).status_code != 400
    assert client.get("/healthz", headers={"Host": "localhost"}).status_code == 400


def test_no_code_builds_an_absolute_link_from_the_request():
    """Every absolute link goes through core/urls.py: a new `_external=True` or `request.host_url` would take the
    host from the request again (the address preview of a new community did, after the sweep above was written).
    Comparing a URL's host with the request's (a same-site check) builds no link and is fine."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = [f"{path.relative_to(root)}:{number}"
                 for path in [*(root / "workspace").rglob("*.py"), *(root / "templates").rglob("*.html")]
                 if path.name != "urls.py"
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if re.search(r"_external\s*=|request\.(host_url|url_root|base_url)\b", line)]
    assert offenders == []


def test_a_trusted_host_is_trusted_in_any_case(app):
    """QA: `Host: LOCALHOST` got 400; host names are case-insensitive. An untrusted one stays refused."""
    proxied = _second_app(app, BEHIND_PROXY=True, BASE_URL="https://plc.school.example.tw", SERVER_NAME=None)
    client = proxied.test_client()
    assert client.get("/login", headers={"Host": "127.0.0.1:5000", "X-Forwarded-Host": "PLC.School.Example.TW",
                                         "X-Forwarded-Proto": "https"}).status_code == 200
    assert client.get("/login", headers={"Host": "127.0.0.1:5000", "X-Forwarded-Host": "EVIL.example",
                                         "X-Forwarded-Proto": "https"}).status_code == 400
    direct = _second_app(app, BASE_URL="https://plc.school.example.tw", SERVER_NAME=None).test_client()
    assert direct.get("/login", headers={"Host": "PLC.SCHOOL.EXAMPLE.TW"}).status_code == 200
    assert direct.get("/login", headers={"Host": "Evil.Example"}).status_code == 400


def test_links_of_a_server_on_every_address_name_the_machine_not_0_0_0_0():
    """QA: `make run HOST=0.0.0.0` without BASE_URL put http://0.0.0.0:5000 in every invitation and QR code."""
    from workspace.config import ANY_ADDRESS, default_base_url, is_local_url

    assert default_base_url("127.0.0.1", "5000") == "http://127.0.0.1:5000"
    for everywhere in ANY_ADDRESS - {""}:
        url = default_base_url(everywhere, "5163")
        assert everywhere not in url.split("//")[1].split(":5163")[0].strip("[]") and url.endswith(":5163")
    assert default_base_url("::1", "5000") == "http://[::1]:5000"
    assert is_local_url("http://localhost:5000") and is_local_url("http://127.0.0.1:5000")
    assert is_local_url("http://[::1]:5000")
    assert not is_local_url("https://plc.school.edu.tw") and not is_local_url("http://192.168.1.20:5000")


def test_the_redis_prefix_is_derived_from_base_url_unless_set(app):
    from workspace import create_app
    from workspace.config import default_redis_prefix

    assert default_redis_prefix("https://PLC.school.edu.tw/") == "plc-workspace:plc.school.edu.tw"
    assert default_redis_prefix("http://127.0.0.1:5000") != default_redis_prefix("http://127.0.0.1:5001")
    assert default_redis_prefix("https://county.tw/a") != default_redis_prefix("https://county.tw/b")
    base = {"TESTING": True, "SECRET_KEY": "k" * 32, "INSTANCE_DIR": app.config["INSTANCE_DIR"],
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]}
    derived = create_app({**base, "BASE_URL": "https://plc.county.tw", "REDIS_PREFIX": None})
    assert derived.config["REDIS_PREFIX"] == "plc-workspace:plc.county.tw"
    assert derived.config["RATELIMIT_KEY_PREFIX"] == "plc-workspace:plc.county.tw"  # Flask-Limiter's keys too
    chosen = create_app({**base, "BASE_URL": "https://plc.county.tw", "REDIS_PREFIX": "county-b"})
    assert chosen.config["REDIS_PREFIX"] == chosen.config["RATELIMIT_KEY_PREFIX"] == "county-b"


def test_a_link_in_a_text_is_read_back_to_the_page_it_leads_to(app, public_base_url, monkeypatch):
    """How a picture in a plan is told to be one of the library's files: by the route its address leads to."""
    download = ("resources.download", {"slug": "maths", "resource_id": 10})
    with app.test_request_context():
        assert site_route("/c/maths/resources/10/download")[:2] == download
        assert site_route(f"{PUBLIC}/c/maths/resources/10/download?version=2")[:2] == download
        assert site_route("/c/maths/resources/10/file")[:2] == ("resources.inline_file",
                                                                 {"slug": "maths", "resource_id": 10})
        for elsewhere in ("https://elsewhere.example/c/maths/resources/10/download", "javascript:alert(1)",
                          "data:image/png;base64,AAAA", "c/maths/resources/10/download", "/nowhere",
                          "/c/maths/resources/10/purge", "", None):  # another site, no route, a POST-only one
            assert site_route(elsewhere) is None, elsewhere
    monkeypatch.setitem(app.config, "BASE_URL", PUBLIC + "/plc")
    with app.test_request_context():
        assert site_route("/plc/c/maths/resources/10/download")[:2] == download
        assert site_route(f"{PUBLIC}/plc/c/maths/resources/10/download")[:2] == download
        assert site_route("/c/maths/resources/10/download") is None  # outside the app's sub-path
