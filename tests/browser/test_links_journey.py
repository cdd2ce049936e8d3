"""Acting on survey results in Chromium at 360 px: the party secretary opens last quarter's results for
阳光花园 (below 90% in the demo), puts a dimension below target on the compound's next joint meeting with one
click, then — as its convener — accepts the topic onto the upcoming meeting, and the results page says so."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_repairs_journey import signed_in
from tests.browser.test_surveys_journey import NARROW, assert_fits

pytestmark = pytest.mark.browser


def test_results_below_target_onto_the_meeting_agenda(browser, live_server, artifacts):
    with signed_in(browser, live_server, "demo_secretary", NARROW) as page:
        page.goto(f"{live_server}/surveys/")
        links = page.locator("#results a").filter(has_text=re.compile(r"和平社区\d{4}年第\d季度"))
        titles = links.all_inner_texts()
        assert titles, "the demo has quarterly campaigns in 和平社区"
        page.locator("#results a", has_text=max(titles)).first.click()  # the latest closed quarter
        page.get_by_test_id("results").click()
        compound = page.get_by_label("小区", exact=True).locator("option", has_text="阳光花园").get_attribute("value")
        page.goto(f"{page.url.split('?')[0]}?compound={compound}")  # the compound's own results, by address
        panel = page.get_by_test_id("survey-agenda")
        expect(panel).to_be_visible()
        button = panel.locator('[data-testid^="agenda-propose-"]').first
        dimension = button.get_attribute("data-testid").removeprefix("agenda-propose-")
        row = panel.locator(f'li[data-dimension="{dimension}"]')
        assert_fits(page, "the results page with its agenda panel")
        results_url = page.url
        button.click()
        expect(page.locator("#flash")).to_contain_text("等待召集人列入议程")
        expect(row.get_by_test_id("agenda-waiting")).to_be_visible()
        expect(row.locator("button")).to_have_count(0)  # once only
        title = "满意度测评：" + row.locator("strong").inner_text()

        # The secretary convenes 阳光花园's meetings: the topic waits among the proposals, with its figures.
        page.goto(f"{live_server}/meetings/proposals")
        page.locator("main a", has_text=title).first.click()
        expect(page.locator("main")).to_contain_text("目标 90%")
        select = page.get_by_label("列入哪次会议")
        option = select.locator("option", has_text="阳光花园下月党建联席会议").first
        select.select_option(value=option.get_attribute("value"))
        page.get_by_role("button", name="列入议程").click()
        expect(page.locator("main")).to_contain_text(title)
        assert_fits(page, "the meeting with the survey topic")

        # Back on the results: the dimension is on the agenda, linked to the meeting.
        page.goto(results_url)
        entry = page.get_by_test_id("survey-agenda").locator(f'li[data-dimension="{dimension}"]').get_by_test_id("agenda-entry")
        expect(entry).to_contain_text("已列入会议议程：阳光花园下月党建联席会议")
        page.screenshot(path=str(artifacts / "survey-agenda-360px.png"), full_page=True)


def test_a_project_onto_the_next_meeting_in_one_click(browser, live_server, artifacts):
    with signed_in(browser, live_server, "demo_worker", NARROW) as page:
        page.locator('.main-nav [data-nav="projects"]').click()
        page.locator("main a", has_text="停车位规划").first.click()
        button = page.get_by_test_id("agenda-propose").first
        assert_fits(page, "the project page")
        button.click()
        expect(page.locator("#flash")).to_contain_text("等待召集人列入议程")
        expect(page.get_by_test_id("agenda-waiting").first).to_be_visible()
        page.screenshot(path=str(artifacts / "project-agenda-360px.png"), full_page=True)
    with signed_in(browser, live_server, "demo_secretary", NARROW) as page:
        page.goto(f"{live_server}/meetings/proposals")
        page.locator("main a", has_text="共建项目：停车位规划").first.click()
        expect(page.locator("main")).to_contain_text("责任主体")
