"""The queue (/repairs/): each role sees the requests that fit it and nothing else; filters and search
update the list in place and live in the URL; the page costs the same queries for 3 rows or 30."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from portal.core.clock import today as beijing_today
from portal.extensions import db
from portal.orgs.models import OrgKind, Role
from portal.repairs import services
from portal.repairs.models import Kind, RepairRequest
from tests.conftest import login_as, make_org, make_user, queries_for
from tests.repairs.conftest import make_request

ROW = re.compile(r'<tr data-request="(\d+)"')


def ids_on(client, url="/repairs/", **headers) -> list[int]:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.status_code
    return [int(n) for n in ROW.findall(response.get_data(as_text=True))]


def as_(app, user):
    """A fresh browser logged in as `user`."""
    return login_as(app.test_client(), user)


def overdue(req, hours=1):
    req.due_at = services.now_utc() - timedelta(hours=hours)
    db.session.commit()
    return req


@pytest.fixture
def w(repair_world):
    return repair_world


@pytest.fixture
def requests(w):
    """One request of each sort the queues tell apart, plus one in a compound nobody here sees."""
    home = make_request(w, description="卫生间漏水")  # 个事 of the resident's household
    public = make_request(w, category="parking", household=None, place="北门停车场", description="车位被占")  # 社事
    assigned = make_request(w, by=w["neighbour"], household=w["neighbour_home"], description="暖气不热")
    services.assign(assigned, by=w["manager"], handler=w["staff"])
    hard = make_request(w, by=w["neighbour"], household=None, place="3号楼外墙", description="外墙开裂")
    services.triage(hard, by=w["worker"], kind=Kind.HARD, reason="需街道协调")
    late = overdue(make_request(w, by=w["neighbour"], household=w["neighbour_home"], description="门禁坏了"))
    far_office = make_org(OrgKind.RESIDENTS_COMMITTEE, community=w["far_community"], name="远方居委会")
    far_worker = make_user("远方社工", role=Role.COMMUNITY_WORKER, org=far_office)
    far = overdue(services.file_request(by=far_worker, compound=w["far_compound"], category="noise",
                                        description="远方噪音", place="远方广场", channel="phone"))
    db.session.commit()
    return {"home": home.id, "public": public.id, "assigned": assigned.id, "hard": hard.id, "late": late.id,
            "far": far.id}


EXPECTED = {
    Role.RESIDENT: {"home", "public"},
    Role.PROPERTY_STAFF: {"assigned"},
    Role.PROPERTY_MANAGER: {"home", "public", "assigned", "hard", "late"},
    Role.COMMUNITY_WORKER: {"public", "hard", "late"},
    Role.PARTY_SECRETARY: {"public", "hard", "late"},
    Role.GRID_WORKER: {"home", "public", "assigned", "hard", "late"},
    Role.OWNERS_COMMITTEE: {"home", "public", "assigned", "hard", "late"},
    Role.STREET_ADMIN: {"hard", "late"},
}


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_each_role_sees_its_queue_and_nothing_else(client, w, requests, role):
    login_as(client, w["users"][role])
    shown = set(ids_on(client))
    assert shown == {requests[name] for name in EXPECTED[role]}, role
    assert requests["far"] not in shown


def test_overdue_first_then_unassigned_then_newest(client, w, requests):
    login_as(client, w["manager"])
    shown = ids_on(client)
    assert shown[0] == requests["late"]
    assert shown[1:4] == [requests["hard"], requests["public"], requests["home"]]  # submitted, newest first
    assert shown[-1] == requests["assigned"]
    html = client.get("/repairs/").get_data(as_text=True)
    assert html.count('data-testid="overdue"') == 1 and "已超时" in html


def test_community_also_sees_household_matters_where_no_property_company_serves(app, w):
    """A compound without a contract has its 个事 dispatched by the community (responsible_level)."""
    orphan = make_request(w, by=w["worker"], compound=w["other_compound"],
                          household=w["other_compound"].buildings[0].households[0], channel="phone")
    assert orphan.id in ids_on(as_(app, w["worker"]))
    assert orphan.id not in ids_on(as_(app, w["manager"]))


def test_a_user_with_two_roles_sees_the_union(client, w, requests):
    """The property staff member who also lives in the resident's household."""
    from portal.orgs.models import HouseholdMember

    db.session.add(HouseholdMember(household_id=w["household"].id, user_id=w["staff"].id, relation="tenant"))
    db.session.commit()
    login_as(client, w["staff"])
    assert set(ids_on(client)) == {requests["assigned"], requests["home"]}


def test_filters_and_search(client, w, requests):
    login_as(client, w["manager"])
    assert ids_on(client, "/repairs/?status=assigned") == [requests["assigned"]]
    assert set(ids_on(client, "/repairs/?kind=community")) == {requests["public"]}
    assert ids_on(client, "/repairs/?category=parking") == [requests["public"]]
    assert ids_on(client, "/repairs/?overdue=1") == [requests["late"]]
    assert ids_on(client, f"/repairs/?compound={w['compound'].id}&q=北门") == [requests["public"]]
    assert ids_on(client, "/repairs/?q=暖气") == [requests["assigned"]]
    assert ids_on(client, f"/repairs/?compound={w['far_compound'].id}") == []
    today = beijing_today()
    assert len(ids_on(client, f"/repairs/?from={today - timedelta(days=1)}&to={today + timedelta(days=1)}")) == 5
    assert ids_on(client, f"/repairs/?from={today + timedelta(days=2)}") == []
    assert ids_on(client, f"/repairs/?to={today - timedelta(days=2)}") == []
    # Nonsense in the querystring is ignored, never a 500.
    assert len(ids_on(client, "/repairs/?from=2024-13-45&to=yesterday&status=bogus&kind=x&compound=abc&page=-3")) == 5


def test_contact_name_is_searchable_only_by_those_who_may_see_it(app, w):
    req = make_request(w, by=w["staff"], household=w["household"], channel="phone", contact_name="赵大妈",
                       contact_phone="13912345678")
    assert ids_on(as_(app, w["manager"]), "/repairs/?q=赵大妈") == [req.id]
    owners = as_(app, w["owners"])
    assert req.id in ids_on(owners)
    assert ids_on(owners, "/repairs/?q=赵大妈") == []


def test_filters_update_the_list_in_place_and_live_in_the_url(client, w, requests):
    login_as(client, w["manager"])
    page = client.get("/repairs/?status=submitted").get_data(as_text=True)
    assert 'hx-headers=\'{"X-Block": "results"}\'' in page and 'hx-push-url="true"' in page
    assert re.search(r'<option value="submitted" selected', page)
    fragment = client.get("/repairs/?status=assigned", headers={"HX-Request": "true", "X-Block": "results"})
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in html and 'id="results"' in html
    assert [int(n) for n in ROW.findall(html)] == [requests["assigned"]]


def test_rows_show_what_matters_and_mask_the_room(app, w, requests):
    html = as_(app, w["manager"]).get("/repairs/").get_data(as_text=True)
    row = re.search(rf'<tr data-request="{requests["assigned"]}">.*?</tr>', html, re.S).group(0)
    assert "水电" in row and "阳光花园" in row and "102" in row and "待接单" in row and "维修工" in row
    assert "个事" in row
    html = as_(app, w["owners"]).get("/repairs/").get_data(as_text=True)
    row = re.search(rf'<tr data-request="{requests["assigned"]}">.*?</tr>', html, re.S).group(0)
    assert "阳光花园" in row and "***" in row and "102" not in row


def test_file_button_for_residents_and_staff_only(app, w):
    assert 'data-testid="file-request"' in as_(app, w["resident"]).get("/repairs/").get_data(as_text=True)
    assert 'data-testid="file-request"' not in as_(app, w["owners"]).get("/repairs/").get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.PROPERTY_MANAGER, Role.OWNERS_COMMITTEE, Role.COMMUNITY_WORKER])
def test_query_count_does_not_grow_with_rows(client, w, count_queries, role):
    login_as(client, w["users"][role])
    make_request(w)
    few = queries_for(client, "/repairs/", count_queries)
    homes = [h for b in w["compound"].buildings for h in b.households]
    for i in range(15):
        req = make_request(w, by=w["staff"], household=homes[i % len(homes)], channel="phone",
                           category=("water_power", "parking", "road")[i % 3], description=f"第{i}条")
        if i % 3 == 0:  # several different handlers, so a query per handler would show
            services.assign(req, by=w["manager"], handler=w["staff"] if i % 2 else w["staff2"])
        elif i % 3 == 1:
            services.assign(req, by=w["worker"], handler=w["grid"] if i % 2 else w["worker"])
        if i % 5 == 0:
            overdue(req)
    db.session.commit()
    assert len(ids_on(client)) >= 8
    many = queries_for(client, "/repairs/", count_queries)
    assert many <= few, (role, few, many)


def test_a_card_says_what_is_wrong_where_by_when_and_marks_the_new(app, w, requests):
    """On a phone each row is a card (CSS); its content must carry the problem, place, due time and handler."""
    html = as_(app, w["manager"]).get("/repairs/").get_data(as_text=True)
    row = re.search(rf'<tr data-request="{requests["home"]}">.*?</tr>', html, re.S).group(0)
    assert "卫生间漏水" in row and 'data-label="位置"' in row and 'data-label="期限"' in row
    assert 'data-testid="new"' in row  # filed just now and waiting for dispatch
    assigned = re.search(rf'<tr data-request="{requests["assigned"]}">.*?</tr>', html, re.S).group(0)
    assert 'data-testid="new"' not in assigned  # already dispatched: not news
    old = db.session.get(RepairRequest, requests["public"])
    old.created_at = old.created_at - timedelta(days=2)
    db.session.commit()
    html = as_(app, w["manager"]).get("/repairs/").get_data(as_text=True)
    row = re.search(rf'<tr data-request="{requests["public"]}">.*?</tr>', html, re.S).group(0)
    assert 'data-testid="new"' not in row


def test_residents_see_no_staff_words_in_their_list(app, w, requests):
    resident = as_(app, w["resident"]).get("/repairs/").get_data(as_text=True)
    assert "卫生间漏水" in resident
    for internal in ("个事", "社事", 'name="kind"'):
        assert internal not in resident, internal
    assert "个事" in as_(app, w["manager"]).get("/repairs/").get_data(as_text=True)
