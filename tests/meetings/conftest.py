"""Fixtures for joint meetings: the `world` with short names, and a meeting convened through the service."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.core.clock import now_utc
from portal.core.transaction import commit
from portal.extensions import db
from portal.meetings import services
from portal.meetings.models import Meeting
from portal.notifications.models import Notification
from portal.notifications.services import message_for
from portal.orgs.models import OrgKind, Role
from tests.conftest import make_org, make_user


@pytest.fixture
def mworld(world):
    users = world["users"]
    branch = make_org(OrgKind.PARTY_BRANCH, compound=world["compound"], name="阳光花园党支部")
    extra = {
        "branch": make_user("支部书记", role=Role.BRANCH_MEMBER, org=branch, title="书记"),
        "volunteer": make_user("志愿者", role=Role.MEMBER, org=make_org(OrgKind.VOLUNTEER_TEAM, community=world["community"],
                                                                     name="和平志愿队"), title="队员"),
        "far_person": make_user("远方人员", role=Role.OWNERS_COMMITTEE,
                                org=make_org(OrgKind.OWNERS_COMMITTEE, compound=world["far_compound"])),
    }
    db.session.commit()
    return {**world, **extra, "branch_org": branch,
            "secretary": users[Role.PARTY_SECRETARY], "worker": users[Role.COMMUNITY_WORKER],
            "grid": users[Role.GRID_WORKER], "owners_member": users[Role.OWNERS_COMMITTEE],
            "manager": users[Role.PROPERTY_MANAGER], "staff": users[Role.PROPERTY_STAFF],
            "resident": users[Role.RESIDENT], "street_admin": users[Role.STREET_ADMIN]}


def convene(w, *, by=None, starts_in=timedelta(days=2), length=timedelta(hours=1), compound="compound", x=(), **kw) -> Meeting:
    by = by or w["secretary"]
    compound = w[compound] if compound else None
    community_id = w["community"].id
    keys = kw.pop("invite_keys", None)
    if keys is None:
        keys = [c.key for c in services.proposed_invitees(community_id, compound.id if compound else None, by.id)]
    start = now_utc() + starts_in
    meeting = services.convene(by=by, community_id=community_id, compound_id=compound.id if compound else None,
                               title=kw.pop("title", "第一次联席会议"), kind=kw.pop("kind", "regular"), starts_at=start,
                               ends_at=start + length, place="社区会议室", invite_keys=keys, x_ids=list(x), **kw)
    commit()
    return meeting


def start_now(meeting: Meeting, *, minutes_ago: int = 10) -> None:
    """Move a convened meeting so that it is under way (the service refuses a start in the past)."""
    meeting.starts_at = now_utc() - timedelta(minutes=minutes_ago)
    meeting.ends_at = now_utc() + timedelta(hours=1)
    commit()


def inbox(user) -> list[str]:
    return [message_for(n) for n in db.session.scalars(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id))]
