"""The meetings and resolutions behind an area's figures (统计明细), for those who read the area's
figures (rules orgs.community_whole / orgs.street_whole / orgs.company_whole): held meetings and their
resolutions in columns without residents' data. Filtered by the predicates the figures count with
(meetings.indicators), so a list's count is its figure. The meetings list itself is narrower (what a
person convenes, attends or oversees), which is why these lists exist."""

from __future__ import annotations

from flask import request
from flask_login import current_user, login_required

from portal.core.clock import now_utc, today
from portal.core.paging import paginate
from portal.core.params import parse_day, parse_id
from portal.core.rendering import render
from portal.meetings import indicators
from portal.meetings.views import bp
from portal.orgs.permissions import get_area_or_404


def _area():
    """(area record, kind, SQL condition on meetings) from `community=`, `street=` or `company=` (`on=`)."""
    ids = {name: parse_id(request.args.get(name, "")) for name in ("company", "community", "street")}
    area = get_area_or_404(current_user, ids["community"], ids["street"], ids["company"])
    kind = next(name for name, value in ids.items() if value)
    on = parse_day(request.args.get("on")) or today()
    return area, kind, indicators.area_meetings(kind, area.id, on)


@bp.route("/records")
@login_required
def records():
    area, kind, condition = _area()
    conditions, chips = indicators.record_filters(request.args, now_utc(), resolutions=False)
    page = paginate(indicators.meetings_query(condition, conditions), scalars=False)
    return render("meetings/records.html", "results", page=page, chips=[("area", str(area.id), area.name), *chips],
                  area=area, kind=kind)


@bp.route("/records/resolutions")
@login_required
def resolution_records():
    area, kind, condition = _area()
    conditions, chips = indicators.record_filters(request.args, now_utc(), resolutions=True)
    page = paginate(indicators.resolutions_query(condition, conditions), scalars=False)
    return render("meetings/resolution_records.html", "results", page=page,
                  chips=[("area", str(area.id), area.name), *chips], area=area, kind=kind, today=today())
