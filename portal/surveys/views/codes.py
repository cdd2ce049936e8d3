"""Household codes: the buildings of a campaign, a printable sheet per building, one reissued code."""

from flask import abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal.core.params import parse_id
from portal.core.rendering import form_status, render
from portal.core.transaction import refusals
from portal.extensions import db
from portal.orgs.models import Building, Household
from portal.surveys import services
from portal.surveys.forms import CsrfForm, ReissueForm
from portal.surveys.permissions import get_campaign_or_404
from portal.surveys.qr import qr_svg
from portal.surveys.views import bp


def _guard(campaign_id):
    campaign = get_campaign_or_404(current_user, campaign_id)
    if not services.may_ever("codes", current_user, campaign):
        abort(403)
    return campaign


def _buildings(campaign):
    ids = [s.compound_id for s in campaign.scopes]
    return db.session.scalars(select(Building).where(Building.compound_id.in_(ids))
                              .options(selectinload(Building.households), joinedload(Building.compound))
                              .order_by(Building.compound_id, Building.sort_key)).all()


@bp.route("/campaigns/<int:campaign_id>/codes")
@login_required
def codes(campaign_id):
    campaign = _guard(campaign_id)
    return render("surveys/codes.html", (), campaign=campaign, buildings=_buildings(campaign), form=CsrfForm(),
                  reissue=ReissueForm(), open=services.STEPS["codes"].allowed(current_user, campaign))


def _sheet(campaign, slips, title):
    """The printable sheet: one slip per household with its code and a QR that opens the code page."""
    rows = []
    for household, code in slips:
        url = url_for("surveys.code_answer", code=code, _external=True)
        rows.append({"household": household, "code": services.show_code(code), "url": url, "svg": qr_svg(url)})
    return render("surveys/sheet.html", (), campaign=campaign, rows=rows, title=title)


@bp.route("/campaigns/<int:campaign_id>/codes/sheet", methods=["POST"])
@login_required
def code_sheet(campaign_id):
    """POST, because printing issues the codes (and kills the building's earlier ones)."""
    campaign = _guard(campaign_id)
    form = CsrfForm()
    building_id = parse_id(request.form.get("building_id"))
    building = db.session.get(Building, building_id) if building_id else None
    if building is None:
        form.form_errors.append(_("请选择楼栋。"))
        return render("surveys/codes.html", (), status=form_status(form), campaign=campaign,
                      buildings=_buildings(campaign), form=form, reissue=ReissueForm(),
                      open=services.STEPS["codes"].allowed(current_user, campaign))
    if building.compound_id not in {s.compound_id for s in campaign.scopes}:
        abort(404)
    with refusals(form) as outcome:
        slips = services.issue_sheet(campaign, building, by=current_user)
    if not outcome.ok:
        return render("surveys/codes.html", (), status=form_status(form), campaign=campaign, buildings=_buildings(campaign),
                      form=form, reissue=ReissueForm(), open=False)
    return _sheet(campaign, slips, building.name)


@bp.route("/campaigns/<int:campaign_id>/codes/reissue", methods=["POST"])
@login_required
def code_reissue(campaign_id):
    """A lost code: a new one for the household, the old one dies."""
    campaign = _guard(campaign_id)
    form = ReissueForm()
    household = db.session.get(Household, form.household_id.data) if form.validate_on_submit() and \
        form.household_id.data else None
    if household is None:
        form.household_id.errors = [_("请选择要补发入户码的住户。")]
        return render("surveys/codes.html", (), status=form_status(form), campaign=campaign,
                      buildings=_buildings(campaign), form=CsrfForm(), reissue=form,
                      open=services.STEPS["codes"].allowed(current_user, campaign))
    if household.building.compound_id not in {s.compound_id for s in campaign.scopes}:
        abort(404)
    with refusals(form) as outcome:
        code = services.issue_code(campaign, household, by=current_user)
    if not outcome.ok:
        return render("surveys/codes.html", (), status=form_status(form), campaign=campaign, buildings=_buildings(campaign),
                      form=CsrfForm(), reissue=form, open=services.STEPS["codes"].allowed(current_user, campaign))
    return _sheet(campaign, [(household, code)], household.label)
