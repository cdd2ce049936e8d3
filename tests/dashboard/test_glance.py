"""The home page's "this month at a glance": a slot on the home page (no figures computed there), filled
by one htmx block with the key figures of the person's area — the same numbers as the figures page."""

from __future__ import annotations

from datetime import UTC, timedelta

from portal.core.clock import now_utc, today
from portal.core.indicators import Area, month
from portal.dashboard.glance import GLANCE_KEYS, glance_figures
from portal.extensions import db
from portal.orgs.models import Role
from portal.repairs.indicators import requests_section
from portal.repairs.models import RepairRequest, Status
from tests.conftest import login_as, queries_for


def _requests(world, n, *, status=Status.CLOSED, rating=None, days_ago=0):
    by = world["users"][Role.STREET_ADMIN]
    for _ in range(n):
        db.session.add(RepairRequest(
            compound_id=world["compound"].id, place="1号楼", category="other", kind="household", description="测试",
            filed_by_id=by.id, status=status, rating=rating,
            created_at=(now_utc() - timedelta(days=days_ago, minutes=1)).astimezone(UTC)))
    db.session.commit()


def _figure(html: str, key: str) -> str:
    import re

    match = re.search(rf'data-figure="{re.escape(key)}"[^>]*>\s*<span class="figure">(?:<a [^>]*>)?([^<]+)', html)
    assert match, key
    return match.group(1)


def test_the_home_page_holds_a_slot_and_the_block_brings_this_months_figures(app, client, world):
    # this month: 3 received, 2 closed (rated 5 and 2) → closure 66.7%, satisfaction 1/2 = 50.0%
    _requests(world, 1, status=Status.CLOSED, rating=5)
    _requests(world, 1, status=Status.CLOSED, rating=2)
    _requests(world, 1, status=Status.IN_PROGRESS)
    if today().day > 1:  # a request of an earlier month stays out of this month's figures
        _requests(world, 1, days_ago=today().day + 3)
    login_as(client, world["users"][Role.STREET_ADMIN])
    home = client.get("/").get_data(as_text=True)
    assert 'data-testid="glance-slot"' in home and 'data-figure="repairs.received"' not in home

    block = client.get("/figures/glance", headers={"HX-Request": "true", "X-Block": "glance"})
    html = block.get_data(as_text=True)
    assert block.status_code == 200 and "<html" not in html
    assert _figure(html, "repairs.received") == "3"
    assert _figure(html, "repairs.closure_rate") == "66.7%"
    assert _figure(html, "repairs.satisfaction") == "50.0%"
    assert "幸福街道" in html  # the street administrator's area is their street


def test_the_glance_equals_the_figures_page_for_the_same_area(app, world):
    with app.test_request_context():
        _same_figures(world)


def _same_figures(world):
    _requests(world, 2, status=Status.CLOSED, rating=4)
    area = Area("community", world["community"].id, world["community"].name, (world["community"].id,))
    period, figures = glance_figures(area)
    full = {f.key: f.value for f in requests_section(area, month(today())).figures}
    assert period == month(today())
    assert [f.key for f in figures][:4] == list(GLANCE_KEYS[:4])
    assert {f.key: f.value for f in figures if f.key.startswith("repairs.")} == {
        key: full[key] for key in GLANCE_KEYS if key.startswith("repairs.")}


def test_a_manager_sees_their_company_and_a_resident_has_no_slot(app, client, world):
    login_as(client, world["users"][Role.PROPERTY_MANAGER])
    html = client.get("/figures/glance").get_data(as_text=True)
    assert "安居物业" in html and 'data-figure="repairs.received"' in html
    client.post("/auth/logout")
    resident = app.test_client()
    login_as(resident, world["users"][Role.RESIDENT])
    assert 'data-testid="glance-slot"' not in resident.get("/").get_data(as_text=True)
    assert resident.get("/figures/glance").status_code == 403


def test_the_home_page_costs_no_more_with_the_slot(app, client, world, count_queries):
    login_as(client, world["users"][Role.STREET_ADMIN])
    before = queries_for(client, "/", count_queries)
    _requests(world, 30, status=Status.CLOSED, rating=5)
    assert queries_for(client, "/", count_queries) == before
    glance = queries_for(client, "/figures/glance", count_queries)
    _requests(world, 30, status=Status.IN_PROGRESS)
    assert queries_for(client, "/figures/glance", count_queries) == glance
