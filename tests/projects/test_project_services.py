"""Projects through the services, without HTTP: progress from weights and sub-projects (hand-computed),
on-time rules, the status steps, milestones against the deadline, and the evaluation."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction
from types import SimpleNamespace as NS

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.core.clock import today
from portal.core.errors import RuleError
from portal.core.transaction import commit
from portal.extensions import db
from portal.orgs.models import Role
from portal.projects import progress
from portal.projects import project_services as ps
from portal.projects.models import Evaluation, ProjectEvent, ProjectStatus, ServiceRecord
from tests.conftest import make_user
from tests.projects.conftest import inbox


@pytest.fixture
def w(co_world):
    return co_world


def _m(weight, due, done=None):
    return NS(weight=weight, due_date=due, done_on=done)


D = date(2026, 6, 1)


def test_milestone_states():
    assert progress.milestone_state(_m(1, D, D), D + timedelta(days=9)) == "on_time"
    assert progress.milestone_state(_m(1, D, D + timedelta(days=1)), D) == "late"
    assert progress.milestone_state(_m(1, D), D + timedelta(days=1)) == "overdue"
    assert progress.milestone_state(_m(1, D), D) == "pending"


def test_progress_from_weights_by_hand():
    # weights 1, 3, 6; the 3 and the 6 done: (3 + 6) / 10
    ms = [_m(1, D), _m(3, D, D), _m(6, D, D)]
    assert progress.milestones_progress(ms) == Fraction(9, 10)
    assert progress.milestones_progress([_m(0, D), _m(0, D, D)]) == 0  # weights summing to zero: no progress
    assert progress.milestones_progress([]) == 0


def test_parent_progress_is_the_mean_of_live_sub_projects():
    a = NS(status="in_progress", children=[], milestones=[_m(1, D, D), _m(1, D)])  # 1/2
    b = NS(status="in_progress", children=[], milestones=[_m(1, D, D), _m(3, D)])  # 1/4
    c = NS(status="completed", children=[], milestones=[_m(1, D)])  # completed: 1
    gone = NS(status="cancelled", children=[], milestones=[])
    parent = NS(status="in_progress", children=[a, b, c, gone], milestones=[_m(5, D)])
    # (1/2 + 1/4 + 1) / 3 = 7/12 ≈ 58 %
    assert progress.project_progress(parent) == Fraction(7, 12)
    assert progress.percent(progress.project_progress(parent)) == 58


def test_project_states_and_the_on_time_share():
    on_time = NS(status="completed", completed_on=D, deadline=D)
    late = NS(status="evaluated", completed_on=D + timedelta(days=2), deadline=D)
    overdue = NS(status="in_progress", completed_on=None, deadline=D)
    cancelled = NS(status="cancelled", completed_on=None, deadline=D)
    after = D + timedelta(days=5)
    assert [progress.project_state(p, after) for p in (on_time, late, overdue, cancelled)] == \
        ["on_time", "late", "overdue", None]
    assert progress.project_state(overdue, D) == "pending"
    assert progress.on_time_share([on_time, late, overdue, cancelled]) == (1, 2)


def _project(w, **overrides):
    fields = {"community_id": w["community"].id, "title": "小区充电棚改造", "content": "新建非机动车充电棚",
              "responsible_body": "和平社区居委会", "responsible_person": "陈静", "start_date": today(),
              "deadline": today() + timedelta(days=60), "compound_ids": [w["compound"].id],
              "partner_ids": [w["unit"].id]}
    fields.update(overrides)
    project = ps.create_project(by=w["worker"], **fields)
    commit()
    return project


def test_bad_periods_and_scopes_are_refused(w):
    with pytest.raises(RuleError) as refused:
        _project(w, deadline=today() - timedelta(days=1))
    assert refused.value.field == "deadline"
    with pytest.raises(RuleError) as refused:
        _project(w, compound_ids=[w["far_compound"].id])
    assert refused.value.field == "compound_ids"
    with pytest.raises(RuleError):
        ps.create_project(by=w["resident"], community_id=w["community"].id, title="x", content="x",
                          responsible_body="x", responsible_person="x", start_date=today(), deadline=today(),
                          compound_ids=[w["compound"].id])


def test_milestone_weights_and_deadline_rules(w):
    project = _project(w)
    with pytest.raises(RuleError) as refused:
        ps.add_milestone(project, by=w["worker"], title="设计", due_date=today(), weight=-1)
    assert refused.value.field == "weight"
    later = project.deadline + timedelta(days=10)
    with pytest.raises(RuleError) as refused:
        ps.add_milestone(project, by=w["worker"], title="验收", due_date=later, weight=1)
    assert refused.value.field == "due_date" and "晚于项目完成时限" in str(refused.value.message)
    ps.add_milestone(project, by=w["worker"], title="验收", due_date=later, weight=1, move_deadline=True)
    assert project.deadline == later
    actions = db.session.scalars(select(ProjectEvent.action).where(ProjectEvent.project_id == project.id)).all()
    assert actions == ["proposed", "deadline_moved", "milestone_added"]


def test_status_steps_from_proposal_to_evaluation(w):
    project = _project(w)
    assert ps.offered_steps(w["worker"], project) == ["approve", "cancel"]
    assert ps.offered_steps(w["resident"], project) == []
    ps.take_step(project, "approve", by=w["worker"])
    zero = ps.add_milestone(project, by=w["worker"], title="设计", due_date=today(), weight=0)
    with pytest.raises(RuleError) as refused:  # weights summing to zero
        ps.take_step(project, "start", by=w["worker"])
    assert "权重之和" in str(refused.value.message)
    zero.weight = 2
    build = ps.add_milestone(project, by=w["worker"], title="施工", due_date=today(), weight=3)
    ps.take_step(project, "start", by=w["worker"])
    with pytest.raises(RuleError):
        ps.take_step(project, "complete", by=w["worker"])
    ps.complete_milestone(zero, by=w["worker"])
    assert progress.project_progress(project) == Fraction(2, 5)
    ps.complete_milestone(build, by=w["worker"], unit=w["unit"])
    ps.take_step(project, "complete", by=w["worker"])
    commit()
    assert project.status == ProjectStatus.COMPLETED and project.completed_on == today()
    assert progress.project_state(project, today()) == "on_time"
    assert inbox(w["resident"])[-1] == f"共建项目 {project.id}“小区充电棚改造”已完成，请您评价。"
    record = db.session.scalar(select(ServiceRecord))
    assert record.unit_id == w["unit"].id and record.summary == "小区充电棚改造：施工"
    with pytest.raises(RuleError):
        ps.take_step(project, "close", by=w["worker"])  # nobody evaluated yet
    ps.evaluate(project, by=w["resident"], rating=5, comment="很方便")
    ps.take_step(project, "close", by=w["worker"])
    assert project.status == ProjectStatus.EVALUATED


def _completed(w):
    project = _project(w)
    ps.take_step(project, "approve", by=w["worker"])
    m = ps.add_milestone(project, by=w["worker"], title="施工", due_date=today(), weight=1)
    ps.take_step(project, "start", by=w["worker"])
    ps.complete_milestone(m, by=w["worker"])
    return project


def test_evaluation_refusals_and_one_per_household(w):
    project = _project(w)
    with pytest.raises(RuleError) as refused:
        ps.evaluate(project, by=w["resident"], rating=4)
    assert "完成后才能评价" in str(refused.value.message)
    project = _completed(w)
    ps.take_step(project, "complete", by=w["worker"])
    with pytest.raises(RuleError) as refused:
        ps.evaluate(project, by=w["far_member"], rating=4)  # outside the compounds concerned
    assert "只有项目所在小区" in str(refused.value.message)
    with pytest.raises(RuleError) as refused:
        ps.evaluate(project, by=w["resident"], rating=7)
    assert refused.value.field == "rating"
    ps.evaluate(project, by=w["resident"], rating=4)
    family = make_user("家人", household=w["household"], street=w["street"])
    with pytest.raises(RuleError) as refused:
        ps.evaluate(project, by=family, rating=2)
    assert "已经评价过" in str(refused.value.message)
    ps.evaluate(project, by=w["users"][Role.OWNERS_COMMITTEE], rating=3)  # the committee, as a body
    ps.evaluate(project, by=w["member"], rating=5)
    commit()
    assert ps.evaluation_summary([project.id]) == {project.id: (4.0, 3)}


def test_the_database_refuses_a_second_evaluation_of_a_household(w):
    project = _completed(w)
    db.session.add(Evaluation(project_id=project.id, household_id=w["household"].id, user_id=w["resident"].id, rating=4))
    db.session.flush()
    db.session.add(Evaluation(project_id=project.id, household_id=w["household"].id, user_id=w["resident"].id, rating=1))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_community_figures_are_computed(w, app):
    """The co-construction figures of this month, through the figures provider (projects.indicators)."""
    from portal.core.indicators import Area, month
    from portal.projects import services
    from portal.projects.indicators import projects_section
    from tests.projects.conftest import make_wish

    done = _completed(w)
    ps.take_step(done, "complete", by=w["worker"])
    _project(w, title="还在提出")
    wish = make_wish(w)
    services.claim(wish, by=w["member"])
    services.fulfil(wish, by=w["member"], note="好了")
    services.confirm(wish, by=w["resident"])
    make_wish(w, title="没人认领")
    commit()
    community = w["community"]
    with app.test_request_context():
        section = projects_section(Area("community", community.id, community.name, (community.id,)), month(today()))
    values = {figure.key: figure.value for figure in section.figures}
    by_status = {label: count for label, count, _late, _share, _link in section.rows}
    assert by_status["已完成，待评价"] == 1 and by_status["已提出"] == 1
    assert (values["projects.completed"], values["projects.on_time_share"], values["projects.running"]) == (1, 100.0, 1)
    assert (values["projects.wishes_posted"], values["projects.wishes_claimed"], values["projects.wishes_fulfilled"]) == (2, 1, 1)
