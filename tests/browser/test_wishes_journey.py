"""A micro-wish in Chromium at 360 px: the demo resident posts it on a phone, a registered party member of
the community claims it and fulfils it, the resident confirms, and it appears in the month's service
record (一事一记录) and its printable notice."""

from __future__ import annotations

import re
import sqlite3
from contextlib import contextmanager

import pytest
from playwright.sync_api import expect

from portal.demo import DEMO_PASSWORD
from tests.browser.conftest import login, open_page

pytestmark = pytest.mark.browser
NARROW = {"width": 360, "height": 740}
WISH = "想请人帮忙换一个楼道灯泡"


@pytest.fixture(scope="module")
def member(live_server, tmp_path_factory) -> dict[str, str]:
    """A registered party member of the demo resident's community, read (read-only) from the server's database."""
    found = sorted(tmp_path_factory.getbasetemp().glob("live-server*/portal.sqlite3"))
    assert found, "the live server's database was not found"
    with sqlite3.connect(f"file:{found[-1]}?mode=ro", uri=True) as conn:
        row = conn.execute(
            "SELECT u.name, u.phone FROM co_party_member pm JOIN user u ON u.id = pm.user_id "
            "JOIN compound c ON c.id = pm.compound_id WHERE c.community_id = ("
            "  SELECT c2.community_id FROM user r JOIN household_member m ON m.user_id = r.id "
            "  JOIN household h ON h.id = m.household_id JOIN building b ON b.id = h.building_id "
            "  JOIN compound c2 ON c2.id = b.compound_id WHERE r.username = 'demo_resident') ORDER BY pm.id").fetchone()
    conn.close()
    assert row, "the demo has no party member in the resident's community"
    return {"name": row[0], "phone": row[1]}


@contextmanager
def signed_in(browser, base: str, login_name: str):
    context, page, errors = open_page(browser, NARROW)
    try:
        login(page, base, login_name, DEMO_PASSWORD)
        yield page
    finally:
        context.close()
    assert not errors, f"{login_name}: the browser reported errors:\n" + "\n".join(errors)


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 361, f"{page.url} is {width}px wide at a 360px viewport"


def test_wish_posted_claimed_fulfilled_confirmed_and_recorded(browser, live_server, artifacts, member):
    with signed_in(browser, live_server, "demo_resident") as page:
        page.locator('.main-nav [data-nav="wishes"]').click()
        page.get_by_test_id("post-wish").click()
        page.wait_for_url(re.compile(r"/projects/wishes/new"))
        form = page.locator("#wish-form")
        form.get_by_role("button", name="发布").click()  # nothing typed: told beside the field
        expect(page.locator('[data-field-error="title"]')).to_be_visible()
        page.locator("#wish-form").get_by_label("心愿（一句话）").fill(WISH)
        page.locator("#wish-form").get_by_label("小修小补").check()
        _fits(page)
        page.screenshot(path=str(artifacts / "wish-new-360px.png"), full_page=True)
        page.locator("#wish-form").get_by_role("button", name="发布").click()
        page.wait_for_url(re.compile(r"/projects/wishes/\d+$"))
        wish_id = int(page.url.rsplit("/", 1)[1])
        expect(page.get_by_test_id("status")).to_have_attribute("data-status", "open")

    with signed_in(browser, live_server, member["phone"]) as page:
        page.get_by_test_id("todos").locator("li", has_text="附近待认领的微心愿").locator("a").click()
        row = page.locator(f'#results tr[data-wish="{wish_id}"]')
        expect(row).to_contain_text(WISH)
        _fits(page)
        row.locator("a").first.click()
        expect(page.get_by_test_id("contact")).to_have_count(0)  # before claiming: no personal details
        page.get_by_test_id("claim").click()
        expect(page.get_by_test_id("status")).to_have_attribute("data-status", "claimed")
        expect(page.get_by_test_id("contact")).to_be_visible()  # the claimer sees whom to call
        page.locator("#fulfil-note").fill("已上门换好灯泡，试过了很亮。")
        page.get_by_test_id("fulfil").click()
        expect(page.get_by_test_id("status")).to_have_attribute("data-status", "fulfilled")

    with signed_in(browser, live_server, "demo_resident") as page:
        page.get_by_test_id("todos").locator("li", has_text="微心愿已完成，请确认").locator("a").click()
        page.locator(f'#results tr[data-wish="{wish_id}"] a').first.click()
        expect(page.get_by_test_id("fulfil-note")).to_contain_text("换好灯泡")
        page.get_by_test_id("confirm").click()
        expect(page.get_by_test_id("status")).to_have_attribute("data-status", "confirmed")
        page.locator('.main-nav [data-nav="records"]').click()
        records = page.get_by_test_id("records")
        expect(records).to_contain_text(f"微心愿：{WISH}")
        expect(records).to_contain_text(member["name"])
        _fits(page)
        page.screenshot(path=str(artifacts / "wish-records-360px.png"), full_page=True)
