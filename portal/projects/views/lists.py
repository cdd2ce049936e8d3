"""The demand and resource lists, and the matching page: unmatched demands beside unused resources,
filtered in place (htmx, in the URL); ticking some of each opens the project form already filled."""

from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal.core.forms import id_choices
from portal.core.paging import paginate
from portal.core.params import parse_id
from portal.core.rendering import form_status, hx_redirect, render
from portal.core.transaction import refusals
from portal.extensions import db
from portal.orgs.models import Community, Compound
from portal.projects import labels, lists
from portal.projects.forms import DemandForm, ResourceForm
from portal.projects.models import DEMAND_CATEGORIES, Demand, Resource, Unit
from portal.projects.permissions import register_compound_ids
from portal.projects.views import bp


def _communities() -> set[int]:
    compound_ids = register_compound_ids(current_user)
    if not compound_ids:
        abort(403)
    return set(db.session.scalars(select(Compound.community_id).where(Compound.id.in_(compound_ids))))


def _filters():
    category = request.args.get("category", "")
    return {"category": category if category in DEMAND_CATEGORIES else "",
            "compound": parse_id(request.args.get("compound", ""))}


def _compound_choices(community_ids):
    return id_choices(db.session.execute(select(Compound.id, Compound.name).where(
        Compound.community_id.in_(community_ids)).order_by(Compound.name)))


@bp.route("/demands")
@login_required
def demands():
    community_ids = _communities()
    filters = _filters()
    query = select(Demand).where(Demand.community_id.in_(community_ids)).options(
        joinedload(Demand.compound), selectinload(Demand.projects))
    if filters["category"]:
        query = query.where(Demand.category == filters["category"])
    if filters["compound"]:
        query = query.where(Demand.compound_id == filters["compound"])
    if request.args.get("unmatched") == "1":
        query = query.where(~lists.matched())
        filters["unmatched"] = True
    page = paginate(query.order_by(Demand.created_at.desc(), Demand.id.desc()))
    return render("projects/demands.html", "results", page=page, filters=filters, labels=labels,
                  categories=DEMAND_CATEGORIES, compounds=_compound_choices(community_ids))


@bp.route("/resources")
@login_required
def resources():
    community_ids = _communities()
    query = (select(Resource).join(Unit).where(Unit.community_id.in_(community_ids))
             .options(joinedload(Resource.unit), selectinload(Resource.projects)))
    if request.args.get("unused") == "1":
        query = query.where(~lists.used())
    page = paginate(query.order_by(Resource.kind, Resource.id))
    return render("projects/resources.html", "results", page=page, labels=labels,
                  unused=request.args.get("unused") == "1")


@bp.route("/demands/new", methods=["GET", "POST"])
@login_required
def demand_new():
    community_ids = _communities()
    form = DemandForm()
    form.community_id.choices = id_choices(db.session.execute(select(Community.id, Community.name).where(
        Community.id.in_(community_ids)).order_by(Community.name)))
    form.compound_id.choices = [("", _("（全社区）")), *_compound_choices(community_ids)]
    if form.validate_on_submit():
        with refusals(form) as outcome:
            lists.add_demand(by=current_user, community_id=form.community_id.data or 0,
                             compound_id=form.compound_id.data, source=form.source.data or "",
                             category=form.category.data or "", title=form.title.data,
                             description=form.description.data)
        if outcome.ok:
            flash(_("已登记需求。"), "success")
            return hx_redirect(url_for("projects.demands"))
    return render("projects/list_form.html", form=form, title=_("登记需求"), back=url_for("projects.demands"),
                  status=form_status(form))


@bp.route("/resources/new", methods=["GET", "POST"])
@login_required
def resource_new():
    community_ids = _communities()
    form = ResourceForm()
    form.unit_id.choices = id_choices(db.session.execute(select(Unit.id, Unit.name).where(
        Unit.community_id.in_(community_ids)).order_by(Unit.name)))
    form.category.choices = [("", _("（不限）")), *((c, labels.DEMAND_CATEGORY_LABELS[c]) for c in DEMAND_CATEGORIES)]
    if form.validate_on_submit():
        unit = db.session.get(Unit, form.unit_id.data) if form.unit_id.data else None
        with refusals(form) as outcome:
            lists.add_resource(by=current_user, unit=unit, kind=form.kind.data or "", category=form.category.data,
                               title=form.title.data, quantity=form.quantity.data, availability=form.availability.data)
        if outcome.ok:
            flash(_("已登记资源。"), "success")
            return hx_redirect(url_for("projects.resources"))
    return render("projects/list_form.html", form=form, title=_("登记资源"), back=url_for("projects.resources"),
                  status=form_status(form))


@bp.route("/match")
@login_required
def match():
    community_ids = _communities()
    filters = _filters()
    demands = db.session.scalars(lists.unmatched_demands(community_ids, category=filters["category"],
                                                         compound_id=filters["compound"])
                                 .options(joinedload(Demand.compound)).limit(100)).all()
    resources = db.session.scalars(lists.unused_resources(community_ids, category=filters["category"])
                                   .options(joinedload(Resource.unit)).limit(100)).all()
    return render("projects/match.html", "results", demands=demands, resources=resources, filters=filters,
                  labels=labels, categories=DEMAND_CATEGORIES, compounds=_compound_choices(community_ids))


@bp.route("/resources/import", methods=["GET", "POST"])
@login_required
def resource_import():
    """Units and their resources from a spreadsheet: all rows or none, each bad row named."""
    from portal.core.clock import today
    from portal.projects.forms import ResourceImportForm
    from portal.projects.importer import import_resources

    community_ids = _communities()
    form = ResourceImportForm()
    form.community_id.choices = id_choices(db.session.execute(select(Community.id, Community.name).where(
        Community.id.in_(community_ids)).order_by(Community.name)))
    result = None
    if form.validate_on_submit():
        if form.community_id.data not in community_ids:
            form.community_id.errors.append(_("请选择社区。"))
        else:
            with refusals(form) as outcome:
                result = import_resources(form.community_id.data, form.file.data.stream, today=today())
            if outcome.ok and not result.errors:
                flash(_("导入成功：新登记单位 %(u)s 个，资源 %(r)s 项。", u=result.units, r=result.resources), "success")
                return hx_redirect(url_for("projects.resources"))
    return render("projects/resource_import.html", form=form, result=result,
                  status=form_status(bool(form.errors or (result and result.errors))))
