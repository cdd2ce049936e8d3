"""Co-construction in Chromium at 360 px: a community worker registers a demand and a resource, matches
them into a project, completes its milestones and the demo resident evaluates it; then the resident posts
a micro-wish on a phone, a registered party member of the community claims and fulfils it, the resident
confirms, and it appears in the month's service record (一事一记录)."""

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
            "SELECT u.name, u.phone, (SELECT c3.name FROM user r3 JOIN household_member m3 ON m3.user_id = r3.id "
            "  JOIN household h3 ON h3.id = m3.household_id JOIN building b3 ON b3.id = h3.building_id "
            "  JOIN compound c3 ON c3.id = b3.compound_id WHERE r3.username = 'demo_resident') "
            "FROM co_party_member pm JOIN user u ON u.id = pm.user_id "
            "JOIN compound c ON c.id = pm.compound_id WHERE c.community_id = ("
            "  SELECT c2.community_id FROM user r JOIN household_member m ON m.user_id = r.id "
            "  JOIN household h ON h.id = m.household_id JOIN building b ON b.id = h.building_id "
            "  JOIN compound c2 ON c2.id = b.compound_id WHERE r.username = 'demo_resident') ORDER BY pm.id").fetchone()
    conn.close()
    assert row, "the demo has no party member in the resident's community"
    return {"name": row[0], "phone": row[1], "compound": row[2]}


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


def _project_matched_completed_and_evaluated(browser, live_server, artifacts, compound: str) -> None:
    from datetime import date, timedelta

    with signed_in(browser, live_server, "demo_worker") as page:
        page.goto(f"{live_server}/projects/demands/new")
        form = page.locator("#list-form")
        form.get_by_label("需求", exact=True).fill("楼下缺一个休息座椅")
        form.get_by_label("联席会议").check()
        form.get_by_label("环境设施").check()
        form.get_by_role("button", name="保存").click()
        page.wait_for_url(re.compile(r"/projects/demands$"))
        page.goto(f"{live_server}/projects/resources/new")
        form = page.locator("#list-form")
        form.get_by_label("资源", exact=True).fill("旧长椅三张")
        form.get_by_label("设备物资").check()
        form.get_by_role("button", name="保存").click()
        page.wait_for_url(re.compile(r"/projects/resources$"))
        page.locator('.main-nav [data-nav="lists"]').click()
        page.get_by_test_id("unmatched-demands").get_by_label(re.compile("楼下缺一个休息座椅")).check()
        page.get_by_test_id("unused-resources").get_by_label(re.compile("旧长椅三张")).check()
        _fits(page)
        page.get_by_test_id("match").click()
        page.wait_for_url(re.compile(r"/projects/new\?"))
        form = page.locator("#project-form")
        form.get_by_label("项目名称").fill("休息座椅进小区")
        form.get_by_label("项目内容").fill("在楼下安装三张长椅")
        option = form.get_by_label("涉及小区").locator("option", has_text=compound).first
        form.get_by_label("涉及小区").select_option(value=option.get_attribute("value"))
        form.get_by_label("责任主体").fill("和平社区居委会")
        form.get_by_label("责任人").fill("陈静")
        form.get_by_label("开始日期").fill((date.today() - timedelta(days=3)).isoformat())
        form.get_by_label("完成时限").fill((date.today() + timedelta(days=20)).isoformat())
        form.get_by_role("button", name="提交").click()
        page.wait_for_url(re.compile(r"/projects/\d+$"))
        expect(page.get_by_test_id("demands")).to_contain_text("楼下缺一个休息座椅")
        expect(page.get_by_test_id("resources")).to_contain_text("旧长椅三张")
        page.locator("summary", has_text="添加流程环节").click()
        milestone = page.locator("#milestone-form")
        milestone.get_by_label("环节名称").fill("安装")
        milestone.get_by_label("到期日期").fill(date.today().isoformat())
        milestone.get_by_role("button", name="添加").click()
        for step in ("approve", "start"):
            page.get_by_test_id(f"step-{step}").click()
            expect(page.get_by_test_id(f"step-{step}")).to_have_count(0)
        page.get_by_test_id("milestone-done").click()
        expect(page.get_by_test_id("progress")).to_have_text("100%")
        page.get_by_test_id("step-complete").click()
        expect(page.get_by_test_id("status")).to_have_attribute("data-status", "completed")
        project_url = page.url

    with signed_in(browser, live_server, "demo_resident") as page:
        page.get_by_test_id("todos").locator("li", has_text="共建项目已完成，请评价").locator("a").click()
        page.goto(project_url)
        page.locator("#evaluate-form").get_by_label("★★★★★", exact=True).check()
        page.locator("#evaluate-form").get_by_label("意见（可选）").fill("坐着很舒服")
        page.get_by_test_id("evaluate").click()
        expect(page.get_by_test_id("evaluation")).to_contain_text("1 户")
        _fits(page)
        page.screenshot(path=str(artifacts / "project-evaluated-360px.png"), full_page=True)


def test_project_then_wish_from_lists_to_the_service_record(browser, live_server, artifacts, member):
    _project_matched_completed_and_evaluated(browser, live_server, artifacts, member["compound"])
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
