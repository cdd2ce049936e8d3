"""Structure rules: creating and changing the five levels, positions, contracts, and the
structure indicators (coverage rates) computed from them — never typed in."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from flask import has_request_context, request
from sqlalchemy import Date, and_, func, or_, select
from sqlalchemy.orm import aliased, joinedload

from portal.core import stamps
from portal.core.audit import audit
from portal.core.errors import RuleError
from portal.core.in_lists import in_ids
from portal.core.kept_statements import kept_statement, param
from portal.core.translations import lazy_gettext as _l
from portal.extensions import db
from portal.orgs.models import (
    Building,
    Compound,
    ContractStatus,
    Household,
    Organisation,
    OrgKind,
    Position,
    Role,
    ServiceContract,
)

#: what the screens call each OrgKind (every member has one: tests/core/test_enums.py)
KIND_LABELS = {
    OrgKind.STREET_OFFICE: _l("街道办事处"),
    OrgKind.PARTY_COMMITTEE: _l("社区党委"),
    OrgKind.PARTY_BRANCH: _l("党支部"),
    OrgKind.RESIDENTS_COMMITTEE: _l("社区居委会"),
    OrgKind.OWNERS_COMMITTEE: _l("业委会/物管会"),
    OrgKind.PROPERTY_COMPANY: _l("物业企业"),
    OrgKind.RESIDENT_UNIT: _l("驻区单位"),
    OrgKind.VOLUNTEER_TEAM: _l("志愿服务队"),
}

#: what the screens call each Role (every member has one)
ROLE_LABELS = {
    Role.STREET_ADMIN: _l("街道管理员"),
    Role.PARTY_SECRETARY: _l("社区党委书记"),
    Role.PARTY_COMMITTEE: _l("社区党委委员"),
    Role.COMMUNITY_WORKER: _l("社区工作者"),
    Role.GRID_WORKER: _l("网格员"),
    Role.BRANCH_MEMBER: _l("党支部成员"),
    Role.OWNERS_COMMITTEE: _l("业委会委员"),
    Role.PROPERTY_MANAGER: _l("物业项目经理"),
    Role.PROPERTY_STAFF: _l("物业员工"),
    Role.MEMBER: _l("成员"),
    Role.RESIDENT: _l("居民"),
}


# --- positions and contracts ---------------------------------------------------------------------

def appoint(*, user, organisation: Organisation, role: str, title: str, start: date,
            compound_id: int | None = None, by=None) -> Position:
    """Open a position; a role must fit the organisation's kind (a 维修工 is not a 书记)."""
    if role not in Role.BY_ORG_KIND.get(organisation.kind, ()):
        raise RuleError(_l("这个职务不属于该类组织。"), "role")
    if role == Role.GRID_WORKER and compound_id is not None:
        compound = db.session.get(Compound, compound_id)
        if compound is None or compound.community_id != organisation.community_id:
            raise RuleError(_l("网格必须是本社区的小区。"), "compound_id")
    elif compound_id is not None:
        raise RuleError(_l("只有网格员需要指定网格。"), "compound_id")
    duplicate = db.session.scalar(
        select(Position.id).where(
            Position.user_id == user.id, Position.organisation_id == organisation.id, Position.role == role,
            Position.end_date.is_(None),
        )
    )
    if duplicate:
        raise RuleError(_l("此人已在该组织担任这个职务。"), "user")
    position = Position(user_id=user.id, organisation_id=organisation.id, role=role, title=title.strip(),
                        start_date=start, compound_id=compound_id)
    db.session.add(position)
    db.session.flush()
    audit("position.appointed", position, user=by, details={"organisation": organisation.id, "role": role})
    return position


def end_position(position: Position, *, on: date, by=None) -> None:
    if position.end_date is not None:
        raise RuleError(_l("该任职已经结束。"))
    if on < position.start_date:
        raise RuleError(_l("结束日期不能早于开始日期。"), "end_date")
    position.end_date = on
    audit("position.ended", position, user=by)


def record_contract(*, compound: Compound, company: Organisation, start: date, end: date,
                    note: str | None = None, by=None) -> ServiceContract:
    """A new contract; one compound has at most one active contract covering any given day."""
    if company.kind != OrgKind.PROPERTY_COMPANY:
        raise RuleError(_l("请选择一家物业企业。"), "company_id")
    if end < start:
        raise RuleError(_l("结束日期不能早于开始日期。"), "end_date")
    overlapping = db.session.scalar(  # any active contract overlapping [start, end], not just today's
        select(ServiceContract.id).where(
            ServiceContract.compound_id == compound.id,
            ServiceContract.status == ContractStatus.ACTIVE,
            ServiceContract.start_date <= end,
            ServiceContract.end_date >= start,
        )
    )
    if overlapping:
        raise RuleError(_l("该小区在这段时间已有有效的物业服务合同，请先终止原合同。"), "start_date")
    contract = ServiceContract(compound_id=compound.id, company_id=company.id, start_date=start, end_date=end, note=note)
    db.session.add(contract)
    db.session.flush()
    audit("contract.recorded", contract, user=by)
    return contract


def terminate_contract(contract: ServiceContract, *, on: date, by=None) -> None:
    if contract.status != ContractStatus.ACTIVE:
        raise RuleError(_l("该合同已经终止。"))
    contract.status = ContractStatus.TERMINATED
    if on < contract.end_date:
        contract.end_date = max(on, contract.start_date)
    audit("contract.terminated", contract, user=by)


def current_contracts(compound_ids, on: date | None = None, *options) -> dict[int, ServiceContract]:
    """compound id → its current contract (one query for any number of compounds); `options` load what
    the caller shows of them (the company) in the same query."""
    if not compound_ids:
        return {}
    rows = db.session.scalars(select(ServiceContract).where(
        ServiceContract.compound_id.in_(compound_ids), ServiceContract.is_current(on)).options(*options))
    return {c.compound_id: c for c in rows}


def current_company_id(compound_id: int, on: date | None = None) -> int | None:
    """The property company serving the compound under a current contract, if any.

    Today's answer is remembered for the request (the request page asks it for each rule it checks);
    `orgs.permissions.forget_scope()`, called after changing contracts, forgets it too."""
    if on is not None or not has_request_context():
        return _company_id(compound_id, on)
    cache = request.__dict__.setdefault("_company_of", {})  # the request's own, even where `g` is shared
    if compound_id not in cache:
        cache[compound_id] = _company_id(compound_id, None)
    return cache[compound_id]


def _company_id(compound_id: int, on: date | None) -> int | None:
    return db.session.scalar(select(ServiceContract.company_id).where(
        ServiceContract.compound_id == compound_id, ServiceContract.is_current(on)))


# --- indicators -------------------------------------------------------------------------------------

@dataclass
class Coverage:
    compounds: int
    with_property: int
    with_owners_committee: int
    owners_committees: int
    owners_committees_with_party: int
    property_companies: int
    property_companies_with_party: int
    cross_appointed_people: int
    households: int

    @staticmethod
    def rate(part: int, whole: int) -> float | None:
        return round(100.0 * part / whole, 1) if whole else None

    @property
    def property_rate(self):
        return self.rate(self.with_property, self.compounds)

    @property
    def owners_committee_rate(self):
        return self.rate(self.with_owners_committee, self.compounds)

    @property
    def owners_party_rate(self):
        return self.rate(self.owners_committees_with_party, self.owners_committees)

    @property
    def property_party_rate(self):
        return self.rate(self.property_companies_with_party, self.property_companies)

    @property
    def cross_rate(self):
        """Share of owners' committees with at least one member who also sits on the community side."""
        return self.rate(self.cross_appointed_committees, self.owners_committees)

    cross_appointed_committees: int = 0


def compound_choices(compound_ids) -> list[tuple[int, str]]:
    """(id, name) of these compounds by name, for a list's compound filter. Compounds move the structure
    stamp, so within a request that read it (every logged-in page) the names are kept under its token:
    a queue's filter costs no query until a compound is added or renamed. Shared: never change it."""
    ids = frozenset(compound_ids)

    def read() -> list[tuple[int, str]]:
        return [tuple(row) for row in db.session.execute(
            select(Compound.id, Compound.name).where(Compound.id.in_(ids)).order_by(Compound.name))]

    if not ids:
        return []
    if not has_request_context():
        return read()
    return stamps.app_cache("portal.compound_choices", 256).get(ids, stamps.current(stamps.STRUCTURE), read)


def coverage(community_ids: list[int], on: date, cross: list | None = None) -> Coverage:
    """Structure indicators for a set of communities (a community, or a whole street) taken together;
    `cross`, the area's cross_appointments when the caller has them already, spares that query."""
    return coverage_by_community(community_ids, on, cross=cross)[1]


def coverage_by_community(community_ids, on: date, cross: list | None = None) -> tuple[dict[int, Coverage], Coverage]:
    """Each community's structure indicators and those of all of them together, in three queries however
    many communities (the communities list showed a street's figures community by community, seven
    queries each).

    They count only what the structure stamp watches (compounds, homes, contracts, organisations,
    posts), so they are kept between requests under its token like the scope: read again only after
    the structure changed. Names are not in them (a renamed person must not wait for a new token).
    The result is shared: never change it."""
    ids = tuple(community_ids)
    if not has_request_context():
        return _coverage_by_community(list(ids), on, cross)
    return stamps.app_cache("portal.coverage", 256).get((ids, on), stamps.current(stamps.STRUCTURE), lambda: _coverage_by_community(list(ids), on, cross))


def _coverage_by_community(ids: list[int], on: date, cross: list | None) -> tuple[dict[int, Coverage], Coverage]:
    # Each compound with its community, the company serving it now and its households: one query.
    company = (select(ServiceContract.company_id).where(ServiceContract.compound_id == Compound.id,
                                                        ServiceContract.is_current(on))
               .order_by(ServiceContract.id).limit(1).scalar_subquery())
    homes = (select(func.count(Household.id)).join(Building).where(Building.compound_id == Compound.id)
             .scalar_subquery())
    compound_rows = db.session.execute(
        select(Compound.id, Compound.community_id, company, homes).where(Compound.community_id.in_(ids))).all() if ids else []
    community_of = {row[0]: row[1] for row in compound_rows}
    company_of = {row[0]: row[2] for row in compound_rows if row[2] is not None}
    households: dict[int, int] = defaultdict(int)
    for _compound, community_id, _company, count in compound_rows:
        households[community_id] += count
    # The owners' committees and the serving companies, each saying whether a party branch sits in it.
    branch = aliased(Organisation)
    bodies = db.session.execute(
        select(Organisation.id, Organisation.compound_id, Organisation.kind,
               select(branch.id).where(branch.parent_id == Organisation.id, branch.kind == OrgKind.PARTY_BRANCH)
               .exists().label("with_branch"))
        .where(or_(and_(Organisation.kind == OrgKind.OWNERS_COMMITTEE, Organisation.compound_id.in_(list(community_of))),
                   Organisation.id.in_(set(company_of.values()))))).all() if community_of else []
    committees = {row.id: row.compound_id for row in bodies
                  if row.kind == OrgKind.OWNERS_COMMITTEE and row.compound_id in community_of}
    with_branch = {row.id for row in bodies if row.with_branch}
    rows = _cross_rows(ids, on) if cross is None or len(ids) != 1 else []
    if rows or cross is None:
        cross = _people(rows)
    served_by: dict[int, set[int]] = defaultdict(set)  # company → communities it serves
    for compound_id, company_id in company_of.items():
        served_by[company_id].add(community_of[compound_id])

    def within(row, community_id: int) -> bool:
        """The post's body is one of this community's: its own, a compound's, or a company serving it."""
        org_id, org_community, org_compound = row[2], row[5], row[6]
        return (org_community == community_id or community_of.get(org_compound) == community_id
                or community_id in served_by.get(org_id, ()))

    def figures(area: set[int], people) -> Coverage:
        compounds = [cid for cid, community in community_of.items() if community in area]
        area_committees = [org for org, compound in committees.items() if community_of[compound] in area]
        companies = {company_of[cid] for cid in compounds if cid in company_of}
        committee_set = set(area_committees)
        return Coverage(
            compounds=len(compounds),
            with_property=sum(cid in company_of for cid in compounds),
            with_owners_committee=len({committees[org] for org in area_committees}),
            owners_committees=len(area_committees),
            owners_committees_with_party=len(committee_set & with_branch),
            property_companies=len(companies),
            property_companies_with_party=len(companies & with_branch),
            cross_appointed_people=len(people),
            households=sum(households.get(c, 0) for c in area),
            cross_appointed_committees=len({org for person in people for org in person.organisation_ids} & committee_set),
        )

    each = {}
    for community_id in ids:
        people = cross if len(ids) == 1 else _people([row for row in rows if within(row, community_id)])
        each[community_id] = figures({community_id}, people)
    return each, figures(set(ids), cross)


@dataclass
class CrossAppointment:
    user_id: int
    name: str
    positions: list[tuple[str, str]]  # (organisation name, title)
    organisation_ids: set[int]


def cross_appointments(community_ids: list[int], on: date) -> list[CrossAppointment]:
    """People holding open positions in two or more organisations of these communities (交叉任职):
    their communities' and compounds' bodies and the property companies serving them on `on` (a
    company that served once is no body of the community, and its staff are not named here)."""
    return _people(_cross_rows(community_ids, on))


def _cross_rows(community_ids, on: date) -> list:
    """(user id, name, organisation id, organisation name, title, its community, its compound) of every
    open post in a body of these communities, in one query (kept: core.kept_statements)."""
    return db.session.execute(kept_statement("orgs.cross_rows", _cross_statement),
                              {"community_ids": list(community_ids), "on": on}).all()


def _cross_statement():
    """_cross_rows's statement, every value a parameter (`community_ids`, `on`)."""
    from portal.auth.models import User

    community_ids, on = param("community_ids", expanding=True), param("on", Date)
    compound_ids = select(Compound.id).where(in_ids(Compound.community_id, community_ids))
    company_ids = select(ServiceContract.company_id).where(
        ServiceContract.compound_id.in_(compound_ids), ServiceContract.is_current(on))
    # From the area's bodies to their posts (position.organisation_id), never through every post or user.
    bodies = select(Organisation.id).where(
        in_ids(Organisation.community_id, community_ids)
        | Organisation.compound_id.in_(compound_ids)
        | Organisation.id.in_(company_ids)
    )
    # The name by the user's key, post by post: a plan made once expects hundreds of posts and would
    # otherwise join them to every user of the city (a scan of the user table: 0.2 -> 1.9 ms at city scale).
    name = select(User.name).where(User.id == Position.user_id).scalar_subquery().label("name")
    return (select(Position.user_id, name, Organisation.id, Organisation.name, Position.title,
                   Organisation.community_id, Organisation.compound_id)
            .select_from(Position)
            .join(Organisation, Organisation.id == Position.organisation_id)
            .where(Position.organisation_id.in_(bodies), Position.is_open(on))
            .order_by(name, Organisation.name))


def _people(rows) -> list[CrossAppointment]:
    people: dict[int, CrossAppointment] = {}
    for user_id, name, org_id, org_name, title, *_where in rows:
        person = people.setdefault(user_id, CrossAppointment(user_id, name, [], set()))
        person.positions.append((org_name, title))
        person.organisation_ids.add(org_id)
    return [p for p in people.values() if len(p.organisation_ids) >= 2]


def community_rows(community_id: int, on: date) -> tuple[tuple, tuple]:
    """What the community page shows of the structure, for every compound of the community: (id, name,
    current company's name or None, its contract's end or None, owners' committees' names, party
    organisations' names) by name, and the community's own organisations as (id, name, kind) by kind
    and name. All of it is what the structure stamp watches, so it is kept between requests under its
    token (as coverage is) and read again only after the structure changed or the day turned; each
    reader is then shown the rows they may see. Plain values, shared: never change them."""
    return stamps.app_cache("portal.community_rows", 256).get(
        (community_id, on), stamps.current(stamps.STRUCTURE), lambda: _community_rows(community_id, on))


def _community_rows(community_id: int, on: date) -> tuple[tuple, tuple]:
    compounds = db.session.execute(select(Compound.id, Compound.name).where(Compound.community_id == community_id)
                                   .order_by(Compound.name)).all()
    ids = [compound_id for compound_id, _name in compounds]
    contracts = current_contracts(ids, on, joinedload(ServiceContract.company))
    orgs = organisations_by_compound(ids)

    def names(compound_id, kind):
        return tuple(org.name for org in orgs.get(compound_id, ()) if org.kind == kind)

    rows = tuple((compound_id, name, contracts[compound_id].company.name if compound_id in contracts else None,
                  contracts[compound_id].end_date if compound_id in contracts else None,
                  names(compound_id, OrgKind.OWNERS_COMMITTEE), names(compound_id, OrgKind.PARTY_BRANCH))
                 for compound_id, name in compounds)
    own = db.session.execute(select(Organisation.id, Organisation.name, Organisation.kind).where(
        Organisation.community_id == community_id, Organisation.compound_id.is_(None))
        .order_by(Organisation.kind, Organisation.name)).all()
    return rows, tuple(tuple(row) for row in own)


def organisations_by_compound(compound_ids) -> dict[int, list[Organisation]]:
    grouped: dict[int, list[Organisation]] = defaultdict(list)
    if compound_ids:
        for org in db.session.scalars(select(Organisation).where(Organisation.compound_id.in_(compound_ids)).order_by(Organisation.kind)):
            grouped[org.compound_id].append(org)
    return grouped
