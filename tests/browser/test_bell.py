"""The bell and the flash area in Chromium: a fragment brings the new unread count along (out of band),
and an htmx form that succeeds makes the bell reload (HX-Trigger) without eating the page's message."""

from __future__ import annotations

import json
import re
import sqlite3

import pytest
from playwright.sync_api import expect

from portal.demo import DEMO_PASSWORD
from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def _database(tmp_path_factory) -> str:
    found = sorted(tmp_path_factory.getbasetemp().glob("live-server*/portal.sqlite3"))
    assert found, "the live server's database was not found"
    return str(found[-1])


def _notify(path: str, username: str, no: int) -> None:
    """A notification written behind the page's back, as another person's action would."""
    with sqlite3.connect(path, timeout=10) as conn:
        conn.execute(
            "INSERT INTO notification (user_id, created_at, key, params, link) "
            "SELECT id, CURRENT_TIMESTAMP, 'repairs.assigned', ?, ? FROM user WHERE username = ?",
            (json.dumps({"no": no, "category": "elevator", "summary": "2号楼 电梯"}), f"/repairs/{no}", username))
    conn.close()


def _unread(page) -> int:
    badge = page.locator('#bell [data-testid="unread"]')
    return int(badge.inner_text()) if badge.count() else 0


def test_bell_and_flash_follow_htmx_updates(page, live_server, tmp_path_factory):
    login(page, live_server, "demo_street", DEMO_PASSWORD)
    page.goto(f"{live_server}/compounds")
    before = _unread(page)
    _notify(_database(tmp_path_factory), "demo_street", 987654)

    # Live search swaps only #results; the bell comes along out of band, with the newest message.
    with page.expect_response(lambda r: "/compounds?" in r.url and r.request.headers.get("x-block") == "results"):
        page.get_by_role("searchbox").fill("花园")
    expect(page.locator('#bell [data-testid="unread"]')).to_have_text(str(before + 1))
    expect(page.locator("#bell a.bell")).to_have_attribute("title", "您有一条新派单：987654（电梯）2号楼 电梯")
    expect(page.locator("#bell")).to_have_count(1)

    # An htmx form that asked for its block: 204 + HX-Location + HX-Trigger. The bell reloads, and the
    # flash message still reaches the page the form leads to.
    page.goto(f"{live_server}/compounds/new")
    form = page.locator("#compound-form")
    form.get_by_label("所属社区").select_option(label="光明社区")
    form.get_by_label("小区名称").fill("铃声测试小区")
    with page.expect_request(lambda r: r.url.endswith("/notifications/bell")):
        form.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(rf"{re.escape(live_server)}/compounds/\d+$"))
    expect(page.locator("#flash")).to_contain_text("铃声测试小区")
    expect(page.locator("#bell")).to_have_count(1)
    expect(page.locator('#bell [data-testid="unread"]')).to_have_text(str(before + 1))
