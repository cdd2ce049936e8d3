"""The street administrator's home on a phone: the coverage figures come in right after the page (htmx on
load, the home page itself no longer pays for them) and a tap on one opens the list behind it."""

from __future__ import annotations

import re

import pytest

from portal.demo import DEMO_PASSWORD
from tests.browser.conftest import login, open_page

pytestmark = pytest.mark.browser


def test_the_coverage_figures_fill_the_home_page_slot(browser, live_server, artifacts):
    context, page, errors = open_page(browser, {"width": 360, "height": 780})
    try:
        login(page, live_server, "demo_street", DEMO_PASSWORD)
        page.goto(live_server + "/")
        compounds = page.locator('[data-testid="home-coverage"] [data-figure="orgs.compounds"] .figure a')
        compounds.wait_for(timeout=30_000)
        assert page.get_by_test_id("home-coverage-slot").count() == 0  # replaced by the figures
        page.screenshot(path=str(artifacts / "home-coverage-street-360px.png"), full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 361, f"the home page is {width}px wide at 360px"
        figure = int(compounds.inner_text().replace(",", ""))
        assert figure > 0
        compounds.click()
        page.wait_for_url(re.compile(r"/compounds\?street=\d+"))
    finally:
        context.close()
    assert not errors, errors
