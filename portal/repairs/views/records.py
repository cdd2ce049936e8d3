"""The requests behind a community's or street's figures (统计明细): every request of the area, for those
who read its figures, in columns that carry no personal data — compound, category, type, status and
dates, never a name, room, phone or description. Filtered by the same predicates the figures count
with (repairs.indicators), so the list's count is the figure."""

from __future__ import annotations

from flask import request
from flask_login import current_user, login_required

from portal.core.clock import now_utc
from portal.core.paging import paginate
from portal.core.params import parse_id
from portal.core.rendering import render
from portal.orgs.indicators import area_compounds
from portal.orgs.permissions import get_area_or_404
from portal.repairs import labels
from portal.repairs.indicators import record_filters, records_query
from portal.repairs.views import bp


@bp.route("/records")
@login_required
def records():
    ids = {name: parse_id(request.args.get(name, "")) for name in ("community", "street", "company")}
    area = get_area_or_404(current_user, ids["community"], ids["street"], ids["company"])
    now = now_utc()
    conditions, chips = record_filters(request.args, now)
    compounds = area_compounds(request.args)
    query = records_query(compounds, conditions)
    page = paginate(query, scalars=False)
    area_chip = [("area", str(area.id), area.name)]
    return render("repairs/records.html", "results", page=page, chips=area_chip + chips, area=area,
                  labels=labels)
