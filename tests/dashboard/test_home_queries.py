"""The home page costs a fixed number of statements: each module's to-dos in one, the structure panel in
two, the coverage figures in a request of their own — however many meetings, campaigns, wishes,
projects and compounds the street holds."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.core.clock import now_utc, today
from portal.core.transaction import commit
from portal.extensions import db
from portal.orgs.models import OrgKind, Role
from portal.orgs.permissions import forget_scope
from tests.conftest import login_as, make_compound, make_contract, make_org, post, queries_for
from tests.meetings import conftest as meetings_fixtures
from tests.meetings.conftest import convene
from tests.projects import conftest as projects_fixtures
from tests.projects.conftest import make_wish
from tests.surveys.conftest import launch

co_world, mworld = projects_fixtures.co_world, meetings_fixtures.mworld  # the fixtures of those packages

#: the street administrator's home, once their scope and structure panel are kept: the user with the bell
#: (auth.read_with_user), and the repairs, meetings, surveys and co-construction to-dos together (core.todo_counts)
STREET_ADMIN_HOME = 2


@pytest.fixture
def w(co_world, mworld):
    return {**co_world, **mworld}


def _grow(w, i: int) -> None:
    """One more of everything the home page counts: a compound with its company and owners' committee,
    a meeting, an open and a closed campaign, a wish nobody took for long, a project with a late milestone."""
    from portal.projects import project_services as ps

    compound = make_compound(w["community"], f"加测小区{i}")
    make_contract(compound, make_org(OrgKind.PROPERTY_COMPANY, street=w["street"], name=f"加测物业{i}"))
    make_org(OrgKind.OWNERS_COMMITTEE, compound=compound, name=f"加测业委会{i}")
    db.session.commit()
    forget_scope()
    convene(w, title=f"加测会议{i}")
    launch(w, [compound], title=f"加测测评{i}")
    closed = launch(w, [compound], title=f"已结束测评{i}")
    closed.opens_at, closed.closes_at = now_utc() - timedelta(days=30), now_utc() - timedelta(days=1, minutes=i)
    wish = make_wish(w, title=f"加测心愿{i}")
    wish.raised_at = now_utc() - timedelta(days=1)
    project = ps.create_project(by=w["worker"], community_id=w["community"].id, title=f"加测项目{i}", content="添置器材",
                                responsible_body="居委会", responsible_person="陈静",
                                start_date=today() - timedelta(days=20), deadline=today() + timedelta(days=20),
                                compound_ids=[compound.id])
    ps.add_milestone(project, by=w["worker"], title="选址", due_date=today() - timedelta(days=2), weight=1)
    commit()


def test_the_street_administrators_home_does_not_grow(client, w, count_queries):
    login_as(client, w["street_admin"])
    _grow(w, 0)
    few = queries_for(client, "/", count_queries)
    assert few <= STREET_ADMIN_HOME, few
    for i in range(1, 5):
        _grow(w, i)
    home = client.get("/").get_data(as_text=True)
    assert "项目环节已逾期" in home and "微心愿无人认领，请协调" in home and "进行中的满意度测评" in home
    assert queries_for(client, "/", count_queries) <= few


@pytest.mark.parametrize("role", [Role.PARTY_SECRETARY, Role.OWNERS_COMMITTEE, Role.RESIDENT])
def test_other_roles_homes_do_not_grow(app, w, count_queries, role):
    client = app.test_client()
    login_as(client, w["users"][role])
    _grow(w, 0)
    few = queries_for(client, "/", count_queries)
    for i in range(1, 4):
        _grow(w, i)
    assert queries_for(client, "/", count_queries) <= few


def test_the_coverage_figures_come_after_the_page_and_without_javascript_by_a_link(client, w):
    login_as(client, w["street_admin"])
    home = client.get("/").get_data(as_text=True)
    assert 'data-testid="home-coverage-slot"' in home and 'data-figure="orgs.compounds"' not in home
    assert 'href="/home/coverage"' in home  # the slot's link, for a browser without JavaScript

    block = client.get("/home/coverage", headers={"HX-Request": "true", "X-Block": "coverage"})
    html = block.get_data(as_text=True)
    assert block.status_code == 200 and "<html" not in html
    assert 'data-figure="orgs.compounds"' in html and "幸福街道 的全部统计" in html
    page = client.get("/home/coverage").get_data(as_text=True)
    assert "<html" in page and 'data-figure="orgs.cross_coverage"' in page


def test_the_coverage_is_for_those_who_answer_for_an_area(app, w):
    secretary = app.test_client()
    login_as(secretary, w["secretary"])
    assert "和平社区 的全部统计" in secretary.get("/home/coverage").get_data(as_text=True)
    resident = app.test_client()
    login_as(resident, w["resident"])
    assert 'data-testid="home-coverage-slot"' not in resident.get("/").get_data(as_text=True)
    assert resident.get("/home/coverage").status_code == 403
    assert post(resident, "/home/coverage").status_code == 405
