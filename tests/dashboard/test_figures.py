"""The figures of a community and a street, on hand-built data with the expected numbers worked out by
hand; every figure's link opens a list whose count is the figure; the query count does not grow with
the number of compounds."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from portal.core.clock import TZ, now_utc
from portal.core.clock import today as local_today
from portal.core.indicators import Area, Period, PeriodKind, month, parse_period, quarter
from portal.extensions import db
from portal.orgs.indicators import coverage_section
from portal.orgs.models import OrgKind, Position, Role
from portal.repairs.indicators import requests_section
from portal.repairs.models import RepairRequest, Status
from tests.conftest import (
    login_as,
    make_community,
    make_compound,
    make_contract,
    make_org,
    make_street,
    make_user,
    queries_for,
)

# --- periods --------------------------------------------------------------------------------------


def test_a_month_a_quarter_and_a_year_cover_their_local_days():
    today = date(2026, 11, 24)
    assert parse_period({}, today) == (Period(PeriodKind.MONTH, date(2026, 11, 1), date(2026, 11, 30)), None)
    assert parse_period({"period": "month", "month": "2024-02"}, today)[0].last == date(2024, 2, 29)
    q4, _ = parse_period({"period": "quarter", "quarter": "2025-Q4"}, today)
    assert (q4.first, q4.last, q4.days) == (date(2025, 10, 1), date(2025, 12, 31), 92)
    year, _ = parse_period({"period": "year", "year": "2025"}, today)
    assert (year.first, year.last) == (date(2025, 1, 1), date(2025, 12, 31))
    # Instants: local midnight in Asia/Shanghai, the end exclusive.
    assert year.start == datetime(2025, 1, 1, tzinfo=TZ) and year.end == datetime(2026, 1, 1, tzinfo=TZ)
    assert year.start == datetime(2024, 12, 31, 16, 0, tzinfo=UTC) and year.start.utcoffset() == timedelta(0)


def test_a_custom_period_may_span_a_year_end_and_bad_ones_say_why():
    today = date(2026, 11, 24)
    period, problem = parse_period({"period": "custom", "from": "2025-12-15", "to": "2026-01-10"}, today)
    assert problem is None and period.days == 27 and period.contains(date(2026, 1, 1))
    assert period.previous() == Period(PeriodKind.CUSTOM, date(2025, 11, 18), date(2025, 12, 14))
    for args in ({"period": "custom", "from": "2026-02-01", "to": "2026-01-01"},
                 {"period": "custom", "from": "2026-02-01"},
                 {"period": "month", "month": "26-13"}, {"period": "quarter", "quarter": "2026-Q5"},
                 {"period": "year", "year": "1999"}, {"period": "decade"},
                 {"period": "custom", "from": "2000-01-01", "to": "2026-01-01"}):
        period, problem = parse_period(args, today)
        assert problem and period == month(today), args


def test_previous_periods_cross_the_year_end():
    assert month(date(2026, 1, 9)).previous() == month(date(2025, 12, 1))
    assert quarter(date(2026, 2, 1)).previous() == quarter(date(2025, 11, 30))
    assert Period(PeriodKind.YEAR, date(2026, 1, 1), date(2026, 12, 31)).previous().first == date(2025, 1, 1)


# --- coverage, by hand ------------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def _links(app):
    """Figures carry the links of their lists: built as within a request."""
    with app.test_request_context():
        yield


@pytest.fixture
def town(app):
    """One community of five compounds, worked by hand:

    c1 served by co1 (current), owners' committee with a party branch, 2 households
    c2 served by co2 under a contract ending today (still current), 2 households
    c3 served by co1, no households at all
    c4 contract expired last month (co2 serves it no more), owners' committee without a branch
    c5 nothing
    co1 has a party branch, co2 has none. A person sits on c1's committee and the community's party
    committee: c1's committee is cross-appointed.
    """
    street = make_street("统计街道")
    community = make_community(street, "统计社区")
    c1, c2 = make_compound(community, "一号院"), make_compound(community, "二号院")
    c3 = make_compound(community, "三号院", buildings=0)
    c4, c5 = make_compound(community, "四号院"), make_compound(community, "五号院")
    co1 = make_org(OrgKind.PROPERTY_COMPANY, street=street, name="一物业")
    co2 = make_org(OrgKind.PROPERTY_COMPANY, street=street, name="二物业")
    make_contract(c1, co1)
    ending = make_contract(c2, co2)
    ending.end_date = local_today()
    make_contract(c3, co1)
    make_contract(c4, co2, expired=True)
    committee1 = make_org(OrgKind.OWNERS_COMMITTEE, compound=c1, name="一号院业委会")
    make_org(OrgKind.OWNERS_COMMITTEE, compound=c4, name="四号院业委会")
    make_org(OrgKind.PARTY_BRANCH, community=community, parent=committee1, name="一号院业委会党支部")
    make_org(OrgKind.PARTY_BRANCH, street=street, parent=co1, name="一物业党支部")
    party = make_org(OrgKind.PARTY_COMMITTEE, community=community, name="统计社区党委")
    both = make_user("两边任职", role=Role.OWNERS_COMMITTEE, org=committee1, title="主任")
    db.session.add(Position(user_id=both.id, organisation_id=party.id, role=Role.PARTY_COMMITTEE, title="委员",
                            start_date=local_today() - timedelta(days=30)))
    office = make_org(OrgKind.STREET_OFFICE, street=street, name="统计街道办")
    admin = make_user("统计管理员", role=Role.STREET_ADMIN, org=office)
    empty = make_community(street, "空社区")
    db.session.commit()
    return {"street": street, "community": community, "compounds": [c1, c2, c3, c4, c5], "admin": admin,
            "empty": empty, "party": party, "co1": co1}


def _area(community) -> Area:
    return Area("community", community.id, community.name, (community.id,))


def _values(section) -> dict:
    return {f.key: f.value for f in section.figures}


def test_coverage_of_a_community_by_hand(town):
    section = coverage_section(_area(town["community"]), month(local_today()))
    assert _values(section) == {
        "orgs.compounds": 5,
        "orgs.households": 8,  # c3 has none: 4 compounds × 2
        "orgs.property_coverage": 60.0,  # c1, c2 (ends today), c3 — not c4 (expired) nor c5
        "orgs.owners_committee_coverage": 40.0,  # c1, c4
        "orgs.owners_party_coverage": 50.0,  # c1's committee of 2 committees
        "orgs.company_party_coverage": 50.0,  # co1 of the 2 serving companies (co1, co2 through c2)
        "orgs.cross_coverage": 50.0,  # c1's committee of 2
    }
    assert section.figure("orgs.property_coverage").part == 3 and section.figure("orgs.property_coverage").whole == 5


def test_a_community_without_compounds_has_no_rates_rather_than_zero(town):
    values = _values(coverage_section(_area(town["empty"]), month(local_today())))
    assert values["orgs.compounds"] == 0 and values["orgs.households"] == 0
    assert values["orgs.property_coverage"] is None and values["orgs.cross_coverage"] is None


def test_coverage_is_taken_on_the_periods_last_day(town):
    """Next month the contract ending today is over: c2 drops out of property coverage and co2 out of
    the serving companies."""
    next_month = month(local_today().replace(day=1) + timedelta(days=40))
    today = next_month.first
    values = _values(coverage_section(_area(town["community"]), next_month, today=today))
    assert values["orgs.property_coverage"] == 40.0
    assert values["orgs.company_party_coverage"] == 100.0


# --- requests, by hand ------------------------------------------------------------------------------

def _request(compound, by, *, created, status=Status.SUBMITTED, rating=None, accepted_hours=None,
             resolved_hours=None, due=None, kind="household", category="water_power"):
    created = created.astimezone(UTC)  # stored as UTC, as the portal stores every time
    req = RepairRequest(compound_id=compound.id, place="1号楼", category=category, kind=kind, description="测试",
                        filed_by_id=by.id, status=status, rating=rating, created_at=created,
                        accepted_at=created + timedelta(hours=accepted_hours) if accepted_hours is not None else None,
                        resolved_at=created + timedelta(hours=resolved_hours) if resolved_hours is not None else None,
                        due_at=due.astimezone(UTC) if due else None)
    db.session.add(req)
    return req


def test_request_figures_of_a_month_by_hand(town):
    c1, c2 = town["compounds"][:2]
    by = town["admin"]
    period = month(date(2026, 10, 1))
    inside = datetime(2026, 10, 10, 9, 0, tzinfo=TZ)
    _request(c1, by, created=inside, status=Status.CLOSED, rating=5, accepted_hours=1, resolved_hours=10)
    _request(c1, by, created=inside, status=Status.CLOSED, rating=3, accepted_hours=3, resolved_hours=30,
             category="heating")
    _request(c2, by, created=inside, status=Status.CLOSED, accepted_hours=2, resolved_hours=20, kind="community")
    _request(c2, by, created=datetime(2026, 10, 1, 0, 0, tzinfo=TZ), status=Status.IN_PROGRESS, accepted_hours=5)
    # Outside the month by a second on each side (local time), and in another community:
    _request(c1, by, created=datetime(2026, 9, 30, 23, 59, 59, tzinfo=TZ), status=Status.CLOSED, rating=1)
    _request(c1, by, created=datetime(2026, 11, 1, 0, 0, tzinfo=TZ), status=Status.CLOSED, rating=1)
    _request(make_compound(make_community(town["street"])), by, created=inside)
    # Overdue is a state: open and past its deadline now, whenever it came in.
    _request(c1, by, created=datetime(2025, 1, 1, tzinfo=TZ), due=datetime(2025, 1, 3, tzinfo=TZ))
    db.session.commit()

    section = requests_section(_area(town["community"]), period)
    assert _values(section) == {
        "repairs.received": 4,
        "repairs.closed": 3,
        "repairs.closure_rate": 75.0,
        "repairs.response_hours": 2.5,  # median of 1, 3, 2, 5
        "repairs.resolution_hours": 20.0,  # median of 10, 30, 20
        "repairs.overdue": 1,
        "repairs.satisfaction": 50.0,  # ratings 5 and 3: one of two rated 4 or more
    }
    rows = {label: (received, closed) for label, received, closed, _share, _link in section.rows}
    assert rows["个事（物业办理）"] == (3, 2) and rows["供暖"] == (1, 1)


def test_a_month_with_no_requests_has_counts_of_zero_and_no_rates(town):
    values = _values(requests_section(_area(town["community"]), month(date(2020, 3, 1))))
    assert values["repairs.received"] == 0 and values["repairs.closure_rate"] is None
    assert values["repairs.satisfaction"] is None and values["repairs.response_hours"] is None


# --- the page, its drill-downs, its queries ---------------------------------------------------------

def _listed(html: str) -> int:
    if "暂无记录" in html:
        return 0
    return int(re.search(r"共 (\d+) 条", html).group(1))


def test_every_figure_links_to_a_list_whose_count_is_the_figure(town, client):
    c1 = town["compounds"][0]
    by = town["admin"]
    start = datetime.combine(local_today().replace(day=1), datetime.min.time(), TZ)
    _request(c1, by, created=start + timedelta(hours=1), status=Status.CLOSED, rating=5)
    _request(c1, by, created=start + timedelta(hours=2), status=Status.CLOSED, rating=2)
    _request(c1, by, created=start + timedelta(hours=3), due=start + timedelta(hours=4))
    db.session.commit()
    login_as(client, town["admin"])
    page = client.get(f"/figures/community/{town['community'].id}")
    assert page.status_code == 200
    area = _area(town["community"])
    period = month(local_today())
    checked = 0
    for section in (coverage_section(area, period), requests_section(area, period)):
        for figure in section.figures:
            if not figure.link:
                continue
            expected = figure.part if figure.part is not None else figure.value
            assert figure.link.replace("&", "&amp;") in page.text, figure.key
            assert _listed(client.get(figure.link).text) == expected, (figure.key, figure.link)
            checked += 1
    assert checked == 11


def test_the_street_page_costs_the_same_queries_for_more_compounds(town, client, count_queries):
    login_as(client, town["admin"])
    url = f"/figures/street/{town['street'].id}?period=year&year={local_today().year}"
    before = queries_for(client, url, count_queries)
    for n in range(8):
        compound = make_compound(make_community(town["street"]), f"新增{n}")
        make_contract(compound, make_org(OrgKind.PROPERTY_COMPANY, street=town["street"]))
        make_org(OrgKind.OWNERS_COMMITTEE, compound=compound)
    db.session.commit()
    assert queries_for(client, url, count_queries) == before


def test_the_period_selector_answers_a_fragment_and_keeps_the_period_in_links(town, client):
    login_as(client, town["admin"])
    url = f"/figures/community/{town['community'].id}?period=quarter&quarter=2025-Q4"
    fragment = client.get(url, headers={"HX-Request": "true", "X-Block": "figures"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert "2025年第4季度" in fragment.text and "from=2025-10-01&amp;to=2025-12-31" in fragment.text
    bad = client.get(f"/figures/community/{town['community'].id}?period=custom&from=2026-02-01&to=2026-01-01")
    assert bad.status_code == 200 and "结束日期不能早于开始日期" in bad.text


def test_only_the_whole_community_reads_its_figures(town, client, app):
    manager = make_user("经理", role=Role.PROPERTY_MANAGER, org=town["co1"])
    db.session.commit()
    login_as(client, manager)
    assert client.get(f"/figures/community/{town['community'].id}").status_code == 403
    assert client.get("/figures/").headers["Location"].endswith(f"/figures/company/{town['co1'].id}")
    secretary = make_user("书记", role=Role.PARTY_SECRETARY, org=town["party"])
    db.session.commit()
    client = app.test_client()
    login_as(client, secretary)
    assert client.get("/figures/").headers["Location"].endswith(f"/figures/community/{town['community'].id}")


def test_the_records_behind_a_figure_carry_no_personal_data(town, client):
    from tests.repairs.conftest import make_request

    world = {"compound": town["compounds"][0], "household": town["compounds"][0].buildings[0].households[0],
             "users": {Role.RESIDENT: make_user("王大妈", household=town["compounds"][0].buildings[0].households[0])}}
    req = make_request(world, description="王大妈家厨房漏水，电话 13912345678")
    login_as(client, town["admin"])
    page = client.get(f"/repairs/records?community={town['community'].id}")
    assert page.status_code == 200 and f"#{req.id}" in page.text
    household = world["household"]
    for private in ("王大妈", "13912345678", "厨房漏水", household.room, household.owner_phone):
        assert private not in page.text
    assert client.get("/repairs/records").status_code == 404


# --- the monthly report ---------------------------------------------------------------------------

def _cells(content: bytes) -> dict:
    """Summary sheet: indicator code → (value, part, whole) as the spreadsheet holds them."""
    from io import BytesIO

    from openpyxl import load_workbook

    book = load_workbook(BytesIO(content))
    summary = book.worksheets[0]
    cells = {row[5]: row[1:4] for row in summary.iter_rows(min_row=6, values_only=True) if row[5]}
    return cells, book


def test_page_list_and_spreadsheet_agree_for_every_indicator(town, client):
    """One number, three places: the figures page, the list behind it, the report's cell."""
    c1 = town["compounds"][0]
    by = town["admin"]
    start = datetime.combine(local_today().replace(day=1), datetime.min.time(), TZ)
    _request(c1, by, created=start + timedelta(hours=1), status=Status.CLOSED, rating=5, accepted_hours=1,
             resolved_hours=4)
    _request(c1, by, created=start + timedelta(hours=2), status=Status.CLOSED, rating=2)
    _request(c1, by, created=start + timedelta(hours=3), due=start + timedelta(hours=4))
    db.session.commit()
    login_as(client, town["admin"])
    community_id = town["community"].id
    page = client.get(f"/figures/community/{community_id}")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
    month_arg = f"{local_today():%Y-%m}"
    queued = client.post(f"/figures/community/{community_id}/report",
                         data={"csrf_token": token, "period": "month", "month": month_arg})
    assert queued.status_code in (302, 303)
    status = client.get(queued.headers["Location"])
    assert status.status_code == 200 and 'data-status="done"' in status.text
    file = client.get(re.search(r'href="([^"]+/file)"', status.text).group(1))
    assert file.status_code == 200 and file.mimetype.endswith("spreadsheetml.sheet")
    cells, book = _cells(file.data)

    area, period = _area(town["community"]), month(local_today())
    for section in (coverage_section(area, period), requests_section(area, period)):
        for figure in section.figures:
            value, part, whole = cells[figure.key]
            shown = figure.value / 100 if figure.unit == "percent" and figure.value is not None else figure.value
            assert value == pytest.approx(shown) if shown is not None else value is None, figure.key
            assert (part, whole) == (figure.part, figure.whole), figure.key
            assert figure.display in page.text, figure.key
            if figure.link:
                listed = _listed(client.get(figure.link).text)
                assert listed == (figure.part if figure.part is not None else figure.value), figure.key
    sheets = {sheet.title: sheet for sheet in book.worksheets}
    assert sheets["报修与诉求"].max_row == 1 + 3  # heading + the three requests of the month
    assert sheets["小区与组织"].max_row == 1 + 5


def test_a_report_is_its_requesters_alone_and_a_lost_job_is_built_again(town, client, app):
    from portal.dashboard.models import JobStatus, ReportJob
    from portal.dashboard.report import LOST_AFTER, rebuild_waiting

    login_as(client, town["admin"])
    community_id = town["community"].id
    page = client.get(f"/figures/community/{community_id}")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
    location = client.post(f"/figures/community/{community_id}/report",
                           data={"csrf_token": token, "period": "year", "year": "2026"}).headers["Location"]
    other = app.test_client()
    login_as(other, make_user("书记", role=Role.PARTY_SECRETARY, org=town["party"]))
    assert other.get(location).status_code == 404 and other.get(location + "/file").status_code == 404
    assert client.get("/figures/reports/" + "0" * 32).status_code == 404
    # A job whose builder died mid-way is taken again by the periodic task.
    job = db.session.get(ReportJob, location.rsplit("/", 1)[1])
    job.status, job.started_at, job.content = JobStatus.RUNNING, now_utc() - LOST_AFTER * 2, None
    db.session.commit()
    assert rebuild_waiting() == 1
    db.session.refresh(job)
    assert job.status == JobStatus.DONE and job.content


def test_the_report_is_built_in_a_thread_without_holding_the_request(town, app):
    """Outside tests the builder runs in a thread with its own app context and session."""
    import threading

    from portal.core.transaction import commit
    from portal.dashboard.models import JobStatus, ReportJob
    from portal.dashboard.report import queue_report

    app.config["REPORTS_INLINE"] = False
    started = []
    real_thread = threading.Thread

    class Recording(real_thread):
        def start(self):
            started.append(self)
            # run synchronously here, in its own app context (in-memory SQLite is per connection)
            self.run()

    try:
        threading.Thread = Recording
        job = queue_report(town["admin"], _area(town["community"]), month(local_today()))
        commit()
    finally:
        threading.Thread = real_thread
        app.config["REPORTS_INLINE"] = True
    assert len(started) == 1 and started[0].daemon
    db.session.expire_all()
    assert db.session.get(ReportJob, job.id).status == JobStatus.DONE


def test_a_request_filed_late_in_the_utc_evening_counts_on_the_next_local_day(town, client):
    """20:00 UTC on 31 October is 04:00 on 1 November in Shanghai: a November request, on SQLite too."""
    _request(town["compounds"][0], town["admin"], created=datetime(2026, 10, 31, 20, 0, tzinfo=UTC))
    db.session.commit()
    november, october = month(date(2026, 11, 1)), month(date(2026, 10, 1))
    area = _area(town["community"])
    assert _values(requests_section(area, november))["repairs.received"] == 1
    assert _values(requests_section(area, october))["repairs.received"] == 0
    login_as(client, town["admin"])
    listed = client.get(f"/repairs/records?community={town['community'].id}&from=2026-11-01&to=2026-11-30")
    assert _listed(listed.text) == 1


def test_a_property_companys_figures_cover_the_compounds_it_serves(town, client):
    """co1 serves c1 and c3; c2 and c4 are another company's or no one's. Its manager reads them; the
    records behind each figure are those compounds' requests; its page flags a contract near its end."""
    c1, c2, c3 = town["compounds"][:3]
    by = town["admin"]
    start = datetime.combine(local_today().replace(day=1), datetime.min.time(), TZ)
    _request(c1, by, created=start + timedelta(hours=1), status=Status.CLOSED, rating=5)
    _request(c3, by, created=start + timedelta(hours=2))
    _request(c2, by, created=start + timedelta(hours=3), status=Status.CLOSED, rating=1)
    db.session.commit()
    area = Area("company", town["co1"].id, town["co1"].name, ())
    section = requests_section(area, month(local_today()))
    assert _values(section)["repairs.received"] == 2 and _values(section)["repairs.satisfaction"] == 100.0
    assert coverage_section(area, month(local_today())) is None
    manager = make_user("经理", role=Role.PROPERTY_MANAGER, org=town["co1"])
    db.session.commit()
    login_as(client, manager)
    page = client.get(f"/figures/company/{town['co1'].id}")
    assert page.status_code == 200
    for figure in section.figures:
        if figure.link:
            assert _listed(client.get(figure.link).text) == (figure.part if figure.part is not None else figure.value)
    other = [o for o in town["compounds"][1].contracts if o.company_id != town["co1"].id][0].company_id
    assert client.get(f"/figures/company/{other}").status_code in (403, 404)


def test_the_company_page_flags_a_contract_ending_within_90_days(town, client):
    login_as(client, town["admin"])
    co2 = town["compounds"][1].contracts[0].company
    page = client.get(f"/organisations/{co2.id}")
    assert page.status_code == 200 and 'data-testid="expiring"' in page.text and "已到期" in page.text
    assert 'data-testid="expiring"' not in client.get(f"/organisations/{town['co1'].id}").text


def test_the_compound_page_gathers_its_bodies_and_what_the_modules_have_for_it(town, client):
    c1 = town["compounds"][0]
    _request(c1, town["admin"], created=datetime(2025, 1, 1, tzinfo=UTC), due=datetime(2025, 1, 2, tzinfo=UTC))
    _request(c1, town["admin"], created=datetime(2025, 1, 1, tzinfo=UTC))
    db.session.commit()
    login_as(client, town["admin"])
    page = client.get(f"/compounds/{c1.id}").text
    panel = page[page.index('data-testid="compound-repairs"'):]
    assert re.search(r'<span class="figure">2</span>办理中', panel) and re.search(r'<span class="figure">1</span>已超时', panel)
    cross = page[page.index('data-testid="compound-cross"'):]
    assert "两边任职" in cross[:300]
    assert 'data-testid="compound-cross"' not in client.get(f"/compounds/{town['compounds'][4].id}").text
