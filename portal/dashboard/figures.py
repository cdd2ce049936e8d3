"""The figures pages: a community's or a street's indicators for a period, from every module's
provider (core.modules.add_indicators). This module imports no module's models: it only asks the
registered providers, so a new module's figures appear by registering them."""

from io import BytesIO

from flask import Blueprint, abort, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.core.clock import today
from portal.core.forms import Form
from portal.core.indicators import PeriodKind, parse_period
from portal.core.kept_statements import plan_for_values
from portal.core.modules import registry
from portal.core.permissions import require
from portal.core.rendering import hx_redirect, render
from portal.dashboard.glance import glance_figures
from portal.dashboard.models import JobStatus
from portal.dashboard.permissions import (
    areas_of,
    get_community_area_or_404,
    get_company_area_or_404,
    get_job_or_404,
    get_street_area_or_404,
)
from portal.dashboard.report import area_of, queue_report
from portal.extensions import db
from portal.orgs.models import Organisation

bp = Blueprint("figures", __name__, url_prefix="/figures")


class ReportForm(Form):
    """Only the CSRF token: the period comes with it as the page's own arguments."""


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


@bp.route("/company/<int:company_id>")
@login_required
def company(company_id):
    area = get_company_area_or_404(current_user, company_id)
    if request.headers.get("X-Block") == "figures":  # the period changed: the panels below stay as they are
        return _figures(area)
    company = db.session.get(Organisation, company_id)
    panels = [(template, context) for _order, template, provider in registry().company_panels
              if (context := provider(current_user, company)) is not None]
    return _figures(area, panels=panels)


@bp.route("/street/<int:street_id>")
@login_required
def street(street_id):
    return _figures(get_street_area_or_404(current_user, street_id))


def _figures(area, panels=()):
    period, problem = parse_period(request.args, today())
    plan_for_values()
    sections = [section for _order, _name, provider in registry().indicators
                if (section := provider(area, period)) is not None]
    return render("dashboard/figures.html", "figures", area=area, period=period, problem=problem, panels=panels,
                  sections=sections, kinds=[(k, _label(k)) for k in PeriodKind], today=today(),
                  report_form=ReportForm(), report_url=url_for(f"figures.{area.kind}_report",
                                                               **{f"{area.kind}_id": area.id}))


@bp.route("/glance")
@login_required
def glance():
    """This month's key figures of the person's first area: the home page loads its block after itself."""
    require(current_user, "dashboard.figures")
    choices = areas_of(current_user)
    if not choices:
        abort(404)
    period, figures = glance_figures(choices[0])
    return render("dashboard/glance.html", "glance", area=choices[0], period=period, figures=figures)


def _label(kind: PeriodKind) -> str:
    return {PeriodKind.MONTH: _("按月"), PeriodKind.QUARTER: _("按季度"), PeriodKind.YEAR: _("按年"),
            PeriodKind.CUSTOM: _("自定义")}[kind]


# --- the monthly report: queued, built in the background, fetched when ready -----------------------

@bp.route("/community/<int:community_id>/report", methods=["POST"])
@login_required
def community_report(community_id):
    return _queue(get_community_area_or_404(current_user, community_id))


@bp.route("/company/<int:company_id>/report", methods=["POST"])
@login_required
def company_report(company_id):
    return _queue(get_company_area_or_404(current_user, company_id))


@bp.route("/street/<int:street_id>/report", methods=["POST"])
@login_required
def street_report(street_id):
    return _queue(get_street_area_or_404(current_user, street_id))


def _queue(area):
    form = ReportForm()
    if not form.validate_on_submit():
        abort(400)
    period, _problem = parse_period(request.form, today())
    job = queue_report(current_user, area, period)
    return hx_redirect(url_for("figures.report_status", job_id=job.id))


@bp.route("/reports/<job_id>")
@login_required
def report_status(job_id):
    job = get_job_or_404(current_user, job_id)
    return render("dashboard/report.html", "job", job=job, area=area_of(job.area_kind, job.area_id))


@bp.route("/reports/<job_id>/file")
@login_required
def report_file(job_id):
    job = get_job_or_404(current_user, job_id)
    if job.status != JobStatus.DONE:
        abort(404)
    return send_file(BytesIO(job.content), download_name=job.filename, as_attachment=True,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
