"""In-portal notifications: a module registers its message catalogue (`register_messages`) and writes
with services.notify; `init_app` keeps the bell current after htmx actions."""

from __future__ import annotations

import json

from flask import Flask, current_app, g, has_request_context, render_template, request
from flask_login import current_user
from markupsafe import Markup

from portal.core.kept import kept_drawer
from portal.core.modules import add_nav
from portal.core.translations import lazy_gettext as _l
from portal.notifications.registry import register_formatters, register_messages

__all__ = ["EVENT", "init_app", "register_formatters", "register_messages"]

# The bell (templates/_bell.html) reloads itself when this event reaches the body.
EVENT = "portal:notifications"
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def init_app(app: Flask) -> None:
    import portal.notifications.models  # noqa: F401  (Alembic and create_all see the whole schema)
    from portal.core import oob
    from portal.notifications.services import message_for
    from portal.notifications.views import bp

    app.register_blueprint(bp)
    add_nav(app, "notifications.index", _l("通知"), "notifications", rule="dashboard.home", order=100)
    app.jinja_env.globals.update(message_for=message_for, unread_summary=_unread_summary,
                                 unread_count=_unread_count, kept_bell=kept_bell)
    app.after_request(_announce)
    oob.init_app(app, _bell_part, quiet=("notifications.bell",))
    from portal.auth.services import read_with_user
    from portal.notifications.services import bell_columns

    read_with_user("notifications.bell", bell_columns, _read_with_user)


def _read_with_user(row) -> None:
    """The bell's figures, read in the statement that loads the signed-in person (auth.read_with_user)."""
    from portal.notifications.services import summary_from

    if has_request_context():
        g._unread_summary = summary_from(row, row[0].id)
        g._unread = g._unread_summary[0]
        g._bell_user = row[0].id


def _announce(response):
    """After an htmx action that succeeded, tell the page its notifications may have changed.

    Only where htmx reads the header: a non-boosted request answered 2xx (204 + HX-Location, or a
    fragment). A boosted form's 303 is followed by the browser and htmx sees only the page it leads to,
    which has a fresh bell anyway.
    """
    if (
        request.method in STATE_CHANGING
        and getattr(request, "htmx", False)
        and not request.htmx.boosted
        and 200 <= response.status_code < 300
        and current_user.is_authenticated
    ):
        from portal.core.oob import add_trigger

        add_trigger(response, EVENT)
    return response


def _bell_part() -> str:
    """The bell with its current count, swapped out of band into a fragment's page."""
    if not current_user.is_authenticated:
        return ""
    return render_template("_bell.html", oob=True)  # counted again if the request changed any (services._written)


def _unread_summary():
    """(count, newest unread) for the bell; also primes the count the `unread_count()` global caches."""
    if not current_user.is_authenticated:
        return 0, None
    if "_unread_summary" not in g or g.get("_bell_user") != current_user.id:
        from portal.notifications.services import unread_summary

        g._unread_summary = unread_summary(current_user)
        g._unread = g._unread_summary[0]
        g._bell_user = current_user.id
    return g._unread_summary


def kept_bell(oob: bool = False) -> Markup:
    """The bell, drawn by templates/_bell_macros.html and kept (core.kept) under everything it shows: the
    count and the newest unread message's stored fields (its wording follows from them and the language,
    which the kept piece's key carries). Every page shows it, mostly unchanged since the last one."""
    n, newest = _unread_summary()
    shown = None if newest is None else (newest.id, newest.key, newest.title,
                                         json.dumps(newest.params, sort_keys=True, default=str))
    draw = current_app.jinja_env.get_template("_bell_macros.html").module.bell
    return kept_drawer("notifications.bell")((n, shown, bool(oob)), lambda: draw(n, newest, oob))


def _unread_count() -> int:
    """The bell's badge, counted once per request."""
    if not current_user.is_authenticated:
        return 0
    if "_unread" not in g or g.get("_bell_user") != current_user.id:
        return _unread_summary()[0]
    return g._unread
