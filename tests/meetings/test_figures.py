"""The joint-meeting figures of a community, street and company on hand-built meetings, with the numbers
worked out by hand; every figure's link opens a records list whose count is the figure, and the monthly
report's summary cell says the same; the street page's query count does not grow with meetings."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.core.clock import TZ
from portal.core.indicators import Area, Period, PeriodKind, month
from portal.extensions import db
from portal.meetings.indicators import meetings_section
from portal.meetings.models import Attendance, Meeting, MeetingStatus, Party, Resolution, ResolutionStatus
from portal.orgs.models import ServiceContract
from tests.conftest import login_as, make_community, make_compound, queries_for
from tests.dashboard.test_figures import _cells, _listed

OCTOBER = month(date(2025, 10, 1))


@pytest.fixture(autouse=True)
def _links(app):
    with app.test_request_context():
        yield


def _meeting(w, compound, start: datetime, *, parties=(), cancelled=False, community=None) -> Meeting:
    community = community or (compound.community if compound is not None else w["community"])
    meeting = Meeting(community_id=community.id, compound_id=compound.id if compound is not None else None,
                      title="联席会议", starts_at=start.astimezone(UTC), ends_at=(start + timedelta(hours=1)).astimezone(UTC),
                      place="会议室", convener_id=w["secretary"].id, sign_in_code="123456",
                      status=MeetingStatus.CANCELLED if cancelled else MeetingStatus.SCHEDULED)
    db.session.add(meeting)
    db.session.flush()
    people = {Party.PARTY: w["secretary"], Party.RESIDENTS: w["worker"], Party.OWNERS: w["owners_member"],
              Party.PROPERTY: w["manager"], Party.OTHER: w["volunteer"]}
    for party in parties:
        db.session.add(Attendance(meeting_id=meeting.id, user_id=people[party].id, party=party, how="marked"))
    return meeting


def _resolution(w, meeting, *, done=False, deadline=date(2099, 1, 1)) -> Resolution:
    resolution = Resolution(meeting_id=meeting.id, what="修缮车棚", organisation_id=w["company"].id,
                            responsible_id=w["manager"].id, deadline=deadline,
                            status=ResolutionStatus.DONE if done else ResolutionStatus.OPEN)
    db.session.add(resolution)
    return resolution


ALL = (Party.PARTY, Party.RESIDENTS, Party.OWNERS, Party.PROPERTY)
PAST = date(2025, 11, 1)


@pytest.fixture
def held(mworld):
    """October 2025 in 和平社区 (阳光花园 A served by 安居物业, 锦绣家园 B not):

    m1 A 10 Oct, four parties: resolutions done, open past its deadline, open not due
    m2 B 20 Oct, three parties and X (not quorate): one resolution done
    m3 the whole community, 1 Oct 00:00 local (first instant of the month), four parties, no resolution
    m4 A 15 Oct cancelled (four parties signed in all the same): an open resolution past its deadline
    m5 A 30 Sep 23:59:59 local: an open resolution past its deadline (overdue is a state: it counts)
    m6 B 1 Nov 00:00 local, four parties: the next month
    m7 远方社区 10 Oct: another street
    """
    w = mworld
    contract = db.session.scalar(select(ServiceContract).where(ServiceContract.compound_id == w["compound"].id))
    contract.start_date = date(2024, 1, 1)
    a, b = w["compound"], w["other_compound"]
    m1 = _meeting(w, a, datetime(2025, 10, 10, 9, 0, tzinfo=TZ), parties=ALL)
    _resolution(w, m1, done=True)
    _resolution(w, m1, deadline=PAST)
    _resolution(w, m1)
    m2 = _meeting(w, b, datetime(2025, 10, 20, 9, 0, tzinfo=TZ), parties=(*ALL[:3], Party.OTHER))
    _resolution(w, m2, done=True)
    _meeting(w, None, datetime(2025, 10, 1, 0, 0, tzinfo=TZ), parties=ALL)
    m4 = _meeting(w, a, datetime(2025, 10, 15, 9, 0, tzinfo=TZ), parties=ALL, cancelled=True)
    _resolution(w, m4, deadline=PAST)
    m5 = _meeting(w, a, datetime(2025, 9, 30, 23, 59, 59, tzinfo=TZ), parties=ALL)
    _resolution(w, m5, deadline=PAST)
    _meeting(w, b, datetime(2025, 11, 1, 0, 0, tzinfo=TZ), parties=ALL)
    _meeting(w, w["far_compound"], datetime(2025, 10, 10, 9, 0, tzinfo=TZ), parties=ALL)
    db.session.commit()
    return w


def _area(kind, record) -> Area:
    return Area(kind, record.id, record.name, (record.id,) if kind == "community" else ())


def _values(section) -> dict:
    return {f.key: f.value for f in section.figures}


def test_a_communitys_october_by_hand(held):
    section = meetings_section(_area("community", held["community"]), OCTOBER)
    assert _values(section) == {
        "meetings.held": 3,  # m1, m2, m3
        "meetings.quorate_share": 66.7,  # m1 and m3 of three
        "meetings.resolutions": 4,  # m1's three and m2's one
        "meetings.resolutions_done": 2,
        "meetings.resolutions_done_share": 50.0,
        "meetings.resolutions_overdue": 2,  # m1's and m5's, not the cancelled m4's
    }
    assert (section.figure("meetings.quorate_share").part, section.figure("meetings.quorate_share").whole) == (2, 3)
    street = _values(meetings_section(_area("street", held["street"]), OCTOBER))
    assert street == _values(section)  # 远方社区 is another street


def test_a_company_counts_the_meetings_of_the_compounds_it_serves(held):
    values = _values(meetings_section(_area("company", held["company"]), OCTOBER))
    assert values == {"meetings.held": 1, "meetings.quorate_share": 100.0, "meetings.resolutions": 3,
                      "meetings.resolutions_done": 1, "meetings.resolutions_done_share": 33.3,
                      "meetings.resolutions_overdue": 2}  # m1's and m5's: both in 阳光花园


def test_a_month_without_meetings_has_no_rates_but_overdue_stays(held):
    values = _values(meetings_section(_area("community", held["community"]), month(date(2020, 3, 1))))
    assert values["meetings.held"] == 0 and values["meetings.quorate_share"] is None
    assert values["meetings.resolutions"] == 0 and values["meetings.resolutions_done_share"] is None
    assert values["meetings.resolutions_overdue"] == 2


def test_a_period_spanning_the_year_end(held):
    a, b = held["compound"], held["other_compound"]
    _meeting(held, a, datetime(2025, 12, 31, 23, 30, tzinfo=TZ), parties=ALL[:2])
    _meeting(held, b, datetime(2026, 1, 1, 0, 30, tzinfo=TZ), parties=ALL)
    _meeting(held, b, datetime(2026, 1, 11, 0, 0, tzinfo=TZ), parties=ALL)  # the day after the period
    db.session.commit()
    period = Period(PeriodKind.CUSTOM, date(2025, 12, 15), date(2026, 1, 10))
    values = _values(meetings_section(_area("community", held["community"]), period))
    assert values["meetings.held"] == 2 and values["meetings.quorate_share"] == 50.0


def test_a_meeting_later_this_period_is_not_held_yet(held):
    from portal.core.clock import now_utc, today

    _meeting(held, held["compound"], (now_utc() + timedelta(hours=2)).astimezone(TZ), parties=())
    _meeting(held, held["compound"], (now_utc() - timedelta(hours=2)).astimezone(TZ), parties=())
    db.session.commit()
    this_month = Period(PeriodKind.CUSTOM, today() - timedelta(days=1), today() + timedelta(days=1))
    assert _values(meetings_section(_area("community", held["community"]), this_month))["meetings.held"] == 1


def _check_links(client, section) -> int:
    checked = 0
    for figure in section.figures:
        assert figure.link, figure.key
        expected = figure.part if figure.part is not None else figure.value
        assert _listed(client.get(figure.link).text) == expected, (figure.key, figure.link)
        checked += 1
    return checked


def test_every_figure_links_to_records_whose_count_is_the_figure(held, client, app):
    login_as(client, held["street_admin"])
    for kind in ("community", "street", "company"):
        assert _check_links(client, meetings_section(_area(kind, held[kind]), OCTOBER)) == 6
    manager = app.test_client()
    login_as(manager, held["manager"])
    assert _check_links(manager, meetings_section(_area("company", held["company"]), OCTOBER)) == 6


def test_the_records_are_for_those_who_read_the_areas_figures(held, app):
    community = held["community"].id
    client = login_as(app.test_client(), held["grid"])  # a grid worker sees part of the community: 403
    assert client.get(f"/meetings/records?community={community}").status_code == 403
    client = login_as(app.test_client(), held["manager"])
    assert client.get(f"/meetings/records?community={community}").status_code == 403
    assert client.get(f"/meetings/records/resolutions?street={held['far_street'].id}").status_code == 404
    assert client.get("/meetings/records").status_code == 404
    client = login_as(app.test_client(), held["secretary"])
    page = client.get(f"/meetings/records?community={community}&quorate=yes&from=2025-10-01&to=2025-10-31")
    assert page.status_code == 200 and "四方到齐" in page.text and "共 2 条" in page.text
    fragment = client.get(f"/meetings/records/resolutions?community={community}&status=overdue",
                          headers={"HX-Request": "true", "X-Block": "results"})
    assert fragment.status_code == 200 and "<html" not in fragment.text and "共 2 条" in fragment.text
    for name in ("支部书记", "项目经理", "社区工作者"):
        assert name not in page.text


def test_page_list_and_spreadsheet_agree(held, client):
    login_as(client, held["street_admin"])
    community_id = held["community"].id
    page = client.get(f"/figures/community/{community_id}?period=month&month=2025-10")
    assert page.status_code == 200
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
    queued = client.post(f"/figures/community/{community_id}/report",
                         data={"csrf_token": token, "period": "month", "month": "2025-10"})
    status = client.get(queued.headers["Location"])
    assert 'data-status="done"' in status.text
    file = client.get(re.search(r'href="([^"]+/file)"', status.text).group(1))
    cells, book = _cells(file.data)
    section = meetings_section(_area("community", held["community"]), OCTOBER)
    for figure in section.figures:
        value, part, whole = cells[figure.key]
        shown = figure.value / 100 if figure.unit == "percent" and figure.value is not None else figure.value
        assert value == pytest.approx(shown), figure.key
        assert (part, whole) == (figure.part, figure.whole), figure.key
        assert figure.display in page.text and figure.link.replace("&", "&amp;") in page.text, figure.key
        assert _listed(client.get(figure.link).text) == (figure.part if figure.part is not None else figure.value)
    sheet = {sheet.title: sheet for sheet in book.worksheets}["联席会议"]
    assert sheet.max_row == 1 + 3
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert sorted(row[5:] for row in rows) == sorted([(3, 1, 2, 1), (1, 1, 0, 0), (0, 0, 0, 0)])
    assert {row[4] for row in rows} == {"是", "否"}


def test_the_street_page_costs_the_same_queries_for_more_meetings(held, client, count_queries):
    login_as(client, held["street_admin"])
    url = f"/figures/street/{held['street'].id}?period=month&month=2025-10"
    before = queries_for(client, url, count_queries)
    for n in range(4):
        compound = make_compound(make_community(held["street"]), f"新增{n}")
        m = _meeting(held, compound, datetime(2025, 10, 5 + n, 9, 0, tzinfo=TZ), parties=ALL)
        _resolution(held, m, deadline=PAST)
    db.session.commit()
    assert queries_for(client, url, count_queries) == before


def test_crafted_filters_never_fail(held, client):
    login_as(client, held["street_admin"])
    community, company = held["community"].id, held["company"].id
    for query in (f"community={community}&from=9999-12-31&to=0001-01-01", f"community={community}&from=2025-10-31&to=2025-10-01",
                  f"community={community}&quorate=maybe&status=nonsense", f"community=x&street={held['street'].id}",
                  f"company={company}&on=2100-12-31&community={community}", f"community={community}&_block=nope"):
        for path in ("/meetings/records", "/meetings/records/resolutions", "/projects/figures/projects",
                     "/projects/figures/wishes"):
            answer = client.get(f"{path}?{query}")
            assert answer.status_code in (200, 400), (path, query, answer.status_code)
    assert client.get("/meetings/records?community=abc").status_code == 404


def test_a_companys_report_has_its_meetings_and_no_co_construction(held, client):
    login_as(client, held["manager"])
    company_id = held["company"].id
    page = client.get(f"/figures/company/{company_id}?period=month&month=2025-10")
    assert page.status_code == 200 and "共建项目与微心愿" not in page.text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
    queued = client.post(f"/figures/company/{company_id}/report",
                         data={"csrf_token": token, "period": "month", "month": "2025-10"})
    status = client.get(queued.headers["Location"])
    cells, book = _cells(client.get(re.search(r'href="([^"]+/file)"', status.text).group(1)).data)
    assert cells["meetings.held"][0] == 1 and cells["meetings.resolutions_overdue"][0] == 2
    assert not any(key.startswith("projects.") for key in cells)
    titles = {sheet.title for sheet in book.worksheets}
    assert "联席会议" in titles and "共建项目" not in titles
