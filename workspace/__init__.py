"""The workspace for teacher professional learning communities: the app factory.

The factory imports the app's modules (core's, the areas', the CLI) when it builds an app, not at the top of this
file: every `import workspace.…` runs this file first, and `gunicorn.conf.py` reads `workspace.config` in
gunicorn's master without loading the app.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from workspace.config import load_config
from workspace.extensions import babel, csrf, db, htmx, limiter, login_manager, migrate


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the app: defaults and environment, then `overrides` (tests), extensions, areas, CLI."""
    app = Flask(
        __name__,
        template_folder="../templates",
        static_folder="../static",
        instance_relative_config=False,
    )
    app.config.update(load_config())
    if overrides:
        app.config.update(overrides)
    from workspace.config import default_redis_prefix

    # Derived after the overrides, from the BASE_URL in force; Flask-Limiter reads its own name for it.
    app.config["REDIS_PREFIX"] = app.config.get("REDIS_PREFIX") or default_redis_prefix(app.config["BASE_URL"])
    app.config.setdefault("RATELIMIT_KEY_PREFIX", app.config["REDIS_PREFIX"])
    from workspace.core.urls import trusted_hosts

    # Flask answers a request for any other host with 400 (X-Forwarded-Host too, behind ProxyFix).
    app.config["TRUSTED_HOSTS"] = trusted_hosts(app.config)
    Path(app.config["INSTANCE_DIR"]).mkdir(parents=True, exist_ok=True)

    if app.config.get("BEHIND_PROXY"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
    from workspace.core.urls import LowercaseHosts

    app.wsgi_app = LowercaseHosts(app.wsgi_app)  # type: ignore[method-assign]

    _init_extensions(app)
    from workspace.core import parsing

    parsing.install(app)  # the `int` converter of every route: before the areas add theirs
    _register_areas(app)

    from workspace.core import errors, security, storage, templating

    storage.install(app)
    security.install(app)
    errors.register_error_handlers(app)
    templating.install(app)

    from workspace import cli
    from workspace.core import jobs

    jobs.configure(app)
    cli.register(app)
    return app


def _init_extensions(app: Flask) -> None:
    from workspace.core.database import configure_sqlite
    from workspace.core.i18n import select_locale, select_timezone

    db.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"),
                     render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    htmx.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories=str(Path(__file__).resolve().parent / "translations"),
    )
    limiter.init_app(app)

    from workspace.core.i18n import install_template_gettext

    install_template_gettext(app)

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"

    from flask import request

    from workspace.auth.services import load_user_from_session_id, page_reader_from_session_id
    from workspace.core.cache import install_reader

    install_reader(app, page_reader_from_session_id)

    @login_manager.user_loader
    def _load_user(session_id: str):  # the address goes with the login's "last seen"
        return load_user_from_session_id(session_id, address=request.remote_addr,
                                         for_page=request.method in ("GET", "HEAD"))


# The areas, in one explicit tuple: no auto-discovery.
def _register_areas(app: Flask) -> None:
    from workspace.activities.routes import bp as activities_bp
    from workspace.admin.routes import bp as admin_bp
    from workspace.auth.routes import bp as auth_bp
    from workspace.communities.routes import bp as communities_bp
    from workspace.compliance.routes import bp as compliance_bp
    from workspace.core.routes import bp as core_bp
    from workspace.discussions.routes import bp as discussions_bp
    from workspace.exports.routes import bp as exports_bp
    from workspace.mentoring.routes import bp as mentoring_bp
    from workspace.notifications.routes import bp as notifications_bp
    from workspace.plans.routes import bp as plans_bp
    from workspace.resources.routes import bp as resources_bp
    from workspace.search.routes import bp as search_bp

    for blueprint in (core_bp, auth_bp, communities_bp, resources_bp, discussions_bp, activities_bp, plans_bp,
                      mentoring_bp, compliance_bp, exports_bp, notifications_bp, search_bp, admin_bp):
        app.register_blueprint(blueprint)

    # Models every area reads must be imported before the mapper configures; the cache module
    # also registers the write counter's session hooks.
    from workspace.core import cache as _cache  # noqa: F401
    from workspace.core import links as _links  # noqa: F401
    from workspace.core import models as _core_models  # noqa: F401
    from workspace.core import search as _search  # noqa: F401
