"""Application factory: configuration → extensions → blueprints → CLI."""

import importlib
import re
import secrets
from pathlib import Path

from flask import Flask
from flask.sessions import SessionInterface
from flask_cors import CORS
from werkzeug.middleware.proxy_fix import ProxyFix

from app.api.errors import init_errors, init_request_ids
from app.api.fields import IdConverter
from app.api.rate_limits import count_request
from app.api.security import secure_headers
from app.cli import register_cli
from app.config import PROJECT_ROOT, BaseConfig, allowed_origins, config_for_environment
from app.core.i18n import select_locale
from app.data.unit_of_work import unit_of_work
from app.extensions import api, babel, db, jwt, migrate, redis_store
from app.observability import init_observability


class NoCookieSession(SessionInterface):
    """Nothing here keeps state in a cookie (tokens travel as bearer headers), so no session is
    read: Flask's default built a signing serialiser and parsed cookies on every request."""

    def open_session(self, app: Flask, request):
        return None  # Flask then hands out its null session


class App(Flask):
    """Flask with one transaction boundary per request: whatever the view wrote commits when it
    returns and rolls back if it raises (before any error handler runs); no cookie session."""

    session_interface = NoCookieSession()

    def dispatch_request(self):
        with unit_of_work():
            return super().dispatch_request()


def create_app(config: type[BaseConfig] | None = None) -> Flask:
    config = config or config_for_environment()
    config.check()
    app = App(__name__, instance_path=config.INSTANCE_PATH)
    app.config.from_object(config)
    ensure_development_secrets(app)
    init_observability(app)
    init_metrics(app)

    # Before the rate limits, so a request they refuse has an id too.
    init_request_ids(app)
    app.before_request(count_request)
    init_extensions(app)
    init_errors(app)
    app.after_request(secure_headers)
    connect_handlers()
    register_blueprints(app)
    register_cli(app)
    if app.config["TRUSTED_PROXY_COUNT"]:
        count = app.config["TRUSTED_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    return app


def init_extensions(app: Flask) -> None:
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("mysql"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **app.config["SQLALCHEMY_ENGINE_OPTIONS"],
            "connect_args": {
                # Fail fast (and answer 503) when the database is unreachable.
                "connect_timeout": 5,
                "init_command": "SET SESSION innodb_lock_wait_timeout = "
                f"{int(app.config['DATABASE_LOCK_WAIT_SECONDS'])}",
            },
            # Each statement sees what others committed before it: a count taken after a row
            # lock is current, not the snapshot from the request's first read.
            "isolation_level": "READ COMMITTED",
        }
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    jwt.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    redis_store.init_app(app)
    describe_server(app)
    api.init_app(app)
    allow_other_origins(app)


def describe_server(app: Flask) -> None:
    """The OpenAPI document names the address its paths start from: the deployment's public
    one, as in e-mailed links and calendar feeds."""
    server = {"url": app.config["PUBLIC_BASE_URL"].rstrip("/"), "description": "This deployment"}
    app.config["API_SPEC_OPTIONS"] = {**app.config["API_SPEC_OPTIONS"], "servers": [server]}


# Headers a page on another origin may read besides the simple ones (Retry-After: 429 and 503).
EXPOSED_HEADERS = ["X-Pagination", "ETag", "Retry-After", "Content-Disposition", "X-Request-ID"]


def allow_other_origins(app: Flask) -> None:
    """CORS on /api/* for the CORS_ORIGINS only; no cookies (tokens are bearer headers). Each
    origin is given as a compiled exact pattern: flask-cors reads a plain string holding `[`
    (an IPv6 host) as a regular expression, and matches patterns only from the start."""
    origins = allowed_origins(app.config["CORS_ORIGINS"])
    if not origins:
        return
    exact = [re.compile(re.escape(origin) + r"\Z", re.IGNORECASE) for origin in origins]
    CORS(
        app,
        resources={r"/api/*": {"origins": exact}},
        expose_headers=EXPOSED_HEADERS,
        supports_credentials=False,
    )


# Modules whose import connects listeners: each room's signal subscribers, and the cache's
# session events (which every process that writes needs, web or worker).
HANDLERS = (
    "app.data.cache",
    "app.activity.handlers",
    "app.notifications.handlers",
    "app.audit.handlers",
)


def connect_handlers() -> None:
    for module in HANDLERS:
        importlib.import_module(module)


def init_metrics(app: Flask) -> None:
    """/metrics, with METRICS_TOKEN only; right after the timer, so its after_request hook runs
    last and sees the final response. Imported here: it reads the rooms, which a worker or a
    command that never measures need not load."""
    if app.config["METRICS_TOKEN"]:
        from app.operations import metrics

        metrics.init_metrics(app)


def register_blueprints(app: Flask) -> None:
    # Imported here, so a worker that only needs the services never loads the web layer.
    from app.activity import page as facilitator_page
    from app.activity.routes import attendance_blp
    from app.activity.routes import blp as activity_blp
    from app.admin.page import blp as dashboard_page
    from app.admin.routes import blp as admin_blp
    from app.admin.routes import my_blp as my_workload_blp
    from app.api import docs
    from app.audit.routes import blp as audit_blp
    from app.auth.routes import blp as auth_blp
    from app.courses.routes import catalogue_blp, offerings_blp
    from app.notifications.routes import blp as notifications_blp
    from app.operations import health
    from app.reflections import page as reflection_page
    from app.reflections.routes import blp as reflections_blp

    app.url_map.converters["id"] = IdConverter  # before the rules that use it
    blueprints = (
        auth_blp, catalogue_blp, offerings_blp, activity_blp, attendance_blp, notifications_blp,
        reflections_blp, admin_blp, my_workload_blp, audit_blp, health.blp,
    )  # fmt: skip
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
    app.register_blueprint(docs.blp)
    app.register_blueprint(reflection_page.blp)
    app.register_blueprint(dashboard_page)
    app.register_blueprint(facilitator_page.blp)


def ensure_development_secrets(app: Flask) -> None:
    """Outside production a missing secret is generated once and kept under instance/."""
    for name in ("SECRET_KEY", "JWT_SECRET_KEY"):
        if app.config.get(name):
            continue
        path = Path(app.instance_path) / name.lower()
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        app.config[name] = path.read_text().strip()
