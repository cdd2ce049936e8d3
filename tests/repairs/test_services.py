"""The 五单 state machine in portal/repairs/services.py, without HTTP: every legal transition with its
timeline entry and notifications, every illegal one refused with the request left as it was."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.core.clock import aware
from portal.extensions import db
from portal.orgs.models import OrgKind, Role
from portal.repairs import services
from portal.repairs.models import Kind, Level, RepairRequest, ReturnVisit, ServiceLevel, Status
from portal.repairs.services import Conflict
from portal.repairs.services import RuleError as WorkflowError
from tests.conftest import make_compound, make_contract, make_org, make_user
from tests.repairs.conftest import inbox, make_request, snapshot, timeline, unread

S = Status


# --- steps: one service call each, by the person who may make it ------------------------------------

def _assign(w, r):
    services.assign(r, by=w["manager"], handler=w["staff"])


def _transfer(w, r):
    services.assign(r, by=w["manager"], handler=w["staff2"], note="换人处理")


def _accept(w, r):
    services.accept(r, by=w["staff"])


def _return(w, r):
    services.return_request(r, by=w["staff"], reason="不是我负责的楼栋")


def _hold(w, r):
    services.hold(r, by=w["staff"], reason="等待配件")


def _resume(w, r):
    services.resume(r, by=w["staff"])


def _resolve(w, r):
    services.resolve(r, by=w["staff"], note="更换了水管接头")


def _satisfied(w, r):
    services.evaluate(r, by=w["resident"], rating=5, speed=4, attitude=5, satisfied=True, comment="很及时")


def _unsatisfied(w, r):
    services.evaluate(r, by=w["resident"], rating=2, speed=3, attitude=4, satisfied=False, comment="还在滴水")


def _confirm(w, r):
    services.triage(r, by=w["manager"], kind=r.kind)


def _change_kind(w, r):
    services.triage(r, by=w["worker"], kind=Kind.COMMUNITY, reason="涉及整栋楼的公共管道")


PATH = {
    S.SUBMITTED: [],
    S.ASSIGNED: [_assign],
    S.IN_PROGRESS: [_assign, _accept],
    S.ON_HOLD: [_assign, _accept, _hold],
    S.RESOLVED: [_assign, _accept, _resolve],
    S.CLOSED: [_assign, _accept, _resolve, _satisfied],
}


def bring(w, req, status):
    """Walk a fresh request to `status` through the legal steps, committing each."""
    for step in PATH[status]:
        step(w, req)
        db.session.commit()
    assert req.status == status
    return req


@pytest.fixture
def w(repair_world):
    return repair_world


# --- every legal transition -----------------------------------------------------------------------

def _check_assigned(w, r):
    assert r.handler_id == w["staff"].id
    assert inbox(w["staff"])[-1] == f"您有一条新派单：{r.id}（水电）1号楼 厨房水管漏水"


def _check_changed_kind(w, r):
    assert (r.kind, r.kind_confirmed, r.handler_id) == (Kind.COMMUNITY, True, None)
    assert services.responsible_level(r) == Level.COMMUNITY


def _check_transferred(w, r):
    assert (r.handler_id, r.accepted_at) == (w["staff2"].id, None)
    assert inbox(w["staff2"]) == [f"您有一条新派单：{r.id}（水电）1号楼 厨房水管漏水"]


def _check_reopened(w, r):
    assert (r.handler_id, r.reopen_count, r.escalation_level, r.satisfied) == (w["staff"].id, 1, 0, False)
    assert r.resolved_at is None and r.evaluation_comment == "还在滴水"
    assert inbox(w["staff"])[-1] == f"诉求 {r.id}（水电）居民不满意，已退回重办：1号楼 厨房水管漏水"


LEGAL = [
    # id, from, step, to, timeline action, actor, extra check
    ("triage-confirm", S.SUBMITTED, _confirm, S.SUBMITTED, "triaged", "manager",
     lambda w, r: (r.kind, r.kind_confirmed) == (Kind.HOUSEHOLD, True)),
    ("triage-confirm-assigned", S.ASSIGNED, _confirm, S.ASSIGNED, "triaged", "manager",
     lambda w, r: r.handler_id == w["staff"].id),
    ("triage-change-kind", S.SUBMITTED, _change_kind, S.SUBMITTED, "triaged", "worker", _check_changed_kind),
    ("triage-change-kind-assigned", S.ASSIGNED, _change_kind, S.SUBMITTED, "triaged", "worker",
     _check_changed_kind),
    ("assign", S.SUBMITTED, _assign, S.ASSIGNED, "assigned", "manager", _check_assigned),
    ("accept", S.ASSIGNED, _accept, S.IN_PROGRESS, "accepted", "staff",
     lambda w, r: r.accepted_at is not None and inbox(w["resident"]) == [f"您的水电诉求 {r.id} 已受理，正在处理。"]),
    ("return", S.ASSIGNED, _return, S.SUBMITTED, "returned", "staff", lambda w, r: r.handler_id is None),
    ("transfer-assigned", S.ASSIGNED, _transfer, S.ASSIGNED, "transferred", "manager", _check_transferred),
    ("transfer-in-progress", S.IN_PROGRESS, _transfer, S.ASSIGNED, "transferred", "manager", _check_transferred),
    ("transfer-on-hold", S.ON_HOLD, _transfer, S.ASSIGNED, "transferred", "manager", _check_transferred),
    ("hold", S.IN_PROGRESS, _hold, S.ON_HOLD, "held", "staff", lambda w, r: r.hold_reason == "等待配件"),
    ("resume", S.ON_HOLD, _resume, S.IN_PROGRESS, "resumed", "staff", lambda w, r: r.hold_reason is None),
    ("resolve", S.IN_PROGRESS, _resolve, S.RESOLVED, "resolved", "staff",
     lambda w, r: r.result_note == "更换了水管接头" and r.resolved_at is not None
     and inbox(w["resident"])[-1] == f"您的水电诉求 {r.id} 已处理完毕，请评价。"),
    ("evaluate-satisfied", S.RESOLVED, _satisfied, S.CLOSED, "evaluated", "resident",
     lambda w, r: (r.rating, r.speed_rating, r.attitude_rating, r.satisfied, r.close_reason) == (5, 4, 5, True, "evaluated")
     and r.closed_at is not None and inbox(w["resident"])[-1] == f"您的水电诉求 {r.id} 已关闭，感谢评价。"),
    ("evaluate-unsatisfied", S.RESOLVED, _unsatisfied, S.ASSIGNED, "reopened", "resident", _check_reopened),
]


@pytest.mark.parametrize(("start", "step", "end", "action", "actor", "check"),
                         [row[1:] for row in LEGAL], ids=[row[0] for row in LEGAL])
def test_legal_transition(w, start, step, end, action, actor, check):
    req = bring(w, make_request(w), start)
    version, events = req.version, len(timeline(req))

    step(w, req)
    db.session.commit()

    assert req.status == end
    assert req.version > version  # evaluate() may flush twice (it queries the service level midway)
    assert len(timeline(req)) == events + 1
    assert timeline(req)[-1] == (action, start, end, w[actor].id)
    assert check(w, req) is not False


def test_the_whole_loop_leaves_a_complete_timeline_and_tells_the_right_people(w):
    req = make_request(w)
    for step in (_confirm, _assign, _accept, _hold, _resume, _resolve, _satisfied):
        step(w, req)
        db.session.commit()

    manager, staff, resident = (w[k].id for k in ("manager", "staff", "resident"))
    assert timeline(req) == [
        ("filed", None, S.SUBMITTED, resident),
        ("triaged", S.SUBMITTED, S.SUBMITTED, manager),
        ("assigned", S.SUBMITTED, S.ASSIGNED, manager),
        ("accepted", S.ASSIGNED, S.IN_PROGRESS, staff),
        ("held", S.IN_PROGRESS, S.ON_HOLD, staff),
        ("resumed", S.ON_HOLD, S.IN_PROGRESS, staff),
        ("resolved", S.IN_PROGRESS, S.RESOLVED, staff),
        ("evaluated", S.RESOLVED, S.CLOSED, resident),
    ]
    assert req.events[3].at is not None
    # The dispatcher at filing; the requester at accept, resolve and close; the handler at assign; nobody else.
    assert inbox(w["resident"]) == [f"您的水电诉求 {req.id} 已受理，正在处理。", f"您的水电诉求 {req.id} 已处理完毕，请评价。",
                                    f"您的水电诉求 {req.id} 已关闭，感谢评价。"]
    assert inbox(w["staff"]) == [f"您有一条新派单：{req.id}（水电）1号楼 厨房水管漏水"]
    assert inbox(w["manager"]) == [f"新诉求 {req.id}（水电）：1号楼 厨房水管漏水，请派单。"]
    assert inbox(w["worker"]) == inbox(w["secretary"]) == []  # a household matter: the property company's
    # Each "please act" reads as done once acted on; what is left unread is news, not a to-do.
    assert unread(w["manager"]) == unread(w["staff"]) == []
    assert unread(w["resident"]) == [f"您的水电诉求 {req.id} 已受理，正在处理。", f"您的水电诉求 {req.id} 已关闭，感谢评价。"]
    # Notifications carry no personal data.
    household = w["household"]
    for title in inbox(w["resident"]) + inbox(w["staff"]):
        assert household.owner_phone not in title and w["resident"].phone not in title
        assert w["resident"].name not in title


def test_unsatisfied_twice_escalates_to_the_next_level_without_a_handler(w):
    req = bring(w, make_request(w), S.RESOLVED)
    _unsatisfied(w, req)
    db.session.commit()
    assert (req.status, req.handler_id, req.reopen_count, req.escalation_level) == (S.ASSIGNED, w["staff"].id, 1, 0)
    for step in (_accept, _resolve, _unsatisfied):
        step(w, req)
        db.session.commit()

    assert (req.status, req.handler_id, req.reopen_count) == (S.SUBMITTED, None, 2)
    assert req.escalation_level == Level.COMMUNITY
    assert services.responsible_level(req) == Level.COMMUNITY
    assert timeline(req)[-2:] == [("reopened", S.RESOLVED, S.SUBMITTED, w["resident"].id),
                                  ("escalated", S.SUBMITTED, S.SUBMITTED, None)]
    # The community now dispatches; the property manager no longer may.
    assert services.may_dispatch(w["worker"], req) and not services.may_dispatch(w["manager"], req)
    escalated = f"诉求 {req.id}（水电）两次评价不满意，已升级由您处理：1号楼 厨房水管漏水"
    assert inbox(w["worker"]) == [escalated] and inbox(w["secretary"]) == [escalated]
    assert req.due_at is not None and aware(req.due_at) > services.now_utc()


def test_unsatisfied_twice_at_the_street_stays_at_the_street(w):
    req = make_request(w)
    services.triage(req, by=w["street_admin"], kind=Kind.HARD, reason="需要街道协调")
    db.session.commit()
    admin = w["street_admin"]
    services.assign(req, by=admin, handler=admin)
    db.session.commit()
    for _ in range(2):
        services.accept(req, by=admin)
        services.resolve(req, by=admin, note="已协调")
        _unsatisfied(w, req)
        db.session.commit()
    # Nowhere higher to go: it goes back to the same handler.
    assert (req.reopen_count, req.status, req.handler_id) == (2, S.ASSIGNED, admin.id)
    assert services.responsible_level(req) == Level.STREET and req.escalation_level <= Level.STREET


def test_unsatisfied_twice_without_a_property_company_escalates_to_the_street(w):
    worker, compound = w["worker"], w["other_compound"]
    household = compound.buildings[0].households[0]
    member = make_user("锦绣居民", household=household, street=w["street"])
    req = make_request(w, by=member, compound=compound, household=household)
    assert services.responsible_level(req) == Level.COMMUNITY
    services.assign(req, by=worker, handler=worker)
    for comment in ("没修好", "还是没修好"):
        services.accept(req, by=worker)
        services.resolve(req, by=worker, note="已处理")
        services.evaluate(req, by=member, rating=1, speed=1, attitude=1, satisfied=False, comment=comment)
        db.session.commit()
    assert req.reopen_count == 2
    assert services.responsible_level(req) == Level.STREET


def test_department_matter_records_the_department_and_its_reply(w):
    req = make_request(w, category="road", household=None, place="北门外人行道")
    assert req.kind == Kind.DEPARTMENT
    assert services.responsible_level(req) == Level.COMMUNITY
    with pytest.raises(WorkflowError):
        services.record_department(req, by=w["manager"], department="区市政局")

    services.record_department(req, by=w["worker"], department=" 区市政局 ")
    db.session.commit()
    assert (req.department, req.department_reply, req.status) == ("区市政局", None, S.SUBMITTED)
    services.record_department(req, by=w["worker"], department="区市政局", reply="已列入本月修补计划",
                               version=req.version)
    db.session.commit()
    assert req.department_reply == "已列入本月修补计划"
    assert timeline(req)[-2:] == [("department", S.SUBMITTED, S.SUBMITTED, w["worker"].id)] * 2
    assert req.events[-1].note == "区市政局：已列入本月修补计划"


@pytest.mark.parametrize(("kind", "department", "field"), [
    pytest.param(Kind.DEPARTMENT, "  ", "department", id="blank-department"),
    pytest.param(Kind.HOUSEHOLD, "区市政局", None, id="not-a-department-matter"),
])
def test_record_department_refused(w, kind, department, field):
    category = "road" if kind == Kind.DEPARTMENT else "water_power"
    req = make_request(w, category=category)
    before = snapshot(req)
    with pytest.raises(WorkflowError) as refused:
        services.record_department(req, by=w["worker"], department=department)
    assert refused.value.field == field
    assert_unchanged(req, before)


def test_return_visit_after_a_phone_request_is_resolved(w):
    manager = w["manager"]
    req = make_request(w, by=w["staff2"], channel="phone", contact_name="王先生")
    assert (req.channel, req.requester_id, req.filed_by_id) == ("phone", None, w["staff2"].id)
    with pytest.raises(WorkflowError):
        services.return_visit(req, by=manager, note="太早了", satisfied=True)
    bring(w, req, S.RESOLVED)
    with pytest.raises(WorkflowError):
        services.return_visit(req, by=w["resident"], note="居民自己不能回访", satisfied=True)
    with pytest.raises(WorkflowError) as blank:
        services.return_visit(req, by=manager, note=" ", satisfied=True)
    assert blank.value.field == "note"

    visit = services.return_visit(req, by=manager, note="电话回访，居民表示满意", satisfied=True)
    db.session.commit()
    assert (visit.request_id, visit.by_id, visit.satisfied) == (req.id, manager.id, True)
    assert timeline(req)[-1] == ("return_visit", S.RESOLVED, S.RESOLVED, manager.id)
    assert req.status == S.RESOLVED
    # The handler may record one too, also once closed.
    _satisfied(w, req)  # a household member evaluates a phone-filed request
    services.return_visit(req, by=w["staff"], note="二次回访", satisfied=None)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(ReturnVisit)) == 2


# --- filing, service levels, responsibility --------------------------------------------------------

def test_resident_files_for_own_household_and_a_public_area(w):
    resident = w["resident"]
    req = make_request(w, channel="phone", requester=w["manager"])  # a resident cannot claim another channel
    assert (req.status, req.kind, req.kind_confirmed, req.escalation_level) == (S.SUBMITTED, Kind.HOUSEHOLD, False, 0)
    assert (req.channel, req.requester_id, req.filed_by_id, req.handler_id) == ("online", resident.id, resident.id, None)
    assert timeline(req) == [("filed", None, S.SUBMITTED, resident.id)]

    public = make_request(w, household=None, place=" 3号楼电梯 ", category="elevator", description=" 电梯异响 ")
    assert (public.household_id, public.place, public.description) == (None, "3号楼电梯", "电梯异响")
    noise = make_request(w, category="noise")
    assert noise.kind == Kind.COMMUNITY


@pytest.mark.parametrize("who", ["staff", "grid", "worker", "manager", "street_admin"])
def test_staff_file_on_a_residents_behalf(w, who):
    req = make_request(w, by=w[who], channel="phone", contact_name="王小明", contact_phone="13900000000")
    assert (req.channel, req.filed_by_id, req.requester_id, req.contact_name) == ("phone", w[who].id, None, "王小明")
    # The household's members count as the requester.
    assert services.is_requester(w["resident"], req)
    assert not services.is_requester(w["neighbour"], req)


@pytest.mark.parametrize(("urgency", "hours"), [("emergency", 4), ("urgent", 24), ("normal", 72)])
def test_due_time_follows_urgency(w, urgency, hours):
    before = services.now_utc()
    req = make_request(w, urgency=urgency)
    due = aware(req.due_at)
    assert before + timedelta(hours=hours) <= due <= services.now_utc() + timedelta(hours=hours)


def test_a_service_level_row_overrides_the_default(w):
    db.session.add(ServiceLevel(category="water_power", urgency="urgent", hours=2))
    db.session.commit()
    before = services.now_utc()
    configured = make_request(w, urgency="urgent")
    other_category = make_request(w, urgency="urgent", category="heating")
    other_urgency = make_request(w, urgency="normal")
    assert aware(configured.due_at) - before < timedelta(hours=2, minutes=1)
    assert aware(other_category.due_at) - before > timedelta(hours=23)
    assert aware(other_urgency.due_at) - before > timedelta(hours=71)


def test_without_a_current_contract_the_community_is_responsible(w):
    compound = w["other_compound"]  # same community, no property contract
    req = make_request(w, by=w["worker"], compound=compound, household=compound.buildings[0].households[0],
                       channel="walk_in")
    assert req.kind == Kind.HOUSEHOLD
    assert services.responsible_level(req) == Level.COMMUNITY
    assert services.may_dispatch(w["worker"], req) and services.may_dispatch(w["secretary"], req)
    assert not services.may_dispatch(w["manager"], req)
    candidates = {u.id for u in services.handler_candidates(req)}
    assert {w["worker"].id, w["grid"].id, w["secretary"].id} <= candidates
    assert not candidates & {w["staff"].id, w["manager"].id, w["street_admin"].id}

    # An expired contract is no contract either.
    expired = make_compound(w["community"], "旧合同小区")
    make_contract(expired, w["company"], expired=True)
    db.session.commit()
    old = make_request(w, by=w["worker"], compound=expired, household=expired.buildings[0].households[0])
    assert services.responsible_level(old) == Level.COMMUNITY


def test_with_a_contract_the_property_company_is_responsible(w):
    req = make_request(w)
    assert services.responsible_level(req) == Level.PROPERTY
    assert services.may_dispatch(w["manager"], req)
    assert not any(services.may_dispatch(w[k], req) for k in ("staff", "worker", "resident", "owners"))
    assert {u.id for u in services.handler_candidates(req)} == {w["staff"].id, w["staff2"].id, w["manager"].id}
    assert services.may_triage(w["manager"], req) and services.may_triage(w["worker"], req)
    assert not any(services.may_triage(w[k], req) for k in ("staff", "resident", "owners"))


def test_street_level_candidates_are_street_administrators(w):
    req = make_request(w)
    services.triage(req, by=w["worker"], kind=Kind.HARD, reason="需要街道协调")
    db.session.commit()
    assert services.responsible_level(req) == Level.STREET
    assert [u.id for u in services.handler_candidates(req)] == [w["street_admin"].id]
    assert services.may_dispatch(w["street_admin"], req) and not services.may_dispatch(w["worker"], req)


# --- the sweep: overdue escalation and auto-close ---------------------------------------------------

def test_sweep_escalates_an_overdue_request_one_level_and_tells_the_dispatchers(w):
    req = bring(w, make_request(w), S.ASSIGNED)
    on_time = make_request(w)
    req.due_at = services.now_utc() - timedelta(minutes=5)
    db.session.commit()

    assert services.sweep() == {"escalated": 1, "overdue": 1, "closed": 0}
    db.session.commit()
    assert req.escalation_level == Level.COMMUNITY and req.overdue_flagged_at is not None
    assert req.status == S.ASSIGNED  # escalation changes who answers for it, not its state
    assert timeline(req)[-2:] == [("overdue", S.ASSIGNED, S.ASSIGNED, None), ("escalated", S.ASSIGNED, S.ASSIGNED, None)]
    message = f"诉求 {req.id}（水电）已超时，请尽快处理：1号楼 厨房水管漏水"
    assert inbox(w["worker"]) == [message] and inbox(w["secretary"]) == [message]
    assert inbox(w["grid"]) == [] and inbox(w["resident"]) == []
    assert (on_time.escalation_level, on_time.overdue_flagged_at) == (0, None)

    # Running it again changes nothing.
    assert services.sweep() == {"escalated": 0, "overdue": 0, "closed": 0}
    db.session.commit()
    assert req.escalation_level == Level.COMMUNITY and len(inbox(w["worker"])) == 1


def test_sweep_never_escalates_past_the_street(w):
    req = make_request(w)
    services.triage(req, by=w["worker"], kind=Kind.HARD, reason="需要街道协调")
    req.due_at = services.now_utc() - timedelta(hours=1)
    db.session.commit()
    assert services.sweep() == {"escalated": 0, "overdue": 1, "closed": 0}
    db.session.commit()
    assert req.escalation_level == 0 and services.responsible_level(req) == Level.STREET
    assert inbox(w["street_admin"]) == [f"诉求 {req.id} 已确认为难事（街道会商），请您派单。", f"诉求 {req.id}（水电）已超时，请尽快处理：1号楼 厨房水管漏水"]


def test_sweep_tells_the_property_manager_when_their_request_is_overdue(w):
    req = make_request(w)
    req.due_at = services.now_utc() - timedelta(minutes=5)
    db.session.commit()
    services.sweep()
    db.session.commit()
    assert inbox(w["manager"])[1:] == [f"诉求 {req.id}（水电）已超时，已升级至社区督办：1号楼 厨房水管漏水"]  # after the new-request notice


def test_a_reopened_request_that_runs_late_again_is_escalated(w):
    req = bring(w, make_request(w), S.IN_PROGRESS)
    req.due_at = services.now_utc() - timedelta(minutes=5)
    db.session.commit()
    services.sweep()
    db.session.commit()
    assert req.escalation_level == Level.COMMUNITY
    worker = w["worker"]
    services.assign(req, by=worker, handler=worker)
    services.accept(req, by=worker)
    services.resolve(req, by=worker, note="已处理")
    _unsatisfied(w, req)
    db.session.commit()
    req.due_at = services.now_utc() - timedelta(minutes=5)
    db.session.commit()
    assert services.sweep()["overdue"] == 1


def test_sweep_closes_requests_resolved_more_than_seven_days_ago(w):
    stale = bring(w, make_request(w), S.RESOLVED)
    recent = bring(w, make_request(w), S.RESOLVED)
    now = services.now_utc()
    stale.resolved_at = now - timedelta(days=7, hours=1)
    recent.resolved_at = now - timedelta(days=6, hours=23)
    db.session.commit()
    notes = len(inbox(w["resident"]))

    assert services.sweep(now) == {"escalated": 0, "overdue": 0, "closed": 1}
    db.session.commit()
    assert (stale.status, stale.close_reason, stale.rating) == (S.CLOSED, "not_evaluated", None)
    assert stale.closed_at is not None
    assert timeline(stale)[-1] == ("auto_closed", S.RESOLVED, S.CLOSED, None)
    assert inbox(w["resident"])[notes:] == [f"您的水电诉求 {stale.id} 7天未评价，已自动关闭。"]
    assert recent.status == S.RESOLVED
    with pytest.raises(WorkflowError):
        _satisfied(w, stale)


# --- every illegal transition: refused, the request unchanged ------------------------------------

def assert_unchanged(req, before):
    assert snapshot(req) == before
    db.session.commit()
    db.session.expire_all()
    assert snapshot(req) == before


def _evaluate(by="resident", satisfied=True, comment="好", rating=5, speed=5, attitude=5):
    return lambda w, r: services.evaluate(r, by=w[by], rating=rating, speed=speed, attitude=attitude,
                                          satisfied=satisfied, comment=comment)


def _assign_to(handler, by="manager"):
    return lambda w, r: services.assign(r, by=w[by], handler=w[handler] if handler else None)


def _triage(by, kind=Kind.HOUSEHOLD, reason=None):
    return lambda w, r: services.triage(r, by=w[by], kind=kind, reason=reason)


def _handler_step(fn, by="staff", **kwargs):
    return lambda w, r: fn(r, by=w[by], **kwargs)


ACTIONS_ON_CLOSED = {
    "assign": _assign, "transfer": _transfer, "accept": _accept, "return": _return, "hold": _hold,
    "resume": _resume, "resolve": _resolve, "evaluate-satisfied": _satisfied, "evaluate-unsatisfied": _unsatisfied,
    "triage-confirm": _confirm, "triage-change": _change_kind,
    "record-department": lambda w, r: services.record_department(r, by=w["worker"], department="区市政局"),
}

ILLEGAL = [
    # wrong state
    pytest.param(S.SUBMITTED, _accept, None, id="accept-when-submitted"),
    pytest.param(S.IN_PROGRESS, _accept, None, id="accept-when-in-progress"),
    pytest.param(S.ON_HOLD, _accept, None, id="accept-when-on-hold"),
    pytest.param(S.RESOLVED, _accept, None, id="accept-when-resolved"),
    pytest.param(S.ASSIGNED, _resolve, None, id="resolve-when-assigned"),
    pytest.param(S.ON_HOLD, _resolve, None, id="resolve-when-on-hold"),
    pytest.param(S.RESOLVED, _resolve, None, id="resolve-when-resolved"),
    pytest.param(S.SUBMITTED, _evaluate(), None, id="evaluate-when-submitted"),
    pytest.param(S.ASSIGNED, _evaluate(), None, id="evaluate-when-assigned"),
    pytest.param(S.IN_PROGRESS, _evaluate(), None, id="evaluate-when-in-progress"),
    pytest.param(S.ON_HOLD, _evaluate(satisfied=False, comment="太慢"), None, id="evaluate-when-on-hold"),
    pytest.param(S.ASSIGNED, _hold, None, id="hold-when-assigned"),
    pytest.param(S.ON_HOLD, _hold, None, id="hold-when-on-hold"),
    pytest.param(S.RESOLVED, _hold, None, id="hold-when-resolved"),
    pytest.param(S.IN_PROGRESS, _resume, None, id="resume-when-in-progress"),
    pytest.param(S.ASSIGNED, _resume, None, id="resume-when-assigned"),
    pytest.param(S.IN_PROGRESS, _return, None, id="return-when-in-progress"),
    pytest.param(S.ON_HOLD, _return, None, id="return-when-on-hold"),
    pytest.param(S.RESOLVED, _assign, None, id="assign-when-resolved"),
    pytest.param(S.RESOLVED, _triage("manager"), None, id="triage-when-resolved"),
    pytest.param(S.IN_PROGRESS, _triage("worker", Kind.COMMUNITY, "公共管道"), None, id="triage-when-in-progress"),
    *[pytest.param(S.CLOSED, call, None, id=f"{name}-when-closed") for name, call in ACTIONS_ON_CLOSED.items()],
    # wrong actor
    pytest.param(S.ASSIGNED, _handler_step(services.accept, by="staff2"), None, id="accept-by-non-handler"),
    pytest.param(S.ASSIGNED, _handler_step(services.accept, by="manager"), None, id="accept-by-dispatcher"),
    pytest.param(S.IN_PROGRESS, _handler_step(services.resolve, by="staff2", note="好了"), None,
                 id="resolve-by-non-handler"),
    pytest.param(S.IN_PROGRESS, _handler_step(services.resolve, by="manager", note="好了"), None,
                 id="resolve-by-dispatcher"),
    pytest.param(S.IN_PROGRESS, _handler_step(services.hold, by="staff2", reason="等待"), None, id="hold-by-non-handler"),
    pytest.param(S.ON_HOLD, _handler_step(services.resume, by="staff2"), None, id="resume-by-non-handler"),
    pytest.param(S.ASSIGNED, _handler_step(services.return_request, by="staff2", reason="不归我"), None,
                 id="return-by-non-handler"),
    pytest.param(S.SUBMITTED, _assign_to("staff", by="resident"), None, id="assign-by-resident"),
    pytest.param(S.SUBMITTED, _assign_to("staff2", by="staff"), None, id="assign-by-staff"),
    pytest.param(S.SUBMITTED, _assign_to("staff", by="worker"), None, id="assign-by-community-at-property-level"),
    pytest.param(S.SUBMITTED, _assign_to("staff", by="owners"), None, id="assign-by-owners-committee"),
    pytest.param(S.ASSIGNED, _assign_to("staff2", by="staff"), None, id="transfer-by-handler"),
    pytest.param(S.RESOLVED, _evaluate(by="neighbour"), None, id="evaluate-by-neighbour"),
    pytest.param(S.RESOLVED, _evaluate(by="staff"), None, id="evaluate-by-handler"),
    pytest.param(S.RESOLVED, _evaluate(by="manager"), None, id="evaluate-by-manager"),
    pytest.param(S.SUBMITTED, _triage("staff"), None, id="triage-by-staff"),
    pytest.param(S.SUBMITTED, _triage("resident"), None, id="triage-by-resident"),
    pytest.param(S.SUBMITTED, _triage("owners"), None, id="triage-by-owners-committee"),
    # handler outside the candidates
    pytest.param(S.SUBMITTED, _assign_to("rival_staff"), "handler_id", id="assign-to-other-company"),
    pytest.param(S.SUBMITTED, _assign_to("worker"), "handler_id", id="assign-to-community-at-property-level"),
    pytest.param(S.SUBMITTED, _assign_to("resident"), "handler_id", id="assign-to-resident"),
    pytest.param(S.SUBMITTED, _assign_to(None), "handler_id", id="assign-to-nobody"),
    pytest.param(S.ASSIGNED, _assign_to("rival_staff"), "handler_id", id="transfer-to-other-company"),
    # missing reasons and notes
    pytest.param(S.ASSIGNED, _handler_step(services.return_request, reason=""), "reason", id="return-without-reason"),
    pytest.param(S.ASSIGNED, _handler_step(services.return_request, reason="   "), "reason", id="return-blank-reason"),
    pytest.param(S.IN_PROGRESS, _handler_step(services.hold, reason=""), "reason", id="hold-without-reason"),
    pytest.param(S.IN_PROGRESS, _handler_step(services.hold, reason=None), "reason", id="hold-reason-none"),
    pytest.param(S.IN_PROGRESS, _handler_step(services.resolve, note=" "), "note", id="resolve-without-note"),
    pytest.param(S.SUBMITTED, _triage("manager", Kind.COMMUNITY), "reason", id="change-kind-without-reason"),
    pytest.param(S.SUBMITTED, _triage("manager", Kind.HARD, "  "), "reason", id="change-kind-blank-reason"),
    pytest.param(S.SUBMITTED, _triage("manager", "urgent"), "kind", id="triage-unknown-kind"),
    # ratings and comments
    pytest.param(S.RESOLVED, _evaluate(rating=0), "rating", id="rating-0"),
    pytest.param(S.RESOLVED, _evaluate(rating=6), "rating", id="rating-6"),
    pytest.param(S.RESOLVED, _evaluate(rating="5"), "rating", id="rating-not-a-number"),
    pytest.param(S.RESOLVED, _evaluate(speed=0), "speed_rating", id="speed-0"),
    pytest.param(S.RESOLVED, _evaluate(attitude=6), "attitude_rating", id="attitude-6"),
    pytest.param(S.RESOLVED, _evaluate(satisfied=False, comment=None), "comment", id="unsatisfied-without-comment"),
    pytest.param(S.RESOLVED, _evaluate(satisfied=False, comment="  "), "comment", id="unsatisfied-blank-comment"),
]


@pytest.mark.parametrize(("start", "call", "field"), ILLEGAL)
def test_illegal_transition_is_refused_and_changes_nothing(w, start, call, field):
    req = bring(w, make_request(w), start)
    before = snapshot(req)

    with pytest.raises(WorkflowError) as refused:
        call(w, req)

    assert type(refused.value) is WorkflowError  # a rule, not a conflict
    assert str(refused.value.message).strip()
    assert refused.value.field == field
    assert_unchanged(req, before)


VERSIONED = {
    "assign": (S.SUBMITTED, lambda w, r, v: services.assign(r, by=w["manager"], handler=w["staff"], version=v)),
    "accept": (S.ASSIGNED, lambda w, r, v: services.accept(r, by=w["staff"], version=v)),
    "return": (S.ASSIGNED, lambda w, r, v: services.return_request(r, by=w["staff"], reason="不归我", version=v)),
    "hold": (S.IN_PROGRESS, lambda w, r, v: services.hold(r, by=w["staff"], reason="等待", version=v)),
    "resume": (S.ON_HOLD, lambda w, r, v: services.resume(r, by=w["staff"], version=v)),
    "resolve": (S.IN_PROGRESS, lambda w, r, v: services.resolve(r, by=w["staff"], note="好了", version=v)),
    "evaluate": (S.RESOLVED, lambda w, r, v: services.evaluate(r, by=w["resident"], rating=5, speed=5, attitude=5,
                                                                satisfied=True, version=v)),
    "triage": (S.SUBMITTED, lambda w, r, v: services.triage(r, by=w["manager"], kind=Kind.HOUSEHOLD, version=v)),
}


@pytest.mark.parametrize("name", list(VERSIONED))
def test_a_stale_version_is_a_conflict_and_a_current_one_passes(w, name):
    start, call = VERSIONED[name]
    req = bring(w, make_request(w), start)
    before = snapshot(req)
    with pytest.raises(Conflict):
        call(w, req, req.version - 1)
    assert_unchanged(req, before)
    call(w, req, str(req.version))  # forms send it as text
    db.session.commit()
    assert req.version > before["version"]


# --- filing refused -----------------------------------------------------------------------------------

FILING = [
    pytest.param("resident", lambda w: {"household": w["neighbour_home"]}, "household_id", id="neighbours-household"),
    pytest.param("resident", lambda w: {"household": w["other_compound"].buildings[0].households[0]}, "household_id",
                 id="household-of-another-compound"),
    pytest.param("resident", lambda w: {"compound": w["far_compound"], "household": None, "place": "北门"}, None,
                 id="compound-out-of-scope"),
    pytest.param("resident", lambda w: {"compound": w["other_compound"], "household": None, "place": "北门"}, None,
                 id="compound-not-lived-in"),
    pytest.param("resident", lambda w: {"household": None}, "place", id="public-area-without-place"),
    pytest.param("resident", lambda w: {"household": None, "place": "   "}, "place", id="public-area-blank-place"),
    pytest.param("resident", lambda w: {"category": "plumbing"}, "category", id="unknown-category"),
    pytest.param("resident", lambda w: {"urgency": "whenever"}, "urgency", id="unknown-urgency"),
    pytest.param("staff", lambda w: {"channel": "pigeon"}, "channel", id="unknown-channel"),
    pytest.param("owners", lambda w: {}, None, id="owners-committee-without-a-home-there"),
    pytest.param("staff", lambda w: {"compound": w["other_compound"],
                                     "household": w["other_compound"].buildings[0].households[0]}, None,
                 id="property-staff-in-an-uncontracted-compound"),
    pytest.param("staff", lambda w: {"household": w["other_compound"].buildings[0].households[0]}, "household_id",
                 id="staff-household-of-another-compound"),
]


@pytest.mark.parametrize(("by", "fields", "field"), FILING)
def test_filing_refused(w, by, fields, field):
    with pytest.raises(WorkflowError) as refused:
        make_request(w, by=w[by], **fields(w))
    assert refused.value.field == field
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(RepairRequest)) == 0


def test_grid_worker_of_another_compound_may_not_file_there(w):
    grid_elsewhere = make_user("别处网格员", role=Role.GRID_WORKER, org=w["residents_committee"],
                               grid=w["other_compound"], title="网格员")
    far_office = make_org(OrgKind.PROPERTY_COMPANY, street=w["far_street"], name="远方物业")
    far_staff = make_user("远方维修工", role=Role.PROPERTY_STAFF, org=far_office)
    db.session.commit()
    for by in (grid_elsewhere, far_staff):
        with pytest.raises(WorkflowError):
            make_request(w, by=by)
    assert db.session.scalar(select(func.count()).select_from(RepairRequest)) == 0


def test_the_dispatchers_hear_of_a_new_request_in_their_language_without_personal_data(app, w):
    """Filing tells whoever dispatches now, naming the request; a returned order tells them again."""
    from flask_babel import force_locale

    from portal.notifications.models import Notification
    from portal.notifications.services import message_for

    req = make_request(w, description="厨房水管漏水，请打13812345678联系我")
    db.session.commit()
    [note] = db.session.scalars(select(Notification).where(Notification.user_id == w["manager"].id)).all()
    assert message_for(note) == f"新诉求 {req.id}（水电）：1号楼 厨房水管漏水，请打****联系我，请派单。"
    with force_locale("en"):
        assert "Water" in message_for(note) and "13812345678" not in message_for(note)
    assert "101" not in message_for(note)  # the room stays out: the building is enough to know where
    services.assign(req, by=w["manager"], handler=w["staff"])
    services.return_request(req, by=w["staff"], reason="不归我")
    db.session.commit()
    assert unread(w["manager"]) == [f"诉求 {req.id} 被处理人退回（不归我），请重新派单。"]
    assert unread(w["staff"]) == []  # the order they gave back is no longer theirs to accept


def test_one_tap_is_a_whole_evaluation(w):
    """Satisfied without stars or words closes the request; the stars stay empty, not invented."""
    req = bring(w, make_request(w), S.RESOLVED)
    services.evaluate(req, by=w["resident"], satisfied=True)
    db.session.commit()
    assert (req.status, req.satisfied, req.rating, req.speed_rating, req.attitude_rating) == (
        S.CLOSED, True, None, None, None)
