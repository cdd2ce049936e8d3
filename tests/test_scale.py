"""`flask city` at a tiny scale: the counts asked for, consistent rows, the demo logins inside the city,
their pages answering with more than the demo alone, and a refusal to run twice.

One test, because the demo it loads first takes most of the time."""

import re

import pytest
from sqlalchemy import func, select

from portal.auth.models import User
from portal.demo import DEMO_PASSWORD, STREET_NAME
from portal.extensions import db
from portal.orgs.models import Building, Community, Compound, Household, HouseholdMember, Street
from portal.orgs.permissions import compute_scope
from portal.repairs import services
from portal.repairs.models import RepairRequest, RequestEvent, Status
from portal.repairs.permissions import visibility
from tests.conftest import login_as

SCALE = ["city", "--scale", "0.002", "--seed", "7"]  # 4 compounds, 1,000 households, 2,000 requests


@pytest.fixture(autouse=True)
def uploads(app, tmp_path, monkeypatch):
    """The demo's repair photos go to a temporary folder, not the instance folder."""
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))


def _written(output: str) -> dict[str, int]:
    return {name: int(count.replace(",", "")) for name, count in re.findall(r"^\s+(\w+)\s+([\d,]+)$", output, re.M)}


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def _visible(user) -> int:
    return db.session.scalar(select(func.count(RepairRequest.id)).where(visibility(user)))


def test_city_is_generated_consistent_and_around_the_demo(app):
    runner = app.test_cli_runner()

    result = runner.invoke(args=SCALE)

    assert result.exit_code == 0, result.output
    written = _written(result.output)
    assert written["compound"] == 4
    assert written["household"] == 1000
    assert written["repair_request"] == 2000
    assert 4 * 2000 <= written["request_event"] <= 8 * 2000
    assert 1.5 * 2000 <= written["notification"] <= 4 * 2000
    assert written["request_photo"] > 0 and written["position"] > 0 and written["service_contract"] > 0
    db.session.remove()

    # every request's household lies in its compound, and every resident who filed lives there
    wrong_household = db.session.scalar(
        select(func.count(RepairRequest.id)).join(Household, Household.id == RepairRequest.household_id)
        .join(Building).where(Building.compound_id != RepairRequest.compound_id))
    assert wrong_household == 0
    lives_there = select(HouseholdMember.id).join(Household).join(Building).where(
        HouseholdMember.user_id == RepairRequest.requester_id, Building.compound_id == RepairRequest.compound_id)
    assert db.session.scalar(select(func.count(RepairRequest.id)).where(
        RepairRequest.requester_id.is_not(None), ~lives_there.exists())) == 0
    # the status mix: most closed, some in every other state; dates agree with the status
    statuses = dict(db.session.execute(select(RepairRequest.status, func.count()).group_by(RepairRequest.status)).all())
    assert statuses[Status.CLOSED] > 0.85 * sum(statuses.values())
    assert all(statuses.get(status) for status in Status.ALL)
    assert db.session.scalar(select(func.count(RepairRequest.id)).where(
        RepairRequest.status == Status.CLOSED, RepairRequest.closed_at.is_(None))) == 0
    filed = db.session.scalar(select(func.count(func.distinct(RequestEvent.request_id)))
                              .where(RequestEvent.action == "filed"))
    assert filed == sum(statuses.values())
    # the sweep finds nothing left undone: overdue requests were flagged, stale resolved ones closed
    assert services.sweep() == {"escalated": 0, "overdue": 0, "closed": 0}
    db.session.rollback()

    # the demo logins sit inside the city
    street = db.session.scalar(select(Street).where(Street.name == STREET_NAME))
    demo_compounds = 10
    assert len(compute_scope(_user("demo_street")).compound_ids) > demo_compounds
    manager = _user("demo_manager")
    manager_compounds = compute_scope(manager).compound_ids
    city_compounds = set(db.session.scalars(select(Compound.id).join(Community).where(
        Community.street_id != street.id)))
    heping = db.session.scalar(select(Community).where(Community.name == "和平社区"))
    assert len(heping.compounds) > 4
    demo_alone = 60  # the demo files about sixty requests in all
    assert _visible(manager) > 3 * demo_alone
    assert _visible(_user("demo_street")) > demo_alone
    assert any(c.id in manager_compounds for c in heping.compounds if c.name not in {
        "阳光花园", "锦绣家园", "翠湖苑", "和平里小区"})
    assert city_compounds, "other streets exist"

    client = app.test_client()
    login_as(client, manager, DEMO_PASSWORD)
    queue = client.get("/repairs/")
    assert queue.status_code == 200
    client.get("/auth/logout")
    street_admin = _user("demo_street")
    client = app.test_client()
    login_as(client, street_admin, DEMO_PASSWORD)
    assert client.get(f"/figures/street/{street.id}").status_code == 200
    assert client.get("/repairs/").status_code == 200

    # a second run refuses, and changes nothing
    requests = db.session.scalar(select(func.count(RepairRequest.id)))
    again = runner.invoke(args=SCALE)
    assert again.exit_code != 0
    assert "already" in again.output
    assert db.session.scalar(select(func.count(RepairRequest.id))) == requests
