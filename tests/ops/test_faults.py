"""Faults in the middle of the load.

PostgreSQL restarted: requests caught by the restart answer 503 + Retry-After (never a 500, never a
dropped connection), the portal answers again within 5 s of the database without restarting anything of
its own (pool_pre_ping replaces the dead connections), and no acknowledged write is lost.

A gunicorn worker killed (SIGKILL) mid-request: the requests it was serving get no answer, and leave
either everything (the request row, its timeline entries, its photo rows and files) or nothing; a photo
file written before the kill but never committed is removed by the `repairs.photo_orphans` task.
"""

from __future__ import annotations

import pytest

from tests.ops import scenarios
from tests.ops.conftest import CLIENTS, FIGURES, SECONDS

pytestmark = pytest.mark.ops


def test_postgres_restart_mid_load(postgres_cluster, postgres_site):
    result = scenarios.postgres_restart(postgres_site, postgres_cluster, CLIENTS, max(SECONDS, 12))
    FIGURES.append(result.figures)
    stats, verdict, facts = result.stats, result.verdict, result.facts
    recovered = facts["recovered"]
    assert recovered is not None and recovered <= scenarios.RECOVERY_SECONDS, result.figures
    assert facts["workers_after"] == facts["workers_before"], "the portal recovered by restarting workers"
    assert not stats.server_errors, stats.server_errors[:5]  # 503 + Retry-After only
    assert not result.logged_errors, result.logged_errors
    assert not stats.failures, stats.failures[:5]  # every request got an answer
    assert all(t <= facts["restart"] + recovered + 1 for t in facts["outage"]), facts["outage"]
    assert verdict.ok and verdict.found == verdict.acked, (verdict.missing[:10], verdict.broken[:10])


def test_worker_killed_mid_request_leaves_nothing_half_written(sqlite_site):
    result = scenarios.killed_workers(sqlite_site, min(CLIENTS, 20), SECONDS)
    FIGURES.append(result.figures)
    stats, verdict, facts = result.stats, result.verdict, result.facts
    assert len(facts["kills"]) >= 3
    assert facts["integrity"] == "ok"
    assert not verdict.missing and not verdict.broken, (verdict.missing[:10], verdict.broken[:10])
    assert not stats.server_errors, stats.server_errors[:5]
    assert not [f for f in stats.failures if f[1].startswith("script:")], stats.failures[:5]
    assert len(verdict.orphan_files) <= len(facts["kills"]) * facts["threads"]
    assert f"repairs.photo_orphans: {{'removed': {len(verdict.orphan_files)}}}" in facts["swept"], facts["swept"]
    assert facts["cleaned"]["files"] == facts["cleaned"]["request_photo"] == facts["after"]["request_photo"]
