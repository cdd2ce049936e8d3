"""微心愿: the list (open ones near the reader first), posting, and the wish page with its steps."""

from __future__ import annotations

from flask import abort, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from portal.core.forms import id_choices
from portal.core.masking import mask_name, mask_phone
from portal.core.paging import paginate
from portal.core.params import parse_id
from portal.core.rendering import form_status, hx_redirect, render
from portal.core.transaction import refusals
from portal.extensions import db
from portal.orgs.models import Building, Compound, Household
from portal.orgs.permissions import get_compound_or_404, get_household_or_404, scope_of
from portal.projects import labels, services
from portal.projects.forms import FORMS, WishForm, with_ids
from portal.projects.models import WISH_CATEGORIES, WishEvent, WishStatus
from portal.projects.permissions import (
    claim_options,
    get_wish_or_404,
    is_claimant,
    live_claim,
    sees_personal,
    staff_compound_ids,
)
from portal.projects.queries import visible_wishes
from portal.projects.services import claimant_name
from portal.projects.views import bp


def _choice(name: str, allowed) -> str:
    value = request.args.get(name, "")
    return value if value in allowed else ""


@bp.route("/wishes")
@login_required
def wishes():
    scope = scope_of(current_user)
    if not scope.compound_ids and not is_claimant(current_user):
        abort(403)
    from portal.projects.models import Wish

    query = visible_wishes(current_user)
    filters = {"status": _choice("status", WishStatus.ALL), "category": _choice("category", WISH_CATEGORIES),
               "compound": parse_id(request.args.get("compound", ""))}
    if filters["status"]:
        query = query.where(Wish.status == filters["status"])
    if filters["category"]:
        query = query.where(Wish.category == filters["category"])
    if filters["compound"]:
        query = query.where(Wish.compound_id == filters["compound"])
    page = paginate(query)
    compounds = id_choices(db.session.execute(select(Compound.id, Compound.name).where(
        Compound.id.in_({w.compound_id for w in page.items} | scope.compound_ids)).order_by(Compound.name)))
    return render("projects/wishes.html", "results", page=page, filters=filters, compounds=compounds,
                  labels=labels, statuses=WishStatus.ALL, categories=WISH_CATEGORIES, claimant_name=claimant_name,
                  live_claim=live_claim, may_post=bool(scope.household_ids) or bool(staff_compound_ids(current_user)))


def _wish_form():
    scope = scope_of(current_user)
    staff = staff_compound_ids(current_user)
    form = WishForm()
    homes = db.session.scalars(select(Household).join(Building).where(Household.id.in_(scope.household_ids))
                               .order_by(Building.compound_id, Building.sort_key, Household.room)).all()
    form.household_id.choices = [(h.id, f"{h.building.compound.name} {h.label}") for h in homes]
    form.compound_id.choices = id_choices(db.session.execute(
        select(Compound.id, Compound.name).where(Compound.id.in_(staff)).order_by(Compound.name)))
    on_behalf = bool(staff) and (not homes or request.args.get("for") != "self")
    return form, on_behalf, bool(staff) and bool(homes)


@bp.route("/wishes/new", methods=["GET", "POST"])
@login_required
def wish_new():
    form, on_behalf, may_switch = _wish_form()
    if not on_behalf and not form.household_id.choices:
        abort(403)
    if form.validate_on_submit():
        if on_behalf:
            compound = get_compound_or_404(current_user, form.compound_id.data) if form.compound_id.data else None
            household = None
        else:
            household = get_household_or_404(current_user, form.household_id.data) if form.household_id.data else None
            compound = household.building.compound if household else None
        if compound is None:
            (form.compound_id if on_behalf else form.household_id).errors.append(_("请选择。"))
        else:
            wish = None
            with refusals(form) as outcome:
                wish = services.post_wish(by=current_user, compound=compound, household=household,
                                          title=form.title.data, description=form.description.data,
                                          category=form.category.data, contact_name=form.contact_name.data,
                                          contact_phone=form.contact_phone.data)
            if outcome.ok:
                flash(_("心愿已发布，编号 %(no)s", no=wish.id), "success")
                return hx_redirect(url_for("projects.wish_detail", wish_id=wish.id))
    return render("projects/wish_new.html", form=form, on_behalf=on_behalf, may_switch=may_switch,
                  status=form_status(form))


def show(wish, *, posted=None, message=None, status: int = 200, headers=None):
    """The wish page; `posted` is the (step, form) just submitted, shown with its errors."""
    user = current_user
    forms = {}
    for name in services.offered_steps(user, wish):
        forms[name] = FORMS[name](formdata=None, data={"version": str(wish.version)})
    if posted is not None and posted[0] in forms:
        forms[posted[0]] = posted[1]
    if "claim" in forms:
        forms["claim"].claimant.choices = [(f"{kind}:{obj.id}", _claimant_label(kind, obj))
                                           for kind, obj in claim_options(user, wish)]
    for step, form in forms.items():
        with_ids(form, step)
    events = db.session.scalars(select(WishEvent).where(WishEvent.wish_id == wish.id).order_by(WishEvent.id)).all()
    personal = sees_personal(user, wish)
    name = wish.contact_name or (wish.wisher.name if wish.wisher else "")
    phone = wish.contact_phone or (wish.wisher.phone if wish.wisher else "")
    claim = live_claim(wish)
    return render("projects/wish_detail.html", wish=wish, forms=forms, events=events, labels=labels,
                  personal=personal, contact_name=name if personal else mask_name(name),
                  contact_phone=phone if personal else mask_phone(phone),
                  room=(wish.household.label if wish.household else "") if personal else "",
                  claimant=claimant_name(claim) if claim else None, message=message, posted=posted and posted[0],
                  photo_route="projects.wish_photo" in current_app.view_functions, status=status, headers=headers)


def _claimant_label(kind, obj) -> str:
    if kind == "party_member":
        return _("我本人（在职党员）")
    return _("驻区单位：%(name)s", name=obj.name)


@bp.route("/wishes/<int:wish_id>")
@login_required
def wish_detail(wish_id: int):
    return show(get_wish_or_404(current_user, wish_id))
