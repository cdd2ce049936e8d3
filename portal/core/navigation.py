"""The menu each user sees: the registered entries whose rule the user passes."""

from flask import current_app

from portal.core.modules import registry
from portal.core.permissions import can


def navigation_for(user) -> list[tuple[str, str, str]]:
    """(endpoint, label, key) for every menu entry this user may use, in the modules' order."""
    if not getattr(user, "is_authenticated", False):
        return []
    entries = sorted(registry().nav, key=lambda entry: entry.order)
    views = current_app.view_functions
    return [(e.endpoint, e.label, e.key) for e in entries if e.endpoint in views and can(user, e.rule)]
