"""The figures pages: a community's or a street's indicators for a period, from every module's
provider (core.modules.add_indicators). This module imports no module's models: it only asks the
registered providers, so a new module's figures appear by registering them."""

from flask import Blueprint, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.core.clock import today
from portal.core.indicators import PeriodKind, parse_period
from portal.core.modules import registry
from portal.core.permissions import require
from portal.core.rendering import render
from portal.dashboard.permissions import areas_of, get_community_area_or_404, get_street_area_or_404

bp = Blueprint("figures", __name__, url_prefix="/figures")


@bp.route("/")
@login_required
def areas():
    require(current_user, "dashboard.figures")
    choices = areas_of(current_user)
    if len(choices) == 1:
        return redirect(url_for(f"figures.{choices[0].kind}", **{f"{choices[0].kind}_id": choices[0].id}))
    return render("dashboard/areas.html", areas=choices)


@bp.route("/community/<int:community_id>")
@login_required
def community(community_id):
    return _figures(get_community_area_or_404(current_user, community_id))


@bp.route("/street/<int:street_id>")
@login_required
def street(street_id):
    return _figures(get_street_area_or_404(current_user, street_id))


def _figures(area):
    period, problem = parse_period(request.args, today())
    sections = [section for _order, _name, provider in registry().indicators
                if (section := provider(area, period)) is not None]
    return render("dashboard/figures.html", "figures", area=area, period=period, problem=problem,
                  sections=sections, kinds=[(k, _label(k)) for k in PeriodKind], today=today())


def _label(kind: PeriodKind) -> str:
    return {PeriodKind.MONTH: _("按月"), PeriodKind.QUARTER: _("按季度"), PeriodKind.YEAR: _("按年"),
            PeriodKind.CUSTOM: _("自定义")}[kind]
