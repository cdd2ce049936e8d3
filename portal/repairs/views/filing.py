"""点单: filing a request, by a resident for their home or compound, or by staff on a resident's behalf.

The form is a plain multipart POST (hx-boost off): file uploads from old phones are most reliable
that way. Out-of-scope households and compounds are 404 before anything else is looked at.
"""

from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from portal.auth.models import User
from portal.core.forms import id_choices
from portal.core.params import parse_id
from portal.core.rendering import form_status, hx_redirect, render
from portal.core.transaction import refusals
from portal.extensions import db
from portal.orgs.models import Building, Compound, Household, HouseholdMember
from portal.orgs.permissions import get_building_or_404, get_compound_or_404, get_household_or_404, scope_of
from portal.repairs import services
from portal.repairs.forms import FilingForm, OnBehalfForm
from portal.repairs.permissions import filing_compound_ids, personal_compound_ids
from portal.repairs.photos import chosen, save_photos
from portal.repairs.views import bp


def _resident_choices(scope) -> list[tuple[str, str]]:
    """The resident's homes, then a public area of each compound they live in."""
    homes = db.session.scalars(
        select(Household).join(Building).where(Household.id.in_(scope.household_ids))
        .order_by(Building.compound_id, Building.sort_key, Household.unit, Household.room)
    ).all()
    compounds = db.session.scalars(select(Compound).where(
        Compound.id.in_({h.building.compound_id for h in homes})).order_by(Compound.name)).all()
    several = len(compounds) > 1
    choices = [(f"h:{h.id}", _("我家：%(home)s", home=(f"{h.building.compound.name} " if several else "") + h.label))
               for h in homes]
    choices += [(f"c:{c.id}", _("公共区域（%(name)s）", name=c.name)) for c in compounds]
    return choices


def _resident_place(value: str | None):
    """(household, compound) the location names, loaded in scope: someone else's home is 404."""
    kind, _sep, raw = (value or "").partition(":")
    number = parse_id(raw)
    if number is None:
        return None, None
    if kind == "h":
        household = get_household_or_404(current_user, number)
        return household, household.building.compound
    if kind == "c":
        return None, get_compound_or_404(current_user, number)
    return None, None


def _household_by_phone(form: OnBehalfForm, compound: Compound) -> Household | None:
    """The caller's phone → their household in this compound (its owner's phone or a member's), for those
    who may see residents' phones there; anyone else, or no single match, is asked for building and room."""
    if compound.id not in personal_compound_ids(current_user):
        form.building_id.errors.append(_("请选择楼栋。"))
        return None
    phone = form.contact_phone.data
    members = select(HouseholdMember.household_id).join(User, User.id == HouseholdMember.user_id).where(User.phone == phone)
    found = db.session.scalars(select(Household).join(Building).where(
        Building.compound_id == compound.id, (Household.owner_phone == phone) | Household.id.in_(members)).limit(2)).all()
    if len(found) == 1:
        return found[0]
    message = (_("这个电话登记了不止一户，请选择楼栋并填写房号。") if found
               else _("本小区没有用这个电话登记的住户，请选择楼栋并填写房号。"))
    form.building_id.errors.append(message)
    return None


def _find_household(form: OnBehalfForm, compound: Compound) -> Household | None:
    """Building + unit + room → the household, or a field error. "1-101" in the room box also works;
    with neither, the caller's phone finds the home."""
    if form.by_phone():
        return _household_by_phone(form, compound)
    building = get_building_or_404(current_user, form.building_id.data)
    if building.compound_id != compound.id:
        form.building_id.errors.append(_("请重新选择楼栋（它不在所选小区）。"))
        return None
    unit, room = form.unit.data or "", form.room.data or ""
    if not unit and "-" in room:
        unit, room = (part.strip() for part in room.split("-", 1))
    query = select(Household).where(Household.building_id == building.id, Household.room == room)
    if unit:
        query = query.where(Household.unit == unit)
    found = db.session.scalars(query.limit(2)).all()
    if len(found) > 1:
        form.unit.errors.append(_("这栋楼有多个单元有这个房号，请填写单元。"))
        return None
    if not found:
        form.room.errors.append(_("%(building)s没有这个房号，请核对。", building=building.name))
        return None
    return found[0]


def _building_choices(compound_id: int | None) -> list[tuple]:
    rows = db.session.execute(select(Building.id, Building.name).where(Building.compound_id == compound_id)
                              .order_by(Building.sort_key, Building.name)).all() if compound_id else []
    return [("", _("请选择楼栋")), *id_choices(rows)]


def _staff_form(staff_ids: set[int]) -> tuple[OnBehalfForm, Compound | None]:
    form = OnBehalfForm()
    form.compound_id.choices = id_choices(db.session.execute(
        select(Compound.id, Compound.name).where(Compound.id.in_(staff_ids)).order_by(Compound.name)))
    if not form.is_submitted():
        wanted = request.args.get("compound_id", "")
        form.compound_id.data = parse_id(wanted) or form.compound_id.choices[0][0]
    compound = get_compound_or_404(current_user, form.compound_id.data) if form.compound_id.data else None
    form.building_id.choices = _building_choices(compound.id if compound else None)
    return form, compound


# --- the route ----------------------------------------------------------------------------------------

@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    scope = scope_of(current_user)
    staff_ids = filing_compound_ids(current_user)
    lives_here = bool(scope.household_ids)
    if not staff_ids and not lives_here:
        abort(403)
    on_behalf = bool(staff_ids) and not (lives_here and request.args.get("for") == "self")
    household = None
    if on_behalf:
        form, compound = _staff_form(staff_ids)
    else:
        form = FilingForm()
        form.location.choices = _resident_choices(scope)
        if not form.is_submitted():
            form.location.data = form.location.choices[0][0]
        household, compound = _resident_place(form.location.data) if form.is_submitted() else (None, None)
    if form.validate_on_submit():
        if on_behalf and not form.is_public():
            household = _find_household(form, compound)
        if compound is None:
            form.location.errors.append(_("请选择报修位置。"))
        if not any(f.errors for f in form):
            created = _file(form, compound, household, on_behalf)
            if created is not None:
                flash(_("已提交，编号 %(no)s", no=created.id), "success")
                return hx_redirect(url_for("repairs.detail", request_id=created.id))
    if form.is_submitted() and chosen(form.photos.data):
        form.photos.errors.append(_("刚才选的照片还没有上传，请改好上面的内容后重新选择照片。"))
    # Only the staff form has the building list that follows the chosen compound.
    return render("repairs/new.html", "buildings" if on_behalf else (), form=form, on_behalf=on_behalf,
                  may_switch=bool(staff_ids) and lives_here, status=form_status(form))


def _file(form, compound, household, on_behalf):
    """File through the service and attach the photos in one transaction; errors go next to fields."""
    extra = {"requester": current_user}  # a staff member filing for their own home is its requester
    if on_behalf:
        extra = {"channel": form.channel.data, "contact_name": form.contact_name.data or None,
                 "contact_phone": form.contact_phone.data or None}
    created = None
    with refusals(form, fields={"household_id": "room" if on_behalf else "location"}) as outcome:
        created = services.file_request(
            by=current_user, compound=compound, category=form.category.data, description=form.description.data,
            urgency=form.urgency.data, household=None if form.is_public() else household,
            place=form.place.data if form.is_public() else None, **extra)
        save_photos(created, form.photos.data, stage="filing", by=current_user)
    return created if outcome.ok else None
