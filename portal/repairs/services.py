"""The 五单 workflow: filing, triage, dispatch, accept/return/transfer, work, evaluation, sweep.

Each step is declared once in STEPS: from which states, to which, who may ever take it (else the
view answers 403), and who may take it now, each with the message a refusal shows. The service
functions check a step through that table, the request page offers exactly the steps the table
allows now, and the state-machine tests read it. None of this touches `request`, so all of it is
tested without HTTP. A refused change raises RuleError and leaves the request as it was.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import force_locale
from sqlalchemy import literal_column, select

from portal.core.clock import now_utc
from portal.core.errors import Conflict, RuleError
from portal.core.permissions import rule
from portal.core.translations import lazy_gettext as _l
from portal.extensions import db
from portal.notifications.services import notify, settle
from portal.orgs.models import Compound
from portal.orgs.permissions import scope_of
from portal.repairs.models import (
    CATEGORIES,
    CHANNELS,
    URGENCIES,
    Channel,
    CloseReason,
    Kind,
    Level,
    RepairRequest,
    RequestEvent,
    ReturnVisit,
    ServiceLevel,
    Status,
)
from portal.repairs.notices import ACCEPT_NOW, DISPATCH_NOW, RATE_NOW
from portal.repairs.permissions import (
    dispatchers,
    handler_candidates,
    is_handler,
    is_requester,
    lives_in,
    may_dispatch,
    may_ever_dispatch,
    may_ever_handle,
    may_file_for_others,
    may_send_to_department,
    may_triage,
    responsible_level,
)

__all__ = ["Conflict", "RuleError", "STEPS", "handler_candidates", "is_requester", "may_dispatch", "may_triage",
           "now_utc", "responsible_level"]

DEFAULT_HOURS = {"emergency": 4, "urgent": 24, "normal": 72}
AUTO_CLOSE_AFTER = timedelta(days=7)
# The category suggests the kind; a property manager or community worker confirms it.
SUGGESTED_KIND = {
    "water_power": Kind.HOUSEHOLD, "heating": Kind.HOUSEHOLD, "sewer": Kind.HOUSEHOLD,
    "elevator": Kind.HOUSEHOLD, "access": Kind.HOUSEHOLD, "parking": Kind.COMMUNITY,
    "charging": Kind.COMMUNITY, "sanitation": Kind.HOUSEHOLD, "greening": Kind.HOUSEHOLD,
    "road": Kind.DEPARTMENT, "noise": Kind.COMMUNITY, "neighbour": Kind.COMMUNITY, "other": Kind.HOUSEHOLD,
}


# --- service levels ----------------------------------------------------------------------------------

def hours_for(category: str, urgency: str) -> int:
    configured = db.session.scalar(
        select(ServiceLevel.hours).where(ServiceLevel.category == category, ServiceLevel.urgency == urgency)
    )
    return configured or DEFAULT_HOURS[urgency]


# --- the steps, declared once ---------------------------------------------------------------------

Who = Callable[[object, RepairRequest], bool]
WRONG_STATE = _l("当前状态下不能进行这个操作。")
STALE = _l("这条诉求刚被其他人处理过，已为您显示最新状态。")
#: channels with a resident to call back (a patrol finding has none; online requesters rate it themselves)
RETURN_VISIT_CHANNELS = (Channel.PHONE, Channel.WALK_IN)


@dataclass(frozen=True)
class Step:
    """One step of the 五单 loop, as the service checks it, the page offers it and the view guards it."""

    name: str
    sources: tuple[str, ...]  #: states the step may be taken from
    targets: tuple[str, ...]  #: states it may lead to
    ever: Who  #: could this user ever take it on this request? No: the view answers 403
    now: tuple[tuple[Who, object], ...]  #: what must hold now, each with the message a refusal shows
    wrong_state: object = WRONG_STATE
    versioned: bool = True  #: the form must say which version of the request it acts on

    def allowed(self, user, req: RepairRequest) -> bool:
        """Offered now: the right state and every condition holds."""
        return req.status in self.sources and all(test(user, req) for test, _message in self.now)

    def check(self, user, req: RepairRequest, version: int | None) -> str:
        """Refuse with the first failing condition, a stale version or a wrong state; else the state before."""
        for test, message in self.now:
            if not test(user, req):
                raise RuleError(message)
        if version is not None and int(version) != req.version:
            raise Conflict(STALE)
        if req.status not in self.sources:
            raise RuleError(self.wrong_state)
        return req.status


def _is_department(user, req) -> bool:
    return req.kind == Kind.DEPARTMENT


def _may_record_visit(user, req) -> bool:
    return may_dispatch(user, req) or is_handler(user, req)


def _not_online(user, req) -> bool:
    return req.channel != Channel.ONLINE


def _has_someone_to_call(user, req) -> bool:
    return req.channel in RETURN_VISIT_CHANNELS


_ASSIGNED, _SUBMITTED, _IN_PROGRESS = (Status.ASSIGNED,), (Status.SUBMITTED,), (Status.IN_PROGRESS,)
#: in the order the request page offers them
STEPS: dict[str, Step] = {step.name: step for step in (
    Step("evaluate", (Status.RESOLVED,), (Status.CLOSED, Status.ASSIGNED, Status.SUBMITTED), is_requester,
         ((is_requester, _l("只有提出诉求的居民可以评价。")),)),
    Step("accept", _ASSIGNED, _IN_PROGRESS, may_ever_handle, ((is_handler, _l("只有被派单的处理人可以接单。")),)),
    Step("return_", _ASSIGNED, _SUBMITTED, may_ever_handle, ((is_handler, _l("只有被派单的处理人可以退单。")),)),
    Step("resolve", _IN_PROGRESS, (Status.RESOLVED,), may_ever_handle, ((is_handler, _l("只有处理人可以办结。")),)),
    Step("hold", _IN_PROGRESS, (Status.ON_HOLD,), may_ever_handle, ((is_handler, _l("只有处理人可以挂起。")),)),
    Step("resume", (Status.ON_HOLD,), _IN_PROGRESS, may_ever_handle, ((is_handler, _l("只有处理人可以恢复处理。")),)),
    Step("assign", Status.OPEN, _ASSIGNED, may_ever_dispatch,
         ((may_dispatch, _l("只有当前负责单位的派单人员可以派单。")),)),
    Step("department", Status.OPEN, Status.OPEN, may_send_to_department,
         ((_is_department, _l("只有“专事”需要转交部门。")), (may_dispatch, _l("您不能处理这条诉求。")))),
    Step("triage", (Status.SUBMITTED, Status.ASSIGNED), (Status.SUBMITTED, Status.ASSIGNED), may_triage,
         ((may_triage, _l("您不能确认这条诉求的类型。")),)),
    Step("return_visit", (Status.RESOLVED, Status.CLOSED), (Status.RESOLVED, Status.CLOSED), may_ever_handle,
         ((_may_record_visit, _l("您不能为这条诉求登记回访。")),
          (_not_online, _l("回访用于电话或来访登记的诉求；线上提交的由居民自己评价。")),
          (_has_someone_to_call, _l("巡查发现的诉求没有需要回访的居民。"))),
         wrong_state=_l("处理完毕后才能回访。"), versioned=False),
)}

for _step in STEPS.values():  # "may take it now" is the rule templates and views ask by name
    rule(f"repairs.{_step.name}")(_step.allowed)


def may_ever(step: str, user, req: RepairRequest) -> bool:
    return STEPS[step].ever(user, req)


def offered_steps(user, req: RepairRequest) -> list[str]:
    """The steps to offer `user` now, in the order a user would take them."""
    return [name for name, step in STEPS.items() if step.allowed(user, req)]


def _begin(step: str, req: RepairRequest, by, version: int | None = None) -> str:
    return STEPS[step].check(by, req, version)


# --- the timeline ------------------------------------------------------------------------------------

def _event(req: RepairRequest, actor, action: str, before: str | None, note: str | None = None) -> None:
    db.session.add(RequestEvent(request=req, actor_id=getattr(actor, "id", None), action=action,
                                from_status=before, to_status=req.status, note=note))


def _link(req: RepairRequest) -> str:
    return f"/repairs/{req.id}"


def _text(message) -> str:
    """Timeline notes are written in the portal's default language, whoever's action caused them."""
    from flask import current_app, has_app_context

    locale = current_app.config["BABEL_DEFAULT_LOCALE"] if has_app_context() else "zh_CN"
    with force_locale(locale):
        return str(message)


def _limit(value: str | None, length: int, field: str) -> str | None:
    """Trimmed text, refused with a field message when longer than its column allows."""
    value = (value or "").strip() or None
    if value is not None and len(value) > length:
        raise RuleError(_l("不能超过 %(n)s 个字。", n=length), field)
    return value


def _required(value: str | None, message, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise RuleError(message, field)
    return value


# --- 点单: filing --------------------------------------------------------------------------------------

def file_request(*, by, compound: Compound, category: str, description: str, urgency: str = "normal",
                 household=None, place: str | None = None, channel: str = Channel.ONLINE, requester=None,
                 contact_name: str | None = None, contact_phone: str | None = None) -> RepairRequest:
    """A resident files for their own household or a public area of their compound; staff file on a
    resident's behalf and say how the request came in."""
    scope = scope_of(by)
    on_behalf = may_file_for_others(by, compound.id)
    if not on_behalf and not lives_in(by, compound.id):
        raise RuleError(_l("您不能为这个小区提交诉求。"))
    if category not in CATEGORIES:
        raise RuleError(_l("请选择类别。"), "category")
    if urgency not in URGENCIES:
        raise RuleError(_l("请选择紧急程度。"), "urgency")
    if channel not in CHANNELS:
        raise RuleError(_l("请选择来源渠道。"), "channel")
    if household is not None:
        if household.building.compound_id != compound.id:
            raise RuleError(_l("房屋不属于这个小区。"), "household_id")
        if not on_behalf and household.id not in scope.household_ids:
            raise RuleError(_l("只能为自己家的房屋报修。"), "household_id")
    elif not (place or "").strip():
        raise RuleError(_l("请填写公共区域的位置。"), "place")
    if not (description or "").strip():
        raise RuleError(_l("请描述遇到的问题。"), "description")
    description = _limit(description, 1000, "description")
    place = _limit(place, 100, "place")
    contact_name = _limit(contact_name, 64, "contact_name")
    contact_phone = _limit(contact_phone, 20, "contact_phone")
    if not on_behalf:
        channel, requester = Channel.ONLINE, by
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
    _notify_dispatchers(req, "repairs.filed", **_about(req, with_no=False))
    return req


# --- triage ----------------------------------------------------------------------------------------------

def triage(req: RepairRequest, *, by, kind: str, reason: str | None = None, version: int | None = None) -> None:
    """Confirm or change the kind (个事/社事/专事/难事); a change needs a reason and sends the request
    back to the dispatcher now responsible."""
    before = _begin("triage", req, by, version)
    if kind not in Kind.ALL:
        raise RuleError(_l("请选择诉求类型。"), "kind")
    reason = (reason or "").strip()
    if kind != req.kind and not reason:
        raise RuleError(_l("更改类型时请说明理由。"), "reason")
    old_kind = req.kind
    moves = responsible_level(req, kind) != responsible_level(req)  # another body dispatches it now
    if kind != old_kind and req.handler_id is not None:
        _settle(req, ACCEPT_NOW, req.handler_id)
    if moves:
        _settle(req, DISPATCH_NOW)
    req.kind, req.kind_confirmed = kind, True
    if kind != old_kind and req.handler_id is not None:
        req.handler_id, req.status = None, Status.SUBMITTED
    if moves:
        _notify_dispatchers(req, "repairs.reclassified", kind=kind)
    from portal.repairs.labels import KIND_LABELS

    change = _text(KIND_LABELS[kind]) if kind == old_kind else f"{_text(KIND_LABELS[old_kind])} → {_text(KIND_LABELS[kind])}"
    _event(req, by, "triaged", before, change + (f"：{reason}" if reason else ""))


def record_department(req: RepairRequest, *, by, department: str, reply: str | None = None,
                      version: int | None = None) -> None:
    """专事: note the department it went to, and its reply when it comes."""
    _begin("department", req, by, version)
    department = _limit(_required(department, _l("请填写部门名称。"), "department"), 100, "department")
    reply = (reply or "").strip() or None
    req.department = department
    if reply:
        req.department_reply = reply
    _event(req, by, "department", req.status, department + (f"：{reply}" if reply else ""))


# --- 派单 / 接单 --------------------------------------------------------------------------------------------

def assign(req: RepairRequest, *, by, handler, version: int | None = None, note: str | None = None) -> None:
    """Dispatch to a handler (派单), or hand it to another (转单)."""
    before = _begin("assign", req, by, version)
    if handler is None or handler.id not in {u.id for u in handler_candidates(req)}:
        raise RuleError(_l("请选择负责单位的处理人。"), "handler_id")
    action = "assigned" if before == Status.SUBMITTED else "transferred"
    _settle(req, DISPATCH_NOW)
    if req.handler_id is not None:
        _settle(req, ACCEPT_NOW, req.handler_id)
    req.handler_id, req.status, req.accepted_at, req.hold_reason = handler.id, Status.ASSIGNED, None, None
    _event(req, by, action, before, note)
    notify(handler.id, "repairs.assigned", link=_link(req), **_about(req))


def accept(req: RepairRequest, *, by, version: int | None = None) -> None:
    """接单: only the assigned handler."""
    before = _begin("accept", req, by, version)
    _settle(req, ACCEPT_NOW, by.id)
    req.status, req.accepted_at = Status.IN_PROGRESS, now_utc()
    _event(req, by, "accepted", before)
    _tell_requester(req, "repairs.accepted")


def return_request(req: RepairRequest, *, by, reason: str, version: int | None = None) -> None:
    """退单: the handler gives it back, with a reason, to be dispatched again."""
    before = _begin("return_", req, by, version)
    reason = _required(reason, _l("退单时请说明理由。"), "reason")
    _settle(req, ACCEPT_NOW, by.id)
    req.status, req.handler_id = Status.SUBMITTED, None
    _event(req, by, "returned", before, reason)
    _notify_dispatchers(req, "repairs.returned", summary=summary(reason))


# --- work --------------------------------------------------------------------------------------------------

def hold(req: RepairRequest, *, by, reason: str, version: int | None = None) -> None:
    before = _begin("hold", req, by, version)
    reason = _required(reason, _l("挂起时请说明原因（如等待配件、需入户）。"), "reason")
    req.status, req.hold_reason = Status.ON_HOLD, _limit(reason, 200, "reason")
    _event(req, by, "held", before, req.hold_reason)


def resume(req: RepairRequest, *, by, version: int | None = None) -> None:
    before = _begin("resume", req, by, version)
    req.status, req.hold_reason = Status.IN_PROGRESS, None
    _event(req, by, "resumed", before)


def resolve(req: RepairRequest, *, by, note: str, version: int | None = None) -> None:
    """办结: the handler says what was done (photos are attached by the caller)."""
    before = _begin("resolve", req, by, version)
    note = _required(note, _l("请填写处理结果。"), "note")
    req.status, req.result_note, req.resolved_at = Status.RESOLVED, note, now_utc()
    _event(req, by, "resolved", before, req.result_note)
    _tell_requester(req, "repairs.resolved")


# --- 评单 ----------------------------------------------------------------------------------------------------

def evaluate(req: RepairRequest, *, by, satisfied: bool, rating: int | None = None, speed: int | None = None,
             attitude: int | None = None, comment: str | None = None, version: int | None = None) -> None:
    """The requester says satisfied or not (one tap); stars (1–5) and a comment are optional, but not
    satisfied needs a reason. Satisfied closes it; not satisfied reopens it to the same handler, and a
    second reopening escalates one level."""
    before = _begin("evaluate", req, by, version)
    for value, field in ((rating, "rating"), (speed, "speed_rating"), (attitude, "attitude_rating")):
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5):
            raise RuleError(_l("评分须在 1 到 5 之间。"), field)
    comment = (comment or "").strip() or None
    if not satisfied and not comment:
        raise RuleError(_l("不满意时请写下原因，便于继续处理。"), "comment")
    _settle(req, RATE_NOW)
    req.rating, req.speed_rating, req.attitude_rating = rating, speed, attitude
    req.satisfied, req.evaluation_comment, req.evaluated_at = satisfied, comment, now_utc()
    if satisfied:
        req.status, req.closed_at, req.close_reason = Status.CLOSED, now_utc(), CloseReason.EVALUATED
        _event(req, by, "evaluated", before, comment)
        _tell_requester(req, "repairs.closed")
        return
    _reopen(req, by, before)


def _reopen(req: RepairRequest, by, before: str) -> None:
    """Not satisfied: a fresh deadline with the same handler; the second time, one level up."""
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
        _notify_dispatchers(req, "repairs.escalated_unsatisfied", **_about(req, with_no=False))
        return
    req.status = Status.ASSIGNED if req.handler_id else Status.SUBMITTED
    _event(req, by, "reopened", before, req.evaluation_comment)
    if req.handler_id:
        notify(req.handler_id, "repairs.reopened", link=_link(req), **_about(req))


def return_visit(req: RepairRequest, *, by, note: str, satisfied: bool | None) -> ReturnVisit:
    """回访 for a request filed by phone or at the counter: staff record what the resident said."""
    _begin("return_visit", req, by)
    note = _required(note, _l("请填写回访情况。"), "note")
    visit = ReturnVisit(request_id=req.id, by_id=by.id, note=note, satisfied=satisfied)
    db.session.add(visit)
    _event(req, by, "return_visit", req.status, note)
    return visit


# --- news from other modules (a joint meeting's agenda and resolutions) ----------------------------------

def note_from_elsewhere(req: RepairRequest, *, by, action: str, note: str, resolve: bool = False) -> None:
    """Write what another module decided about this request on its timeline (`action`: "agenda" when it
    is put on a meeting's agenda, "outcome" when a resolution about it is done). With `resolve`, a request
    still open is resolved with `note` as its result, and the requester is asked to rate it as after any
    resolution. Other modules call this instead of writing the repairs tables."""
    if action not in ("agenda", "outcome"):
        raise ValueError(f"unknown timeline action {action!r}")
    note = _required(note, _l("请填写处理结果。"), "note")
    before = req.status
    if resolve and req.status in Status.OPEN:
        _settle(req, DISPATCH_NOW)
        if req.handler_id is not None:
            _settle(req, ACCEPT_NOW, req.handler_id)
        req.status, req.result_note, req.resolved_at = Status.RESOLVED, note, now_utc()
        _event(req, by, action, before, note)
        _tell_requester(req, "repairs.resolved")
        return
    _event(req, by, action, before, note)


# --- time: overdue escalation and auto-close ---------------------------------------------------------------

def sweep(now: datetime | None = None) -> dict[str, int]:
    """Escalate overdue open requests one level (notifying whoever now answers for them) and close
    requests resolved more than 7 days ago without an evaluation. Safe to run as often as wanted."""
    now = now or now_utc()
    escalated = closed = 0
    overdue = db.session.scalars(
        select(RepairRequest).where(RepairRequest.status != literal_column("'closed'"),  # the partial index of open work
                                    RepairRequest.is_overdue(now), RepairRequest.overdue_flagged_at.is_(None))
    ).all()
    for req in overdue:
        before, level = req.status, responsible_level(req)
        req.overdue_flagged_at = now
        _event(req, None, "overdue", before, None)
        if level == Level.PROPERTY:  # the property manager hears of it even as it moves up
            _notify_people(dispatchers(req), req, "repairs.overdue_escalated", **_about(req, with_no=False))
        if level < Level.STREET:
            req.escalation_level = level + 1
            _event(req, None, "escalated", before, None)
            escalated += 1
        _notify_dispatchers(req, "repairs.overdue", **_about(req, with_no=False))
    stale = db.session.scalars(
        select(RepairRequest).where(RepairRequest.status == Status.RESOLVED,
                                    RepairRequest.resolved_at < now - AUTO_CLOSE_AFTER)
    ).all()
    for req in stale:
        before = req.status
        req.status, req.closed_at, req.close_reason = Status.CLOSED, now, CloseReason.NOT_EVALUATED
        _event(req, None, "auto_closed", before, None)
        _tell_requester(req, "repairs.auto_closed")
        closed += 1
    return {"escalated": escalated, "overdue": len(overdue), "closed": closed}


def _tell_requester(req: RepairRequest, key: str) -> None:
    if req.requester_id:
        notify(req.requester_id, key, link=_link(req), no=req.id, category=req.category)


def _about(req: RepairRequest, *, with_no: bool = True) -> dict:
    """What a notice names a request by: its number, its category and a few words of where and what
    (read without flushing the change being made: two people acting at once still meet at its commit)."""
    with db.session.no_autoflush:
        about = {"category": req.category, "summary": summary(f"{_where(req)} {req.description}")}
    return {"no": req.id, **about} if with_no else about


def _notify_dispatchers(req: RepairRequest, key: str, **params) -> None:
    """Whoever dispatches at the request's current level."""
    _notify_people(dispatchers(req), req, key, **params)


def _notify_people(query, req: RepairRequest, key: str, **params) -> None:
    with db.session.no_autoflush:  # who is told does not depend on the change being made
        people = set(db.session.scalars(query))
    for user in people:
        notify(user.id, key, link=_link(req), no=req.id, **params)


def _settle(req: RepairRequest, keys, user_id: int | None = None) -> None:
    """The notices asking for a step just taken are no longer to-dos."""
    settle(_link(req), keys, user_id)


LONG_NUMBER = re.compile(r"\d{7,}")


def summary(text: str | None, length: int = 24) -> str:
    """A few words of what a person typed, for a notification: long numbers (a phone, an id card) masked."""
    text = LONG_NUMBER.sub("****", " ".join((text or "").split()))
    return text if len(text) <= length else text[:length] + "…"


def _where(req: RepairRequest) -> str:
    """The place without the room: a public area as typed, a home as its building."""
    if req.household_id is None:
        return req.place or ""
    return req.household.building.name
