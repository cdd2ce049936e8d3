"""晒单: the compound's public board shows closed requests and the figures, never a name, phone or room."""

from __future__ import annotations

import re
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage

from portal.extensions import db
from portal.orgs.models import Role
from portal.repairs import services
from portal.repairs.photos import save_photos
from tests.conftest import login_as, make_user
from tests.repairs.conftest import make_request

NAME, PHONE, ROOM = "欧阳娜娜", "13987654321", "2718"
CONTACT, CONTACT_PHONE = "司马光", "13911112222"


@pytest.fixture(autouse=True)
def uploads(app, tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "uploads"
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(folder))
    return folder


def _jpeg() -> FileStorage:
    out = BytesIO()
    Image.new("RGB", (64, 48), (20, 120, 20)).save(out, "JPEG")
    out.seek(0)
    return FileStorage(stream=out, filename="done.jpg")


def close(world, req, *, rating=5, satisfied=True, by=None, photo=False):
    manager, staff = world["manager"], world["staff"]
    services.assign(req, by=manager, handler=staff)
    services.accept(req, by=staff)
    services.resolve(req, by=staff, note="已疏通下水管道")
    if photo:
        save_photos(req, [_jpeg()], stage="result", by=staff)
    if by is not None:
        services.evaluate(req, by=by, rating=rating, speed=rating, attitude=5, satisfied=satisfied,
                          comment=None if satisfied else "还是慢")
        if not satisfied:  # reopened: do it again, then accept
            services.accept(req, by=staff)
            services.resolve(req, by=staff, note="第二次处理")
            services.evaluate(req, by=by, rating=rating, speed=rating, attitude=5, satisfied=True)
    db.session.commit()
    return req


@pytest.fixture
def board_world(repair_world):
    """A resident with a recognisable name, phone and room; one request of theirs closed with a photo,
    one filed by phone on their behalf with a contact, and one still open."""
    world = repair_world
    home = world["household"]
    home.room, home.owner_name, home.owner_phone = ROOM, NAME, PHONE
    resident = world["resident"]
    resident.name, resident.phone = NAME, PHONE
    db.session.commit()
    mine = close(world, make_request(world, category="sewer", description=f"{NAME}家{ROOM}室下水道堵了"),
                 by=resident, photo=True)
    phoned = make_request(world, by=world["grid"], category="heating", description="暖气不热", channel="phone",
                          contact_name=CONTACT, contact_phone=CONTACT_PHONE)
    close(world, phoned)
    services.sweep(services.now_utc() + timedelta(days=8))  # not evaluated in 7 days: closes itself
    public = make_request(world, category="elevator", household=None, place="2号楼电梯")
    close(world, public, by=resident, rating=3)
    still_open = make_request(world, category="noise", description="楼上装修")
    db.session.commit()
    return {**world, "mine": mine, "phoned": phoned, "public": public, "open": still_open}


def test_the_board_shows_closed_requests_without_personal_data(app, board_world):
    client = login_as(app.test_client(), board_world["neighbour"])
    response = client.get("/repairs/board")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for req in (board_world["mine"], board_world["phoned"], board_world["public"]):
        assert f'data-request="{req.id}"' in html
    assert f'data-request="{board_world["open"].id}"' not in html
    assert "已疏通下水管道" in html and "1号楼" in html and "2号楼电梯" in html
    assert "下水道" in html and "供暖" in html and "电梯" in html
    [photo] = board_world["mine"].photos
    assert f"/repairs/photos/{photo.id}" in html
    for secret in (NAME, PHONE, ROOM, CONTACT, CONTACT_PHONE, "暖气不热", "下水道堵了", "楼上装修",
                   board_world["grid"].name, board_world["staff"].name, board_world["manager"].name):
        assert secret not in html, secret


def test_the_figures_of_the_last_90_days(app, board_world):
    client = login_as(app.test_client(), board_world["resident"])
    html = client.get("/repairs/board").get_data(as_text=True)
    assert 'data-figure="closed">3<' in html
    assert 'data-figure="satisfaction">50%<' in html  # a 5 and a 3 among the two rated
    assert 'data-figure="median">' in html and 'data-figure="median">—<' not in html


def test_category_filter_updates_in_place(app, board_world):
    client = login_as(app.test_client(), board_world["resident"])
    response = client.get("/repairs/board?category=elevator", headers={"HX-Request": "true", "X-Block": "board"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.strip().startswith('<section id="board">')
    assert f'data-request="{board_world["public"].id}"' in html
    assert f'data-request="{board_world["mine"].id}"' not in html
    assert "<html" not in html


def test_paged_newest_closed_first(app, board_world, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    client = login_as(app.test_client(), board_world["resident"])
    first = client.get("/repairs/board").get_data(as_text=True)
    second = client.get("/repairs/board?page=2").get_data(as_text=True)
    # The auto-closed one was closed "8 days from now" by the sweep, then the public one.
    assert f'data-request="{board_world["phoned"].id}"' in first
    assert f'data-request="{board_world["mine"].id}"' in second
    assert "第 1 / 2 页" in first


def test_other_compounds_are_404_and_people_without_a_compound_403(app, board_world):
    client = login_as(app.test_client(), board_world["resident"])
    assert client.get(f"/repairs/board?compound={board_world['far_compound'].id}").status_code == 404
    assert client.get(f"/repairs/board?compound={board_world['other_compound'].id}").status_code == 404
    nobody = make_user("无职务")
    db.session.commit()
    assert login_as(app.test_client(), nobody).get("/repairs/board").status_code == 403


@pytest.mark.parametrize("role", sorted({Role.STREET_ADMIN, Role.PARTY_SECRETARY, Role.COMMUNITY_WORKER,
                                         Role.GRID_WORKER, Role.OWNERS_COMMITTEE, Role.PROPERTY_MANAGER,
                                         Role.PROPERTY_STAFF, Role.RESIDENT}))
def test_everyone_in_the_compound_sees_the_board(app, board_world, role):
    client = login_as(app.test_client(), board_world["users"][role])
    response = client.get(f"/repairs/board?compound={board_world['compound'].id}")
    assert response.status_code == 200
    assert f'data-request="{board_world["public"].id}"' in response.get_data(as_text=True)


def test_the_board_query_count_does_not_grow_with_the_page(app, board_world):
    from sqlalchemy import event

    client = login_as(app.test_client(), board_world["resident"])

    def count(path):
        statements = []
        client.get(path)  # the scope kept, as it is after the first request
        db.session.expire_all()  # both pages start from the same cold session

        def listener(*args):
            statements.append(args[2])

        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get(path).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    before = count("/repairs/board")
    for _ in range(4):
        close(board_world, make_request(board_world, category="other"), photo=True)
    services.sweep(services.now_utc() + timedelta(days=8))
    db.session.commit()
    assert count("/repairs/board") == before


def test_each_entry_says_what_the_matter_was_without_a_homes_details(app, board_world):
    html = login_as(app.test_client(), board_world["neighbour"]).get("/repairs/board").get_data(as_text=True)
    public = re.search(rf'data-request="{board_world["public"].id}".*?</article>', html, re.S).group(0)
    assert "厨房水管漏水" in public  # a public area: a few words of what was wrong
    mine = re.search(rf'data-request="{board_world["mine"].id}".*?</article>', html, re.S).group(0)
    assert "住户家中的下水道问题" in mine and "堵了" not in mine  # a home: only what kind of problem
    phoned = re.search(rf'data-request="{board_world["phoned"].id}".*?</article>', html, re.S).group(0)
    assert "居民 7 天内未评价，已自动关闭" in phoned
