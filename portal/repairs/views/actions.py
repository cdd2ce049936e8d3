"""The steps of the request page (派单/接单/退单/转单/挂起/办结/评单/回访/专事), one POST route each.

load (out of scope → 404) → may this user ever take this step here? (services.STEPS; no → 403, with
the page) → the service decides (a refusal comes back beside the field, state unchanged) → back to
the page; the request commits once, at the end. A stale `version`, or a concurrent commit, shows the
conflict and the fresh request.
"""

from flask import flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.auth.models import User
from portal.core.rendering import form_status, hx_redirect
from portal.core.transaction import refusals
from portal.core.translations import lazy_gettext as _l
from portal.extensions import db
from portal.repairs import services
from portal.repairs.action_forms import FORMS
from portal.repairs.models import Status
from portal.repairs.permissions import get_request_or_404, handler_choices, request_visible
from portal.repairs.photos import save_photos
from portal.repairs.views import bp
from portal.repairs.views.detail import show

REFUSED = _l("您不能对这条诉求进行这个操作。")


def _redisplay(req, step, form, message=None, status=None):
    """The page again, on the action's form; the URL stays the request page's."""
    headers = {"HX-Replace-Url": url_for("repairs.detail", request_id=req.id)}
    return show(req, posted=(step, form), message=message, headers=headers,
                status=status if status is not None else form_status({"step": [message]} if message else form))


def _conflict(req, step, form):
    db.session.refresh(req)
    form.version.data = str(req.version)  # what was typed stays; a resubmission now acts on what is shown
    return _redisplay(req, step, form, services.STALE)


def _step(step: str, request_id: int, act, done):
    """Run one step: `act(req, form)` calls the service; `done` is the flash message on success."""
    req = get_request_or_404(current_user, request_id)
    form = FORMS[step](candidates=handler_choices(req)) if step == "assign" else FORMS[step]()
    if not services.may_ever(step, current_user, req):
        return _redisplay(req, step, form, REFUSED, status=403)
    if not form.validate_on_submit():
        return _redisplay(req, step, form)
    if services.STEPS[step].versioned and form.version_number is None:  # a form must say which state it acts on
        return _conflict(req, step, form)
    with refusals(form) as outcome:
        act(req, form)
    if outcome.conflict:
        return _conflict(req, step, form)
    if not outcome.ok:
        return _redisplay(req, step, form, outcome.error.message)
    flash(str(done(req) if callable(done) else done), "success")
    if request_visible(current_user, req):
        return hx_redirect(url_for("repairs.detail", request_id=req.id))
    return hx_redirect(url_for("repairs.queue"))  # e.g. a returned order leaves the handler's queue


def _text(form, name):
    return getattr(form, name).data or ""


@bp.route("/<int:request_id>/triage", methods=["POST"])
@login_required
def triage(request_id: int):
    return _step("triage", request_id, lambda req, f: services.triage(
        req, by=current_user, kind=f.kind.data, reason=_text(f, "reason"), version=f.version_number), _l("已确认诉求类型。"))


@bp.route("/<int:request_id>/assign", methods=["POST"])
@login_required
def assign(request_id: int):
    def act(req, f):
        handler = db.session.get(User, f.handler_id.data) if f.handler_id.data else None
        services.assign(req, by=current_user, handler=handler, note=_text(f, "note") or None, version=f.version_number)

    def done(req):
        return _("已转单给%(name)s。", name=req.handler.name) if _transferred(req) else _("已派单给%(name)s。", name=req.handler.name)

    return _step("assign", request_id, act, done)


def _transferred(req) -> bool:
    return bool(req.events) and req.events[-1].action == "transferred"


@bp.route("/<int:request_id>/accept", methods=["POST"])
@login_required
def accept(request_id: int):
    return _step("accept", request_id, lambda req, f: services.accept(req, by=current_user, version=f.version_number),
                 _l("已接单，请尽快处理。"))


@bp.route("/<int:request_id>/return", methods=["POST"])
@login_required
def return_(request_id: int):
    return _step("return_", request_id, lambda req, f: services.return_request(
        req, by=current_user, reason=_text(f, "reason"), version=f.version_number), _l("已退单。"))


@bp.route("/<int:request_id>/hold", methods=["POST"])
@login_required
def hold(request_id: int):
    return _step("hold", request_id, lambda req, f: services.hold(
        req, by=current_user, reason=_text(f, "reason"), version=f.version_number), _l("已挂起。"))


@bp.route("/<int:request_id>/resume", methods=["POST"])
@login_required
def resume(request_id: int):
    return _step("resume", request_id, lambda req, f: services.resume(req, by=current_user, version=f.version_number),
                 _l("已恢复处理。"))


@bp.route("/<int:request_id>/resolve", methods=["POST"])
@login_required
def resolve(request_id: int):
    def act(req, f):
        services.resolve(req, by=current_user, note=_text(f, "note"), version=f.version_number)
        # photos are checked before any is written; a rollback of the request removes what was written
        save_photos(req, request.files.getlist(f.photos.name), stage="result", by=current_user)

    return _step("resolve", request_id, act, _l("已办结，等待居民评价。"))


@bp.route("/<int:request_id>/evaluate", methods=["POST"])
@login_required
def evaluate(request_id: int):
    def act(req, f):
        services.evaluate(req, by=current_user, rating=f.rating.data, speed=f.speed_rating.data,
                          attitude=f.attitude_rating.data, satisfied=f.satisfied.data == "1",
                          comment=_text(f, "comment"), version=f.version_number)

    def done(req):
        return _("感谢您的评价。") if req.status == Status.CLOSED else _("已收到您的意见，将继续处理。")

    return _step("evaluate", request_id, act, done)


@bp.route("/<int:request_id>/return-visit", methods=["POST"])
@login_required
def return_visit(request_id: int):
    def act(req, f):
        answer = {"1": True, "0": False}.get(f.satisfied.data)
        services.return_visit(req, by=current_user, note=_text(f, "note"), satisfied=answer)

    return _step("return_visit", request_id, act, _l("已登记回访。"))


@bp.route("/<int:request_id>/department", methods=["POST"])
@login_required
def department(request_id: int):
    return _step("department", request_id, lambda req, f: services.record_department(
        req, by=current_user, department=_text(f, "department"), reply=_text(f, "reply") or None,
        version=f.version_number), _l("已记录承办部门。"))
