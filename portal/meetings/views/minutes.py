"""Minutes: save the draft and issue it, answer it (confirm / ask for a correction), reply to a
correction, correct locked minutes as a new version; disclosure and the printable page."""

from __future__ import annotations

from flask import abort, request
from flask_login import current_user, login_required

from portal.core.errors import RuleError
from portal.core.permissions import require
from portal.core.rendering import render
from portal.core.translations import lazy_gettext as _l
from portal.extensions import db
from portal.meetings import forms, minutes, services
from portal.meetings.models import Attendance, Confirmation, Invitee, Resolution
from portal.meetings.permissions import get_meeting_or_404
from portal.meetings.views import bp
from portal.meetings.views.common import run_step
from portal.meetings.views.detail import party_labels


def _entries(meeting) -> dict:
    return {item.id: (request.form.get(f"discussion_{item.id}"), request.form.get(f"decision_{item.id}"))
            for item in meeting.items}


@bp.route("/<int:meeting_id>/minutes", methods=["POST"])
@login_required
def minutes_save(meeting_id: int):
    issue = request.form.get("issue") == "1"

    def act(meeting, form):
        minutes.write_minutes(meeting, by=current_user, entries=_entries(meeting))
        if issue:
            minutes.issue(meeting, by=current_user)

    return run_step("minutes", meeting_id, forms.Form, act,
                    _l("纪要已发出，请三方确认。") if issue else _l("纪要草稿已保存。"), name="minutes")


@bp.route("/<int:meeting_id>/correct", methods=["POST"])
@login_required
def minutes_correct(meeting_id: int):
    return run_step("correct", meeting_id, forms.Form, lambda m, f: minutes.correct(
        m, by=current_user, entries=_entries(m), note=request.form.get("note")),
        _l("已发出更正后的新版本，请三方重新确认。"), name="correct")


@bp.route("/<int:meeting_id>/confirm", methods=["POST"])
@login_required
def minutes_confirm(meeting_id: int):
    def act(meeting, form):
        if form.answer.data not in ("confirmed", "correction"):
            raise RuleError(_l("请选择确认或需要更正。"), "answer")
        minutes.answer(meeting, by=current_user, confirmed=form.answer.data == "confirmed", comment=form.comment.data,
                       version_number=form.number.data or None)

    duplicate = RuleError(_l("您所代表的单位刚刚已经答复过这一版纪要。"))
    return run_step("confirm", meeting_id, forms.AnswerForm, act, _l("已提交您的意见。"), name="answer",
                    duplicate=duplicate)


@bp.route("/answers/<int:answer_id>/reply", methods=["POST"])
@login_required
def minutes_reply(answer_id: int):
    confirmation = db.session.get(Confirmation, answer_id)
    if confirmation is None:
        abort(404)

    def act(meeting, form):
        minutes.reply(meeting, confirmation, by=current_user, text_=form.reply.data)

    return run_step("reply", confirmation.version.meeting_id, forms.ReplyForm, act, _l("已答复。"), name="reply")


@bp.route("/<int:meeting_id>/disclose", methods=["POST"])
@login_required
def disclose(meeting_id: int):
    from portal.core.clock import now_utc
    from portal.meetings.steps import check

    def act(meeting, form):
        check("disclose", current_user, meeting)
        meeting.disclosed_at = now_utc()

    return run_step("disclose", meeting_id, forms.Form, act, _l("已向小区居民公示。"))


def _record(meeting):
    """What the disclosure and the printed minutes show: the locked (or latest) version, who came for
    which party, the resolutions with their live status."""
    version = minutes.locked_version(meeting)
    latest = minutes.versions(meeting)
    version = version or (latest[0] if latest else None)
    present = db.session.execute(
        db.select(Attendance.party, Invitee.organisation_id).join(Invitee, (Invitee.meeting_id == Attendance.meeting_id)
                                                                  & (Invitee.user_id == Attendance.user_id))
        .where(Attendance.meeting_id == meeting.id)).all()
    from sqlalchemy.orm import selectinload

    resolutions = db.session.scalars(db.select(Resolution).where(Resolution.meeting_id == meeting.id)
                                     .options(selectinload(Resolution.organisation), selectinload(Resolution.responsible))
                                     .order_by(Resolution.deadline)).all()
    return {"version": version, "present_parties": {p for p, _o in present},
            "resolutions": resolutions, "party_labels": party_labels(), "local": services.local,
            "quorate": services.is_quorate(meeting), "meeting": meeting}


@bp.route("/<int:meeting_id>/disclosure")
@login_required
def disclosure(meeting_id: int):
    meeting = get_meeting_or_404(current_user, meeting_id)
    require(current_user, "meetings.disclosure", meeting)
    return render("meetings/disclosure.html", **_record(meeting))


@bp.route("/<int:meeting_id>/print")
@login_required
def print_minutes(meeting_id: int):
    meeting = get_meeting_or_404(current_user, meeting_id)
    require(current_user, "meetings.view", meeting)
    record = _record(meeting)
    if record["version"] is None:
        abort(404)
    from sqlalchemy.orm import selectinload

    attendees = db.session.scalars(db.select(Attendance).where(Attendance.meeting_id == meeting.id)
                                   .options(selectinload(Attendance.user)).order_by(Attendance.party, Attendance.id)).all()
    orgs = {i.user_id: i.organisation for i in meeting.invitees}
    return render("meetings/print.html", attendees=attendees, orgs=orgs, invitees=meeting.invitees, **record)
