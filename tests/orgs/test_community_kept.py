"""The community page's body is kept rendered (core.kept) under every value it shows, and the structure's
rows behind it are kept under the structure's stamp (services.community_rows): any change of a shown
value — through the structure, or a person's name, which the stamp does not watch — is on the very next
page, and the kept page is exactly the page drawn afresh with nothing kept."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.auth.models import User
from portal.extensions import db
from portal.orgs.models import Household, Organisation, OrgKind, Position, Role, ServiceContract
from tests.conftest import login_as, make_compound, make_org
from tests.orgs.test_community_page import community  # noqa: F401  (the fixture)

KEPT = ("portal.kept_html", "portal.community_rows", "portal.coverage", "portal.scopes")


def _org(name):
    return db.session.scalars(select(Organisation).where(Organisation.name == name)).one()


def _contract(w):
    return db.session.scalars(select(ServiceContract).where(ServiceContract.compound_id == w["compound"].id)).one()


CHANGES = {
    "community name": lambda w: setattr(w["community"], "name", "改名社区"),
    "community address": lambda w: setattr(w["community"], "address", "和平路 1 号"),
    "compound name": lambda w: setattr(w["compound"], "name", "改名小区"),
    "another compound": lambda w: make_compound(w["community"], "新建小区"),
    "company name": lambda w: setattr(w["company"], "name", "改名物业"),
    "contract end": lambda w: setattr(_contract(w), "end_date", date.today() + timedelta(days=30)),
    "contract ended": lambda w: setattr(_contract(w), "end_date", date.today() - timedelta(days=1)),
    "owners' committee name": lambda w: setattr(w["owners"], "name", "改名业委会"),
    "party branch name": lambda w: setattr(_org("阳光花园党支部"), "name", "改名党支部"),
    "another party branch": lambda w: make_org(OrgKind.PARTY_BRANCH, compound=w["compound"], name="第二党支部"),
    "community organisation name": lambda w: setattr(w["party"], "name", "改名党委"),
    "organisation kind": lambda w: setattr(w["residents_committee"], "kind", OrgKind.VOLUNTEER_TEAM),
    "another community organisation": lambda w: make_org(OrgKind.VOLUNTEER_TEAM, community=w["community"], name="志愿队"),
    "households": lambda w: db.session.add(Household(building_id=w["compound"].buildings[0].id, unit="2", room="201",
                                                     owner_name="李四", owner_phone="13900000999")),
    "cross-appointed person's name": lambda w: setattr(
        db.session.scalars(select(User).where(User.name == "甲交叉委员")).one(), "name", "丙交叉委员"),
    "cross-appointed title": lambda w: setattr(db.session.scalars(select(Position).join(User).where(
        User.name == "甲交叉委员", Position.organisation_id == w["owners"].id)).one(), "title", "副主任"),
}


def _page(client, url) -> str:
    html = client.get(url).get_data(as_text=True)
    return re.sub(r'(csrf_token" value="|X-CSRFToken": ")[^"]+', r"\1X", html)


def _fresh(app, client, url) -> str:
    for name in KEPT:
        app.extensions.pop(name, None)
    return _page(client, url)


@pytest.mark.parametrize("change", CHANGES)
def test_a_changed_value_is_on_the_next_page(app, world, community, change):  # noqa: F811
    url = f"/communities/{community['community'].id}"
    client = login_as(app.test_client(), world["users"][Role.STREET_ADMIN])
    before = _page(client, url)
    assert before == _page(client, url) == _fresh(app, client, url)  # kept, and what a fresh drawing gives
    _page(client, url)  # kept again
    CHANGES[change](world)
    db.session.commit()
    after = _page(client, url)
    assert after != before
    assert after == _fresh(app, client, url)


def test_each_reader_gets_their_own_rows_and_buttons_in_their_language(app, world, community):  # noqa: F811
    """Readers of one community in turn: the street (manages it, whole), the secretary (whole, no
    editing), the grid worker (one row, nothing of the whole); each page is the one drawn afresh."""
    url = f"/communities/{community['community'].id}"
    readers = [Role.STREET_ADMIN, Role.PARTY_SECRETARY, Role.GRID_WORKER]
    clients = {role: login_as(app.test_client(), community["users"][role]) for role in readers}
    fresh = {}
    for role in readers:
        fresh[role] = _fresh(app, clients[role], url)
    for _ in range(2):
        for role in readers:
            assert _page(clients[role], url) == fresh[role], role
    assert len({fresh[role] for role in readers}) == 3
    assert "/edit" in fresh[Role.STREET_ADMIN] and "/edit" not in fresh[Role.PARTY_SECRETARY]
    assert "锦绣家园" in fresh[Role.PARTY_SECRETARY] and "锦绣家园" not in fresh[Role.GRID_WORKER].split("<main")[1]
    with clients[Role.PARTY_SECRETARY].session_transaction() as session:
        session["locale"] = "en"
    english = _page(clients[Role.PARTY_SECRETARY], url)
    assert "Cross-appointments" in english and "交叉任职</h2>" in fresh[Role.PARTY_SECRETARY]
    assert english == _fresh(app, clients[Role.PARTY_SECRETARY], url)


def test_cross_appointments_of_communities_asked_in_turn_are_each_their_own(app, world, community):  # noqa: F811
    """The cross-appointments' statement is kept (core.kept_statements): the communities and the day are
    parameters, so each set of communities, asked in turn, gets what a fresh statement gives."""
    from portal.core import kept_statements as kept
    from portal.core.clock import today
    from portal.orgs import services
    from tests.conftest import make_community, make_user

    other = make_community(world["street"], "光明社区")
    committee = make_org(OrgKind.PARTY_COMMITTEE, community=other, name="光明社区党委")
    stations = make_org(OrgKind.RESIDENTS_COMMITTEE, community=other, name="光明社区居委会")
    person = make_user("丁交叉委员", role=Role.PARTY_COMMITTEE, org=committee)
    services.appoint(user=person, organisation=stations, role=Role.COMMUNITY_WORKER, title="委员",
                     start=date.today() - timedelta(days=3))
    db.session.commit()
    asked = [[community["community"].id], [other.id], [community["community"].id, other.id]]

    def names(ids, on):
        return [(p.name, tuple(p.positions)) for p in services.cross_appointments(ids, on)]

    on = today()
    fresh = []
    for ids in asked:
        kept.forget_kept()
        fresh.append(names(ids, on))
    for _ in range(2):
        assert [names(ids, on) for ids in asked] == fresh
    assert {n for n, _ in fresh[0]} == {"甲交叉委员", "乙交叉委员"} and [n for n, _ in fresh[1]] == ["丁交叉委员"]
    assert len(fresh[2]) == 3
    assert names(asked[1], on - timedelta(days=5)) == []  # the day is a parameter too: not yet appointed then
    statement = kept._kept["orgs.cross_rows"]
    for b in statement._generate_cache_key().bindparams:
        assert isinstance(b, kept._Param) or not isinstance(b.value, date), b.key
