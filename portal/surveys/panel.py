"""The compound page's satisfaction section (core.modules.add_compound_panel): the campaign running now
and the last ones closed, each with its response rate and — once closed — its 满意率 against the 90%
target, hidden below five answers as on the results pages (results.pooled). For the compound's staff,
who see its results anyway (permissions.staff_compound_ids); one statement whatever the number of
campaigns: each campaign's row carries its participation and overall answers as correlated counts."""

from __future__ import annotations

from sqlalchemy import select

from portal.core.clock import aware, now_utc
from portal.core.permissions import can
from portal.extensions import db
from portal.orgs.permissions import STAFF_ROLES, scope_of
from portal.surveys.models import TARGET, Campaign, CampaignCompound
from portal.surveys.results import Row, overall_counts, participants_of, pooled

#: how many campaigns (the latest that have opened) the section shows
SHOWN = 4


def compound_panel(user, compound) -> dict | None:
    if not can(user, "surveys.index") or compound.id not in scope_of(user).compounds_with(STAFF_ROLES):
        return None
    now = now_utc()
    campaigns = db.session.execute(
        select(Campaign.id, Campaign.title, Campaign.opens_at, Campaign.closes_at, CampaignCompound.company_id,
               CampaignCompound.households, participants_of(Campaign.id, compound.id),
               *overall_counts(Campaign.id, compound.id))
        .join(CampaignCompound, CampaignCompound.campaign_id == Campaign.id)
        .where(CampaignCompound.compound_id == compound.id, Campaign.opens_at <= now)
        .order_by(Campaign.opens_at.desc(), Campaign.id.desc()).limit(SHOWN)).all()
    rows = []
    for campaign in campaigns:
        households, took_part = campaign.households, campaign.took_part
        closed = aware(campaign.closes_at) <= now
        answers, satisfaction = pooled([Row(campaign.id, compound.id, campaign.company_id, campaign.answers, campaign.good)])
        rows.append({"id": campaign.id, "title": campaign.title, "closed": closed, "closes_at": campaign.closes_at,
                     "households": households, "took_part": took_part,
                     "response_rate": round(100 * took_part / households, 1) if households else None,
                     "answers": answers, "satisfaction": satisfaction if closed else None})
    return {"compound_id": compound.id, "campaigns": rows, "target": TARGET,
            "running": next((r for r in rows if not r["closed"]), None),
            "last_closed": next((r for r in rows if r["closed"]), None)}
