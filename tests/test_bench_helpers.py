"""The served benchmark (tests/bench.py) runs by hand; here only its pure helpers and the opt-in
`X-Queries` header the portal gives it."""

from datetime import date
from types import SimpleNamespace

from sqlalchemy import text

from portal import create_app
from portal.config import TestConfig
from portal.extensions import db
from tests.benchmarks.measure import Burst, merge, percentile
from tests.benchmarks.report import previous_month
from tests.benchmarks.tables import figures, table


def test_percentile_is_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50
    assert percentile(values, 95) == 95
    assert percentile([3.0, 1.0, 2.0], 50) == 2
    assert percentile([7.0], 95) == 7
    assert percentile([], 95) == 0


def test_figures_and_table():
    page = merge([Burst([0.1, 0.2], 1.0, queries=[9, 9], raw_bytes=2048, gzip_bytes=512),
                  Burst([0.3, 0.4], 1.0, queries=[9, 11])])
    hello, admin = Burst([0.001] * 400, 2.0), Burst([0.05] * 8, 2.0)
    f = figures(page, hello, admin)
    assert (f["rps"], f["share_of_hello"], f["queries"], f["queries_max"]) == (2.0, 1.0, 9, 11)
    assert (f["kb"], f["kb_gzip"], f["ours_over_admin"], f["p95_ms"]) == (2.0, 0.5, 0.5, 400.0)
    city = {**f, "p95_ms": 800.0, "queries": 12}
    printed = table("sqlite", {"demo": {"pages": {"queue": {"login": "demo_manager", **f}}, "build_seconds": 3,
                                        "hello_rps": 200.0, "report": {"seconds": 1.5, "kb": 40}},
                               "city": {"pages": {"queue": {"login": "demo_manager", **city}}, "build_seconds": 60,
                                        "hello_rps": 190.0, "report": {"error": "not queued"}}})
    lines = printed.splitlines()
    assert lines[0] == "== sqlite" and "% hello" in lines[1]
    assert "demo_manager" in lines[3] and "2" in lines[4] and "9 → 12" in lines[4]
    assert "1.50 s, 40 KB" in printed and "not queued" in printed


def test_previous_month():
    assert previous_month(date(2026, 11, 24)) == "2026-10"
    assert previous_month(date(2027, 1, 5)) == "2026-12"


def _app(query_header: bool):
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = "sqlite://"
        QUERY_HEADER = query_header

    app = create_app(Config)

    @app.route("/_two-queries")
    def two_queries():
        db.session.execute(text("SELECT 1"))
        db.session.execute(text("SELECT 2"))
        return "ok"

    return app


def test_query_header_only_when_switched_on():
    counted, plain = _app(query_header=True), _app(query_header=False)
    assert counted.test_client().get("/_two-queries").headers["X-Queries"] == "2"
    assert "X-Queries" not in plain.test_client().get("/_two-queries").headers
    for app in (counted, plain):
        with app.app_context():
            db.engine.dispose()


def test_tasks_stay_out_of_requests_when_switched_off(monkeypatch):
    """PORTAL_TASKS_IN_WEB=0 (the benchmark, or cron running `flask tasks`): no request runs a task."""
    from flask import Flask

    from portal.core import tasks

    claimed = []
    monkeypatch.setattr(tasks, "registry", lambda: SimpleNamespace(tasks=[SimpleNamespace(name="t", every_seconds=60)]))
    monkeypatch.setattr(tasks, "claim", lambda task: claimed.append(task.name) and False)
    monkeypatch.setattr(tasks, "_last_run", {})
    app = Flask(__name__)
    app.config.update(TESTING=False, TASKS_IN_WEB=False)
    with app.test_request_context():
        tasks.run_due_tasks()
    assert claimed == []
    app.config["TASKS_IN_WEB"] = True
    with app.test_request_context():
        tasks.run_due_tasks()
    assert claimed == ["t"]
