"""The permission registry: rules by name, asked the same way everywhere.

Each module's `permissions.py` registers its rules (`@rule("repairs.assign")`), its visibility
clause in SQL and its `get_<x>_or_404` loaders. Views load inside the user's scope first (out of
scope is 404), then `require(user, "repairs.assign", req)` answers 403 for a visible object the
user may not act on; templates ask `can("repairs.assign", req)` only to hide buttons. core knows
no domain module: it only keeps the names.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort
from flask.globals import _cv_app  # Flask 3.1 (pinned): the app context without the proxy's lookups
from flask_login import current_user
from werkzeug.local import LocalProxy

Rule = Callable[[object, object], bool]
_RULES: dict[str, Rule] = {}


class UnknownRule(LookupError):
    """A rule name nobody registered: a typo or a module that is not installed."""


def rule(name: str):
    """Register `fn(user, obj) -> bool` as the rule `name` (module.action)."""

    def register(fn: Rule) -> Rule:
        existing = _RULES.get(name)
        if existing is not None and existing is not fn:
            raise ValueError(f"rule {name!r} is registered twice")
        _RULES[name] = fn
        return fn

    return register


def can(user, name: str, obj=None) -> bool:
    """May `user` do `name` (to `obj`)? Callers have already loaded `obj` inside the user's scope."""
    try:
        check = _RULES[name]
    except KeyError:
        raise UnknownRule(name) from None
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(check(unproxied(user), obj))


def unproxied(user):
    """The user behind Flask-Login's `current_user` proxy: a rule reads the user many times, and each
    read through the proxy looks the user up again. Once loaded, the user is read from where
    Flask-Login keeps it (`g._login_user`) without the proxy's own lookups."""
    if not isinstance(user, LocalProxy):
        return user
    if user is current_user:
        context = _cv_app.get(None)
        loaded = context.g.__dict__.get("_login_user") if context is not None else None
        if loaded is not None:
            return loaded
    return user._get_current_object()


def require(user, name: str, obj=None) -> None:
    if not can(user, name, obj):
        abort(403)


def rule_names() -> set[str]:
    return set(_RULES)
