"""The menu each user sees: the registered entries whose rule the user passes."""

from flask import current_app

from portal.core.modules import registry
from portal.core.permissions import can


class Menu(tuple):
    """(endpoint, label, key) entries; `keys` names them all for base.html's kept menu (the labels and
    URLs follow from the keys, the language and the mount point)."""

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(key for _, _, key in self)


def navigation_for(user) -> Menu:
    """(endpoint, label, key) for every menu entry this user may use, in the modules' order."""
    if not getattr(user, "is_authenticated", False):
        return Menu()
    entries = sorted(registry().nav, key=lambda entry: entry.order)
    views = current_app.view_functions
    return Menu((e.endpoint, e.label, e.key) for e in entries if e.endpoint in views and can(user, e.rule))
