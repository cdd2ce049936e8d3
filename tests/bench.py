"""The served benchmark: `make bench` (BENCH_ARGS="--scale demo --rounds 1"), or `python -m tests.bench --help`.

For each database (SQLite file, PostgreSQL via `createdb`) and scale (the demo community; a city from
`flask city --scale F`), it builds the database, serves the portal with gunicorn (2 sync workers) beside a
bare Flask "hello" and a Flask-Admin list of the same `repair_request` table served the same way, logs in
the demo roles and measures each key page in interleaved rounds: a burst on the portal, then on hello
(and on Flask-Admin for the queues), so all three share the machine's state. It prints req/s, the share
of hello's req/s, p50/p95, the SQL statements the page ran (`X-Queries`, PORTAL_QUERY_HEADER=1), KB raw
and gzipped, ours ÷ Flask-Admin, and city ÷ demo; it times the street's monthly report (.xlsx) and
saves everything as JSON in /tmp. Figures are printed, never asserted: the machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from portal.demo import DEMO_PASSWORD
from tests.benchmarks import measure, tables
from tests.benchmarks.admin import PATH as ADMIN_PATH
from tests.benchmarks.database import bench_env, build, database
from tests.benchmarks.pages import LOGINS, PAGES, discover
from tests.benchmarks.report import monthly_report
from tests.benchmarks.servers import serve_all, stop_all
from tests.ops.browser import Browser


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=("demo", "city", "both"), default="both")
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="sqlite")
    parser.add_argument("--city-scale", type=float, default=1.0, help="passed to `flask city --scale`")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds over every page")
    parser.add_argument("--seconds", type=float, default=3.0, help="length of one burst")
    parser.add_argument("--clients", type=int, default=measure.CLIENTS, help="concurrent clients per burst")
    parser.add_argument("--only", action="append", help="measure only pages whose name contains this")
    parser.add_argument("--json", type=Path, help="where to save the figures (default /tmp/portal-bench-….json)")
    parser.add_argument("--baseline", type=Path,
                        help="a saved JSON whose demo figures the city ones are compared with (--scale city)")
    args = parser.parse_args(argv)
    kinds = ("sqlite", "postgres") if args.db == "both" else (args.db,)
    scales = ("demo", "city") if args.scale == "both" else (args.scale,)
    out = args.json or Path(tempfile.gettempdir()) / f"portal-bench-{time.strftime('%Y%m%d-%H%M%S')}.json"
    print(f"== {os.cpu_count()} cores; gunicorn 2 sync workers per app; {args.clients} clients per burst; "
          f"{args.rounds} rounds × {args.seconds:.0f} s; city scale {args.city_scale}", flush=True)
    results: dict = {"args": {k: str(v) for k, v in vars(args).items()}, "databases": defaultdict(dict)}
    for kind in kinds:
        for scale in scales:
            print(f"-- {kind}, {scale}: building …", flush=True)
            try:
                # the city's pages are those of the demo's ids where the city has them (it holds the demo)
                earlier = results["databases"][kind].get("demo", {}).get("ids")
                results["databases"][kind][scale] = run_one(kind, scale, args, earlier)
            except RuntimeError as error:  # a build or a server that failed: said, and the next leg runs
                print(f"   !! {kind}, {scale} failed: {str(error)[-2000:]}", flush=True)
                results["databases"][kind][scale] = {"error": str(error)[-2000:]}
            out.write_text(json.dumps(results, indent=1, ensure_ascii=False))
        shown = results["databases"][kind]
        if args.baseline and "demo" not in shown:
            saved = json.loads(args.baseline.read_text())["databases"].get(kind, {})
            shown = {**shown, **({"demo": saved["demo"]} if "demo" in saved else {})}
        print("\n" + tables.table(kind, shown) + "\n", flush=True)
    print(f"figures saved in {out}")
    return 0


def run_one(kind: str, scale: str, args, earlier: dict | None = None) -> dict:
    with tempfile.TemporaryDirectory(prefix="portal-bench-") as tmp, database(kind, Path(tmp)) as url:
        env = bench_env(url, Path(tmp))
        built = build(env, scale, args.city_scale)
        print(f"   built in {built:.0f} s; serving …", flush=True)
        servers = serve_all(env, Path(tmp) / "logs")
        try:
            figures = measure_site(servers, args, earlier)
        finally:
            stop_all(servers)
        logged = [f"{name}: {line}" for name, server in servers.items() for line in server.server_errors()[:3]]
        return {"build_seconds": built, **figures, "server_errors": logged}


def measure_site(servers, args, earlier: dict | None = None) -> dict:
    sessions = {login: Browser(servers["portal"].base, timeout=300) for login in LOGINS}
    for login, session in sessions.items():
        answer = session.login(login, DEMO_PASSWORD)
        if answer.status != 303:
            raise RuntimeError(f"{login} could not log in: {answer.status}")
    ids = discover(sessions, earlier)
    hello, admin = Browser(servers["hello"].base), Browser(servers["admin"].base, timeout=300)
    pages = [p for p in PAGES if not args.only or any(word in p.name for word in args.only)]
    for page in pages:  # warm-up: templates compiled, caches filled, every worker touched
        measure.burst(sessions[page.login], page.url(ids), 0.5, dict(page.headers), clients=2)
    bursts: dict[str, dict[str, list]] = {p.name: {"page": [], "hello": [], "admin": []} for p in pages}
    for number in range(args.rounds):
        print(f"   round {number + 1}/{args.rounds}", flush=True)
        for page in pages:
            seen = bursts[page.name]
            seen["page"].append(measure.burst(sessions[page.login], page.url(ids), args.seconds,
                                              dict(page.headers), args.clients))
            seen["hello"].append(measure.burst(hello, "/", args.seconds, clients=args.clients))
            if page.admin:
                seen["admin"].append(measure.burst(admin, ADMIN_PATH, args.seconds, clients=args.clients))
    report = _report(sessions["demo_street"], ids["street"])
    all_hello = measure.merge([b for seen in bursts.values() for b in seen["hello"]])
    figures = {}
    for page in pages:
        seen = bursts[page.name]
        figures[page.name] = {"login": page.login, "path": page.url(ids),
                              **tables.figures(measure.merge(seen["page"]), measure.merge(seen["hello"]),
                                               measure.merge(seen["admin"]) if page.admin else None)}
    return {"ids": ids, "hello_rps": all_hello.rps, "pages": figures, "report": report}


def _report(session: Browser, street_id: int) -> dict:
    try:
        return monthly_report(session, street_id)
    except (RuntimeError, OSError) as error:
        return {"error": str(error)}


if __name__ == "__main__":
    raise SystemExit(main())
