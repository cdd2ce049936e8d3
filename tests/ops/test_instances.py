"""Two instances as one: two gunicorn instances on two loopback ports, one PostgreSQL database, one Redis
(RATELIMIT_STORAGE_URI). Failed logins split over both hit the limits at the combined count; `flask tasks`
on both runs each task once per interval; the same account created through both at the same moment
exists once, and the loser sees the field error; two dispatchers acting on one request through different
instances: one wins, the other sees the conflict."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import uuid
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
from sqlalchemy import create_engine, text

from tests.ops import load
from tests.ops.browser import Browser
from tests.ops.conftest import Site
from tests.ops.servers import ROOT

pytestmark = pytest.mark.ops

ADDRESS_LIMIT, NAME_LIMIT = 6, 4
DUPLICATE = "已被其他账号使用"


@pytest.fixture(scope="module")
def pair(postgres_cluster, redis_server, tmp_path_factory):
    site = Site(postgres_cluster.create_database(f"portal_pair_{uuid.uuid4().hex[:8]}"),
                tmp_path_factory.mktemp("pair"), RATELIMIT_STORAGE_URI=redis_server.url,
                LOGIN_RATE_LIMIT=f"{ADDRESS_LIMIT} per minute", LOGIN_NAME_RATE_LIMIT=f"{NAME_LIMIT} per hour")
    try:
        site.serve("a", workers=2, threads=2)
        site.serve("b", workers=2, threads=2)
        yield site
    finally:
        site.stop()


def sql(site, statement: str, **params):
    engine = create_engine(site.database_url)
    try:
        with engine.begin() as conn:
            result = conn.execute(text(statement), params)
            return result.all() if result.returns_rows else result.rowcount
    finally:
        engine.dispose()


def logged_in(server, login: str) -> Browser:
    browser = Browser(server.base)
    assert browser.login(login, load.DEMO_PASSWORD).status == 303
    browser.get("/")
    return browser


def at_once(*calls):
    """Run the calls in threads released together; their results in order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i):
        barrier.wait()
        results[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def failed_login(server, name: str, source: str) -> int:
    browser = Browser(server.base, source=source)
    try:
        browser.get("/auth/login")
        return browser.post("/auth/login", {"login": name, "password": "not-the-password"}).status
    finally:
        browser.close()


def test_failed_logins_split_over_both_instances_hit_the_combined_limit(pair):
    a, b = pair.servers
    # per address: from 127.0.0.3, a new name each time (so the per-name limit stays out of it)
    answers = [failed_login((a, b)[i % 2], f"nobody-{uuid.uuid4().hex[:6]}", "127.0.0.3") for i in range(ADDRESS_LIMIT + 2)]
    assert answers == [200] * ADDRESS_LIMIT + [429, 429], answers
    # per account name: each attempt from another address
    answers = [failed_login((b, a)[i % 2], "ghost-account", f"127.0.0.{10 + i}") for i in range(NAME_LIMIT + 2)]
    assert answers == [200] * NAME_LIMIT + [429, 429], answers


def test_flask_tasks_on_both_instances_runs_each_task_once_per_interval(pair):
    names = None
    for _round in range(3):
        # as if the interval had passed since the last run, whoever made it
        sql(pair, "UPDATE task_run SET last_run_at = :old", old=datetime.now(UTC) - timedelta(days=1))
        runs = [subprocess.Popen([sys.executable, "-m", "flask", "--app", "portal", "tasks"], cwd=ROOT,
                                 env=server.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for server in pair.servers]
        outputs = []
        for run in runs:
            out, err = run.communicate(timeout=120)
            assert run.returncode == 0, err
            outputs.append(out)
        lines = [line for out in outputs for line in out.splitlines() if ": " in line]
        names = names or sorted({line.split(":")[0] for line in lines})
        assert "repairs.sweep" in names
        for name in names:
            ran = [line for line in lines if line.startswith(f"{name}: ") and "skipped" not in line]
            skipped = [line for line in lines if line.startswith(f"{name}: ") and "skipped" in line]
            assert len(ran) == 1 and len(skipped) == 1, outputs


def test_the_same_account_created_through_both_instances_at_once_exists_once(pair):
    admins = [logged_in(server, "demo_street") for server in pair.servers]
    for round_ in range(3):
        username = f"twin{round_}{uuid.uuid4().hex[:6]}"
        fields = {"name": "双胞胎", "phone": f"139{uuid.uuid4().int % 10**8:08d}", "username": username,
                  "password": "Twin-pass-2026!"}
        for admin in admins:
            assert admin.get("/people/new").status == 200
        answers = at_once(*(partial(admin.post, "/people/new", fields) for admin in admins))
        assert sorted(r.status for r in answers) == [200, 303], [r.status for r in answers]
        loser = next(r for r in answers if r.status == 200)
        assert DUPLICATE in loser.text
        assert sql(pair, "SELECT count(*) FROM \"user\" WHERE username = :u", u=username)[0][0] == 1
    for admin in admins:
        admin.close()


def test_two_dispatchers_on_two_instances_one_wins_the_other_sees_the_conflict(pair):
    managers = [logged_in(server, "demo_manager") for server in pair.servers]
    ids = load.QUEUE_IDS.findall(managers[0].get("/repairs/?status=submitted").text)
    decided = 0
    for rid in ids:
        forms = []
        for manager in managers:
            page = manager.get(f"/repairs/{rid}").text
            found = dict(load.FORM.findall(page))
            forms.append(found.get("assign"))
        if not all(forms):
            continue  # not the property company's to dispatch
        versions = {load.VERSION.search(form).group(1) for form in forms}
        handlers = load.OPTION.findall(forms[0])
        assert len(versions) == 1 and handlers
        version = versions.pop()
        answers = at_once(*(partial(m.post, f"/repairs/{rid}/assign", {"version": version, "handler_id": h, "note": ""})
                            for m, h in zip(managers, (handlers[0], handlers[-1]), strict=True)))
        assert sorted(r.status for r in answers) == [200, 303], [r.status for r in answers]
        loser = next(r for r in answers if r.status == 200)
        assert load.STALE in loser.text
        events = dict(sql(pair, "SELECT action, count(*) FROM request_event WHERE request_id = :r "
                                "AND action IN ('assigned', 'transferred') GROUP BY action", r=int(rid)))
        assert events == {"assigned": 1}, events
        decided += 1
        if decided == 3:
            break
    assert decided == 3, f"only {decided} requests the manager could dispatch: {ids}"
    for manager in managers:
        manager.close()


def test_both_instances_share_sessions_and_answer_alike(pair):
    """A session begun on one instance works on the other (one SECRET_KEY): a proxy may send each
    request to either."""
    a, b = pair.servers
    browser = logged_in(a, "demo_resident")
    moved = Browser(b.base)
    moved.cookies = dict(browser.cookies)
    page = moved.get("/repairs/")
    assert page.status == 200 and re.search(r'data-request="\d+"', page.text)
    browser.close()
    moved.close()
