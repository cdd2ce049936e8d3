"""Calendar files: a meeting's .ics invitation, and the personal feed at a secret URL (no login: the
secret is the key; revoking replaces it)."""

from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.core.permissions import require
from portal.core.rendering import hx_redirect, render
from portal.extensions import csrf, limiter
from portal.meetings import calendar, forms
from portal.meetings.permissions import get_meeting_or_404
from portal.meetings.views import bp

ICS = "text/calendar; charset=utf-8"


@bp.route("/<int:meeting_id>/invite.ics")
@login_required
def invite_ics(meeting_id: int):
    meeting = get_meeting_or_404(current_user, meeting_id)
    require(current_user, "meetings.view", meeting)
    return calendar.meeting_ics(meeting, request.host_url), 200, {
        "Content-Type": ICS, "Content-Disposition": f'attachment; filename="meeting-{meeting.id}.ics"'}


@bp.route("/calendar")
@login_required
def calendar_page():
    require(current_user, "meetings.index")
    token = calendar.feed_token(current_user)
    url = url_for("meetings.feed", token=token, _external=True) if token else None
    return render("meetings/calendar.html", feed_url=url, form=forms.Form(formdata=None))


@bp.route("/calendar/new", methods=["POST"])
@login_required
def calendar_new():
    """Create the feed's secret, or replace it (the old URL stops working)."""
    require(current_user, "meetings.index")
    form = forms.Form()
    if form.validate_on_submit():
        calendar.revoke(current_user)
        flash(_("已生成新的订阅地址，原地址已失效。"), "success")
    return hx_redirect(url_for("meetings.calendar_page"))


@bp.route("/feed/<token>.ics")
@limiter.limit("60 per minute")
@csrf.exempt
def feed(token: str):
    user = calendar.user_for_token(token)
    if user is None:
        abort(404)
    return calendar.feed_ics(user, request.host_url, _("联席会议")), 200, {"Content-Type": ICS, "Cache-Control": "no-store"}
