"""`flask --app portal repairs-sweep`: escalate overdue requests and close stale ones (run it from cron)."""

import click
from flask.cli import with_appcontext

from portal.core.transaction import commit


@click.command("repairs-sweep")
@with_appcontext
def repairs_sweep():
    """Flag and escalate overdue requests; close those resolved 7 days ago without an evaluation."""
    from portal.repairs.services import sweep

    counts = sweep()
    commit()
    click.echo(f"超时 / overdue: {counts['overdue']}, 升级 / escalated: {counts['escalated']}, "
               f"自动关闭 / auto-closed: {counts['closed']}")
