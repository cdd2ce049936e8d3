"""The notification centre every module writes to (services.notify) and the bell that shows it."""

from flask import Flask, g
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.core.modules import add_nav


def init_app(app: Flask) -> None:
    import portal.notifications.models  # noqa: F401  (Alembic and create_all see the whole schema)
    from portal.notifications.views import bp

    app.register_blueprint(bp)
    app.jinja_env.globals["unread_count"] = _unread_count
    add_nav(app, "notifications.index", _l("通知"), "notifications", rule="dashboard.home", order=100)


def _unread_count() -> int:
    """The bell's badge, counted once per request."""
    if not current_user.is_authenticated:
        return 0
    if "_unread" not in g:
        from portal.notifications.services import unread_count

        g._unread = unread_count(current_user)
    return g._unread
