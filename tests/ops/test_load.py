"""Load: OPS_CLIENTS clients (30) for OPS_SECONDS (10 s) against gunicorn (3 gthread workers × 4 threads)
on a SQLite file and on PostgreSQL, the demo loaded: no server error, and every acknowledged write is in
the database afterwards. The long form is `make load` (200 clients, 60 s)."""

from __future__ import annotations

import pytest

from portal.demo import demo_logins
from tests.ops import load, scenarios
from tests.ops.conftest import CLIENTS, FIGURES, SECONDS

pytestmark = pytest.mark.ops

#: each step of the loop must have been acknowledged at least once, or the mix did not run (a rating
#: either closes the request or, not satisfied, reopens it)
STEPS = (("filed",), ("assigned",), ("accepted",), ("resolved",), ("evaluated", "reopened"))


def test_the_load_logs_in_as_the_demo_does():
    logins = {username for _label, username, _password in demo_logins()}
    assert {"demo_resident", "demo_staff", "demo_manager", *load.READERS} <= logins


def check(result: scenarios.Result, clients: int) -> None:
    FIGURES.append(result.figures)
    stats, verdict = result.stats, result.verdict
    assert stats.logins == clients, stats.failures[:5]
    assert not stats.server_errors and not stats.unavailable, stats.summary()
    assert not result.logged_errors, result.logged_errors
    assert not stats.failures, stats.failures[:5]
    acked = stats.acked()
    assert all(any(acked[a] for a in step) for step in STEPS), f"a step of the loop was never acknowledged: {acked}"
    assert verdict.ok, (verdict.missing[:10], verdict.broken[:10], verdict.orphan_files[:10])
    assert verdict.found == verdict.acked == len(stats.acks)


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_mixed_load_keeps_every_acknowledged_write(database, request):
    site = request.getfixturevalue("sqlite_site" if database == "sqlite" else "postgres_site")
    check(scenarios.mixed_load(site, CLIENTS, SECONDS), CLIENTS)
