"""Fixtures for co-construction: the `world` plus a party member, a unit with a contact, and a wish."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.core.transaction import commit
from portal.extensions import db
from portal.notifications.models import Notification
from portal.notifications.services import message_for
from portal.orgs.models import Role
from portal.projects import services
from portal.projects.models import PartyMember, Unit
from tests.conftest import make_user


@pytest.fixture
def co_world(world):
    """member: a party member living in the compound (household 2); contact: the contact of a unit of the
    community; neighbour: a resident of the same compound, not a party member; far_member: a party member
    of another street."""
    compound = world["compound"]
    member_home = compound.buildings[0].households[1]
    member = make_user("党员小李", household=member_home, street=world["street"])
    contact = make_user("单位联络员", street=world["street"])
    neighbour = make_user("邻居", household=compound.buildings[0].households[2], street=world["street"])
    far_home = world["far_compound"].buildings[0].households[0]
    far_member = make_user("远方党员", household=far_home, street=world["far_street"])
    unit = Unit(community_id=world["community"].id, name="区第一人民医院", registered_on=date(2026, 1, 5),
                contact_name="曾晓红", contact_phone="13900000001", contact_user_id=contact.id, offers="义诊")
    bare_unit = Unit(community_id=world["community"].id, name="区实验小学", registered_on=date(2026, 2, 1),
                     contact_name="袁老师", contact_phone="13900000002")
    db.session.add_all([unit, bare_unit])
    db.session.flush()
    db.session.add(PartyMember(user_id=member.id, compound_id=compound.id, unit_id=unit.id, registered_on=date(2026, 3, 1)))
    db.session.add(PartyMember(user_id=far_member.id, compound_id=world["far_compound"].id, workplace="远方公司",
                               registered_on=date(2026, 3, 1)))
    db.session.commit()
    users = world["users"]
    return {**world, "member": member, "contact": contact, "neighbour": neighbour, "far_member": far_member,
            "unit": unit, "bare_unit": bare_unit, "resident": users[Role.RESIDENT],
            "worker": users[Role.COMMUNITY_WORKER], "grid": users[Role.GRID_WORKER],
            "manager": users[Role.PROPERTY_MANAGER], "staff": users[Role.PROPERTY_STAFF]}


def make_wish(w, by=None, **overrides):
    by = by or w["resident"]
    fields = {"compound": w["compound"], "title": "想要一台旧电脑给孩子上网课", "category": "study",
              "household": w["household"]}
    fields.update(overrides)
    wish = services.post_wish(by=by, **fields)
    commit()
    return wish


def inbox(user) -> list[str]:
    notes = db.session.scalars(select(Notification).where(Notification.user_id == user.id).order_by(Notification.id))
    return [message_for(n) for n in notes]
