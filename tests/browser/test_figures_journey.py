"""A party secretary on a phone: 统计 → this quarter through the period selector (htmx, in the URL) →
asks for the monthly report (built in a background thread, progress shown) and downloads it → taps the
closed count → the records behind it open, their count the figure's, as in the spreadsheet."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from playwright.sync_api import expect

from portal.demo import DEMO_PASSWORD
from tests.browser.conftest import login, open_page

pytestmark = pytest.mark.browser


def _summary_cells(path) -> dict:
    from openpyxl import load_workbook

    summary = load_workbook(path).worksheets[0]
    return {row[5]: row[1] for row in summary.iter_rows(min_row=6, values_only=True) if row[5]}


def test_the_secretary_reads_the_quarter_and_opens_the_list_behind_a_figure(browser, live_server, artifacts):
    context, page, errors = open_page(browser, {"width": 360, "height": 780})
    try:
        login(page, live_server, "demo_secretary", DEMO_PASSWORD)
        page.locator('[data-nav="figures"]').first.click()
        page.wait_for_url(re.compile(r"/figures/community/\d+"))
        page.wait_for_load_state("networkidle")  # htmx has bound the selector; periodic tasks have run
        with page.expect_response(lambda r: "period=quarter" in r.url, timeout=60_000) as answer:
            page.locator("select[name=period]").select_option("quarter")
        assert answer.value.status == 200, answer.value.status
        page.locator("select[name=quarter]").wait_for(timeout=60_000)  # the htmx swap, then its pushed URL
        expect(page).to_have_url(re.compile(r"period=quarter"))
        page.screenshot(path=str(artifacts / "figures-secretary-360px.png"), full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 361, f"the figures page is {width}px wide at 360px"
        closed = page.locator('[data-figure="repairs.closed"] .figure a')
        figure = int(closed.inner_text().replace(",", ""))
        assert figure > 0, "the demo has closed requests this quarter"
        page.get_by_role("button", name="生成月报（Excel）").click()
        page.locator('#job[data-status="done"]').wait_for(timeout=30_000)
        page.screenshot(path=str(artifacts / "report-secretary-360px.png"))
        file = page.request.get(live_server + page.get_by_test_id("report-file").get_attribute("href"))
        assert file.ok and file.headers["content-type"].endswith("spreadsheetml.sheet")
        cells = _summary_cells(BytesIO(file.body()))
        assert cells["repairs.closed"] == figure
        page.go_back()
        closed = page.locator('[data-figure="repairs.closed"] .figure a')
        closed.click()
        page.wait_for_url(re.compile(r"/repairs/records\?.*status=closed"))
        assert page.get_by_test_id("drill-filters").is_visible()
        listed = page.locator("#results").inner_text()
        assert f"共 {figure} 条" in listed, listed[-200:]
    finally:
        context.close()
    assert not errors, errors


def test_the_secretary_reads_a_year_of_trends_and_a_compounds_page(browser, live_server, artifacts):
    """The demo's year of requests and surveys draws a trend on the figures page; 阳光花园's page shows its
    requests, meetings, surveys, projects and wishes, each number opening its module's filtered list."""
    context, page, errors = open_page(browser, {"width": 360, "height": 780})
    try:
        login(page, live_server, "demo_secretary", DEMO_PASSWORD)
        page.locator('[data-nav="figures"]').first.click()
        page.wait_for_url(re.compile(r"/figures/community/\d+"))
        page.goto(page.url.split("?")[0] + "?period=custom&from=" + _year_ago() + "&to=" + _today())
        trend = page.locator('[data-chart="trend-repairs-requests"] circle')
        assert trend.count() >= 10, "a point for nearly every month of the demo's year"
        page.screenshot(path=str(artifacts / "figures-year-trend-360px.png"), full_page=True)

        page.goto(live_server + "/compounds")
        page.get_by_role("link", name="阳光花园").first.click()
        page.wait_for_url(re.compile(r"/compounds/\d+$"))
        for testid in ("compound-repairs", "compound-meetings", "compound-surveys", "compound-projects",
                       "compound-wishes"):
            expect(page.get_by_test_id(testid)).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 361, f"the compound page is {width}px wide at 360px"
        page.screenshot(path=str(artifacts / "compound-panels-360px.png"), full_page=True)
        claimed = page.locator('[data-figure="wishes.claimed"] .figure a')
        figure = int(claimed.inner_text())
        claimed.click()
        page.wait_for_url(re.compile(r"/projects/wishes\?.*status=claimed"))
        assert f"共 {figure} 条" in page.locator("#results").inner_text() or figure == 0
    finally:
        context.close()
    assert not errors, errors


def test_the_property_manager_sees_the_companys_trend_and_rank(browser, live_server, artifacts):
    """统计 opens the manager's company page: its twelve months of satisfaction and requests, ranked among
    the street's companies without the others' names; the satisfaction figure opens the evaluation page."""
    context, page, errors = open_page(browser, {"width": 360, "height": 780})
    try:
        login(page, live_server, "demo_manager", DEMO_PASSWORD)
        page.locator('[data-nav="figures"]').first.click()
        page.wait_for_url(re.compile(r"/figures/"))  # also on the party committee: their community's too
        page.get_by_role("link", name="安居物业服务有限公司").click()
        page.wait_for_url(re.compile(r"/figures/company/\d+"))
        expect(page.get_by_test_id("company-requests-rank")).to_be_visible()
        expect(page.get_by_test_id("company-satisfaction")).to_be_visible()
        assert page.locator('[data-chart="company-satisfaction-trend"] circle').count() >= 2
        assert page.get_by_test_id("company-requests-table").count() == 0, "the others' figures are the street's"
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 361, f"the company page is {width}px wide at 360px"
        page.screenshot(path=str(artifacts / "company-figures-manager-360px.png"), full_page=True)
        page.locator('[data-figure="surveys.company_satisfaction"] .figure a').click()
        page.wait_for_url(re.compile(r"/surveys/companies/\d+"))
    finally:
        context.close()
    assert not errors, errors


def _today() -> str:
    from portal.core.clock import today

    return today().isoformat()


def _year_ago() -> str:
    from datetime import timedelta

    from portal.core.clock import today

    return (today() - timedelta(days=364)).isoformat()
