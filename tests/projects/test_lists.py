"""The three lists: demands and resources matched into projects, links both ways, the matching page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.core.clock import today
from portal.core.errors import RuleError
from portal.core.transaction import commit
from portal.extensions import db
from portal.projects import lists
from portal.projects import project_services as ps
from portal.projects.models import Demand, Project
from tests.conftest import login_as, post


@pytest.fixture
def w(co_world):
    return co_world


def _lists(w):
    need = lists.add_demand(by=w["worker"], community_id=w["community"].id, compound_id=w["compound"].id,
                            source="joint_meeting", category="elderly", title="老人吃饭难")
    other = lists.add_demand(by=w["worker"], community_id=w["community"].id, compound_id=None, source="survey",
                             category="children", title="孩子放学没人管")
    hall = lists.add_resource(by=w["worker"], unit=w["unit"], kind="venue", category="elderly", title="医院食堂",
                              quantity="50座", availability="工作日中午")
    volunteers = lists.add_resource(by=w["worker"], unit=w["bare_unit"], kind="volunteers", title="教师志愿者")
    commit()
    return need, other, hall, volunteers


def _ids(query):
    return [row.id for row in db.session.scalars(query)]


def test_matching_takes_demands_and_resources_off_the_open_lists(w):
    need, other, hall, volunteers = _lists(w)
    community = {w["community"].id}
    assert _ids(lists.unmatched_demands(community)) == [need.id, other.id]
    assert _ids(lists.unmatched_demands(community, category="elderly")) == [need.id]
    assert _ids(lists.unmatched_demands(community, compound_id=w["compound"].id)) == [need.id]
    assert _ids(lists.unused_resources(community, category="elderly")) == [hall.id, volunteers.id]  # no category: any
    project = ps.create_project(by=w["worker"], community_id=w["community"].id, title="长者食堂", content="午餐助餐",
                                responsible_body="居委会", responsible_person="陈静", start_date=today(),
                                deadline=today() + timedelta(days=30), compound_ids=[w["compound"].id])
    lists.link_lists(project, [need.id], [hall.id])
    commit()
    assert _ids(lists.unmatched_demands(community)) == [other.id]
    assert _ids(lists.unused_resources(community)) == [volunteers.id]
    assert [p.id for p in need.projects] == [project.id] and [p.id for p in hall.projects] == [project.id]
    ps.take_step(project, "cancel", by=w["worker"], reason="改由街道统筹")
    commit()
    assert _ids(lists.unmatched_demands(community)) == [need.id, other.id]  # a cancelled project frees them


def test_lists_refuse_bad_input(w):
    with pytest.raises(RuleError) as refused:
        lists.add_demand(by=w["worker"], community_id=w["community"].id, compound_id=w["far_compound"].id,
                         source="resident", category="elderly", title="x")
    assert refused.value.field == "compound_id"
    with pytest.raises(RuleError) as refused:
        lists.add_demand(by=w["resident"], community_id=w["community"].id, compound_id=None, source="resident",
                         category="elderly", title="x")
    with pytest.raises(RuleError) as refused:
        lists.add_resource(by=w["worker"], unit=w["unit"], kind="rocket", title="x")
    assert refused.value.field == "kind"


def test_a_project_matched_from_the_matching_page(client, w):
    need, other, hall, volunteers = _lists(w)
    login_as(client, w["worker"])
    page = client.get("/projects/match?category=elderly").get_data(as_text=True)
    assert "老人吃饭难" in page and "孩子放学没人管" not in page and "医院食堂" in page
    form = client.get(f"/projects/new?demand={need.id}&resource={hall.id}").get_data(as_text=True)
    assert f'<option selected value="{need.id}">' in form or f'value="{need.id}" selected' in form
    done = post(client, "/projects/new", {
        "community_id": w["community"].id, "title": "长者食堂", "content": "午餐助餐", "responsible_body": "居委会",
        "responsible_person": "陈静", "start_date": today().isoformat(),
        "deadline": (today() + timedelta(days=30)).isoformat(), "compound_ids": [w["compound"].id],
        "demand_ids": [need.id], "resource_ids": [hall.id]})
    assert done.status_code == 303
    project = db.session.scalar(select(Project))
    assert [d.id for d in project.demands] == [need.id] and [r.id for r in project.resources] == [hall.id]
    detail = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "老人吃饭难" in detail and "医院食堂" in detail
    demands = client.get("/projects/demands").get_data(as_text=True)
    assert "长者食堂" in demands and "未对接" in demands
    assert "长者食堂" in client.get("/projects/resources").get_data(as_text=True)
    assert db.session.get(Demand, other.id).projects == []


def test_unmatched_demands_are_a_home_to_do_for_staff(client, w):
    _lists(w)
    login_as(client, w["worker"])
    home = client.get("/").get_data(as_text=True)
    assert "需求未对接" in home and "/projects/demands?unmatched=1" in home


@pytest.mark.parametrize("url", ["/projects/demands", "/projects/resources", "/projects/match", "/projects/registers",
                                 "/projects/records"])
def test_list_pages_cost_a_fixed_number_of_queries(client, w, count_queries, url):
    from tests.conftest import queries_for

    _lists(w)
    login_as(client, w["worker"])
    few = queries_for(client, url, count_queries)
    for i in range(6):
        need = lists.add_demand(by=w["worker"], community_id=w["community"].id, compound_id=w["compound"].id,
                                source="resident", category="safety", title=f"需求{i}")
        thing = lists.add_resource(by=w["worker"], unit=w["unit"], kind="funds", title=f"资金{i}")
        if i % 2:
            project = ps.create_project(by=w["worker"], community_id=w["community"].id, title=f"项目{i}", content="x",
                                        responsible_body="x", responsible_person="x", start_date=today(),
                                        deadline=today(), compound_ids=[w["compound"].id], partner_ids=[w["unit"].id])
            lists.link_lists(project, [need.id], [thing.id])
    commit()
    assert queries_for(client, url, count_queries) <= few, url
