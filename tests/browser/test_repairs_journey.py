"""The 五单 loop in Chromium, as the people in it would do it: the demo resident files with a photo, the
property manager dispatches, the property staff member accepts and resolves, the resident rates it,
and the request appears on the compound's public board without the resident's personal details."""

from __future__ import annotations

import re
import sqlite3
from contextlib import contextmanager

import pytest
from PIL import Image
from playwright.sync_api import expect

from portal.demo import DEMO_PASSWORD
from tests.browser.conftest import PHONE, login, open_page

pytestmark = pytest.mark.browser

RESULT = "更换了厨房水管接头，已试水，无渗漏"


@pytest.fixture(scope="module")
def resident_details(live_server, tmp_path_factory) -> dict[str, str]:
    """The demo resident's name, phone and home, read (read-only) from the live server's database."""
    found = sorted(tmp_path_factory.getbasetemp().glob("live-server*/portal.sqlite3"))
    assert found, "the live server's database was not found"
    with sqlite3.connect(f"file:{found[-1]}?mode=ro", uri=True) as conn:
        row = conn.execute(
            "SELECT u.name, u.phone, h.unit, h.room, h.owner_name, h.owner_phone, b.name, c.name "
            "FROM user u JOIN household_member m ON m.user_id = u.id JOIN household h ON h.id = m.household_id "
            "JOIN building b ON b.id = h.building_id JOIN compound c ON c.id = b.compound_id "
            "WHERE u.username = 'demo_resident'").fetchone()
    conn.close()
    assert row, "the demo resident has no household"
    keys = ("name", "phone", "unit", "room", "owner_name", "owner_phone", "building", "compound")
    return dict(zip(keys, row, strict=True))


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "leak.jpg"
    Image.new("RGB", (320, 240), (70, 130, 180)).save(path, "JPEG", quality=80)
    return path


@contextmanager
def signed_in(browser, base: str, username: str, viewport=PHONE):
    """A fresh browser context logged in as `username`; fails on any JS/CSP error."""
    context, page, errors = open_page(browser, viewport)
    try:
        login(page, base, username, DEMO_PASSWORD)
        yield page
    finally:
        context.close()
    assert not errors, f"{username}: the browser reported errors:\n" + "\n".join(errors)


def open_request(page, request_id: int) -> None:
    """From the menu to the queue, then the request's row, as a person would."""
    page.locator('.main-nav [data-nav="repairs"]').click()
    row = page.locator(f'#results tr[data-request="{request_id}"]')
    expect(row).to_have_count(1)
    row.locator("a").first.click()
    page.wait_for_url(re.compile(rf"/repairs/{request_id}$"))
    expect(page.locator("h1")).to_contain_text(f"#{request_id}")


def todo_count(page, label: str) -> int:
    """The figure of a to-do on the home page (0 when the to-do is not shown)."""
    item = page.get_by_test_id("todos").locator("li", has_text=label)
    return int(item.locator(".figure").inner_text()) if item.count() else 0


def expect_status(page, status: str) -> None:
    expect(page.get_by_test_id("status")).to_have_attribute("data-status", status)


def test_resident_files_manager_dispatches_staff_resolves_resident_rates_board_shows_it(
        browser, live_server, artifacts, photo, resident_details):
    with signed_in(browser, live_server, "demo_manager") as page:
        to_dispatch = todo_count(page, "待派单的诉求")
    with signed_in(browser, live_server, "demo_staff") as page:
        to_accept = todo_count(page, "派给我、待接单")

    # 点单: the resident files for their household, with a photo, from a phone.
    with signed_in(browser, live_server, "demo_resident", {"width": 360, "height": 740}) as page:
        page.locator('.main-nav [data-nav="repairs"]').click()
        page.get_by_test_id("file-request").click()
        page.wait_for_url(re.compile(r"/repairs/new"))
        expect(page.locator("h1")).to_have_text("我要报修")
        form = page.locator("#filing-form")
        home = form.get_by_label(re.compile(r"我家："))
        expect(home).to_have_count(1)
        home.check()
        form.get_by_label("水电", exact=True).check()
        form.get_by_label("问题描述").fill("厨房水槽下面的水管一直在滴水，地面已经湿了。")
        form.get_by_label("一般", exact=True).check()
        form.locator("#photos").set_input_files(photo)
        page.screenshot(path=str(artifacts / "repairs-new-resident-360px.png"), full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 361, f"the filing form is {width}px wide at a 360px viewport"

        form.get_by_role("button", name="提交").click()
        page.wait_for_url(re.compile(rf"{re.escape(live_server)}/repairs/\d+$"))
        request_id = int(page.url.rsplit("/", 1)[1])
        expect_status(page, "submitted")
        expect(page.locator("#flash")).to_contain_text(str(request_id))
        expect(page.get_by_test_id("description")).to_contain_text("水管一直在滴水")
        expect(page.locator('img[alt^="现场照片"]')).to_have_count(1)
        expect(page.get_by_test_id("timeline").locator("li")).to_have_count(1)

    # 派单: the property manager is told (home to-do and a notice naming the request), opens it from the
    # queue and dispatches it to the staff member, seeing each candidate's post and load.
    with signed_in(browser, live_server, "demo_manager") as page:
        assert todo_count(page, "待派单的诉求") == to_dispatch + 1
        page.locator("#bell a").click()
        expect(page.locator("main")).to_contain_text(f"新诉求 {request_id}（水电）")
        open_request(page, request_id)
        expect_status(page, "submitted")
        # The manager acts on the household, so sees the room.
        expect(page.get_by_test_id("place")).to_contain_text(resident_details["room"])
        assign = page.locator("#action-assign")
        # Each candidate shows their post and how many orders they have in hand.
        sun = assign.locator("option", has_text="孙伟").first
        expect(sun).to_contain_text("在办")
        assign.get_by_label("处理人").select_option(value=sun.get_attribute("value"))
        assign.get_by_role("button", name="派单").click()
        expect_status(page, "assigned")
        expect(page.get_by_test_id("handler")).to_have_text("孙伟")

    # 接单 and 办结: the staff member's home says there is one more to accept; the card in the list they
    # open from it says where and by when; they accept, then resolve with a note.
    with signed_in(browser, live_server, "demo_staff", {"width": 360, "height": 740}) as page:
        assert todo_count(page, "派给我、待接单") == to_accept + 1
        page.get_by_test_id("todos").locator("li", has_text="派给我、待接单").locator("a").click()
        card = page.locator(f'#results tr[data-request="{request_id}"]')
        expect(card.locator(".wl-place")).to_contain_text(resident_details["building"])
        expect(card.locator(".wl-due")).not_to_have_text("—")
        page.screenshot(path=str(artifacts / "repairs-staff-cards-360px.png"), full_page=True)
        card.locator("a").first.click()  # tap the card
        page.wait_for_url(re.compile(rf"/repairs/{request_id}$"))
        expect_status(page, "assigned")
        page.locator("#action-accept").get_by_role("button", name="接单").click()
        expect_status(page, "in_progress")
        resolve = page.locator("#action-resolve")
        resolve.get_by_label("处理结果").fill(RESULT)
        resolve.get_by_role("button", name="办结").click()
        expect_status(page, "resolved")
        expect(page.get_by_test_id("result")).to_have_text(RESULT)

    # 评单: the resident rates it 5, satisfied; then 晒单: it is on the compound's public board.
    with signed_in(browser, live_server, "demo_resident") as page:
        open_request(page, request_id)
        expect_status(page, "resolved")
        evaluate = page.locator("#action-evaluate")
        evaluate.locator("summary").click()  # the optional stars; one tap on 满意 alone would do
        for legend in ("总体评价", "响应速度", "服务态度"):
            evaluate.locator("fieldset", has_text=legend).get_by_label("★★★★★", exact=True).check()
        evaluate.get_by_test_id("satisfied").click()
        expect_status(page, "closed")
        expect(page.get_by_test_id("evaluation")).to_contain_text("满意")
        actions = page.get_by_test_id("timeline").locator("li")
        expect(actions).to_have_count(5)
        assert actions.evaluate_all("els => els.map(e => e.dataset.action)") == [
            "filed", "assigned", "accepted", "resolved", "evaluated"]

        page.locator('.main-nav [data-nav="board"]').click()
        page.wait_for_url(re.compile(r"/repairs/board"))
        board = page.locator("#board")
        expect(board.locator("h2")).to_have_text(resident_details["compound"])
        item = board.locator(f'.board-item[data-request="{request_id}"]')
        expect(item).to_have_count(1)
        expect(item).to_contain_text("水电")
        expect(item).to_contain_text(RESULT)
        expect(item).to_contain_text("5 分")
        expect(item).to_contain_text("满意")
        expect(item).to_contain_text(resident_details["building"])
        expect(item).to_contain_text("住户家中的水电问题")  # what the matter was, without the home's details
        page.screenshot(path=str(artifacts / "repairs-board-resident.png"), full_page=True)

        item_text, board_text = item.inner_text(), board.inner_text()
        item_html = item.inner_html()
    d = resident_details
    for secret in {d["name"], d["owner_name"], d["phone"], d["owner_phone"]}:
        assert secret not in board_text, f"the public board shows {secret!r}"
    assert d["room"] not in item_text and d["room"] not in item_html, "the board shows the room number"
    assert f"{d['unit']}单元" not in item_text
