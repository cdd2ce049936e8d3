"""The code enumerations: every member has a label, the database refuses a code outside the enum
(SQLite and PostgreSQL alike), and the migrated CHECK constraints match the enums, which Alembic's
autogenerate cannot compare."""

from __future__ import annotations

from datetime import date

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import CheckConstraint, func, inspect, select, text, update
from sqlalchemy.exc import IntegrityError

from portal import create_app
from portal.config import TestConfig
from portal.core import stamps
from portal.extensions import db
from portal.orgs import services as org_services
from portal.orgs.models import (
    ContractStatus,
    HouseholdMember,
    Organisation,
    OrgKind,
    Position,
    Relation,
    Role,
    ServiceContract,
)
from portal.orgs.people_services import BRANCH_PARENT_KINDS, PLACEMENTS
from portal.repairs import labels
from portal.repairs.models import (
    CATEGORIES,
    CHANNELS,
    URGENCIES,
    Category,
    Channel,
    CloseReason,
    Kind,
    Level,
    PhotoStage,
    RepairRequest,
    RequestPhoto,
    ServiceLevel,
    Status,
    Urgency,
)
from portal.repairs.photos import STAGES
from tests.conftest import make_compound, make_contract, make_org, make_user

LABELLED = [
    (Status, labels.STATUS_LABELS), (Kind, labels.KIND_LABELS), (Level, labels.LEVEL_LABELS),
    (Category, labels.CATEGORY_LABELS), (Urgency, labels.URGENCY_LABELS), (Channel, labels.CHANNEL_LABELS),
    (OrgKind, org_services.KIND_LABELS), (Role, org_services.ROLE_LABELS),
]


@pytest.mark.parametrize("enum_cls, table", LABELLED, ids=[e.__name__ for e, _ in LABELLED])
def test_every_member_has_a_label(enum_cls, table):
    assert set(table) == set(enum_cls)
    assert all(type(key) is enum_cls for key in table), "keyed by the members, not by bare codes"
    assert all(str(label) for label in table.values())


def test_the_old_names_still_work():
    """Call sites kept their spelling: ALL, OPEN, BY_ORG_KIND and the code tuples, in declaration order."""
    assert Status.OPEN == (Status.SUBMITTED, Status.ASSIGNED, Status.IN_PROGRESS, Status.ON_HOLD)
    assert tuple(Status) == Status.ALL and tuple(Kind) == Kind.ALL
    assert tuple(OrgKind) == OrgKind.ALL and tuple(ContractStatus) == ContractStatus.ALL
    assert (tuple(Category), tuple(Urgency), tuple(Channel)) == (CATEGORIES, URGENCIES, CHANNELS)
    assert tuple(PhotoStage) == STAGES
    assert CATEGORIES[0] == "water_power" and CHANNELS == ("online", "phone", "walk_in", "patrol")
    assert all(type(code) is Status for code in Status.OPEN + Status.ALL)
    assert set(Role.BY_ORG_KIND) == set(OrgKind)
    assert {role for roles in Role.BY_ORG_KIND.values() for role in roles} == set(Role) - {Role.RESIDENT}
    assert Level.STREET == 2 and f"{Status.ON_HOLD}" == "on_hold" and {"hard": 1}[Kind.HARD] == 1


def test_every_kind_has_a_placement():
    assert set(PLACEMENTS) == set(OrgKind)
    assert BRANCH_PARENT_KINDS == (OrgKind.OWNERS_COMMITTEE, OrgKind.PROPERTY_COMPANY)


# --- the database ----------------------------------------------------------------------------------

def _checks() -> list[CheckConstraint]:
    return sorted((c for table in db.metadata.sorted_tables for c in table.constraints
                   if isinstance(c, CheckConstraint)), key=lambda c: c.name)


def _load_every_model() -> None:
    """Every module's tables, whichever tests were collected before this one."""
    from importlib import import_module, util

    from portal import MODULES

    for name in MODULES:
        if util.find_spec(f"{name}.models"):
            import_module(f"{name}.models")


_load_every_model()
ENUM_CHECKS = [c for c in _checks() if "enum" in c.info]
#: the tables `one_of_each` gives a row; other modules test their own codes' CHECKs
SEEDED = {"repair_request", "request_photo", "organisation", "service_contract", "position", "household_member",
          "service_level"}


def test_each_enumerated_column_has_its_check():
    expected = {
        ("repair_request", "status", Status), ("repair_request", "kind", Kind),
        ("repair_request", "category", Category), ("repair_request", "urgency", Urgency),
        ("repair_request", "channel", Channel), ("repair_request", "close_reason", CloseReason),
        ("request_photo", "stage", PhotoStage), ("organisation", "kind", OrgKind),
        ("service_contract", "status", ContractStatus), ("position", "role", Role),
        ("household_member", "relation", Relation),
        ("service_level", "category", Category), ("service_level", "urgency", Urgency),
    }
    assert expected <= {(c.table.name, c.info["column"], c.info["enum"]) for c in ENUM_CHECKS}
    # Every column that stores one of these codes, in any module, is checked by the database:
    for table in db.metadata.sorted_tables:
        checked = {c.info["column"] for c in table.constraints if isinstance(c, CheckConstraint) and "enum" in c.info}
        for column in ("status", "kind", "category", "urgency", "channel", "role", "stage"):
            if column in table.c and table.c[column].type.python_type is str:
                assert column in checked, f"{table.name}.{column} has no enum CHECK"


def test_the_migrated_database_has_every_check_of_the_models(app):
    """Named as the models name them, and accepting every member of the enum (a member added
    without a migration is caught here, before the database refuses it in production)."""
    inspector = inspect(db.engine)
    for constraint in _checks():
        reflected = {c["name"]: c["sqltext"] for c in inspector.get_check_constraints(constraint.table.name)}
        assert constraint.name in reflected, (constraint.name, sorted(reflected))
        for member in constraint.info.get("enum", ()):
            assert f"'{member.value}'" in reflected[constraint.name], (constraint.name, member)


@pytest.fixture
def one_of_each(world):
    """At least one row in every table with an enumerated column."""
    users = world["users"]
    req = RepairRequest(compound_id=world["compound"].id, household_id=world["household"].id,
                        category=Category.WATER_POWER, kind=Kind.HOUSEHOLD, description="漏水",
                        filed_by_id=users[Role.RESIDENT].id, requester_id=users[Role.RESIDENT].id)
    db.session.add(req)
    db.session.flush()
    db.session.add(RequestPhoto(request_id=req.id, stored_name="enum-test.jpg", width=1, height=1, size_bytes=1,
                                uploaded_by_id=users[Role.RESIDENT].id))
    db.session.add(ServiceLevel(category=Category.HEATING, urgency=Urgency.URGENT, hours=4))
    db.session.commit()
    assert req.close_reason is None  # NULL passes the check
    return world


@pytest.mark.parametrize("constraint", [c for c in ENUM_CHECKS if c.table.name in SEEDED],
                         ids=[c.name for c in ENUM_CHECKS if c.table.name in SEEDED])
def test_the_database_refuses_a_code_outside_the_enum(one_of_each, constraint):
    table = constraint.table
    column = table.c[constraint.info["column"]]
    row_id = db.session.scalar(select(table.c.id).order_by(table.c.id).limit(1))
    assert row_id is not None
    for member in constraint.info["enum"]:
        db.session.execute(update(table).where(table.c.id == row_id).values({column: member.value}))
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(update(table).where(table.c.id == row_id).values({column: "no_such_code"}))
    db.session.rollback()


# --- the migration on a SQLite database that holds data --------------------------------------------

def test_enum_checks_migrate_a_sqlite_database_with_rows(tmp_path, monkeypatch):
    """SQLite rebuilds each table; rows that other tables refer to must survive with foreign keys on."""
    monkeypatch.setattr(stamps, "_watched", {})  # rows written at 0003, before the stamp table existed

    class Fresh(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'populated.sqlite3'}"

    app = create_app(Fresh)
    with app.app_context():
        upgrade(revision="0003_repairs")
        compound = make_compound()
        company = make_org(OrgKind.PROPERTY_COMPANY, street=compound.community.street)
        make_contract(compound, company)
        staff = make_user(role=Role.PROPERTY_STAFF, org=company)
        resident = make_user(household=compound.buildings[0].households[0])
        req = RepairRequest(compound_id=compound.id, category=Category.ROAD, kind=Kind.HOUSEHOLD, place="北门",
                            description="坑", filed_by_id=resident.id, handler_id=staff.id)
        db.session.add(req)
        db.session.flush()
        db.session.add(RequestPhoto(request_id=req.id, stored_name="x.jpg", width=1, height=1, size_bytes=1,
                                    uploaded_by_id=resident.id))
        db.session.commit()
        models = (Organisation, Position, ServiceContract, HouseholdMember, RepairRequest, RequestPhoto)
        before = {m.__tablename__: db.session.scalar(select(func.count()).select_from(m)) for m in models}
        staff_id = staff.id
        db.session.remove()

        upgrade()
        assert {m.__tablename__: db.session.scalar(select(func.count()).select_from(m)) for m in models} == before
        assert db.session.execute(text("PRAGMA foreign_key_check")).all() == []
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        names = {c["name"] for c in inspect(db.engine).get_check_constraints("organisation")}
        assert names == {"ck_organisation_compound_has_community", "ck_organisation_kind_enum"}
        db.session.add(Position(user_id=staff_id, organisation_id=10_000, role=Role.MEMBER, title="x",
                                start_date=date.today()))
        with pytest.raises(IntegrityError):  # foreign keys are enforced again
            db.session.flush()
        db.session.rollback()
        db.session.remove()

        downgrade(revision="0003_repairs")
        assert {m.__tablename__: db.session.scalar(select(func.count()).select_from(m)) for m in models} == before
        names = {c["name"] for c in inspect(db.engine).get_check_constraints("organisation")}
        assert names == {"ck_organisation_compound_has_community"}
        db.session.remove()
        db.engine.dispose()
