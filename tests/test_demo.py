"""The demo loader: a realistic street, the edge cases the indicators need, idempotent, and working logins."""

from collections import defaultdict
from datetime import date

from sqlalchemy import func, select

from portal.auth.models import User
from portal.auth.passwords import password_problem, verify_password
from portal.core.permissions import compute_scope
from portal.demo import DEMO_PASSWORD, demo_logins, load_demo
from portal.extensions import db
from portal.orgs.models import (
    Building,
    Community,
    Compound,
    Household,
    HouseholdMember,
    Organisation,
    Position,
    Role,
    ServiceContract,
    Street,
)

TODAY = date(2026, 3, 1)
# The role each demo login exists to show.
LOGIN_ROLES = {
    "demo_street": Role.STREET_ADMIN,
    "demo_secretary": Role.PARTY_SECRETARY,
    "demo_committee": Role.PARTY_COMMITTEE,
    "demo_worker": Role.COMMUNITY_WORKER,
    "demo_grid": Role.GRID_WORKER,
    "demo_owners": Role.OWNERS_COMMITTEE,
    "demo_manager": Role.PROPERTY_MANAGER,
    "demo_staff": Role.PROPERTY_STAFF,
    "demo_resident": Role.RESIDENT,
}
TABLES = (Street, Community, Compound, Building, Household, Organisation, ServiceContract, User, Position,
          HouseholdMember)


def _row_counts() -> dict[str, int]:
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model)) for model in TABLES}


def test_demo_is_a_realistic_street(app):
    result = load_demo(TODAY)

    assert result.created
    assert result.communities == 3
    assert 8 <= result.compounds <= 12
    assert 700 <= result.households <= 900
    assert db.session.scalar(select(func.count(Household.id))) == result.households
    phones = db.session.scalars(select(Household.owner_phone)).all()
    assert all(len(phone) == 11 and phone.startswith("13") for phone in phones)


def test_exactly_one_compound_without_contract_and_one_only_expired(app):
    load_demo(TODAY)
    compounds = db.session.scalars(select(Compound)).all()

    without = [c.name for c in compounds if not c.contracts]
    expired = [c.name for c in compounds if c.contracts and all(k.end_date < TODAY for k in c.contracts)]

    assert len(without) == 1
    assert len(expired) == 1
    current = [c for c in compounds if any(k.is_current(TODAY) for k in c.contracts)]
    assert len(current) == len(compounds) - 2


def test_loading_twice_changes_nothing(app):
    first = load_demo(TODAY)
    counts = _row_counts()

    second = load_demo(TODAY)

    assert second.created is False
    assert _row_counts() == counts
    assert (second.communities, second.compounds, second.households, second.users) == (
        first.communities, first.compounds, first.households, first.users)


def test_every_demo_login_exists_is_active_and_has_its_role(app):
    load_demo()
    logins = demo_logins()
    assert {login for _, login, _ in logins} == set(LOGIN_ROLES)
    assert password_problem(DEMO_PASSWORD) is None

    users = []
    for _label, login, password in logins:
        user = db.session.scalar(select(User).where(User.username == login))
        assert user is not None, login
        assert user.active and user.phone, login
        assert password == DEMO_PASSWORD
        assert LOGIN_ROLES[login] in compute_scope(user).roles, login
        users.append(user)
    assert {user.password_hash for user in users} == {users[0].password_hash}
    assert verify_password(users[0].password_hash, DEMO_PASSWORD)


def test_someone_holds_open_posts_in_two_organisations(app):
    load_demo(TODAY)
    organisations_of = defaultdict(set)
    for position in db.session.scalars(select(Position)):
        if position.is_open(TODAY):
            organisations_of[position.user_id].add(position.organisation_id)

    assert any(len(orgs) >= 2 for orgs in organisations_of.values())
    ended = db.session.scalars(select(Position).where(Position.end_date < TODAY)).all()
    assert ended, "one closed term is kept for history"
