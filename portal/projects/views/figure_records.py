"""The projects and micro-wishes behind an area's figures (统计明细), for those who read the area's figures
(orgs.community_whole / orgs.street_whole / orgs.company_whole): filtered by the predicates the figures
count with (projects.indicators), so a list's count is its figure. No wish text, wisher, contact or
claimer's name: the lists of the workflow keep those for whoever must act on them."""

from __future__ import annotations

from flask import request
from flask_login import current_user, login_required

from portal.core.clock import today
from portal.core.paging import paginate
from portal.core.params import parse_day, parse_id
from portal.core.rendering import render
from portal.orgs.permissions import get_area_or_404
from portal.projects import indicators, labels
from portal.projects.views import bp


def _area():
    ids = {name: parse_id(request.args.get(name, "")) for name in ("company", "community", "street")}
    area = get_area_or_404(current_user, ids["community"], ids["street"], ids["company"])
    kind = next(name for name, value in ids.items() if value)
    return area, kind, parse_day(request.args.get("on")) or today()


@bp.route("/figures/projects")
@login_required
def project_records():
    area, kind, on = _area()
    conditions, chips = indicators.project_filters(request.args, today())
    page = paginate(indicators.projects_query(indicators.area_projects(kind, area.id, on), conditions), scalars=False)
    return render("projects/project_records.html", "results", page=page, area=area, kind=kind, labels=labels,
                  chips=[("area", str(area.id), area.name), *chips], timing=indicators.timing, today=today())


@bp.route("/figures/wishes")
@login_required
def wish_records():
    area, kind, on = _area()
    conditions, chips = indicators.wish_filters(request.args)
    page = paginate(indicators.wishes_query(indicators.area_wishes(kind, area.id, on), conditions), scalars=False)
    return render("projects/wish_records.html", "results", page=page, area=area, kind=kind, labels=labels,
                  chips=[("area", str(area.id), area.name), *chips], local_day=indicators.local_day)
