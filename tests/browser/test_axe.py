"""axe-core (vendored test asset, tests/browser/vendor/axe-core-4.14.1.min.js, MPL-2.0) on the key pages
of every role at 360 px: no critical and no serious accessibility violation."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.demo import DEMO_PASSWORD
from tests.browser.conftest import login

pytestmark = pytest.mark.browser

AXE = (Path(__file__).parent / "vendor" / "axe-core-4.14.1.min.js").read_text(encoding="utf-8")
PAGES = {
    "demo_street": ["/", "/compounds", "/communities", "/organisations", "/people", "/audit", "/repairs/", "/figures/"],
    "demo_secretary": ["/", "/communities", "/repairs/", "/repairs/board", "/figures/"],
    "demo_manager": ["/", "/repairs/", "/repairs/new", "/notifications/"],
    "demo_staff": ["/", "/repairs/"],
    "demo_resident": ["/", "/my-home", "/repairs/", "/repairs/new", "/repairs/board"],
    "demo_owners": ["/", "/compounds", "/repairs/"],
}


def _violations(page) -> list[str]:
    page.evaluate(AXE)  # evaluated in the page (the CSP forbids injected script tags, rightly)
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.filter(v => ['critical', 'serious'].includes(v.impact))
            .map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
    }""")
    return result


@pytest.mark.parametrize("username", sorted(PAGES))
def test_no_serious_accessibility_violations(browser, live_server, username):
    context = browser.new_context(viewport={"width": 360, "height": 780}, locale="zh-CN")
    page = context.new_page()
    try:
        login(page, live_server, username, DEMO_PASSWORD)
        found = {}
        for path in PAGES[username]:
            page.goto(f"{live_server}{path}")
            problems = _violations(page)
            if problems:
                found[path] = problems
        assert not found, found
    finally:
        context.close()
