"""Browser tests: a real `flask run` server on a throw-away SQLite file, driven by Debian's Chromium.

The server is built in subprocesses (migrate, load the demo, run) so the test process's own app and
database stay untouched. Everything is loopback only.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
PHONE = {"width": 390, "height": 844}
STARTUP_SECONDS = 30


def chromium_path() -> str:
    """Debian's Chromium; missing is a failure on CI and a skip on a developer's machine."""
    path = shutil.which("chromium")
    if path is None:
        message = "Chromium not found on PATH (install the Debian `chromium` package) — browser tests cannot run"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _flask(*args: str) -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "portal", *args]


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """Base URL of a migrated, demo-loaded portal served by `flask run` on 127.0.0.1."""
    tmp = tmp_path_factory.mktemp("live-server")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp / 'portal.sqlite3'}",
        "SECRET_KEY": "browser-test-secret",
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "PORTAL_ENV": "development",
        "UPLOAD_FOLDER": str(tmp / "uploads"),
    }
    for step in (("db", "upgrade"), ("demo", "--no-print-logins")):
        done = subprocess.run(_flask(*step), cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
        if done.returncode != 0:
            pytest.fail(f"`flask {' '.join(step)}` failed ({done.returncode}):\n{done.stdout}\n{done.stderr}",
                        pytrace=False)

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = tmp / "server.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            _flask("run", "--host", "127.0.0.1", "--port", str(port), "--no-reload"),
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if process.poll() is not None:
                pytest.fail(f"the server exited with {process.returncode}:\n{_tail(log_path)}", pytrace=False)
            try:
                with urllib.request.urlopen(f"{base}/auth/login", timeout=2) as response:
                    response.read()
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                if time.monotonic() > deadline:
                    pytest.fail(f"the server did not answer on {base} within {STARTUP_SECONDS} s:\n"
                                f"{_tail(log_path)}", pytrace=False)
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where screenshots go, for humans to look at (gitignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def open_page(browser, viewport: dict[str, int]):
    """A fresh context and page; returns (context, page, errors) where errors collects JS/CSP problems."""
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))

    def on_console(msg):
        if msg.type != "error":
            return
        url = (msg.location or {}).get("url", "")
        if msg.text.startswith("Failed to load resource") and (
            url.endswith("/favicon.ico")  # the portal ships no favicon
            or "status of 422" in msg.text  # a form sent back with its errors: expected
        ):
            return
        errors.append(f"console {msg.type}: {msg.text} ({url})")

    page.on("console", on_console)
    return context, page, errors


@pytest.fixture
def page(browser, live_server):
    """A phone-sized page (390×844, zh-CN) in its own context; fails if the page logged a JS/CSP error."""
    context, page, errors = open_page(browser, PHONE)
    try:
        yield page
    finally:
        context.close()
    if errors:
        pytest.fail("the browser reported errors:\n" + "\n".join(errors), pytrace=False)


def login(page, base: str, login: str, password: str) -> None:
    """Log in through the form, as a person would, and wait for the home page."""
    page.goto(f"{base}/auth/login")
    page.get_by_label("手机号或用户名").fill(login)
    page.get_by_label("密码").fill(password)
    page.locator("#login-form button[type=submit]").click()
    page.wait_for_url(f"{base}/")
    page.locator('[data-nav="home"]').wait_for()
