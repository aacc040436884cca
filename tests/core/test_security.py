"""Cookies, headers and error pages that every page shares."""

from __future__ import annotations

from tests.factories import make_user


def test_session_cookie_is_httponly_lax_and_secure_over_https(client, ctx):
    response = client.get("/login")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    secure = client.get("/login", base_url="https://workspace.test")
    assert "Secure" in secure.headers["Set-Cookie"]
    assert "max-age=31536000" in secure.headers["Strict-Transport-Security"]


def test_strict_headers_on_pages(client):
    headers = client.get("/login").headers
    csp = headers["Content-Security-Policy"]
    script_src = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"


def test_pages_have_no_inline_script_or_style(client, ctx):
    client.login(make_user())
    for path in ("/", "/communities/new", "/account"):
        page = client.get(path).get_data(as_text=True)
        assert "<script>" not in page and " style=" not in page and "<style" not in page, path
        assert 'name="htmx-config"' in page and "htmx-2.0" in page


def test_logged_in_pages_are_not_cached(client, ctx):
    client.login(make_user())
    assert "no-store" in client.get("/").headers["Cache-Control"]


def test_oversized_request_gets_a_friendly_413(app, client, ctx):
    client.login(make_user())
    limit = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 1024
    try:
        response = client.post_form("/communities/new", {"name": "x" * 5000, "kind": "grade", "slug": "big"},
                                    headers={"Accept-Language": "zh-TW"})
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit
    assert response.status_code == 413
    assert 'class="error-code">413' in response.get_data(as_text=True)


def test_error_pages_follow_the_language(client, ctx):
    client.login(make_user())
    english = client.get("/c/none/").get_data(as_text=True)
    chinese = client.get("/c/none/", headers={"Accept-Language": "zh-TW"}).get_data(as_text=True)
    assert "Page not found" in english
    assert "Page not found" not in chinese and 'lang="zh-Hant"' in chinese


def test_unexpected_errors_get_the_500_page_and_roll_back(tmp_path):
    from workspace import create_app

    app = create_app({
        "TESTING": False, "SECRET_KEY": "x" * 32, "INSTANCE_DIR": str(tmp_path),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    })

    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    boom._public = True
    response = app.test_client().get("/boom", headers={"Accept-Language": "en"})
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.get_data(as_text=True)


def test_generated_secret_key_is_kept_in_the_instance_folder(tmp_path, monkeypatch):
    from workspace.config import load_config

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("INSTANCE_DIR", str(tmp_path))
    first = load_config()["SECRET_KEY"]
    second = load_config()["SECRET_KEY"]
    assert first == second and len(first) >= 64
    key_file = tmp_path / "secret_key"
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"


def test_processes_starting_together_on_a_new_instance_share_one_secret_key(tmp_path, monkeypatch):
    """Two test workers (or gunicorn's) starting at once on a new instance: the one that looked a moment after
    the other's check wrote the key must read that key. Before, it failed with FileExistsError and the worker
    never started (seen with `pytest -n 2` on a fresh clone)."""
    from pathlib import Path

    from workspace import config

    monkeypatch.delenv("SECRET_KEY", raising=False)
    (tmp_path / "secret_key").write_text("k" * 64)
    looked = Path.exists
    # This process looked before the other wrote: the check answers "no key yet" though the file is there now.
    monkeypatch.setattr(Path, "exists", lambda path: False if path.name == "secret_key" else looked(path))
    assert config._secret_key(tmp_path) == "k" * 64
    assert sorted(path.name for path in tmp_path.iterdir()) == ["secret_key"]  # its own draft is gone
