"""The scope is kept between requests under the structure's stamp (core.stamps): computed once, and
computed again as soon as a post, a home, a contract or a compound changes — never stale."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, select, update

from portal.core import stamps
from portal.core.clock import today
from portal.extensions import db
from portal.orgs import permissions
from portal.orgs.models import Household, HouseholdMember, Position, Role, ServiceContract
from tests.conftest import login_as, make_user


@pytest.fixture
def computed(monkeypatch):
    """How many times the scope was really computed."""
    calls = {"n": 0}
    real = permissions.compute_scope

    def counting(user):
        calls["n"] += 1
        return real(user)

    monkeypatch.setattr(permissions, "compute_scope", counting)
    return calls


def _token():
    return db.session.scalar(select(stamps.Stamp.token).where(stamps.Stamp.name == stamps.STRUCTURE))


def test_the_scope_is_computed_once_across_requests(world, client, computed):
    login_as(client, world["users"][Role.GRID_WORKER])
    assert client.get("/").status_code == 200
    before = computed["n"]
    for url in ("/", f"/compounds/{world['compound'].id}", "/repairs/"):
        assert client.get(url).status_code == 200
    assert computed["n"] == before


def test_a_new_post_is_seen_at_the_next_request(world, client, computed):
    grid = world["users"][Role.GRID_WORKER]
    other = world["other_compound"]
    login_as(client, grid)
    assert client.get(f"/compounds/{other.id}").status_code == 404
    token = _token()
    db.session.add(Position(user_id=grid.id, organisation_id=world["residents_committee"].id, role=Role.GRID_WORKER,
                            title="网格员", start_date=date.today(), compound_id=other.id))
    db.session.commit()
    assert _token() != token
    assert client.get(f"/compounds/{other.id}").status_code == 200


def test_an_ended_post_ends_the_access_at_the_next_request(world, client):
    grid = world["users"][Role.GRID_WORKER]
    compound = world["compound"]
    login_as(client, grid)
    assert client.get(f"/compounds/{compound.id}").status_code == 200
    position = db.session.scalar(select(Position).where(Position.user_id == grid.id))
    position.end_date = date.today() - timedelta(days=1)
    db.session.commit()
    assert client.get(f"/compounds/{compound.id}").status_code == 404


def test_an_ended_contract_and_a_lost_home_are_seen_too(app, world, client):
    manager, resident = world["users"][Role.PROPERTY_MANAGER], world["users"][Role.RESIDENT]
    compound = world["compound"]
    login_as(client, manager)
    assert client.get(f"/compounds/{compound.id}").status_code == 200
    db.session.execute(update(ServiceContract).where(ServiceContract.compound_id == compound.id)
                       .values(end_date=date.today() - timedelta(days=1)))  # an ORM bulk statement moves it too
    db.session.commit()
    assert client.get(f"/compounds/{compound.id}").status_code == 404
    home = login_as(app.test_client(), resident)
    assert "阳光花园" in home.get("/repairs/new").get_data(as_text=True)
    db.session.execute(delete(HouseholdMember).where(HouseholdMember.user_id == resident.id))
    db.session.commit()
    assert "阳光花园" not in home.get("/repairs/new").get_data(as_text=True)


def test_a_change_rolled_back_keeps_the_token(world):
    token = _token()
    household = db.session.scalar(select(Household).limit(1))
    household.room = "909"
    db.session.flush()
    assert _token() != token
    db.session.rollback()
    assert _token() == token


def test_writes_elsewhere_do_not_move_it(world):
    token = _token()
    make_user("旁人")  # a user without post or home: no one's scope changes
    db.session.commit()
    assert _token() == token


def test_the_day_turning_computes_it_again(world, client, computed, monkeypatch):
    """Posts open and close by the local day: the same token on another day is another scope."""
    grid = world["users"][Role.GRID_WORKER]
    position = db.session.scalar(select(Position).where(Position.user_id == grid.id))
    position.end_date = today()  # its last day, locally
    db.session.commit()
    login_as(client, grid)
    compound = world["compound"]
    assert client.get(f"/compounds/{compound.id}").status_code == 200
    monkeypatch.setattr(permissions, "today", lambda: today() + timedelta(days=1))
    assert client.get(f"/compounds/{compound.id}").status_code == 404


def test_a_missing_stamp_row_is_created_by_the_next_change(world, client, computed):
    db.session.execute(delete(stamps.Stamp))
    db.session.commit()
    login_as(client, world["users"][Role.GRID_WORKER])
    client.get("/")
    before = computed["n"]
    client.get("/")
    assert computed["n"] == before + 1  # no token: nothing is kept
    household = db.session.scalar(select(Household).limit(1))
    household.room = "910"
    db.session.commit()
    assert _token() is not None


def test_the_cache_is_bounded():
    cache = stamps.StampedCache(size=2)
    made = []
    for key in ("a", "b", "c", "a"):
        cache.get(key, "t", lambda k=key: made.append(k) or k)
    assert made == ["a", "b", "c", "a"]  # "a" was pushed out by "c"
    assert cache.get("c", "t", lambda: "again") == "c"
    assert cache.get("c", None, lambda: "no token") == "no token"


def _figures(client, community_id) -> list[str]:
    import re

    page = client.get(f"/communities/{community_id}").get_data(as_text=True)
    return re.findall(r'<span class="figure">([^<]*)</span>', page)


def test_the_coverage_figures_are_kept_and_follow_a_structure_change(world, client, monkeypatch):
    """A community's coverage is computed once across requests, and again at the request after a home,
    a compound or a contract changed."""
    from portal.orgs import services
    from tests.conftest import make_compound, make_contract

    calls = {"n": 0}
    real = services._coverage_by_community

    def counting(*args):
        calls["n"] += 1
        return real(*args)

    monkeypatch.setattr(services, "_coverage_by_community", counting)
    community = world["community"]
    login_as(client, world["users"][Role.PARTY_SECRETARY])
    first = _figures(client, community.id)
    assert _figures(client, community.id) == first and calls["n"] == 1
    households = int(first[1])
    db.session.add(Household(building_id=world["compound"].buildings[0].id, room="9901"))
    db.session.commit()
    assert int(_figures(client, community.id)[1]) == households + 1 and calls["n"] == 2
    new = make_compound(community, "新建小区")
    db.session.commit()
    changed = _figures(client, community.id)
    assert int(changed[0]) == int(first[0]) + 1 and calls["n"] == 3
    make_contract(new, world["company"])
    db.session.commit()
    assert _figures(client, community.id)[2] != changed[2] and calls["n"] == 4


def test_a_lists_compound_filter_follows_a_renamed_or_added_compound(world, client):
    """The queue's compound filter is kept under the structure stamp (orgs.services.compound_choices):
    a rename or a new compound shows at the next request."""
    from tests.conftest import make_compound

    def options() -> set[str]:
        html = client.get("/repairs/").get_data(as_text=True)
        select_ = re.search(r'<select name="compound".*?</select>', html, re.S).group(0)
        return set(re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', select_))

    login_as(client, world["users"][Role.STREET_ADMIN])
    assert {"阳光花园", "锦绣家园"} <= options()
    world["other_compound"].name = "锦绣新苑"
    db.session.commit()
    assert "锦绣新苑" in options() and "锦绣家园" not in options()
    make_compound(world["community"], "新建花园")
    db.session.commit()
    assert "新建花园" in options()
