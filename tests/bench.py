"""Benchmark: response time, queries and memory of the main pages on the demo community.

Run with `make bench`. Prints figures; asserts nothing (machines are shared and noisy).
Targets: median under 50 ms and p95 under 150 ms per page on SQLite; peak RSS under 200 MB.
"""

import re
import resource
import statistics
import tempfile
import time
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import event

from portal import create_app
from portal.config import TestConfig
from portal.demo import DEMO_PASSWORD, load_demo
from portal.extensions import db

ROUNDS = 40
PAGES = {
    "demo_street": ["/", "/compounds", "/compounds?q=花园", "/communities", "/organisations", "/people", "/audit"],
    "demo_secretary": ["/", "/communities/{community}", "/compounds"],
    "demo_manager": ["/", "/compounds/{compound}/households", "/repairs/", "/repairs/?overdue=1", "/repairs/{repair}"],
    "demo_staff": ["/repairs/"],
    "demo_resident": ["/", "/my-home", "/repairs/", "/repairs/board", "/repairs/new"],
}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        class Bench(TestConfig):
            SQLALCHEMY_DATABASE_URI = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
            UPLOAD_FOLDER = str(Path(tmp) / "uploads")
            WTF_CSRF_ENABLED = False

        app = create_app(Bench)
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            load_demo()
            print(f"demo load: {1000 * (time.perf_counter() - started):.0f} ms")
            from portal.orgs.models import Community, Compound
            from portal.repairs.models import RepairRequest

            ids = {"community": db.session.query(Community.id).order_by(Community.id).first()[0],
                   "compound": db.session.query(Compound.id).order_by(Compound.id).first()[0],
                   "repair": db.session.query(RepairRequest.id).order_by(RepairRequest.id.desc()).first()[0]}
            queries = {"n": 0}
            event.listen(db.engine, "before_cursor_execute", lambda *a, **k: queries.__setitem__("n", queries["n"] + 1))
            db.session.remove()
        print(f"{'login':<16} {'page':<34} {'median ms':>9} {'p95 ms':>8} {'queries':>8}")
        for login, pages in PAGES.items():
            client = app.test_client()
            client.post("/auth/login", data={"login": login, "password": DEMO_PASSWORD})
            for template in pages:
                path = template.format(**ids)
                times = []
                for _ in range(ROUNDS):
                    queries["n"] = 0
                    t0 = time.perf_counter()
                    response = client.get(path)
                    times.append(1000 * (time.perf_counter() - t0))
                    assert response.status_code == 200, (login, path, response.status_code)
                times.sort()
                p95 = times[int(0.95 * len(times)) - 1]
                print(f"{login:<16} {path:<34} {statistics.median(times):>9.1f} {p95:>8.1f} {queries['n']:>8}")
        html = client.get("/").get_data(as_text=True)
        print(f"home page size: {len(html.encode())} bytes; scripts: {len(re.findall('<script', html))}")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS: {peak:.0f} MB")


if __name__ == "__main__":
    main()
