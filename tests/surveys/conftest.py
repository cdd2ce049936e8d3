"""Fixtures for surveys: the `world`, a campaign over its compound, and answer values."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.core.clock import now_utc
from portal.extensions import db
from portal.orgs.models import Role
from portal.surveys import services
from portal.surveys.models import Dimension


@pytest.fixture
def sw(world):
    users = world["users"]
    return {**world, "secretary": users[Role.PARTY_SECRETARY], "worker": users[Role.COMMUNITY_WORKER],
            "owners_member": users[Role.OWNERS_COMMITTEE], "resident": users[Role.RESIDENT],
            "manager": users[Role.PROPERTY_MANAGER], "staff": users[Role.PROPERTY_STAFF]}


def launch(sw, compounds=None, **kw):
    template = services.standard_template()
    now = now_utc()
    campaign = services.launch_campaign(
        by=kw.pop("by", sw["secretary"]), survey=kw.pop("survey", template),
        compound_ids=[c.id for c in (compounds or [sw["compound"]])], title=kw.pop("title", "2026年第四季度测评"),
        opens_at=kw.pop("opens_at", now - timedelta(hours=1)), closes_at=kw.pop("closes_at", now + timedelta(days=7)))
    db.session.commit()
    return campaign


def values_for(campaign, overall=5, others=4, text=None, choices=None):
    values = {}
    for q in campaign.survey.questions:
        if q.kind == "rating":
            values[q.id] = overall if q.dimension == Dimension.OVERALL else others
        elif q.kind == "multiple" and choices is not None:
            values[q.id] = choices
        elif q.kind == "long_text" and text is not None:
            values[q.id] = text
    return values


def households(compound):
    return [h for b in compound.buildings for h in b.households]
