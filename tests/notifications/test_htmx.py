"""The bell and the flash area stay current after htmx requests: a successful htmx action says so
in HX-Trigger, and every fragment carries the bell and any pending flash messages out of band."""

import re

from flask import Response

from portal.core.oob import add_trigger
from portal.extensions import db
from portal.notifications import EVENT
from portal.notifications.services import notify
from portal.orgs.models import Compound, Role
from tests.conftest import csrf_token, login_as, post

HX = {"HX-Request": "true"}


def _admin(client, world, unread: int = 0):
    admin = world["users"][Role.STREET_ADMIN]
    for i in range(unread):
        notify(admin.id, "repairs.assigned", link=f"/repairs/{i + 1}", no=i + 1, category="other", summary="一楼")
    db.session.commit()
    login_as(client, admin)
    return admin


def _oob_bell(html: str) -> str | None:
    match = re.search(r'<li id="bell"[^>]*hx-swap-oob="true"[^>]*>.*?</li>', html, re.S)
    return match.group(0) if match else None


def _oob_flash(html: str) -> str | None:
    match = re.search(r'<div id="flash"[^>]*hx-swap-oob="innerHTML"[^>]*>.*?</div>', html, re.S)
    return match.group(0) if match else None


def test_a_block_form_that_succeeds_announces_it(client, world):
    _admin(client, world)
    response = post(client, "/compounds/new", {"community_id": world["community"].id, "name": "新建小区"},
                    htmx=True, block="form")
    assert response.status_code == 204 and response.headers["HX-Location"]
    assert response.headers["HX-Trigger"] == EVENT


def test_a_boosted_form_gets_its_redirect_without_the_event(client, world):
    """htmx never sees a 303's headers: the browser follows it, and the page it gets has a fresh bell."""
    _admin(client, world)
    response = post(client, "/compounds/new", {"community_id": world["community"].id, "name": "新建小区"}, htmx=True)
    assert response.status_code == 303 and "HX-Trigger" not in response.headers


def test_no_event_for_a_refusal_or_a_read(client, world):
    _admin(client, world)
    refused = post(client, "/compounds/new", {"community_id": world["community"].id, "name": ""}, htmx=True,
                   block="form")
    assert refused.status_code == 422 and "HX-Trigger" not in refused.headers
    search = client.get("/compounds?q=锦绣", headers={**HX, "X-Block": "results"})
    assert search.status_code == 200 and "HX-Trigger" not in search.headers


def test_a_fragment_carries_the_bell_out_of_band(client, world):
    _admin(client, world, unread=3)
    html = client.get("/compounds?q=锦绣", headers={**HX, "X-Block": "results"}).get_data(as_text=True)
    assert 'id="results"' in html and "<html" not in html
    bell = _oob_bell(html)
    assert bell and 'data-testid="unread">3<' in bell and 'title="您有一条新派单：3（其他）一楼"' in bell
    assert html.count('id="bell"') == 1
    assert _oob_flash(html) is None  # nothing pending: the flash area is left as it is


def test_a_422_fragment_carries_the_bell_too(client, world):
    _admin(client, world, unread=1)
    html = post(client, "/compounds/new", {"community_id": world["community"].id, "name": ""}, htmx=True,
                block="form").get_data(as_text=True)
    assert 'id="compound-form"' in html and 'data-testid="unread">1<' in _oob_bell(html)


def test_pending_flash_messages_go_out_of_band_once(client, world):
    _admin(client, world)
    created = post(client, "/compounds/new", {"community_id": world["community"].id, "name": "闪现小区"},
                   htmx=True, block="form")
    assert created.status_code == 204  # the message waits for the page HX-Location leads to …
    # … but a fragment is asked first: it takes the message along, into the flash area.
    html = client.get("/compounds?q=闪现", headers={**HX, "X-Block": "results"}).get_data(as_text=True)
    flash = _oob_flash(html)
    assert flash and "已创建小区“闪现小区”。" in flash and 'class="flash flash-success"' in flash
    compound = db.session.query(Compound).filter_by(name="闪现小区").one()
    page = client.get(f"/compounds/{compound.id}").get_data(as_text=True)
    assert "已创建小区" not in page  # shown once, not again on the next page


def test_the_bell_poll_gets_no_extras_and_leaves_the_flashes(client, world):
    """The poll may run while the page an action leads to is loading: it must not take its messages."""
    _admin(client, world, unread=2)
    post(client, "/compounds/new", {"community_id": world["community"].id, "name": "轮询小区"}, htmx=True, block="form")
    html = client.get("/notifications/bell", headers={**HX, "X-Block": "bell"}).get_data(as_text=True)
    assert html.count('id="bell"') == 1 and "hx-swap-oob" not in html and 'data-testid="unread">2<' in html
    compound = db.session.query(Compound).filter_by(name="轮询小区").one()
    assert "已创建小区“轮询小区”。" in client.get(f"/compounds/{compound.id}").get_data(as_text=True)


def test_whole_pages_and_errors_get_no_extras(client, world):
    _admin(client, world, unread=1)
    page = client.get("/compounds").get_data(as_text=True)
    assert "hx-swap-oob" not in page and page.count('id="bell"') == 1
    boosted = client.get("/compounds", headers={**HX, "HX-Boosted": "true"}).get_data(as_text=True)
    assert "hx-swap-oob" not in boosted
    missing = client.get("/compounds/999999", headers={**HX, "X-Block": "form"})
    assert missing.status_code == 404 and missing.headers["HX-Retarget"] == "#flash"
    assert "hx-swap-oob" not in missing.get_data(as_text=True)


def test_anonymous_fragments_get_no_bell(client, world):
    token = csrf_token(client, "/auth/login")
    response = client.post("/auth/login", data={"login": "nobody", "password": "wrong"},
                           headers={**HX, "X-Block": "login_form", "X-CSRFToken": token})
    html = response.get_data(as_text=True)
    assert response.status_code in (200, 422) and "<html" not in html and _oob_bell(html) is None


def test_reading_a_notification_updates_the_count_a_fragment_carries(client, world):
    admin = _admin(client, world, unread=2)
    assert post(client, "/notifications/read-all", htmx=True).status_code == 303
    html = client.get("/compounds?q=锦绣", headers={**HX, "X-Block": "results"}).get_data(as_text=True)
    assert 'data-testid="unread"' not in _oob_bell(html) and "条未读" not in _oob_bell(html)
    assert admin.id


def test_add_trigger_keeps_what_a_view_already_sent():
    response = Response()
    add_trigger(response, EVENT)
    add_trigger(response, EVENT)
    assert response.headers["HX-Trigger"] == EVENT
    listed = Response(headers={"HX-Trigger": "saved"})
    add_trigger(listed, EVENT)
    assert listed.headers["HX-Trigger"] == f"saved, {EVENT}"
    detailed = Response(headers={"HX-Trigger": '{"saved": {"id": 3}}'})
    add_trigger(detailed, EVENT)
    assert detailed.headers["HX-Trigger"] == '{"saved": {"id": 3}, "portal:notifications": null}'
