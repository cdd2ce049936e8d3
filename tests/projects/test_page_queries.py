"""The project page and the project list cost a fixed number of SQL statements (issue 11: "≤ 10 SQL
queries per key page"), whatever the number of milestones, sub-projects, evaluations, linked demands,
resources, partners and timeline entries, for community staff, a resident and a co-builder."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.core.clock import today
from portal.extensions import db
from portal.projects import project_services as ps
from portal.projects.models import Demand, Evaluation, Milestone, ProjectEvent, ProjectStatus, Resource, Unit
from tests.conftest import login_as, make_user, queries_for

#: what each reaches today (the staff of a project under way are also offered who did a milestone and
#: the topics waiting for a meeting; a co-builder with no compound of their own has their units and
#: registration read for the menu)
LIMITS = {"worker": 9, "resident": 8, "contact": 9}
LIST_LIMIT = 8


@pytest.fixture
def w(co_world):
    return co_world


def _project(w, **kw):
    project = ps.create_project(by=w["worker"], community_id=w["community"].id, title=kw.pop("title", "健身角"),
                                content="添置器材", responsible_body="居委会", responsible_person="陈静",
                                start_date=today() - timedelta(days=20), deadline=today() + timedelta(days=20),
                                compound_ids=[w["compound"].id], partner_ids=[w["unit"].id], **kw)
    db.session.commit()
    return project


def _grow(project, w, n: int) -> None:
    """n more milestones (half done), sub-projects with milestones, evaluations, demands, resources, partner
    units and timeline entries."""
    households = [h for b in w["compound"].buildings for h in b.households]
    for i in range(n):
        db.session.add(Milestone(project_id=project.id, title=f"加测环节{i}", due_date=today() + timedelta(days=i),
                                 weight=1 + i, done_on=today() if i % 2 else None))
        child = ps.create_project(by=w["worker"], community_id=w["community"].id, title=f"子项目{project.id}-{i}",
                                  content="子项", responsible_body="居委会", responsible_person="陈静",
                                  start_date=today(), deadline=today() + timedelta(days=9),
                                  compound_ids=[w["compound"].id], parent=project)
        db.session.flush()
        db.session.add(Milestone(project_id=child.id, title="子环节", due_date=today(), weight=1))
        unit = Unit(community_id=w["community"].id, name=f"加测单位{project.id}-{i}", registered_on=today(),
                    contact_name="联系人", contact_phone="13900000009")
        db.session.add(unit)
        db.session.flush()
        project.partners.append(unit)
        project.demands.append(Demand(community_id=w["community"].id, source="resident", category="elderly",
                                      title=f"加测需求{project.id}-{i}", created_by_id=w["worker"].id))
        project.resources.append(Resource(unit_id=unit.id, kind="venue", title=f"加测资源{project.id}-{i}"))
        db.session.add(ProjectEvent(project_id=project.id, actor_id=w["worker"].id, action="update", note=f"进展{i}"))
    taken = {e.household_id for e in db.session.query(Evaluation).filter_by(project_id=project.id)}
    for household in [h for h in households if h.id not in taken][:n]:
        voter = make_user("评价居民")
        db.session.add(Evaluation(project_id=project.id, household_id=household.id, user_id=voter.id, rating=4))
    db.session.commit()


@pytest.mark.parametrize("who", sorted(LIMITS))
def test_project_page_is_flat_and_small(client, w, count_queries, who):
    project = _project(w)
    ps.add_milestone(project, by=w["worker"], title="选址", due_date=today() + timedelta(days=3), weight=1)
    ps.take_step(project, "approve", by=w["worker"])
    ps.take_step(project, "start", by=w["worker"])
    db.session.commit()
    _grow(project, w, 1)
    login_as(client, w[who])
    url = f"/projects/{project.id}"
    few = queries_for(client, url, count_queries)
    assert few <= LIMITS[who], few
    _grow(project, w, 6)
    many = queries_for(client, url, count_queries)
    assert many <= few, (few, many)
    page = client.get(url).get_data(as_text=True)
    assert "加测需求" in page and "加测资源" in page and "子项目" in page and page.count("data-milestone=") == 8


def test_project_list_is_flat_and_small(client, w, count_queries):
    parent = _project(w)
    _grow(parent, w, 1)
    login_as(client, w["resident"])
    few = queries_for(client, "/projects/", count_queries)
    assert few <= LIST_LIMIT, few
    for i in range(5):
        _grow(_project(w, title=f"加测项目{i}"), w, 2)
    assert queries_for(client, "/projects/", count_queries) <= few
    assert client.get("/projects/?status=cancelled").status_code == 200
    assert ProjectStatus.CANCELLED in ProjectStatus.ALL
