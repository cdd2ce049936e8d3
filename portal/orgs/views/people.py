"""Accounts managed by the street administrators, and the audit log they may read.

Phones are masked in lists; the full phone shows only on the person's edit page (and that view is
audited). Neither passwords nor full phones go into any log.
"""

from datetime import timedelta

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_, select

from portal.auth.models import User
from portal.core.audit import ACTION_LABELS, TARGET_LABELS, AuditLog, audit
from portal.core.clock import local_midnight
from portal.core.errors import RuleError
from portal.core.paging import paginate
from portal.core.params import parse_day
from portal.core.permissions import can, require
from portal.core.rendering import form_status, hx_redirect, render
from portal.core.transaction import refusals
from portal.orgs import people_services, services
from portal.orgs.forms import NewPersonForm, PersonForm, ResetPasswordForm
from portal.orgs.permissions import scope_of
from portal.orgs.views import bp


def _street_ids() -> set[int]:
    require(current_user, "accounts.manage")
    return scope_of(current_user).street_ids


def _person_or_404(user_id: int) -> User:
    """An account the user manages: one of their streets' (street administrators). Everyone else
    gets 404 for every id, as for an id that does not exist: whether an account exists is itself
    out of their scope (a 403 for the street's accounts would let ids be enumerated)."""
    if not can(current_user, "accounts.manage"):
        abort(404)
    person = people_services.person_in_scope(scope_of(current_user).street_ids, user_id)
    if person is None:
        abort(404)
    return person


def _duplicate(form, exclude_id=None):
    """A duplicate that slipped past the check (a concurrent insert) becomes the same field error."""
    phone, username = form.phone.data, form.username.data

    def problem() -> RuleError:
        found = people_services.duplicate_problem(phone=phone, username=username, exclude_id=exclude_id)
        return found or RuleError(people_services.DUPLICATE_PHONE if phone else people_services.DUPLICATE_USERNAME,
                                  "phone" if phone else "username")

    return problem


@bp.route("/people")
@login_required
def people():
    street_ids = _street_ids()
    query = select(User).where(people_services.people_clause(street_ids))
    q = request.args.get("q", "").strip()[:50]
    if q:
        query = query.where(or_(
            User.name.contains(q, autoescape=True),
            User.phone.contains(q, autoescape=True),
            User.username.contains(q, autoescape=True),
        ))
    state = request.args.get("status", "")
    if state == "active":
        query = query.where(User.active.is_(True))
    elif state == "disabled":
        query = query.where(User.active.is_(False))
    else:
        state = ""
    page = paginate(query.order_by(User.name, User.id))
    positions = people_services.open_positions_of([u.id for u in page.items])
    return render("orgs/people/index.html", "results", page=page, q=q, state=state, positions=positions,
                  role_labels=services.ROLE_LABELS)


@bp.route("/people/new", methods=["GET", "POST"])
@login_required
def person_new():
    street_ids = _street_ids()
    form = NewPersonForm()
    if form.validate_on_submit():
        with refusals(form, default="phone", duplicate=_duplicate(form)) as outcome:
            person = people_services.create_person(
                name=form.name.data, phone=form.phone.data, username=form.username.data,
                is_party_member=form.is_party_member.data, password=form.password.data,
                street_id=min(street_ids), by=current_user,
            )
        if outcome.ok:
            flash(_("已创建账号“%(name)s”。请把初始密码当面或电话告知本人，并提醒其登录后修改。",
                    name=person.name), "success")
            return hx_redirect(url_for("orgs.people"))
    return render("orgs/people/new.html", "form", form=form, status=form_status(form))


@bp.route("/people/<int:user_id>/edit", methods=["GET", "POST"])
@login_required
def person_edit(user_id: int):
    person = _person_or_404(user_id)
    form = PersonForm(obj=person)
    password_form = ResetPasswordForm(formdata=None)
    if form.validate_on_submit():
        with refusals(form, default="phone", duplicate=_duplicate(form, person.id)) as outcome:
            people_services.update_person(person, name=form.name.data, phone=form.phone.data,
                                          username=form.username.data, is_party_member=form.is_party_member.data,
                                          by=current_user)
        if outcome.ok:
            flash(_("已保存。"), "success")
            return hx_redirect(url_for("orgs.people"))
    elif request.method == "GET" and person.phone:
        # Who looked at a full phone number is on record (the number itself is not).
        audit("person.phone_viewed", person)
    return render("orgs/people/edit.html", "form", form=form, password_form=password_form, person=person,
                  positions=people_services.open_positions_of([person.id]).get(person.id, []),
                  role_labels=services.ROLE_LABELS, status=form_status(form))


@bp.route("/people/<int:user_id>/password", methods=["POST"])
@login_required
def person_password(user_id: int):
    person = _person_or_404(user_id)
    password_form = ResetPasswordForm()
    if password_form.validate_on_submit():
        with refusals(password_form, default="password") as outcome:
            people_services.reset_password(person, password_form.password.data, by=current_user)
        if outcome.ok:
            flash(_("已为 %(name)s 设置临时密码，其所有登录已退出。", name=person.name), "success")
            return hx_redirect(url_for("orgs.person_edit", user_id=person.id))
    form = PersonForm(formdata=None, obj=person)
    return render("orgs/people/edit.html", "password_form", form=form, password_form=password_form, person=person,
                  positions=people_services.open_positions_of([person.id]).get(person.id, []),
                  role_labels=services.ROLE_LABELS, status=form_status(password_form))


def _set_active(user_id: int, active: bool):
    person = _person_or_404(user_id)
    with refusals() as outcome:
        people_services.set_person_active(person, active, by=current_user)
    if not outcome.ok:
        flash(str(outcome.error.message), "error")
    else:
        if active:
            flash(_("已启用 %(name)s 的账号。", name=person.name), "success")
        else:
            flash(_("已停用 %(name)s 的账号，其所有登录已退出。", name=person.name), "success")
    target = request.form.get("next", "")
    if not (target.startswith("/people") and "//" not in target):
        target = url_for("orgs.people")
    return hx_redirect(target)


@bp.route("/people/<int:user_id>/disable", methods=["POST"])
@login_required
def person_disable(user_id: int):
    return _set_active(user_id, False)


@bp.route("/people/<int:user_id>/enable", methods=["POST"])
@login_required
def person_enable(user_id: int):
    return _set_active(user_id, True)


@bp.route("/audit")
@login_required
def audit_log():
    """Who did what to which record, in words; filtered by person, kind of action, kind of record and date."""
    require(current_user, "audit.view")
    street_ids = scope_of(current_user).street_ids
    people = select(User.id).where(people_services.people_clause(street_ids))
    query = (
        select(AuditLog, User.name)
        .outerjoin(User, User.id == AuditLog.user_id)
        .where(or_(AuditLog.user_id.in_(people), AuditLog.user_id == current_user.id))
    )
    q = request.args.get("q", "").strip()[:64]
    if q:  # a person's name, or the start of an action code for those who know them
        query = query.where(or_(User.name.contains(q, autoescape=True), AuditLog.action.startswith(q, autoescape=True)))
    action = request.args.get("action", "")
    action = action if action in ACTION_LABELS else ""
    if action:
        query = query.where(AuditLog.action == action)
    target = request.args.get("target", "")
    target = target if target in TARGET_LABELS else ""
    if target:
        query = query.where(AuditLog.target_type == target)
    start, end = parse_day(request.args.get("from")), parse_day(request.args.get("to"))
    if start:
        query = query.where(AuditLog.at >= local_midnight(start))
    if end:
        query = query.where(AuditLog.at < local_midnight(end + timedelta(days=1)))
    page = paginate(query.order_by(AuditLog.at.desc(), AuditLog.id.desc()), scalars=False)
    return render("orgs/audit.html", "results", page=page, q=q, action=action, target=target, start=start, end=end,
                  action_labels=ACTION_LABELS, target_labels=TARGET_LABELS)
