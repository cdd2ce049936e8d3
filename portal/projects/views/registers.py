"""The registers (报到台账): units with their agreements, party members with counts per compound."""

from __future__ import annotations

from flask import abort, flash, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal.core.clock import today
from portal.core.forms import id_choices
from portal.core.rendering import form_status, hx_redirect, render
from portal.core.transaction import refusals
from portal.extensions import db
from portal.orgs.models import Community, Compound
from portal.orgs.permissions import visible_community_ids
from portal.projects import registers
from portal.projects.forms import AgreementForm, PartyMemberForm, UnitForm
from portal.projects.models import Agreement, PartyMember, Unit
from portal.projects.permissions import register_compound_ids
from portal.projects.views import bp


def _compounds():
    ids = register_compound_ids(current_user)
    if not ids:
        abort(403)
    return ids


def _community_ids(compound_ids) -> set[int]:
    return set(db.session.scalars(select(Compound.community_id).where(Compound.id.in_(compound_ids))))


@bp.route("/registers")
@login_required
def registers_page():
    compound_ids = _compounds()
    community_ids = _community_ids(compound_ids)
    units = db.session.scalars(select(Unit).where(Unit.community_id.in_(community_ids))
                               .options(selectinload(Unit.agreements), joinedload(Unit.community))
                               .order_by(Unit.community_id, Unit.name)).all()
    members = db.session.scalars(select(PartyMember).where(PartyMember.compound_id.in_(compound_ids))
                                 .options(joinedload(PartyMember.user), joinedload(PartyMember.compound),
                                          joinedload(PartyMember.unit))
                                 .order_by(PartyMember.compound_id, PartyMember.id)).all()
    counts = registers.member_counts(compound_ids)
    compounds = db.session.scalars(select(Compound).where(Compound.id.in_(compound_ids))
                                   .options(joinedload(Compound.community)).order_by(Compound.community_id, Compound.name)).all()
    per_community: dict[str, int] = {}
    for compound in compounds:
        per_community[compound.community.name] = per_community.get(compound.community.name, 0) + counts.get(compound.id, 0)
    return render("projects/registers.html", units=units, members=members, counts=counts, compounds=compounds,
                  per_community=per_community, today=today())


@bp.route("/registers/units/new", methods=["GET", "POST"])
@login_required
def unit_new():
    compound_ids = _compounds()
    form = UnitForm()
    form.community_id.choices = id_choices(db.session.execute(select(Community.id, Community.name).where(
        Community.id.in_(_community_ids(compound_ids))).order_by(Community.name)))
    if not form.is_submitted():
        form.registered_on.data = today()
    if form.validate_on_submit():
        with refusals(form) as outcome:
            registers.register_unit(by=current_user, community_id=form.community_id.data or 0, name=form.name.data,
                                    registered_on=form.registered_on.data, contact_name=form.contact_name.data,
                                    contact_phone=form.contact_phone.data, offers=form.offers.data)
        if outcome.ok:
            flash(_("已登记驻区单位。"), "success")
            return hx_redirect(url_for("projects.registers_page"))
    return render("projects/unit_new.html", form=form, status=form_status(form))


@bp.route("/registers/units/<int:unit_id>/agreements/new", methods=["GET", "POST"])
@login_required
def agreement_new(unit_id: int):
    unit = db.session.get(Unit, unit_id)
    if unit is None or unit.community_id not in visible_community_ids(current_user):
        abort(404)
    if unit.community_id not in _community_ids(_compounds()):
        abort(403)
    last = db.session.scalar(select(Agreement).where(Agreement.unit_id == unit.id).order_by(Agreement.end_date.desc()))
    form = AgreementForm()
    if not form.is_submitted() and last is not None:
        form.content.data = last.content
    if form.validate_on_submit():
        with refusals(form) as outcome:
            registers.add_agreement(by=current_user, unit=unit, start_date=form.start_date.data,
                                    end_date=form.end_date.data, content=form.content.data, renews=last)
        if outcome.ok:
            flash(_("已保存共建协议。"), "success")
            return hx_redirect(url_for("projects.registers_page"))
    return render("projects/agreement_new.html", form=form, unit=unit, renews=last, status=form_status(form))


@bp.route("/registers/members/new", methods=["GET", "POST"])
@login_required
def member_new():
    compound_ids = _compounds()
    form = PartyMemberForm()
    form.compound_id.choices = id_choices(db.session.execute(select(Compound.id, Compound.name).where(
        Compound.id.in_(compound_ids)).order_by(Compound.name)))
    form.unit_id.choices = [("", _("（不是驻区单位）")), *id_choices(db.session.execute(
        select(Unit.id, Unit.name).where(Unit.community_id.in_(_community_ids(compound_ids))).order_by(Unit.name)))]
    if not form.is_submitted():
        form.registered_on.data = today()
    if form.validate_on_submit():
        with refusals(form) as outcome:
            registers.register_party_member(by=current_user, phone=form.phone.data, compound_id=form.compound_id.data or 0,
                                            registered_on=form.registered_on.data, unit_id=form.unit_id.data,
                                            workplace=form.workplace.data)
        if outcome.ok:
            flash(_("党员已报到。"), "success")
            return hx_redirect(url_for("projects.registers_page"))
    return render("projects/member_new.html", form=form, status=form_status(form))
