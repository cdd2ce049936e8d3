"""Fixtures for the repair workflow: the `world` plus the people a request meets on its way."""

from __future__ import annotations

import pytest
from sqlalchemy import func, inspect, select

from portal.core.transaction import commit
from portal.extensions import db
from portal.notifications.models import Notification
from portal.notifications.services import message_for
from portal.orgs.models import OrgKind, Role
from portal.repairs import services
from portal.repairs.models import RepairRequest, RequestEvent
from tests.conftest import make_org, make_user


@pytest.fixture
def repair_world(world):
    """`world` with short names for the actors and a few more people:

    staff2: a second property staff member (a 转单 target); rival_staff: staff of a company with no
    contract here (never a candidate); neighbour: a resident of another household of the compound.
    """
    users = world["users"]
    compound = world["compound"]
    rival = make_org(OrgKind.PROPERTY_COMPANY, street=world["street"], name="别家物业")
    neighbour_home = compound.buildings[0].households[1]
    extra = {
        "staff2": make_user("第二维修工", role=Role.PROPERTY_STAFF, org=world["company"], title="维修工"),
        "rival_staff": make_user("别家维修工", role=Role.PROPERTY_STAFF, org=rival, title="维修工"),
        "neighbour": make_user("邻居", household=neighbour_home, street=world["street"]),
    }
    db.session.commit()
    return {
        **world, **extra, "neighbour_home": neighbour_home,
        "resident": users[Role.RESIDENT], "manager": users[Role.PROPERTY_MANAGER],
        "staff": users[Role.PROPERTY_STAFF], "worker": users[Role.COMMUNITY_WORKER],
        "secretary": users[Role.PARTY_SECRETARY], "grid": users[Role.GRID_WORKER],
        "owners": users[Role.OWNERS_COMMITTEE], "street_admin": users[Role.STREET_ADMIN],
    }


def make_request(world, by=None, **overrides) -> RepairRequest:
    """File a request through the service (so it gets its first timeline entry) and commit it.

    By default the resident files a normal 水电 request for their own household.
    """
    by = by or world["users"][Role.RESIDENT]
    fields = {"compound": world["compound"], "category": "water_power", "description": "厨房水管漏水",
              "urgency": "normal", "household": world["household"]}
    fields.update(overrides)
    req = services.file_request(by=by, **fields)
    commit()  # as a request would: what waits for the commit (outside alerts) runs now
    return req


@pytest.fixture
def two_homes(app, repair_world):
    """Two residents of one compound, each with a request of their own and a logged-in client: the same
    shape of scope, for the tests that serve them in turn from kept statements."""
    from tests.conftest import login_as

    w = repair_world
    mine = make_request(w, description="我家水管漏水")
    theirs = make_request(w, by=w["neighbour"], household=w["neighbour_home"], description="邻居家暖气不热")
    return {"mine": mine, "theirs": theirs, "resident": login_as(app.test_client(), w["resident"]),
            "neighbour": login_as(app.test_client(), w["neighbour"])}


# --- what to look at after a step ------------------------------------------------------------------

def timeline(req) -> list[tuple]:
    """(action, from_status, to_status, actor_id) of every event, oldest first."""
    rows = db.session.execute(
        select(RequestEvent.action, RequestEvent.from_status, RequestEvent.to_status, RequestEvent.actor_id)
        .where(RequestEvent.request_id == req.id).order_by(RequestEvent.id)
    ).all()
    return [tuple(row) for row in rows]


def inbox(user) -> list[str]:
    """The notifications `user` has as they read (default language), oldest first."""
    return [message_for(note) for note in db.session.scalars(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    )]


def unread(user) -> list[str]:
    """The notifications `user` has not read (or that were settled by someone acting), oldest first."""
    notes = db.session.scalars(select(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
                               .order_by(Notification.id))
    return [message_for(note) for note in notes]


def notification_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Notification))


def snapshot(req) -> dict:
    """Every column of the request, plus how many timeline entries and notifications exist."""
    values = {attr.key: getattr(req, attr.key) for attr in inspect(RepairRequest).column_attrs}
    values["_events"] = len(timeline(req))
    values["_notifications"] = notification_count()
    return values
