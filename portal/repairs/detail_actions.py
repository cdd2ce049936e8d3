"""The request page's action forms, drawn once per state of the request and kept (core.kept).

The forms of the steps offered, before anything is typed, show only a few values: the request's id
(the forms' addresses), its version (the hidden field), its status (派单 or 转单), its kind (the triage
choice), the steps and, for 派单, the candidate handlers with their posts and loads. `actions_key` is
exactly those values, so a kept section is never stale; a hit builds no WTForms form at all.

The one value that differs between readers is the CSRF token inside each form: the kept section holds
`_TOKEN` where the token was, and each request puts its own token back. A refused step (typed text,
messages beside the fields) is drawn from its forms every time and never kept.
"""

from __future__ import annotations

from flask import current_app
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from portal.core.kept import kept_drawer
from portal.repairs.action_forms import FORMS, with_ids

#: where the CSRF token stands in a kept section (no text of the page can hold a NUL character)
_TOKEN = "\x00"


def actions_key(req, steps: list[str], choices: list[tuple] | None) -> tuple:
    """Everything the fresh forms of `steps` show of `req` (templates/repairs/_detail_actions.html)."""
    people = tuple((person.id, person.name, post, load) for person, post, load in choices) if choices is not None else None
    return (req.id, req.version, req.status, req.kind, tuple(steps), people)


def action_forms(req, steps: list[str], choices: list[tuple] | None, posted: tuple[str, object] | None = None) -> dict:
    """The forms of `steps`, fresh but for the one just `posted` (with its errors and typed text)."""
    forms = {name: _fresh_form(name, req, choices) for name in steps}
    if posted is not None and posted[0] in forms:
        forms[posted[0]] = posted[1]
    for step, form in forms.items():
        with_ids(form, step)
    return forms


def _fresh_form(name: str, req, choices):
    data = {"version": str(req.version)}
    if name == "triage":
        data["kind"] = req.kind
    if name == "assign":
        return FORMS[name](formdata=None, data=data, candidates=choices)
    return FORMS[name](formdata=None, data=data)


def draw_actions(req, forms: dict) -> Markup:
    return Markup(current_app.jinja_env.get_template("repairs/_detail_actions.html").render(req=req, forms=forms))


def actions_html(req, steps: list[str], choices: list[tuple] | None, posted: tuple[str, object] | None = None) -> Markup:
    """The section of the steps this user may take now: kept when nothing was posted."""
    if posted is not None:
        return draw_actions(req, action_forms(req, steps, choices, posted))
    token = generate_csrf() if _csrf_on() else ""

    def draw() -> Markup:
        html = str(draw_actions(req, action_forms(req, steps, choices)))
        return Markup(html.replace(token, _TOKEN) if token else html)

    section = kept_drawer("repairs.detail_actions")((*actions_key(req, steps, choices), bool(token)), draw)
    return Markup(str(section).replace(_TOKEN, token)) if token else section


def _csrf_on() -> bool:
    """Whether the forms carry a CSRF field (Flask-WTF's own switch)."""
    return current_app.config.get("WTF_CSRF_ENABLED", True)
