"""A joint meeting in Chromium at 360 px, as the people in it would hold it: the community party secretary
convenes 阳光花园's 1+3 and puts a resident's 社事 request on the agenda; the 1 and the 3 sign in on their
phones with the code shown in the room; the secretary records the minutes; the residents' committee, the
owners' committee and the property company confirm them (locked); a resolution is made and the property
manager completes it; the resident reads the disclosure and sees the outcome on her request's timeline.
The printed minutes are rendered to PDF by Chromium and read back."""

from __future__ import annotations

import io
import re
import sqlite3
import unicodedata
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

from portal.core.clock import TZ
from tests.browser.test_repairs_journey import signed_in

pytestmark = pytest.mark.browser
NARROW = {"width": 360, "height": 780}
TITLE = "充电安全专题联席会议"
DECISION = "在5号楼北侧建集中充电棚，两周内完工"
EVIDENCE = "集中充电棚已建成启用，楼道充电已清理"


@pytest.fixture(scope="module")
def charging_request(live_server, tmp_path_factory) -> int:
    """The demo resident's open 社事 about charging in the stairwell (portal.meetings.demo)."""
    found = sorted(tmp_path_factory.getbasetemp().glob("live-server*/portal.sqlite3"))
    with sqlite3.connect(f"file:{found[-1]}?mode=ro", uri=True) as conn:
        row = conn.execute("SELECT r.id FROM repair_request r JOIN user u ON u.id = r.requester_id "
                           "WHERE u.username = 'demo_resident' AND r.kind = 'community' AND r.place = '5号楼楼道' "
                           "AND r.status = 'submitted'").fetchone()
    conn.close()
    assert row, "the demo has no open 社事 of the resident"
    return row[0]


def _meeting_page(page, base, meeting_id):
    page.goto(f"{base}/meetings/{meeting_id}")
    expect(page.locator("h1")).to_have_text(TITLE)


def test_convene_agenda_sign_in_minutes_confirm_resolve_disclose(browser, live_server, artifacts, charging_request):
    base = live_server
    start = datetime.now(TZ) + timedelta(minutes=10)
    with signed_in(browser, base, "demo_secretary", NARROW) as page:
        page.locator('.main-nav [data-nav="meetings"]').click()
        page.get_by_test_id("new-meeting").click()
        page.locator("#place_of").select_option(label="和平社区 · 阳光花园")
        expect(page.locator("#invitees")).to_contain_text("赵明")  # the property company under contract
        page.get_by_label("会议名称").fill(TITLE)
        page.get_by_label("开始时间").fill((start - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"))  # bad: yesterday
        page.get_by_label("结束时间").fill((start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
        page.locator("#place").fill("社区党群服务中心二楼")
        page.get_by_test_id("convene").click()
        expect(page.locator('[data-field-error="starts_at"]')).to_be_visible()
        expect(page.get_by_label("会议名称")).to_have_value(TITLE)  # nothing typed is lost
        page.get_by_label("开始时间").fill(start.strftime("%Y-%m-%dT%H:%M"))
        page.get_by_test_id("convene").click()
        page.wait_for_url(re.compile(r"/meetings/\d+$"))
        meeting_id = int(page.url.rsplit("/", 1)[1])
        # the 社事 onto the agenda
        page.locator("summary", has_text="添加议题").click()
        page.locator("#source").select_option(value=f"repair:{charging_request}")
        page.get_by_test_id("add-item").click()
        expect(page.get_by_test_id("agenda")).to_contain_text("社事诉求")
        page.locator("summary", has_text="现场签到码").click()  # shown in the room
        code = page.get_by_test_id("sign-in-code").inner_text().strip()
        assert re.fullmatch(r"\d{6}", code)
        page.screenshot(path=str(artifacts / "meetings-convened-360.png"), full_page=True)

    # the 1 and the 3 sign in on their phones
    for signed, username in enumerate(("demo_secretary", "demo_worker", "demo_owners", "demo_manager"), start=1):
        with signed_in(browser, base, username, NARROW) as page:
            _meeting_page(page, base, meeting_id)
            page.get_by_test_id("go-sign-in").click()
            if username == "demo_worker":  # a wrong code first
                page.get_by_label("签到码").fill("000000" if code != "000000" else "111111")
                page.get_by_test_id("sign-in").click()
                expect(page.locator('[data-field-error="code"]')).to_contain_text("签到码不正确")
            page.get_by_label("签到码").fill(code)
            page.get_by_test_id("sign-in").click()
            page.wait_for_url(re.compile(rf"/meetings/{meeting_id}$"))
            expect(page.locator('tr[data-signed="yes"]')).to_have_count(signed)

    with signed_in(browser, base, "demo_secretary", NARROW) as page:
        _meeting_page(page, base, meeting_id)
        expect(page.get_by_test_id("quorum")).to_have_text("符合 1+3 到会要求")
        form = page.get_by_test_id("minutes-form")
        form.locator("textarea[name^=discussion_]").fill("物业介绍了选址，业委会同意。")
        form.locator("textarea[name^=decision_]").fill(DECISION)
        page.get_by_test_id("issue-minutes").click()
        expect(page.get_by_test_id("minutes-state")).to_contain_text("待三方确认")

    for username in ("demo_worker", "demo_owners", "demo_manager"):
        with signed_in(browser, base, username, NARROW) as page:
            expect(page.get_by_test_id("todos")).to_contain_text("待确认的会议纪要")
            _meeting_page(page, base, meeting_id)
            page.get_by_test_id("answer").click()
            expect(page.get_by_test_id("answers")).to_contain_text("已确认")

    deadline = (datetime.now(TZ) + timedelta(days=14)).date().isoformat()
    with signed_in(browser, base, "demo_secretary", NARROW) as page:
        _meeting_page(page, base, meeting_id)
        expect(page.get_by_test_id("locked")).to_be_visible()
        page.locator("summary", has_text="形成决议事项").click()
        page.locator("#what").fill("建成集中充电棚")
        page.locator("#item_id").select_option(index=1)
        value = page.locator("#responsible option", has_text="赵明").first.get_attribute("value")
        page.locator("#responsible").select_option(value=value)
        page.get_by_label("完成期限").fill(deadline)
        page.get_by_test_id("add-resolution").click()
        expect(page.get_by_test_id("resolutions")).to_contain_text("建成集中充电棚")
        page.get_by_test_id("disclose").click()
        expect(page.locator("#flash")).to_contain_text("已向小区居民公示")
        # the printed minutes, rendered by Chromium and read back
        page.goto(f"{base}/meetings/{meeting_id}/print")
        pdf = page.pdf(format="A4", print_background=False)
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    compact = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))  # the PDF's text uses Kangxi radicals (⼼ for 心)
    for expected in ("党建联席会议纪要", TITLE, re.sub(r"\s+", "", DECISION), "符合1+3到会要求", "三方确认", "建成集中充电棚"):
        assert unicodedata.normalize("NFKC", expected) in compact, f"{expected!r} missing from the printed minutes"
    (artifacts / "meetings-minutes.pdf").write_bytes(pdf)

    with signed_in(browser, base, "demo_manager", NARROW) as page:
        page.goto(f"{base}/meetings/resolutions")
        page.locator('select[name="mine"]').select_option("assigned")  # "assigned to me", filtered through htmx
        expect(page).to_have_url(re.compile(r"mine=assigned"))
        page.get_by_test_id("follow-up").locator("a", has_text="建成集中充电棚").click()
        page.get_by_label("办结情况").fill(EVIDENCE)
        page.get_by_label("是，诉求已解决").check()
        page.get_by_test_id("complete").click()
        expect(page.get_by_test_id("resolution-status")).to_have_attribute("data-status", "done")

    with signed_in(browser, base, "demo_resident", NARROW) as page:
        page.locator('.main-nav [data-nav="meetings"]').click()
        page.locator(f'[data-meeting="{meeting_id}"] a').click()
        disclosure = page.get_by_test_id("disclosure")
        expect(disclosure).to_contain_text(DECISION)
        expect(page.get_by_test_id("disclosure-quorum")).to_have_text("符合")
        expect(page.get_by_test_id("disclosure-resolutions")).to_contain_text("已办结")
        expect(disclosure).not_to_contain_text(code)
        page.screenshot(path=str(artifacts / "meetings-disclosure-360.png"), full_page=True)
        page.goto(f"{base}/repairs/{charging_request}")
        expect(page.locator('[data-testid="timeline"] li[data-action="outcome"]')).to_contain_text(EVIDENCE)
        expect(page.get_by_test_id("status")).to_have_attribute("data-status", "resolved")
        expect(page.get_by_test_id("request-links")).to_contain_text(TITLE)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360 + 1, "the request page scrolls sideways at 360 px"
