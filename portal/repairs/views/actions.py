"""The steps of the request page (派单/接单/退单/转单/挂起/办结/评单/回访/专事), one POST route each.

load (out of scope → 404) → may this user ever take this step here? (no → 403, with the page) →
the service decides (a refusal comes back beside the field, state unchanged) → commit → back to the page.
A stale `version`, or a concurrent commit (StaleDataError), shows the conflict and the fresh request.

Who gets a 403: triage needs a triage role in the compound (services.may_triage); assign a
dispatching role of any level; department a community or street role (专事 never sits with the
property company); the handler's steps and return visits any role that can be a handler (property,
community, grid, street) or the handler themself; evaluation the requester. Residents and owners'
committee members can thus never assign, accept, resolve …; a refusal that depends on the state or on
who is handler right now (staff accepting someone else's order) is a 200/422 with the service's message.
"""

from flask import flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy.orm.exc import StaleDataError

from portal.auth.models import User
from portal.core.permissions import COMMUNITY_ROLES, PROPERTY_ROLES, scope_of
from portal.core.rendering import form_status, hx_redirect
from portal.extensions import db
from portal.orgs.models import Role
from portal.repairs import services
from portal.repairs.action_forms import FORMS
from portal.repairs.models import RepairRequest, Status
from portal.repairs.photos import PhotoError, discard, save_photos
from portal.repairs.queries import get_request_or_404, request_visible
from portal.repairs.views import bp
from portal.repairs.views.detail import show

# Whoever handler_candidates() can name at some level (property, community, street).
MAY_HANDLE_ROLES = {*PROPERTY_ROLES, *COMMUNITY_ROLES, Role.GRID_WORKER, Role.STREET_ADMIN}
DISPATCHER_ROLES = set().union(*services.DISPATCH_ROLES.values())
REFUSED = _l("您不能对这条诉求进行这个操作。")
CONFLICT = _l("这条诉求刚被其他人处理过，已为您显示最新状态。")


def eligible(step: str, user, req: RepairRequest) -> bool:
    """Could `user` ever take `step` on `req` (whatever its state)? No means 403."""
    roles = scope_of(user).roles_in(req.compound_id)
    if step == "triage":
        return services.may_triage(user, req)
    if step == "assign":
        return bool(roles & DISPATCHER_ROLES)
    if step == "department":
        return bool(roles & (COMMUNITY_ROLES | {Role.STREET_ADMIN}))
    if step == "evaluate":
        return services.is_requester(user, req)
    return req.handler_id == user.id or bool(roles & MAY_HANDLE_ROLES)


def _redisplay(req, step, form, message=None, status=None):
    """The page again, on the action's form; the URL stays the request page's."""
    headers = {"HX-Replace-Url": url_for("repairs.detail", request_id=req.id)}
    return show(req, posted=(step, form), message=message, headers=headers,
                status=status if status is not None else form_status({"step": [message]} if message else form))


def _conflict(req, step, form, message=None):
    db.session.rollback()
    db.session.refresh(req)
    form.version.data = str(req.version)  # what was typed stays; a resubmission now acts on what is shown
    return _redisplay(req, step, form, message or CONFLICT)


def _step(step: str, request_id: int, act, done):
    """Run one step: `act(req, form)` calls the service (and returns any photos it wrote); `done` is the
    flash message on success."""
    req = get_request_or_404(current_user, request_id)
    form = FORMS[step]()
    if not eligible(step, current_user, req):
        return _redisplay(req, step, form, REFUSED, status=403)
    if not form.validate_on_submit():
        return _redisplay(req, step, form)
    if step != "return_visit" and form.version_number is None:  # a form must say which state it acts on
        return _conflict(req, step, form)
    written = []
    try:
        written = act(req, form) or []
        db.session.flush()
    except services.Conflict as error:
        return _conflict(req, step, form, error.message)
    except services.WorkflowError as error:
        db.session.rollback()
        target = getattr(form, error.field, None) if error.field else None
        if target is not None:
            target.errors = [*target.errors, error.message]
        else:
            form.form_errors.append(error.message)
        return _redisplay(req, step, form, error.message)
    except StaleDataError:
        discard(written)
        return _conflict(req, step, form)
    try:
        db.session.commit()
    except StaleDataError:
        discard(written)
        return _conflict(req, step, form)
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
        try:  # photos are checked before any is written; the caller removes them if the commit fails
            return save_photos(req, request.files.getlist(f.photos.name), stage="result", by=current_user)
        except PhotoError as error:
            raise services.WorkflowError(error.message, "photos") from error

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
