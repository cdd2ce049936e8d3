"""The request section's medians and month-by-month satisfaction, now computed by the database, equal
what the section computed in Python before (every request of the period read, subtracted and bucketed
by local month there), on requests around local month boundaries: 2026-03-31 23:30 in Shanghai is
15:30 UTC and a March request; 2026-04-01 00:30 in Shanghai is still 31 March in UTC and an April one."""

from __future__ import annotations

import statistics
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.core.clock import TZ, aware
from portal.core.indicators import Period, PeriodKind, months_of, rate
from portal.extensions import db
from portal.repairs.indicators import SATISFIED, area_condition, received_in, requests_section
from portal.repairs.models import RepairRequest, Status
from tests.conftest import login_as, queries_for
from tests.dashboard.test_figures import _area, _request, town  # noqa: F401  (the hand-built community)

SPRING = Period(PeriodKind.CUSTOM, date(2026, 2, 15), date(2026, 4, 30))


@pytest.fixture(autouse=True)
def _links(app):
    with app.test_request_context():
        yield


def _python_figures(area, period):
    """The section's former Python computation, kept here as the reference."""
    timings = db.session.execute(select(RepairRequest.created_at, RepairRequest.accepted_at,
                                        RepairRequest.resolved_at, RepairRequest.rating)
                                 .where(area_condition(area, period.last), received_in(period))).all()

    def median_hours(pairs):
        hours = [(aware(end) - aware(start)).total_seconds() / 3600 for start, end in pairs if start and end]
        return round(statistics.median(hours), 1) if hours else None

    counts = {month: [0, 0] for month in months_of(period)}
    for created, _accepted, _resolved, rating in timings:
        local = aware(created).astimezone(TZ)
        if rating is not None and (local.year, local.month) in counts:
            counts[local.year, local.month][0] += rating >= SATISFIED
            counts[local.year, local.month][1] += 1
    return (median_hours((c, a) for c, a, _r, _g in timings), median_hours((c, r) for c, _a, r, _g in timings),
            [rate(*counts[month]) for month in months_of(period)])


def _sql_figures(area, period):
    section = requests_section(area, period)
    values = {figure.key: figure.value for figure in section.figures}
    return (values["repairs.response_hours"], values["repairs.resolution_hours"],
            [value for _label, value in section.trend.points])


def test_medians_and_the_trend_equal_the_former_python_computation_across_local_month_ends(town):  # noqa: F811
    c1, c2 = town["compounds"][:2]
    by = town["admin"]
    at = [
        (datetime(2026, 2, 15, 0, 0, tzinfo=TZ), 5, 0.75, 30),  # the period's first local minute
        (datetime(2026, 2, 28, 23, 59, tzinfo=TZ), 2, 1.5, None),
        (datetime(2026, 3, 1, 0, 0, tzinfo=TZ), 4, None, None),  # 2026-02-28 16:00 UTC: March
        (datetime(2026, 3, 31, 15, 30, tzinfo=UTC), 1, 2.25, 47.5),  # 23:30 in Shanghai: March
        (datetime(2026, 3, 31, 16, 30, tzinfo=UTC), 5, 3, 12),  # 00:30 on 1 April in Shanghai: April
        (datetime(2026, 4, 12, 9, 0, tzinfo=TZ), None, 0.1, 2),
        (datetime(2026, 4, 30, 23, 59, 59, tzinfo=TZ), 4, 5, None),
        (datetime(2026, 5, 1, 0, 0, tzinfo=TZ), 1, 99, 99),  # after the period
        (datetime(2026, 2, 14, 23, 59, tzinfo=TZ), 1, 99, 99),  # before it
    ]
    for index, (created, rating, accepted, resolved) in enumerate(at):
        _request(c1 if index % 2 else c2, by, created=created, status=Status.CLOSED if rating else Status.IN_PROGRESS,
                 rating=rating, accepted_hours=accepted, resolved_hours=resolved,
                 category="heating" if index % 3 else "water_power")
    db.session.commit()

    area = _area(town["community"])
    expected = _python_figures(area, SPRING)
    assert _sql_figures(area, SPRING) == expected
    # Worked by hand: response 0.75, 1.5, 2.25, 3, 0.1, 5 → (1.5 + 2.25) / 2; resolution 30, 47.5, 12, 2 → 21;
    # February 1 of 2 satisfied, March 1 of 2 (the 23:30 request is March's), April 2 of 2.
    assert expected == (1.9, 21.0, [50.0, 50.0, 100.0])


def test_one_request_or_none_still_agree(town):  # noqa: F811
    area = _area(town["community"])
    assert _sql_figures(area, SPRING) == _python_figures(area, SPRING) == (None, None, [None, None, None])
    _request(town["compounds"][0], town["admin"], created=datetime(2026, 3, 31, 15, 30, tzinfo=UTC),
             status=Status.CLOSED, rating=4, accepted_hours=1 + 1 / 60, resolved_hours=None)
    db.session.commit()
    assert _sql_figures(area, SPRING) == _python_figures(area, SPRING) == (1.0, None, [None, 100.0, None])


def test_months_are_local_even_when_utc_says_otherwise(town):  # noqa: F811
    """Each of these is in the next local month but the previous UTC one."""
    area = _area(town["community"])
    for day in (date(2026, 3, 1), date(2026, 4, 1)):
        _request(town["compounds"][0], town["admin"], status=Status.CLOSED, rating=5,
                 created=datetime.combine(day, datetime.min.time(), TZ) + timedelta(minutes=1))
    db.session.commit()
    assert _sql_figures(area, SPRING)[2] == _python_figures(area, SPRING)[2] == [None, 100.0, 100.0]


def test_closed_requests_count_by_when_they_were_received_not_closed(town):  # noqa: F811
    """The section reads closed requests by their closing time from the period's start on: one received
    in the period and closed long after it counts, one received before and closed in it does not, and
    one stored closed without a closing time (hand-made data) still counts."""
    c1, by = town["compounds"][0], town["admin"]
    inside = datetime(2026, 3, 10, 9, 0, tzinfo=TZ)
    late = _request(c1, by, created=inside, status=Status.CLOSED, rating=5, resolved_hours=2)
    late.closed_at = datetime(2026, 9, 1, tzinfo=UTC)
    early = _request(c1, by, created=datetime(2026, 2, 14, 23, 0, tzinfo=TZ), status=Status.CLOSED, rating=1)
    early.closed_at = datetime(2026, 3, 1, tzinfo=UTC)
    _request(c1, by, created=inside, status=Status.CLOSED, rating=4, resolved_hours=4)  # no closed_at
    _request(c1, by, created=inside, status=Status.IN_PROGRESS, accepted_hours=1)
    db.session.commit()
    area = _area(town["community"])
    section = requests_section(area, SPRING)
    values = {figure.key: figure.value for figure in section.figures}
    assert (values["repairs.received"], values["repairs.closed"], values["repairs.resolution_hours"]) == (3, 2, 3.0)
    assert _sql_figures(area, SPRING) == _python_figures(area, SPRING)


def test_the_street_page_costs_the_same_statements_for_more_requests(town, client, count_queries):  # noqa: F811
    """The period's requests are aggregated by the database: a hundred more, over several months, cost no
    statement more (nor does the page read them)."""
    login_as(client, town["admin"])
    url = f"/figures/street/{town['street'].id}?period=custom&from=2026-02-15&to=2026-04-30"
    before = queries_for(client, url, count_queries)
    for n in range(100):
        _request(town["compounds"][n % 3], town["admin"], created=datetime(2026, 2, 15, tzinfo=TZ) + timedelta(hours=17 * n),
                 status=Status.CLOSED if n % 2 else Status.IN_PROGRESS, rating=n % 5 + 1 if n % 2 else None,
                 accepted_hours=n % 7, resolved_hours=n % 11 + 1 if n % 2 else None)
    db.session.commit()
    assert queries_for(client, url, count_queries) == before
