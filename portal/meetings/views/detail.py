"""The meeting page: facts, invitees and attendance with the quorum, agenda, minutes and their
confirmations, resolutions — and only the steps this user may take now. The action routes re-render it
through `show()` when a step is refused, with the message beside what was typed."""

from __future__ import annotations

from flask import request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.core.clock import now_utc
from portal.core.permissions import require
from portal.core.rendering import render
from portal.extensions import db
from portal.meetings import forms, sources
from portal.meetings.known import knowing
from portal.meetings.models import (
    Answer,
    Attendance,
    Confirmation,
    Invitee,
    MinutesVersion,
    Party,
    Resolution,
)
from portal.meetings.permissions import get_meeting_or_404, manages, represented_party
from portal.meetings.resolutions import responsible_choices
from portal.meetings.series import series_of
from portal.meetings.services import local, quorate
from portal.meetings.steps import STEPS
from portal.meetings.views import bp


def party_labels():
    from portal.core.translations import lazy_gettext as _l

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


def _forms(meeting, posted, steps):
    agenda = forms.AgendaForm(formdata=None)
    agenda.source.choices = [("", "—")] + agenda_sources(meeting) if steps["agenda"] else []
    resolution = forms.ResolutionForm(formdata=None)
    resolution.item_id.choices = [(0, "—")] + [(i.id, i.title) for i in meeting.items]
    # the people a resolution can go to: only asked for when the form is offered (or posted back)
    offered = steps["resolutions"] or (posted is not None and posted[0] == "resolution")
    resolution.responsible.choices = [("", "—")] + (
        [(f"{o}-{u}", label) for o, u, label in responsible_choices(meeting)] if offered else [])
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


def _loaded(meeting):
    """Everything the page shows about `meeting`, one query per kind of row (a page in ~10 statements
    whatever the number of invitees, items, versions or resolutions)."""
    # one row per invitee with their sign-in, if any (only invitees sign in: services._attend)
    rows = db.session.execute(
        select(Invitee, Attendance).where(Invitee.meeting_id == meeting.id)
        .outerjoin(Attendance, (Attendance.meeting_id == Invitee.meeting_id) & (Attendance.user_id == Invitee.user_id))
        .options(joinedload(Invitee.user), joinedload(Invitee.organisation)).order_by(Invitee.id)).all()
    invitees = [invitee for invitee, _a in rows]
    attended = {a.user_id: a for _i, a in rows if a is not None}
    version = db.session.scalars(select(MinutesVersion).where(MinutesVersion.meeting_id == meeting.id)
                                 .options(joinedload(MinutesVersion.answers).joinedload(Confirmation.user))
                                 .order_by(MinutesVersion.number.desc())).unique().all()
    resolutions = db.session.scalars(select(Resolution).where(Resolution.meeting_id == meeting.id)
                                     .options(joinedload(Resolution.responsible), joinedload(Resolution.organisation))
                                     .order_by(Resolution.deadline)).all()
    described = sources.describe_all((item.source_kind, item.source_id) for item in meeting.items)
    items = [(item, described.get((item.source_kind, item.source_id))) for item in meeting.items]
    return invitees, attended, version, resolutions, items


def show(meeting, *, posted=None, message=None, status: int = 200, errors=None, typed=None):
    user = current_user
    invitees, attended, version, resolutions, items = _loaded(meeting)
    latest = version[0] if version else None
    # the rules and steps below read what was just loaded instead of asking again
    with knowing(meeting, invitations={i.user_id: i for i in invitees}, latest=latest, signed=set(attended)):
        require(user, "meetings.view", meeting)
        my_party = represented_party(user, meeting)
        is_manager = manages(user, meeting)
        steps = {name: step.allowed(user, meeting) for name, step in STEPS.items()}
    present = {a.party for a in attended.values()}
    answers = {v.id: {a.party: a for a in v.answers} for v in version}
    if typed is None and posted is not None and posted[0] in ("minutes", "correct"):
        typed = request.form.to_dict()
    return render(
        "meetings/detail.html", meeting=meeting, invitees=invitees, attended=attended, present=present,
        quorate=quorate(present), party_labels=party_labels(), parties=Party, items=items, versions=version,
        latest=latest, answers=answers, resolutions=resolutions, my_party=my_party, is_manager=is_manager,
        steps=steps, forms=_forms(meeting, posted, steps),
        posted=posted and posted[0], message=message, errors=errors or {}, typed=typed or {}, now=now_utc(),
        local=local, series=series_of(meeting), kind_labels=forms.KIND_LABELS, answer_codes=Answer,
        sign_in_url=url_for("meetings.sign_in", meeting_id=meeting.id, _external=True), status=status)


@bp.route("/<int:meeting_id>")
@login_required
def detail(meeting_id: int):
    return show(get_meeting_or_404(current_user, meeting_id, page=True))
