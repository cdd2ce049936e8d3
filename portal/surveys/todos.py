"""What the surveys module asks of a person now, for their home page."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select

from portal.core.clock import now_utc
from portal.core.modules import Todo
from portal.extensions import db
from portal.orgs.models import Building, Household
from portal.orgs.permissions import STAFF_ROLES, scope_of
from portal.surveys.models import TARGET, Campaign, CampaignCompound, Participation
from portal.surveys.results import satisfaction_rows


def todos(user) -> list[Todo]:
    """A campaign open for my household; campaigns running (with the live rate); results below 90%."""
    scope = scope_of(user)
    if not scope.compound_ids:
        return []
    now = now_utc()
    items: list[Todo] = []
    if scope.household_ids:
        unanswered = db.session.scalar(
            select(func.count(Campaign.id.distinct())).join(CampaignCompound, CampaignCompound.campaign_id == Campaign.id)
            .join(Building, Building.compound_id == CampaignCompound.compound_id)
            .join(Household, Household.building_id == Building.id)
            .where(Campaign.is_open(now), Household.id.in_(scope.household_ids),
                   ~exists().where(Participation.campaign_id == Campaign.id,
                                   Participation.household_id == Household.id)))
        if unanswered:
            items.append(Todo(_l("满意度测评待您填写"), unanswered, url_for("surveys.index", state="open")))
    staff = scope.compounds_with(STAFF_ROLES)
    if staff:
        running = db.session.execute(
            select(func.count(CampaignCompound.campaign_id.distinct()), func.sum(CampaignCompound.households))
            .join(Campaign, Campaign.id == CampaignCompound.campaign_id)
            .where(Campaign.is_open(now), CampaignCompound.compound_id.in_(staff))).one()
        if running[0]:
            answered = db.session.scalar(
                select(func.count()).select_from(Participation).join(Household, Household.id == Participation.household_id)
                .join(Building, Building.id == Household.building_id)
                .join(Campaign, Campaign.id == Participation.campaign_id)
                .where(Campaign.is_open(now), Building.compound_id.in_(staff))) or 0
            rate = round(100 * answered / running[1]) if running[1] else 0
            items.append(Todo(_l("进行中的满意度测评（参与率 %(rate)s%%）", rate=rate), running[0],
                              url_for("surveys.index", state="open")))
        latest = db.session.scalar(select(func.max(Campaign.closes_at)).join(
            CampaignCompound, CampaignCompound.campaign_id == Campaign.id)
            .where(Campaign.is_closed(now), CampaignCompound.compound_id.in_(staff)))
        if latest is not None:
            rows = satisfaction_rows(Campaign.closes_at == latest, CampaignCompound.compound_id.in_(staff))
            low = [r for r in rows if r.satisfaction is not None and r.satisfaction < TARGET]
            if low:
                items.append(Todo(_l("满意率低于90%的小区，需整改"), len(low),
                                  url_for("surveys.results", campaign_id=low[0].campaign_id), urgent=True))
    return items
