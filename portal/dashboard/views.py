"""The home page: what each person must do now, then each module's section — all registered by the
modules themselves (core.modules), so this view knows none of them."""

from flask import Blueprint, current_app, redirect, url_for
from flask_login import current_user
from markupsafe import Markup

from portal.core.kept import kept_drawer
from portal.core.modules import registry
from portal.core.rendering import render
from portal.core.todo_counts import todos_of

bp = Blueprint("dashboard", __name__)


@bp.route("/")
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    todos = todos_of(current_user, registry().todos)  # every module's counts in one statement
    todos.sort(key=lambda todo: not todo.urgent)
    panels = []
    for _order, template, provider in sorted(registry().panels, key=lambda item: item[0]):
        context = provider(current_user)
        if context is not None:
            panels.append((template, context))
    return render("dashboard/home.html", todos=todo_list(todos), panels=panels)


def todo_list(todos) -> Markup | None:
    """The to-do section, kept (core.kept) under everything it shows: each line's urgency, link, count
    and label in the reader's language (a label is a lazy string: shown as it reads, unescaped, as
    Jinja shows a lazy string). None when there is nothing to do."""
    if not todos:
        return None
    lines = tuple((todo.urgent, todo.url, todo.count, str(todo.label)) for todo in todos)
    draw = current_app.jinja_env.get_template("dashboard/_home_macros.html").module.todo_list
    return kept_drawer("dashboard.todos")(lines, lambda: draw([(*line[:3], Markup(line[3])) for line in lines]))
