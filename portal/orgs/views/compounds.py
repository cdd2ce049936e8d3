"""Compounds: list with active search, detail, and the street's edits (compound, buildings, contracts)."""

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from portal.core.clock import today
from portal.core.concurrency import load_version, save_form
from portal.core.modules import registry
from portal.core.paging import paginate
from portal.core.params import parse_id
from portal.core.permissions import require
from portal.core.rendering import form_status, hx_redirect, render
from portal.core.transaction import refusals
from portal.extensions import db
from portal.orgs import services
from portal.orgs.forms import BuildingForm, CompoundForm, ContractForm
from portal.orgs.importer import natural_key
from portal.orgs.indicators import compound_filters
from portal.orgs.models import (
    Building,
    Community,
    Compound,
    Household,
    Organisation,
    OrgKind,
    ServiceContract,
)
from portal.orgs.permissions import get_building_or_404, get_compound_or_404, scope_of
from portal.orgs.views import bp


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return parse_id(value)


@bp.route("/compounds")
@login_required
def compounds():
    require(current_user, "structure.view")
    scope = scope_of(current_user)
    query = (select(Compound).join(Community).where(Compound.id.in_(scope.compound_ids))
             .options(contains_eager(Compound.community)))  # the rows name their community
    q = request.args.get("q", "").strip()[:50]
    if q:
        query = query.where(Compound.name.contains(q, autoescape=True) | Compound.address.contains(q, autoescape=True))
    community_id = _int_arg("community")
    if community_id:
        query = query.where(Compound.community_id == community_id)
    conditions, chips = compound_filters(request.args, today())
    query = query.where(*conditions)
    page = paginate(query.order_by(Community.name, Compound.name))
    ids = [c.id for c in page.items]
    contracts = services.current_contracts(ids, today(), joinedload(ServiceContract.company))
    households, committees = _row_figures(ids)
    community_choices = db.session.execute(
        select(Community.id, Community.name).where(Community.id.in_(
            select(Compound.community_id).where(Compound.id.in_(scope.compound_ids)))).order_by(Community.name)
    ).all()
    return render("orgs/compounds.html", "results", page=page, contracts=contracts, households=households,
                  committees=committees, community_choices=community_choices, q=q, community_id=community_id,
                  chips=chips)


def _row_figures(ids: list[int]) -> tuple[dict[int, int], set[int]]:
    """Households per compound, and the compounds with an owners' committee, for a page of rows in one
    statement of correlated subqueries."""
    if not ids:
        return {}, set()
    households = (select(func.count(Household.id)).join(Building, Building.id == Household.building_id)
                  .where(Building.compound_id == Compound.id).correlate(Compound).scalar_subquery())
    committee = (select(Organisation.id).where(Organisation.kind == OrgKind.OWNERS_COMMITTEE,
                                               Organisation.compound_id == Compound.id).correlate(Compound).exists())
    rows = db.session.execute(select(Compound.id, households, committee).where(Compound.id.in_(ids))).all()
    return {cid: n for cid, n, _has in rows}, {cid for cid, _n, has in rows if has}


def _communities():
    """The communities of the streets the user administers, as (id, name) rows."""
    streets = scope_of(current_user).street_ids
    return db.session.execute(
        select(Community.id, Community.name).where(Community.street_id.in_(streets)).order_by(Community.name)).all()


def _tidy_compound(compound: Compound) -> None:
    compound.address = compound.address or None
    compound.grid_name = compound.grid_name or None


def _tidy_building(building: Building) -> None:
    building.sort_key = natural_key(building.name)


@bp.route("/compounds/new", methods=["GET", "POST"])
@login_required
def compound_new():
    require(current_user, "structure.manage")
    form = CompoundForm(communities=_communities())
    if not form.community_id.data and request.method == "GET":
        form.community_id.data = _int_arg("community")
    if form.validate_on_submit():
        compound = Compound()
        saved, form = save_form(form, compound, duplicate=("name", _("该社区已有同名小区。")), prepare=_tidy_compound)
        if saved:
            flash(_("已创建小区“%(name)s”。", name=compound.name), "success")
            return hx_redirect(url_for("orgs.compound_detail", compound_id=compound.id))
    return render("orgs/compound_form.html", "form", form=form, compound=None, status=form_status(form))


@bp.route("/compounds/<int:compound_id>")
@login_required
def compound_detail(compound_id: int):
    compound = get_compound_or_404(current_user, compound_id, joinedload(Compound.community))
    require(current_user, "structure.view", compound)
    on = today()
    organisations, contracts = _bodies_and_contracts(compound)
    cross = [person for person in services.cross_appointments([compound.community_id], on)
             if person.organisation_ids & {org.id for org in organisations}]
    panels = [(template, context) for _order, template, provider in registry().compound_panels
              if (context := provider(current_user, compound)) is not None]
    return render("orgs/compound_detail.html", compound=compound, buildings=_buildings(compound),
                  organisations=organisations, contracts=contracts, on=on, kind_labels=services.KIND_LABELS,
                  cross=cross, panels=panels)


def _buildings(compound: Compound) -> list:
    """(building, households) of the compound in its order, one statement."""
    households = (select(func.count(Household.id)).where(Household.building_id == Building.id)
                  .correlate(Building).scalar_subquery())
    return db.session.execute(select(Building, households).where(Building.compound_id == compound.id)
                              .order_by(Building.sort_key)).all()


def _bodies_and_contracts(compound: Compound) -> tuple[list[Organisation], list[ServiceContract]]:
    """The compound's own bodies (by kind) and its contracts (newest first) with their companies, in one
    statement: each organisation row comes with the contract it holds here, if any, and that contract is
    given its company from the row (the session keeps loaded objects only while something holds them)."""
    rows = db.session.execute(
        select(Organisation, ServiceContract)
        .outerjoin(ServiceContract, (ServiceContract.company_id == Organisation.id)
                   & (ServiceContract.compound_id == compound.id))
        .where((Organisation.compound_id == compound.id) | ServiceContract.id.is_not(None))
        .order_by(Organisation.kind, Organisation.id)).all()
    for org, contract in rows:
        if contract is not None:
            set_committed_value(contract, "company", org)
    organisations = list(dict.fromkeys(org for org, _contract in rows if org.compound_id == compound.id))
    contracts = sorted((contract for _org, contract in rows if contract is not None),
                       key=lambda contract: (contract.start_date, contract.id), reverse=True)
    return organisations, contracts


@bp.route("/compounds/<int:compound_id>/edit", methods=["GET", "POST"])
@login_required
def compound_edit(compound_id: int):
    compound = get_compound_or_404(current_user, compound_id)
    require(current_user, "structure.manage", compound)
    form = CompoundForm(obj=compound, communities=_communities())
    load_version(form, compound)
    if form.validate_on_submit():
        saved, form = save_form(form, compound, duplicate=("name", _("该社区已有同名小区。")), prepare=_tidy_compound)
        if saved:
            flash(_("已保存。"), "success")
            return hx_redirect(url_for("orgs.compound_detail", compound_id=compound.id))
    return render("orgs/compound_form.html", "form", form=form, compound=compound, status=form_status(form))


@bp.route("/compounds/<int:compound_id>/buildings/new", methods=["GET", "POST"])
@login_required
def building_new(compound_id: int):
    compound = get_compound_or_404(current_user, compound_id)
    require(current_user, "structure.manage", compound)
    form = BuildingForm()
    if form.validate_on_submit():
        building = Building(compound_id=compound.id)
        saved, form = save_form(form, building, duplicate=("name", _("本小区已有同名楼栋。")), prepare=_tidy_building)
        if saved:
            flash(_("已添加楼栋“%(name)s”。", name=building.name), "success")
            return hx_redirect(url_for("orgs.compound_detail", compound_id=compound.id))
    return render("orgs/building_form.html", "form", form=form, compound=compound, building=None, status=form_status(form))


@bp.route("/buildings/<int:building_id>/edit", methods=["GET", "POST"])
@login_required
def building_edit(building_id: int):
    building = get_building_or_404(current_user, building_id)
    require(current_user, "structure.manage", building)
    form = BuildingForm(obj=building)
    load_version(form, building)
    if form.validate_on_submit():
        saved, form = save_form(form, building, duplicate=("name", _("本小区已有同名楼栋。")), prepare=_tidy_building)
        if saved:
            flash(_("已保存。"), "success")
            return hx_redirect(url_for("orgs.compound_detail", compound_id=building.compound_id))
    return render("orgs/building_form.html", "form", form=form, compound=building.compound, building=building,
                  status=form_status(form))


@bp.route("/compounds/<int:compound_id>/contracts/new", methods=["GET", "POST"])
@login_required
def contract_new(compound_id: int):
    compound = get_compound_or_404(current_user, compound_id)
    require(current_user, "contracts.manage", compound)
    form = ContractForm(companies=db.session.execute(
        select(Organisation.id, Organisation.name).where(
            Organisation.kind == OrgKind.PROPERTY_COMPANY, Organisation.street_id == compound.community.street_id
        ).order_by(Organisation.name)).all())
    if form.validate_on_submit():
        company = db.session.get(Organisation, form.company_id.data)
        with refusals(form, default="company_id") as outcome:
            services.record_contract(compound=compound, company=company, start=form.start_date.data,
                                     end=form.end_date.data, note=form.note.data or None)
        if outcome.ok:
            flash(_("已登记物业服务合同。"), "success")
            return hx_redirect(url_for("orgs.compound_detail", compound_id=compound.id))
    return render("orgs/contract_form.html", "form", form=form, compound=compound, status=form_status(form))


@bp.route("/contracts/<int:contract_id>/terminate", methods=["POST"])
@login_required
def contract_terminate(contract_id: int):
    contract = db.session.get(ServiceContract, contract_id)
    if contract is None:
        abort(404)
    compound = get_compound_or_404(current_user, contract.compound_id)
    require(current_user, "contracts.manage", compound)
    with refusals() as outcome:
        services.terminate_contract(contract, on=today())
    if outcome.ok:
        flash(_("合同已终止。"), "success")
    else:
        flash(str(outcome.error.message), "error")
    return hx_redirect(url_for("orgs.compound_detail", compound_id=compound.id))
