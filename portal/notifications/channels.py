"""Alerts beyond the portal: a deployment with an SMS or WeChat gateway plugs it in here, and it gets
every notification the portal stores, worded in the recipient's language, once the change committed.

Set NOTIFICATION_CHANNEL to "module:attribute" naming a class with `send(user, text, link)`. The
default, LogChannel, only writes a line to the log (no text: it may name a request) — so nothing
leaves the machine until a deployment chooses a gateway.
"""

from __future__ import annotations

import logging
from importlib import import_module
from typing import Protocol

from flask import current_app
from flask_babel import force_locale

log = logging.getLogger(__name__)


class Channel(Protocol):
    def send(self, user, text: str, link: str | None) -> None: ...


class LogChannel:
    """The default: a line in the log per alert, nothing sent."""

    def send(self, user, text: str, link: str | None) -> None:
        log.info("alert for user %s: %s", user.id, link or "-")


def channel() -> Channel:
    configured = current_app.config.get("NOTIFICATION_CHANNEL") or "portal.notifications.channels:LogChannel"
    cache = current_app.extensions.setdefault("notification_channel", {})
    if configured not in cache:
        module, _, name = configured.partition(":")
        cache[configured] = getattr(import_module(module), name)()
    return cache[configured]


def deliver(note) -> None:
    """Send one stored notification through the channel, in its reader's language."""
    from portal.auth.models import User
    from portal.extensions import db
    from portal.notifications.services import message_for

    user = db.session.get(User, note.user_id)
    if user is None or not user.active:
        return
    languages = current_app.config["LANGUAGES"]
    locale = user.locale if user.locale in languages else current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        text = message_for(note)
    channel().send(user, text, note.link)
