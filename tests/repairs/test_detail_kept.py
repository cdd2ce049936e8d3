"""The request page's kept parts (repairs.detail_actions, views/detail.py, permissions.handler_choices): the
action forms' section is drawn again whenever anything it shows changes, a kept section is exactly what
the forms draw and carries each reader's own CSRF token, a refused step is never kept, and the page's
kept statements serve each reader their own request, candidates and loads."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale
from flask_wtf.csrf import generate_csrf

from portal.core import kept_statements as kept
from portal.core.kept import kept_pieces
from portal.extensions import db
from portal.orgs.models import Role
from portal.repairs import labels, services
from portal.repairs.action_forms import FORMS
from portal.repairs.detail_actions import action_forms, actions_html, draw_actions
from portal.repairs.detail_parts import page_parts
from portal.repairs.models import Kind, Level, Status
from portal.repairs.permissions import Person
from portal.repairs.views.detail import EventRow as Event
from portal.repairs.views.detail import PhotoRow as Photo
from portal.repairs.views.detail import VisitRow as Visit
from portal.repairs.views.detail import event_note
from tests.conftest import login_as, make_user
from tests.repairs.conftest import make_request

LEVELS = {Level.PROPERTY, Level.COMMUNITY, Level.STREET}
STEPS = ["triage", "assign", "department"]
PEOPLE = [(Person(7, "张师傅"), "维修工", 2), (Person(8, "李师傅"), "维修工、班长", 0)]


def _fresh(req, steps, choices) -> str:
    return str(draw_actions(req, action_forms(req, steps, choices)))


def _kept(req, steps, choices) -> str:
    return str(actions_html(req, steps, choices))


def _other_person(people):
    return [(Person(9, "王师傅"), *people[0][1:]), *people[1:]]


CHANGES = {
    "request": lambda req, steps, people: (setattr(req, "id", req.id + 1000), steps, people),
    "version": lambda req, steps, people: (setattr(req, "version", req.version + 1), steps, people),
    "status": lambda req, steps, people: (setattr(req, "status", Status.ASSIGNED), steps, people),
    "kind": lambda req, steps, people: (setattr(req, "kind", Kind.HARD), steps, people),
    "steps": lambda req, steps, people: (None, ["accept", "return_", "hold"], people),
    "a candidate": lambda req, steps, people: (None, steps, _other_person(people)),
    "a name": lambda req, steps, people: (None, steps, [(Person(7, "张工"), *people[0][1:]), *people[1:]]),
    "a post": lambda req, steps, people: (None, steps, [(people[0][0], "电工", 2), *people[1:]]),
    "a load": lambda req, steps, people: (None, steps, [(people[0][0], "维修工", 3), *people[1:]]),
    "the candidates' order": lambda req, steps, people: (None, steps, people[::-1]),
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_changed_value_draws_the_actions_again(app, repair_world, change):
    req = make_request(repair_world)
    with app.test_request_context(f"/repairs/{req.id}"):
        before = _kept(req, STEPS, PEOPLE)
        assert before == _fresh(req, STEPS, PEOPLE) and _kept(req, STEPS, PEOPLE) == before  # drawn, then kept
        _, steps, people = CHANGES[change](req, STEPS, PEOPLE)  # in memory only: nothing else notices
        after = _kept(req, steps, people)
        assert after == _fresh(req, steps, people)
        assert after != before
        db.session.rollback()


def test_the_language_draws_the_actions_again(app, repair_world):
    req = make_request(repair_world)
    drawn = {}
    for language in ("zh_CN", "en", "zh_CN"):
        with app.test_request_context(f"/repairs/{req.id}"), force_locale(language):
            drawn.setdefault(language, set()).add(_kept(req, STEPS, PEOPLE))
            assert _kept(req, STEPS, PEOPLE) == _fresh(req, STEPS, PEOPLE)
    assert len(drawn["zh_CN"]) == 1 and drawn["zh_CN"] != drawn["en"]


def test_a_kept_section_carries_each_requests_own_token(app, repair_world):
    req = make_request(repair_world)
    tokens = []
    for _ in range(2):
        with app.app_context(), app.test_request_context(f"/repairs/{req.id}"):  # each its own `g` and session
            html, token = _kept(req, STEPS, PEOPLE), generate_csrf()
            assert html.count(f'value="{token}"') == len(STEPS) and "\x00" not in html
            tokens.append(token)
    assert tokens[0] != tokens[1]  # two sessions: the second was served from the kept section


def test_a_refused_step_is_drawn_from_its_form_and_never_kept(app, repair_world):
    req = make_request(repair_world)
    with app.test_request_context(f"/repairs/{req.id}/assign", method="POST", data={"note": "x" * 201}):
        form = FORMS["assign"](candidates=PEOPLE)
        assert not form.validate()
        pieces = len(kept_pieces())
        html = str(actions_html(req, STEPS, PEOPLE, posted=("assign", form)))
        assert len(kept_pieces()) == pieces
        assert 'data-field-error="note"' in html and "x" * 201 in html


def test_a_second_manager_served_the_kept_forms_can_use_them(app, repair_world):
    w = repair_world
    other = make_user("第二经理", role=Role.PROPERTY_MANAGER, org=w["company"], title="经理")
    req = make_request(w)
    db.session.commit()
    first, second = login_as(app.test_client(), w["manager"]), login_as(app.test_client(), other)
    tokens = []
    for client in (first, second):
        html = client.get(f"/repairs/{req.id}").get_data(as_text=True)
        token = re.search(r'id="assign-csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
        assert f'"X-CSRFToken": "{token}"' in html  # the page's own token
        tokens.append(token)
    assert tokens[0] != tokens[1]
    response = second.post(f"/repairs/{req.id}/assign", data={"csrf_token": tokens[1], "version": str(req.version),
                                                             "handler_id": str(w["staff"].id)})
    assert response.status_code == 303


def test_two_residents_of_one_shape_each_open_only_their_own_request(two_homes):
    mine, theirs, resident, neighbour = (two_homes[k] for k in ("mine", "theirs", "resident", "neighbour"))
    for _ in range(2):
        assert resident.get(f"/repairs/{mine.id}").status_code == 200
        assert neighbour.get(f"/repairs/{mine.id}").status_code == 404
        assert neighbour.get(f"/repairs/{theirs.id}").status_code == 200
        assert resident.get(f"/repairs/{theirs.id}").status_code == 404


def test_no_kept_statement_of_the_page_holds_a_value(app, repair_world):
    w = repair_world
    req = make_request(w)
    services.assign(req, by=w["manager"], handler=w["staff"])
    community = make_request(w, description="楼道灯不亮")
    services.triage(community, by=w["secretary"], kind=Kind.COMMUNITY, reason="公共区域")
    db.session.commit()
    kept.forget_kept()
    for user in (w["manager"], w["resident"], w["secretary"], w["street_admin"], w["staff"]):
        client = login_as(app.test_client(), user)
        client.get(f"/repairs/{req.id}")
        client.get(f"/repairs/{community.id}")
    page = {key: statement for key, statement in kept._kept.items()
            if key == "repairs.handler_loads" or key[0] in ("repairs.request_page", "repairs.handler_choices")}
    assert {key[0] for key in page if key != "repairs.handler_loads"} == {"repairs.request_page", "repairs.handler_choices"}
    assert len([key for key in page if key[0] == "repairs.request_page"]) >= 3  # several shapes of scope
    for key, statement in page.items():
        for bind in statement._generate_cache_key().bindparams:
            if isinstance(bind, kept._Param):
                assert bind.value is None and bind.required, (key, bind.key)
            else:  # the rules' own constants only: states, kinds, levels, roles, kinds of organisation
                fixed = bind.value if isinstance(bind.value, list | tuple) else [bind.value]
                assert all(isinstance(value, str | bool) or value in LEVELS for value in fixed), (key, bind.key, bind.value)


def test_candidates_and_loads_follow_each_request(app, repair_world):
    """The same kept statements, asked for two requests in turn, give each its own candidates and loads."""
    from portal.repairs.permissions import handler_choices

    w = repair_world
    busy = make_request(w)
    services.assign(busy, by=w["manager"], handler=w["staff"])
    req = make_request(w)
    db.session.commit()
    with app.test_request_context():
        found = {person.id: (person.name, post, load) for person, post, load in handler_choices(req)}
    assert found[w["staff"].id] == (w["staff"].name, "维修工", 1) and w["rival_staff"].id not in found
    services.accept(busy, by=w["staff"])
    services.resolve(busy, by=w["staff"], note="已修好")
    db.session.commit()
    with app.test_request_context():
        found = {person.id: (post, load) for person, post, load in handler_choices(req)}
    assert found[w["staff"].id] == ("维修工", 0)


# --- the parts around the actions (repairs/detail_parts.py) ----------------------------------------

AT = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def _shown(w) -> dict:
    """A page's values beside the request, each shown somewhere on it."""
    return {"steps": [], "level": Level.PROPERTY, "personal": True, "contact_name": "张三", "contact_phone": "13800000000",
            "overdue": False, "photos": [Photo(1, "filing"), Photo(2, "result")], "photo_route": True, "staff_view": True,
            "links": [("已列入会议议程：三月联席会", "/meetings/1")],
            "events": [(Event(AT, "triaged", w["secretary"].id, "书记", "submitted", "submitted", "household → hard"), False)],
            "visits": [Visit(AT, True, "满意", "回访员")], "event_note": event_note}


def _rich(req, w):
    """A request showing every optional line of the page."""
    for name, value in {"result_note": "换了阀门", "rating": 4, "speed_rating": 3, "attitude_rating": 5, "satisfied": True,
                        "evaluation_comment": "很快", "department": "水务公司", "department_reply": "已处理",
                        "hold_reason": "等配件", "reopen_count": 1, "handler": w["staff"]}.items():
        setattr(req, name, value)


def _set(**values):
    return lambda req, shown, w: [setattr(req, name, value) for name, value in values.items()]


def _show(**values):
    return lambda req, shown, w: shown.update(values)


PART_CHANGES = {  # name: (the state it shows in, the change)
    "request": (None, _set(id=9999)),
    "version": (None, _set(version=7)),
    "category": (None, _set(category="heating")),
    "status": (None, _set(status=Status.IN_PROGRESS)),
    "close reason": (_set(status=Status.CLOSED, close_reason="evaluated"), _set(close_reason="not_evaluated")),
    "hold reason": (_set(status=Status.ON_HOLD), _set(hold_reason="等物业答复")),
    "handler name": (_set(status=Status.ASSIGNED), lambda req, shown, w: setattr(req.handler, "name", "新名字")),
    "handler": (None, lambda req, shown, w: setattr(req, "handler", w["staff2"])),
    "description": (None, _set(description="楼道灯不亮")),
    "compound name": (None, lambda req, shown, w: setattr(req.compound, "name", "改名小区")),
    "public place": (_set(household=None, place="北门"), _set(place="3号楼电梯")),
    "building name": (None, lambda req, shown, w: setattr(req.household.building, "name", "99栋")),
    "unit": (None, lambda req, shown, w: setattr(req.household, "unit", "7")),
    "room": (None, lambda req, shown, w: setattr(req.household, "room", "1709")),
    "filed at": (None, lambda req, shown, w: setattr(req, "created_at", req.created_at - timedelta(days=2))),
    "due at": (None, lambda req, shown, w: setattr(req, "due_at", req.due_at + timedelta(hours=5))),
    "kind": (None, _set(kind=Kind.HARD)),
    "kind confirmed": (None, _set(kind_confirmed=True)),
    "urgency": (None, _set(urgency="urgent")),
    "channel": (None, _set(channel="phone")),
    "reopened": (None, _set(reopen_count=2)),
    "department": (None, _set(department="供电公司")),
    "department reply": (None, _set(department_reply="已派人")),
    "result": (None, _set(result_note="换了水龙头")),
    "rating": (None, _set(rating=2)),
    "speed rating": (None, _set(speed_rating=1)),
    "attitude rating": (None, _set(attitude_rating=2)),
    "satisfied": (None, _set(satisfied=False)),
    "comment": (None, _set(evaluation_comment="太慢")),
    "steps": (None, _show(steps=["assign"])),
    "level": (None, _show(level=Level.STREET)),
    "personal": (None, _show(personal=False)),
    "contact name": (None, _show(contact_name="李四")),
    "contact phone": (None, _show(contact_phone="13900000000")),
    "overdue": (None, _show(overdue=True)),
    "a filing photo": (None, _show(photos=[Photo(3, "filing"), Photo(2, "result")])),
    "a result photo": (None, _show(photos=[Photo(1, "filing"), Photo(4, "result")])),
    "photo route": (None, _show(photo_route=False)),
    "staff view": (None, _show(staff_view=False)),
    "a link": (None, _show(links=[("已列入会议议程：四月联席会", None)])),
    "an event's note": (None, lambda req, shown, w: shown.update(events=[(shown["events"][0][0]._replace(note="household → community"), False)])),
    "an event's actor": (None, lambda req, shown, w: shown.update(events=[(shown["events"][0][0]._replace(actor_name="副书记"), False)])),
    "an event's time": (None, lambda req, shown, w: shown.update(events=[(shown["events"][0][0]._replace(at=AT + timedelta(hours=1)), False)])),
    "an actor masked": (None, lambda req, shown, w: shown.update(events=[(shown["events"][0][0], True)])),
    "a visit": (None, _show(visits=[Visit(AT, False, "不满意", "回访员")])),
    "a visit's caller": (None, _show(visits=[Visit(AT, True, "满意", "另一回访员")])),
}


def _parts(app, req, shown) -> tuple[str, str, str, str]:
    """(kept top, kept bottom, fresh top, fresh bottom)."""
    module = app.jinja_env.get_template("repairs/_detail_parts.html").module
    top, bottom = page_parts(req, **shown)
    filing = [photo for photo in shown["photos"] if photo.stage != "result"]
    results = [photo for photo in shown["photos"] if photo.stage == "result"]
    fresh_top = module.top(req, labels, shown["steps"], shown["level"], shown["personal"], shown["contact_name"],
                           shown["contact_phone"], shown["overdue"], filing, shown["photo_route"])
    fresh_bottom = module.bottom(req, labels, shown["level"], shown["staff_view"], results, shown["photo_route"],
                                 shown["links"], shown["events"], shown["visits"], event_note)
    return str(top), str(bottom), str(fresh_top), str(fresh_bottom)


@pytest.mark.parametrize("change", PART_CHANGES)
def test_a_changed_value_draws_its_part_again(app, repair_world, change):
    w = repair_world
    req = make_request(w)
    req.due_at = req.due_at or AT
    _rich(req, w)
    shown = _shown(w)
    prepare, alter = PART_CHANGES[change]
    if prepare:
        prepare(req, shown, w)
    with app.test_request_context(f"/repairs/{req.id}"):
        top, bottom, fresh_top, fresh_bottom = _parts(app, req, shown)
        assert (top, bottom) == (fresh_top, fresh_bottom)
        assert _parts(app, req, shown)[:2] == (top, bottom)  # kept
        alter(req, shown, w)  # in memory only: nothing else notices
        after_top, after_bottom, fresh_top, fresh_bottom = _parts(app, req, shown)
        assert (after_top, after_bottom) == (fresh_top, fresh_bottom)
        assert (after_top, after_bottom) != (top, bottom)
    db.session.rollback()
