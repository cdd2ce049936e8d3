"""Periodic tasks registered by the modules: `flask tasks` runs them all (cron or a systemd timer);
the web process also runs each one now and then, so a demo without cron still moves.

Each task is its own transaction: it commits when it succeeds and rolls back when a concurrent
change got in its way (it simply runs again next time).
"""

from __future__ import annotations

import threading
import time

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from portal.core.modules import registry
from portal.core.transaction import commit, rollback

_last_run: dict[str, float] = {}
_lock = threading.Lock()


def run_task(task) -> object | None:
    """Run one task in the default language (what it writes is read later by others); commit it."""
    try:
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
            result = task.run()
        commit()
        return result
    except (StaleDataError, IntegrityError, OperationalError):
        rollback()
        current_app.logger.warning("task %s skipped: concurrent change", task.name, exc_info=True)
        return None


def run_due_tasks() -> None:
    """before_request: run the tasks whose interval has passed (at most one process at a time each)."""
    if current_app.config.get("TESTING"):
        return
    now = time.monotonic()
    due = []
    with _lock:
        for task in registry().tasks:
            last = _last_run.get(task.name)
            if last is None or now - last >= task.every_seconds:
                _last_run[task.name] = now
                due.append(task)
    for task in due:
        run_task(task)


@click.command("tasks")
@with_appcontext
def tasks_command():
    """Run every periodic task once (escalate overdue requests, close stale ones …)."""
    for task in registry().tasks:
        click.echo(f"{task.name}: {run_task(task)}")


def init_app(app) -> None:
    app.before_request(run_due_tasks)
    app.cli.add_command(tasks_command)
