"""Who sees which part of the structure, and who may change it.

Scope (what is visible) follows DOMAIN.md: the union of the scopes of every open position and
household, computed once per request, and kept between requests until the structure changes. Views
load through the `get_*_or_404` helpers below, so out-of-scope objects are 404; the rules registered here (`structure.view`, `structure.manage` …)
then answer 403 for visible objects the user may not act on. Every other module builds its own
rules on `scope_of` and the role sets defined here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import abort, g, has_request_context, request
from flask.globals import _cv_app  # Flask 3.1 (pinned)
from sqlalchemy import and_, false, or_, select
from sqlalchemy.orm import aliased

from portal.core import stamps
from portal.core.clock import today
from portal.core.permissions import rule, unproxied
from portal.extensions import db
from portal.orgs.models import (
    Building,
    Community,
    Compound,
    Household,
    HouseholdMember,
    Organisation,
    OrgKind,
    Position,
    Role,
    ServiceContract,
    Street,
)

COMMUNITY_ROLES = frozenset({Role.PARTY_SECRETARY, Role.PARTY_COMMITTEE, Role.COMMUNITY_WORKER})
COMPOUND_ROLES = frozenset({Role.OWNERS_COMMITTEE, Role.BRANCH_MEMBER})
PROPERTY_ROLES = frozenset({Role.PROPERTY_MANAGER, Role.PROPERTY_STAFF})
#: roles that act on residents and so may see their full phone and room
PERSONAL_DATA_ROLES = frozenset({Role.STREET_ADMIN, *COMMUNITY_ROLES, Role.GRID_WORKER, Role.PROPERTY_MANAGER})
#: roles that see a compound's structure (buildings, households, organisations); property staff are
#: not among them: their scope is the requests assigned to them (DOMAIN.md)
STAFF_ROLES = frozenset({Role.STREET_ADMIN, *COMMUNITY_ROLES, Role.GRID_WORKER, *COMPOUND_ROLES,
                         Role.PROPERTY_MANAGER})


@dataclass
class Scope:
    """What one user may see; computed once per change of the structure (see `scope_of`) and shared
    between requests and threads: read it, never change it."""

    roles: set[str] = field(default_factory=set)
    street_ids: set[int] = field(default_factory=set)  # administered streets
    community_ids: set[int] = field(default_factory=set)  # whole communities visible
    compound_ids: set[int] = field(default_factory=set)  # every visible compound (includes the above)
    compound_roles: dict[int, set[str]] = field(default_factory=dict)  # compound → roles held there
    company_ids: set[int] = field(default_factory=set)  # property companies the user works for
    household_ids: set[int] = field(default_factory=set)  # own households (residents)
    #: compound → its community, for every compound in compound_ids (read with the scope, so the
    #: communities a user sees cost no query)
    compound_communities: dict[int, int] = field(default_factory=dict)
    organisation_ids: set[int] = field(default_factory=set)  # organisations the user holds posts in

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def roles_in(self, compound_id: int | None) -> set[str]:
        return self.compound_roles.get(compound_id, set())

    def compounds_with(self, roles) -> set[int]:
        """Compounds where the user holds one of `roles`."""
        roles = set(roles)
        return {cid for cid, held in self.compound_roles.items() if held & roles}


def compute_scope(user) -> Scope:
    """At most four queries whatever the user holds: their open posts (with the community of a post's
    compound), the compounds of the communities and streets they see whole, the compounds their
    company serves, their homes. Each also gives the compounds' communities (`compound_communities`),
    so the communities a user sees need no query of their own."""
    scope = Scope()
    if user is None or not getattr(user, "is_authenticated", False):
        return scope
    on = today()
    grid, body = aliased(Compound), aliased(Compound)
    positions = db.session.execute(
        select(Position, Organisation, grid.community_id, body.community_id)
        .join(Organisation, Position.organisation_id == Organisation.id)
        .outerjoin(grid, grid.id == Position.compound_id).outerjoin(body, body.id == Organisation.compound_id)
        .where(Position.user_id == user.id, Position.is_open(on))
    ).all()
    grant: dict[int, set[str]] = {}
    whole: dict[int, set[str]] = {}  # community → roles held over all of it

    def add(compound_ids, role):
        for cid in compound_ids:
            grant.setdefault(cid, set()).add(role)

    for pos, org, grid_community, body_community in positions:
        scope.roles.add(pos.role)
        scope.organisation_ids.add(org.id)
        community_wide = pos.role in COMMUNITY_ROLES or (pos.role == Role.GRID_WORKER and not pos.compound_id)
        if pos.role == Role.STREET_ADMIN:
            scope.street_ids.add(org.street_id)
        elif community_wide and org.community_id:
            scope.community_ids.add(org.community_id)
            whole.setdefault(org.community_id, set()).add(pos.role)
        elif pos.role == Role.GRID_WORKER and pos.compound_id:
            add([pos.compound_id], pos.role)
            scope.compound_communities[pos.compound_id] = grid_community
        elif pos.role in COMPOUND_ROLES and org.compound_id:
            add([org.compound_id], pos.role)
            scope.compound_communities[org.compound_id] = body_community
        elif pos.role in PROPERTY_ROLES:
            scope.company_ids.add(org.id)
    _add_whole_areas(scope, whole, add)
    _add_contracted_compounds(scope, positions, on, add)
    homes = db.session.execute(
        select(Household.id, Building.compound_id, Compound.community_id)
        .join(Building, Household.building_id == Building.id).join(Compound, Compound.id == Building.compound_id)
        .join(HouseholdMember, HouseholdMember.household_id == Household.id)
        .where(HouseholdMember.user_id == user.id)
    ).all()
    for household_id, compound_id, community_id in homes:
        scope.roles.add(Role.RESIDENT)
        scope.household_ids.add(household_id)
        add([compound_id], Role.RESIDENT)
        scope.compound_communities[compound_id] = community_id
    scope.compound_roles = grant
    scope.compound_ids = set(grant)
    return scope


def _add_whole_areas(scope: Scope, whole: dict[int, set[str]], add) -> None:
    """The communities of the administered streets, and every compound of the communities seen whole,
    in one query (a community without compounds still counts as seen)."""
    if not whole and not scope.street_ids:
        return
    rows = db.session.execute(
        select(Community.id, Community.street_id, Compound.id).outerjoin(Compound, Compound.community_id == Community.id)
        .where(or_(Community.id.in_(list(whole)), Community.street_id.in_(scope.street_ids)))
    ).all()
    for community_id, street_id, compound_id in rows:
        administered = street_id in scope.street_ids
        if administered:
            scope.community_ids.add(community_id)
        if compound_id is None:
            continue
        scope.compound_communities[compound_id] = community_id
        for role in whole.get(community_id, ()):
            add([compound_id], role)
        if administered:
            add([compound_id], Role.STREET_ADMIN)


def _add_contracted_compounds(scope: Scope, positions, on, add) -> None:
    """Property staff reach the compounds their company serves under a current contract."""
    if not scope.company_ids:
        return
    on_contract = db.session.execute(
        select(ServiceContract.compound_id, ServiceContract.company_id, Compound.community_id)
        .join(Compound, Compound.id == ServiceContract.compound_id)
        .where(ServiceContract.company_id.in_(scope.company_ids), ServiceContract.is_current(on))
    ).all()
    company_roles: dict[int, set[str]] = {}
    for pos, org, *_communities in positions:
        if org.id in scope.company_ids:
            company_roles.setdefault(org.id, set()).add(pos.role)
    for compound_id, company_id, community_id in on_contract:
        scope.compound_communities[compound_id] = community_id
        for role in company_roles.get(company_id, ()):
            add([compound_id], role)


stamps.watch(stamps.STRUCTURE, Position, Organisation, ServiceContract, HouseholdMember, Household, Building,
             Compound, Community)


def scope_of(user) -> Scope:
    """The scope of `user`, cached for the request and, between requests, under the structure's stamp
    read with the user (core.stamps): the three or four queries run again only after a post, a home,
    a contract or a compound changed somewhere, or the local day turned (posts open and close by date)."""
    if not has_request_context():
        return compute_scope(user)
    cache = _cv_app.get().g.__dict__.setdefault("_scopes", {})  # `g` without the proxy: called ~40 times a page
    user = unproxied(user)
    key = getattr(user, "id", None)
    if key not in cache:
        if key is None:
            cache[key] = compute_scope(user)
        else:
            shared = stamps.app_cache("portal.scopes")
            cache[key] = shared.get((key, today()), stamps.current(stamps.STRUCTURE), lambda: compute_scope(user))
    return cache[key]


def forget_scope() -> None:
    """Call after changing positions or contracts inside a request."""
    if has_request_context():
        g.pop("_scopes", None)
        request.__dict__.pop("_company_of", None)  # orgs.services.current_company_id


# --- where an object sits -----------------------------------------------------------------------

def compound_id_of(obj) -> int | None:
    if isinstance(obj, Compound):
        return obj.id
    if isinstance(obj, Building):
        return obj.compound_id
    if isinstance(obj, Household):
        return obj.building.compound_id
    return getattr(obj, "compound_id", None)


def street_id_of(obj) -> int | None:
    if isinstance(obj, Community | Organisation):
        return obj.street_id
    cid = compound_id_of(obj)
    if cid is not None:
        compound = db.session.get(Compound, cid)
        return compound.community.street_id if compound else None
    return getattr(obj, "street_id", None)


# --- the rules -----------------------------------------------------------------------------------

def _administers(user, obj) -> bool:
    scope = scope_of(user)
    return bool(scope.street_ids) if obj is None else street_id_of(obj) in scope.street_ids


rule("structure.manage")(_administers)
rule("positions.manage")(_administers)
rule("contracts.manage")(_administers)


@rule("accounts.manage")
def _manage_accounts(user, obj=None) -> bool:
    return bool(scope_of(user).street_ids)


rule("audit.view")(_manage_accounts)


@rule("structure.view")
def _view_structure(user, obj=None) -> bool:
    """Staff roles see the structure of their compounds; a community page needs one of its compounds."""
    scope = scope_of(user)
    if obj is None:
        return bool(scope.roles & STAFF_ROLES)
    if isinstance(obj, Community):
        return obj.id in scope.community_ids or any(
            scope.roles_in(c.id) & STAFF_ROLES for c in obj.compounds)
    return bool(scope.roles_in(compound_id_of(obj)) & STAFF_ROLES)


@rule("orgs.community_whole")
def _see_whole_community(user, community) -> bool:
    """The community-level figures of a community page (coverage indicators, the community's own
    organisations, the people cross-appointed in it) belong to those who see the whole community:
    street administrators, the community party committee, community workers and community-wide grid
    workers. The indicators and the cross-appointed people are computed over every compound, so a
    user who sees only some (a grid worker with a grid, an owners' committee member, a property
    manager) would read through them what their compounds' pages would answer 404 for."""
    return community is not None and community.id in scope_of(user).community_ids


@rule("orgs.street_whole")
def _see_whole_street(user, street) -> bool:
    """A street's figures and the rows behind them: its administrators."""
    return street is not None and street.id in scope_of(user).street_ids


@rule("orgs.company_whole")
def _see_whole_company(user, company) -> bool:
    """A property company's figures: its project managers, and the administrators of its street."""
    scope = scope_of(user)
    if company is None or company.kind != OrgKind.PROPERTY_COMPANY:
        return False
    return company.street_id in scope.street_ids or (
        company.id in scope.company_ids and Role.PROPERTY_MANAGER in scope.roles)


def get_area_or_404(user, community_id: int | None, street_id: int | None, company_id: int | None = None):
    """The community, street or property company a figures list is about, for those who see all of it:
    out of sight is 404, seen only in part (a grid, one compound) is 403 — `require` raises it."""
    from portal.core.permissions import require

    if company_id:
        company = get_organisation_or_404(user, company_id)
        require(user, "orgs.company_whole", company)
        return company
    if community_id:
        community = get_community_or_404(user, community_id)
        require(user, "orgs.community_whole", community)
        return community
    street = db.session.get(Street, street_id) if street_id else None
    if street is None or street.id not in {c.street_id for c in db.session.scalars(
            select(Community).where(Community.id.in_(visible_community_ids(user))))} | scope_of(user).street_ids:
        abort(404)
    require(user, "orgs.street_whole", street)
    return street


def community_compounds_shown(user, community: Community) -> list[Compound]:
    """The compounds of `community` whose row (property company, contract, owners' committee, party
    organisations) the community page shows: those whose structure the user sees (a staff role
    there), the same compounds whose own page opens for them."""
    staff = scope_of(user).compounds_with(STAFF_ROLES)
    return [compound for compound in community.compounds if compound.id in staff]


@rule("household.personal")
def _see_personal(user, obj) -> bool:
    """Residents' names, rooms and phones: the household itself, and those who must act on them."""
    scope = scope_of(user)
    if isinstance(obj, Household) and obj.id in scope.household_ids:
        return True
    return bool(scope.roles_in(compound_id_of(obj)) & PERSONAL_DATA_ROLES)


@rule("orgs.communities")
def _see_communities(user, obj=None) -> bool:
    return bool(scope_of(user).community_ids)


@rule("orgs.my_home")
def _has_home(user, obj=None) -> bool:
    return bool(scope_of(user).household_ids)


# --- loading inside the scope: out of scope is 404 ----------------------------------------------

def visible_compound_ids(user) -> set[int]:
    return scope_of(user).compound_ids


def visible_community_ids(user) -> set[int]:
    """Communities the user sees at least partly (whole, or through one of its compounds)."""
    scope = scope_of(user)
    ids = set(scope.community_ids)
    missing = [cid for cid in scope.compound_ids if cid not in scope.compound_communities]
    if missing:  # every way into a compound reads its community with the scope; kept as a safety net
        ids |= set(db.session.scalars(select(Compound.community_id).where(Compound.id.in_(missing))))
    return ids | {scope.compound_communities[cid] for cid in scope.compound_ids if cid in scope.compound_communities}


def get_community_or_404(user, community_id: int) -> Community:
    community = db.session.get(Community, community_id)
    if community is None or community.id not in visible_community_ids(user):
        abort(404)
    return community


def get_compound_or_404(user, compound_id: int, *options) -> Compound:
    """`options` (e.g. joinedload(Compound.community)) load what the page reads in the same statement, also
    over a compound already in the session (expired, it would be refreshed without them)."""
    compound = db.session.get(Compound, compound_id, options=options, populate_existing=bool(options))
    if compound is None or compound.id not in visible_compound_ids(user):
        abort(404)
    return compound


def get_building_or_404(user, building_id: int) -> Building:
    building = db.session.get(Building, building_id)
    if building is None or building.compound_id not in visible_compound_ids(user):
        abort(404)
    return building


def get_household_or_404(user, household_id: int) -> Household:
    """Residents open their own homes; staff roles every home of their compounds."""
    household = db.session.get(Household, household_id)
    if household is None:
        abort(404)
    scope = scope_of(user)
    if household.id not in scope.household_ids and not (scope.roles_in(household.building.compound_id) & STAFF_ROLES):
        abort(404)
    return household


def organisation_visibility(user):
    """The WHERE clause of the organisations `user` may see: their street's (administrators), their
    own, their staff compounds' and the property companies serving them now, their communities'.

    Only a current contract opens a company through a compound: a company that served it once (an
    expired or terminated contract) is a competitor of the one serving it now, and its page lists its
    staff."""
    scope = scope_of(user)
    staff_compounds = scope.compounds_with(STAFF_ROLES)
    conditions = []
    if scope.street_ids:
        conditions.append(Organisation.street_id.in_(scope.street_ids))
    if scope.organisation_ids:
        conditions.append(Organisation.id.in_(scope.organisation_ids))
    if staff_compounds:
        conditions.append(Organisation.compound_id.in_(staff_compounds))
        served = select(ServiceContract.company_id).where(
            ServiceContract.compound_id.in_(staff_compounds), ServiceContract.is_current(today()))
        conditions.append(and_(
            Organisation.compound_id.is_(None), Organisation.community_id.is_(None),
            Organisation.kind == OrgKind.PROPERTY_COMPANY, Organisation.id.in_(served),
        ))
    if scope.community_ids:
        conditions.append(and_(Organisation.compound_id.is_(None), Organisation.community_id.in_(scope.community_ids)))
    return or_(*conditions) if conditions else false()


def organisation_visible(user, org: Organisation) -> bool:
    return db.session.scalar(
        select(Organisation.id).where(Organisation.id == org.id, organisation_visibility(user))) is not None


def get_organisation_or_404(user, organisation_id: int) -> Organisation:
    """A visible organisation. A body of the user's own compound that they may not open (a resident and
    their owners' committee) is in scope but not theirs: 403, not 404."""
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        abort(404)
    if organisation_visible(user, organisation):
        return organisation
    if organisation.compound_id is not None and organisation.compound_id in scope_of(user).compound_ids:
        abort(403)
    abort(404)
