"""The order of the load: refuse a second run, the demo, the places, the people, the requests, statistics."""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from sqlalchemy import func, select

from portal.core import stamps
from portal.core.clock import now_utc, today
from portal.extensions import db
from portal.scale.bulk import Bulk
from portal.scale.names import Names
from portal.scale.plan import Plan


class AlreadyThere(Exception):
    """The database holds more than the demo street: a city was loaded already, or real data."""


def generate(plan: Plan, rng: random.Random, progress: Callable[[str], None] = print) -> dict[str, int]:
    """Write the city; returns the rows written per table (the demo's own rows not included)."""
    from portal.auth.passwords import hash_password
    from portal.demo import DEMO_PASSWORD, STREET_NAME, load_demo
    from portal.orgs.models import Street
    from portal.scale.people import build_people
    from portal.scale.places import DemoPlaces, build_places
    from portal.scale.requests import Pools, Requests

    others = db.session.scalar(select(func.count(Street.id)).where(Street.name != STREET_NAME))
    if others:
        raise AlreadyThere("数据库里已有演示街道以外的数据（城市已生成过？）/ the database already holds streets "
                           "besides the demo street (a city was generated already?): use an empty, migrated database")
    started = time.perf_counter()

    def step(name: str) -> None:
        progress(f"  {name} … {time.perf_counter() - started:.0f} s")

    load_demo()
    step("demo")
    demo = DemoPlaces.load()
    db.session.commit()
    names = Names(rng)
    password_hash = hash_password(DEMO_PASSWORD)  # once: every generated account shares it
    now, day = now_utc(), today()
    with db.engine.connect() as conn:
        bulk = Bulk(conn)
        bulk.speed_up()
        with conn.begin():
            city = build_places(bulk, rng, names, plan, demo, day, now)
            step("streets, communities, compounds, households, organisations, contracts")
            build_people(bulk, city, rng, names, password_hash)
            stamps.bump(conn, {stamps.STRUCTURE})  # written beside the ORM: scopes kept by a running server are stale
            step("people and posts")
        transaction = conn.begin()

        def commit() -> None:
            nonlocal transaction
            bulk.flush()
            transaction.commit()
            transaction = conn.begin()
            step(f"{bulk.counts.get('repair_request', 0):,} requests")

        try:
            requests = Requests(bulk, Pools.load(conn, day), rng, names, now)
            requests.write(plan.requests, commit)
            bulk.flush()
            bulk.check()
            bulk.fix_sequences()
            transaction.commit()
        except BaseException:
            transaction.rollback()
            raise
        step("requests, timelines, photos, notifications (foreign keys checked)")
        bulk.back_to_normal()
        with conn.begin():
            bulk.analyze()
        step("analyze")
    return {name: count for name, count in bulk.counts.items() if count}
