"""Organisations of the 1+3+X and the positions people hold in them."""

from datetime import timedelta

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms import SelectField
from wtforms.validators import Optional

from portal.auth.models import User
from portal.core.clock import today
from portal.core.forms import choices_with_blank, id_choices
from portal.core.paging import paginate
from portal.core.params import coerce_id, parse_id
from portal.core.permissions import require
from portal.core.rendering import form_status, hx_redirect, render
from portal.core.transaction import refusals
from portal.core.translations import lazy_gettext as _l
from portal.extensions import db
from portal.orgs import people_services, services
from portal.orgs.forms import EndPositionForm, OrganisationForm, PositionForm
from portal.orgs.indicators import organisation_filters
from portal.orgs.models import (
    Community,
    Compound,
    Organisation,
    OrgKind,
    Position,
    Role,
    ServiceContract,
    Street,
)
from portal.orgs.permissions import get_organisation_or_404, organisation_visibility, scope_of
from portal.orgs.views import bp


class OrganisationStreetForm(OrganisationForm):
    """The shared form, plus the street for administrators of more than one street."""

    street_id = SelectField(_l("所属街道"), coerce=coerce_id, validators=[Optional()])




def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return parse_id(value)


@bp.route("/organisations")
@login_required
def organisations():
    require(current_user, "structure.view")
    query = (
        select(Organisation)
        .outerjoin(Community, Community.id == Organisation.community_id)
        .where(organisation_visibility(current_user))
        .options(joinedload(Organisation.community), joinedload(Organisation.compound))
    )
    q = request.args.get("q", "").strip()[:50]
    if q:
        query = query.where(Organisation.name.contains(q, autoescape=True))
    kind = request.args.get("kind", "")
    if kind not in OrgKind.ALL:
        kind = ""
    if kind:
        query = query.where(Organisation.kind == kind)
    conditions, chips = organisation_filters(request.args, today())
    query = query.where(*conditions)
    page = paginate(query.order_by(Community.name.is_(None).desc(), Community.name, Organisation.kind,
                                   Organisation.name, Organisation.id))
    return render("orgs/organisations/index.html", "results", page=page, q=q, kind=kind,
                  kind_labels=services.KIND_LABELS, chips=chips)


# --- creating and editing ------------------------------------------------------------------------

def _fill_choices(form: OrganisationStreetForm, organisation: Organisation | None) -> None:
    street_ids = scope_of(current_user).street_ids
    kinds = list(people_services.CREATABLE_KINDS)
    if organisation is not None and organisation.kind not in kinds:
        kinds.insert(0, organisation.kind)
    form.kind.choices = [(k, services.KIND_LABELS[k]) for k in kinds]
    form.street_id.choices = id_choices(db.session.execute(
        select(Street.id, Street.name).where(Street.id.in_(street_ids)).order_by(Street.name)))
    form.community_id.choices = choices_with_blank(id_choices(db.session.execute(
        select(Community.id, Community.name).where(Community.street_id.in_(street_ids)).order_by(Community.name))))
    form.compound_id.choices = choices_with_blank([
        (cid, f"{community} · {name}") for cid, name, community in db.session.execute(
            select(Compound.id, Compound.name, Community.name).join(Community)
            .where(Community.street_id.in_(street_ids)).order_by(Community.name, Compound.name)
        )
    ])
    parents = db.session.execute(
        select(Organisation.id, Organisation.name, Organisation.kind).where(
            Organisation.street_id.in_(street_ids), Organisation.kind.in_(people_services.BRANCH_PARENT_KINDS),
        ).order_by(Organisation.kind, Organisation.name)
    ).all()
    form.parent_id.choices = choices_with_blank([
        (pid, _("%(name)s（%(kind)s）", name=name, kind=services.KIND_LABELS[k])) for pid, name, k in parents
        if organisation is None or pid != organisation.id
    ])


def _save_from_form(form: OrganisationStreetForm, organisation: Organisation | None):
    """Apply the attachment rules and save; a rule's message goes next to its field."""
    streets = scope_of(current_user).street_ids
    saved = None
    with refusals(form, default="kind") as outcome:
        attachment = people_services.resolve_attachment(
            kind=form.kind.data, street_ids=streets,
            community_id=form.community_id.data or None, compound_id=form.compound_id.data or None,
            parent_id=form.parent_id.data or None,
            default_street_id=form.street_id.data or (next(iter(streets)) if len(streets) == 1 else None),
            organisation=organisation,
        )
        saved = people_services.save_organisation(
            organisation, kind=form.kind.data, name=form.name.data, attachment=attachment,
            contact_phone=form.contact_phone.data, note=form.note.data, by=current_user,
        )
    return saved if outcome.ok else None


@bp.route("/organisations/new", methods=["GET", "POST"])
@login_required
def organisation_new():
    require(current_user, "structure.manage")
    form = OrganisationStreetForm()
    _fill_choices(form, None)
    if request.method == "GET":
        form.community_id.data = _int_arg("community") or 0
        form.compound_id.data = _int_arg("compound") or 0
        if request.args.get("kind") in people_services.CREATABLE_KINDS:
            form.kind.data = request.args["kind"]
    if form.validate_on_submit():
        organisation = _save_from_form(form, None)
        if organisation is not None:
            flash(_("已创建组织“%(name)s”。", name=organisation.name), "success")
            return hx_redirect(url_for("orgs.organisation_detail", org_id=organisation.id))
    return render("orgs/organisations/new.html", "form", form=form, organisation=None, status=form_status(form))


@bp.route("/organisations/<int:org_id>/edit", methods=["GET", "POST"])
@login_required
def organisation_edit(org_id: int):
    organisation = get_organisation_or_404(current_user, org_id)
    require(current_user, "structure.manage", organisation)
    form = OrganisationStreetForm(obj=organisation)
    _fill_choices(form, organisation)
    if request.method == "GET":
        form.community_id.data = organisation.community_id or 0
        form.compound_id.data = organisation.compound_id or 0
        form.parent_id.data = organisation.parent_id or 0
    if form.validate_on_submit():
        saved = _save_from_form(form, organisation)
        if saved is not None:
            flash(_("已保存。"), "success")
            return hx_redirect(url_for("orgs.organisation_detail", org_id=saved.id))
    return render("orgs/organisations/edit.html", "form", form=form, organisation=organisation, status=form_status(form))


# --- detail and positions ------------------------------------------------------------------------

#: a current contract ending within this is flagged on the company's page (time to renew or re-tender)
EXPIRING_WITHIN = timedelta(days=90)


def _contracts_of(company: Organisation, on, compound_ids):
    """The company's contracts in force, and those that ended within the last year, soonest end first;
    only in compounds the reader sees."""
    return db.session.scalars(
        select(ServiceContract).where(ServiceContract.company_id == company.id,
                                      ServiceContract.compound_id.in_(compound_ids),
                                      ServiceContract.end_date >= on - timedelta(days=365))
        .options(joinedload(ServiceContract.compound).joinedload(Compound.community))
        .order_by(ServiceContract.end_date, ServiceContract.id)
    ).all()

def _detail(organisation: Organisation, *, end_errors: dict | None = None, status: int = 200):
    on = today()
    positions = db.session.scalars(
        select(Position).where(Position.organisation_id == organisation.id)
        .options(joinedload(Position.user), joinedload(Position.compound))
        .order_by(Position.start_date.desc(), Position.id.desc())
    ).all()
    current = [p for p in positions if p.end_date is None or p.end_date >= on]
    past = [p for p in positions if p.end_date is not None and p.end_date < on]
    branches = db.session.scalars(
        select(Organisation).where(Organisation.parent_id == organisation.id).order_by(Organisation.name)
    ).all()
    contracts = (_contracts_of(organisation, on, scope_of(current_user).compound_ids)
                 if organisation.kind == OrgKind.PROPERTY_COMPANY else [])
    return render("orgs/organisations/detail.html", organisation=organisation, current=current, past=past,
                  contracts=contracts, expiring_by=on + EXPIRING_WITHIN,
                  branches=branches, on=on, end_errors=end_errors or {}, kind_labels=services.KIND_LABELS,
                  role_labels=services.ROLE_LABELS, status=status)


@bp.route("/organisations/<int:org_id>")
@login_required
def organisation_detail(org_id: int):
    organisation = get_organisation_or_404(current_user, org_id)
    require(current_user, "structure.view")
    return _detail(organisation)


@bp.route("/organisations/<int:org_id>/positions/new", methods=["GET", "POST"])
@login_required
def position_new(org_id: int):
    organisation = get_organisation_or_404(current_user, org_id)
    require(current_user, "positions.manage", organisation)
    grids = db.session.execute(
        select(Compound.id, Compound.name).where(Compound.community_id == organisation.community_id)
        .order_by(Compound.name)).all() if organisation.community_id else []
    form = PositionForm(roles=[(r, services.ROLE_LABELS[r]) for r in Role.BY_ORG_KIND.get(organisation.kind, ())],
                        grids=grids)
    if request.method == "GET":
        form.start_date.data = today()
        if len(form.role.choices) == 1:
            form.role.data = form.role.choices[0][0]
    if form.validate_on_submit():
        person = people_services.find_person(form.person.data, [organisation.street_id])
        if person is None:
            form.person.errors.append(_("没有找到使用这个手机号或用户名的有效账号。请核对，或先在“账号”中创建。"))
        else:
            with refusals(form, fields={"user": "person"}, default="role") as outcome:
                services.appoint(user=person, organisation=organisation, role=form.role.data, title=form.title.data,
                                 start=form.start_date.data, compound_id=form.compound_id.data or None,
                                 by=current_user)
            if outcome.ok:
                flash(_("已任命 %(name)s 为 %(title)s。", name=person.name, title=form.title.data), "success")
                return hx_redirect(url_for("orgs.organisation_detail", org_id=organisation.id))
    return render("orgs/organisations/position_new.html", "form", form=form, organisation=organisation,
                  grid_worker=Role.GRID_WORKER in Role.BY_ORG_KIND.get(organisation.kind, ()),
                  status=form_status(form))


@bp.route("/positions/<int:position_id>/end", methods=["POST"])
@login_required
def position_end(position_id: int):
    position = db.session.get(Position, position_id)
    if position is None:
        abort(404)
    organisation = get_organisation_or_404(current_user, position.organisation_id)
    require(current_user, "positions.manage", organisation)
    form = EndPositionForm()
    if form.validate_on_submit():
        with refusals() as outcome:
            services.end_position(position, on=form.end_date.data, by=current_user)
        errors = {position.id: outcome.error.message} if outcome.error else {}
        if outcome.ok:
            name = db.session.get(User, position.user_id).name
            flash(_("已结束 %(name)s 的任职（%(title)s）。", name=name, title=position.title), "success")
            return hx_redirect(url_for("orgs.organisation_detail", org_id=organisation.id))
    else:
        errors = {position.id: " ".join(str(e) for e in form.end_date.errors) or _("请输入正确的日期。")}
    return _detail(organisation, end_errors=errors, status=form_status(errors))
