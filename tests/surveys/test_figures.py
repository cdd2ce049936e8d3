"""The satisfaction figures of a community, a street and a property company, on hand-built data with
the numbers worked out by hand; every figure equals its linked list or page and the monthly report's
cell; the street page's statement count does not grow with compounds and campaigns."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest

from portal.core.clock import TZ
from portal.core.indicators import Area, Period, PeriodKind, month
from portal.extensions import db
from portal.orgs.models import Organisation, OrgKind, Role
from portal.surveys import services
from portal.surveys.indicators import surveys_section, surveys_sheet
from portal.surveys.models import Channel
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
from tests.surveys.conftest import households, values_for

DECEMBER = month(date(2025, 12, 1))
JANUARY = month(date(2026, 1, 1))
ACROSS = Period(PeriodKind.CUSTOM, date(2025, 12, 15), date(2026, 1, 10))


@pytest.fixture(autouse=True)
def _links(app):
    """Figures carry the links of their lists: built as within a request."""
    with app.test_request_context():
        yield


def _local(*args) -> datetime:
    return datetime(*args, tzinfo=TZ)


def run_campaign(by, compounds, overalls: dict, *, opens: datetime, closes: datetime, title="测评"):
    """Launch a campaign as of `opens`, answer it (compound → overall ratings, one per household) and let
    it close at `closes`."""
    campaign = services.launch_campaign(by=by, survey=services.standard_template(), compound_ids=[c.id for c in compounds],
                                        title=title, opens_at=opens, closes_at=closes, now=opens)
    for compound in compounds:
        for home, overall in zip(households(compound), overalls.get(compound.id, []), strict=False):
            services.submit(campaign, home, values_for(campaign, overall=overall), channel=Channel.ONLINE,
                            now=opens + timedelta(hours=1))
    db.session.commit()
    return campaign


@pytest.fixture
def town(app):
    """One street, two communities, six households in each compound; worked by hand:

    community A: c1, c2 served by co1, c3 by co2. Campaign K1 over c1–c3 closed 2025-12-20:
      c1 answers 5 5 4 3 2 4 → 4 of 6 satisfied (66.7%), c2 5 5 5 5 4 → 5 of 5 (100%),
      c3 5 5 5 → 3 answers: fewer than 5, hidden.
      K1: 14 answers, 12 satisfied → 85.7%; took part 14 of 18 households → 77.8%.
      co1 (c1+c2): 11 answers, 9 satisfied → 81.8%; co2 (c3): 3 answers, hidden.
    community B: c4 served by co2. Campaign K2 over c4 closed at 00:30 on 2026-01-01 local time (still
      2025-12-31 in UTC): a January campaign. 5 5 5 5 5 → 5 of 5 (100%), 5 of 6 households took part.
    Street, over 2025-12-15 – 2026-01-10: 19 answers, 17 satisfied → 89.5% (below 90);
      19 of 24 households → 79.2%; co2 (c3+c4): 8 answers, 8 satisfied → 100%.
    """
    street = make_street("测评街道")
    a, b = make_community(street, "甲社区"), make_community(street, "乙社区")
    c1, c2, c3 = (make_compound(a, name, buildings=2, households=3) for name in ("一号院", "二号院", "三号院"))
    c4 = make_compound(b, "四号院", buildings=2, households=3)
    co1 = make_org(OrgKind.PROPERTY_COMPANY, street=street, name="一物业")
    co2 = make_org(OrgKind.PROPERTY_COMPANY, street=street, name="二物业")
    for compound, company in ((c1, co1), (c2, co1), (c3, co2), (c4, co2)):
        make_contract(compound, company)
    office = db.session.query(Organisation).filter_by(
        street_id=street.id, kind=OrgKind.STREET_OFFICE).one()
    admin = make_user("测评管理员", role=Role.STREET_ADMIN, org=office)
    secretaries = {c.id: make_user(f"{c.name}书记", role=Role.PARTY_SECRETARY, org=make_org(
        OrgKind.PARTY_COMMITTEE, community=c, name=f"{c.name}党委")) for c in (a, b)}
    db.session.commit()
    k1 = run_campaign(secretaries[a.id], [c1, c2, c3], {c1.id: [5, 5, 4, 3, 2, 4], c2.id: [5, 5, 5, 5, 4], c3.id: [5, 5, 5]},
                      opens=_local(2025, 12, 1, 9), closes=_local(2025, 12, 20, 18), title="甲社区年终测评")
    k2 = run_campaign(secretaries[b.id], [c4], {c4.id: [5, 5, 5, 5, 5]},
                      opens=_local(2025, 12, 21, 9), closes=_local(2026, 1, 1, 0, 30), title="乙社区测评")
    return {"street": street, "a": a, "b": b, "compounds": [c1, c2, c3, c4], "co1": co1, "co2": co2,
            "admin": admin, "secretaries": secretaries, "k1": k1, "k2": k2}


def _area(kind, obj, communities=()) -> Area:
    return Area(kind, obj.id, obj.name, tuple(communities))


def _values(section) -> dict:
    return {f.key: f.value for f in section.figures}


def _rows(section) -> dict:
    return {row[0]: row[1:4] for row in section.rows}


def test_a_communitys_month_by_hand(town):
    section = surveys_section(_area("community", town["a"], [town["a"].id]), DECEMBER)
    assert _values(section) == {"surveys.closed": 1, "surveys.running": 0, "surveys.response_rate": 77.8,
                                "surveys.satisfaction": 85.7}
    satisfaction = section.figure("surveys.satisfaction")
    assert (satisfaction.part, satisfaction.whole, satisfaction.target) == (12, 14, 90)
    assert satisfaction.below_target
    rate = section.figure("surveys.response_rate")
    assert (rate.part, rate.whole) == (14, 18)
    # Per compound and per company; fewer than 5 answers shows no value (k = 5).
    assert _rows(section) == {"一号院": (6, 4, 66.7), "二号院": (5, 5, 100.0), "三号院": (3, None, None),
                              "一物业": (11, 9, 81.8), "二物业": (3, None, None)}
    assert section.chart.kind == "bars" and section.chart.target == 90
    assert section.chart.points == [("一号院", 66.7), ("三号院", None), ("二号院", 100.0)]  # by name


def test_a_month_without_campaigns_has_no_rates_rather_than_zero(town):
    values = _values(surveys_section(_area("community", town["a"], [town["a"].id]), month(date(2020, 3, 1))))
    assert values == {"surveys.closed": 0, "surveys.running": 0, "surveys.response_rate": None,
                      "surveys.satisfaction": None}


def test_a_campaign_closing_just_after_local_midnight_counts_in_january_and_the_year_end_spans_both(town):
    street = _area("street", town["street"], [town["a"].id, town["b"].id])
    assert _values(surveys_section(street, DECEMBER))["surveys.closed"] == 1
    january = surveys_section(street, JANUARY)
    assert _values(january) == {"surveys.closed": 1, "surveys.running": 0, "surveys.response_rate": 83.3,
                                "surveys.satisfaction": 100.0}
    across = surveys_section(street, ACROSS)
    assert _values(across) == {"surveys.closed": 2, "surveys.running": 0, "surveys.response_rate": 79.2,
                               "surveys.satisfaction": 89.5}
    assert _rows(across)["二物业"] == (8, 8, 100.0) and _rows(across)["三号院"] == (3, None, None)


def test_a_companys_figures_are_its_evaluations(town):
    section = surveys_section(_area("company", town["co1"]), ACROSS)
    assert _values(section) == {"surveys.closed": 1, "surveys.running": 0, "surveys.response_rate": 91.7,
                                "surveys.satisfaction": 81.8}
    assert set(_rows(section)) == {"一号院", "二号院", "一物业"}
    co2 = surveys_section(_area("company", town["co2"]), ACROSS)
    assert _values(co2)["surveys.closed"] == 2 and _values(co2)["surveys.satisfaction"] == 100.0


def test_running_campaigns_are_counted_now_and_listed(town, client):
    from portal.core.clock import now_utc

    run_campaign(town["secretaries"][town["a"].id], [town["compounds"][0]], {}, opens=now_utc() - timedelta(hours=2),
                 closes=now_utc() + timedelta(days=3))
    section = surveys_section(_area("community", town["a"], [town["a"].id]), DECEMBER)
    assert _values(section)["surveys.running"] == 1 and _values(section)["surveys.closed"] == 1
    login_as(client, town["admin"])
    assert _listed(client.get(section.figure("surveys.running").link).text) == 1
    street = surveys_section(_area("street", town["street"]), DECEMBER)
    assert _listed(client.get(street.figure("surveys.running").link).text) == 1
    company = surveys_section(_area("company", town["co2"]), DECEMBER)
    assert _values(company)["surveys.running"] == 0


def test_the_report_sheet_has_a_row_per_compound_without_personal_data(town):
    sheet = surveys_sheet(_area("street", town["street"]), ACROSS)
    assert len(sheet.rows) == 4
    by_compound = {row[2]: row for row in sheet.rows}
    assert by_compound["一号院"][4:] == (6, 6, 100.0, 6, 66.7)
    assert by_compound["三号院"][4:] == (6, 3, 50.0, 3, None)
    assert by_compound["四号院"][1] == "2026-01-01"


# --- page = list = spreadsheet ------------------------------------------------------------------------

def _listed(html: str) -> int:
    return int(re.search(r"共 (\d+) 个测评", html).group(1))


def _pooled(html: str, testid: str) -> str:
    return re.search(rf'data-testid="{testid}"[^>]*>.*?<strong>([^<]+)</strong>', html, re.S).group(1)


def _check_links(client, section):
    """Counts: the list's count. Rates: the list shows the same rate, pooled over the same compounds."""
    checked = 0
    for figure in section.figures:
        html = client.get(figure.link).get_data(as_text=True)
        assert 'data-testid="drill-filters"' in html, figure.key
        if figure.key == "surveys.response_rate":
            assert _pooled(html, "pooled-response") == figure.display
        elif figure.key == "surveys.satisfaction":
            assert _pooled(html, "pooled-satisfaction") == figure.display
        else:
            assert _listed(html) == figure.value, figure.key
        checked += 1
    return checked


def _cells(content: bytes) -> tuple[dict, object]:
    from io import BytesIO

    from openpyxl import load_workbook

    book = load_workbook(BytesIO(content))
    return {row[5]: row[1:4] for row in book.worksheets[0].iter_rows(min_row=6, values_only=True) if row[5]}, book


def test_page_list_results_and_spreadsheet_agree_for_every_figure(town, client):
    login_as(client, town["admin"])
    community = town["a"]
    page = client.get(f"/figures/community/{community.id}?period=month&month=2025-12")
    assert page.status_code == 200
    section = surveys_section(_area("community", community, [community.id]), DECEMBER)
    for figure in section.figures:
        assert figure.display in page.text and figure.link.replace("&", "&amp;") in page.text, figure.key
    assert _check_links(client, section) == 4
    # The chart with the 90% line, and the compound below target marked.
    assert 'data-chart="chart-surveys-figures"' in page.text and "class=\"bar-low\"" in page.text
    assert 'class="below-target"' in page.text
    # The campaign's own results page shows the same two rates.
    results = client.get(f"/surveys/campaigns/{town['k1'].id}/results").get_data(as_text=True)
    assert re.search(r'data-testid="satisfaction".*?<strong>85.7%?</strong>', results, re.S)
    assert re.search(r'data-testid="response-rate".*?<strong>77.8%</strong>', results, re.S)
    # The breakdown's rows open the list of that compound or company with its own rate.
    c1 = next(row for row in section.rows if row[0] == "一号院")
    assert _pooled(client.get(c1[4]).get_data(as_text=True), "pooled-satisfaction") == "66.7%"

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
    queued = client.post(f"/figures/community/{community.id}/report",
                         data={"csrf_token": token, "period": "month", "month": "2025-12"})
    status = client.get(queued.headers["Location"])
    assert 'data-status="done"' in status.text
    cells, book = _cells(client.get(re.search(r'href="([^"]+/file)"', status.text).group(1)).data)
    for figure in section.figures:
        value, part, whole = cells[figure.key]
        shown = figure.value / 100 if figure.unit == "percent" and figure.value is not None else figure.value
        assert value == pytest.approx(shown), figure.key
        assert (part, whole) == (figure.part, figure.whole), figure.key
    assert book["满意度测评"].max_row == 1 + 3


def test_a_company_area_links_to_its_own_evaluations(town, client):
    manager = make_user("一物业经理", role=Role.PROPERTY_MANAGER, org=town["co1"])
    db.session.commit()
    login_as(client, manager)
    page = client.get(f"/figures/company/{town['co1'].id}?period=custom&from=2025-12-15&to=2026-01-10")
    assert page.status_code == 200
    section = surveys_section(_area("company", town["co1"]), ACROSS)
    assert section.figure("surveys.satisfaction").display in page.text
    assert _check_links(client, section) == 4


def test_the_drill_down_keeps_its_filters_and_bad_ones_are_ignored(town, client):
    login_as(client, town["admin"])
    html = client.get(f"/surveys/?street={town['street'].id}&from=2025-12-15&to=2026-01-10&state=closed").text
    assert _listed(html) == 2 and 'name="from" value="2025-12-15"' in html
    assert client.get("/surveys/?community=abc&from=2025-13-45&company=-1").status_code == 200


def test_the_street_page_costs_the_same_queries_for_more_compounds_and_campaigns(town, client, count_queries):
    login_as(client, town["admin"])
    url = f"/figures/street/{town['street'].id}?period=custom&from=2025-12-15&to=2026-01-10"
    before = queries_for(client, url, count_queries)
    for n in range(4):
        community = make_community(town["street"], f"新增社区{n}")
        compounds = [make_compound(community, f"新增{n}-{i}", buildings=1, households=5) for i in range(2)]
        make_contract(compounds[0], make_org(OrgKind.PROPERTY_COMPANY, street=town["street"]))
        secretary = make_user(f"新增书记{n}", role=Role.PARTY_SECRETARY,
                              org=make_org(OrgKind.PARTY_COMMITTEE, community=community))
        db.session.commit()
        run_campaign(secretary, compounds, {compounds[0].id: [5, 4, 3, 5, 5]},
                     opens=_local(2025, 12, 16, 9), closes=_local(2025, 12, 30, 9), title=f"新增测评{n}")
    assert queries_for(client, url, count_queries) == before
    assert _values(surveys_section(_area("street", town["street"]), ACROSS))["surveys.closed"] == 6
