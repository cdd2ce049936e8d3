"""Fixtures: an app on a freshly migrated database (SQLite, or PostgreSQL via TEST_DATABASE_URL),
factories for the structure, and login_as."""

from __future__ import annotations

import itertools
import re
from datetime import date, timedelta

import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import text

from portal import create_app
from portal.auth.models import User
from portal.auth.passwords import hash_password
from portal.config import TestConfig
from portal.extensions import db, limiter
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

PASSWORD = "Test-pass-2026"
_HASH = hash_password(PASSWORD)
_seq = itertools.count(1)


def _reset_database() -> None:
    """Drop everything (including alembic_version) so `upgrade` builds the schema from empty."""
    engine = db.engine
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    else:
        db.drop_all()
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


class IsolatedClient(FlaskClient):
    """Requests share the test's app context (and so `g`); forget per-request caches first,
    as a real server would, so one client's login never leaks into another's request."""

    def open(self, *args, **kwargs):
        if has_app_context():
            for key in list(vars(g)):
                g.pop(key, None)
        return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def _migrated_app():
    app = create_app(TestConfig)
    app.test_client_class = IsolatedClient
    with app.app_context():
        _reset_database()
        upgrade()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()  # close pooled connections: an open one at exit is a ResourceWarning


@pytest.fixture
def app(_migrated_app):
    """The app with a clean database for each test (tables emptied, schema kept)."""
    app = _migrated_app
    with app.app_context():
        _empty_tables()
        limiter.reset()
        yield app
        db.session.remove()


def _empty_tables() -> None:
    db.session.remove()
    tables = [t for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_token(client, path: str = "/auth/login") -> str:
    """Fetch a page and read its CSRF token, as a browser would."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login_as(client, user: User, password: str = PASSWORD):
    token = csrf_token(client, "/auth/login")
    login = user.username or user.phone
    response = client.post("/auth/login", data={"login": login, "password": password, "csrf_token": token})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return client


def post(client, path: str, data: dict | None = None, *, htmx: bool = False, block: str | None = None, **kwargs):
    """POST with the CSRF token taken from the current session: plain, or as htmx sends it
    (asking for `block` as a form with hx-headers X-Block does; without it, a boosted form)."""
    data = dict(data or {})
    token = csrf_token(client, "/")
    headers = kwargs.pop("headers", {})
    if htmx:
        headers = {"HX-Request": "true", "X-CSRFToken": token, **headers}
        headers.update({"X-Block": block} if block else {"HX-Boosted": "true"})
    else:
        data.setdefault("csrf_token", token)
    return client.post(path, data=data, headers=headers, **kwargs)


# --- factories ----------------------------------------------------------------------------------

def make_street(name: str | None = None) -> Street:
    street = Street(name=name or f"测试街道{next(_seq)}")
    db.session.add(street)
    db.session.flush()
    db.session.add(Organisation(kind=OrgKind.STREET_OFFICE, name=f"{street.name}办事处", street_id=street.id))
    db.session.flush()
    return street


def make_community(street: Street | None = None, name: str | None = None) -> Community:
    street = street or make_street()
    community = Community(street_id=street.id, name=name or f"测试社区{next(_seq)}")
    db.session.add(community)
    db.session.flush()
    return community


def make_compound(community: Community | None = None, name: str | None = None, buildings: int = 1,
                  households: int = 2) -> Compound:
    community = community or make_community()
    compound = Compound(community_id=community.id, name=name or f"测试小区{next(_seq)}")
    db.session.add(compound)
    db.session.flush()
    for b in range(1, buildings + 1):
        building = Building(compound_id=compound.id, name=f"{b}号楼", sort_key=f"{b:06d}")
        db.session.add(building)
        db.session.flush()
        for h in range(1, households + 1):
            db.session.add(Household(building_id=building.id, unit="1", room=f"{100 + h}",
                                     owner_name="王小明", owner_phone=f"139{next(_seq):08d}"))
    db.session.flush()
    return compound


def make_org(kind: str, *, street: Street | None = None, community: Community | None = None,
             compound: Compound | None = None, name: str | None = None, parent: Organisation | None = None) -> Organisation:
    if compound is not None:
        community = compound.community
    if community is not None:
        street = community.street
    street = street or make_street()
    org = Organisation(kind=kind, name=name or f"{kind}{next(_seq)}", street_id=street.id,
                       community_id=community.id if community else None,
                       compound_id=compound.id if compound else None, parent_id=parent.id if parent else None)
    db.session.add(org)
    db.session.flush()
    return org


def make_contract(compound: Compound, company: Organisation, *, expired: bool = False) -> ServiceContract:
    today = date.today()
    if expired:
        start, end = today - timedelta(days=800), today - timedelta(days=30)
    else:
        start, end = today - timedelta(days=365), today + timedelta(days=365)
    contract = ServiceContract(compound_id=compound.id, company_id=company.id, start_date=start, end_date=end)
    db.session.add(contract)
    db.session.flush()
    return contract


def make_user(name: str = "测试用户", *, role: str | None = None, org: Organisation | None = None,
              household: Household | None = None, grid: Compound | None = None, title: str = "委员",
              street: Street | None = None) -> User:
    n = next(_seq)
    user = User(name=name, username=f"user{n}", phone=f"137{n:08d}", password_hash=_HASH,
                street_id=(street or (org.street if org else None)).id if (street or org) else None)
    db.session.add(user)
    db.session.flush()
    if role is not None:
        assert org is not None, "a role needs an organisation"
        db.session.add(Position(user_id=user.id, organisation_id=org.id, role=role, title=title,
                                start_date=date.today() - timedelta(days=30), compound_id=grid.id if grid else None))
    if household is not None:
        db.session.add(HouseholdMember(household_id=household.id, user_id=user.id, relation="owner"))
    db.session.flush()
    return user


@pytest.fixture
def world(app):
    """Two streets' worth of structure and one user per role, for permission matrices.

    `in_*` objects are inside the role users' scope; `out_*` belong to another street.
    """
    street = make_street("幸福街道")
    community = make_community(street, "和平社区")
    compound = make_compound(community, "阳光花园", buildings=2, households=3)
    other_compound = make_compound(community, "锦绣家园")
    company = make_org(OrgKind.PROPERTY_COMPANY, street=street, name="安居物业")
    make_contract(compound, company)
    party = make_org(OrgKind.PARTY_COMMITTEE, community=community, name="和平社区党委")
    residents_committee = make_org(OrgKind.RESIDENTS_COMMITTEE, community=community, name="和平社区居委会")
    owners = make_org(OrgKind.OWNERS_COMMITTEE, compound=compound, name="阳光花园业委会")
    office = db.session.query(Organisation).filter_by(street_id=street.id, kind=OrgKind.STREET_OFFICE).one()
    household = compound.buildings[0].households[0]

    far_street = make_street("远方街道")
    far_community = make_community(far_street, "远方社区")
    far_compound = make_compound(far_community, "远方小区")

    users = {
        Role.STREET_ADMIN: make_user("街道管理员", role=Role.STREET_ADMIN, org=office, title="管理员"),
        Role.PARTY_SECRETARY: make_user("党委书记", role=Role.PARTY_SECRETARY, org=party, title="书记"),
        Role.COMMUNITY_WORKER: make_user("社区工作者", role=Role.COMMUNITY_WORKER, org=residents_committee, title="社工"),
        Role.GRID_WORKER: make_user("网格员", role=Role.GRID_WORKER, org=residents_committee, grid=compound, title="网格员"),
        Role.OWNERS_COMMITTEE: make_user("业委会委员", role=Role.OWNERS_COMMITTEE, org=owners, title="委员"),
        Role.PROPERTY_MANAGER: make_user("项目经理", role=Role.PROPERTY_MANAGER, org=company, title="项目经理"),
        Role.PROPERTY_STAFF: make_user("维修工", role=Role.PROPERTY_STAFF, org=company, title="维修工"),
        Role.RESIDENT: make_user("居民", household=household, street=street),
    }
    db.session.commit()
    return {
        "street": street, "community": community, "compound": compound, "other_compound": other_compound,
        "company": company, "party": party, "owners": owners, "office": office, "household": household,
        "residents_committee": residents_committee,
        "far_street": far_street, "far_community": far_community, "far_compound": far_compound,
        "users": users,
    }


@pytest.fixture
def count_queries(app):
    """A counter of the SQL statements sent while the test runs (use with `queries_for`)."""
    from sqlalchemy import event

    counter = {"n": 0}

    def before(*args, **kwargs):
        counter["n"] += 1

    event.listen(db.engine, "before_cursor_execute", before)
    yield counter
    event.remove(db.engine, "before_cursor_execute", before)


def queries_for(client, url, counter) -> int:
    """Statements one GET of `url` costs, from a cold identity map (the test shares the request's session),
    once the person's scope is kept (a first GET computes it, as the first request after any change of
    the structure does: orgs.permissions.scope_of)."""
    assert client.get(url).status_code == 200
    db.session.expire_all()
    counter["n"] = 0
    assert client.get(url).status_code == 200
    return counter["n"]
