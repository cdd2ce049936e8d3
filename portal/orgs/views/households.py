"""Households: the list per compound (personal data masked unless the user must act on it),
edits, linking residents' accounts, spreadsheet import, and a resident's own home page."""

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal.auth.models import User
from portal.core.audit import audit
from portal.core.concurrency import load_version, save_form
from portal.core.paging import paginate
from portal.core.params import parse_id
from portal.core.permissions import can, require
from portal.core.rendering import form_status, hx_redirect, render, wanted_block
from portal.core.transaction import refusals
from portal.core.translations import lazy_gettext as _l
from portal.extensions import db
from portal.orgs import services
from portal.orgs.forms import HouseholdForm, ImportForm, MemberForm
from portal.orgs.importer import import_households
from portal.orgs.models import Building, Household, HouseholdMember, Organisation, OrgKind, ServiceContract
from portal.orgs.permissions import get_compound_or_404, get_household_or_404, scope_of
from portal.orgs.views import bp


@bp.route("/compounds/<int:compound_id>/households")
@login_required
def households(compound_id: int):
    compound = get_compound_or_404(current_user, compound_id)
    require(current_user, "structure.view", compound)
    query = (select(Household).join(Building).where(Building.compound_id == compound.id)
             .options(selectinload(Household.building)))
    q = request.args.get("q", "").strip()[:50]
    if q:
        like = Household.room.contains(q, autoescape=True) | Building.name.contains(q, autoescape=True)
        if can(current_user, "household.personal", compound):
            like = like | Household.owner_name.contains(q, autoescape=True) | Household.owner_phone.contains(q, autoescape=True)
        query = query.where(like)
    building = request.args.get("building", "")
    if parse_id(building):
        query = query.where(Household.building_id == parse_id(building))
    page = paginate(query.order_by(Building.sort_key, Household.unit, Household.room))
    return render("orgs/households.html", "results", compound=compound, page=page, q=q, building=building,
                  personal=can(current_user, "household.personal", compound))


@bp.route("/compounds/<int:compound_id>/households/new", methods=["GET", "POST"])
@login_required
def household_new(compound_id: int):
    compound = get_compound_or_404(current_user, compound_id)
    require(current_user, "structure.manage", compound)
    form = HouseholdForm(buildings=compound.buildings)
    if form.validate_on_submit():
        household = Household()
        saved, form = save_form(form, household, duplicate=DUPLICATE_ROOM, prepare=_tidy)
        if saved:
            flash(_("已添加房屋。"), "success")
            return hx_redirect(url_for("orgs.households", compound_id=compound.id))
    return render("orgs/household_form.html", "form", form=form, compound=compound, household=None, status=form_status(form))


DUPLICATE_ROOM = ("room", _l("该楼栋的这个单元已有同一房号。"))


def _tidy(household: Household) -> None:
    household.owner_name = household.owner_name or None
    household.owner_phone = household.owner_phone or None


@bp.route("/households/<int:household_id>")
@login_required
def household_detail(household_id: int):
    household = get_household_or_404(current_user, household_id)
    compound = household.building.compound
    return render("orgs/household_detail.html", household=household, compound=compound,
                  personal=can(current_user, "household.personal", household),
                  manage=can(current_user, "structure.manage", household), form=MemberForm())


@bp.route("/households/<int:household_id>/edit", methods=["GET", "POST"])
@login_required
def household_edit(household_id: int):
    household = get_household_or_404(current_user, household_id)
    require(current_user, "structure.manage", household)
    compound = household.building.compound
    form = HouseholdForm(obj=household, buildings=compound.buildings)
    load_version(form, household)
    if form.validate_on_submit():
        saved, form = save_form(form, household, duplicate=DUPLICATE_ROOM, prepare=_tidy)
        if saved:
            flash(_("已保存。"), "success")
            return hx_redirect(url_for("orgs.household_detail", household_id=household.id))
    return render("orgs/household_form.html", "form", form=form, compound=compound, household=household,
                  status=form_status(form))


@bp.route("/households/<int:household_id>/phone")
@login_required
def household_phone(household_id: int):
    """Show one owner's full phone number to someone who must call them; the look is audited."""
    household = get_household_or_404(current_user, household_id)
    require(current_user, "household.personal", household)
    audit("household.phone_viewed", household)
    if wanted_block():
        return render("orgs/households.html", "phone", household=household)
    return render("orgs/household_detail.html", household=household, compound=household.building.compound,
                  personal=True, reveal=True, manage=can(current_user, "structure.manage", household), form=MemberForm())


@bp.route("/households/<int:household_id>/members", methods=["POST"])
@login_required
def member_add(household_id: int):
    household = get_household_or_404(current_user, household_id)
    require(current_user, "structure.manage", household)
    form = MemberForm()
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.phone == form.phone.data))
        if user is None:
            form.phone.errors.append(_("没有找到使用这个手机号的账号，请先创建账号。"))
        elif any(m.user_id == user.id for m in household.members):
            form.phone.errors.append(_("此人已登记在本户。"))
        else:
            db.session.add(HouseholdMember(household_id=household.id, user_id=user.id, relation=form.relation.data))
            audit("household.member_added", household, details={"user": user.id})
            flash(_("已将 %(name)s 登记到本户。", name=user.name), "success")
            return hx_redirect(url_for("orgs.household_detail", household_id=household.id))
    return render("orgs/household_detail.html", "members", household=household, compound=household.building.compound,
                  personal=can(current_user, "household.personal", household), manage=True, form=form,
                  status=form_status(form))


@bp.route("/household-members/<int:member_id>/remove", methods=["POST"])
@login_required
def member_remove(member_id: int):
    member = db.session.get(HouseholdMember, member_id)
    if member is None:
        abort(404)
    household = get_household_or_404(current_user, member.household_id)
    require(current_user, "structure.manage", household)
    db.session.delete(member)
    audit("household.member_removed", household, details={"user": member.user_id})
    flash(_("已移除。"), "success")
    return hx_redirect(url_for("orgs.household_detail", household_id=household.id))


@bp.route("/compounds/<int:compound_id>/import", methods=["GET", "POST"])
@login_required
def household_import(compound_id: int):
    compound = get_compound_or_404(current_user, compound_id)
    require(current_user, "structure.manage", compound)
    form = ImportForm()
    result = None
    if form.validate_on_submit():
        with refusals(form) as outcome:  # a file refused whole: the message beside the file field
            result = import_households(compound, form.file.data.stream)
        if outcome.ok and result.ok:
            flash(_("导入成功：新增 %(n)s 户，新建楼栋 %(b)s 栋。", n=result.created, b=result.buildings_created), "success")
            return hx_redirect(url_for("orgs.households", compound_id=compound.id))
    return render("orgs/household_import.html", form=form, compound=compound, result=result,
                  status=form_status(bool(form.errors or (result and result.errors))))


@bp.route("/my-home")
@login_required
def my_home():
    """A resident's households: who serves them and whom to contact."""
    scope = scope_of(current_user)
    if not scope.household_ids:
        abort(404)
    homes = db.session.scalars(select(Household).where(Household.id.in_(scope.household_ids))).all()
    compound_ids = {h.building.compound_id for h in homes}
    contracts = services.current_contracts(compound_ids, None, joinedload(ServiceContract.company))
    orgs = db.session.scalars(select(Organisation).where(
        Organisation.compound_id.in_(compound_ids),
        Organisation.kind.in_([OrgKind.OWNERS_COMMITTEE, OrgKind.PARTY_BRANCH]),
    )).all()
    community_ids = {h.building.compound.community_id for h in homes}
    committees = db.session.scalars(select(Organisation).where(  # the residents' committee: 有事找社区
        Organisation.community_id.in_(community_ids), Organisation.compound_id.is_(None),
        Organisation.kind == OrgKind.RESIDENTS_COMMITTEE)).all()
    return render("orgs/my_home.html", homes=homes, contracts=contracts, orgs=orgs, committees=committees,
                  kind_labels=services.KIND_LABELS)
