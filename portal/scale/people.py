"""The people of the city: accounts, their posts (positions) and their homes (household members).

Posts follow the permission rules (portal/orgs/permissions.py, scope_of): street administrators in
each street office; a party committee (secretary and members) and a residents' committee (director,
community workers, one grid worker per compound) in each new community; owners' committee members
who live in their compound; managers and staff in each property company, staff in proportion to the
compounds it serves. 安居物业 gets staff for its new compounds but keeps demo_manager as its only
manager, so his queue and to-dos are the company's whole flow. Every account shares one password
hash (the demo password): argon2 per account would take hours, on purpose.
"""

from __future__ import annotations

import random
import secrets
from datetime import timedelta

from portal.auth.models import User
from portal.orgs.models import HouseholdMember, Position, Relation, Role
from portal.scale.bulk import Bulk
from portal.scale.names import Names
from portal.scale.places import City

FAMILY_SHARE = 0.1  # households with an account where a second person has signed up too
PARTY_SHARE = 0.08


class People:
    def __init__(self, bulk: Bulk, city: City, rng: random.Random, names: Names, password_hash: str):
        self.bulk, self.city, self.rng, self.names = bulk, city, rng, names
        self.password_hash = password_hash
        self.stamp = {"created_at": city.now, "updated_at": city.now}

    def user(self, street_id: int, *, name: str | None = None, phone: str | None = None, staff: bool = True,
             party: bool | None = None) -> int:
        user_id = self.bulk.new_id(User.__table__)
        self.bulk.add(User.__table__, {
            "id": user_id, "username": f"city{user_id}" if staff else None,
            "phone": phone or self.names.account_phone(), "name": name or self.names.person(),
            "password_hash": self.password_hash, "session_token": secrets.token_urlsafe(32), "active": True,
            "is_party_member": self.rng.random() < PARTY_SHARE if party is None else party,
            "street_id": street_id, "locale": None, "last_login_at": None, "password_changed_at": None,
            **self.stamp})
        return user_id

    def post(self, user_id: int, organisation_id: int, role: str, title: str, compound_id: int | None = None) -> None:
        self.bulk.add(Position.__table__, {
            "id": self.bulk.new_id(Position.__table__), "user_id": user_id, "organisation_id": organisation_id,
            "role": role, "title": title, "compound_id": compound_id,
            "start_date": self.city.today - timedelta(days=self.rng.randint(60, 1500)), "end_date": None,
            **self.stamp})

    def member(self, household_id: int, user_id: int, relation: str) -> None:
        self.bulk.add(HouseholdMember.__table__, {
            "id": self.bulk.new_id(HouseholdMember.__table__), "household_id": household_id, "user_id": user_id,
            "relation": relation, **self.stamp})


def build_people(bulk: Bulk, city: City, rng: random.Random, names: Names, password_hash: str) -> None:
    people = People(bulk, city, rng, names, password_hash)
    for street_id, office in city.street_offices.items():
        for title in ("党建办主任", "社区管理科科员"):
            people.post(people.user(street_id, party=True), office, Role.STREET_ADMIN, title)
    for community in city.communities.values():
        _community_posts(people, community)
    for compound in city.compounds.values():
        _residents(people, compound)
    _demo_residents(people)
    _company_posts(people)
    bulk.flush()


def _community_posts(people: People, community) -> None:
    street = community.street_id
    if community.party_committee:  # a new community: its committees' people (和平社区 has the demo's)
        secretary = people.user(street, party=True)
        people.post(secretary, community.party_committee, Role.PARTY_SECRETARY, "书记")
        for _ in range(2):
            people.post(people.user(street, party=True), community.party_committee, Role.PARTY_COMMITTEE, "委员")
        director = secretary if people.rng.random() < 0.4 else people.user(street)  # 书记、主任"一肩挑"
        people.post(director, community.residents_committee, Role.COMMUNITY_WORKER, "主任")
        for _ in range(3):
            people.post(people.user(street), community.residents_committee, Role.COMMUNITY_WORKER, "社区工作者")
    for compound_id in community.compounds:
        people.post(people.user(street), community.residents_committee, Role.GRID_WORKER, "网格员", compound_id)


def _residents(people: People, compound) -> None:
    """Owners with an account, a few family members, and the owners' committee chosen among them."""
    owners: list[int] = []
    for household_id, name, phone in compound.accounts:
        user_id = people.user(compound.street_id, name=name, phone=phone, staff=False)
        people.member(household_id, user_id, Relation.OWNER)
        owners.append(user_id)
        if people.rng.random() < FAMILY_SHARE:
            people.member(household_id, people.user(compound.street_id, staff=False), Relation.FAMILY)
    if compound.owners_committee:
        members = owners[:3] or [people.user(compound.street_id, staff=False)]
        for user_id, title in zip(members, ("业委会主任", "委员", "委员"), strict=False):
            people.post(user_id, compound.owners_committee, Role.OWNERS_COMMITTEE, title)


def _demo_residents(people: People) -> None:
    """The demo's compounds get residents with accounts too (the demo has a dozen), so that their
    requests are spread over many people rather than filed a thousand a year by demo_resident."""
    from sqlalchemy import select

    from portal.orgs.models import Building, Community, Compound, Household, HouseholdMember
    from portal.scale.places import RESIDENT_SHARE

    city = people.city
    signed_up = select(HouseholdMember.id).where(HouseholdMember.household_id == Household.id).exists()
    rows = people.bulk.conn.execute(
        select(Household.id, Household.owner_name).join(Building).join(Compound).join(Community)
        .where(Community.street_id == city.demo.street_id, Compound.id.not_in(list(city.compounds)), ~signed_up)
        .order_by(Household.id)).all()
    for household_id, owner in rows:
        if people.rng.random() < RESIDENT_SHARE:
            user_id = people.user(city.demo.street_id, name=owner or people.names.person(), staff=False)
            people.member(household_id, user_id, Relation.OWNER)


def _company_posts(people: People) -> None:
    city = people.city
    for company, street_id in city.companies.items():
        served = len(city.company_compounds.get(company, ()))
        for _ in range(1 if served <= 25 else 2):
            people.post(people.user(street_id), company, Role.PROPERTY_MANAGER, "项目经理")
        for number in range(max(2, 2 * served)):
            people.post(people.user(street_id), company, Role.PROPERTY_STAFF, ("维修工", "维修工", "客服", "保洁主管")[number % 4])
    anju = city.demo.anju_id
    for number in range(2 * len(city.company_compounds.get(anju, ()))):
        people.post(people.user(city.demo.street_id), anju, Role.PROPERTY_STAFF, ("维修工", "客服")[number % 2])
