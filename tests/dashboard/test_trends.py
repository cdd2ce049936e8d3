"""The trends drawn on the figures pages, worked out by hand: requesters' satisfaction month by month (by
the month a request came in) and survey satisfaction round by round, with k = 5 as everywhere."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from portal.core.clock import TZ
from portal.core.indicators import Area, Period, PeriodKind, month
from portal.extensions import db
from portal.orgs.models import Role
from portal.repairs.indicators import requests_section
from portal.repairs.models import Status
from portal.surveys.indicators import surveys_section
from tests.conftest import login_as
from tests.dashboard.test_figures import _area, _request, town  # noqa: F401  (the hand-built community)
from tests.surveys.test_figures import run_campaign

ACROSS = Period(PeriodKind.CUSTOM, date(2025, 11, 15), date(2026, 1, 10))


@pytest.fixture(autouse=True)
def _links(app):
    with app.test_request_context():
        yield


def test_requesters_satisfaction_month_by_month_across_a_year_end(town):  # noqa: F811
    c1, by = town["compounds"][0], town["admin"]
    _request(c1, by, created=datetime(2025, 11, 15, 0, 0, tzinfo=TZ), status=Status.CLOSED, rating=5)
    _request(c1, by, created=datetime(2025, 11, 30, 23, 59, tzinfo=TZ), status=Status.CLOSED, rating=2)
    _request(c1, by, created=datetime(2025, 12, 3, 9, 0, tzinfo=TZ), status=Status.CLOSED)  # closed, not rated
    _request(c1, by, created=datetime(2026, 1, 1, 0, 0, tzinfo=TZ), status=Status.CLOSED, rating=4)
    _request(c1, by, created=datetime(2026, 1, 11, 0, 0, tzinfo=TZ), status=Status.CLOSED, rating=1)  # after the period
    _request(c1, by, created=datetime(2025, 11, 14, 23, 59, tzinfo=TZ), status=Status.CLOSED, rating=1)  # before it
    db.session.commit()

    trend = requests_section(_area(town["community"]), ACROSS).trend
    assert trend.kind == "line" and trend.target == 90
    assert trend.points == [("11月", 50.0), ("12月", None), ("1月", 100.0)]
    assert requests_section(_area(town["community"]), month(date(2025, 11, 1))).trend is None, "one month: no trend"


def test_survey_satisfaction_round_by_round_pools_the_rounds_campaigns(world):
    """October: 阳光花园 5 5 5 4 2 → 4 of 5 = 80%. January: 阳光花园 six 5s and, in a second campaign opened
    the same month, 锦绣家园 1 1 → 6 of 8 = 75%. 锦绣家园 alone (2 answers) would be hidden; pooled it counts."""
    secretary = world["users"][Role.PARTY_SECRETARY]
    a, b = world["compound"], world["other_compound"]
    run_campaign(secretary, [a], {a.id: [5, 5, 5, 4, 2]}, opens=datetime(2025, 10, 10, 9, tzinfo=TZ),
                 closes=datetime(2025, 10, 31, 9, tzinfo=TZ))
    run_campaign(secretary, [a], {a.id: [5] * 6}, opens=datetime(2026, 1, 5, 9, tzinfo=TZ),
                 closes=datetime(2026, 1, 25, 9, tzinfo=TZ))
    run_campaign(secretary, [b], {b.id: [1, 1]}, opens=datetime(2026, 1, 6, 9, tzinfo=TZ),
                 closes=datetime(2026, 1, 26, 9, tzinfo=TZ))
    area = Area("community", world["community"].id, world["community"].name, (world["community"].id,))
    period = Period(PeriodKind.CUSTOM, date(2025, 10, 1), date(2026, 1, 31))

    trend = surveys_section(area, period).trend
    assert trend.points == [("2025-10", 80.0), ("2026-01", 75.0)] and trend.target == 90
    january = Period(PeriodKind.CUSTOM, date(2026, 1, 1), date(2026, 1, 31))
    assert surveys_section(area, january).trend is None, "one round: no trend"


def test_the_figures_page_draws_the_trend_with_its_numbers(town, client):  # noqa: F811
    c1, by = town["compounds"][0], town["admin"]
    _request(c1, by, created=datetime(2025, 11, 20, 9, tzinfo=TZ), status=Status.CLOSED, rating=5)
    db.session.commit()
    login_as(client, town["admin"])
    page = client.get(f"/figures/community/{town['community'].id}?period=year&year=2025").text
    assert 'data-chart="trend-repairs-requests"' in page and 'data-trend="repairs.requests"' in page
    assert "<td>11月</td><td>100.0</td>" in page
