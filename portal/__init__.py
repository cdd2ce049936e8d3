"""红色物业门户: the Flask application factory.

Modules plug themselves in: `create_app` calls each package's `init_app(app)` in MODULES, and that
function registers the module's blueprint, CLI commands, periodic tasks, navigation entries,
home-page to-dos and indicators (see README.md, "The module contract"). Adding a module is one line.
"""

from importlib import import_module
from pathlib import Path

from babel import Locale
from flask import Flask, has_request_context, request, session
from flask_babel import format_datetime
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine

from portal.config import Config
from portal.core.bodies import refuse_json_bodies
from portal.core.clock import aware, local_numeric
from portal.core.translations import current_locale, keep_catalogue_per_request, parsed_locale
from portal.extensions import babel, csrf, db, htmx, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


def select_locale() -> Locale:
    """The request's language: the session's choice, else the account's, else the default. Returned as
    a kept `Locale`: Flask-Babel would otherwise parse the name again on every request."""
    from flask import current_app

    from portal.core.permissions import unproxied

    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI and services run in the default language
        return parsed_locale(current_app.config["BABEL_DEFAULT_LOCALE"])
    chosen = session.get("locale")
    if chosen in languages:
        return parsed_locale(chosen)
    user = unproxied(current_user)
    if user is not None and user.is_authenticated and user.locale in languages:
        return parsed_locale(user.locale)
    return parsed_locale(current_app.config["BABEL_DEFAULT_LOCALE"])




@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """WAL (readers never wait for the writer) and foreign keys for every SQLite connection. The busy
    timeout — how long a writer waits for the one before it — is the driver's `timeout`, set from
    SQLITE_BUSY_TIMEOUT_SECONDS in `_engine_options`."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


def _engine_options(cfg) -> dict:
    """SQLAlchemy engine options for the configured database (a copy: Config's dict is shared)."""
    uri = cfg["SQLALCHEMY_DATABASE_URI"]
    if uri in ("sqlite://", "sqlite:///:memory:"):  # one in-memory database shared by the test's threads
        from sqlalchemy.pool import StaticPool

        return {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
    options = dict(cfg.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if uri.startswith("sqlite"):
        options["connect_args"] = {"timeout": cfg["SQLITE_BUSY_TIMEOUT_SECONDS"], **options.get("connect_args", {})}
    elif uri.startswith("postgresql") and cfg.get("POSTGRES_PLAN_CACHE_MODE"):
        connect_args = dict(options.get("connect_args", {}))
        setting = f"-c plan_cache_mode={cfg['POSTGRES_PLAN_CACHE_MODE']}"
        connect_args["options"] = f"{connect_args['options']} {setting}" if connect_args.get("options") else setting
        options["connect_args"] = connect_args
    return options


def create_app(config=None) -> Flask:
    from portal.core.errors import PortalFlask

    app = PortalFlask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    from portal.core.params import IdConverter

    app.url_map.converters["int"] = IdConverter
    app.config.from_object(Config)
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    Config.finalize(app)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = _engine_options(app.config)

    if app.config.get("PROXY_HOPS"):  # the client's own address, for the login limits and the audit log
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    app.before_request(refuse_json_bodies)  # after CSRF's check, before any view builds a form from JSON
    htmx.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale, default_translation_directories=str(ROOT / "portal" / "translations"))
    keep_catalogue_per_request(app, babel)

    from portal.core import backup, tasks, transaction
    from portal.core.logging import install_log_masking

    install_log_masking()
    import portal.core.audit  # noqa: F401  (core's own model; each module's init_app imports its models)

    # First registered, so its after_request hook runs last: the commit is the request's final step, after
    # the headers and the htmx extras were added inside the transaction (nothing is read once it ends).
    transaction.init_app(app)
    _register_hooks(app)
    if app.config.get("QUERY_HEADER"):
        from portal.core import query_header

        query_header.init_app(app)
    for name in MODULES:
        import_module(name).init_app(app)
    tasks.init_app(app)
    backup.init_app(app)
    from portal.cli import register_cli

    register_cli(app)
    return app


#: the domain packages, in the order their menu entries and home sections were designed for
MODULES = (
    "portal.auth",
    "portal.orgs",
    "portal.notifications",
    "portal.repairs",
    "portal.meetings",
    "portal.surveys",
    "portal.projects",
    "portal.dashboard",
)


def _register_hooks(app: Flask) -> None:
    from portal.core.errors import register_error_handlers
    from portal.core.kept_tag import KeptExtension
    from portal.core.masking import mask_name, mask_phone
    from portal.core.navigation import navigation_for
    from portal.core.permissions import can, unproxied
    from portal.core.security import enforce_session_timeouts, set_security_headers

    app.before_request(enforce_session_timeouts)
    app.jinja_env.add_extension(KeptExtension)
    app.after_request(set_security_headers)
    register_error_handlers(app)

    def url_with(**changes):
        """This page's URL with some query arguments changed (paging keeps the filters)."""
        from urllib.parse import urlencode

        args = {k: v for k, v in request.args.items() if k != "_block"}
        args.update({k: v for k, v in changes.items() if v is not None})
        return request.path + ("?" + urlencode(args) if args else "")

    def form_macro(name):
        """The form macros as globals, so a block rendered alone for htmx has them too
        (a template's top-level imports do not run when only one block is rendered)."""
        return lambda *args, **kwargs: getattr(app.jinja_env.get_template("_macros/forms.html").module, name)(*args, **kwargs)

    # Globals rather than a context processor: imported macros and lone blocks see them as well.
    app.jinja_env.globals.update(
        can=lambda action, obj=None: can(current_user, action, obj),
        navigation=lambda: navigation_for(unproxied(current_user)),
        mask_phone=mask_phone,
        mask_name=mask_name,
        current_locale=current_locale,
        url_with=url_with,
        field=form_macro("field"),
        pager=form_macro("pager"),
        search_box=form_macro("search_box"),
        form_errors=form_macro("form_errors"),
        radios=form_macro("radios"),
        drill_filters=form_macro("drill_filters"),
    )
    def local_datetime(value, fmt="yyyy-MM-dd HH:mm"):
        if not value:
            return ""
        return local_numeric(value, fmt) or format_datetime(value, fmt)

    app.jinja_env.filters["datetime"] = local_datetime
    app.jinja_env.filters["aware"] = aware
