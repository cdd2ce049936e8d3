"""axe-core on the meetings pages of each role at 360 px (as tests/browser/test_axe.py): no critical or
serious violation, and no page wider than the phone."""

from __future__ import annotations

import sqlite3

import pytest

from portal.demo import DEMO_PASSWORD
from tests.browser.conftest import login
from tests.browser.test_axe import _violations

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo_meetings(live_server, tmp_path_factory) -> dict[str, int]:
    found = sorted(tmp_path_factory.getbasetemp().glob("live-server*/portal.sqlite3"))
    with sqlite3.connect(f"file:{found[-1]}?mode=ro", uri=True) as conn:
        held = conn.execute("SELECT id FROM meeting WHERE disclosed_at IS NOT NULL AND title LIKE '阳光花园%' "
                            "ORDER BY starts_at DESC LIMIT 1").fetchone()[0]
        upcoming = conn.execute("SELECT id FROM meeting WHERE title = '阳光花园下月党建联席会议'").fetchone()[0]
        resolution = conn.execute("SELECT id FROM resolution WHERE meeting_id = ?", (held,)).fetchone()[0]
    conn.close()
    return {"held": held, "upcoming": upcoming, "resolution": resolution}


def _pages(m):
    return {
        "demo_secretary": ["/meetings/", "/meetings/new", f"/meetings/{m['held']}", f"/meetings/{m['upcoming']}",
                           "/meetings/resolutions", "/meetings/proposals", "/meetings/service-day", "/meetings/calendar",
                           f"/meetings/resolutions/{m['resolution']}"],
        "demo_manager": ["/meetings/", f"/meetings/{m['held']}", f"/meetings/{m['upcoming']}/sign-in"],
        "demo_resident": ["/meetings/", f"/meetings/{m['held']}/disclosure", "/meetings/proposals/new"],
    }


@pytest.mark.parametrize("username", ["demo_secretary", "demo_manager", "demo_resident"])
def test_meetings_pages_are_accessible_at_360(browser, live_server, demo_meetings, username):
    context = browser.new_context(viewport={"width": 360, "height": 780}, locale="zh-CN")
    page = context.new_page()
    try:
        login(page, live_server, username, DEMO_PASSWORD)
        found = {}
        for path in _pages(demo_meetings)[username]:
            response = page.goto(f"{live_server}{path}")
            assert response.status == 200, (path, response.status)
            problems = _violations(page)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 361:
                problems.append(f"scrolls sideways: {width}px")
            if problems:
                found[path] = problems
        assert not found, found
    finally:
        context.close()
