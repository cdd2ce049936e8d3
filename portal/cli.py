"""The deployment's own commands: `flask --app portal create-admin`, `demo` and `serve` (what `make run` uses).
Modules add theirs in their init_app (e.g. `repairs-sweep`); `flask tasks` runs every periodic task."""

import click
from flask import Flask
from flask.cli import ScriptInfo, pass_script_info, with_appcontext
from sqlalchemy import select

from portal.core.clock import today
from portal.core.transaction import commit
from portal.extensions import db
from portal.scale.command import city


def register_cli(app: Flask) -> None:
    app.cli.add_command(create_admin)
    app.cli.add_command(demo)
    app.cli.add_command(serve)
    app.cli.add_command(city)


@click.command("create-admin")
@click.option("--street", "street_name", prompt="街道名称 / Street name", help="The street this administrator manages.")
@click.option("--name", prompt="姓名 / Name")
@click.option("--username", prompt="用户名 / Username")
@click.option("--phone", default="", help="Optional mobile number, also usable to log in.")
@click.password_option("--password", prompt="密码 / Password", help="Asked interactively; never has a default.")
@with_appcontext
def create_admin(street_name, name, username, phone, password):
    """Create a street administrator: the first account of a new deployment."""
    from portal.auth.models import User
    from portal.auth.passwords import password_problem
    from portal.auth.services import create_user
    from portal.orgs.models import Organisation, OrgKind, Position, Role, Street

    problem = password_problem(password)
    if problem:
        raise click.ClickException(str(problem))
    if db.session.scalar(select(User.id).where((User.username == username) | (User.phone == (phone or None)))):
        raise click.ClickException("用户名或手机号已被使用 / username or phone already in use")
    street = db.session.scalar(select(Street).where(Street.name == street_name))
    if street is None:
        street = Street(name=street_name)
        db.session.add(street)
        db.session.flush()
    office = db.session.scalar(select(Organisation).where(Organisation.street_id == street.id,
                                                          Organisation.kind == OrgKind.STREET_OFFICE))
    if office is None:
        office = Organisation(kind=OrgKind.STREET_OFFICE, name=f"{street_name}办事处", street_id=street.id)
        db.session.add(office)
        db.session.flush()
    user = create_user(name=name, username=username, phone=phone or None, password=password)
    user.street_id = street.id
    db.session.flush()
    db.session.add(Position(user_id=user.id, organisation_id=office.id, role=Role.STREET_ADMIN, title="管理员",
                            start_date=today()))
    commit()
    click.echo(f"已创建街道管理员 {username} / street administrator created")


@click.command("demo")
@click.option("--print-logins/--no-print-logins", default=True)
@with_appcontext
def demo(print_logins):
    """Load the demo community once (idempotent) and print one login per role."""
    from portal.demo import demo_logins, load_demo

    result = load_demo()
    if result.created:
        click.echo(f"演示数据已载入 / demo loaded: {result.communities} 社区, {result.compounds} 小区, "
                   f"{result.households} 户, {result.users} 用户")
    else:
        click.echo("演示数据已存在 / demo data already present")
    if print_logins:
        click.echo("\n演示账号（仅用于演示）/ demo logins (demo only):")
        for label, login, password in demo_logins():
            click.echo(f"  {_pad(str(label), 14)} {login:<18} {password}")


def _pad(text: str, width: int) -> str:
    """Pad to a width in terminal columns: a Chinese character takes two."""
    import unicodedata

    columns = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - columns)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@pass_script_info
def serve(info: ScriptInfo, host: str, port: int):
    """Serve the portal for a trial run and say so only once the port is listening.

    `flask run` prints its banner before it binds; a newcomer who opens the page on that line
    may meet "connection refused". Production runs under gunicorn (README)."""
    from werkzeug.serving import make_server

    app = info.load_app()
    try:
        server = make_server(host, port, app, threaded=True)  # binds and listens here
    except (OSError, SystemExit) as error:  # Werkzeug explains a busy port, then exits
        raise click.ClickException(f"端口 {port} 无法使用，请换一个 / port {port} unavailable, try another: "
                                   "make run PORT=8080") from error
    click.echo(f"\n门户已启动 / portal running: http://{host}:{server.server_port}  (Ctrl+C 停止 / to stop)\n")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
