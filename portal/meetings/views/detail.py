"""The meeting page: facts, invitees and attendance with the quorum, agenda, minutes and their
confirmations, resolutions — and only the steps this user may take now. The action routes re-render it
through `show()` when a step is refused, with the message beside what was typed."""

from __future__ import annotations

from flask import request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.core.clock import now_utc
from portal.core.permissions import require
from portal.core.rendering import render
from portal.extensions import db
from portal.meetings import forms, minutes, sources
from portal.meetings.models import Answer, Attendance, Invitee, Party, Resolution
from portal.meetings.permissions import get_meeting_or_404, manages, represented_party
from portal.meetings.resolutions import responsible_choices
from portal.meetings.series import series_of
from portal.meetings.services import local, quorate
from portal.meetings.steps import STEPS
from portal.meetings.views import bp


def party_labels():
    from flask_babel import lazy_gettext as _l

    return {Party.PARTY: _l("1：党组织"), Party.RESIDENTS: _l("居委会"), Party.OWNERS: _l("业委会"),
            Party.PROPERTY: _l("物业企业"), Party.OTHER: _l("X：其他")}


def agenda_sources(meeting):
    """(value, label) of what the convener may pick as an item's source."""
    options = []
    for kind, found in sources.registered().items():
        if found.candidates is None:
            continue
        for source_id, title in found.candidates(meeting):
            options.append((f"{kind}:{source_id}", f"{found.label}：{title}"))
    return options


def _forms(meeting, posted):
    agenda = forms.AgendaForm(formdata=None)
    agenda.source.choices = [("", "—")] + agenda_sources(meeting) if STEPS["agenda"].allowed(current_user, meeting) else []
    resolution = forms.ResolutionForm(formdata=None)
    resolution.item_id.choices = [(0, "—")] + [(i.id, i.title) for i in meeting.items]
    resolution.responsible.choices = [("", "—")] + [(f"{o}-{u}", label) for o, u, label in responsible_choices(meeting)]
    result = {
        "reschedule": forms.RescheduleForm(formdata=None, data={
            "version": str(meeting.version), "place": meeting.place,
            "starts_at": local(meeting.starts_at).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": local(meeting.ends_at).strftime("%Y-%m-%dT%H:%M")}),
        "cancel": forms.CancelForm(formdata=None, data={"version": str(meeting.version)}),
        "agenda": agenda, "sign_in": forms.SignInForm(formdata=None), "resolution": resolution,
        "answer": forms.AnswerForm(formdata=None), "correct": forms.Form(formdata=None), "minutes": forms.Form(formdata=None),
        "reply": forms.ReplyForm(formdata=None),
    }
    if posted is not None:
        name, form = posted
        if name == "agenda":
            form.source.choices = agenda.source.choices
        if name == "resolution":
            form.item_id.choices, form.responsible.choices = resolution.item_id.choices, resolution.responsible.choices
        result[name] = form
    return result


def show(meeting, *, posted=None, message=None, status: int = 200, errors=None, typed=None):
    user = current_user
    require(user, "meetings.view", meeting)
    invitees = db.session.scalars(select(Invitee).where(Invitee.meeting_id == meeting.id)
                                  .options(selectinload(Invitee.user), selectinload(Invitee.organisation))
                                  .order_by(Invitee.id)).all()
    attended = {a.user_id: a for a in db.session.scalars(select(Attendance).where(Attendance.meeting_id == meeting.id))}
    present = {a.party for a in attended.values()}
    version = minutes.versions(meeting)
    latest = version[0] if version else None
    answers = {v.id: {a.party: a for a in v.answers} for v in version}
    resolutions = db.session.scalars(select(Resolution).where(Resolution.meeting_id == meeting.id)
                                     .options(selectinload(Resolution.responsible), selectinload(Resolution.organisation))
                                     .order_by(Resolution.deadline)).all()
    items = [(item, sources.describe(item.source_kind, item.source_id)) for item in meeting.items]
    my_party = represented_party(user, meeting)
    if typed is None and posted is not None and posted[0] in ("minutes", "correct"):
        typed = request.form.to_dict()
    return render(
        "meetings/detail.html", meeting=meeting, invitees=invitees, attended=attended, present=present,
        quorate=quorate(present), party_labels=party_labels(), parties=Party, items=items, versions=version,
        latest=latest, answers=answers, resolutions=resolutions, my_party=my_party, is_manager=manages(user, meeting),
        steps={name: step.allowed(user, meeting) for name, step in STEPS.items()}, forms=_forms(meeting, posted),
        posted=posted and posted[0], message=message, errors=errors or {}, typed=typed or {}, now=now_utc(),
        local=local, series=series_of(meeting), kind_labels=forms.KIND_LABELS, answer_codes=Answer,
        sign_in_url=url_for("meetings.sign_in", meeting_id=meeting.id, _external=True), status=status)


@bp.route("/<int:meeting_id>")
@login_required
def detail(meeting_id: int):
    return show(get_meeting_or_404(current_user, meeting_id))
