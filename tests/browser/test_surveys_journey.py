"""A satisfaction survey in Chromium at 360 px, as the people in it would run it: the party secretary
launches it, the demo resident answers on a phone, a code from the printed sheet answers once (and fails
the second time) on a phone without an account, a community worker keys in paper forms, and the results
page shows the response rate and the charts."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import open_page
from tests.browser.test_repairs_journey import signed_in

pytestmark = pytest.mark.browser

NARROW = {"width": 360, "height": 740}
TITLE = "浏览器测试：阳光花园满意度测评"


def fill_ratings(form, score: str = "5") -> None:
    for radio in form.locator(f'input[type=radio][value="{score}"]').all():
        radio.check()


def assert_fits(page, what: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 361, f"{what} is {width}px wide at a 360px viewport"


def test_launch_answer_code_paper_results(browser, live_server, artifacts):
    # The party secretary launches a campaign over 阳光花园 only.
    with signed_in(browser, live_server, "demo_secretary", NARROW) as page:
        page.locator('.main-nav [data-nav="surveys"]').click()
        page.get_by_test_id("launch").click()
        form = page.locator("#campaign-form")
        form.get_by_label("测评名称").fill(TITLE)
        for other in ("锦绣家园", "翠湖苑", "和平里小区"):
            form.get_by_label(other).uncheck()
        form.get_by_label("阳光花园").check()
        assert_fits(page, "the launch form")
        form.get_by_test_id("launch-submit").click()
        page.wait_for_url(re.compile(r"/surveys/campaigns/\d+$"))
        campaign_url = page.url
        expect(page.locator("h1")).to_have_text(TITLE)
        expect(page.get_by_test_id("rate")).to_contain_text("0.0%")

    # The resident is told, and answers for the household on a phone.
    with signed_in(browser, live_server, "demo_resident", NARROW) as page:
        page.locator("#bell a").click()
        expect(page.locator("main")).to_contain_text(TITLE)
        page.goto(campaign_url)
        page.get_by_test_id("answer").click()
        form = page.locator("#answer-form")
        form.get_by_test_id("submit-answer").click()  # nothing chosen: each required question says so
        expect(form.locator("[data-field-error]").first).to_contain_text("此题必答")
        fill_ratings(form, "4")
        form.locator("textarea").fill("楼道灯希望修一下")
        assert_fits(page, "the answer form")
        page.screenshot(path=str(artifacts / "surveys-answer-360px.png"), full_page=True)
        form.get_by_test_id("submit-answer").click()
        expect(page.get_by_test_id("thanks")).to_be_visible()

    # A community worker prints the sheet of a building; a code from it answers once on a phone.
    with signed_in(browser, live_server, "demo_worker", NARROW) as page:
        page.goto(campaign_url)
        page.get_by_test_id("codes").click()
        first = page.locator("main details").first
        first.locator("summary").click()
        first.get_by_role("button", name="打印本楼入户码").click()
        expect(page.get_by_test_id("slip").first).to_be_visible()
        codes = page.get_by_test_id("code").all_inner_texts()
        urls = [el.get_attribute("data-url") for el in page.locator(".qr").all()]
        assert len(codes) >= 5 and all(re.fullmatch(r"[A-Z0-9]{5}-[A-Z0-9]{5}", c) for c in codes)
        page.screenshot(path=str(artifacts / "surveys-code-sheet-360px.png"), full_page=True)

    context, phone, errors = open_page(browser, NARROW)  # no account: the QR opens the form
    try:
        phone.goto(urls[0])
        form = phone.locator("#answer-form")
        fill_ratings(form, "5")
        form.get_by_test_id("submit-answer").click()
        expect(phone.get_by_test_id("thanks")).to_be_visible()
        phone.goto(urls[0])
        expect(phone.locator("main")).to_contain_text("入户码不正确、已使用或已作废")
    finally:
        context.close()
    assert not errors, errors

    # The worker keys in three paper forms, each with the code printed on it.
    with signed_in(browser, live_server, "demo_worker", NARROW) as page:
        for code in codes[1:4]:
            page.goto(campaign_url)
            page.get_by_test_id("paper").click()
            form = page.locator("#paper-form")
            form.get_by_label("入户码").fill(code)
            fill_ratings(form, "5")
            form.get_by_test_id("submit-paper").click()
            expect(page.locator("#flash")).to_contain_text("纸质答卷已录入")
        page.goto(campaign_url)
        page.get_by_test_id("paper").click()
        form = page.locator("#paper-form")
        form.get_by_label("入户码").fill(codes[1])  # already keyed
        fill_ratings(form, "5")
        form.get_by_test_id("submit-paper").click()
        expect(page.locator("main")).to_contain_text("入户码不正确、已使用或已作废")

    # The results page: five answers (k = 5 reached), the rate and the charts with their tables.
    with signed_in(browser, live_server, "demo_secretary", NARROW) as page:
        page.goto(campaign_url)
        expect(page.get_by_test_id("rate")).to_contain_text("5 /")
        page.get_by_test_id("results").click()
        expect(page.get_by_test_id("response-rate")).to_contain_text("%")
        expect(page.get_by_test_id("satisfaction")).to_contain_text("100.0%")
        expect(page.locator('[data-chart="dimensions"] svg')).to_be_visible()
        expect(page.locator('[data-chart="dimensions"] .target-line')).to_have_count(1)
        expect(page.locator("table.chart-table").first).to_contain_text("总体满意度")
        assert_fits(page, "the results page")
        page.screenshot(path=str(artifacts / "surveys-results-360px.png"), full_page=True)
