"""The home page: what each person must do now, then each module's section — all registered by the
modules themselves (core.modules), so this view knows none of them."""

from flask import Blueprint, redirect, url_for
from flask_login import current_user

from portal.core.modules import registry
from portal.core.rendering import render

bp = Blueprint("dashboard", __name__)


@bp.route("/")
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    todos = [todo for provider in registry().todos for todo in provider(current_user)]
    todos.sort(key=lambda todo: not todo.urgent)
    panels = []
    for _order, template, provider in sorted(registry().panels, key=lambda item: item[0]):
        context = provider(current_user)
        if context is not None:
            panels.append((template, context))
    return render("dashboard/home.html", todos=todos, panels=panels)
