"""The long form of the operations tests: `make load` (or `python -m tests.load --help`).

200 clients for 60 s of mixed reads and writes against gunicorn on a SQLite file and on PostgreSQL (a
private throw-away cluster), then PostgreSQL restarted in the middle of that load, then workers killed
mid-request. Prints throughput, p50/p95, error counts, acknowledged writes against what the database
holds, and the recovery time; exits 1 if a server error appeared or an acknowledged write is missing.
Everything runs on 127.0.0.1 and stops by itself. The short forms run in `make test` (tests/ops).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

from tests.ops import scenarios
from tests.ops.servers import PostgresCluster, Site, Unavailable

SCENARIOS = ("sqlite", "postgresql", "restart", "kill")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (gthread)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    parser.add_argument("--only", choices=SCENARIOS, action="append",
                        help="run only this scenario (repeatable); default: all of " + ", ".join(SCENARIOS))
    args = parser.parse_args(argv)
    chosen = args.only or list(SCENARIOS)
    print(f"== {args.clients} clients, {args.seconds:.0f} s each; gunicorn {args.workers} gthread workers × "
          f"{args.threads} threads on 127.0.0.1; {os.cpu_count()} cores", flush=True)

    failed = False
    work = Path(tempfile.mkdtemp(prefix="portal-load-"))
    cluster = None
    try:
        if {"postgresql", "restart"} & set(chosen):
            try:
                cluster = PostgresCluster().start()
            except Unavailable as error:
                print(f"PostgreSQL scenarios skipped: {error}")
                chosen = [c for c in chosen if c not in ("postgresql", "restart")]
        for name in chosen:
            folder = work / name
            folder.mkdir()
            started = time.monotonic()
            if name in ("sqlite", "kill"):
                site = Site(f"sqlite:///{folder / 'portal.sqlite3'}", folder)
            else:
                site = Site(cluster.create_database(f"portal_load_{uuid.uuid4().hex[:8]}"), folder)
            try:
                if name == "restart":
                    result = scenarios.postgres_restart(site, cluster, args.clients, args.seconds,
                                                        after=min(10.0, args.seconds / 3))
                elif name == "kill":
                    result = scenarios.killed_workers(site, args.clients, args.seconds)
                else:
                    result = scenarios.mixed_load(site, args.clients, args.seconds, workers=args.workers,
                                                  threads=args.threads)
            finally:
                site.stop()
            print(f"\n{result.figures}\n{result.stats.routes()}", flush=True)
            problems = _problems(name, result)
            for problem in problems:
                print(f"  !! {problem}")
            failed |= bool(problems)
            kept = f"; logs kept in {folder / 'logs'}" if problems else ""
            print(f"   ({time.monotonic() - started:.0f} s with setup{kept})", flush=True)
    finally:
        if cluster is not None:
            cluster.stop()
        if not failed:
            shutil.rmtree(work, ignore_errors=True)
    print("\n== " + ("FAILED: see !! above" if failed else "all acknowledged writes found, no server error"))
    return 1 if failed else 0


def _problems(name: str, result: scenarios.Result) -> list[str]:
    stats, verdict = result.stats, result.verdict
    problems = [*result.logged_errors]
    if stats.server_errors:
        problems.append(f"{len(stats.server_errors)} server errors: {stats.server_errors[:5]}")
    if stats.unavailable and name != "restart":
        problems.append(f"{len(stats.unavailable)} answers were 503")
    if verdict.missing or verdict.broken:
        problems.append(f"missing {verdict.missing[:5]}; half-written {verdict.broken[:5]}")
    if name != "kill" and verdict.orphan_files:
        problems.append(f"photo files without a row: {verdict.orphan_files[:5]}")
    if name == "restart":
        recovered = result.facts["recovered"]
        if recovered is None or recovered > scenarios.RECOVERY_SECONDS:
            problems.append(f"recovery took {recovered} s")
    return problems


if __name__ == "__main__":
    sys.exit(main())
