"""The home page's "below 90%" figure is kept per set of compounds (surveys.todos.closed_below_target):
it must change when a campaign, its compounds or its questions change (the RESULTS stamp), and when
another campaign closes with nothing written (time passing), once that closing has settled."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.core import stamps
from portal.core.clock import aware, now_utc
from portal.extensions import db
from portal.surveys import services
from portal.surveys.todos import RESULTS, SETTLE, BelowTarget, closed_below_target
from tests.surveys.conftest import households, launch, values_for


def _answer(campaign, overalls):
    for home, overall in zip(households(campaign.scopes[0].compound), overalls, strict=False):
        services.submit(campaign, home, values_for(campaign, overall=overall), channel="online")
    db.session.commit()


def _token():
    return db.session.scalar(select(stamps.token_of(RESULTS)))


@pytest.fixture
def low_closed(app, sw):
    """A campaign over the compound, answered below 90%, closed (early) a day ago."""
    campaign = launch(sw, title="上一季度", opens_at=now_utc() - timedelta(days=10))
    _answer(campaign, [5, 5, 4, 3, 2, 4])
    services.close_campaign(campaign, by=sw["secretary"], now=now_utc() - timedelta(days=1))
    db.session.commit()
    return campaign


def test_the_kept_figure_is_reused_until_the_stamp_moves(app, sw, low_closed, count_queries):
    compounds = [sw["compound"].id]
    with app.test_request_context():
        now = now_utc()
        token = _token()
        first = closed_below_target(compounds, now, token)
        assert first == BelowTarget(1, low_closed.id, None)
        count_queries["n"] = 0
        assert closed_below_target(compounds, now + timedelta(days=30), token) == first
        assert count_queries["n"] == 0  # no statement: the figure was kept (past its 30 days nothing closes)
    later = launch(sw, title="本季度", opens_at=now_utc() - timedelta(hours=1))  # a campaign written: the stamp moves
    assert _token() != token
    with app.test_request_context():
        fresh = closed_below_target(compounds, now_utc(), _token())
        assert fresh.low == 1 and fresh.until is not None and fresh.until > aware(later.closes_at)  # the next closing


def test_answers_do_not_move_the_stamp(app, sw, low_closed):
    """Answers need an open campaign, so the figures of closed ones never change with them; a stamp
    moved by every answer in the city would keep nothing while any campaign runs."""
    running = launch(sw, title="本季度")
    before = _token()
    _answer(running, [5, 4])
    assert _token() == before


def test_a_campaign_closing_with_time_replaces_the_figure_once_settled(app, sw, low_closed):
    compounds = [sw["compound"].id]
    now = now_utc()
    good = launch(sw, title="本季度", opens_at=now - timedelta(hours=1), closes_at=now + timedelta(minutes=5))
    _answer(good, [5, 5, 5, 5, 4, 5])
    token = _token()
    with app.test_request_context():
        kept = closed_below_target(compounds, now, token)
        closes = aware(good.closes_at)
        assert kept == BelowTarget(1, low_closed.id, closes + SETTLE)
        # Closed but not settled: an answer checked a moment before may still be committing.
        assert closed_below_target(compounds, closes + SETTLE / 2, token) == kept
        # Settled: the latest closed campaign is the good one, nothing below 90% (nothing was written).
        assert closed_below_target(compounds, closes + SETTLE, token) == BelowTarget(0, None, None)


def test_each_set_of_compounds_has_its_own_figure(app, sw, low_closed):
    with app.test_request_context():
        token, now = _token(), now_utc()
        assert closed_below_target([sw["compound"].id], now, token).low == 1
        assert closed_below_target([sw["other_compound"].id], now, token) == BelowTarget(0, None, None)
        both = closed_below_target([sw["other_compound"].id, sw["compound"].id], now, token)
        assert both == BelowTarget(1, low_closed.id, None)


def test_closing_a_campaign_early_moves_the_stamp(app, sw, low_closed):
    """An early close writes only the campaign's closing time: the figure must follow at once."""
    running = launch(sw, title="本季度")
    _answer(running, [5, 5, 5, 5, 5, 5])
    before = _token()
    with app.test_request_context():
        assert closed_below_target([sw["compound"].id], now_utc(), before).campaign == low_closed.id
    services.close_campaign(running, by=sw["secretary"])
    db.session.commit()
    assert _token() != before
    with app.test_request_context():
        assert closed_below_target([sw["compound"].id], now_utc(), _token()) == BelowTarget(
            0, None, aware(running.closes_at) + SETTLE)
