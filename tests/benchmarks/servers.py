"""The three apps of a round, each behind gunicorn with 2 sync workers on a free loopback port:
the portal, the bare Flask "hello" and the Flask-Admin list, all on the same database.

The servers are tests/ops/servers.py's (free port, logs, stopping by pid), with sync workers."""

from __future__ import annotations

from tests.ops.servers import Gunicorn

WORKERS = 2


def serve_all(env: dict[str, str], log_dir) -> dict[str, Gunicorn]:
    """Start the portal, hello and Flask-Admin; the caller stops them (`stop_all`)."""
    from tests.benchmarks.admin import PATH

    specs = {"portal": ("portal:create_app()", "/auth/login"),
             "hello": ("tests.benchmarks.hello:app", "/"),
             "admin": ("tests.benchmarks.admin:create_app()", PATH)}
    servers: dict[str, Gunicorn] = {}
    try:
        for name, (app, ready) in specs.items():
            servers[name] = Gunicorn(env, log_dir, workers=WORKERS, name=name, app=app, ready_path=ready,
                                     worker_class="sync", timeout=300, probe_timeout=120).start()
    except BaseException:
        stop_all(servers)
        raise
    return servers


def stop_all(servers: dict[str, Gunicorn]) -> None:
    for server in servers.values():
        server.stop()
