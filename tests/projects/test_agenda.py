"""Projects on the joint meetings' agenda (issue 9): the "project" agenda source without HTTP (describe,
candidates scoping, the timeline on the agenda and at a resolution's outcome, once only) and over HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.core.clock import today
from portal.core.errors import RuleError
from portal.core.transaction import commit
from portal.extensions import db
from portal.meetings import resolutions, services, sources
from portal.meetings.models import Meeting, Proposal
from portal.projects import agenda
from portal.projects import project_services as ps
from portal.projects.models import ProjectEvent
from tests.conftest import login_as, make_user, post
from tests.meetings.conftest import convene, mworld, start_now  # noqa: F401  (mworld: a fixture)


@pytest.fixture
def w(co_world, mworld):  # noqa: F811
    return {**mworld, **co_world, "secretary": mworld["secretary"]}


def _project(w, **overrides):
    fields = {"community_id": w["community"].id, "title": "小区充电棚改造", "content": "新建非机动车充电棚",
              "responsible_body": "和平社区居委会", "responsible_person": "陈静", "start_date": today(),
              "deadline": today() + timedelta(days=60), "compound_ids": [w["compound"].id]}
    fields.update(overrides)
    project = ps.create_project(by=w["worker"], **fields)
    commit()
    return project


def _timeline(project):
    return db.session.execute(select(ProjectEvent.action, ProjectEvent.note).where(ProjectEvent.project_id == project.id)
                              .order_by(ProjectEvent.id)).all()


def test_registered_described_and_candidates_scoped(w):
    project = _project(w)
    other = _project(w, title="锦绣家园加装电梯", compound_ids=[w["other_compound"].id])
    gone = _project(w, title="已取消的项目")
    ps.take_step(gone, "cancel", by=w["worker"], reason="经费不足")
    commit()
    label, title, url = sources.describe("project", project.id)
    assert (str(label), title, url) == ("共建项目", "小区充电棚改造", f"/projects/{project.id}")
    assert sources.describe("project", 99999) is None
    meeting = convene(w)
    assert agenda.candidates(meeting) == [(project.id, "小区充电棚改造")]
    community = Meeting(community_id=w["community"].id, compound_id=None)
    assert {pid for pid, _t in agenda.candidates(community)} == {project.id, other.id}
    assert agenda.candidates(Meeting(community_id=w["far_community"].id, compound_id=None)) == []


def test_on_agenda_and_the_resolution_outcome_go_on_the_timeline(w):
    project = _project(w)
    meeting = convene(w)
    item = services.add_agenda_item(meeting, by=w["secretary"], title="充电棚", source_kind="project", source_id=project.id)
    commit()
    assert _timeline(project)[-1].action == "agenda" and meeting.title in _timeline(project)[-1].note
    [(text, url)] = agenda.links(w["secretary"], project)
    assert text.startswith("已列入会议议程：") and url == f"/meetings/{meeting.id}"
    [(text, url)] = agenda.links(w["neighbour"], project)  # a resident: the words, no link
    assert url is None
    start_now(meeting)
    resolution = resolutions.add_resolution(meeting, by=w["secretary"], what="充电棚选址", item_id=item.id,
                                            responsible_key=f"{w['company'].id}-{w['manager'].id}",
                                            deadline=today() + timedelta(days=7))
    resolutions.complete(resolution, by=w["manager"], evidence="已确定在3号楼北侧", resolve_source=True)
    commit()
    last = _timeline(project)[-1]
    assert last.action == "meeting_outcome" and "充电棚选址" in last.note and "3号楼北侧" in last.note
    assert project.status == "proposed"  # a meeting never completes a project


def test_one_click_files_a_topic_once(w):
    project = _project(w)
    proposal = agenda.propose(project, w["compound"], by=w["worker"])
    commit()
    assert (proposal.title, proposal.source_kind, proposal.source_id) == ("共建项目：小区充电棚改造", "project", project.id)
    assert "陈静" in proposal.description and f"/projects/{project.id}" in proposal.description
    with pytest.raises(RuleError, match="请勿重复提交"):
        agenda.propose(project, w["compound"], by=w["secretary"])
    db.session.rollback()
    meeting = convene(w)
    services.accept_proposal(db.session.get(Proposal, proposal.id), meeting, by=w["secretary"])
    commit()
    assert _timeline(project)[-1].action == "agenda"
    with pytest.raises(RuleError, match="请勿重复提交"):  # on the agenda of a meeting still to come
        agenda.propose(project, w["compound"], by=w["secretary"])
    db.session.rollback()
    with pytest.raises(RuleError, match="涉及的小区"):
        agenda.propose(project, w["other_compound"], by=w["worker"])
    with pytest.raises(RuleError, match="涉及的小区"):
        agenda.propose(project, w["compound"], by=w["neighbour"])
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == 1


# --- over HTTP ---------------------------------------------------------------------------------------------

def test_the_button_on_the_project_page(app, w):
    project = _project(w)
    worker = login_as(app.test_client(), w["worker"])
    page = worker.get(f"/projects/{project.id}").get_data(as_text=True)
    assert 'data-testid="agenda-propose"' in page
    done = post(worker, f"/projects/{project.id}/agenda", {"compound_id": w["compound"].id})
    assert done.status_code == 303
    page = worker.get(f"/projects/{project.id}").get_data(as_text=True)
    assert 'data-testid="agenda-waiting"' in page and 'data-testid="agenda-propose"' not in page
    again = post(worker, f"/projects/{project.id}/agenda", {"compound_id": w["compound"].id})
    assert again.status_code == 200 and "请勿重复提交" in again.get_data(as_text=True)
    crafted = post(worker, f"/projects/{project.id}/agenda", {"compound_id": "abc"})
    assert crafted.status_code == 200 and "涉及的小区" in crafted.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == 1


def test_who_may_click_and_out_of_scope_is_404(app, w):
    project = _project(w)
    resident = login_as(app.test_client(), w["neighbour"])
    assert 'agenda-propose' not in resident.get(f"/projects/{project.id}").get_data(as_text=True)
    assert post(resident, f"/projects/{project.id}/agenda", {"compound_id": w["compound"].id}).status_code == 403
    far = login_as(app.test_client(), w["far_member"])
    assert post(far, f"/projects/{project.id}/agenda", {"compound_id": w["compound"].id}).status_code == 404
    assert post(login_as(app.test_client(), w["worker"]), "/projects/99999/agenda", {"compound_id": 1}).status_code == 404
    stranger = make_user("无关人员", street=w["far_street"])
    assert post(login_as(app.test_client(), stranger), f"/projects/{project.id}/agenda", {}).status_code == 404
