"""complaints — citizen complaint and petition tracking for Vietnamese state agencies."""

from __future__ import annotations

import logging
import os

from flask import Flask, request, session
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine

from complaints.extensions import babel, bootstrap, csrf, db, limiter, login_manager, migrate
from complaints.sqlite_gate import BUSY_TIMEOUT_MS, GatedConnection

logger = logging.getLogger(__name__)


def select_locale() -> str:
    """Return the user's chosen language: session, then account, then Vietnamese."""
    from flask import current_app

    languages = current_app.config["LANGUAGES"]
    if machine_blueprint() is not None:
        return _machine_locale(languages)
    lang = session.get("lang")
    if lang in languages:
        return lang
    if current_user and getattr(current_user, "is_authenticated", False):
        if current_user.locale in languages:
            return current_user.locale
    lang = request.args.get("lang")
    return lang if lang in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


# The JSON API and Open311 answer programs, which say their language per request.
_MACHINE_BLUEPRINTS = ("api", "open311")


def machine_blueprint() -> str | None:
    """The machine blueprint ("api" or "open311") this request is for, else None.

    A request no route matched (404, 405, a refused path) has no blueprint: it belongs to
    the machine blueprint whose URL prefix holds its path, so that its error is answered in
    that blueprint's shape and language, not by the HTML pages' handlers.
    """
    return request_blueprint(_MACHINE_BLUEPRINTS)


def request_blueprint(names: tuple[str, ...]) -> str | None:
    """Which of the blueprints `names` this request is for, else None: the matched route's,
    or for a request no route matched (404, 405), the one whose URL prefix holds its path."""
    from flask import current_app

    if request.url_rule is not None:
        return request.blueprint if request.blueprint in names else None
    path = request.path
    for name in names:
        blueprint = current_app.blueprints.get(name)
        prefix = (blueprint.url_prefix or "").rstrip("/") if blueprint is not None else ""
        if prefix and (path == prefix or path.startswith(prefix + "/")):
            return name
    return None


def _machine_locale(languages) -> str:
    """API language: ?lang=, then Accept-Language, then the token's account, then Vietnamese."""
    from flask import current_app, g

    lang = request.args.get("lang")
    if lang in languages:
        return lang
    if request.headers.get("Accept-Language"):
        best = request.accept_languages.best_match(languages)
        if best:
            return best
    user = g.get("api_user")
    if user is not None and getattr(user, "locale", None) in languages:
        return user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


SQLITE_SYNC_MODES = ("NORMAL", "FULL", "EXTRA")  # config.py stops the app on another


def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """Turn on WAL, foreign keys and a busy timeout on every SQLite connection."""
    module = type(dbapi_connection).__module__
    if "sqlite" not in module:
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    # NORMAL: a commit survives a killed process, not a power cut; FULL fsyncs each commit.
    # As config.py checked it: stripped ("FULL " gave NORMAL in silence: QA round 85).
    mode = os.environ.get("SQLITE_SYNCHRONOUS", "").strip().upper() or "NORMAL"
    cursor.execute(f"PRAGMA synchronous={mode if mode in SQLITE_SYNC_MODES else 'NORMAL'}")
    cursor.close()


event.listen(Engine, "connect", _sqlite_pragmas)


def _gate_sqlite_writers(app: Flask) -> None:
    """On a SQLite file, connections queue for writing at the write gate (sqlite_gate.py)."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if not uri.startswith("sqlite") or not app.config.get("SQLITE_WRITE_GATE", True):
        return
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    options["connect_args"] = {"factory": GatedConnection, **options.get("connect_args", {})}
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def _bounded_ids(app: Flask) -> None:
    """`<int:…>` in every route stops at the largest id a column holds (INTEGER: 2^31 - 1 on
    PostgreSQL): a larger one is a 404 like any unknown id, not a 500 from the database
    (QA round 20: SQLite raised OverflowError for /inbox/99999999999999999999999/read)."""
    from werkzeug.routing import IntegerConverter

    class IdConverter(IntegerConverter):
        def __init__(self, map, *args, **kwargs):  # noqa: A002  (werkzeug's name)
            kwargs.setdefault("max", 2**31 - 1)
            super().__init__(map, *args, **kwargs)

    app.url_map.converters["int"] = IdConverter


def trust_proxies(app: Flask) -> None:
    """Behind PROXY_HOPS reverse proxies, read the client's address, scheme and host from
    the headers they set (QA round 19: every citizen shared the proxy's rate limits)."""
    hops = int(app.config.get("PROXY_HOPS") or 0)
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def create_app(config: object | dict | None = None) -> Flask:
    """Build the app; `config` is a config class/object or a dict of overrides."""
    from config import INSTANCE_DIR, Config

    app = Flask(
        __name__,
        template_folder="../templates",
        static_folder="static",
        instance_relative_config=True,
        # The instance folder of INSTANCE_PATH, as the database, key and files (QA round
        # 43: `flask backup` wrote every petitioner's identity into the code checkout).
        instance_path=str(INSTANCE_DIR.resolve()),
    )
    from complaints.web.requests import Utf8Request

    app.request_class = Utf8Request
    app.config.from_object(Config)
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)

    trust_proxies(app)
    _bounded_ids(app)
    _gate_sqlite_writers(app)
    # A failed statement's message carries its parameters: a petitioner's name, ID number,
    # phone — a denouncer's too — would land in the logs (QA round 10). Set whatever the
    # configuration passed.
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        **(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {}), "hide_parameters": True}
    from complaints.models import sealing

    sealing.configure(app.config["SECRET_KEY"])  # two-factor secrets are sealed at rest
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    bootstrap.init_app(app)
    limiter.init_app(app)

    from complaints.security import init_security

    init_security(app)

    from complaints import models  # noqa: F401  (register every table)
    from complaints.cli import register_cli
    from complaints.web import register_web

    register_web(app)
    register_cli(app)
    return app
