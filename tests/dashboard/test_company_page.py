"""A property company's figures page: its satisfaction over twelve months (trend and rank among the
street's companies) and its requests beside the street's other companies (closure rate and overdue,
each ranked), worked out by hand; every linked list's count is its figure; the others' names and
figures only for the street's administrators; the page's query count does not grow with companies."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest

from portal.core.clock import now_utc
from portal.extensions import db
from portal.orgs.models import OrgKind, Role
from portal.repairs.company_panel import company_panel as requests_panel
from portal.repairs.models import RepairRequest, Status
from portal.surveys.company_panel import company_panel as satisfaction_panel
from portal.surveys.results import opening_months
from tests.conftest import login_as, make_compound, make_contract, make_org, queries_for
from tests.dashboard.test_figures import _listed
from tests.surveys.test_figures import run_campaign


def _ago(days: float):
    return now_utc() - timedelta(days=days)


def _request(compound, by, *, days_ago, status=Status.CLOSED, due_days_ago=None):
    req = RepairRequest(compound_id=compound.id, place="1号楼", category="other", kind="household", description="测试",
                        filed_by_id=by.id, status=status, created_at=_ago(days_ago).astimezone(UTC),
                        due_at=_ago(due_days_ago) if due_days_ago is not None else None)
    db.session.add(req)
    return req


@pytest.fixture
def street(world):
    """幸福街道's companies: 安居 serves 阳光花园 (A), 二物业 serves 锦绣家园 (B), 三物业 serves nothing;
    远方物业 is another street's.

    Requests in the last 12 months: A 4 (3 closed, 1 open and overdue), B 2 (both closed); and, older, an
    A request closed 400 days ago and one still open and overdue since then.
    → closure 安居 3/4 = 75.0 (rank 2), 二物业 2/2 = 100.0 (rank 1), 三物业 none (no rank);
      overdue now 安居 2 (rank 3), 二物业 0 and 三物业 0 (rank 1 both).
    Surveys: c0 closed 400 days ago (A: five 1s) outside the window; c1 closed 170 days ago: A 5 5 5 4 2,
    B 5 5; c2 closed 30 days ago: A six 5s, B 1 2.
    → 安居 10 of 11 = 90.9% (rank 1; trend 80.0 then 100.0); 二物业 4 answers: hidden, no rank.
    """
    users = world["users"]
    a, b = world["compound"], world["other_compound"]
    second = make_org(OrgKind.PROPERTY_COMPANY, street=world["street"], name="二物业")
    make_contract(b, second)
    third = make_org(OrgKind.PROPERTY_COMPANY, street=world["street"], name="三物业")
    make_org(OrgKind.PROPERTY_COMPANY, street=world["far_street"], name="远方物业")
    by = users[Role.STREET_ADMIN]
    for _ in range(3):
        _request(a, by, days_ago=10)
    _request(a, by, days_ago=5, status=Status.IN_PROGRESS, due_days_ago=1)
    _request(a, by, days_ago=400)
    _request(a, by, days_ago=400, status=Status.ASSIGNED, due_days_ago=399)
    _request(b, by, days_ago=20)
    _request(b, by, days_ago=300)
    db.session.commit()
    secretary = users[Role.PARTY_SECRETARY]
    run_campaign(secretary, [a], {a.id: [1] * 5}, opens=_ago(430), closes=_ago(400), title="c0")
    c1 = run_campaign(secretary, [a, b], {a.id: [5, 5, 5, 4, 2], b.id: [5, 5]}, opens=_ago(200), closes=_ago(170), title="c1")
    c2 = run_campaign(secretary, [a, b], {a.id: [5] * 6, b.id: [1, 2]}, opens=_ago(60), closes=_ago(30), title="c2")
    return {**world, "second": second, "third": third, "c1": c1, "c2": c2,
            "manager": users[Role.PROPERTY_MANAGER], "admin": by}


def test_the_requests_beside_the_streets_companies_by_hand(street, app):
    with app.test_request_context():
        panel = requests_panel(street["admin"], street["company"])
    assert (panel["received"], panel["closed"], panel["closure_rate"], panel["overdue"]) == (4, 3, 75.0, 2)
    assert (panel["closure_rank"], panel["overdue_rank"], panel["of"]) == (2, 3, 3)
    table = {row[0]: (row[4], row[5], row[3], row[6]) for row in panel["table"]}
    assert table == {"安居物业": (75.0, 2, 2, 3), "二物业": (100.0, 1, 0, 1), "三物业": (None, None, 0, 1)}
    assert [row[0] for row in panel["table"]] == ["二物业", "安居物业", "三物业"]


def test_the_satisfaction_trend_and_rank_by_hand(street, app):
    with app.test_request_context():
        panel = satisfaction_panel(street["admin"], street["company"])
        months = opening_months({street["c1"].id, street["c2"].id})
    assert (panel["answers"], panel["satisfaction"], panel["rank"], panel["of"]) == (11, 90.9, 1, 3)
    assert panel["trend"].points == [(months[street["c1"].id], 80.0), (months[street["c2"].id], 100.0)]
    assert [(name, rank, answers, value) for name, rank, answers, value, _own in panel["table"]] == [
        ("安居物业", 1, 11, 90.9), ("三物业", None, 0, None), ("二物业", None, 4, None)]


def test_the_manager_sees_where_the_company_stands_not_the_others_figures(street, app, client):
    with app.test_request_context():
        assert requests_panel(street["manager"], street["company"])["table"] is None
        assert satisfaction_panel(street["manager"], street["company"])["table"] is None
        assert requests_panel(street["users"][Role.COMMUNITY_WORKER], street["company"]) is None
    login_as(client, street["manager"])
    page = client.get(f"/figures/company/{street['company'].id}").text
    assert 'data-testid="company-requests-rank"' in page and 'data-testid="company-satisfaction"' in page
    assert "二物业" not in page and "90.9%" in page and "本街道第 2 / 3" in page


def test_each_company_figure_opens_a_list_whose_count_is_the_figure(street, app, client):
    with app.test_request_context():
        panel = requests_panel(street["manager"], street["company"])
    login_as(client, street["manager"])
    assert _listed(client.get(panel["received_link"]).text) == 4
    assert _listed(client.get(panel["closed_link"]).text) == 3
    assert _listed(client.get(panel["overdue_link"]).text) == 2
    evaluation = client.get(f"/surveys/companies/{street['company'].id}")
    assert evaluation.status_code == 200 and "安居物业" in evaluation.text


def test_the_company_page_costs_the_same_queries_for_more_companies(street, client, count_queries):
    login_as(client, street["admin"])
    url = f"/figures/company/{street['company'].id}"
    before = queries_for(client, url, count_queries)
    for n in range(4):
        company = make_org(OrgKind.PROPERTY_COMPANY, street=street["street"], name=f"新物业{n}")
        compound = make_compound(street["community"], f"新小区{n}", households=5)
        make_contract(compound, company)
        _request(compound, street["admin"], days_ago=3)
        db.session.commit()
        run_campaign(street["users"][Role.PARTY_SECRETARY], [compound], {compound.id: [5, 4, 4, 5, 3]},
                     opens=_ago(80), closes=_ago(50), title=f"新{n}")
    assert queries_for(client, url, count_queries) == before


def test_the_company_organisation_page_links_to_its_figures(street, client):
    login_as(client, street["manager"])
    page = client.get(f"/organisations/{street['company'].id}").text
    assert f"/figures/company/{street['company'].id}" in page
