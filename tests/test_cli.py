"""`flask create-admin` asks for a password and refuses a weak one; `flask demo` prints the logins."""

from sqlalchemy import select

from portal.auth.models import User
from portal.extensions import db
from portal.orgs.models import Role
from portal.orgs.permissions import compute_scope


def test_create_admin_asks_for_a_password(app):
    runner = app.test_cli_runner()
    weak = runner.invoke(args=["create-admin", "--street", "新街道", "--name", "管理员", "--username", "admin1"],
                         input="12345678\n12345678\n")
    assert weak.exit_code != 0 and db.session.scalar(select(User).where(User.username == "admin1")) is None
    result = runner.invoke(args=["create-admin", "--street", "新街道", "--name", "管理员", "--username", "admin1"],
                           input="Str0ng-enough!\nStr0ng-enough!\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "admin1"))
    assert user.password_hash.startswith("$argon2id$")
    assert Role.STREET_ADMIN in compute_scope(user).roles
    again = runner.invoke(args=["create-admin", "--street", "新街道", "--name", "管理员", "--username", "admin1"],
                          input="Str0ng-enough!\nStr0ng-enough!\n")
    assert again.exit_code != 0


def test_demo_command_is_idempotent_and_prints_logins(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0 and "demo_street" in first.output and "demo_resident" in first.output
    count = db.session.query(User).count()
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0 and "已存在" in second.output
    assert db.session.query(User).count() == count


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_says_running_only_once_the_port_answers(tmp_path):
    """`make run` prints the address when a browser opened on it would connect, not before."""
    import os
    import subprocess
    import sys
    import urllib.request

    port = _free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}", "PYTHONUNBUFFERED": "1"}
    server = subprocess.Popen([sys.executable, "-m", "flask", "--app", "portal", "serve", "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        line = ""
        while "portal running" not in line:
            line = server.stdout.readline()
            assert line or server.poll() is None, "serve exited before it said it was running"
        assert f"http://127.0.0.1:{port}" in line
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/auth/login", timeout=5) as page:  # no retry: it must answer now
            assert page.status == 200
        second = subprocess.run([sys.executable, "-m", "flask", "--app", "portal", "serve", "--port", str(port)],
                                capture_output=True, text=True, env=env, timeout=60)
        assert second.returncode != 0 and "make run PORT=8080" in second.stderr
    finally:
        server.terminate()
        server.wait(timeout=10)
        server.stdout.close()
