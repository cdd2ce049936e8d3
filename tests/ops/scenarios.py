"""The load and fault scenarios, shared by the short forms (tests/ops, in `make test`) and the long form
(`make load`, tests/load.py). Each serves a prepared `Site`, runs the load, stops the servers and checks
the database; the caller asserts on the result or prints its figures."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import time
from dataclasses import dataclass, field

from tests.ops import load
from tests.ops.browser import Browser
from tests.ops.servers import PostgresCluster, Site, flask

RECOVERY_SECONDS = 5
STABLE = 12  # answers in a row, each on a new connection (so from the workers in turn), that count as recovered
MAX_KILLS = 8


@dataclass
class Result:
    label: str
    stats: load.Stats
    verdict: load.Verdict
    logged_errors: list[str]
    notes: list[str] = field(default_factory=list)
    facts: dict = field(default_factory=dict)

    @property
    def figures(self) -> str:
        return "\n".join([load.report(self.label, self.stats, self.verdict),
                          *(f"[{self.label}] {note}" for note in self.notes)])


def mixed_load(site: Site, clients: int, seconds: float, *, workers: int = 3, threads: int = 4,
               label: str | None = None) -> Result:
    """Mixed reads and writes; afterwards every acknowledged write must be found."""
    server = site.serve(workers=workers, threads=threads)
    stats = load.LoadRun([server.base], clients, seconds, tag="load").run()
    site.stop()  # everything written is on disk and every worker has finished
    verdict = load.verify(site.database_url, site.uploads, stats.acks, "load")
    label = label or f"load {site.kind}, {clients} clients, {seconds:.0f} s, {workers}×{threads} gthread"
    return Result(label, stats, verdict, site.logged_errors())


def recovery(probe: Browser, since: float, timeout: float) -> float | None:
    """Seconds from `since` until a database-backed page answers 200 STABLE times in a row."""
    streak, first = 0, None
    while time.monotonic() - since < timeout:
        probe.close()  # a new connection: the next worker to accept it
        try:
            ok = probe.get("/repairs/").status == 200
        except OSError:
            ok = False
        if ok:
            streak, first = streak + 1, first or time.monotonic()
            if streak >= STABLE:
                return max(first - since, 0.0)
        else:
            streak, first = 0, None
        time.sleep(0.05)
    return None


def postgres_restart(site: Site, cluster: PostgresCluster, clients: int, seconds: float, *,
                     after: float = 3.0) -> Result:
    """PostgreSQL restarted `after` seconds into the load (pg_ctl restart -m fast, what
    `pg_ctlcluster … restart` does); a logged-in probe measures when the portal answers again."""
    server = site.serve()
    workers = sorted(server.worker_pids())
    probe = Browser(server.base)
    if probe.login("demo_street", load.DEMO_PASSWORD).status != 303:
        raise RuntimeError("the probe could not log in")
    seen: dict = {}

    def restart(run):
        time.sleep(after)
        seen["began"] = time.monotonic()
        cluster.restart()
        seen["back"] = time.monotonic()
        seen["recovered"] = recovery(probe, seen["back"], timeout=4 * RECOVERY_SECONDS)

    stats = load.LoadRun([server.base], clients, seconds, tag="restart").run(restart)
    still = sorted(server.worker_pids())
    site.stop()
    probe.close()
    verdict = load.verify(site.database_url, site.uploads, stats.acks, "restart")
    outage = [t - seen["began"] for t, _path in stats.unavailable]
    recovered = seen["recovered"]
    notes = [f"restart took {seen['back'] - seen['began']:.2f} s; the portal answered again "
             f"{'never' if recovered is None else f'{recovered:.2f} s'} after PostgreSQL was back "
             f"(limit {RECOVERY_SECONDS} s); {len(outage)} answers were 503 + Retry-After, "
             f"{min(outage, default=0):.2f}–{max(outage, default=0):.2f} s after the restart began; "
             f"workers restarted: {len(set(workers) - set(still))}"]
    return Result(f"PostgreSQL restarted mid-load, {clients} clients", stats, verdict, site.logged_errors(), notes,
                  {"recovered": recovered, "outage": outage, "restart": seen["back"] - seen["began"],
                   "workers_before": workers, "workers_after": still})


def killed_workers(site: Site, clients: int, seconds: float) -> Result:
    """Workers SIGKILLed mid-request, photo-heavy load; then the periodic task removes what they left."""
    server = site.serve()
    before = load.database_counts(site.database_url, site.uploads)
    kills: list[int] = []

    def kill_workers(run):
        rng = random.Random(7)
        while time.monotonic() < run.deadline - 1 and len(kills) < MAX_KILLS:
            time.sleep(rng.uniform(0.4, 1.0))
            pids = server.worker_pids()  # this master's own workers, read from /proc
            if pids:
                pid = rng.choice(pids)
                os.kill(pid, signal.SIGKILL)
                kills.append(pid)

    stats = load.LoadRun([server.base], clients, seconds, tag="kill", photo_share=0.8).run(kill_workers)
    site.stop()
    verdict = load.verify(site.database_url, site.uploads, stats.acks, "kill")
    after = load.database_counts(site.database_url, site.uploads)
    integrity = "not SQLite"
    if site.kind == "sqlite":
        conn = sqlite3.connect(site.database_url.removeprefix("sqlite:///"))
        try:
            integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
            if conn.execute("PRAGMA foreign_key_check").fetchall():
                integrity = "rows refer to rows that do not exist"
        finally:
            conn.close()
    # what the killed requests wrote but never committed, aged past the task's hour
    then = time.time() - 2 * 3600
    for name in verdict.orphan_files:
        os.utime(site.uploads / name, (then, then))
    swept = flask(site.env, "tasks", "--force").stdout
    cleaned = load.database_counts(site.database_url, site.uploads)
    notes = [f"{len(kills)} workers killed; requests without an answer {len(stats.failures)}; "
             f"database check: {integrity}",
             f"rows before → after: requests {before['repair_request']} → {after['repair_request']}, timeline "
             f"{before['request_event']} → {after['request_event']}, photos {before['request_photo']} → "
             f"{after['request_photo']}; files {before['files']} → {after['files']} → {cleaned['files']} after "
             f"`flask tasks` (repairs.photo_orphans removed {len(verdict.orphan_files)} left by killed requests)"]
    return Result(f"workers killed mid-load, {clients} clients", stats, verdict, site.logged_errors(), notes,
                  {"kills": kills, "threads": server.threads, "integrity": integrity, "swept": swept,
                   "after": after, "cleaned": cleaned})
