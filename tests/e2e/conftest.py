"""Browser fixtures: the real app served on 127.0.0.1 from its own SQLite file, and the system Chromium.

The live server has its own database (not the `app` fixture's, which the top-level autouse fixture
empties after each test), so the data made here lives for the whole session: every test makes its
own users and communities with unique addresses. REQUIRE_BROWSER=1 turns a missing Chromium into a
failure instead of a skip.
"""

from __future__ import annotations

import itertools
import os
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete
from werkzeug.serving import make_server

from workspace import create_app
from workspace.extensions import db, limiter

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "a good long password"
_sequence = itertools.count(1)

# Surfaces a violation with its directive and source even where Chromium's own console line is terse.
# Injected through the DevTools protocol, so the page's CSP does not apply to it.
_CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline") +
                " at " + e.sourceFile + ":" + e.lineNumber + " sample=" + (e.sample || ""));
});
"""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test under tests/e2e as e2e."""
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.e2e)


# --- the app and its server ----------------------------------------------------------------------


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The app for the live server, on its own SQLite file built by the migrations."""
    instance = tmp_path_factory.mktemp("e2e-instance")
    app = create_app({
        "TESTING": False,
        "SECRET_KEY": "e2e-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'e2e.sqlite3'}",
        "INSTANCE_DIR": str(instance),
        "UPLOAD_DIR": str(instance / "uploads"),
        "PASSWORD_HASH_PROFILE": "fast",
        "MAIL_SERVER": None,
    })
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(live_app: Flask) -> Iterator[str]:
    """Serve the live app on 127.0.0.1 (a free port) in a daemon thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    # Links that leave the site (the QR code, invitations) are built on BASE_URL: this server's address.
    live_app.config["BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()


@pytest.fixture(autouse=True)
def _fresh_limits(live_app: Flask) -> None:
    """Every browser logs in from 127.0.0.1: start each test with fresh per-address limits and login counts."""
    from workspace.auth.models import LoginAttempt

    with live_app.app_context():
        limiter.reset()
        db.session.execute(delete(LoginAttempt))
        db.session.commit()


# --- data through the app's services -------------------------------------------------------------


def unique_email(prefix: str = "teacher") -> str:
    return f"{prefix}-{next(_sequence)}-{uuid.uuid4().hex[:6]}@school.test"


def unique_slug(prefix: str = "c") -> str:
    return f"{prefix}-{next(_sequence)}-{uuid.uuid4().hex[:6]}"


class Data:
    """Make users, communities and members in the live app's database (committed at once)."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def _run(self, work: Callable[[], Any]) -> Any:
        with self.app.test_request_context():
            try:
                result = work()
                db.session.commit()
                return result
            finally:
                db.session.remove()

    def user(self, *, name: str = "Test Teacher", email: str | None = None, password: str = PASSWORD,
             locale: str | None = None) -> dict[str, Any]:
        """Register an account; return its id, email, password and name."""
        from workspace.auth.services import register_user

        email = email or unique_email()
        user_id = self._run(lambda: register_user(email=email, display_name=name, password=password,
                                                  locale=locale).id)
        return {"id": user_id, "email": email, "password": password, "name": name}

    def school(self, actor: dict[str, Any], name: str, class_count: int = 24) -> int:
        """Create a school (as an administrator would); return its id."""
        from workspace.auth.models import User
        from workspace.communities.services import save_school

        return self._run(lambda: save_school(None, actor=db.session.get(User, actor["id"]), name=name,
                                             class_count=class_count, in_evaluation_programme=True).id)

    def community(self, convener: dict[str, Any], *, name: str, slug: str | None = None, kind: str = "subject",
                  description: str = "", vision: str = "", school_ids: tuple[int, ...] = ()) -> dict[str, Any]:
        """Create a community with `convener` as its convener; return its id, slug and name.

        Without `school_ids` it gets a school of its own: two communities of one school may not share a name, and
        the tests of one run share this server, several of them naming their community alike.
        """
        from workspace.auth.models import User
        from workspace.communities.models import School
        from workspace.communities.services import create_community

        slug = slug or unique_slug()

        def work() -> int:
            actor = db.session.get(User, convener["id"])
            schools = school_ids
            if not schools:
                school = School(name=f"測試國小 {slug}", class_count=12)
                db.session.add(school)
                db.session.flush()
                schools = (school.id,)
            return create_community(actor=actor, name=name, kind=kind, slug=slug, description=description,
                                    vision=vision, school_ids=schools).id

        return {"id": self._run(work), "slug": slug, "name": name}

    def member(self, community: dict[str, Any], user: dict[str, Any], role: str = "member") -> int:
        """Add `user` to `community` with `role`; return the membership id."""
        from workspace.auth.models import User
        from workspace.communities.models import Community
        from workspace.communities.services import add_member

        def work() -> int:
            return add_member(db.session.get(Community, community["id"]), db.session.get(User, user["id"]),
                              role).id

        return self._run(work)

    def text_resource(self, community: dict[str, Any], author: dict[str, Any], *, title: str, body: str,
                      kind: str = "lesson_plan", subject: str = "", grade: str = "", tags: str = "") -> int:
        """Share a Markdown resource in `community` as `author`; return its id."""
        from workspace.auth.models import User
        from workspace.communities.models import Community
        from workspace.resources.services import ResourceFields, create_text_resource

        def work() -> int:
            fields = ResourceFields(title=title, kind=kind, subject=subject, grade=grade, tags=tags)
            return create_text_resource(db.session.get(Community, community["id"]), fields, body,
                                        actor=db.session.get(User, author["id"])).id

        return self._run(work)

    def role_of(self, membership_id: int) -> str:
        from workspace.communities.models import Membership

        return self._run(lambda: db.session.get(Membership, membership_id).role)


@pytest.fixture(scope="session")
def data(live_app: Flask) -> Data:
    return Data(live_app)


# --- the browser ---------------------------------------------------------------------------------


def chromium_path() -> str | None:
    candidate = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
    if Path(candidate).is_file() and os.access(candidate, os.X_OK):
        return candidate
    return shutil.which(candidate)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """The system Chromium, headless (never a downloaded browser)."""
    executable = chromium_path()
    if executable is None:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail("REQUIRE_BROWSER=1 but Chromium was not found (set CHROMIUM_PATH)", pytrace=False)
        pytest.skip("Chromium not found (REQUIRE_BROWSER=1 makes this fail)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class ConsoleLog:
    """What the pages of one test said in the console, and what they threw."""

    messages: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def watch(self, page: Any) -> None:
        def on_console(message: Any) -> None:
            text = message.text
            self.messages.append(f"{message.type}: {text} ({page.url})")
            if "Content Security Policy" in text or text.startswith("CSP violation"):
                self.problems.append(f"CSP violation on {page.url}: {text}")
            elif message.type == "error" and not text.startswith("Failed to load resource"):
                # A 4xx answer the app means to give (422 on a bad form) is logged by Chromium as a
                # failed resource; that is not a script error.
                self.problems.append(f"console error on {page.url}: {text}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: self.problems.append(f"JavaScript error on {page.url}: {error}"))


@pytest.fixture()
def console() -> ConsoleLog:
    return ConsoleLog()


@pytest.fixture()
def new_context(browser: Any, live_server: str, console: ConsoleLog) -> Iterator[Callable[..., Any]]:
    """Open browser contexts (separate people) whose pages are watched for CSP and JS errors."""
    contexts: list[Any] = []

    def _new(**options: Any) -> Any:
        options.setdefault("base_url", live_server)
        options.setdefault("locale", "en-US")
        options.setdefault("viewport", {"width": 1280, "height": 860})
        context = browser.new_context(**options)
        context.set_default_timeout(8000)
        context.add_init_script(_CSP_LISTENER)
        context.on("page", console.watch)
        contexts.append(context)
        return context

    yield _new
    for context in contexts:
        context.close()
    if console.problems:
        pytest.fail("The browser reported problems:\n" + "\n".join(console.problems), pytrace=False)


@pytest.fixture()
def page(new_context: Callable[..., Any]) -> Any:
    """A page in a fresh desktop-sized context, in English."""
    return new_context().new_page()
