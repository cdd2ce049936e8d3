"""Regressions for what the security review found: each would have leaked data, taken over an
account, or answered 500."""

from datetime import date, timedelta

import pytest

from portal.extensions import db
from portal.orgs.models import OrgKind, Position, Role
from portal.repairs import services
from portal.repairs.models import Kind, Status
from tests.conftest import login_as, make_org, make_user, post


def test_an_admin_cannot_appoint_or_take_over_another_streets_account(client, world):
    far_admin = make_user("远方管理员", role=Role.STREET_ADMIN,
                          org=make_org(OrgKind.STREET_OFFICE, street=world["far_street"]), street=world["far_street"])
    team = make_org(OrgKind.VOLUNTEER_TEAM, community=world["community"], name="志愿服务队")
    db.session.commit()
    login_as(client, world["users"][Role.STREET_ADMIN])
    response = post(client, f"/organisations/{team.id}/positions/new",
                    {"person": far_admin.username, "role": Role.MEMBER, "title": "队员",
                     "start_date": date.today().isoformat()})
    html = response.get_data(as_text=True)
    assert 'data-field-error="person"' in html and "远方管理员" not in html
    assert db.session.query(Position).filter_by(user_id=far_admin.id, organisation_id=team.id).count() == 0
    assert client.get(f"/people/{far_admin.id}/edit").status_code == 404
    assert post(client, f"/people/{far_admin.id}/password", {"password": "Taken-over-99"}).status_code == 404


def _assigned(world):
    users = world["users"]
    req = services.file_request(by=users[Role.RESIDENT], compound=world["compound"], category="water_power",
                                description="漏水", household=world["household"])
    services.assign(req, by=users[Role.PROPERTY_MANAGER], handler=users[Role.PROPERTY_STAFF])
    services.accept(req, by=users[Role.PROPERTY_STAFF])
    db.session.commit()
    return req


def test_a_handler_who_left_the_company_loses_the_request(client, world):
    req = _assigned(world)
    staff = world["users"][Role.PROPERTY_STAFF]
    login_as(client, staff)
    assert client.get(f"/repairs/{req.id}").status_code == 200
    for position in db.session.query(Position).filter_by(user_id=staff.id):
        position.end_date = date.today() - timedelta(days=1)
    db.session.commit()
    assert client.get(f"/repairs/{req.id}").status_code == 404
    with pytest.raises(services.RuleError):
        services.hold(db.session.get(type(req), req.id), by=staff, reason="等配件")


def test_the_property_manager_cannot_pull_back_a_confirmed_community_matter(world):
    users = world["users"]
    req = services.file_request(by=users[Role.RESIDENT], compound=world["compound"], category="noise",
                                description="广场舞太吵", place="中心广场")
    services.triage(req, by=users[Role.COMMUNITY_WORKER], kind=Kind.COMMUNITY)
    db.session.commit()
    with pytest.raises(services.RuleError):
        services.triage(req, by=users[Role.PROPERTY_MANAGER], kind=Kind.HOUSEHOLD, reason="我们来办")
    assert req.kind == Kind.COMMUNITY and req.status == Status.SUBMITTED


def test_staff_filing_for_their_own_home_is_the_requester(world):
    users = world["users"]
    worker = users[Role.COMMUNITY_WORKER]
    from portal.orgs.models import HouseholdMember

    home = world["compound"].buildings[1].households[0]
    db.session.add(HouseholdMember(household_id=home.id, user_id=worker.id))
    db.session.commit()
    req = services.file_request(by=worker, compound=world["compound"], category="sewer", description="堵了",
                                household=home, channel="walk_in")
    assert req.requester_id == worker.id


def test_reauthentication_is_rate_limited(client, world, app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "3 per minute")
    login_as(client, world["users"][Role.RESIDENT])
    codes = [post(client, "/auth/reauth", {"password": "wrong-guess"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    from portal.core.audit import AuditLog

    assert db.session.query(AuditLog).filter_by(action="reauth.failed").count() == 3


@pytest.mark.parametrize("path", [
    "/repairs/?compound=²", "/repairs/board?compound=²", "/repairs/new?compound_id=²", "/compounds?community=²",
    "/repairs/?to=9999-12-31&from=0001-01-01", "/repairs/99999999999999999999999", "/households/99999999999999999",
    "/repairs/photos/99999999999999999999", "/compounds/1/households?building=99999999999999999999",
])
def test_odd_numbers_in_urls_are_not_server_errors(client, world, path):
    login_as(client, world["users"][Role.STREET_ADMIN])
    assert client.get(path).status_code in (200, 302, 400, 403, 404)


def test_a_resident_posting_a_bad_location_gets_a_field_error(client, world):
    login_as(client, world["users"][Role.RESIDENT])
    for location in ("h:abc", "x:1", "h:²", "h:99999999999999999999"):
        response = post(client, "/repairs/new", {"location": location, "category": "other", "description": "x",
                                                 "urgency": "normal"})
        assert response.status_code in (200, 404), location
