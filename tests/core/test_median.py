"""core.median.median_of and core.hours.hours_between against Python's own arithmetic, on whichever
database the suite runs on (SQLite, or PostgreSQL with TEST_DATABASE_URL): the middle value or the mean
of the two middle ones, NULLs left out, NULL for nothing; hours as `(end - start).total_seconds() / 3600`."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.core.hours import hours_between
from portal.core.median import median_of
from portal.extensions import db
from portal.repairs.models import RepairRequest, Status
from tests.conftest import make_compound, make_user

CREATED = datetime(2026, 3, 31, 15, 30, tzinfo=UTC)


@pytest.fixture
def filed(app):
    """A function filing one request per rating (None: not rated) in a new compound; returns the compound id."""
    by = make_user("填报人")

    def file(ratings, accepted=()):
        compound = make_compound()
        for index, rating in enumerate(ratings):
            later = accepted[index] if index < len(accepted) else None
            db.session.add(RepairRequest(
                compound_id=compound.id, place="1号楼", category="water_power", kind="household", description="测试",
                filed_by_id=by.id, status=Status.CLOSED, rating=rating, created_at=CREATED,
                accepted_at=CREATED + later if later is not None else None))
        db.session.commit()
        return compound.id
    return file


def _median(expression, compound_id):
    return db.session.scalar(select(median_of(expression, RepairRequest.compound_id == compound_id)))


@pytest.mark.parametrize("ratings", [
    [5, 1, 3],  # odd
    [4, 1, 2, 5],  # even: the mean of 2 and 4
    [2, 3],  # even, the mean not a whole number
    [5, 5, 4, 4, 4, 1, 2],  # odd with ties
    [3],  # single
    [None, 4, None, 1, 2, None],  # NULLs left out: the median of 4, 1, 2
    [None, 5, 2],  # NULLs left out, an even count remains
])
def test_the_sql_median_is_pythons(filed, ratings):
    compound_id = filed(ratings)
    expected = statistics.median([r for r in ratings if r is not None])
    assert _median(RepairRequest.rating, compound_id) == expected


@pytest.mark.parametrize("ratings", [[], [None, None]])
def test_no_values_no_median(filed, ratings):
    assert _median(RepairRequest.rating, filed(ratings)) is None


def test_only_the_rows_asked_for_count(filed):
    """Two compounds' rows in one table: each median is of its own rows."""
    first, second = filed([1, 1, 1]), filed([5, 4])
    assert (_median(RepairRequest.rating, first), _median(RepairRequest.rating, second)) == (1, 4.5)


def test_hours_between_two_datetimes_and_their_median_as_python_computes_them(filed):
    """Seconds and odd minutes, over a day, a NULL end: the same hours (to the millisecond's rounding of
    SQLite's julianday) and, rounded to one decimal as the figures are, the same median."""
    durations = [timedelta(minutes=47), timedelta(hours=3, seconds=1), timedelta(days=2, hours=1, minutes=6),
                 timedelta(seconds=59), None, timedelta(hours=7, minutes=30, milliseconds=250)]
    compound_id = filed([None] * len(durations), durations)
    hours = db.session.scalars(select(hours_between(RepairRequest.created_at, RepairRequest.accepted_at))
                               .where(RepairRequest.compound_id == compound_id).order_by(RepairRequest.id)).all()
    python = [d.total_seconds() / 3600 if d is not None else None for d in durations]
    assert hours[4] is None
    assert [h for h in hours if h is not None] == pytest.approx([h for h in python if h is not None], abs=1e-9)
    median = _median(hours_between(RepairRequest.created_at, RepairRequest.accepted_at), compound_id)
    expected = statistics.median([h for h in python if h is not None])
    assert median == pytest.approx(expected, abs=1e-9) and round(median, 1) == round(expected, 1)
