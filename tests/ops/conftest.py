"""Operations tests (marker `ops`): the portal as it runs in production — gunicorn processes on free
loopback ports, a SQLite file or a private PostgreSQL cluster, Redis for the rate limits — under load,
with faults, and as two instances. Every process is started here and always stopped here.

They do not use TEST_DATABASE_URL: each test builds its own database (SQLite file, or a database in a
throw-away cluster the fault test may restart without disturbing anyone), so `make test` runs them once,
in its first leg. Short forms by default (OPS_CLIENTS=30, OPS_SECONDS=10); `make load` is the long form.
Without redis-server or PostgreSQL's initdb the tests that need them are skipped — except under
CI=true, where they fail: CI installs both (.ci/run).
"""

from __future__ import annotations

import importlib.util
import os
import uuid

import pytest

from tests.ops.servers import PostgresCluster, RedisServer, Site, Unavailable

CLIENTS = int(os.environ.get("OPS_CLIENTS", "30"))
SECONDS = float(os.environ.get("OPS_SECONDS", "10"))
FIGURES: list[str] = []


def missing(message: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message} — CI must run the operations tests", pytrace=False)
    pytest.skip(message)


def pytest_terminal_summary(terminalreporter):
    if FIGURES:
        terminalreporter.section("operations figures (tests/ops)")
        for block in FIGURES:
            terminalreporter.write_line(block)


@pytest.fixture(scope="session")
def postgres_cluster():
    cluster = PostgresCluster()
    try:
        cluster.start()
    except Unavailable as error:
        cluster.stop()
        missing(str(error))
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    try:
        server.start()
    except Unavailable as error:
        missing(str(error))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def gunicorn():
    if importlib.util.find_spec("gunicorn") is None:
        missing("gunicorn is not installed (pip install '.[prod]')")


@pytest.fixture
def sqlite_site(gunicorn, tmp_path):
    site = Site(f"sqlite:///{tmp_path / 'portal.sqlite3'}", tmp_path)
    try:
        yield site
    finally:
        site.stop()


@pytest.fixture
def postgres_site(gunicorn, postgres_cluster, tmp_path):
    site = Site(postgres_cluster.create_database(f"portal_ops_{uuid.uuid4().hex[:8]}"), tmp_path)
    try:
        yield site
    finally:
        site.stop()
