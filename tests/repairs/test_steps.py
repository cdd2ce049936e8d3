"""The step table (services.STEPS) is the one statement of the workflow: every legal transition lies
inside it, and for every state × actor × step the service accepts exactly what the table (and so
the request page) offers — no step is offered and refused, none refused on the page but stored."""

from __future__ import annotations

import pytest

from portal.core.errors import RuleError
from portal.extensions import db
from portal.repairs import services
from portal.repairs.action_forms import FORMS
from portal.repairs.models import ReturnVisit, Status
from tests.repairs.conftest import make_request
from tests.repairs.test_services import LEGAL, PATH, bring

STEP_OF = {"triage-": "triage", "assign": "assign", "accept": "accept", "return": "return_",
           "transfer-": "assign", "hold": "hold", "resume": "resume", "resolve": "resolve", "evaluate-": "evaluate"}
ACTORS = ("resident", "neighbour", "manager", "staff", "staff2", "worker", "secretary", "grid", "owners",
          "street_admin")


def _step_name(test_id: str) -> str:
    return next(name for prefix, name in STEP_OF.items() if test_id.startswith(prefix))


def test_every_step_has_a_form_and_a_route(app):
    assert set(services.STEPS) == set(FORMS)
    for name in services.STEPS:
        assert f"repairs.{name}" in app.view_functions


@pytest.mark.parametrize("row", LEGAL, ids=[row[0] for row in LEGAL])
def test_every_legal_transition_is_in_the_table(repair_world, row):
    test_id, start, step, end, _action, actor, _check = row
    w = repair_world
    req = bring(w, make_request(w), start)
    declared = services.STEPS[_step_name(test_id)]
    assert declared.allowed(w[actor], req), "the page offers the step to the one who takes it"
    step(w, req)
    db.session.commit()
    assert start in declared.sources and end in declared.targets


def _take(name, w, req, by):
    """Take step `name` as `by` with valid input."""
    calls = {
        "triage": lambda: services.triage(req, by=by, kind=req.kind),
        "assign": lambda: services.assign(req, by=by, handler=(services.handler_candidates(req) or [None])[0]),
        "accept": lambda: services.accept(req, by=by),
        "return_": lambda: services.return_request(req, by=by, reason="不归我"),
        "hold": lambda: services.hold(req, by=by, reason="等配件"),
        "resume": lambda: services.resume(req, by=by),
        "resolve": lambda: services.resolve(req, by=by, note="修好了"),
        "evaluate": lambda: services.evaluate(req, by=by, rating=5, speed=5, attitude=5, satisfied=True),
        "department": lambda: services.record_department(req, by=by, department="住建局"),
        "return_visit": lambda: services.return_visit(req, by=by, note="居民满意", satisfied=True),
    }
    calls[name]()


CASES = [(state, channel) for channel in ("online", "phone", "patrol") for state in PATH
         if (state, channel) != (Status.CLOSED, "patrol")]  # a patrol finding has nobody to rate it


@pytest.mark.parametrize(("state", "channel"), CASES, ids=[f"{c}-{s}" for s, c in CASES])
def test_the_service_accepts_exactly_what_the_table_offers(repair_world, state, channel):
    w = repair_world
    extra = {} if channel == "online" else {"by": w["staff"], "channel": channel}
    if channel == "patrol":
        extra.update(household=None, place="北门")
    req = bring(w, make_request(w, **extra), state)
    disagreements = []
    for actor in ACTORS:
        for name, step in services.STEPS.items():
            offered = step.allowed(w[actor], req)
            before = (req.status, req.version, db.session.query(ReturnVisit).count())
            try:
                _take(name, w, req, w[actor])
                db.session.flush()
                accepted = True
            except RuleError:
                accepted = False
            db.session.rollback()
            if offered != accepted:
                disagreements.append((actor, name, offered, accepted))
            assert (req.status, req.version, db.session.query(ReturnVisit).count()) == before
    assert not disagreements, disagreements


def test_a_resolved_patrol_request_refuses_a_return_visit_as_the_page_does(app, repair_world):
    """The drift the step table fixed: the page did not offer it, yet the POST stored a visit."""
    from tests.conftest import login_as, post

    w = repair_world
    req = bring(w, make_request(w, by=w["staff"], channel="patrol", household=None, place="北门"), Status.RESOLVED)
    client = login_as(app.test_client(), w["manager"])
    assert "action-return_visit" not in client.get(f"/repairs/{req.id}").get_data(as_text=True)
    response = post(client, f"/repairs/{req.id}/return-visit", {"note": "打过电话", "satisfied": "1"})
    assert response.status_code == 200
    assert "巡查发现的诉求没有需要回访的居民。" in response.get_data(as_text=True)
    assert db.session.query(ReturnVisit).count() == 0
