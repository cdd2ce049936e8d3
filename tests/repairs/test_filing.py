"""点单 over HTTP: residents file for their home or a public area, staff on a resident's behalf; bad input
comes back next to the field with what was typed; out-of-scope places are 404; nothing is half-saved."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from portal.core import tasks
from portal.extensions import db
from portal.orgs.models import Role
from portal.repairs.models import RepairRequest, RequestPhoto
from portal.repairs.photos import MAX_BYTES
from tests.conftest import csrf_token, login_as, make_user, post


@pytest.fixture(autouse=True)
def uploads(app, tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "uploads"
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(folder))
    return folder


def photo(name: str = "leak.jpg", size=(64, 48)):
    out = BytesIO()
    Image.new("RGB", size, (90, 140, 200)).save(out, "JPEG")
    out.seek(0)
    return (out, name, "image/jpeg")


def requests() -> list[RepairRequest]:
    return list(db.session.scalars(select(RepairRequest).order_by(RepairRequest.id)))


def field_error(html: str, name: str) -> str:
    match = re.search(rf'data-field-error="{name}">([^<]*)<', html)
    return match.group(1) if match else ""


def resident_form(world, **changes) -> dict:
    data = {"location": f"h:{world['household'].id}", "category": "water_power", "description": "厨房水管漏水",
            "urgency": "urgent", "place": ""}
    data.update(changes)
    return data


# --- residents ------------------------------------------------------------------------------------------

def test_the_resident_form_is_short_multipart_and_not_boosted(app, repair_world):
    client = login_as(app.test_client(), repair_world["resident"])
    html = client.get("/repairs/new").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in html and 'hx-boost="false"' in html
    assert 'accept="image/*"' in html and 'capture="environment"' in html and "multiple" in html
    assert f'value="h:{repair_world["household"].id}"' in html
    assert f'value="c:{repair_world["compound"].id}"' in html
    assert 'name="channel"' not in html and 'name="contact_phone"' not in html
    for label in ("水电", "供暖", "下水道", "电梯", "门禁", "停车", "充电桩", "环境卫生", "绿化", "路面", "噪音", "邻里纠纷", "其他"):
        assert label in html


def test_a_resident_files_for_their_home_with_photos(app, repair_world, uploads):
    client = login_as(app.test_client(), repair_world["resident"])
    response = post(client, "/repairs/new", resident_form(repair_world, photos=[photo(), photo("two.jpg")]))
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    [req] = requests()
    assert response.location.endswith(f"/repairs/{req.id}")
    assert (req.household_id, req.compound_id, req.category, req.urgency, req.channel) == (
        repair_world["household"].id, repair_world["compound"].id, "water_power", "urgent", "online")
    assert req.requester_id == req.filed_by_id == repair_world["resident"].id
    assert [p.stage for p in req.photos] == ["filing", "filing"]
    assert len(list(uploads.iterdir())) == 2
    with client.session_transaction() as session:
        assert any(f"已提交，编号 {req.id}" in message for _level, message in session["_flashes"])


def test_a_resident_files_for_a_public_area(app, repair_world):
    client = login_as(app.test_client(), repair_world["resident"])
    location = f"c:{repair_world['compound'].id}"
    missing = post(client, "/repairs/new", resident_form(repair_world, location=location, category="elevator"))
    assert missing.status_code == 200 and field_error(missing.get_data(as_text=True), "place")
    response = post(client, "/repairs/new", resident_form(repair_world, location=location, category="elevator",
                                                          place="3号楼电梯"))
    assert response.status_code == 303
    [req] = requests()
    assert (req.household_id, req.place, req.compound_id) == (None, "3号楼电梯", repair_world["compound"].id)


def test_another_household_or_compound_is_404_and_nothing_is_filed(app, repair_world):
    client = login_as(app.test_client(), repair_world["resident"])
    far = repair_world["far_compound"]
    for location in (f"h:{repair_world['neighbour_home'].id}", f"h:{far.buildings[0].households[0].id}",
                     f"c:{far.id}", "h:999999"):
        assert post(client, "/repairs/new", resident_form(repair_world, location=location)).status_code == 404
    assert requests() == []


def test_a_resident_of_two_homes_chooses_between_them(app, repair_world):
    second = repair_world["compound"].buildings[1].households[0]
    make_user("两处房产", household=repair_world["household"])
    resident = repair_world["resident"]
    from portal.orgs.models import HouseholdMember

    db.session.add(HouseholdMember(household_id=second.id, user_id=resident.id, relation="owner"))
    db.session.commit()
    client = login_as(app.test_client(), resident)
    html = client.get("/repairs/new").get_data(as_text=True)
    assert f'value="h:{second.id}"' in html and f'value="h:{repair_world["household"].id}"' in html
    assert post(client, "/repairs/new", resident_form(repair_world, location=f"h:{second.id}")).status_code == 303
    assert requests()[0].household_id == second.id


# --- bad input -------------------------------------------------------------------------------------------

def test_missing_description_comes_back_next_to_the_field_with_everything_kept(app, repair_world):
    client = login_as(app.test_client(), repair_world["resident"])
    location = f"c:{repair_world['compound'].id}"
    response = post(client, "/repairs/new", resident_form(repair_world, location=location, description="  ",
                                                          category="greening", place="中心花园东侧",
                                                          urgency="emergency", photos=[photo()]))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "请描述遇到的问题" in field_error(html, "description")
    assert 'value="中心花园东侧"' in html
    assert re.search(r'value="greening"[^>]*checked', html) or re.search(r'checked[^>]*value="greening"', html)
    assert re.search(r'value="emergency"[^>]*checked|checked[^>]*value="emergency"', html)
    assert re.search(rf'value="{location}"[^>]*checked|checked[^>]*value="{location}"', html)
    assert "重新选择" in field_error(html, "photos")  # the browser cannot keep chosen files
    assert requests() == []


def test_too_long_description_is_refused_and_kept(app, repair_world):
    client = login_as(app.test_client(), repair_world["resident"])
    text = "漏" * 1001
    html = post(client, "/repairs/new", resident_form(repair_world, description=text)).get_data(as_text=True)
    assert "1000" in field_error(html, "description")
    assert text in html
    assert requests() == []


def test_missing_category_is_a_field_error(app, repair_world):
    client = login_as(app.test_client(), repair_world["resident"])
    data = resident_form(repair_world)
    del data["category"]
    html = post(client, "/repairs/new", data).get_data(as_text=True)
    assert "请选择类别" in field_error(html, "category")
    assert "厨房水管漏水" in html


def test_a_file_that_is_not_an_image_is_refused_and_nothing_is_saved(app, repair_world, uploads):
    client = login_as(app.test_client(), repair_world["resident"])
    bad = (BytesIO(b"MZ\x90\x00 definitely not a picture"), "virus.exe.jpg", "image/jpeg")
    response = post(client, "/repairs/new", resident_form(repair_world, photos=[photo(), bad]))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    error = field_error(html, "photos")
    assert "virus.exe.jpg" in error and "不是图片" in error and "重新选择" in error
    assert "厨房水管漏水" in html
    assert requests() == [] and db.session.scalar(select(func.count(RequestPhoto.id))) == 0
    assert not uploads.exists() or list(uploads.iterdir()) == []


def test_more_than_six_photos_are_refused(app, repair_world, uploads):
    client = login_as(app.test_client(), repair_world["resident"])
    html = post(client, "/repairs/new", resident_form(repair_world, photos=[photo(f"{i}.jpg") for i in range(7)])
                ).get_data(as_text=True)
    assert "最多只能上传 6 张" in field_error(html, "photos")
    assert requests() == [] and (not uploads.exists() or list(uploads.iterdir()) == [])


def test_a_photo_over_10_mb_is_refused(app, repair_world, uploads):
    client = login_as(app.test_client(), repair_world["resident"])
    big = FileStorage(BytesIO(b"\xff\xd8\xff" + b"\0" * MAX_BYTES), "big.jpg", content_type="image/jpeg")
    # Encoded in memory: the test client would spool a body this size to a temp file it never closes.
    boundary, body = encode_multipart(MultiDict({**resident_form(repair_world), "photos": big,
                                                 "csrf_token": csrf_token(client, "/")}))
    html = client.post("/repairs/new", data=body, content_type=f"multipart/form-data; boundary={boundary}"
                       ).get_data(as_text=True)
    assert "10 MB" in field_error(html, "photos")
    assert requests() == []


# --- staff on a resident's behalf --------------------------------------------------------------------------

def staff_form(world, **changes) -> dict:
    building = world["compound"].buildings[0]
    data = {"compound_id": world["compound"].id, "where": "household", "building_id": building.id, "unit": "1",
            "room": "102", "category": "heating", "description": "暖气不热（电话报修）", "urgency": "normal",
            "channel": "phone", "contact_name": "王阿姨", "contact_phone": "13912345678", "place": ""}
    data.update(changes)
    return data


def test_staff_file_on_behalf_with_the_channel_and_contact(app, repair_world):
    grid = repair_world["grid"]
    client = login_as(app.test_client(), grid)
    html = client.get("/repairs/new").get_data(as_text=True)
    assert 'name="channel"' in html and 'name="compound_id"' in html and 'name="contact_phone"' in html
    response = post(client, "/repairs/new", staff_form(repair_world))
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    [req] = requests()
    household = repair_world["compound"].buildings[0].households[1]
    assert (req.household_id, req.channel, req.contact_name, req.contact_phone) == (
        household.id, "phone", "王阿姨", "13912345678")
    assert req.filed_by_id == grid.id and req.requester_id is None


@pytest.mark.parametrize("role", [Role.PROPERTY_STAFF, Role.PROPERTY_MANAGER, Role.COMMUNITY_WORKER,
                                  Role.STREET_ADMIN, Role.PARTY_SECRETARY])
def test_every_role_that_may_file_for_others_can(app, repair_world, role):
    client = login_as(app.test_client(), repair_world["users"][role])
    response = post(client, "/repairs/new", staff_form(repair_world, where="public", place="北门", room="",
                                                       channel="patrol", category="access"))
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    [req] = requests()
    assert (req.place, req.channel, req.household_id) == ("北门", "patrol", None)


def test_room_as_unit_dash_room_and_unknown_rooms(app, repair_world):
    client = login_as(app.test_client(), repair_world["users"][Role.PROPERTY_STAFF])
    unknown = post(client, "/repairs/new", staff_form(repair_world, room="9999")).get_data(as_text=True)
    assert "没有这个房号" in field_error(unknown, "room") and "暖气不热（电话报修）" in unknown
    assert post(client, "/repairs/new", staff_form(repair_world, unit="", room="1-103")).status_code == 303
    assert requests()[0].household_id == repair_world["compound"].buildings[0].households[2].id


def test_staff_bad_input_is_shown_by_the_field(app, repair_world):
    client = login_as(app.test_client(), repair_world["users"][Role.COMMUNITY_WORKER])
    html = post(client, "/repairs/new", staff_form(repair_world, building_id="", room="", contact_phone="12",
                                                   channel="carrier-pigeon")).get_data(as_text=True)
    assert field_error(html, "building_id") and field_error(html, "room") and field_error(html, "contact_phone")
    assert field_error(html, "channel")
    assert "王阿姨" in html and "暖气不热（电话报修）" in html
    other = repair_world["other_compound"].buildings[0]
    html = post(client, "/repairs/new", staff_form(repair_world, building_id=other.id)).get_data(as_text=True)
    assert "重新选择楼栋" in field_error(html, "building_id")
    assert requests() == []


def test_staff_out_of_scope_compound_or_building_is_404(app, repair_world):
    client = login_as(app.test_client(), repair_world["users"][Role.PROPERTY_STAFF])
    far = repair_world["far_compound"]
    assert post(client, "/repairs/new", staff_form(repair_world, compound_id=far.id)).status_code == 404
    assert post(client, "/repairs/new", staff_form(repair_world, building_id=far.buildings[0].id)).status_code == 404
    assert client.get(f"/repairs/new?compound_id={far.id}").status_code == 404
    assert requests() == []


def test_choosing_a_compound_refreshes_the_buildings_in_place(app, repair_world):
    client = login_as(app.test_client(), repair_world["users"][Role.COMMUNITY_WORKER])
    other = repair_world["other_compound"]
    response = client.get(f"/repairs/new?compound_id={other.id}",
                          headers={"HX-Request": "true", "X-Block": "buildings"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.strip().startswith('<div id="building-field">')
    assert f'value="{other.buildings[0].id}"' in html
    assert f'value="{repair_world["compound"].buildings[0].id}"' not in html


def test_staff_who_live_here_can_also_file_for_themselves(app, repair_world):
    grid = repair_world["grid"]
    from portal.orgs.models import HouseholdMember

    home = repair_world["compound"].buildings[1].households[2]
    db.session.add(HouseholdMember(household_id=home.id, user_id=grid.id, relation="owner"))
    db.session.commit()
    client = login_as(app.test_client(), grid)
    assert "为自己家报修" in client.get("/repairs/new").get_data(as_text=True)
    html = client.get("/repairs/new?for=self").get_data(as_text=True)
    assert 'name="channel"' not in html and f'value="h:{home.id}"' in html
    response = post(client, "/repairs/new?for=self", resident_form(repair_world, location=f"h:{home.id}"))
    assert response.status_code == 303
    assert requests()[0].requester_id == grid.id


def test_people_who_may_not_file_get_403(app, repair_world):
    client = login_as(app.test_client(), repair_world["users"][Role.OWNERS_COMMITTEE])  # no home, no filing role
    assert client.get("/repairs/new").status_code == 403


# --- the sweep, now and then ------------------------------------------------------------------------------

def test_the_sweep_runs_at_most_every_five_minutes_outside_tests(app, repair_world, monkeypatch):
    from datetime import timedelta

    from portal.repairs.services import now_utc
    from tests.repairs.conftest import make_request

    req = make_request(repair_world)
    req.due_at = now_utc() - timedelta(hours=1)
    db.session.commit()
    client = login_as(app.test_client(), repair_world["resident"])
    client.get("/repairs/board")
    db.session.refresh(req)
    assert req.overdue_flagged_at is None  # TESTING: no sweep
    monkeypatch.setitem(app.config, "TESTING", False)
    monkeypatch.setattr(tasks, "_last_run", {})
    client.get("/repairs/board")
    db.session.refresh(req)
    assert req.overdue_flagged_at is not None
    second = make_request(repair_world)
    second.due_at = now_utc() - timedelta(hours=1)
    db.session.commit()
    client.get("/repairs/board")
    db.session.refresh(second)
    assert second.overdue_flagged_at is None  # not again within 5 minutes


def test_the_sweep_command_prints_its_counts(app, repair_world):
    from datetime import timedelta

    from portal.repairs.services import now_utc
    from tests.repairs.conftest import make_request

    req = make_request(repair_world)
    req.due_at = now_utc() - timedelta(hours=1)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["repairs-sweep"])
    assert result.exit_code == 0, result.output
    assert "overdue: 1" in result.output and "escalated: 1" in result.output
    db.session.refresh(req)
    assert req.overdue_flagged_at is not None


def test_flask_tasks_runs_every_registered_task(app, repair_world):
    from datetime import timedelta

    from portal.core.clock import now_utc
    from tests.repairs.conftest import make_request

    req = make_request(repair_world)
    req.due_at = now_utc() - timedelta(hours=1)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["tasks"])
    assert result.exit_code == 0, result.output
    assert "repairs.sweep:" in result.output and "'overdue': 1" in result.output
    db.session.refresh(req)
    assert req.overdue_flagged_at is not None


def test_a_task_runs_once_per_interval_however_many_processes_ask(app, repair_world):
    """Two instances (or workers) asking at the same moment: one claim wins, the other skips."""
    from datetime import timedelta

    from portal.core.clock import now_utc
    from portal.core.modules import registry

    sweep = next(task for task in registry(app).tasks if task.name == "repairs.sweep")
    now = now_utc()
    assert tasks.claim(sweep, now) is True
    assert tasks.claim(sweep, now) is False  # the other instance, same moment
    assert tasks.claim(sweep, now + timedelta(seconds=sweep.every_seconds - 1)) is False
    assert tasks.claim(sweep, now + timedelta(seconds=sweep.every_seconds)) is True
    result = app.test_cli_runner().invoke(args=["tasks"])
    assert "skipped" in result.output  # cron on a second instance right after the first
    assert "repairs.sweep: {" in app.test_cli_runner().invoke(args=["tasks", "--force"]).output


def test_staff_find_the_home_by_the_callers_phone(app, repair_world):
    """A caller who gives only a phone number: the home is found by the owner's or a member's phone —
    by those who may see residents' phones; a repairman is asked for building and room instead."""
    w = repair_world
    household = w["household"]
    worker = login_as(app.test_client(), w["worker"])
    form = staff_form(w, building_id="", unit="", room="", contact_phone=household.owner_phone)
    assert post(worker, "/repairs/new", form).status_code == 303
    assert requests()[-1].household_id == household.id
    form = staff_form(w, building_id="", unit="", room="", contact_phone=w["neighbour"].phone)
    assert post(worker, "/repairs/new", form).status_code == 303  # a member's phone finds their home
    assert requests()[-1].household_id == w["neighbour_home"].id
    html = post(worker, "/repairs/new", staff_form(w, building_id="", unit="", room="", contact_phone="13900000000")
                ).get_data(as_text=True)
    assert "没有用这个电话登记的住户" in field_error(html, "building_id")
    staff = login_as(app.test_client(), w["staff"])
    html = post(staff, "/repairs/new", staff_form(w, building_id="", unit="", room="",
                                                  contact_phone=household.owner_phone)).get_data(as_text=True)
    assert field_error(html, "building_id") and len(requests()) == 2
