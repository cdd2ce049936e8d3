"""The one place that answers "which objects may this user see" and "may this user do X to this".

Scope (what is visible) follows DOMAIN.md: the union of the scopes of every open position and
household. Views load through the `get_*_or_404` helpers below, so out-of-scope objects are 404;
`can()` then answers 403 for visible objects the user may not act on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import abort, g, has_request_context
from sqlalchemy import select

from portal.extensions import db
from portal.orgs.models import (
    Building,
    Community,
    Compound,
    ContractStatus,
    Household,
    HouseholdMember,
    Organisation,
    OrgKind,
    Position,
    Role,
    ServiceContract,
)

TZ = ZoneInfo("Asia/Shanghai")

COMMUNITY_ROLES = {Role.PARTY_SECRETARY, Role.PARTY_COMMITTEE, Role.COMMUNITY_WORKER}
COMPOUND_ROLES = {Role.OWNERS_COMMITTEE, Role.BRANCH_MEMBER}
PROPERTY_ROLES = {Role.PROPERTY_MANAGER, Role.PROPERTY_STAFF}
# Roles that act on residents and so may see their full phone and room.
PERSONAL_DATA_ROLES = {Role.STREET_ADMIN, Role.PARTY_SECRETARY, Role.PARTY_COMMITTEE,
                       Role.COMMUNITY_WORKER, Role.GRID_WORKER, Role.PROPERTY_MANAGER}
# Roles that see a compound's structure (buildings, households, organisations). Property staff are not
# among them: their scope is the requests assigned to them (DOMAIN.md).
STAFF_ROLES = {Role.STREET_ADMIN, *COMMUNITY_ROLES, Role.GRID_WORKER, *COMPOUND_ROLES, Role.PROPERTY_MANAGER}


def today() -> date:
    return datetime.now(TZ).date()


@dataclass
class Scope:
    """What one user may see; computed once per request."""

    roles: set[str] = field(default_factory=set)
    street_ids: set[int] = field(default_factory=set)  # administered streets
    community_ids: set[int] = field(default_factory=set)  # whole communities visible
    compound_ids: set[int] = field(default_factory=set)  # every visible compound (includes the above)
    compound_roles: dict[int, set[str]] = field(default_factory=dict)  # compound → roles held there
    company_ids: set[int] = field(default_factory=set)  # property companies the user works for
    household_ids: set[int] = field(default_factory=set)  # own households (residents)
    organisation_ids: set[int] = field(default_factory=set)  # organisations the user holds posts in

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def roles_in(self, compound_id: int) -> set[str]:
        return self.compound_roles.get(compound_id, set())


def compute_scope(user) -> Scope:  # noqa: C901
    scope = Scope()
    if user is None or not getattr(user, "is_authenticated", False):
        return scope
    on = today()
    positions = db.session.execute(
        select(Position, Organisation)
        .join(Organisation, Position.organisation_id == Organisation.id)
        .where(Position.user_id == user.id, Position.start_date <= on)
        .where((Position.end_date.is_(None)) | (Position.end_date >= on))
    ).all()
    grant: dict[int, set[str]] = {}

    def add(compound_ids, role):
        for cid in compound_ids:
            grant.setdefault(cid, set()).add(role)

    for pos, org in positions:
        scope.roles.add(pos.role)
        scope.organisation_ids.add(org.id)
        if pos.role == Role.STREET_ADMIN:
            scope.street_ids.add(org.street_id)
        elif pos.role in COMMUNITY_ROLES and org.community_id:
            scope.community_ids.add(org.community_id)
            add(_compounds_of_communities({org.community_id}), pos.role)
        elif pos.role == Role.GRID_WORKER:
            if pos.compound_id:
                add([pos.compound_id], pos.role)
            elif org.community_id:
                scope.community_ids.add(org.community_id)
                add(_compounds_of_communities({org.community_id}), pos.role)
        elif pos.role in COMPOUND_ROLES and org.compound_id:
            add([org.compound_id], pos.role)
        elif pos.role in PROPERTY_ROLES:
            scope.company_ids.add(org.id)
    if scope.street_ids:
        ids = set(db.session.scalars(select(Community.id).where(Community.street_id.in_(scope.street_ids))))
        scope.community_ids |= ids
        add(_compounds_of_communities(ids), Role.STREET_ADMIN)
    if scope.company_ids:
        on_contract = db.session.execute(
            select(ServiceContract.compound_id, ServiceContract.company_id).where(
                ServiceContract.company_id.in_(scope.company_ids),
                ServiceContract.status == ContractStatus.ACTIVE,
                ServiceContract.start_date <= on,
                ServiceContract.end_date >= on,
            )
        ).all()
        company_roles = {org.id: set() for _, org in positions if org.id in scope.company_ids}
        for pos, org in positions:
            if org.id in company_roles:
                company_roles[org.id].add(pos.role)
        for compound_id, company_id in on_contract:
            for role in company_roles.get(company_id, ()):
                add([compound_id], role)
    homes = db.session.execute(
        select(Household.id, Building.compound_id)
        .join(Building, Household.building_id == Building.id)
        .join(HouseholdMember, HouseholdMember.household_id == Household.id)
        .where(HouseholdMember.user_id == user.id)
    ).all()
    for household_id, compound_id in homes:
        scope.roles.add(Role.RESIDENT)
        scope.household_ids.add(household_id)
        add([compound_id], Role.RESIDENT)
    scope.compound_roles = grant
    scope.compound_ids = set(grant)
    return scope


def _compounds_of_communities(community_ids: set[int]) -> list[int]:
    if not community_ids:
        return []
    return list(db.session.scalars(select(Compound.id).where(Compound.community_id.in_(community_ids))))


def scope_of(user) -> Scope:
    """The scope of `user`, cached for the request when it is the logged-in user."""
    if has_request_context():
        cache = g.setdefault("_scopes", {})
        key = getattr(user, "id", None)
        if key not in cache:
            cache[key] = compute_scope(user)
        return cache[key]
    return compute_scope(user)


def forget_scope() -> None:
    """Call after changing positions or contracts inside a request."""
    if has_request_context():
        g.pop("_scopes", None)


# --- what a user may do -------------------------------------------------------------------------

def _compound_id_of(obj) -> int | None:
    if isinstance(obj, Compound):
        return obj.id
    if isinstance(obj, Building):
        return obj.compound_id
    if isinstance(obj, Household):
        return obj.building.compound_id
    return getattr(obj, "compound_id", None)


def _street_id_of(obj) -> int | None:
    if isinstance(obj, Community):
        return obj.street_id
    if isinstance(obj, Organisation):
        return obj.street_id
    cid = _compound_id_of(obj)
    if cid is not None:
        compound = db.session.get(Compound, cid)
        return compound.community.street_id if compound else None
    return getattr(obj, "street_id", None)


def can(user, action: str, obj=None) -> bool:
    """May `user` do `action` (to `obj`)? Callers have already loaded `obj` inside the user's scope."""
    scope = scope_of(user)
    if action in ("structure.manage", "positions.manage", "contracts.manage"):
        if obj is None:
            return bool(scope.street_ids)
        return _street_id_of(obj) in scope.street_ids
    if action in ("accounts.manage", "audit.view"):
        return bool(scope.street_ids)
    if action == "structure.view":
        if obj is None:
            return bool(scope.roles & STAFF_ROLES)
        if isinstance(obj, Community):
            return obj.id in scope.community_ids or any(
                roles & STAFF_ROLES for cid, roles in scope.compound_roles.items()
                if cid in {c.id for c in obj.compounds}
            )
        cid = _compound_id_of(obj)
        return bool(scope.roles_in(cid) & STAFF_ROLES) if cid is not None else False
    if action == "household.personal":
        cid = _compound_id_of(obj)
        if isinstance(obj, Household) and obj.id in scope.household_ids:
            return True
        return bool(scope.roles_in(cid) & PERSONAL_DATA_ROLES)
    raise ValueError(f"unknown action {action!r}")


def require(user, action: str, obj=None) -> None:
    if not can(user, action, obj):
        abort(403)


# --- loading inside the scope: out of scope is 404 ----------------------------------------------

def visible_compound_ids(user) -> set[int]:
    return scope_of(user).compound_ids


def visible_community_ids(user) -> set[int]:
    """Communities the user sees at least partly (whole, or through one of its compounds)."""
    scope = scope_of(user)
    ids = set(scope.community_ids)
    if scope.compound_ids:
        ids |= set(db.session.scalars(select(Compound.community_id).where(Compound.id.in_(scope.compound_ids))))
    return ids


def get_community_or_404(user, community_id: int) -> Community:
    community = db.session.get(Community, community_id)
    if community is None or community.id not in visible_community_ids(user):
        abort(404)
    return community


def get_compound_or_404(user, compound_id: int) -> Compound:
    compound = db.session.get(Compound, compound_id)
    if compound is None or compound.id not in visible_compound_ids(user):
        abort(404)
    return compound


def get_building_or_404(user, building_id: int) -> Building:
    building = db.session.get(Building, building_id)
    if building is None or building.compound_id not in visible_compound_ids(user):
        abort(404)
    return building


def get_household_or_404(user, household_id: int) -> Household:
    household = db.session.get(Household, household_id)
    if household is None:
        abort(404)
    scope = scope_of(user)
    if household.id in scope.household_ids:
        return household
    if not (scope.roles_in(household.building.compound_id) & STAFF_ROLES):
        abort(404)
    return household


def organisation_visible(user, org: Organisation) -> bool:
    scope = scope_of(user)
    if org.street_id in scope.street_ids or org.id in scope.organisation_ids:
        return True
    if org.compound_id is not None:
        return bool(scope.roles_in(org.compound_id) & STAFF_ROLES)
    if org.community_id is not None:
        return org.community_id in scope.community_ids
    if org.kind == OrgKind.PROPERTY_COMPANY:
        served = set(db.session.scalars(select(ServiceContract.compound_id).where(ServiceContract.company_id == org.id)))
        return any(scope.roles_in(cid) & STAFF_ROLES for cid in served)
    return False


def get_organisation_or_404(user, organisation_id: int) -> Organisation:
    org = db.session.get(Organisation, organisation_id)
    if org is None or not organisation_visible(user, org):
        abort(404)
    return org
