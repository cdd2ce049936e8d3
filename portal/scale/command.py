"""`flask --app portal city`: the demo, then a whole city around it, for benchmarks.

    flask --app portal city [--compounds 2000] [--households 500000] [--requests 1000000] [--seed 1] [--scale 1.0]

Works on the database the app is configured with (DATABASE_URL), already migrated. It loads the demo
first (the demo logins exist exactly as in `make run`), then writes the city with bulk inserts on one
connection, in a few transactions, and refreshes the planner's statistics. It refuses a database that
already holds anything but the demo street, so it never runs twice.
"""

from __future__ import annotations

import random
import time

import click
from flask.cli import with_appcontext


@click.command("city")
@click.option("--compounds", type=click.IntRange(min=1), default=None, help="Compounds to add (default 2000 × scale).")
@click.option("--households", type=click.IntRange(min=1), default=None,
              help="Households in them (default 500000 × scale).")
@click.option("--requests", type=click.IntRange(min=0), default=None,
              help="Repair requests over the last 12 months (default 1000000 × scale).")
@click.option("--seed", type=int, default=1, show_default=True, help="The same seed gives the same city.")
@click.option("--scale", type=click.FloatRange(min=0, min_open=True), default=1.0, show_default=True,
              help="Multiplies the three defaults (0.01 for a quick run).")
@with_appcontext
def city(compounds, households, requests, seed, scale):
    """Load the demo and a city-scale data set around it (benchmarks only; never on a real deployment)."""
    from portal.scale.generate import AlreadyThere, generate
    from portal.scale.plan import Plan

    plan = Plan.from_options(compounds=compounds, households=households, requests=requests, scale=scale, seed=seed)
    click.echo(f"城市数据 / city: {plan.compounds} compounds, {plan.households} households, "
               f"{plan.requests} requests, seed {plan.seed}")
    started = time.perf_counter()
    try:
        counts = generate(plan, random.Random(seed), progress=click.echo)
    except AlreadyThere as refusal:
        raise click.ClickException(str(refusal)) from None
    click.echo("\n写入 / rows written:")
    for table, count in counts.items():
        click.echo(f"  {table:<20} {count:>10,}")
    click.echo(f"\n用时 / took {time.perf_counter() - started:.0f} s")
