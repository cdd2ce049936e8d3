"""The compound page's sections from the meetings, surveys and projects modules, on hand-built data with
the numbers worked out by hand: each number is the count of the module's list it links to, each section
follows its module's permissions, and the page's query count does not grow with meetings, campaigns,
projects or wishes."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest

from portal.core.clock import now_utc
from portal.extensions import db
from portal.meetings.panel import compound_panel as meetings_panel
from portal.orgs.models import Role
from portal.projects.models import Project, ProjectStatus, Wish, WishStatus
from portal.projects.panel import compound_panel as projects_panel
from portal.surveys.panel import compound_panel as surveys_panel
from tests.conftest import login_as, queries_for
from tests.dashboard.test_figures import _listed
from tests.meetings.conftest import mworld  # noqa: F401  (the meetings world: parties to sign in)
from tests.meetings.test_figures import ALL, _meeting, _resolution
from tests.surveys.test_figures import run_campaign

PAST = date(2020, 1, 1)
FUTURE = date(2099, 1, 1)


def _ago(days: float) -> datetime:
    return now_utc() - timedelta(days=days)


# --- meetings ---------------------------------------------------------------------------------------

@pytest.fixture
def meetings(mworld):  # noqa: F811
    """阳光花园 (A), as its party secretary sees it:

    m1 10 days ago, the four parties: resolutions done, open past its deadline, open not due
    m2 40 days ago, three parties and X (not quorate): one open resolution not due
    m3 70 days ago, the four parties; m4 100 days ago (a fourth held one: not among the three shown)
    m5 in five days (scheduled: the next one); m6 in twenty days
    m7 锦绣家园 (B) 10 days ago, an open resolution past its deadline: another compound's
    Expected: next m5; recent m1 (quorate), m2 (not), m3 (quorate); 3 open resolutions, 1 overdue.
    """
    w = mworld
    a, b = w["compound"], w["other_compound"]
    m1 = _meeting(w, a, _ago(10), parties=ALL)
    _resolution(w, m1, done=True)
    _resolution(w, m1, deadline=PAST)
    _resolution(w, m1, deadline=FUTURE)
    m2 = _meeting(w, a, _ago(40), parties=(*ALL[:3], "other"))
    _resolution(w, m2, deadline=FUTURE)
    m3 = _meeting(w, a, _ago(70), parties=ALL)
    _meeting(w, a, _ago(100), parties=ALL)
    m5 = _meeting(w, a, _ago(-5))
    _meeting(w, a, _ago(-20))
    _resolution(w, _meeting(w, b, _ago(10), parties=ALL), deadline=PAST)
    db.session.commit()
    return {**w, "m1": m1, "m2": m2, "m3": m3, "m5": m5}


def test_the_meetings_section_by_hand(meetings, app):
    w = meetings
    with app.test_request_context():
        panel = meetings_panel(w["secretary"], w["compound"])
    assert panel["upcoming"].id == w["m5"].id
    assert [(m.id, m.quorate) for m in panel["recent"]] == [(w["m1"].id, True), (w["m2"].id, False), (w["m3"].id, True)]
    assert (panel["open_resolutions"], panel["overdue_resolutions"]) == (3, 1)


def test_the_meetings_section_counts_only_what_the_readers_lists_show(meetings, app):
    """The repairman is invited to none of these meetings and carries out none of the resolutions."""
    with app.test_request_context():
        panel = meetings_panel(meetings["staff"], meetings["compound"])
    assert panel["upcoming"] is None and panel["recent"] == [] and panel["open_resolutions"] == 0


def test_the_open_resolutions_figure_is_the_follow_up_lists_count(meetings, client):
    login_as(client, meetings["secretary"])
    page = client.get(f"/compounds/{meetings['compound'].id}").text
    section = page[page.index('data-testid="compound-meetings"'):]
    link = re.search(r'data-figure="meetings.open_resolutions"><span class="figure"><a href="([^"]+)">3</a>', section)
    assert link, section[:800]
    assert _listed(client.get(link.group(1).replace("&amp;", "&")).text) == 3
    assert "其中 1 项已超期" in section and "四方到齐" in section and "未到齐" in section


# --- surveys ------------------------------------------------------------------------------------------

@pytest.fixture
def campaigns(world):
    """阳光花园 has 6 households (2 buildings × 3).

    c1 closed 100 days ago: overall ratings 5 5 4 3 5 2 → 4 of 6 satisfied = 66.7%, all 6 took part
    c2 closed 10 days ago: 4 answers → fewer than 5: 满意率 hidden; 4 of 6 took part = 66.7%
    c3 open now: 2 answers → 2 of 6 = 33.3%, no 满意率 while it runs
    c4 opens in a week (not shown); c5 only 锦绣家园 (not shown)
    """
    secretary = world["users"][Role.PARTY_SECRETARY]
    a, b = world["compound"], world["other_compound"]
    c1 = run_campaign(secretary, [a], {a.id: [5, 5, 4, 3, 5, 2]}, opens=_ago(130), closes=_ago(100), title="第一轮")
    c2 = run_campaign(secretary, [a], {a.id: [5, 5, 5, 5]}, opens=_ago(40), closes=_ago(10), title="第二轮")
    c3 = run_campaign(secretary, [a], {a.id: [1, 5]}, opens=_ago(1), closes=_ago(-10), title="第三轮")
    run_campaign(secretary, [a], {}, opens=_ago(-7), closes=_ago(-30), title="下一轮")
    run_campaign(secretary, [b], {b.id: [5, 5, 5, 5, 5]}, opens=_ago(50), closes=_ago(20), title="别的小区")
    return {**world, "secretary": secretary, "c1": c1, "c2": c2, "c3": c3}


def test_the_surveys_section_by_hand(campaigns, app):
    w = campaigns
    with app.test_request_context():
        panel = surveys_panel(w["secretary"], w["compound"])
    shown = [(c["title"], c["closed"], c["response_rate"], c["satisfaction"]) for c in panel["campaigns"]]
    assert shown == [("第三轮", False, 33.3, None), ("第二轮", True, 66.7, None), ("第一轮", True, 100.0, 66.7)]
    assert panel["running"]["id"] == w["c3"].id and panel["last_closed"]["id"] == w["c2"].id


def test_the_surveys_section_is_for_the_compounds_staff(campaigns, app, client):
    w = campaigns
    with app.test_request_context():
        assert surveys_panel(w["users"][Role.RESIDENT], w["compound"]) is None
        assert surveys_panel(w["users"][Role.OWNERS_COMMITTEE], w["other_compound"]) is None
    login_as(client, w["secretary"])
    page = client.get(f"/compounds/{w['compound'].id}").text
    section = page[page.index('data-testid="compound-surveys"'):]
    assert "有效答卷不足 5 份" in section and "66.7%" in section
    listed = client.get(f"/surveys/?compound={w['compound'].id}").text
    assert all(title in listed for title in ("第一轮", "第二轮", "第三轮")) and "别的小区" not in listed


# --- projects and wishes -------------------------------------------------------------------------------

def _project(w, status, compounds, *, deadline=FUTURE) -> Project:
    project = Project(community_id=w["community"].id, title=f"项目{status}", content="内容", responsible_body="社区",
                      responsible_person="陈静", start_date=date(2019, 1, 1), deadline=deadline, status=status,
                      created_by_id=w["users"][Role.PARTY_SECRETARY].id)
    project.compounds = compounds
    db.session.add(project)
    return project


def _wish(w, compound, status) -> Wish:
    wish = Wish(compound_id=compound.id, posted_by_id=w["users"][Role.COMMUNITY_WORKER].id, title="心愿", status=status)
    db.session.add(wish)
    return wish


@pytest.fixture
def projects(world):
    """A: in progress ×2 (one past its deadline), evaluated, cancelled (also B's); B only: proposed.
    Wishes of A: open ×2, claimed, confirmed, withdrawn; of B: open."""
    a, b = world["compound"], world["other_compound"]
    _project(world, ProjectStatus.IN_PROGRESS, [a], deadline=PAST)
    _project(world, ProjectStatus.IN_PROGRESS, [a])
    _project(world, ProjectStatus.EVALUATED, [a])
    _project(world, ProjectStatus.CANCELLED, [a, b])
    _project(world, ProjectStatus.PROPOSED, [b])
    for status in (WishStatus.OPEN, WishStatus.OPEN, WishStatus.CLAIMED, WishStatus.CONFIRMED, WishStatus.WITHDRAWN):
        _wish(world, a, status)
    _wish(world, b, WishStatus.OPEN)
    db.session.commit()
    return world


def test_the_projects_and_wishes_section_by_hand(projects, app):
    with app.test_request_context():
        panel = projects_panel(projects["users"][Role.COMMUNITY_WORKER], projects["compound"])
    by_status = {status: (count, late) for status, _label, count, late in panel["projects"]["by_status"]}
    assert by_status == {"proposed": (0, 0), "approved": (0, 0), "in_progress": (2, 1), "completed": (0, 0),
                         "evaluated": (1, 0), "cancelled": (1, 0)}
    assert (panel["projects"]["total"], panel["projects"]["late"]) == (4, 1)
    assert [(status, count) for status, _label, count in panel["wishes"]["by_status"]] == [
        ("open", 2), ("claimed", 1), ("fulfilled", 0), ("confirmed", 1)]


def test_each_project_and_wish_figure_is_its_lists_count(projects, client):
    login_as(client, projects["users"][Role.COMMUNITY_WORKER])
    page = client.get(f"/compounds/{projects['compound'].id}").text
    checked = 0
    for testid in ("compound-projects", "compound-wishes"):
        section = page[page.index(f'data-testid="{testid}"'):]
        section = section[:section.index("</section>")]
        for link, value in re.findall(r'<span class="figure"><a href="([^"]+)">(\d+)</a>', section):
            assert _listed(client.get(link.replace("&amp;", "&")).text) == int(value), link
            checked += 1
    assert checked == 3 + 4


def test_the_wishes_part_follows_the_wish_lists_visibility(projects, app):
    """A resident of A sees only the open wishes of the community (and their own): not the claimed ones."""
    with app.test_request_context():
        panel = projects_panel(projects["users"][Role.RESIDENT], projects["compound"])
    assert dict((s, n) for s, _label, n in panel["wishes"]["by_status"])["claimed"] == 0


# --- the page's cost ------------------------------------------------------------------------------------

def test_the_compound_page_costs_the_same_queries_for_more_meetings_campaigns_and_projects(meetings, client,
                                                                                          count_queries):
    w = meetings
    url = f"/compounds/{w['compound'].id}"
    login_as(client, w["secretary"])
    run_campaign(w["secretary"], [w["compound"]], {w["compound"].id: [5, 5]}, opens=_ago(60), closes=_ago(30))
    _project(w, ProjectStatus.IN_PROGRESS, [w["compound"]])
    _wish(w, w["compound"], WishStatus.OPEN)
    db.session.commit()
    before = queries_for(client, url, count_queries)
    for n in range(4):
        meeting = _meeting(w, w["compound"], _ago(5 + n), parties=ALL)
        _resolution(w, meeting, deadline=PAST)
        run_campaign(w["secretary"], [w["compound"]], {w["compound"].id: [5, 4, 3]}, opens=_ago(90 + n), closes=_ago(61 + n))
        _project(w, ProjectStatus.APPROVED, [w["compound"]])
        _wish(w, w["compound"], WishStatus.CLAIMED)
    db.session.commit()
    assert queries_for(client, url, count_queries) == before
