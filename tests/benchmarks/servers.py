"""The three apps of a round, each behind gunicorn with 2 sync workers on a free loopback port:
the portal, the bare Flask "hello" and the Flask-Admin list, all on the same database.

Builds on tests/ops/servers.py (free port, logs, stopping by pid); only the worker class differs."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from tests.ops.servers import ROOT, STARTUP_SECONDS, Gunicorn, _no_control_socket, tail

WORKERS = 2


@dataclass
class SyncGunicorn(Gunicorn):
    """`gunicorn --worker-class sync` serving `app` (a gunicorn app spec); ready when `ready_path` answers."""

    app: str = "portal:create_app()"
    ready_path: str = "/auth/login"

    def start(self) -> SyncGunicorn:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}",
                   "--workers", str(self.workers), "--worker-class", "sync", "--timeout", "300",
                   "--graceful-timeout", "10", "--backlog", "2048", "--error-logfile", "-",
                   *_no_control_socket(), self.app]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.wait_ready()
        return self

    def wait_ready(self, seconds: float = STARTUP_SECONDS) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn {self.name} exited ({self.process.returncode}):\n{tail(self.log)}")
            try:
                with urllib.request.urlopen(self.base + self.ready_path, timeout=120) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn {self.name} did not answer within {seconds} s:\n{tail(self.log)}")


def serve_all(env: dict[str, str], log_dir) -> dict[str, SyncGunicorn]:
    """Start the portal, hello and Flask-Admin; the caller stops them (`stop_all`)."""
    from tests.benchmarks.admin import PATH

    specs = {"portal": ("portal:create_app()", "/auth/login"),
             "hello": ("tests.benchmarks.hello:app", "/"),
             "admin": ("tests.benchmarks.admin:create_app()", PATH)}
    servers: dict[str, SyncGunicorn] = {}
    try:
        for name, (app, ready) in specs.items():
            servers[name] = SyncGunicorn(env, log_dir, workers=WORKERS, threads=1, name=name, app=app,
                                         ready_path=ready).start()
    except BaseException:
        stop_all(servers)
        raise
    return servers


def stop_all(servers: dict[str, SyncGunicorn]) -> None:
    for server in servers.values():
        server.stop()
