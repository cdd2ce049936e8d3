"""Projects through HTTP: bad input comes back beside its field with what was typed; the deadline warning;
the steps; residents evaluate once; the public page shows progress and no personal details."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.core.clock import today
from portal.extensions import db
from portal.projects.models import Evaluation, Project, ProjectStatus
from tests.conftest import login_as, post, queries_for


@pytest.fixture
def w(co_world):
    return co_world


def _form(w, **changes):
    data = {"community_id": w["community"].id, "title": "楼道照明改造", "content": "更换声控灯",
            "responsible_body": "和平社区居委会", "responsible_person": "陈静", "start_date": today().isoformat(),
            "deadline": (today() + timedelta(days=30)).isoformat(), "compound_ids": [w["compound"].id],
            "partner_ids": [w["unit"].id], "budget": "5000"}
    data.update(changes)
    return data


def test_a_project_from_proposal_to_residents_evaluation(client, w, app):
    login_as(client, w["worker"])
    bad = post(client, "/projects/new", _form(w, deadline=(today() - timedelta(days=1)).isoformat()))
    html = bad.get_data(as_text=True)
    assert 'data-field-error="deadline"' in html and "更换声控灯" in html
    assert db.session.scalar(select(func.count()).select_from(Project)) == 0
    assert post(client, "/projects/new", _form(w)).status_code == 303
    project = db.session.scalar(select(Project))
    url = f"/projects/{project.id}"
    late = (project.deadline + timedelta(days=5)).isoformat()
    warned = post(client, f"{url}/milestones", {"title": "验收", "due_date": late, "weight": "2"})
    assert "晚于项目完成时限" in warned.get_data(as_text=True) and "验收" in warned.get_data(as_text=True)
    assert post(client, f"{url}/milestones", {"title": "验收", "due_date": late, "weight": "2",
                                              "move_deadline": "y"}).status_code == 303
    negative = post(client, f"{url}/milestones", {"title": "采购", "due_date": today().isoformat(), "weight": "-3"})
    assert 'data-field-error="weight"' in negative.get_data(as_text=True)
    for step in ("approve", "start"):
        db.session.expire_all()
        assert post(client, f"{url}/step", {"step": step, "version": db.session.get(Project, project.id).version}).status_code == 303
    db.session.expire_all()
    milestone = db.session.get(Project, project.id).milestones[0]
    assert post(client, f"/projects/milestones/{milestone.id}/done", {"doer": f"unit:{w['unit'].id}"}).status_code == 303
    db.session.expire_all()
    assert post(client, f"{url}/step", {"step": "complete", "version": db.session.get(Project, project.id).version}).status_code == 303
    page = client.get(url).get_data(as_text=True)
    assert 'data-testid="progress">100%' in page

    resident = app.test_client()
    login_as(resident, w["resident"])
    assert post(resident, f"{url}/evaluate", {"rating": "5", "comment": "晚上亮堂了"}).status_code == 303
    again = post(resident, f"{url}/evaluate", {"rating": "1"})
    assert "已经评价过" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Evaluation)) == 1
    public = resident.get(url).get_data(as_text=True)
    assert "5.0 分（1 户）" in public and "楼道照明改造" in public
    assert db.session.get(Project, project.id).status == ProjectStatus.COMPLETED


def test_someone_outside_the_compounds_cannot_evaluate(client, w):
    login_as(client, w["worker"])
    post(client, "/projects/new", _form(w))
    project = db.session.scalar(select(Project))
    far = w["far_member"]
    client2 = client.application.test_client()
    login_as(client2, far)
    assert client2.get(f"/projects/{project.id}").status_code == 404
    assert post(client2, f"/projects/{project.id}/evaluate", {"rating": "5"}).status_code == 404


def test_project_list_query_count_is_flat(client, w, count_queries):
    login_as(client, w["worker"])
    post(client, "/projects/new", _form(w))
    few = queries_for(client, "/projects/", count_queries)
    for i in range(6):
        post(client, "/projects/new", _form(w, title=f"项目{i}"))
    assert queries_for(client, "/projects/", count_queries) <= few


def test_home_page_to_dos_for_projects(client, w, app):
    from portal.projects import project_services as ps

    project = ps.create_project(by=w["worker"], community_id=w["community"].id, title="健身角", content="添置器材",
                                responsible_body="居委会", responsible_person="陈静", start_date=today() - timedelta(days=20),
                                deadline=today() + timedelta(days=20), compound_ids=[w["compound"].id])
    ps.add_milestone(project, by=w["worker"], title="选址", due_date=today() - timedelta(days=2), weight=1)
    ps.add_milestone(project, by=w["worker"], title="采购", due_date=today() + timedelta(days=3), weight=1)
    db.session.commit()
    login_as(client, w["worker"])
    home = client.get("/").get_data(as_text=True)
    assert "项目环节已逾期" in home and "项目环节本周到期" in home
    ps.take_step(project, "approve", by=w["worker"])
    ps.take_step(project, "start", by=w["worker"])
    for m in project.milestones:
        ps.complete_milestone(m, by=w["worker"])
    ps.take_step(project, "complete", by=w["worker"])
    db.session.commit()
    resident = app.test_client()
    login_as(resident, w["resident"])
    assert "共建项目已完成，请评价" in resident.get("/").get_data(as_text=True)
    ps.evaluate(project, by=w["resident"], rating=4)
    db.session.commit()
    assert "共建项目已完成，请评价" not in resident.get("/").get_data(as_text=True)
