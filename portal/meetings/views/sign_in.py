"""签到: participants sign themselves in with the room's code (or its QR code, which opens this page
with the code filled in); the convener ticks attendance. Wrong codes are rate-limited per person and
meeting, so six digits cannot be guessed during a meeting."""

from __future__ import annotations

import io

from flask import abort, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.core.errors import RuleError
from portal.core.rendering import form_status, hx_redirect, render
from portal.core.transaction import refusals
from portal.core.translations import lazy_gettext as _l
from portal.extensions import limiter
from portal.meetings import forms, services
from portal.meetings.permissions import get_meeting_or_404, is_invitee, manages
from portal.meetings.steps import already_signed, in_sign_in_window
from portal.meetings.views import bp
from portal.meetings.views.common import run_step

ALREADY = _l("您已经签到。")


def _limit() -> str:
    return current_app.config.get("MEETING_SIGN_IN_LIMIT", "8 per 10 minutes")


def _key() -> str:
    return f"meeting-sign-in:{getattr(current_user, 'id', '')}:{request.view_args.get('meeting_id')}"


def _failed(response) -> bool:
    return response.status_code not in (200, 204, 302, 303) or b'data-field-error="code"' in (response.get_data() or b"")


@bp.route("/<int:meeting_id>/sign-in", methods=["GET", "POST"])
@login_required
@limiter.limit(_limit, methods=["POST"], key_func=_key, deduct_when=_failed)
def sign_in(meeting_id: int):
    meeting = get_meeting_or_404(current_user, meeting_id)
    if not is_invitee(current_user, meeting):
        abort(403)
    form = forms.SignInForm() if request.method == "POST" else forms.SignInForm(formdata=None, data={
        "code": (request.args.get("code") or "")[:12]})
    if request.method == "POST" and form.validate_on_submit():
        with refusals(form, fields={None: "code"}, default="code", duplicate=RuleError(ALREADY, "code")) as outcome:
            services.sign_in(meeting, by=current_user, code=form.code.data)
        if outcome.ok:
            flash(_("签到成功。"), "success")
            return hx_redirect(url_for("meetings.detail", meeting_id=meeting.id))
    return render("meetings/sign_in.html", form=form, meeting=meeting, local=services.local,
                  signed=already_signed(current_user, meeting),
                  open_now=in_sign_in_window(meeting), status=form_status(form) if request.method == "POST" else 200)


@bp.route("/<int:meeting_id>/qr.svg")
@login_required
def sign_in_qr(meeting_id: int):
    """The QR code to show in the room: the sign-in page with the code filled in (conveners only)."""
    import segno

    meeting = get_meeting_or_404(current_user, meeting_id)
    if not manages(current_user, meeting):
        abort(403)
    url = url_for("meetings.sign_in", meeting_id=meeting.id, code=meeting.sign_in_code, _external=True)
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=6, border=2)
    return out.getvalue(), 200, {"Content-Type": "image/svg+xml", "Cache-Control": "no-store"}


@bp.route("/<int:meeting_id>/attendance", methods=["POST"])
@login_required
def attendance(meeting_id: int):
    from portal.core.params import parse_id

    def act(meeting, form):
        ids = [parse_id(v) for v in request.form.getlist("present")]
        if None in ids:
            raise RuleError(_l("只有受邀的参会人可以签到。"))
        services.mark_attendance(meeting, by=current_user, present_ids=ids)

    return run_step("attendance", meeting_id, forms.Form, act, _l("已保存签到情况。"))

