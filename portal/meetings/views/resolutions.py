"""Resolutions: add from the meeting page; the follow-up list (督办) and each resolution's page with
updates and completion."""

from __future__ import annotations

from flask import flash, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import case, select
from sqlalchemy.orm import selectinload

from portal.core.clock import today
from portal.core.paging import paginate
from portal.core.params import parse_day, parse_id
from portal.core.permissions import require
from portal.core.rendering import form_status, hx_redirect, render
from portal.core.transaction import refusals
from portal.core.translations import lazy_gettext as _l
from portal.extensions import db
from portal.meetings import forms, resolutions, sources
from portal.meetings.models import Meeting, Resolution, ResolutionStatus
from portal.meetings.permissions import get_resolution_or_404, visibility
from portal.meetings.views import bp
from portal.meetings.views.common import run_step
from portal.orgs.models import Community
from portal.orgs.permissions import visible_community_ids


@bp.route("/<int:meeting_id>/resolutions", methods=["POST"])
@login_required
def resolution_add(meeting_id: int):
    def act(meeting, form):
        deadline = parse_day(form.deadline.data)
        resolutions.add_resolution(meeting, by=current_user, what=form.what.data, responsible_key=form.responsible.data,
                                   deadline=deadline, item_id=form.item_id.data or None)

    return run_step("resolutions", meeting_id, forms.ResolutionForm, act, _l("已形成决议事项，已通知负责人。"),
                    name="resolution")


MINE = ("assigned", "convened")


@bp.route("/resolutions")
@login_required
def follow_up():
    require(current_user, "meetings.follow_up")
    mine = request.args.get("mine", "") if request.args.get("mine") in MINE else ""
    status = request.args.get("status", "open") if request.args.get("status") in ("open", "done", "all") else "open"
    community = parse_id(request.args.get("community"))
    on = today()
    query = (select(Resolution, Meeting.title, Meeting.starts_at).join(Meeting, Meeting.id == Resolution.meeting_id)
             .where(visibility(current_user) | (Resolution.responsible_id == current_user.id)))
    if mine == "assigned":
        query = query.where(Resolution.responsible_id == current_user.id)
    elif mine == "convened":
        query = query.where(Meeting.convener_id == current_user.id)
    if status != "all":
        query = query.where(Resolution.status == status)
    if community:
        query = query.where(Meeting.community_id == community)
    if compound := parse_id(request.args.get("compound")):  # from a compound page's meetings section
        query = query.where(Meeting.compound_id == compound)
    overdue_first = case(((Resolution.status == ResolutionStatus.OPEN) & (Resolution.deadline < on), 0), else_=1)
    query = query.options(selectinload(Resolution.organisation), selectinload(Resolution.responsible))
    page = paginate(query.order_by(overdue_first, Resolution.deadline, Resolution.id), scalars=False)
    communities = db.session.execute(select(Community.id, Community.name).where(
        Community.id.in_(visible_community_ids(current_user))).order_by(Community.name)).all()
    return render("meetings/follow_up.html", "results", page=page, mine=mine, shown=status, community=community,
                  communities=communities, today=on)


def _show(resolution, posted=None, status=200):
    item = resolution.item
    source = sources.describe(item.source_kind, item.source_id) if item is not None else None
    update = forms.UpdateForm(formdata=None, data={"version": str(resolution.version)})
    complete = forms.CompleteForm(formdata=None, data={"version": str(resolution.version)})
    if posted == "update":
        update = forms.UpdateForm()
    if posted == "complete":
        complete = forms.CompleteForm()
    return render("meetings/resolution.html", resolution=resolution, source=source, update_form=update,
                  complete_form=complete, today=today(), offers_resolve=bool(item and item.source_kind == "repair"),
                  status=status)


@bp.route("/resolutions/<int:resolution_id>")
@login_required
def resolution_detail(resolution_id: int):
    resolution = get_resolution_or_404(current_user, resolution_id)
    require(current_user, "meetings.resolution_view", resolution)
    return _show(resolution)


def _act(resolution_id: int, form_class, name, act, done):
    resolution = get_resolution_or_404(current_user, resolution_id)
    if not resolutions.may_follow(current_user, resolution):
        require(current_user, "meetings.resolution_update", resolution)
    form = form_class()
    if not form.validate_on_submit():
        return _redisplay(resolution, name, form)
    with refusals(form) as outcome:
        act(resolution, form)
    if not outcome.ok:
        db.session.refresh(resolution)
        return _redisplay(resolution, name, form)
    flash(str(done), "success")
    return hx_redirect(url_for("meetings.resolution_detail", resolution_id=resolution.id))


def _redisplay(resolution, name, form):
    item = resolution.item
    source = sources.describe(item.source_kind, item.source_id) if item is not None else None
    forms_ = {"update_form": forms.UpdateForm(formdata=None, data={"version": str(resolution.version)}),
              "complete_form": forms.CompleteForm(formdata=None, data={"version": str(resolution.version)})}
    forms_[f"{name}_form"] = form
    form.version.data = str(resolution.version)
    return render("meetings/resolution.html", resolution=resolution, source=source, today=today(),
                  offers_resolve=bool(item and item.source_kind == "repair"), status=form_status(form) or 200, **forms_)


@bp.route("/resolutions/<int:resolution_id>/update", methods=["POST"])
@login_required
def resolution_update(resolution_id: int):
    return _act(resolution_id, forms.UpdateForm, "update", lambda r, f: resolutions.add_update(
        r, by=current_user, note=f.note.data, version=f.version_number), _l("已记录进展。"))


@bp.route("/resolutions/<int:resolution_id>/complete", methods=["POST"])
@login_required
def resolution_complete(resolution_id: int):
    return _act(resolution_id, forms.CompleteForm, "complete", lambda r, f: resolutions.complete(
        r, by=current_user, evidence=f.evidence.data, resolve_source=f.resolve_source.data == "1",
        version=f.version_number), _l("决议事项已办结。"))
