"""A party secretary on a phone: 统计 → this quarter through the period selector (htmx, in the URL) →
taps the closed count → the records behind it open, their count the figure's."""

from __future__ import annotations

import re

import pytest

from portal.demo import DEMO_PASSWORD
from tests.browser.conftest import login, open_page

pytestmark = pytest.mark.browser


def test_the_secretary_reads_the_quarter_and_opens_the_list_behind_a_figure(browser, live_server, artifacts):
    context, page, errors = open_page(browser, {"width": 360, "height": 780})
    try:
        login(page, live_server, "demo_secretary", DEMO_PASSWORD)
        page.locator('[data-nav="figures"]').first.click()
        page.wait_for_url(re.compile(r"/figures/community/\d+"))
        page.locator("select[name=period]").select_option("quarter")
        page.wait_for_url(re.compile(r"period=quarter"))
        page.locator("select[name=quarter]").wait_for()
        page.screenshot(path=str(artifacts / "figures-secretary-360px.png"), full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 361, f"the figures page is {width}px wide at 360px"
        closed = page.locator('[data-figure="repairs.closed"] .figure a')
        figure = int(closed.inner_text().replace(",", ""))
        assert figure > 0, "the demo has closed requests this quarter"
        closed.click()
        page.wait_for_url(re.compile(r"/repairs/records\?.*status=closed"))
        assert page.get_by_test_id("drill-filters").is_visible()
        listed = page.locator("#results").inner_text()
        assert f"共 {figure} 条" in listed, listed[-200:]
    finally:
        context.close()
    assert not errors, errors
