"""Micro-wishes, registers and the service record through HTTP: forms keep what was typed, refusals land
beside their field, personal data stays with those who act on it, lists cost a fixed number of queries."""

from __future__ import annotations

from io import BytesIO

import pytest
from PIL import Image
from sqlalchemy import func, select

from portal.core.clock import today
from portal.extensions import db
from portal.projects import services
from portal.projects.models import PartyMember, ServiceRecord, Unit, Wish, WishPhoto, WishStatus
from tests.conftest import login_as, post, queries_for
from tests.projects.conftest import make_wish


@pytest.fixture
def w(co_world, app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "PROJECTS_UPLOAD_FOLDER", str(tmp_path / "uploads"))
    return co_world


def _jpeg() -> BytesIO:
    data = BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(data, "JPEG")
    data.seek(0)
    return data


def test_resident_posts_a_wish_and_bad_input_keeps_the_text(client, w):
    login_as(client, w["resident"])
    page = post(client, "/projects/wishes/new", {"household_id": w["household"].id, "title": "", "category": "study",
                                                 "description": "孩子上网课需要"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-field-error="title"' in html and "孩子上网课需要" in html
    assert db.session.scalar(select(func.count()).select_from(Wish)) == 0
    done = post(client, "/projects/wishes/new", {"household_id": w["household"].id, "title": "想要一台旧电脑",
                                                 "category": "study"})
    assert done.status_code == 303
    wish = db.session.scalar(select(Wish))
    assert (wish.wisher_id, wish.status) == (w["resident"].id, WishStatus.OPEN)


def test_claim_fulfil_with_photo_confirm_through_the_pages(client, w, app):
    wish = make_wish(w)
    url = f"/projects/wishes/{wish.id}"
    login_as(client, w["member"])
    page = client.get(url).get_data(as_text=True)
    assert 'data-testid="claim"' in page and 'data-testid="contact"' not in page  # not yet: no personal data
    assert post(client, f"{url}/claim", {"version": wish.version}).status_code == 303
    page = client.get(url).get_data(as_text=True)
    assert w["resident"].phone in page  # the claimer sees whom to call
    db.session.expire_all()
    version = db.session.get(Wish, wish.id).version
    refused = post(client, f"{url}/fulfil", {"version": version, "note": ""})
    assert 'data-field-error="note"' in refused.get_data(as_text=True)
    done = post(client, f"{url}/fulfil", {"version": version, "note": "", "photos": (_jpeg(), "done.jpg")},
                content_type="multipart/form-data")
    assert done.status_code == 303
    photo = db.session.scalar(select(WishPhoto))
    assert client.get(f"/projects/wishes/photos/{photo.id}").status_code == 200

    other = app.test_client()
    login_as(other, w["neighbour"])
    assert other.get(url).status_code == 404  # no longer open: only its people see it
    assert post(other, f"{url}/confirm", {"version": version + 1}).status_code == 404

    client = app.test_client()
    login_as(client, w["resident"])
    db.session.expire_all()
    version = db.session.get(Wish, wish.id).version
    assert post(client, f"{url}/confirm", {"version": version}).status_code == 303
    assert db.session.scalar(select(func.count()).select_from(ServiceRecord)) == 1
    month = today().strftime("%Y-%m")
    records = client.get(f"/projects/records?month={month}").get_data(as_text=True)
    assert "党员小李" in records and "微心愿：想要一台旧电脑给孩子上网课" in records
    printed = client.get(f"/projects/records?month={month}&print=1").get_data(as_text=True)
    assert "一事一记录" in printed and "党员小李" in printed


def test_a_second_claim_is_told_it_was_just_claimed(client, w):
    wish = make_wish(w)
    version = wish.version
    services.claim(wish, by=w["member"])
    db.session.commit()
    login_as(client, w["contact"])
    page = post(client, f"/projects/wishes/{wish.id}/claim", {"version": version})
    assert page.status_code in (200, 422)
    assert "刚被其他人" in page.get_data(as_text=True)


def test_open_wishes_show_no_personal_details_to_neighbours(client, w):
    wish = make_wish(w, description="我家电话见登记")
    login_as(client, w["neighbour"])
    page = client.get(f"/projects/wishes/{wish.id}").get_data(as_text=True)
    assert "想要一台旧电脑" in page and w["resident"].phone not in page and w["resident"].name not in page
    listing = client.get("/projects/wishes").get_data(as_text=True)
    assert f'data-wish="{wish.id}"' in listing and w["resident"].phone not in listing


def test_register_a_party_member_with_clear_refusals(client, w):
    login_as(client, w["worker"])
    base = {"compound_id": w["compound"].id, "registered_on": today().isoformat(), "workplace": "区税务局"}
    page = post(client, "/projects/registers/members/new", {**base, "phone": "13911112222"})
    assert "没有用这个手机号注册的居民账号" in page.get_data(as_text=True) and "区税务局" in page.get_data(as_text=True)
    page = post(client, "/projects/registers/members/new", {**base, "phone": w["member"].phone})
    assert "已经报到过了" in page.get_data(as_text=True)
    assert post(client, "/projects/registers/members/new", {**base, "phone": w["neighbour"].phone}).status_code == 303
    assert db.session.scalar(select(func.count()).select_from(PartyMember)) == 3
    counts = client.get("/projects/registers").get_data(as_text=True)
    assert "在职党员人数" in counts


def test_units_and_agreements_refuse_bad_periods(client, w):
    login_as(client, w["secretary"] if "secretary" in w else w["worker"])
    page = post(client, "/projects/registers/units/new", {"community_id": w["community"].id, "name": "区第一人民医院",
                                                          "registered_on": today().isoformat(), "contact_name": "王",
                                                          "contact_phone": "13912340000"})
    assert "已在本社区报到" in page.get_data(as_text=True)
    url = f"/projects/registers/units/{w['unit'].id}/agreements/new"
    page = post(client, url, {"start_date": "2026-06-01", "end_date": "2026-01-01", "content": "义诊进社区"})
    html = page.get_data(as_text=True)
    assert 'data-field-error="end_date"' in html and "义诊进社区" in html
    assert post(client, url, {"start_date": "2024-01-01", "end_date": "2024-12-31", "content": "义诊"}).status_code == 303
    assert post(client, url, {"start_date": "2025-01-01", "end_date": "2027-12-31", "content": "义诊"}).status_code == 303
    page = client.get("/projects/registers").get_data(as_text=True)
    assert "已到期" in page and "有效" in page
    assert db.session.scalar(select(func.count()).select_from(Unit)) == 2


def test_wish_list_query_count_is_flat(client, w, count_queries):
    login_as(client, w["worker"])
    make_wish(w)
    few = queries_for(client, "/projects/wishes", count_queries)
    for i in range(8):
        wish = make_wish(w, title=f"心愿{i}")
        if i % 2:
            services.claim(wish, by=w["member"] if i % 4 == 1 else w["contact"])
    db.session.commit()
    assert queries_for(client, "/projects/wishes", count_queries) <= few


def test_home_page_shows_wish_todos(client, w, app):
    wish = make_wish(w)
    login_as(client, w["member"])
    assert "附近待认领的微心愿" in client.get("/").get_data(as_text=True)
    services.claim(wish, by=w["member"])
    services.fulfil(wish, by=w["member"], note="好了")
    db.session.commit()
    client = app.test_client()
    login_as(client, w["resident"])
    assert "微心愿已完成，请确认" in client.get("/").get_data(as_text=True)
