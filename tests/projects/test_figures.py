"""The co-construction figures of a community and street on hand-built projects and wishes, with the
numbers worked out by hand; every figure's link opens a records list whose count is the figure, and the
monthly report's summary cell says the same; the street page's query count does not grow."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from portal.core.clock import TZ
from portal.core.indicators import Area, Period, PeriodKind, month
from portal.extensions import db
from portal.projects.indicators import projects_section, projects_sheet
from portal.projects.models import Project, ProjectStatus, Wish, WishClaim, WishStatus
from tests.conftest import login_as, make_community, make_compound, queries_for
from tests.dashboard.test_figures import _cells, _listed

OCTOBER = month(date(2025, 10, 1))


@pytest.fixture(autouse=True)
def _links(app):
    with app.test_request_context():
        yield


def _project(w, status, *, deadline, completed=None, community=None) -> Project:
    project = Project(community_id=(community or w["community"]).id, title=f"项目{status}", content="内容",
                      responsible_body="居委会", responsible_person="陈静", start_date=date(2025, 1, 1),
                      deadline=deadline, status=status, completed_on=completed, created_by_id=w["worker"].id)
    db.session.add(project)
    return project


def _local(*args) -> datetime:
    return datetime(*args, tzinfo=TZ).astimezone(UTC)


def _wish(w, created, *, status=WishStatus.OPEN, confirmed=None, claims=(), compound=None) -> Wish:
    wish = Wish(compound_id=(compound or w["compound"]).id, posted_by_id=w["worker"].id, title="心愿",
                category="study", status=status, created_at=_local(*created),
                confirmed_at=_local(*confirmed) if confirmed else None)
    db.session.add(wish)
    db.session.flush()
    for index, (at, released) in enumerate(claims):
        db.session.add(WishClaim(wish_id=wish.id, claimer_id=w["member"].id, claimant_kind="party_member",
                                 claimed_at=_local(*at), released_at=_local(*at) if released else None))
        assert index < 2
    return wish


@pytest.fixture
def town(co_world):
    """October 2025 in 和平社区:

    projects  p1 completed 10 Oct, deadline 31 Oct (on time)    p2 evaluated, completed 31 Oct, deadline 30 Oct (late)
              p3 evaluated, completed 30 Sep                     p4 completed, completed 1 Nov
              p5 in progress, deadline 1 Jan 2025 (overdue)     p6 proposed      p7 cancelled
              p8 in 远方社区, completed 10 Oct
    wishes    w1 posted 1 Oct 00:00, claimed 2 Oct, confirmed 20 Oct
              w2 posted 30 Sep 23:59:59, claimed 5 Oct and released, claimed again 6 Oct
              w3 posted 15 Oct, open      w4 posted 1 Sep, claimed 2 Sep, confirmed 1 Nov 00:00
              w5 posted 31 Oct 23:59, withdrawn      w6 in 远方小区 posted and claimed in October
    """
    w = co_world
    _project(w, ProjectStatus.COMPLETED, deadline=date(2025, 10, 31), completed=date(2025, 10, 10))
    _project(w, ProjectStatus.EVALUATED, deadline=date(2025, 10, 30), completed=date(2025, 10, 31))
    _project(w, ProjectStatus.EVALUATED, deadline=date(2025, 10, 30), completed=date(2025, 9, 30))
    _project(w, ProjectStatus.COMPLETED, deadline=date(2025, 10, 30), completed=date(2025, 11, 1))
    _project(w, ProjectStatus.IN_PROGRESS, deadline=date(2025, 1, 1))
    _project(w, ProjectStatus.PROPOSED, deadline=date(2099, 1, 1))
    _project(w, ProjectStatus.CANCELLED, deadline=date(2099, 1, 1))
    _project(w, ProjectStatus.COMPLETED, deadline=date(2025, 10, 31), completed=date(2025, 10, 10),
             community=w["far_community"])
    _wish(w, (2025, 10, 1, 0, 0), status=WishStatus.CONFIRMED, confirmed=(2025, 10, 20, 9, 0),
          claims=[((2025, 10, 2, 9, 0), False)])
    _wish(w, (2025, 9, 30, 23, 59, 59), status=WishStatus.CLAIMED,
          claims=[((2025, 10, 5, 9, 0), True), ((2025, 10, 6, 9, 0), False)])
    _wish(w, (2025, 10, 15, 9, 0), compound=w["other_compound"])
    _wish(w, (2025, 9, 1, 9, 0), status=WishStatus.CONFIRMED, confirmed=(2025, 11, 1, 0, 0),
          claims=[((2025, 9, 2, 9, 0), False)])
    _wish(w, (2025, 10, 31, 23, 59), status=WishStatus.WITHDRAWN)
    _wish(w, (2025, 10, 10, 9, 0), status=WishStatus.CLAIMED, claims=[((2025, 10, 11, 9, 0), False)],
          compound=w["far_compound"])
    db.session.commit()
    return w


def _area(kind, record) -> Area:
    return Area(kind, record.id, record.name, (record.id,) if kind == "community" else ())


def _values(section) -> dict:
    return {f.key: f.value for f in section.figures}


def test_a_communitys_october_by_hand(town):
    section = projects_section(_area("community", town["community"]), OCTOBER)
    assert _values(section) == {
        "projects.running": 2,  # p5, p6 (states: now)
        "projects.overdue": 1,  # p5
        "projects.completed": 2,  # p1, p2
        "projects.on_time_share": 50.0,  # p1 of p1, p2
        "projects.wishes_posted": 3,  # w1, w3, w5
        "projects.wishes_claimed": 2,  # w1, w2 (its two claims count once)
        "projects.wishes_fulfilled": 1,  # w1
    }
    rows = {str(label): (count, late, share) for label, count, late, share, _link in section.rows}
    assert rows["已完成，待评价"] == (2, 0, 28.6) and rows["已评价"] == (2, 0, 28.6)
    assert rows["实施中"] == (1, 1, 14.3) and rows["已取消"] == (1, 0, 14.3) and rows["已立项"] == (0, 0, 0.0)
    assert _values(projects_section(_area("street", town["street"]), OCTOBER)) == _values(section)


def test_a_company_has_no_co_construction_figures(town):
    assert projects_section(_area("company", town["company"]), OCTOBER) is None
    assert projects_sheet(_area("company", town["company"]), OCTOBER) is None


def test_a_month_with_nothing_has_no_rates_but_states_stay(town):
    values = _values(projects_section(_area("community", town["community"]), month(date(2020, 3, 1))))
    assert values["projects.completed"] == 0 and values["projects.on_time_share"] is None
    assert values["projects.wishes_posted"] == values["projects.wishes_claimed"] == values["projects.wishes_fulfilled"] == 0
    assert values["projects.running"] == 2


def test_a_period_spanning_the_year_end(town):
    _project(town, ProjectStatus.COMPLETED, deadline=date(2025, 12, 31), completed=date(2026, 1, 1))
    _project(town, ProjectStatus.COMPLETED, deadline=date(2025, 12, 31), completed=date(2025, 12, 31))
    _project(town, ProjectStatus.COMPLETED, deadline=date(2026, 1, 31), completed=date(2026, 1, 11))
    _wish(town, (2025, 12, 31, 23, 30))
    _wish(town, (2026, 1, 10, 23, 59))
    _wish(town, (2026, 1, 11, 0, 0))
    db.session.commit()
    period = Period(PeriodKind.CUSTOM, date(2025, 12, 15), date(2026, 1, 10))
    values = _values(projects_section(_area("community", town["community"]), period))
    assert (values["projects.completed"], values["projects.on_time_share"], values["projects.wishes_posted"]) == (2, 50.0, 2)


def test_every_figure_links_to_records_whose_count_is_the_figure(town, client):
    login_as(client, town["users"]["street_admin"])
    for kind in ("community", "street"):
        section = projects_section(_area(kind, town[kind]), OCTOBER)
        for figure in section.figures:
            expected = figure.part if figure.part is not None else figure.value
            assert _listed(client.get(figure.link).text) == expected, (figure.key, figure.link)
        for _label, count, _late, _share, link in section.rows:
            assert _listed(client.get(link).text) == count, link


def test_the_records_carry_no_wish_text_and_are_for_the_areas_readers(town, app):
    community = town["community"].id
    client = login_as(app.test_client(), town["grid"])
    assert client.get(f"/projects/figures/wishes?community={community}").status_code == 403
    assert client.get("/projects/figures/projects").status_code == 404
    client = login_as(app.test_client(), town["worker"])
    assert client.get(f"/projects/figures/projects?street={town['far_street'].id}").status_code == 404
    page = client.get(f"/projects/figures/wishes?community={community}&event=posted&from=2025-10-01&to=2025-10-31")
    assert page.status_code == 200 and "共 3 条" in page.text and "心愿</td>" not in page.text
    assert "党员小李" not in page.text
    fragment = client.get(f"/projects/figures/projects?community={community}&status=overdue",
                          headers={"HX-Request": "true", "X-Block": "results"})
    assert fragment.status_code == 200 and "<html" not in fragment.text and "共 1 条" in fragment.text


def test_page_list_and_spreadsheet_agree(town, client):
    login_as(client, town["users"]["street_admin"])
    community_id = town["community"].id
    page = client.get(f"/figures/community/{community_id}?period=month&month=2025-10")
    assert page.status_code == 200
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
    queued = client.post(f"/figures/community/{community_id}/report",
                         data={"csrf_token": token, "period": "month", "month": "2025-10"})
    status = client.get(queued.headers["Location"])
    assert 'data-status="done"' in status.text
    cells, book = _cells(client.get(re.search(r'href="([^"]+/file)"', status.text).group(1)).data)
    for figure in projects_section(_area("community", town["community"]), OCTOBER).figures:
        value, part, whole = cells[figure.key]
        shown = figure.value / 100 if figure.unit == "percent" and figure.value is not None else figure.value
        assert value == pytest.approx(shown), figure.key
        assert (part, whole) == (figure.part, figure.whole), figure.key
        assert figure.display in page.text and figure.link.replace("&", "&amp;") in page.text, figure.key
        assert _listed(client.get(figure.link).text) == (figure.part if figure.part is not None else figure.value)
    sheet = {sheet.title: sheet for sheet in book.worksheets}["共建项目"]
    assert sheet.max_row == 1 + 4  # p5, p6 running; p1, p2 completed in October
    timings = sorted(row[7] for row in sheet.iter_rows(min_row=2, values_only=True))
    assert timings == sorted(["按时", "逾期完成", "已逾期", "进行中"])


def test_the_street_page_costs_the_same_queries_for_more_projects(town, client, count_queries):
    login_as(client, town["users"]["street_admin"])
    url = f"/figures/street/{town['street'].id}?period=month&month=2025-10"
    before = queries_for(client, url, count_queries)
    for n in range(4):
        community = make_community(town["street"])
        compound = make_compound(community, f"新增{n}")
        _project(town, ProjectStatus.COMPLETED, deadline=date(2025, 10, 31), completed=date(2025, 10, 9),
                 community=community)
        _wish(town, (2025, 10, 3, 9, 0), compound=compound, status=WishStatus.CLAIMED,
              claims=[((2025, 10, 4, 9, 0), False)])
    db.session.commit()
    assert queries_for(client, url, count_queries) == before
