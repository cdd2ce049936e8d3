"""The benchmark's database: a SQLite file in a temporary folder, or a PostgreSQL database made with
`createdb` over the local socket and dropped afterwards; migrated, then the demo or the city loaded
with the portal's own commands (`flask db upgrade`, `flask demo`, `flask city --scale F`)."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from tests.ops.servers import flask, portal_env

BUILD_TIMEOUT = 3600


@contextlib.contextmanager
def database(kind: str, folder: Path) -> Iterator[str]:
    """A fresh, empty database URL of `kind` (sqlite or postgres), removed on exit."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'bench.sqlite3'}"
        return
    if shutil.which("createdb") is None:
        raise RuntimeError("createdb not found: PostgreSQL client tools are needed for --db postgres")
    name = f"portal_bench_{uuid.uuid4().hex[:8]}"
    subprocess.run(["createdb", name], check=True)
    try:
        yield f"postgresql+psycopg:///{name}"
    finally:
        subprocess.run(["dropdb", "--if-exists", "--force", name], check=False)


def bench_env(database_url: str, folder: Path) -> dict[str, str]:
    """The portal's environment: production settings, no periodic tasks in requests, SQL counted."""
    return portal_env(database_url, folder / "uploads", DATABASE_URL=database_url, PORTAL_TASKS_IN_WEB="0",
                      PORTAL_QUERY_HEADER="1")


def build(env: dict[str, str], scale: str, city_scale: float) -> float:
    """Migrate and load; the seconds it took."""
    started = time.monotonic()
    flask(env, "db", "upgrade", timeout=BUILD_TIMEOUT)
    if scale == "demo":
        flask(env, "demo", "--no-print-logins", timeout=BUILD_TIMEOUT)
        url = env["DATABASE_URL"]
        if url.startswith("postgresql"):  # as autovacuum does within a minute of the load (`flask city` does it itself)
            subprocess.run(["psql", "-q", "-d", url.rsplit("/", 1)[1], "-c", "ANALYZE"], check=True,
                           timeout=BUILD_TIMEOUT)
    else:
        flask(env, "city", "--scale", str(city_scale), timeout=BUILD_TIMEOUT)
    return time.monotonic() - started
