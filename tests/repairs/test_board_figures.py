"""The board's figures of a compound's last 90 days in one statement, the median time to resolve
computed by the database: the same numbers Python's statistics.median gives."""

from __future__ import annotations

import statistics
from datetime import timedelta

import pytest

from portal.core.clock import now_utc
from portal.extensions import db
from portal.repairs.models import RepairRequest, Status
from portal.repairs.queries import closed_figures
from tests.conftest import make_compound, make_user


def _closed(compound, by, now, *, days_ago, hours, rating=None, status=Status.CLOSED):
    created = now - timedelta(days=days_ago, hours=hours)
    db.session.add(RepairRequest(
        compound_id=compound.id, place="1号楼", category="water_power", kind="household", description="测试",
        filed_by_id=by.id, status=status, rating=rating, created_at=created,
        resolved_at=created + timedelta(hours=hours), closed_at=now - timedelta(days=days_ago)))


@pytest.mark.parametrize("hours", [[3, 50.5, 7], [3, 50.5, 7, 12.25], [0.5]])
def test_closed_figures_with_the_median_in_sql(app, hours):
    now, by, compound = now_utc(), make_user("填报人"), make_compound()
    for index, h in enumerate(hours):
        _closed(compound, by, now, days_ago=index + 1, hours=h, rating=(5, 3, None, 4)[index % 4])
    _closed(compound, by, now, days_ago=91, hours=1000, rating=1)  # closed before the 90 days
    _closed(compound, by, now, days_ago=2, hours=1000, rating=1, status=Status.IN_PROGRESS)  # not closed
    db.session.commit()
    figures = closed_figures(compound.id, now)
    ratings = [(5, 3, None, 4)[index % 4] for index in range(len(hours))]
    rated = [r for r in ratings if r is not None]
    assert figures["closed"] == len(hours) and figures["rated"] == len(rated)
    assert figures["satisfaction"] == round(100 * sum(r >= 4 for r in rated) / len(rated))
    assert figures["median_hours"] == pytest.approx(statistics.median(hours), abs=1e-9)


def test_no_closed_requests_no_median(app):
    assert closed_figures(make_compound().id, now_utc()) == {"closed": 0, "rated": 0, "satisfaction": None,
                                                           "median_hours": None}
