"""Throw-away servers for the operations tests and `make load`: gunicorn, Redis and a private
PostgreSQL cluster, each on a free loopback port, each stopped by whoever started it.

Nothing here talks to anything but 127.0.0.1. Every process is started by this module and stopped
by its own pid (a gunicorn master stops its own workers); nothing is killed by name.
"""

from __future__ import annotations

import contextlib
import glob
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 60


class Unavailable(Exception):
    """A tool the test needs is not installed (redis-server, PostgreSQL's initdb)."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tail(path: Path, lines: int = 60) -> str:
    try:
        return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _stop(process: subprocess.Popen | None, sig=signal.SIGTERM, wait: float = 15) -> None:
    """Stop one process this module started, by its pid: `sig`, then SIGKILL if it lingers."""
    if process is None or process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(sig)
    try:
        process.wait(wait)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        process.wait(10)


# --- the portal ------------------------------------------------------------------------------------

def portal_env(database_url: str, upload_folder: Path, **extra: str) -> dict[str, str]:
    """The environment of a portal process: production settings, loopback only."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("TEST_DATABASE_URL", "FLASK_APP", "RATELIMIT_STORAGE_URI")}
    env.update({
        "PYTHONPATH": str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else ""),
        "DATABASE_URL": database_url,
        "SECRET_KEY": "ops-test-secret-shared-by-every-instance",
        "PORTAL_ENV": "production",
        "UPLOAD_FOLDER": str(upload_folder),
        "LOGIN_RATE_LIMIT": "100000 per minute",
        "LOGIN_NAME_RATE_LIMIT": "100000 per hour",
    })
    env.update(extra)
    return env


def flask(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "portal", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"`flask {' '.join(args)}` failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done


def prepare_database(env: dict[str, str]) -> None:
    """Migrate and load the demo community, as README's `make run` does."""
    flask(env, "db", "upgrade")
    flask(env, "demo", "--no-print-logins")


@dataclass
class Gunicorn:
    """`gunicorn <app>` (the portal unless told) on 127.0.0.1 and a free port; ready when `ready_path`
    answers 200. The load tests use threaded workers, the benchmark sync ones (`worker_class="sync"`)."""

    env: dict[str, str]
    log_dir: Path
    workers: int = 3
    threads: int = 4
    name: str = "portal"
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    app: str = "portal:create_app()"
    ready_path: str = "/auth/login"
    worker_class: str = "gthread"
    #: gunicorn's worker timeout, and how long one readiness probe may wait (a city-sized first page is slow)
    timeout: int = 60
    probe_timeout: float = 5

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.log_dir / f"{self.name}.log"

    def start(self) -> Gunicorn:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        threads = ["--threads", str(self.threads)] if self.worker_class == "gthread" else []
        command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}",
                   "--workers", str(self.workers), "--worker-class", self.worker_class, *threads,
                   "--timeout", str(self.timeout), "--graceful-timeout", "10", "--backlog", "2048",
                   "--error-logfile", "-", *_no_control_socket(), self.app]
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
                with urllib.request.urlopen(self.base + self.ready_path, timeout=self.probe_timeout) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn {self.name} did not answer within {seconds} s:\n{tail(self.log)}")

    def worker_pids(self) -> list[int]:
        """The master's children: its workers (read from /proc, so only this master's)."""
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children")
        try:
            return [int(p) for p in children.read_text().split()]
        except OSError:
            return []

    def stop(self) -> None:
        _stop(self.process, signal.SIGTERM, wait=20)

    def server_errors(self) -> list[str]:
        """Tracebacks gunicorn logged (an exception inside a request, a worker that died)."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return [line for line in text.splitlines() if "Traceback" in line or "Exception on" in line]


class Site:
    """A prepared database (demo loaded), its upload folder and the portal environment for it."""

    def __init__(self, database_url: str, folder: Path, **settings: str):
        self.database_url = database_url
        self.folder = folder
        self.uploads = folder / "uploads"
        self.kind = "sqlite" if database_url.startswith("sqlite") else "postgresql"
        self.env = portal_env(database_url, self.uploads, **settings)
        self.servers: list[Gunicorn] = []
        prepare_database(self.env)

    def serve(self, name: str = "portal", workers: int = 3, threads: int = 4, **settings: str) -> Gunicorn:
        if importlib.util.find_spec("gunicorn") is None:
            raise Unavailable("gunicorn is not installed (pip install '.[prod]')")
        server = Gunicorn({**self.env, **settings}, self.folder / "logs", workers=workers, threads=threads, name=name)
        self.servers.append(server)
        return server.start()

    def stop(self) -> None:
        for server in self.servers:
            server.stop()

    def logged_errors(self) -> list[str]:
        """Exceptions the servers logged (a 500), with the log's end for the report."""
        found = []
        for server in self.servers:
            errors = [line for line in server.server_errors() if "Exception on" in line or "Error handling" in line]
            if errors:
                found.append(f"{server.name}: {errors[:3]}\n{tail(server.log, 40)}")
        return found


def _no_control_socket() -> list[str]:
    """gunicorn 27 opens a control socket in ~/.gunicorn, one path for every master: not for these."""
    from gunicorn import config

    return ["--no-control-socket"] if hasattr(config, "ControlSocketDisable") else []


# --- Redis -----------------------------------------------------------------------------------------

@dataclass
class RedisServer:
    """A private redis-server on 127.0.0.1, nothing saved to disk."""

    log_dir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        binary = shutil.which("redis-server")
        if binary is None:
            raise Unavailable("redis-server not found on PATH (Debian package `redis-server`)")
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log_dir / "redis.log", "ab") as log:
            self.process = subprocess.Popen(
                [binary, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no",
                 "--protected-mode", "yes", "--dir", str(self.log_dir)], stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited:\n{tail(self.log_dir / 'redis.log')}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    return self
            time.sleep(0.1)
        raise RuntimeError("redis-server did not answer")

    def stop(self) -> None:
        _stop(self.process)


# --- PostgreSQL ------------------------------------------------------------------------------------

def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    return candidates[-1] if candidates else None


@dataclass
class PostgresCluster:
    """A private PostgreSQL cluster in a temporary directory, listening on 127.0.0.1 only.

    The fault test restarts it (`pg_ctl restart -m fast`, what `pg_ctlcluster … restart` does) without
    touching the machine's own cluster, which other test runs may be using at the same moment. As root,
    the server runs as the `postgres` user (PostgreSQL refuses to run as root).
    """

    port: int = field(default_factory=free_port)
    directory: Path | None = None

    @property
    def data(self) -> Path:
        return self.directory / "data"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *command: str, timeout: float = 120) -> None:
        """Run a PostgreSQL tool as the cluster's owner. Its output goes to a file, not a pipe: a server
        it starts inherits the descriptors, and a pipe would then never reach its end."""
        if os.geteuid() == 0:
            command = ("runuser", "-u", "postgres", "--", *command)
        output = self.directory / "tools.log"
        with open(output, "ab") as out:
            done = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                  timeout=timeout, cwd="/")
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{tail(output)}\n"
                               f"{tail(self.directory / 'server.log')}")

    def start(self) -> PostgresCluster:
        initdb, self.pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
        if initdb is None or self.pg_ctl is None:
            raise Unavailable("PostgreSQL's initdb/pg_ctl not found (Debian package `postgresql`)")
        if os.geteuid() == 0 and (shutil.which("runuser") is None or _uid("postgres") is None):
            raise Unavailable("running as root without a `postgres` user to run PostgreSQL as")
        self.directory = Path(tempfile.mkdtemp(prefix="portal-ops-pg-"))
        if os.geteuid() == 0:
            os.chown(self.directory, _uid("postgres"), -1)
        self._run(initdb, "-D", str(self.data), "-U", "postgres", "--auth=trust", "--encoding=UTF8",
                  "--locale=C.UTF-8", "--no-instructions")
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(f"\nlisten_addresses = '127.0.0.1'\nport = {self.port}\n"
                       f"unix_socket_directories = '{self.directory}'\nmax_connections = 200\n")
        self._run(self.pg_ctl, "-D", str(self.data), "-l", str(self.directory / "server.log"), "-w", "start")
        return self

    def restart(self) -> None:
        self._run(self.pg_ctl, "-D", str(self.data), "-l", str(self.directory / "server.log"), "-m", "fast", "-w",
                  "restart")

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        if self.directory is None:
            return
        with contextlib.suppress(Exception):
            if (self.data / "postmaster.pid").exists():
                self._run(self.pg_ctl, "-D", str(self.data), "-m", "immediate", "-w", "stop", timeout=60)
        shutil.rmtree(self.directory, ignore_errors=True)


def _uid(user: str) -> int | None:
    import pwd

    try:
        return pwd.getpwnam(user).pw_uid
    except KeyError:
        return None
