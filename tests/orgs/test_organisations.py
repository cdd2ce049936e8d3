"""Organisations and positions: scope (404), permission (403), attachment rules and appointments."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.auth.models import User
from portal.core.clock import today
from portal.extensions import db
from portal.orgs.models import ContractStatus, Organisation, OrgKind, Position, Role, ServiceContract
from portal.orgs.permissions import STAFF_ROLES, compute_scope, organisation_visible
from portal.orgs.permissions import organisation_visibility as _visible_clause
from tests.conftest import login_as, make_contract, make_org, make_user, post


@pytest.fixture
def far(world):
    """An organisation, a person and a position in the far street."""
    far_org = make_org(OrgKind.RESIDENTS_COMMITTEE, community=world["far_community"], name="远方居委会")
    far_user = make_user("远方社工", role=Role.COMMUNITY_WORKER, org=far_org)
    db.session.commit()
    position = db.session.scalar(select(Position).where(Position.user_id == far_user.id))
    return {"org": far_org, "user": far_user, "position": position}


def admin_client(client, world):
    return login_as(client, world["users"][Role.STREET_ADMIN])


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- list ------------------------------------------------------------------------------------------

def test_list_shows_own_street_only(client, world, far):
    html = admin_client(client, world).get("/organisations").get_data(as_text=True)
    assert "和平社区党委" in html and "阳光花园业委会" in html and "安居物业" in html
    assert "远方居委会" not in html


@pytest.fixture
def former(world):
    """A company that served world's compound until last year, with a manager; 安居物业 serves it now."""
    company = make_org(OrgKind.PROPERTY_COMPANY, street=world["street"], name="旧时物业")
    make_contract(world["compound"], company, expired=True)
    make_user("旧时经理", role=Role.PROPERTY_MANAGER, org=company, title="项目经理")
    db.session.commit()
    return company


def visible_by_the_rules(user, org: Organisation) -> bool:
    """DOMAIN.md's scope restated in Python, apart from the SQL clause: the street's organisations
    (administrators), one's own, those of one's staff compounds and the companies serving them
    under a current contract, one's communities' own bodies."""
    scope = compute_scope(user)
    staff = scope.compounds_with(STAFF_ROLES)
    serving = any(c.is_current() and c.compound_id in staff
                  for c in db.session.scalars(select(ServiceContract).where(ServiceContract.company_id == org.id)))
    return (org.street_id in scope.street_ids or org.id in scope.organisation_ids
            or org.compound_id in staff
            or (org.compound_id is None and org.community_id in scope.community_ids)
            or (org.kind == OrgKind.PROPERTY_COMPANY and org.compound_id is None and org.community_id is None
                and serving))


@pytest.mark.parametrize("role", [Role.STREET_ADMIN, Role.PARTY_SECRETARY, Role.COMMUNITY_WORKER, Role.GRID_WORKER,
                                  Role.OWNERS_COMMITTEE, Role.PROPERTY_MANAGER, Role.PROPERTY_STAFF, Role.RESIDENT])
def test_list_filter_matches_organisation_visible(app, world, far, former, role):
    user = world["users"][role]
    everything = db.session.scalars(select(Organisation)).all()
    expected = {o.id for o in everything if organisation_visible(user, o)}
    with app.test_request_context():
        listed = set(db.session.scalars(select(Organisation.id).where(_visible_clause(user))))
    assert listed == expected
    assert expected == {o.id for o in everything if visible_by_the_rules(user, o)}


# --- a company that served once ---------------------------------------------------------------------

@pytest.mark.parametrize("ended", ["expired", "terminated"])
def test_a_past_contract_shows_no_company(app, world, former, ended):
    """The current company's manager gets 404 for the former company's page (with its staff) and
    does not find it in the list; so do the compound's other staff roles."""
    if ended == "terminated":  # its dates still cover today, but it was ended
        contract = db.session.scalar(select(ServiceContract).where(ServiceContract.company_id == former.id))
        contract.start_date, contract.end_date = today() - timedelta(days=10), today() + timedelta(days=300)
        contract.status = ContractStatus.TERMINATED
        db.session.commit()
    for role in (Role.PROPERTY_MANAGER, Role.OWNERS_COMMITTEE, Role.GRID_WORKER, Role.PARTY_SECRETARY):
        client = login_as(app.test_client(), world["users"][role])
        assert client.get(f"/organisations/{former.id}").status_code == 404, role
        listed = client.get("/organisations?kind=property_company").get_data(as_text=True)
        assert "旧时物业" not in listed, role


def test_a_current_contract_shows_the_company(app, world, former):
    """The compound's staff see the company serving it now, with its staff; its own staff too."""
    for role in (Role.OWNERS_COMMITTEE, Role.GRID_WORKER, Role.PARTY_SECRETARY, Role.PROPERTY_MANAGER):
        client = login_as(app.test_client(), world["users"][role])
        page = client.get(f"/organisations/{world['company'].id}")
        assert page.status_code == 200 and "项目经理" in page.get_data(as_text=True), role
        assert "安居物业" in client.get("/organisations?kind=property_company").get_data(as_text=True), role
    # the former company's own manager still sees their company, and not the current one
    manager = db.session.scalar(select(Position).where(Position.organisation_id == former.id)).user_id
    client = login_as(app.test_client(), db.session.get(User, manager))
    assert client.get(f"/organisations/{former.id}").status_code == 200
    assert client.get(f"/organisations/{world['company'].id}").status_code == 404


def test_list_requires_staff_role(client, world):
    login_as(client, world["users"][Role.RESIDENT])
    assert client.get("/organisations").status_code == 403


def test_list_htmx_search_returns_fragment(client, world):
    admin_client(client, world)
    response = client.get("/organisations?q=业委会&_block=results", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html and 'id="results"' in html
    assert "阳光花园业委会" in html and "和平社区党委" not in html
    assert "HX-Request" in response.headers["Vary"]


@pytest.mark.parametrize("query", ["?kind=nonsense", "?page=abc", "?page=-4", "?kind=owners_committee&page=99999",
                                   "?q=%25_%5C"])
def test_list_survives_bad_input(client, world, query):
    assert admin_client(client, world).get("/organisations" + query).status_code == 200


def test_list_kind_filter(client, world):
    html = admin_client(client, world).get("/organisations?kind=property_company").get_data(as_text=True)
    assert "安居物业" in html and "和平社区党委" not in html


# --- create and edit ---------------------------------------------------------------------------

def test_create_needs_street_admin(client, world):
    login_as(client, world["users"][Role.PARTY_SECRETARY])
    assert client.get("/organisations/new").status_code == 403
    assert post(client, "/organisations/new", {"kind": "volunteer_team", "name": "x"}).status_code == 403


def test_create_owners_committee_derives_community(client, world):
    admin_client(client, world)
    compound = world["other_compound"]
    response = post(client, "/organisations/new", {
        "kind": OrgKind.OWNERS_COMMITTEE, "name": "锦绣家园业委会", "community_id": "0",
        "compound_id": str(compound.id), "parent_id": "0",
    })
    assert response.status_code == 303
    org = db.session.scalar(select(Organisation).where(Organisation.name == "锦绣家园业委会"))
    assert org.compound_id == compound.id and org.community_id == compound.community_id
    assert org.street_id == world["street"].id
    assert response.headers["Location"].endswith(f"/organisations/{org.id}")


def test_create_via_htmx_answers_hx_location(client, world):
    admin_client(client, world)
    response = post(client, "/organisations/new", {"kind": OrgKind.PROPERTY_COMPANY, "name": "新物业",
                                                  "community_id": "0", "compound_id": "0", "parent_id": "0"}, htmx=True,
                    block="form")
    assert response.status_code == 204
    assert response.headers["HX-Location"].startswith("/organisations/")


@pytest.mark.parametrize("data, field", [
    ({"kind": OrgKind.OWNERS_COMMITTEE}, "compound_id"),
    ({"kind": OrgKind.PARTY_COMMITTEE}, "community_id"),
    ({"kind": OrgKind.RESIDENTS_COMMITTEE}, "community_id"),
    ({"kind": OrgKind.PARTY_BRANCH}, "compound_id"),
    ({"kind": "nonsense"}, "kind"),
    ({"kind": OrgKind.STREET_OFFICE}, "kind"),
    ({"kind": OrgKind.VOLUNTEER_TEAM, "community_id": "abc"}, "community_id"),
])
def test_create_attachment_rules(client, world, data, field):
    admin_client(client, world)
    before = count(Organisation)
    response = post(client, "/organisations/new", {"name": "测试组织", "community_id": "0", "compound_id": "0",
                                                  "parent_id": "0", **data})
    assert response.status_code == 200
    assert f'data-field-error="{field}"' in response.get_data(as_text=True)
    assert count(Organisation) == before


def test_create_rules_with_places(client, world):
    admin_client(client, world)
    before = count(Organisation)
    cases = [
        # a property company attaches to the street only
        ({"kind": OrgKind.PROPERTY_COMPANY, "community_id": world["community"].id}, "community_id"),
        # the compound must belong to the chosen community
        ({"kind": OrgKind.VOLUNTEER_TEAM, "community_id": world["community"].id,
          "compound_id": world["far_compound"].id}, "compound_id"),
        # a compound of another street
        ({"kind": OrgKind.OWNERS_COMMITTEE, "compound_id": world["far_compound"].id}, "compound_id"),
        # one owners' committee per compound
        ({"kind": OrgKind.OWNERS_COMMITTEE, "compound_id": world["compound"].id}, "compound_id"),
        # a parent only for party branches
        ({"kind": OrgKind.VOLUNTEER_TEAM, "parent_id": world["owners"].id}, "parent_id"),
        # community-level bodies do not sit in a compound
        ({"kind": OrgKind.PARTY_COMMITTEE, "compound_id": world["compound"].id}, "compound_id"),
    ]
    for data, field in cases:
        payload = {"name": "测试组织", "community_id": "0", "compound_id": "0", "parent_id": "0",
                   **{k: str(v) for k, v in data.items()}}
        response = post(client, "/organisations/new", payload, htmx=True, block="form")
        assert response.status_code == 422, data
        html = response.get_data(as_text=True)
        assert f'data-field-error="{field}"' in html, data
        assert "<html" not in html and 'value="测试组织"' in html
    assert count(Organisation) == before


def test_create_party_branches(client, world):
    admin_client(client, world)
    base = {"community_id": "0", "compound_id": "0"}
    # 小区党支部 in the owners' committee: the compound comes from it
    assert post(client, "/organisations/new", {**base, "kind": OrgKind.PARTY_BRANCH, "name": "业委会党支部",
                                               "parent_id": str(world["owners"].id)}).status_code == 303
    # 物业党支部 in the property company: no compound needed
    assert post(client, "/organisations/new", {**base, "kind": OrgKind.PARTY_BRANCH, "name": "物业党支部",
                                               "parent_id": str(world["company"].id)}).status_code == 303
    in_committee = db.session.scalar(select(Organisation).where(Organisation.name == "业委会党支部"))
    assert in_committee.compound_id == world["compound"].id and in_committee.parent_id == world["owners"].id
    in_company = db.session.scalar(select(Organisation).where(Organisation.name == "物业党支部"))
    assert in_company.compound_id is None and in_company.street_id == world["street"].id


def test_edit(client, world, far):
    admin_client(client, world)
    party = world["party"]
    assert client.get(f"/organisations/{far['org'].id}/edit").status_code == 404
    assert client.get(f"/organisations/{party.id}/edit").status_code == 200
    response = post(client, f"/organisations/{party.id}/edit", {
        "kind": OrgKind.PARTY_COMMITTEE, "name": "和平社区党委（新）", "community_id": str(world["community"].id),
        "compound_id": "0", "parent_id": "0", "contact_phone": "0531-12345678",
    })
    assert response.status_code == 303
    db.session.refresh(party)
    assert party.name == "和平社区党委（新）" and party.contact_phone == "0531-12345678"


def test_edit_kind_change_refused_while_positions_do_not_fit(client, world):
    admin_client(client, world)
    party = world["party"]  # the party secretary holds an open position here
    response = post(client, f"/organisations/{party.id}/edit", {
        "kind": OrgKind.RESIDENTS_COMMITTEE, "name": party.name, "community_id": str(world["community"].id),
        "compound_id": "0", "parent_id": "0",
    })
    assert response.status_code == 200 and 'data-field-error="kind"' in response.get_data(as_text=True)
    db.session.refresh(party)
    assert party.kind == OrgKind.PARTY_COMMITTEE


def test_edit_visible_but_not_allowed(client, world):
    login_as(client, world["users"][Role.PARTY_SECRETARY])
    assert client.get(f"/organisations/{world['party'].id}/edit").status_code == 403


# --- detail ----------------------------------------------------------------------------------------

def test_detail_scope_and_content(client, world, far):
    admin_client(client, world)
    assert client.get(f"/organisations/{far['org'].id}").status_code == 404
    assert client.get("/organisations/999999").status_code == 404
    html = client.get(f"/organisations/{world['party'].id}").get_data(as_text=True)
    assert "党委书记" in html and "社区党委书记" in html
    assert "结束任职" in html and "/positions/new" in html


def test_detail_hides_manage_buttons(client, world):
    login_as(client, world["users"][Role.PARTY_SECRETARY])
    response = client.get(f"/organisations/{world['party'].id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "结束任职" not in html and "/positions/new" not in html


def test_resident_sees_own_compound_bodies_as_forbidden_not_missing(client, world, far):
    login_as(client, world["users"][Role.RESIDENT])
    assert client.get(f"/organisations/{world['owners'].id}").status_code == 403
    assert client.get(f"/organisations/{world['party'].id}").status_code == 404
    assert client.get(f"/organisations/{far['org'].id}").status_code == 404


def test_detail_out_of_scope_for_owners_committee_member(client, world):
    login_as(client, world["users"][Role.OWNERS_COMMITTEE])
    assert client.get(f"/organisations/{world['owners'].id}").status_code == 200
    assert client.get(f"/organisations/{world['party'].id}").status_code == 404


# --- positions ---------------------------------------------------------------------------------

def appointee(world):
    user = make_user("新委员", street=world["street"])
    db.session.commit()
    return user


def test_appoint_gives_scope(client, world):
    user = appointee(world)
    compound = world["compound"]
    assert compound.id not in compute_scope(user).compound_ids
    admin_client(client, world)
    assert client.get(f"/organisations/{world['owners'].id}/positions/new").status_code == 200
    response = post(client, f"/organisations/{world['owners'].id}/positions/new", {
        "person": user.phone, "role": Role.OWNERS_COMMITTEE, "title": "委员", "compound_id": "0",
        "start_date": today().isoformat(),
    })
    assert response.status_code == 303
    position = db.session.scalar(select(Position).where(Position.user_id == user.id))
    assert position.organisation_id == world["owners"].id and position.role == Role.OWNERS_COMMITTEE
    scope = compute_scope(user)
    assert compound.id in scope.compound_ids and Role.OWNERS_COMMITTEE in scope.roles
    # and the appointee now sees that compound
    other = client.application.test_client()
    login_as(other, user)
    assert other.get(f"/compounds/{compound.id}").status_code == 200


def test_appoint_by_username_grid_worker(client, world):
    user = appointee(world)
    admin_client(client, world)
    response = post(client, f"/organisations/{world['residents_committee'].id}/positions/new", {
        "person": user.username, "role": Role.GRID_WORKER, "title": "网格员",
        "compound_id": str(world["other_compound"].id), "start_date": today().isoformat(),
    })
    assert response.status_code == 303
    scope = compute_scope(user)
    assert scope.compound_ids == {world["other_compound"].id}


def test_appoint_role_must_fit_kind(client, world):
    user = appointee(world)
    admin_client(client, world)
    response = post(client, f"/organisations/{world['owners'].id}/positions/new", {
        "person": user.phone, "role": Role.PARTY_SECRETARY, "title": "书记", "start_date": today().isoformat(),
    })
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-field-error="role"' in html and user.phone in html  # what was typed stays
    assert db.session.scalar(select(Position).where(Position.user_id == user.id)) is None


@pytest.mark.parametrize("person", ["13900000000", "nobody", "disabled"])
def test_appoint_unknown_or_disabled_person(client, world, person):
    if person == "disabled":
        user = appointee(world)
        user.active = False
        db.session.commit()
        person = user.username
    admin_client(client, world)
    before = count(Position)
    response = post(client, f"/organisations/{world['owners'].id}/positions/new", {
        "person": person, "role": Role.OWNERS_COMMITTEE, "title": "委员", "start_date": today().isoformat(),
    }, htmx=True)
    assert response.status_code == 422
    assert 'data-field-error="person"' in response.get_data(as_text=True)
    assert count(Position) == before


def test_appoint_grid_outside_community(client, world):
    user = appointee(world)
    admin_client(client, world)
    response = post(client, f"/organisations/{world['residents_committee'].id}/positions/new", {
        "person": user.phone, "role": Role.GRID_WORKER, "title": "网格员",
        "compound_id": str(world["far_compound"].id), "start_date": today().isoformat(),
    })
    assert response.status_code == 200 and 'data-field-error="compound_id"' in response.get_data(as_text=True)
    assert db.session.scalar(select(Position).where(Position.user_id == user.id)) is None


def test_appoint_scope_and_permission(client, world, far):
    user = appointee(world)
    data = {"person": user.phone, "role": Role.PARTY_COMMITTEE, "title": "委员", "start_date": today().isoformat()}
    login_as(client, world["users"][Role.PARTY_SECRETARY])
    assert client.get(f"/organisations/{world['party'].id}/positions/new").status_code == 403
    assert post(client, f"/organisations/{world['party'].id}/positions/new", data).status_code == 403
    admin = client.application.test_client()
    admin_client(admin, world)
    assert admin.get(f"/organisations/{far['org'].id}/positions/new").status_code == 404
    assert post(admin, f"/organisations/{far['org'].id}/positions/new", data).status_code == 404
    assert db.session.scalar(select(Position).where(Position.user_id == user.id)) is None


def test_end_position(client, world):
    secretary = world["users"][Role.PARTY_SECRETARY]
    position = db.session.scalar(select(Position).where(Position.user_id == secretary.id))
    admin_client(client, world)
    yesterday = today() - timedelta(days=1)
    response = post(client, f"/positions/{position.id}/end", {"end_date": yesterday.isoformat()})
    assert response.status_code == 303
    db.session.refresh(position)
    assert position.end_date == yesterday
    assert world["community"].id not in compute_scope(secretary).community_ids
    html = client.get(f"/organisations/{world['party'].id}").get_data(as_text=True)
    assert "历任人员" in html and "暂无在任人员" in html
    # ending it twice is refused, not a crash
    again = post(client, f"/positions/{position.id}/end", {"end_date": today().isoformat()})
    assert again.status_code == 200


def test_end_position_bad_dates(client, world):
    secretary = world["users"][Role.PARTY_SECRETARY]
    position = db.session.scalar(select(Position).where(Position.user_id == secretary.id))
    admin_client(client, world)
    too_early = (position.start_date - timedelta(days=1)).isoformat()
    response = post(client, f"/positions/{position.id}/end", {"end_date": too_early}, htmx=True)
    assert response.status_code == 422
    assert 'data-field-error="end_date"' in response.get_data(as_text=True)
    assert post(client, f"/positions/{position.id}/end", {"end_date": "not-a-date"}).status_code == 200
    db.session.refresh(position)
    assert position.end_date is None


def test_end_position_scope_and_permission(client, world, far):
    login_as(client, world["users"][Role.PARTY_SECRETARY])
    own = db.session.scalar(select(Position).where(Position.user_id == world["users"][Role.PARTY_SECRETARY].id))
    assert post(client, f"/positions/{own.id}/end", {"end_date": today().isoformat()}).status_code == 403
    admin = client.application.test_client()
    admin_client(admin, world)
    assert post(admin, f"/positions/{far['position'].id}/end", {"end_date": today().isoformat()}).status_code == 404
    assert post(admin, "/positions/999999/end", {"end_date": today().isoformat()}).status_code == 404
    db.session.refresh(far["position"])
    assert far["position"].end_date is None
