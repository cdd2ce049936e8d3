"""The request page and its steps over HTTP: out of scope is 404, each user is offered only what they
may do now, a refused step shows its message with the state unchanged and what was typed kept, a
stale form gets the conflict and the fresh state, and personal data is masked for onlookers."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from PIL import Image

from portal.extensions import db
from portal.orgs.models import OrgKind, Role
from portal.repairs import services
from portal.repairs.models import Kind, RepairRequest, ReturnVisit, Status
from tests.conftest import login_as, make_org, make_user, post
from tests.repairs.conftest import make_request, snapshot, timeline


@pytest.fixture
def w(repair_world):
    return repair_world


def as_(app, user):
    return login_as(app.test_client(), user)


def page(client, req) -> str:
    response = client.get(f"/repairs/{req.id}")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def forms_on(html: str) -> set[str]:
    return set(re.findall(r'id="action-([a-z_]+)"', html))


def reload(req) -> RepairRequest:
    db.session.expire_all()
    return db.session.get(RepairRequest, req.id)


def act(client, req, step, data=None, **kwargs):
    """Post one step with the version the page shows now, as the browser would."""
    data = {"version": reload(req).version, **(data or {})}
    path = {"return_": "return", "return_visit": "return-visit"}.get(step, step)
    return post(client, f"/repairs/{req.id}/{path}", data, **kwargs)


# --- loading -----------------------------------------------------------------------------------------

def test_out_of_scope_is_404(app, w):
    far_office = make_org(OrgKind.RESIDENTS_COMMITTEE, community=w["far_community"], name="远方居委会")
    far_worker = make_user("远方社工", role=Role.COMMUNITY_WORKER, org=far_office)
    far = services.file_request(by=far_worker, compound=w["far_compound"], category="noise", description="远方",
                                place="远方广场", channel="phone")
    home = make_request(w)
    db.session.commit()
    for role, user in w["users"].items():
        client = as_(app, user)
        assert client.get(f"/repairs/{far.id}").status_code == 404, role
        assert post(client, f"/repairs/{far.id}/assign", {"version": 1}).status_code == 404, role
    # In the compound but not in their queue: an unassigned household matter is not the street's business.
    client = as_(app, w["street_admin"])
    assert client.get(f"/repairs/{home.id}").status_code == 404
    assert client.get("/repairs/999999").status_code == 404
    assert as_(app, w["staff"]).get(f"/repairs/{home.id}").status_code == 404  # not assigned to them


# --- the whole loop over HTTP ------------------------------------------------------------------------

def test_full_walk_resident_manager_staff_resident(app, w):
    req = make_request(w)
    resident, manager, staff = as_(app, w["resident"]), as_(app, w["manager"]), as_(app, w["staff"])

    html = page(resident, req)
    assert 'data-status="submitted"' in html and forms_on(html) == set()
    assert forms_on(page(manager, req)) == {"assign", "triage"}

    response = act(manager, req, "assign", {"handler_id": w["staff"].id})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/repairs/{req.id}")
    assert "已派单给维修工" in manager.get(response.headers["Location"]).get_data(as_text=True)
    assert (reload(req).status, reload(req).handler_id) == (Status.ASSIGNED, w["staff"].id)

    assert forms_on(page(staff, req)) == {"accept", "return_"}
    assert "已派给维修工，等待接单。" in page(resident, req)
    assert act(staff, req, "accept").status_code == 303
    assert "维修工正在处理。" in page(resident, req)
    assert forms_on(page(staff, req)) == {"resolve", "hold"}
    assert act(staff, req, "resolve", {"note": "更换了阀门"}).status_code == 303
    assert reload(req).status == Status.RESOLVED

    html = page(resident, req)
    assert forms_on(html) == {"evaluate"} and "请评价" in html
    # The problem first, then the one thing to do about it, then the history (the issue "daily work on a phone").
    assert html.index('data-testid="description"') < html.index('id="action-evaluate"') < html.index(
        'data-testid="timeline"')
    response = act(resident, req, "evaluate", {"rating": 5, "speed_rating": 4, "attitude_rating": 5,
                                               "satisfied": "1", "comment": "师傅很细心"})
    assert response.status_code == 303
    req = reload(req)
    assert (req.status, req.rating, req.speed_rating, req.attitude_rating, req.satisfied) == (
        Status.CLOSED, 5, 4, 5, True)
    assert [e[0] for e in timeline(req)] == ["filed", "assigned", "accepted", "resolved", "evaluated"]
    html = page(resident, req)
    assert forms_on(html) == set() and "已关闭" in html and "更换了阀门" in html and "师傅很细心" in html
    for label in ("提交诉求", "派单", "接单", "办结", "评价"):
        assert label in html.split('data-testid="timeline"')[1]


def test_htmx_steps_redirect_and_errors_swap_in_place(app, w):
    req = make_request(w)
    manager = as_(app, w["manager"])
    response = act(manager, req, "assign", {"handler_id": ""}, htmx=True)
    assert response.status_code == 422
    assert response.headers["HX-Replace-Url"] == f"/repairs/{req.id}"  # never the POST address
    assert "请选择负责单位的处理人。" in response.get_data(as_text=True)
    response = act(manager, req, "assign", {"handler_id": w["staff"].id}, htmx=True)
    assert response.status_code == 303


def test_return_hold_resume_and_transfer(app, w):
    req = make_request(w)
    manager, staff = as_(app, w["manager"]), as_(app, w["staff"])
    act(manager, req, "assign", {"handler_id": w["staff"].id})
    response = act(staff, req, "return_", {"reason": "不是我负责的楼栋"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/repairs/")  # out of their queue
    assert (reload(req).status, reload(req).handler_id) == (Status.SUBMITTED, None)

    act(manager, req, "assign", {"handler_id": w["staff"].id})
    act(staff, req, "accept")
    assert act(staff, req, "hold", {"reason": "等待配件"}).status_code == 303
    html = page(staff, req)
    assert "等待配件" in html and forms_on(html) == {"resume"}
    assert act(staff, req, "resume").status_code == 303
    assert act(manager, req, "assign", {"handler_id": w["staff2"].id}).status_code == 303
    assert "已转单给第二维修工" in manager.get(f"/repairs/{req.id}").get_data(as_text=True)
    assert [e[0] for e in timeline(req)] == ["filed", "assigned", "returned", "assigned", "accepted", "held",
                                            "resumed", "transferred"]


# --- refusals ------------------------------------------------------------------------------------------

def test_a_step_that_is_not_yours_now_shows_the_message_and_changes_nothing(app, w):
    """Staff who took the phone call follow the request, but only its handler may accept it."""
    req = make_request(w, by=w["staff"], channel="phone")
    services.assign(req, by=w["manager"], handler=w["staff2"])
    db.session.commit()
    before = snapshot(reload(req))
    for user in (w["staff"], w["manager"]):
        response = act(as_(app, user), req, "accept")
        assert response.status_code == 200
        assert "只有被派单的处理人可以接单。" in response.get_data(as_text=True)
        assert snapshot(reload(req)) == before

    response = act(as_(app, w["staff2"]), req, "resolve", {"note": "还没接单就办结"})  # wrong state
    assert response.status_code == 200 and "当前状态下不能进行这个操作。" in response.get_data(as_text=True)
    assert snapshot(reload(req)) == before


@pytest.mark.parametrize("role, step", [
    (Role.RESIDENT, "assign"), (Role.RESIDENT, "accept"), (Role.RESIDENT, "triage"), (Role.OWNERS_COMMITTEE, "resolve"),
    (Role.OWNERS_COMMITTEE, "evaluate"), (Role.PROPERTY_STAFF, "triage"), (Role.GRID_WORKER, "assign"),
    (Role.PROPERTY_MANAGER, "department"), (Role.PROPERTY_STAFF, "evaluate"),
])
def test_a_step_the_role_can_never_take_is_403_with_the_page(app, w, role, step):
    req = make_request(w)
    services.assign(req, by=w["manager"], handler=w["staff"])
    db.session.commit()
    before = snapshot(reload(req))
    response = act(as_(app, w["users"][role]), req, step, {"handler_id": w["staff2"].id, "kind": Kind.HARD})
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "您不能对这条诉求进行这个操作。" in html and 'data-status="assigned"' in html
    assert snapshot(reload(req)) == before


def test_a_refused_step_keeps_what_was_typed_beside_the_field(app, w):
    req = make_request(w)
    services.assign(req, by=w["manager"], handler=w["staff"])
    services.accept(req, by=w["staff"])
    services.resolve(req, by=w["staff"], note="修好了")
    db.session.commit()
    response = act(as_(app, w["resident"]), req, "evaluate", {"rating": 2, "speed_rating": 3, "attitude_rating": 4,
                                                              "satisfied": "0", "comment": "  "}, htmx=True)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r'data-field-error="comment">不满意时请写下原因', html)
    def checked(name, value):
        return any('checked' in tag and f'value="{value}"' in tag
                   for tag in re.findall(rf'<input[^>]*name="{name}"[^>]*>', html))

    assert checked("rating", 2)  # 不满意 is a button: pressed again once the reason is written
    assert 'data-testid="not-satisfied"' in html and '<details class="rate-more" open>' in html
    assert reload(req).status == Status.RESOLVED

    response = act(as_(app, w["resident"]), req, "evaluate", {"rating": 9, "satisfied": "1"})
    assert response.status_code == 200 and 'data-field-error="rating"' in response.get_data(as_text=True)

    manager = as_(app, w["manager"])
    other = make_request(w)
    response = act(manager, other, "triage", {"kind": Kind.COMMUNITY, "reason": ""})
    assert 'data-field-error="reason"' in response.get_data(as_text=True)
    response = act(manager, other, "triage", {"kind": Kind.COMMUNITY, "reason": "x" * 501})
    html = response.get_data(as_text=True)
    assert "最多 500 个字。" in html and "x" * 501 in html
    assert reload(other).kind == Kind.HOUSEHOLD


def test_not_satisfied_reopens_to_the_same_handler(app, w):
    req = make_request(w)
    services.assign(req, by=w["manager"], handler=w["staff"])
    services.accept(req, by=w["staff"])
    services.resolve(req, by=w["staff"], note="修好了")
    db.session.commit()
    response = act(as_(app, w["resident"]), req, "evaluate", {"rating": 1, "speed_rating": 1, "attitude_rating": 3,
                                                              "satisfied": "0", "comment": "还在漏"})
    assert response.status_code == 303
    assert (reload(req).status, reload(req).handler_id, reload(req).reopen_count) == (Status.ASSIGNED, w["staff"].id, 1)


# --- two people at once -------------------------------------------------------------------------------

def test_a_stale_version_gets_the_conflict_and_the_fresh_state(app, w):
    req = make_request(w)
    manager = as_(app, w["manager"])
    assert act(manager, req, "assign", {"handler_id": w["staff"].id}).status_code == 303
    before = snapshot(reload(req))
    response = post(manager, f"/repairs/{req.id}/assign", {"handler_id": w["staff2"].id, "version": 1, "note": "我的备注"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "这条诉求刚被其他人处理过，已为您显示最新状态。" in html
    assert re.search(r'data-testid="handler">\s*维修工\s*<', html) and 'value="我的备注"' in html
    assert snapshot(reload(req)) == before

    staff = as_(app, w["staff"])
    response = post(staff, f"/repairs/{req.id}/accept", {})  # no version at all: never applied blindly
    assert response.status_code == 200 and "最新状态" in response.get_data(as_text=True)
    assert snapshot(reload(req)) == before


# --- what each user sees ------------------------------------------------------------------------------

def test_room_and_phone_are_masked_for_the_owners_committee(app, w):
    req = make_request(w, by=w["staff"], channel="phone", contact_name="赵大妈", contact_phone="13912345678")
    html = page(as_(app, w["owners"]), req)
    place = re.search(r'data-testid="place">(.*?)</dd>', html, re.S).group(1)
    contact = re.search(r'data-testid="contact">(.*?)</dd>', html, re.S).group(1)
    assert "***" in place and "101" not in place
    assert "赵**" in contact and "139****5678" in contact and "13912345678" not in html and "赵大妈" not in html
    html = page(as_(app, w["manager"]), req)
    assert "101" in re.search(r'data-testid="place">(.*?)</dd>', html, re.S).group(1)
    assert "13912345678" in html and "赵大妈" in html
    assert forms_on(page(as_(app, w["owners"]), req)) == set()  # read-only


def test_handler_sees_the_contact_while_staff_elsewhere_does_not(app, w):
    req = make_request(w)
    services.assign(req, by=w["manager"], handler=w["staff"])
    db.session.commit()
    html = page(as_(app, w["staff"]), req)
    assert w["resident"].phone in html and "101" in html


def test_department_matter_records_the_department(app, w):
    req = make_request(w, category="road", household=None, place="小区南侧道路")
    worker = as_(app, w["worker"])
    assert {"department", "assign", "triage"} <= forms_on(page(worker, req))
    response = act(worker, req, "department", {"department": ""})
    assert 'data-field-error="department"' in response.get_data(as_text=True)
    assert act(worker, req, "department", {"department": "区住建局", "reply": "已列入维修计划"}).status_code == 303
    html = page(worker, req)
    assert "区住建局" in html and "已列入维修计划" in html


def test_return_visit_for_a_phone_request_after_resolution(app, w):
    req = make_request(w, by=w["staff"], channel="phone", contact_name="赵大妈", contact_phone="13912345678")
    manager = as_(app, w["manager"])
    assert "return_visit" not in forms_on(page(manager, req))
    services.assign(req, by=w["manager"], handler=w["staff"])
    services.accept(req, by=w["staff"])
    services.resolve(req, by=w["staff"], note="修好了")
    db.session.commit()
    assert "return_visit" in forms_on(page(manager, req))
    assert act(manager, req, "return_visit", {"satisfied": "1", "note": "电话回访，居民满意"}).status_code == 303
    visit = db.session.query(ReturnVisit).filter_by(request_id=req.id).one()
    assert visit.satisfied is True
    assert "电话回访，居民满意" in page(manager, req)


def _png() -> BytesIO:
    data = BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(data, "PNG")
    data.seek(0)
    return data


def test_resolve_with_photos_and_a_refused_photo(app, w, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path)
    try:
        req = make_request(w)
        services.assign(req, by=w["manager"], handler=w["staff"])
        services.accept(req, by=w["staff"])
        db.session.commit()
        staff = as_(app, w["staff"])
        response = act(staff, req, "resolve", {"note": "已修复", "photos": (BytesIO(b"not an image"), "a.jpg")},
                       content_type="multipart/form-data")
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and 'data-field-error="photos"' in html and "已修复" in html
        assert reload(req).status == Status.IN_PROGRESS and list(tmp_path.iterdir()) == []
        response = act(staff, req, "resolve", {"note": "已修复", "photos": [(_png(), "a.png"), (_png(), "b.png")]},
                       content_type="multipart/form-data")
        assert response.status_code == 303
        req = reload(req)
        assert req.status == Status.RESOLVED and [p.stage for p in req.photos] == ["result", "result"]
        html = page(staff, req)
        assert html.count('href="/repairs/photos/') == 2
    finally:
        app.config.pop("UPLOAD_FOLDER", None)


def test_dispatch_shows_each_candidates_post_and_load_in_queries_that_do_not_grow(app, w, count_queries):
    from portal.repairs.permissions import handler_choices

    busy = make_request(w)
    services.assign(busy, by=w["manager"], handler=w["staff"])
    req = make_request(w)
    db.session.commit()

    def choices():
        with app.test_request_context():
            db.session.expire_all()
            count_queries["n"] = 0
            found = {user.id: (post, load) for user, post, load in handler_choices(req)}
            return found, count_queries["n"]

    found, few = choices()
    assert found[w["staff"].id] == ("维修工", 1) and found[w["staff2"].id] == ("维修工", 0)
    for n in range(6):
        make_user(f"新维修工{n}", role=Role.PROPERTY_STAFF, org=w["company"], title="维修工")
    db.session.commit()
    found, many = choices()
    assert len(found) == 9 and many == few


def test_residents_read_plain_words_and_who_must_act(app, w):
    req = make_request(w)
    resident = page(as_(app, w["resident"]), req)
    assert "由谁办理" in resident and "物业服务中心" in resident and "等待物业服务中心安排人员处理" in resident
    for internal in ("个事", "负责层级", "来源"):
        assert internal not in resident, internal
    staff = page(as_(app, w["manager"]), req)
    assert "负责层级" in staff and "个事" in staff
    services.triage(req, by=w["worker"], kind=Kind.HARD, reason="需街道协调")
    db.session.commit()
    assert "等待街道办事处安排人员处理" in page(as_(app, w["resident"]), req)


def test_english_reads_as_english(app, w):
    """Fixes the English review found: a level is singular, a unit reads 'unit 1', no glued words."""
    from flask_babel import force_locale

    req = make_request(w)
    client = as_(app, w["manager"])
    post(client, "/auth/language", {"locale": "en", "next": "/"})
    html = page(client, req)
    assert "Property company" in html and "Communities</dd>" not in html
    queue = client.get("/repairs/").get_data(as_text=True)
    assert "unit 1" in queue and "1Unit" not in queue
    with force_locale("en"):
        from portal.repairs.labels import LEVEL_LABELS

        assert [str(label) for label in LEVEL_LABELS.values()] == ["Property company", "Community", "Street"]


def test_a_reopened_request_shows_its_last_round_as_history(app, w):
    req = make_request(w)
    services.assign(req, by=w["manager"], handler=w["staff"])
    services.accept(req, by=w["staff"])
    services.resolve(req, by=w["staff"], note="换了阀门")
    services.evaluate(req, by=w["resident"], satisfied=False, comment="还在漏")
    db.session.commit()
    html = page(as_(app, w["resident"]), req)
    assert "上一轮处理结果" in html and "上一轮评价" in html and "换了阀门" in html
    services.accept(req, by=w["staff"])
    services.resolve(req, by=w["staff"], note="换了整段水管")
    db.session.commit()
    html = page(as_(app, w["resident"]), req)
    assert "上一轮处理结果" not in html and "换了整段水管" in html


def test_the_history_under_a_request_is_one_statement_in_the_order_it_happened(app, w, count_queries):
    """Timeline, return visits and photos come from one statement (views.detail.request_history), each in
    its own order and with its own columns, the times as the model's columns give them."""
    from sqlalchemy import select

    from portal.repairs.models import RequestEvent, RequestPhoto
    from portal.repairs.views.detail import request_history

    def resolved_by_phone():
        req = make_request(w, by=w["staff"], channel="phone", contact_name="赵大妈", contact_phone="13912345678")
        services.assign(req, by=w["manager"], handler=w["staff"])
        services.accept(req, by=w["staff"])
        services.resolve(req, by=w["staff"], note="修好了")
        return req

    req = resolved_by_phone()
    services.return_visit(req, by=w["manager"], note="第一次回访", satisfied=None)
    services.return_visit(req, by=w["manager"], note="第二次回访，满意", satisfied=True)
    for n, stage in enumerate(("filing", "result", "result")):
        db.session.add(RequestPhoto(request_id=req.id, stage=stage, stored_name=f"h{req.id}-{n}.jpg", width=4,
                                    height=3, size_bytes=10, uploaded_by_id=w["staff"].id))
    other = resolved_by_phone()  # another request's history stays out
    services.return_visit(other, by=w["manager"], note="别的请求", satisfied=False)
    db.session.commit()
    request_id = req.id
    with app.test_request_context():
        count_queries["n"] = 0
        events, visits, photos = request_history(request_id)
        assert count_queries["n"] == 1
    assert [e.action for e in events] == ["filed", "assigned", "accepted", "resolved", "return_visit", "return_visit"]
    assert events[1].actor_name == w["manager"].name and events[0].to_status == Status.SUBMITTED
    assert [e.at for e in events] == db.session.scalars(  # the values (and types) the model's own columns give
        select(RequestEvent.at).where(RequestEvent.request_id == request_id).order_by(RequestEvent.id)).all()
    assert events[-1].note == "第二次回访，满意"
    assert [(v.note, v.satisfied, v.by_name) for v in visits] == [
        ("第一次回访", None, w["manager"].name), ("第二次回访，满意", True, w["manager"].name)]
    assert visits[0].at == db.session.scalars(select(ReturnVisit.at).where(ReturnVisit.request_id == request_id)).first()
    assert [p.stage for p in photos] == ["filing", "result", "result"]
    assert photos == sorted(photos) and all(isinstance(p.id, int) for p in photos)
