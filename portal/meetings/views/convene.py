"""Convening (召集), rescheduling, cancelling and the next monthly occurrence."""

from __future__ import annotations

from flask import flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from portal.core.errors import RuleError
from portal.core.permissions import require
from portal.core.rendering import form_status, hx_redirect, render
from portal.core.transaction import refusals
from portal.core.translations import lazy_gettext as _l
from portal.extensions import db
from portal.meetings import forms, series, services
from portal.meetings.permissions import convener_communities, convener_compounds, get_meeting_or_404, manages
from portal.meetings.views import bp
from portal.meetings.views.common import run_step
from portal.meetings.views.detail import party_labels
from portal.orgs.models import Community, Compound


def _places(user) -> list[tuple[str, str]]:
    compounds = convener_compounds(user)
    communities = convener_communities(user)
    rows = []
    if communities:
        for cid, name in db.session.execute(select(Community.id, Community.name).where(Community.id.in_(communities))
                                            .order_by(Community.name)):
            rows.append((f"m{cid}", _("%(name)s（全社区）", name=name)))
    if compounds:
        for cid, name, community in db.session.execute(
                select(Compound.id, Compound.name, Community.name).join(Community, Community.id == Compound.community_id)
                .where(Compound.id.in_(compounds)).order_by(Community.name, Compound.name)):
            rows.append((f"c{cid}", f"{community} · {name}"))
    return rows


def _where(value: str | None) -> tuple[int | None, int | None]:
    """"c12" → (community of compound 12, 12); "m3" → (3, None); anything else → (None, None)."""
    from portal.core.params import parse_id

    value = value or ""
    number = parse_id(value[1:])
    if number is None:
        return None, None
    if value.startswith("c"):
        compound = db.session.get(Compound, number)
        return (compound.community_id, compound.id) if compound else (None, None)
    if value.startswith("m"):
        return (number, None) if db.session.get(Community, number) else (None, None)
    return None, None


def _render(form, status=200):
    places = _places(current_user)
    form.place_of.choices = places
    if not form.place_of.data and places:
        form.place_of.data = places[-1][0] if len(places) == 1 else places[0][0]
    community_id, compound_id = _where(form.place_of.data)
    allowed = community_id is not None and (
        (compound_id is None and community_id in convener_communities(current_user))
        or compound_id in convener_compounds(current_user))
    proposed = services.proposed_invitees(community_id, compound_id, current_user.id) if allowed else []
    extra = services.x_candidates(current_user, community_id, compound_id) if allowed else []
    proposed_keys = {c.key for c in proposed}
    extra = [c for c in extra if c.user_id not in {p.user_id for p in proposed}]
    chosen = set(form.invite.data or []) if request.method == "POST" else proposed_keys
    return render("meetings/new.html", "invitees", form=form, proposed=proposed, extra=extra, chosen=chosen,
                  chosen_x={i for i in (form.x_ids.data or []) if i}, party_labels=party_labels(), status=status)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    require(current_user, "meetings.convene")
    if request.method == "GET":
        form = forms.MeetingForm(formdata=request.args if request.args.get("place_of") else None)
        return _render(form)
    form = forms.MeetingForm()
    if not form.validate_on_submit():
        return _render(form, form_status(form))
    community_id, compound_id = _where(form.place_of.data)
    with refusals(form, fields={"compound_id": "place_of", "invite": "invite", "x_ids": "x_ids"}) as outcome:
        if community_id is None:
            raise RuleError(_l("请选择召开会议的小区或社区。"), "place_of")
        starts_at, ends_at = _times(form)
        meeting = services.convene(
            by=current_user, community_id=community_id, compound_id=compound_id, title=form.title.data,
            kind=form.kind.data, starts_at=starts_at, ends_at=ends_at, place=form.place.data,
            invite_keys=form.invite.data or [], x_ids=[i for i in (form.x_ids.data or []) if i],
            reminders=form.reminders.data)
    if not outcome.ok:
        return _render(form, form_status(form))
    flash(_("会议已召集，已通知参会人。"), "success")
    return hx_redirect(url_for("meetings.detail", meeting_id=meeting.id))


def _times(form):
    starts_at, ends_at = forms.local_datetime(form.starts_at.data), forms.local_datetime(form.ends_at.data)
    if starts_at is None:
        raise RuleError(_l("请填写开始时间（年-月-日 时:分）。"), "starts_at")
    if ends_at is None:
        raise RuleError(_l("请填写结束时间（年-月-日 时:分）。"), "ends_at")
    return starts_at, ends_at


@bp.route("/<int:meeting_id>/reschedule", methods=["POST"])
@login_required
def reschedule(meeting_id: int):
    def act(meeting, form):
        starts_at, ends_at = _times(form)
        services.reschedule(meeting, by=current_user, starts_at=starts_at, ends_at=ends_at, place=form.place.data,
                            version=form.version_number)

    return run_step("reschedule", meeting_id, forms.RescheduleForm, act, _l("已改期，已通知所有参会人。"))


@bp.route("/<int:meeting_id>/cancel", methods=["POST"])
@login_required
def cancel(meeting_id: int):
    return run_step("cancel", meeting_id, forms.CancelForm, lambda m, f: services.cancel(
        m, by=current_user, reason=f.reason.data, version=f.version_number), _l("会议已取消，已通知所有参会人。"))


@bp.route("/<int:meeting_id>/next", methods=["POST"])
@login_required
def next_occurrence(meeting_id: int):
    meeting = get_meeting_or_404(current_user, meeting_id)
    if not manages(current_user, meeting):
        from flask import abort

        abort(403)
    form = forms.Form()
    if not form.validate_on_submit():
        return hx_redirect(url_for("meetings.detail", meeting_id=meeting.id))
    with refusals(form) as outcome:
        following = series.next_occurrence(meeting, by=current_user)
    if not outcome.ok:
        flash(str(outcome.error.message), "error")
        return hx_redirect(url_for("meetings.detail", meeting_id=meeting.id))
    flash(_("已安排下月例会，未办结的决议已列入议程。"), "success")
    return hx_redirect(url_for("meetings.detail", meeting_id=following.id))

