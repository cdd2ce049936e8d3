"""The 五单 workflow: filing, triage, dispatch, accept/return/transfer, work, evaluation, sweep.

Every function here checks the state and the actor, changes the request, writes a timeline
entry and queues the notifications; none touches `request`, so all of it is tested without HTTP.
A refused change raises WorkflowError with a message for the user and leaves the request as it was.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.core.permissions import COMMUNITY_ROLES, PROPERTY_ROLES, scope_of, today
from portal.extensions import db
from portal.notifications.services import notify
from portal.orgs.models import (
    Compound,
    ContractStatus,
    Organisation,
    OrgKind,
    Position,
    Role,
    ServiceContract,
)
from portal.repairs.models import (
    CATEGORIES,
    CHANNELS,
    URGENCIES,
    Kind,
    Level,
    RepairRequest,
    RequestEvent,
    ReturnVisit,
    ServiceLevel,
    Status,
)

DEFAULT_HOURS = {"emergency": 4, "urgent": 24, "normal": 72}
AUTO_CLOSE_AFTER = timedelta(days=7)
# The category suggests the kind; a property manager or community worker confirms it.
SUGGESTED_KIND = {
    "water_power": Kind.HOUSEHOLD, "heating": Kind.HOUSEHOLD, "sewer": Kind.HOUSEHOLD,
    "elevator": Kind.HOUSEHOLD, "access": Kind.HOUSEHOLD, "parking": Kind.COMMUNITY,
    "charging": Kind.COMMUNITY, "sanitation": Kind.HOUSEHOLD, "greening": Kind.HOUSEHOLD,
    "road": Kind.DEPARTMENT, "noise": Kind.COMMUNITY, "neighbour": Kind.COMMUNITY, "other": Kind.HOUSEHOLD,
}
KIND_LEVEL = {Kind.HOUSEHOLD: Level.PROPERTY, Kind.COMMUNITY: Level.COMMUNITY,
              Kind.DEPARTMENT: Level.COMMUNITY, Kind.HARD: Level.STREET}
DISPATCH_ROLES = {
    Level.PROPERTY: {Role.PROPERTY_MANAGER},
    Level.COMMUNITY: COMMUNITY_ROLES,
    Level.STREET: {Role.STREET_ADMIN},
}
FILE_FOR_OTHERS_ROLES = {*PROPERTY_ROLES, *COMMUNITY_ROLES, Role.GRID_WORKER, Role.STREET_ADMIN}


class WorkflowError(Exception):
    """A change the rules refuse; `message` is shown to the user, `field` names a form field."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


class Conflict(WorkflowError):
    """Someone else changed the request since this user loaded it."""


def now_utc() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


# --- who is responsible -----------------------------------------------------------------------------

def current_company_id(compound_id: int, on=None) -> int | None:
    on = on or today()
    return db.session.scalar(
        select(ServiceContract.company_id).where(
            ServiceContract.compound_id == compound_id, ServiceContract.status == ContractStatus.ACTIVE,
            ServiceContract.start_date <= on, ServiceContract.end_date >= on,
        )
    )


def responsible_level(req: RepairRequest) -> int:
    """The kind sets the first level, escalation raises it; a compound without a property company
    has its household matters handled by the community."""
    level = max(KIND_LEVEL[req.kind], req.escalation_level)
    if level == Level.PROPERTY and current_company_id(req.compound_id) is None:
        return Level.COMMUNITY
    return level


def _roles_here(user, req: RepairRequest) -> set[str]:
    return scope_of(user).roles_in(req.compound_id)


def may_dispatch(user, req: RepairRequest) -> bool:
    return bool(_roles_here(user, req) & DISPATCH_ROLES[responsible_level(req)])


def may_triage(user, req: RepairRequest) -> bool:
    """Community and street staff may (re)classify; the property manager only while the request is
    still the property company's and unconfirmed, so a company cannot pull a community matter back."""
    roles = _roles_here(user, req)
    if roles & (COMMUNITY_ROLES | {Role.STREET_ADMIN}):
        return True
    return (Role.PROPERTY_MANAGER in roles and not req.kind_confirmed
            and responsible_level(req) == Level.PROPERTY)


def _is_handler(user, req: RepairRequest) -> bool:
    """The assigned handler, while the compound is still in their scope (posts and contracts end)."""
    return req.handler_id == user.id and req.compound_id in scope_of(user).compound_ids


def is_requester(user, req: RepairRequest) -> bool:
    if req.requester_id is not None:
        return req.requester_id == user.id
    return req.household_id is not None and req.household_id in scope_of(user).household_ids


def _people_at_level(req: RepairRequest, level: int, roles):
    """A select of the users holding an open post with one of `roles` in the body that answers
    for this request at `level`: its property company, its community, or its street."""
    from portal.auth.models import User

    compound = db.session.get(Compound, req.compound_id)
    on = today()
    query = (select(User).join(Position, Position.user_id == User.id)
             .join(Organisation, Organisation.id == Position.organisation_id)
             .where(User.active.is_(True), Position.role.in_(roles), Position.start_date <= on)
             .where(Position.end_date.is_(None) | (Position.end_date >= on)))
    if level == Level.PROPERTY:
        return query.where(Organisation.id == current_company_id(req.compound_id))
    if level == Level.COMMUNITY:
        return query.where(Organisation.community_id == compound.community_id,
                           Organisation.kind.in_([OrgKind.RESIDENTS_COMMITTEE, OrgKind.PARTY_COMMITTEE]))
    return query.where(Organisation.street_id == compound.community.street_id)


HANDLER_ROLES = {
    Level.PROPERTY: [Role.PROPERTY_STAFF, Role.PROPERTY_MANAGER],
    Level.COMMUNITY: [Role.COMMUNITY_WORKER, Role.GRID_WORKER, *COMMUNITY_ROLES],
    Level.STREET: [Role.STREET_ADMIN],
}


def handler_candidates(req: RepairRequest) -> list:
    """People the dispatcher may assign at the current level, in one query."""
    from portal.auth.models import User

    level = responsible_level(req)
    query = _people_at_level(req, level, HANDLER_ROLES[level])
    return list(db.session.scalars(query.distinct().order_by(User.name)))


def hours_for(category: str, urgency: str) -> int:
    configured = db.session.scalar(
        select(ServiceLevel.hours).where(ServiceLevel.category == category, ServiceLevel.urgency == urgency)
    )
    return configured or DEFAULT_HOURS[urgency]


# --- the timeline ------------------------------------------------------------------------------------

def _event(req: RepairRequest, actor, action: str, before: str | None, note: str | None = None) -> None:
    db.session.add(RequestEvent(request=req, actor_id=getattr(actor, "id", None), action=action,
                                from_status=before, to_status=req.status, note=note))


def _expect(req: RepairRequest, version: int | None, *statuses: str) -> None:
    if version is not None and int(version) != req.version:
        raise Conflict(_l("这条诉求刚被其他人处理过，已为您显示最新状态。"))
    if req.status not in statuses:
        raise WorkflowError(_l("当前状态下不能进行这个操作。"))


def _link(req: RepairRequest) -> str:
    return f"/repairs/{req.id}"


def _text(message) -> str:
    """Stored text is written in the portal's default language, whoever's action caused it
    (notifications and timeline notes are read later by other people)."""
    from flask import current_app, has_app_context

    locale = current_app.config["BABEL_DEFAULT_LOCALE"] if has_app_context() else "zh_CN"
    with force_locale(locale):
        return str(message)


def _limit(value: str | None, length: int, field: str) -> str | None:
    """Trimmed text, refused with a field message when longer than its column allows."""
    value = (value or "").strip() or None
    if value is not None and len(value) > length:
        raise WorkflowError(_l("不能超过 %(n)s 个字。", n=length), field)
    return value


# --- 点单: filing --------------------------------------------------------------------------------------

def file_request(*, by, compound: Compound, category: str, description: str, urgency: str = "normal",
                 household=None, place: str | None = None, channel: str = "online", requester=None,
                 contact_name: str | None = None, contact_phone: str | None = None) -> RepairRequest:
    """A resident files for their own household or a public area of their compound; staff file on a
    resident's behalf and say how the request came in."""
    scope = scope_of(by)
    roles = scope.roles_in(compound.id)
    on_behalf = bool(roles & FILE_FOR_OTHERS_ROLES)
    if not on_behalf and Role.RESIDENT not in roles:
        raise WorkflowError(_l("您不能为这个小区提交诉求。"))
    if category not in CATEGORIES:
        raise WorkflowError(_l("请选择类别。"), "category")
    if urgency not in URGENCIES:
        raise WorkflowError(_l("请选择紧急程度。"), "urgency")
    if channel not in CHANNELS:
        raise WorkflowError(_l("请选择来源渠道。"), "channel")
    if household is not None:
        if household.building.compound_id != compound.id:
            raise WorkflowError(_l("房屋不属于这个小区。"), "household_id")
        if not on_behalf and household.id not in scope.household_ids:
            raise WorkflowError(_l("只能为自己家的房屋报修。"), "household_id")
    elif not (place or "").strip():
        raise WorkflowError(_l("请填写公共区域的位置。"), "place")
    if not (description or "").strip():
        raise WorkflowError(_l("请描述遇到的问题。"), "description")
    description = _limit(description, 1000, "description")
    place = _limit(place, 100, "place")
    contact_name = _limit(contact_name, 64, "contact_name")
    contact_phone = _limit(contact_phone, 20, "contact_phone")
    if not on_behalf:
        channel, requester = "online", by
    elif requester is None and household is not None and household.id in scope.household_ids:
        requester = by  # staff filing for their own home: they are the requester (and may rate it)
    kind = SUGGESTED_KIND[category]
    now = now_utc()
    req = RepairRequest(
        compound_id=compound.id, household_id=household.id if household else None,
        place=place, category=category, kind=kind, description=description,
        urgency=urgency, channel=channel, requester_id=requester.id if requester else None, filed_by_id=by.id,
        contact_name=contact_name, contact_phone=contact_phone, status=Status.SUBMITTED,
        escalation_level=Level.PROPERTY, due_at=now + timedelta(hours=hours_for(category, urgency)),
    )
    db.session.add(req)
    db.session.flush()
    _event(req, by, "filed", None, None)
    return req


# --- triage ----------------------------------------------------------------------------------------------

def triage(req: RepairRequest, *, by, kind: str, reason: str | None = None, version: int | None = None) -> None:
    """Confirm or change the kind (个事/社事/专事/难事); a change needs a reason and sends the request
    back to the dispatcher now responsible."""
    if not may_triage(by, req):
        raise WorkflowError(_l("您不能确认这条诉求的类型。"))
    _expect(req, version, Status.SUBMITTED, Status.ASSIGNED)
    if kind not in Kind.ALL:
        raise WorkflowError(_l("请选择诉求类型。"), "kind")
    if kind != req.kind and not (reason or "").strip():
        raise WorkflowError(_l("更改类型时请说明理由。"), "reason")
    before, old_kind = req.status, req.kind
    req.kind, req.kind_confirmed = kind, True
    if kind != old_kind and req.handler_id is not None:
        req.handler_id, req.status = None, Status.SUBMITTED
    from portal.repairs.labels import KIND_LABELS

    change = _text(KIND_LABELS[kind]) if kind == old_kind else f"{_text(KIND_LABELS[old_kind])} → {_text(KIND_LABELS[kind])}"
    _event(req, by, "triaged", before, change + (f"：{reason.strip()}" if (reason or "").strip() else ""))


def record_department(req: RepairRequest, *, by, department: str, reply: str | None = None,
                      version: int | None = None) -> None:
    """专事: note the department it went to, and its reply when it comes."""
    if req.kind != Kind.DEPARTMENT:
        raise WorkflowError(_l("只有“专事”需要转交部门。"))
    if not may_dispatch(by, req):
        raise WorkflowError(_l("您不能处理这条诉求。"))
    _expect(req, version, *Status.OPEN)
    if not department.strip():
        raise WorkflowError(_l("请填写部门名称。"), "department")
    req.department = _limit(department, 100, "department")
    if reply:
        req.department_reply = reply.strip()
    _event(req, by, "department", req.status, req.department + (f"：{reply.strip()}" if reply else ""))


# --- 派单 / 接单 --------------------------------------------------------------------------------------------

def assign(req: RepairRequest, *, by, handler, version: int | None = None, note: str | None = None) -> None:
    """Dispatch to a handler (派单), or hand it to another (转单)."""
    if not may_dispatch(by, req):
        raise WorkflowError(_l("只有当前负责单位的派单人员可以派单。"))
    _expect(req, version, Status.SUBMITTED, Status.ASSIGNED, Status.IN_PROGRESS, Status.ON_HOLD)
    if handler is None or handler.id not in {u.id for u in handler_candidates(req)}:
        raise WorkflowError(_l("请选择负责单位的处理人。"), "handler_id")
    before = req.status
    action = "assigned" if before == Status.SUBMITTED else "transferred"
    req.handler_id, req.status, req.accepted_at, req.hold_reason = handler.id, Status.ASSIGNED, None, None
    _event(req, by, action, before, note)
    notify(handler.id, "repairs.assigned", link=_link(req), no=req.id)


def accept(req: RepairRequest, *, by, version: int | None = None) -> None:
    """接单: only the assigned handler."""
    if not _is_handler(by, req):
        raise WorkflowError(_l("只有被派单的处理人可以接单。"))
    _expect(req, version, Status.ASSIGNED)
    before = req.status
    req.status, req.accepted_at = Status.IN_PROGRESS, now_utc()
    _event(req, by, "accepted", before)
    _tell_requester(req, "repairs.accepted")


def return_request(req: RepairRequest, *, by, reason: str, version: int | None = None) -> None:
    """退单: the handler gives it back, with a reason, to be dispatched again."""
    if not _is_handler(by, req):
        raise WorkflowError(_l("只有被派单的处理人可以退单。"))
    _expect(req, version, Status.ASSIGNED)
    if not (reason or "").strip():
        raise WorkflowError(_l("退单时请说明理由。"), "reason")
    before = req.status
    req.status, req.handler_id = Status.SUBMITTED, None
    _event(req, by, "returned", before, reason.strip())


# --- work --------------------------------------------------------------------------------------------------

def hold(req: RepairRequest, *, by, reason: str, version: int | None = None) -> None:
    if not _is_handler(by, req):
        raise WorkflowError(_l("只有处理人可以挂起。"))
    _expect(req, version, Status.IN_PROGRESS)
    if not (reason or "").strip():
        raise WorkflowError(_l("挂起时请说明原因（如等待配件、需入户）。"), "reason")
    before = req.status
    req.status, req.hold_reason = Status.ON_HOLD, _limit(reason, 200, "reason")
    _event(req, by, "held", before, req.hold_reason)


def resume(req: RepairRequest, *, by, version: int | None = None) -> None:
    if not _is_handler(by, req):
        raise WorkflowError(_l("只有处理人可以恢复处理。"))
    _expect(req, version, Status.ON_HOLD)
    before = req.status
    req.status, req.hold_reason = Status.IN_PROGRESS, None
    _event(req, by, "resumed", before)


def resolve(req: RepairRequest, *, by, note: str, version: int | None = None) -> None:
    """办结: the handler says what was done (photos are attached by the caller)."""
    if not _is_handler(by, req):
        raise WorkflowError(_l("只有处理人可以办结。"))
    _expect(req, version, Status.IN_PROGRESS)
    if not (note or "").strip():
        raise WorkflowError(_l("请填写处理结果。"), "note")
    before = req.status
    req.status, req.result_note, req.resolved_at = Status.RESOLVED, note.strip(), now_utc()
    _event(req, by, "resolved", before, req.result_note)
    _tell_requester(req, "repairs.resolved")


# --- 评单 ----------------------------------------------------------------------------------------------------

def evaluate(req: RepairRequest, *, by, rating: int, speed: int, attitude: int, satisfied: bool,
             comment: str | None = None, version: int | None = None) -> None:
    """The requester rates the result. Satisfied closes it; not satisfied reopens it to the same
    handler, and a second reopening escalates one level."""
    if not is_requester(by, req):
        raise WorkflowError(_l("只有提出诉求的居民可以评价。"))
    _expect(req, version, Status.RESOLVED)
    for value, field in ((rating, "rating"), (speed, "speed_rating"), (attitude, "attitude_rating")):
        if not isinstance(value, int) or not 1 <= value <= 5:
            raise WorkflowError(_l("评分须在 1 到 5 之间。"), field)
    if not satisfied and not (comment or "").strip():
        raise WorkflowError(_l("不满意时请写下原因，便于继续处理。"), "comment")
    before = req.status
    req.rating, req.speed_rating, req.attitude_rating = rating, speed, attitude
    req.satisfied, req.evaluation_comment, req.evaluated_at = satisfied, (comment or "").strip() or None, now_utc()
    if satisfied:
        req.status, req.closed_at, req.close_reason = Status.CLOSED, now_utc(), "evaluated"
        _event(req, by, "evaluated", before, req.evaluation_comment)
        _tell_requester(req, "repairs.closed")
        return
    req.reopen_count += 1
    req.resolved_at = None
    req.due_at = now_utc() + timedelta(hours=hours_for(req.category, req.urgency))
    req.overdue_flagged_at = None  # a fresh deadline: running late again escalates again
    level = responsible_level(req)
    if req.reopen_count >= 2 and level < Level.STREET:
        req.escalation_level = level + 1
        req.status, req.handler_id = Status.SUBMITTED, None
        _event(req, by, "reopened", before, req.evaluation_comment)
        _event(req, None, "escalated", Status.SUBMITTED, None)
        _notify_dispatchers(req, "repairs.escalated_unsatisfied")
    else:
        req.status = Status.ASSIGNED if req.handler_id else Status.SUBMITTED
        _event(req, by, "reopened", before, req.evaluation_comment)
        if req.handler_id:
            notify(req.handler_id, "repairs.reopened", link=_link(req), no=req.id)


def return_visit(req: RepairRequest, *, by, note: str, satisfied: bool | None) -> ReturnVisit:
    """回访 for a phone-filed request: staff record what the resident said."""
    if not (may_dispatch(by, req) or _is_handler(by, req)):
        raise WorkflowError(_l("您不能为这条诉求登记回访。"))
    if req.channel == "online":
        raise WorkflowError(_l("回访用于电话或来访登记的诉求；线上提交的由居民自己评价。"))
    if req.status not in (Status.RESOLVED, Status.CLOSED):
        raise WorkflowError(_l("处理完毕后才能回访。"))
    if not (note or "").strip():
        raise WorkflowError(_l("请填写回访情况。"), "note")
    visit = ReturnVisit(request_id=req.id, by_id=by.id, note=note.strip(), satisfied=satisfied)
    db.session.add(visit)
    _event(req, by, "return_visit", req.status, note.strip())
    return visit


# --- time: overdue escalation and auto-close ---------------------------------------------------------------

def sweep(now: datetime | None = None) -> dict[str, int]:
    """Escalate overdue open requests one level (notifying whoever now answers for them) and close
    requests resolved more than 7 days ago without an evaluation. Safe to run as often as wanted."""
    now = now or now_utc()
    escalated = closed = 0
    overdue = db.session.scalars(
        select(RepairRequest).where(RepairRequest.status.in_(Status.OPEN), RepairRequest.due_at < now,
                                    RepairRequest.overdue_flagged_at.is_(None))
    ).all()
    for req in overdue:
        before, level = req.status, responsible_level(req)
        req.overdue_flagged_at = now
        _event(req, None, "overdue", before, None)
        if level == Level.PROPERTY:  # the property manager hears of it even as it moves up
            _notify_people(_people_at_level(req, level, DISPATCH_ROLES[level]), req,
                           "repairs.overdue_escalated")
        if level < Level.STREET:
            req.escalation_level = level + 1
            _event(req, None, "escalated", before, None)
            escalated += 1
        _notify_dispatchers(req, "repairs.overdue")
    stale = db.session.scalars(
        select(RepairRequest).where(RepairRequest.status == Status.RESOLVED,
                                    RepairRequest.resolved_at < now - AUTO_CLOSE_AFTER)
    ).all()
    for req in stale:
        before = req.status
        req.status, req.closed_at, req.close_reason = Status.CLOSED, now, "not_evaluated"
        _event(req, None, "auto_closed", before, None)
        _tell_requester(req, "repairs.auto_closed")
        closed += 1
    return {"escalated": escalated, "overdue": len(overdue), "closed": closed}


def _tell_requester(req: RepairRequest, key: str) -> None:
    if req.requester_id:
        notify(req.requester_id, key, link=_link(req), no=req.id)


def _notify_dispatchers(req: RepairRequest, key: str) -> None:
    """Whoever dispatches at the request's current level."""
    level = responsible_level(req)
    _notify_people(_people_at_level(req, level, DISPATCH_ROLES[level]), req, key)


def _notify_people(query, req: RepairRequest, key: str) -> None:
    for user in set(db.session.scalars(query)):
        notify(user.id, key, link=_link(req), no=req.id)
