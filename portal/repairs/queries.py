"""Which repair requests a user sees: one scoped query, shared by the queues and the request page.

Each role adds an OR-ed condition (a user with several roles sees the union), so the list and the
detail loader can never disagree: out of the list means 404 on the page.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import abort
from sqlalchemy import and_, case, false, or_, select
from sqlalchemy.orm import joinedload

from portal.core.permissions import COMMUNITY_ROLES, PERSONAL_DATA_ROLES, scope_of, today
from portal.extensions import db
from portal.orgs.models import ContractStatus, Household, Role, ServiceContract
from portal.repairs.models import Kind, Level, RepairRequest, Status


def now_utc() -> datetime:
    return datetime.now(UTC)


def overdue_clause(now: datetime):
    """The SQL twin of RepairRequest.is_overdue."""
    return and_(RepairRequest.status.in_(Status.OPEN), RepairRequest.due_at.is_not(None), RepairRequest.due_at < now)


def _compounds_with(scope, roles) -> set[int]:
    return {cid for cid, held in scope.compound_roles.items() if held & set(roles)}


def _without_property_company():
    """Compounds with no active contract today: their household matters fall to the community."""
    on = today()
    served = select(ServiceContract.compound_id).where(
        ServiceContract.status == ContractStatus.ACTIVE, ServiceContract.start_date <= on, ServiceContract.end_date >= on)
    return RepairRequest.compound_id.not_in(served)


def visibility(user, now: datetime | None = None):
    """The WHERE clause: everything `user` may see, per role (see DOMAIN.md, Workflow 1)."""
    now = now or now_utc()
    scope = scope_of(user)
    overdue = overdue_clause(now)
    # The handler follows the request only while its compound stays in their scope (a repairman who
    # left the company, or a company whose contract ended, loses it).
    conditions = [RepairRequest.requester_id == user.id]
    if scope.compound_ids:
        conditions.append(and_(RepairRequest.handler_id == user.id, RepairRequest.compound_id.in_(scope.compound_ids)))
    if scope.household_ids:
        conditions.append(RepairRequest.household_id.in_(scope.household_ids))
    if scope.compound_ids:  # who filed it follows it, while the compound stays in their scope
        conditions.append(and_(RepairRequest.filed_by_id == user.id, RepairRequest.compound_id.in_(scope.compound_ids)))
    whole = _compounds_with(scope, {Role.PROPERTY_MANAGER, Role.GRID_WORKER, Role.OWNERS_COMMITTEE})
    if whole:
        conditions.append(RepairRequest.compound_id.in_(whole))
    community = _compounds_with(scope, COMMUNITY_ROLES)
    if community:
        conditions.append(and_(RepairRequest.compound_id.in_(community), or_(
            RepairRequest.kind != Kind.HOUSEHOLD, overdue, RepairRequest.escalation_level >= Level.COMMUNITY,
            _without_property_company(),
        )))
    street = _compounds_with(scope, {Role.STREET_ADMIN})
    if street:
        conditions.append(and_(RepairRequest.compound_id.in_(street), or_(
            RepairRequest.kind == Kind.HARD, overdue, RepairRequest.escalation_level >= Level.STREET,
        )))
    return or_(*conditions) if conditions else false()


def visible_requests(user, now: datetime | None = None):
    """select(RepairRequest) of the user's queue, overdue first, then unassigned, then newest; with
    what each row shows loaded up front (no query per row)."""
    now = now or now_utc()
    return (
        select(RepairRequest).where(visibility(user, now))
        .options(joinedload(RepairRequest.compound), joinedload(RepairRequest.handler),
                 joinedload(RepairRequest.household).joinedload(Household.building))
        .order_by(case((overdue_clause(now), 0), else_=1),
                  case((RepairRequest.status == Status.SUBMITTED, 0), else_=1),
                  RepairRequest.created_at.desc(), RepairRequest.id.desc())
    )


def request_visible(user, req: RepairRequest) -> bool:
    return db.session.scalar(
        select(RepairRequest.id).where(RepairRequest.id == req.id, visibility(user))
    ) is not None


def get_request_or_404(user, request_id: int) -> RepairRequest:
    req = db.session.get(RepairRequest, request_id)
    if req is None or not request_visible(user, req):
        abort(404)
    return req


def personal_compound_ids(user) -> set[int]:
    """Compounds where the user's role lets them see residents' names, rooms and phones."""
    return _compounds_with(scope_of(user), PERSONAL_DATA_ROLES)


def sees_personal(user, req: RepairRequest, personal_compounds: set[int] | None = None) -> bool:
    """Those who act on the request (the handler, whoever filed it, the requester's household) and the
    personal-data roles of its compound; everyone else sees the room and phone masked."""
    if personal_compounds is None:
        personal_compounds = personal_compound_ids(user)
    scope = scope_of(user)
    acts_here = req.compound_id in scope.compound_ids
    return ((acts_here and req.handler_id == user.id) or req.requester_id == user.id
            or (acts_here and req.filed_by_id == user.id)
            or (req.household_id is not None and req.household_id in scope.household_ids)
            or req.compound_id in personal_compounds)

