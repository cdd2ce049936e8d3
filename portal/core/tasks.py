"""Periodic tasks registered by the modules: `flask tasks` runs them all (cron or a systemd timer);
the web process also runs each one now and then, so a demo without cron still moves.

However many processes or instances serve the portal, a task runs once per interval: a run is
claimed in the database first (`task_run`, one row per task: an UPDATE that only one claimant can
win). Each task is then its own transaction: it commits when it succeeds and rolls back when a
concurrent change got in its way (it simply runs again next time).
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale
from sqlalchemy import DateTime, String, insert, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.orm.exc import StaleDataError

from portal.core.clock import now_utc
from portal.core.modules import registry
from portal.core.transaction import commit, rollback
from portal.extensions import db

_last_run: dict[str, float] = {}
_lock = threading.Lock()


class TaskRun(db.Model):
    """When each periodic task last started, shared by every process and instance."""

    __tablename__ = "task_run"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_run_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def claim(task, now: datetime | None = None) -> bool:
    """Take this interval's run of `task`; False if another process took it. Committed at once, so the
    other instances see the claim before the task itself runs."""
    now = now or now_utc()
    try:
        won = db.session.execute(
            update(TaskRun).where(TaskRun.name == task.name,
                                  TaskRun.last_run_at <= now - timedelta(seconds=task.every_seconds))
            .values(last_run_at=now)).rowcount == 1
        if not won and db.session.get(TaskRun, task.name) is None:
            db.session.execute(insert(TaskRun).values(name=task.name, last_run_at=now))
            won = True
        commit()
        return won
    except (IntegrityError, OperationalError):  # another instance inserted the first row at the same moment
        rollback()
        return False


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
    if current_app.config.get("TESTING") or not current_app.config.get("TASKS_IN_WEB", True):
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
        if claim(task):
            run_task(task)


@click.command("tasks")
@click.option("--force", is_flag=True, help="Run even if another process ran a task within its interval.")
@with_appcontext
def tasks_command(force):
    """Run every periodic task that is due (escalate overdue requests, close stale ones …)."""
    for task in registry().tasks:
        if force or claim(task):
            click.echo(f"{task.name}: {run_task(task)}")
        else:
            click.echo(f"{task.name}: ran within the last {task.every_seconds} s elsewhere, skipped")


def init_app(app) -> None:
    app.before_request(run_due_tasks)
    app.cli.add_command(tasks_command)
