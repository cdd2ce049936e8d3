"""One way to run a step of the meeting page: load (404) → may this user ever take it (403, with the
page) → the service decides (a refusal lands beside its field, nothing saved) → back to the page."""

from __future__ import annotations

from flask import flash, url_for
from flask_login import current_user

from portal.core.errors import Conflict
from portal.core.rendering import form_status, hx_redirect
from portal.core.transaction import refusals
from portal.core.translations import lazy_gettext as _l
from portal.extensions import db
from portal.meetings.permissions import get_meeting_or_404
from portal.meetings.steps import may_ever
from portal.meetings.views.detail import show

REFUSED = _l("您不能对这次会议进行这个操作。")


def redisplay(meeting, name, form, message=None, status=None):
    if status is None:
        status = form_status({"x": [message]} if message else form)
    return show(meeting, posted=(name, form), message=message, status=status)


def run_step(step: str, meeting_id: int, form_class, act, done, *, name: str | None = None, duplicate=None):
    """`act(meeting, form)` calls the service; `done` is the flash on success."""
    name = name or step
    meeting = get_meeting_or_404(current_user, meeting_id)
    form = form_class()
    if not may_ever(step, current_user, meeting):
        return redisplay(meeting, name, form, REFUSED, status=403)
    if not form.validate_on_submit():
        return redisplay(meeting, name, form)
    with refusals(form, duplicate=duplicate) as outcome:
        act(meeting, form)
    if not outcome.ok:
        if outcome.conflict or isinstance(outcome.error, Conflict):
            db.session.refresh(meeting)
        return redisplay(meeting, name, form, None if form.errors or form.form_errors else outcome.error.message)
    flash(str(done), "success")
    return hx_redirect(url_for("meetings.detail", meeting_id=meeting.id))
