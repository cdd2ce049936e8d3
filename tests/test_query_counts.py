"""List pages cost a fixed number of queries, however many rows they show (no query per row)."""

import pytest

from portal.extensions import db
from portal.orgs.models import OrgKind, Role
from tests.conftest import login_as, make_compound, make_contract, make_org, queries_for


@pytest.mark.parametrize("url", ["/compounds", "/", "/organisations", "/people", "/communities",
                                 "/communities/{community}"])
def test_list_query_count_does_not_grow_with_rows(client, world, count_queries, url):
    """Each added compound has a company of its own: a company loaded per row would show."""
    login_as(client, world["users"][Role.STREET_ADMIN])
    url = url.format(community=world["community"].id)
    few = queries_for(client, url, count_queries)
    for i in range(8):
        compound = make_compound(world["community"], f"加测小区{i}")
        make_contract(compound, make_org(OrgKind.PROPERTY_COMPANY, street=world["street"], name=f"加测物业{i}"))
        make_org(OrgKind.OWNERS_COMMITTEE, compound=compound, name=f"加测业委会{i}")
    db.session.commit()
    many = queries_for(client, url, count_queries)
    assert many <= few + 1, (url, few, many)


def test_household_list_query_count_is_flat(client, world, count_queries):
    login_as(client, world["users"][Role.PROPERTY_MANAGER])
    url = f"/compounds/{world['compound'].id}/households"
    few = queries_for(client, url, count_queries)
    from portal.orgs.models import Household

    building = world["compound"].buildings[0]
    db.session.add_all([Household(building_id=building.id, unit="9", room=f"9{i:02d}") for i in range(12)])
    db.session.commit()
    assert queries_for(client, url, count_queries) <= few
