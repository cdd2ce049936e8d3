"""The monthly service-day cycle of a community: each stage with its date, due or done."""

from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from portal.core.params import parse_day, parse_id
from portal.core.permissions import require
from portal.core.rendering import hx_redirect, render
from portal.core.transaction import refusals
from portal.extensions import db
from portal.meetings import forms, series
from portal.meetings.permissions import convener_communities
from portal.meetings.views import bp
from portal.orgs.models import Community
from portal.orgs.permissions import get_community_or_404, scope_of


def _communities():
    ids = scope_of(current_user).community_ids
    return db.session.execute(select(Community.id, Community.name).where(Community.id.in_(ids or [0]))
                              .order_by(Community.name)).all()


@bp.route("/service-day")
@login_required
def service_day():
    require(current_user, "orgs.communities")
    communities = _communities()
    if not communities:
        abort(404)
    community_id = parse_id(request.args.get("community")) or communities[0][0]
    community = get_community_or_404(current_user, community_id)
    month = parse_day((request.args.get("month") or "") + "-01") or series.this_month()
    return render("meetings/service_day.html", community=community, communities=communities, month=month.replace(day=1),
                  stages=series.cycle(community.id, month), may_mark=community.id in convener_communities(current_user),
                  form=forms.Form(formdata=None))


@bp.route("/service-day/mark", methods=["POST"])
@login_required
def service_day_mark():
    require(current_user, "orgs.communities")
    form = forms.StageForm()
    communities = _communities()
    if not communities:
        abort(404)
    community = get_community_or_404(current_user, parse_id(form.community_id.data) or communities[0][0])
    month = parse_day(form.month.data) or series.this_month()
    if form.validate_on_submit():
        with refusals(form) as outcome:
            series.mark_stage(community.id, month, form.stage.data or "", by=current_user)
        flash(_("已登记完成。") if outcome.ok else str(outcome.error.message), "success" if outcome.ok else "error")
    return hx_redirect(url_for("meetings.service_day", community=community.id, month=month.strftime("%Y-%m")))
