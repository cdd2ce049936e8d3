"""The structure of the city: streets → communities → compounds → buildings → households, the
organisations of the 1+3+X, and property contracts.

The demo street keeps its three communities and gains new ones; 和平社区 gains compounds; the other
streets are new. Everything is written through `Bulk` and remembered in a `City` for the people and
requests that follow.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.orgs.importer import natural_key
from portal.orgs.models import (
    Building,
    Community,
    Compound,
    ContractStatus,
    Household,
    Organisation,
    OrgKind,
    ServiceContract,
    Street,
)
from portal.scale.bulk import Bulk
from portal.scale.names import Names
from portal.scale.plan import COMMUNITIES_PER_STREET, Plan

#: share of compounds with an owners' committee (业委会); of compounds under a current contract
OWNERS_COMMITTEE_SHARE = 0.6
CONTRACTED_SHARE = 0.9
#: share of households whose owner has signed up (an account, as a resident)
RESIDENT_SHARE = 0.3


@dataclass
class DemoPlaces:
    """What the city is built around, looked up in the demo street."""

    street_id: int
    office_id: int
    heping_id: int  # 和平社区
    heping_committee_id: int  # 和平社区居民委员会
    anju_id: int  # 安居物业, demo_manager's company
    community_names: set[str]

    @classmethod
    def load(cls) -> DemoPlaces:
        from portal.demo import ANJU, STREET_NAME

        street = db.session.scalar(select(Street).where(Street.name == STREET_NAME))
        heping = db.session.scalar(select(Community).where(Community.street_id == street.id,
                                                           Community.name == "和平社区"))

        def org(kind: str, **where) -> int:
            query = select(Organisation.id).where(Organisation.street_id == street.id, Organisation.kind == kind)
            for name, value in where.items():
                query = query.where(getattr(Organisation, name) == value)
            return db.session.scalar(query.order_by(Organisation.id).limit(1))

        return cls(street_id=street.id, office_id=org(OrgKind.STREET_OFFICE), heping_id=heping.id,
                   heping_committee_id=org(OrgKind.RESIDENTS_COMMITTEE, community_id=heping.id),
                   anju_id=org(OrgKind.PROPERTY_COMPANY, name=ANJU),
                   community_names=set(db.session.scalars(select(Community.name)
                                                          .where(Community.street_id == street.id))))


@dataclass
class CommunityRow:
    id: int
    street_id: int
    residents_committee: int
    party_committee: int | None = None  # None: the demo's 和平社区, whose committee already has its people
    compounds: list[int] = field(default_factory=list)


@dataclass
class CompoundRow:
    id: int
    name: str
    community_id: int
    street_id: int
    households: int = 0
    first_household: int = 0  # household ids are consecutive within a compound
    buildings: int = 0
    owners_committee: int | None = None
    company: int | None = None  # under a current contract
    #: households whose owner has an account: (household id, name, phone), for people.py
    accounts: list[tuple[int, str, str]] = field(default_factory=list)


@dataclass
class City:
    today: date
    now: datetime
    demo: DemoPlaces
    street_offices: dict[int, int] = field(default_factory=dict)  # new street → its office
    communities: dict[int, CommunityRow] = field(default_factory=dict)  # new communities, and 和平社区
    compounds: dict[int, CompoundRow] = field(default_factory=dict)  # new compounds
    companies: dict[int, int] = field(default_factory=dict)  # new company → its street
    company_compounds: dict[int, list[int]] = field(default_factory=dict)  # company → compounds it serves now


def build_places(bulk: Bulk, rng: random.Random, names: Names, plan: Plan, demo: DemoPlaces,
                 today: date, now: datetime) -> City:
    city = City(today=today, now=now, demo=demo)
    stamp = {"created_at": now, "updated_at": now}
    heping = CommunityRow(id=demo.heping_id, street_id=demo.street_id, residents_committee=demo.heping_committee_id)
    city.communities[heping.id] = heping
    _add_compounds(bulk, city, heping, plan.heping_extra, names, stamp)
    community_names = set(demo.community_names)
    for size in _split(plan.demo_street_new, plan.demo_street_communities, rng):
        community = _community(bulk, city, demo.street_id, names.community(community_names), rng, stamp)
        _add_compounds(bulk, city, community, size, names, stamp)
    street_names: set[str] = {"幸福街道"}
    for number, street_size in enumerate(_split(plan.rest, plan.streets, rng)):
        street_id, street_name = bulk.new_id(Street.__table__), names.street(number, street_names)
        bulk.add(Street.__table__, {"id": street_id, "name": street_name, **stamp})
        city.street_offices[street_id] = _org(bulk, OrgKind.STREET_OFFICE, f"{street_name}办事处", street_id,
                                              stamp=stamp)
        taken: set[str] = set()
        communities = max(1, min(street_size, round(street_size / (plan.rest / max(1, plan.streets)
                                                                  / COMMUNITIES_PER_STREET))))
        for size in _split(street_size, communities, rng):
            community = _community(bulk, city, street_id, names.community(taken), rng, stamp)
            _add_compounds(bulk, city, community, size, names, stamp)
    bulk.flush(Street.__table__, Community.__table__, Organisation.__table__, Compound.__table__)
    _households(bulk, city, rng, names, plan.households, stamp)
    _compound_bodies(bulk, city, rng, stamp)
    _companies(bulk, city, rng, names, plan, stamp)
    _contracts(bulk, city, rng, plan, stamp)
    bulk.flush(Organisation.__table__, ServiceContract.__table__)
    return city


def _split(total: int, parts: int, rng: random.Random, spread: float = 0.35) -> list[int]:
    """`total` shared out over `parts` unequal parts (each at least 1 while there is enough), summing exactly."""
    if parts <= 0:
        return []
    weights = [1 + rng.uniform(-spread, spread) for _ in range(parts)]
    scale = total / sum(weights)
    sizes = [int(w * scale) for w in weights]
    for i in rng.sample(range(parts), total - sum(sizes)):  # each part lost less than one to int()
        sizes[i] += 1
    if total >= parts:
        for i, size in enumerate(sizes):
            if size == 0:
                donor = max(range(parts), key=lambda j: sizes[j])
                sizes[donor] -= 1
                sizes[i] = 1
    return sizes


def _org(bulk: Bulk, kind: str, name: str, street_id: int, community_id: int | None = None,
         compound_id: int | None = None, parent_id: int | None = None, phone: str | None = None, *,
         stamp: dict) -> int:
    org_id = bulk.new_id(Organisation.__table__)
    bulk.add(Organisation.__table__, {
        "id": org_id, "kind": kind, "name": name, "street_id": street_id, "community_id": community_id,
        "compound_id": compound_id, "parent_id": parent_id, "contact_phone": phone, "note": None, **stamp})
    return org_id


def _community(bulk: Bulk, city: City, street_id: int, name: str, rng: random.Random, stamp: dict) -> CommunityRow:
    community_id = bulk.new_id(Community.__table__)
    bulk.add(Community.__table__, {"id": community_id, "street_id": street_id, "name": name,
                                   "address": f"{name[:2]}路{rng.randint(1, 199)}号", "version": 1, **stamp})
    party = _org(bulk, OrgKind.PARTY_COMMITTEE, f"{name}党委", street_id, community_id, stamp=stamp)
    residents = _org(bulk, OrgKind.RESIDENTS_COMMITTEE, f"{name}居民委员会", street_id, community_id,
                     phone=f"0571-8{rng.randrange(10**6):06d}", stamp=stamp)
    row = CommunityRow(id=community_id, street_id=street_id, residents_committee=residents, party_committee=party)
    city.communities[community_id] = row
    return row


def _add_compounds(bulk: Bulk, city: City, community: CommunityRow, count: int, names: Names, stamp: dict) -> None:
    taken: set[str] = set()
    if community.id == city.demo.heping_id:
        from portal.demo import COMMUNITIES

        taken |= {spec.name for spec in COMMUNITIES["和平社区"]}
    for _ in range(count):
        compound_id = bulk.new_id(Compound.__table__)
        name = names.compound(taken)
        grid = len(community.compounds) + 1 + (4 if community.id == city.demo.heping_id else 0)
        bulk.add(Compound.__table__, {
            "id": compound_id, "community_id": community.id, "name": name,
            "address": f"{name[:2]}路{names.rng.randint(100, 999)}号", "grid_name": f"第{grid}网格",
            "version": 1, **stamp})
        community.compounds.append(compound_id)
        city.compounds[compound_id] = CompoundRow(id=compound_id, name=name, community_id=community.id,
                                                  street_id=community.street_id)


# --- buildings and households ---------------------------------------------------------------------------

def _households(bulk: Bulk, city: City, rng: random.Random, names: Names, total: int, stamp: dict) -> None:
    """Share `total` households over the new compounds (a few big estates, many middling ones)."""
    compounds = list(city.compounds.values())
    weights = [rng.lognormvariate(0, 0.6) for _ in compounds]
    scale = total / sum(weights)
    sizes = [int(w * scale) for w in weights]
    for i in rng.choices(range(len(compounds)), k=total - sum(sizes)):
        sizes[i] += 1
    for compound, size in zip(compounds, sizes, strict=True):
        compound.households = size
        _fill_compound(bulk, compound, size, rng, names, stamp)


def _fill_compound(bulk: Bulk, compound: CompoundRow, size: int, rng: random.Random, names: Names,
                   stamp: dict) -> None:
    left, number, first = size, 0, None
    while left > 0:
        number += 1
        units, floors = rng.choice((1, 2, 2, 3)), rng.choice((5, 6, 6, 7, 11, 12, 18, 26))
        building_id = bulk.new_id(Building.__table__)
        name = f"{number}号楼"
        bulk.add(Building.__table__, {"id": building_id, "compound_id": compound.id, "name": name,
                                      "sort_key": natural_key(name), "floors": floors, "version": 1, **stamp})
        for floor in range(1, floors + 1):
            for unit in range(1, units + 1):
                for door in (1, 2):
                    if left == 0:
                        break
                    household_id = bulk.new_id(Household.__table__)
                    first = first or household_id
                    owner = names.person()
                    if rng.random() < RESIDENT_SHARE:
                        phone = names.account_phone()
                        compound.accounts.append((household_id, owner, phone))
                    else:
                        phone = names.owner_phone()
                    bulk.add(Household.__table__, {
                        "id": household_id, "building_id": building_id, "unit": str(unit),
                        "room": f"{floor}{door:02d}", "area_m2": round(rng.uniform(45, 145), 1),
                        "owner_name": owner, "owner_phone": phone, "version": 1, **stamp})
                    left -= 1
    compound.buildings = number
    compound.first_household = first or 0


# --- owners' committees, party branches ---------------------------------------------------------------------

def _compound_bodies(bulk: Bulk, city: City, rng: random.Random, stamp: dict) -> None:
    for compound in city.compounds.values():
        name = compound.name
        community = city.communities[compound.community_id]
        if rng.random() < OWNERS_COMMITTEE_SHARE:
            compound.owners_committee = _org(
                bulk, OrgKind.OWNERS_COMMITTEE, f"{name}业主委员会", compound.street_id, compound.community_id,
                compound.id, phone=f"0571-8{rng.randrange(10**6):06d}", stamp=stamp)
            if rng.random() < 0.25:
                _org(bulk, OrgKind.PARTY_BRANCH, f"{name}业委会党支部", compound.street_id, compound.community_id,
                     compound.id, parent_id=compound.owners_committee, stamp=stamp)
        if rng.random() < 0.2 and community.party_committee:
            _org(bulk, OrgKind.PARTY_BRANCH, f"{name}党支部", compound.street_id, compound.community_id, compound.id,
                 parent_id=community.party_committee, stamp=stamp)


# --- property companies and their contracts ---------------------------------------------------------------

def _companies(bulk: Bulk, city: City, rng: random.Random, names: Names, plan: Plan, stamp: dict) -> None:
    streets = list(city.street_offices) or [city.demo.street_id]
    streets_communities: dict[int, list[int]] = {}
    for community in city.communities.values():
        streets_communities.setdefault(community.street_id, []).append(community.id)
    taken: set[str] = set()
    for number in range(plan.companies):
        street_id = streets[number % len(streets)] if number < len(streets) * 9 else rng.choice(streets)
        if number % 12 == 11:
            street_id = city.demo.street_id  # a few companies registered in the demo street too
        name = names.company(taken)
        company = _org(bulk, OrgKind.PROPERTY_COMPANY, name, street_id,
                       phone=f"400-{rng.randrange(1000):03d}-{rng.randrange(10000):04d}", stamp=stamp)
        city.companies[company] = street_id
        if rng.random() < 0.4 and streets_communities.get(street_id):
            _org(bulk, OrgKind.PARTY_BRANCH, f"{name[:-8]}物业党支部", street_id,
                 rng.choice(streets_communities[street_id]), parent_id=company, stamp=stamp)


def _contracts(bulk: Bulk, city: City, rng: random.Random, plan: Plan, stamp: dict) -> None:
    """安居物业 first (demo_manager's queue is city-sized); then 90% of the rest under a current
    contract with a company of their street (mostly), some expiring soon, some with an older one before."""
    today = city.today
    by_street: dict[int, list[int]] = {}
    for company, street_id in city.companies.items():
        by_street.setdefault(street_id, []).append(company)
    every = list(city.companies)
    compounds = list(city.compounds.values())
    heping = [c for c in compounds if c.community_id == city.demo.heping_id]
    demo_street = [c for c in compounds if c.street_id == city.demo.street_id and c not in heping]
    others = [c for c in compounds if c.street_id != city.demo.street_id]
    anju = heping + rng.sample(demo_street, min(len(demo_street), plan.anju_compounds // 2))
    anju += rng.sample(others, min(len(others), max(0, plan.anju_compounds - len(anju))))
    anju_ids = {c.id for c in anju}

    def contract(compound: CompoundRow, company: int, start: date, end: date,
                 status: str = ContractStatus.ACTIVE) -> None:
        bulk.add(ServiceContract.__table__, {
            "id": bulk.new_id(ServiceContract.__table__), "compound_id": compound.id, "company_id": company,
            "start_date": start, "end_date": end, "status": status, "note": None, **stamp})

    for compound in compounds:
        local = by_street.get(compound.street_id) or every
        company = city.demo.anju_id if compound.id in anju_ids else (
            rng.choice(local) if rng.random() < 0.85 else rng.choice(every))
        start = today - timedelta(days=rng.randint(60, 1500))
        if rng.random() < 0.15:  # an earlier company, before the current one
            earlier = rng.choice(every)
            before = start - timedelta(days=1)
            status = ContractStatus.TERMINATED if rng.random() < 0.5 else ContractStatus.ACTIVE
            contract(compound, earlier, before - timedelta(days=rng.randint(365, 1500)), before, status)
        if compound.id not in anju_ids and rng.random() > CONTRACTED_SHARE:
            if rng.random() < 0.5:  # run out, not renewed yet; else an old compound without property service
                contract(compound, company, start - timedelta(days=730), today - timedelta(days=rng.randint(1, 200)))
            continue
        soon = rng.random() < 0.06
        end = today + timedelta(days=rng.randint(1, 45) if soon else rng.randint(60, 1100))
        contract(compound, company, start, end)
        compound.company = company
        city.company_compounds.setdefault(company, []).append(compound.id)
