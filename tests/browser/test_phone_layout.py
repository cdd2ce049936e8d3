"""At 360 px, the header leaves the screen to the work and every target in it can be hit with a thumb;
the queue is cards that do not scroll sideways; the skip link reaches the content."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.demo import DEMO_PASSWORD
from tests.browser.conftest import login, open_page

pytestmark = pytest.mark.browser

NARROW = {"width": 360, "height": 780}
SMALL_TARGETS = """() => [...document.querySelectorAll('.site-header a, .site-header button, .site-header summary')]
    .filter(e => e.offsetParent && getComputedStyle(e).visibility !== 'hidden')
    .map(e => [e.textContent.trim().slice(0, 12), Math.round(e.getBoundingClientRect().height)])
    .filter(([, height]) => height < 44)"""


@pytest.mark.parametrize("username", ["demo_manager", "demo_staff", "demo_resident", "demo_street"])
def test_the_header_is_compact_and_thumb_sized(browser, live_server, artifacts, username):
    context, page, errors = open_page(browser, NARROW)
    try:
        login(page, live_server, username, DEMO_PASSWORD)
        height = page.locator(".site-header").bounding_box()["height"]
        assert height <= 120, f"the header takes {height}px of a 780px screen"
        assert page.evaluate(SMALL_TARGETS) == []
        page.goto(f"{live_server}/repairs/")
        page.screenshot(path=str(artifacts / f"queue-{username}-360px.png"))
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 361, f"the queue is {width}px wide at a 360px viewport"
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip-link"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"
    finally:
        context.close()
    assert not errors, errors


def test_a_failed_login_and_a_refused_form_put_the_focus_on_the_problem(browser, live_server):
    context, page, errors = open_page(browser, NARROW)
    try:
        page.goto(f"{live_server}/auth/login")
        page.get_by_label("手机号或用户名").fill("demo_resident")
        page.get_by_label("密码").fill("wrong-password")
        page.get_by_label("密码").press("Enter")
        expect(page.get_by_test_id("login-error")).to_be_focused()  # after htmx settles the swapped page
        login(page, live_server, "demo_resident", DEMO_PASSWORD)
        page.goto(f"{live_server}/repairs/new")
        page.locator("#filing-form button[type=submit]").click()
        page.locator('[aria-invalid="true"]').first.wait_for()
        # Playwright's own polling (a predicate polled as a string is evaluated in the page: the CSP refuses it)
        expect(page.locator("[aria-invalid]:focus, [aria-invalid] :focus")).to_have_count(1, timeout=5000)
    finally:
        context.close()
    assert not errors, errors


#: Controls in the page body: buttons, fields, menus, and links styled as buttons or cards. Links inside
#: running text are exempt (WCAG 2.5.8); a radio or checkbox counts by its label, which is what a thumb hits.
SMALL_CONTROLS = """() => [...document.querySelectorAll(
        'main button, main [role=button], main select, main summary, main a.button, main .work-list td a, '
        + 'main input:not([type=hidden]):not([type=radio]):not([type=checkbox]):not([type=file]), '
        + 'main label:has(> input[type=radio]), main label:has(> input[type=checkbox])')]
    .filter(e => e.offsetParent && getComputedStyle(e).visibility !== 'hidden')
    .map(e => [e.tagName.toLowerCase() + ' ' + (e.textContent || e.name || '').trim().slice(0, 14),
               Math.round(e.getBoundingClientRect().height)])
    .filter(([, height]) => height < 44)"""

PAGES_BY_ROLE = {
    "demo_resident": ["/", "/repairs/new", "/repairs/", "/repairs/board", "/notifications/"],
    "demo_manager": ["/", "/repairs/", "/notifications/"],
    "demo_staff": ["/", "/repairs/"],
    "demo_worker": ["/", "/repairs/new", "/compounds"],
}


@pytest.mark.parametrize("username", sorted(PAGES_BY_ROLE))
def test_controls_in_the_page_body_are_thumb_sized(browser, live_server, artifacts, username):
    context, page, errors = open_page(browser, NARROW)
    small = {}
    try:
        login(page, live_server, username, DEMO_PASSWORD)
        for path in PAGES_BY_ROLE[username]:
            page.goto(f"{live_server}{path}")
            if found := page.evaluate(SMALL_CONTROLS):
                small[path] = found
        page.goto(f"{live_server}/repairs/")
        first = page.locator("main .work-list .wl-problem a").first
        if first.count():
            first.click()
            page.wait_for_url(re.compile(r"/repairs/\d+$"))
            if found := page.evaluate(SMALL_CONTROLS):
                small[page.url] = found
    finally:
        context.close()
    assert not small, f"targets under 44px at 360px: {small}"
    assert not errors, errors
