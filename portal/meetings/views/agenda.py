"""The agenda: add an item (free text or from a registered source), move it, remove it."""

from __future__ import annotations

from flask import abort, flash, url_for
from flask_login import current_user, login_required

from portal.core.errors import RuleError
from portal.core.params import parse_id
from portal.core.rendering import hx_redirect
from portal.core.transaction import refusals
from portal.core.translations import lazy_gettext as _l
from portal.extensions import db
from portal.meetings import forms, services, sources
from portal.meetings.models import AgendaItem
from portal.meetings.permissions import get_meeting_or_404
from portal.meetings.steps import may_ever
from portal.meetings.views import bp
from portal.meetings.views.common import run_step


def _source(value: str | None) -> tuple[str | None, int | None]:
    kind, _sep, number = (value or "").partition(":")
    if not kind:
        return None, None
    source_id = parse_id(number)
    if sources.source(kind) is None or source_id is None:
        raise RuleError(_l("议题来源不存在。"), "source")
    return kind, source_id


@bp.route("/<int:meeting_id>/agenda", methods=["POST"])
@login_required
def agenda_add(meeting_id: int):
    def act(meeting, form):
        kind, source_id = _source(form.source.data)
        title = form.title.data
        if kind and not title:
            title = str(sources.describe(kind, source_id)[1])[:100] if sources.describe(kind, source_id) else ""
        services.add_agenda_item(meeting, by=current_user, title=title, description=form.description.data,
                                 expected_minutes=form.expected_minutes.data or 15, source_kind=kind, source_id=source_id)

    return run_step("agenda", meeting_id, forms.AgendaForm, act, _l("已加入议程。"))


def _item(item_id: int):
    item = db.session.get(AgendaItem, item_id)
    if item is None:
        abort(404)
    meeting = get_meeting_or_404(current_user, item.meeting_id)
    if not may_ever("agenda", current_user, meeting):
        abort(403)
    return meeting, item


def _change(item_id: int, act, done):
    meeting, item = _item(item_id)
    form = forms.Form()
    if form.validate_on_submit():
        with refusals(form) as outcome:
            act(meeting, item)
        flash(str(done if outcome.ok else outcome.error.message), "success" if outcome.ok else "error")
    return hx_redirect(url_for("meetings.detail", meeting_id=meeting.id) + "#agenda")


@bp.route("/items/<int:item_id>/up", methods=["POST"])
@login_required
def agenda_up(item_id: int):
    return _change(item_id, lambda m, i: services.move_item(m, i, by=current_user, up=True), _l("已调整顺序。"))


@bp.route("/items/<int:item_id>/down", methods=["POST"])
@login_required
def agenda_down(item_id: int):
    return _change(item_id, lambda m, i: services.move_item(m, i, by=current_user, up=False), _l("已调整顺序。"))


@bp.route("/items/<int:item_id>/remove", methods=["POST"])
@login_required
def agenda_remove(item_id: int):
    return _change(item_id, lambda m, i: services.remove_item(m, i, by=current_user), _l("已移出议程。"))
