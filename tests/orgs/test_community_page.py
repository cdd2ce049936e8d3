"""The community page shows each role what its scope allows (orgs.community_whole).

Compound rows only for compounds where the user holds a staff role (the compounds whose own page
opens for them); the community-level figures, the community's own organisations and the people
cross-appointed in it only for those who see the whole community.
"""

from datetime import date, timedelta

import pytest

from portal.core.permissions import can
from portal.extensions import db
from portal.orgs import services
from portal.orgs.models import OrgKind, Role
from portal.orgs.permissions import community_compounds_shown
from tests.conftest import login_as, make_contract, make_org, make_user

#: what each compound's row names (its own name, its company, its owners' committee, its party branch)
ROWS = {
    "compound": ["阳光花园", "安居物业", "阳光花园业委会", "阳光花园党支部"],
    "other_compound": ["锦绣家园", "锦绣物业", "锦绣家园业委会", "锦绣家园党支部"],
}
#: what only those who see the whole community read: the community's organisations, the people
#: cross-appointed in it, the indicators
WHOLE = ["和平社区党委", "和平社区居委会", "甲交叉委员", "乙交叉委员", "物业服务覆盖率", "交叉任职覆盖率"]

WHOLE_COMMUNITY = {"whole": True, "rows": ["compound", "other_compound"]}
GRID_ONLY = {"whole": False, "rows": ["compound"]}
EXPECTED = {
    Role.STREET_ADMIN: WHOLE_COMMUNITY,
    Role.PARTY_SECRETARY: WHOLE_COMMUNITY,
    Role.COMMUNITY_WORKER: WHOLE_COMMUNITY,
    "community_grid_worker": WHOLE_COMMUNITY,  # a grid worker without a grid: the whole community
    Role.GRID_WORKER: GRID_ONLY,  # their grid is 阳光花园
    Role.OWNERS_COMMITTEE: GRID_ONLY,  # 阳光花园's committee
    Role.PROPERTY_MANAGER: GRID_ONLY,  # 安居物业 serves 阳光花园
    "other_grid_worker": {"whole": False, "rows": ["other_compound"]},
    "other_committee_member": {"whole": False, "rows": ["other_compound"]},
    "other_manager": {"whole": False, "rows": ["other_compound"]},
    Role.PROPERTY_STAFF: None,  # no structure: 403
    Role.RESIDENT: None,
}


@pytest.fixture
def community(world):
    """world's community with a second compound (锦绣家园) as fully furnished as the first, and one
    cross-appointed person on each side."""
    compound, other = world["compound"], world["other_compound"]
    other_company = make_org(OrgKind.PROPERTY_COMPANY, street=world["street"], name="锦绣物业")
    make_contract(other, other_company)
    other_owners = make_org(OrgKind.OWNERS_COMMITTEE, compound=other, name="锦绣家园业委会")
    make_org(OrgKind.PARTY_BRANCH, compound=compound, name="阳光花园党支部", parent=world["owners"])
    make_org(OrgKind.PARTY_BRANCH, compound=other, name="锦绣家园党支部", parent=other_owners)
    start = date.today() - timedelta(days=10)
    first = make_user("甲交叉委员", role=Role.PARTY_COMMITTEE, org=world["party"])
    services.appoint(user=first, organisation=world["owners"], role=Role.OWNERS_COMMITTEE, title="委员", start=start)
    second = make_user("乙交叉委员", role=Role.COMMUNITY_WORKER, org=world["residents_committee"])
    services.appoint(user=second, organisation=other_owners, role=Role.OWNERS_COMMITTEE, title="委员", start=start)
    users = dict(world["users"])
    users["community_grid_worker"] = make_user("社区网格员", role=Role.GRID_WORKER, org=world["residents_committee"])
    users["other_grid_worker"] = make_user("锦绣网格员", role=Role.GRID_WORKER, org=world["residents_committee"],
                                           grid=other)
    users["other_committee_member"] = make_user("锦绣委员", role=Role.OWNERS_COMMITTEE, org=other_owners)
    users["other_manager"] = make_user("锦绣经理", role=Role.PROPERTY_MANAGER, org=other_company, title="项目经理")
    db.session.commit()
    return {"community": world["community"], "users": users}


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_community_page_shows_what_the_scope_allows(app, world, community, who):
    client = login_as(app.test_client(), community["users"][who])
    response = client.get(f"/communities/{community['community'].id}")
    expected = EXPECTED[who]
    if expected is None:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for row, names in ROWS.items():
        for name in names:
            assert (name in html) == (row in expected["rows"]), (row, name)
    for name in WHOLE:
        assert (name in html) == expected["whole"], name
    assert ('class="cards"' in html) == expected["whole"]
    # every compound row it shows opens for the user; every other compound answers 404
    for row in ROWS:
        status = client.get(f"/compounds/{world[row].id}").status_code
        assert status == (200 if row in expected["rows"] else 404), row


def test_the_decision_lives_in_the_permissions(app, world, community):
    """The view asks the rule and the loader; the same answers without HTTP."""
    users, place = community["users"], community["community"]
    with app.test_request_context():
        assert can(users[Role.PARTY_SECRETARY], "orgs.community_whole", place)
        assert not can(users[Role.GRID_WORKER], "orgs.community_whole", place)
        assert [c.name for c in community_compounds_shown(users[Role.PROPERTY_MANAGER], place)] == ["阳光花园"]
        assert community_compounds_shown(users[Role.PROPERTY_STAFF], place) == []
        assert len(community_compounds_shown(users[Role.STREET_ADMIN], place)) == 2


def test_a_former_company_is_not_named_among_the_cross_appointed(world, community):
    """A company that served once is no body of the community: its people's posts there do not make
    them cross-appointed in it."""
    former = make_org(OrgKind.PROPERTY_COMPANY, street=world["street"], name="旧时物业")
    make_contract(world["compound"], former, expired=True)
    member = make_user("旧时兼职", role=Role.PROPERTY_MANAGER, org=former, title="项目经理")
    services.appoint(user=member, organisation=world["party"], role=Role.PARTY_COMMITTEE, title="兼职委员",
                     start=date.today() - timedelta(days=10))
    db.session.commit()
    names = [p.name for p in services.cross_appointments([world["community"].id], date.today())]
    assert "旧时兼职" not in names and "甲交叉委员" in names
