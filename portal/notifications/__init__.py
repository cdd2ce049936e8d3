"""In-portal notifications: a module registers its message catalogue (`register_messages`) and writes
with services.notify; `init_app` gives the templates what they need to word and count them."""

from __future__ import annotations

from flask import Flask, g
from flask_login import current_user

from portal.notifications.registry import register_messages

__all__ = ["init_app", "register_messages"]


def init_app(app: Flask) -> None:
    from portal.notifications.services import message_for

    app.jinja_env.globals.update(message_for=message_for, unread_summary=_unread_summary)


def _unread_summary():
    """(count, newest unread) for the bell; also primes the count the `unread_count()` global caches."""
    if not current_user.is_authenticated:
        return 0, None
    if "_unread_summary" not in g:
        from portal.notifications.services import unread_summary

        g._unread_summary = unread_summary(current_user)
        g._unread = g._unread_summary[0]
    return g._unread_summary
