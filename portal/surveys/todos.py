"""What the surveys module asks of a person now, for their home page: every count in one statement
(each a scalar subquery; the compounds come from the scope)."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import DateTime, exists, func, select

from portal.core.clock import now_utc
from portal.core.kept_statements import kept_statement, param, run_plain
from portal.core.modules import Todo
from portal.core.translations import lazy_gettext as _l
from portal.orgs.models import Building, Household
from portal.orgs.permissions import STAFF_ROLES, scope_of
from portal.surveys.models import Campaign, CampaignCompound, Participation
from portal.surveys.results import below_target_count_and_first


def _statement(homes: bool, staff: bool):
    """A campaign open for my household (`homes`: `household_ids`); campaigns running on my staff
    compounds (`staff`: `staff_compounds`), their households and answers (the live rate); the compounds
    of the latest closed campaign below 90% and the first of them. Every value a parameter (core.kept_statements)."""
    now = param("now", DateTime(timezone=True))
    counts = {}
    if homes:
        counts["unanswered"] = (
            select(func.count(Campaign.id.distinct())).join(CampaignCompound, CampaignCompound.campaign_id == Campaign.id)
            .join(Building, Building.compound_id == CampaignCompound.compound_id)
            .join(Household, Household.building_id == Building.id)
            .where(Campaign.is_open(now), Household.id.in_(param("household_ids", expanding=True)),
                   ~exists().where(Participation.campaign_id == Campaign.id,
                                   Participation.household_id == Household.id))).scalar_subquery()
    if staff:
        compounds = param("staff_compounds", expanding=True)
        running = (select(CampaignCompound).join(Campaign, Campaign.id == CampaignCompound.campaign_id)
                   .where(Campaign.is_open(now), CampaignCompound.compound_id.in_(compounds)))
        counts["running"] = running.with_only_columns(func.count(CampaignCompound.campaign_id.distinct())).scalar_subquery()
        counts["households"] = running.with_only_columns(func.sum(CampaignCompound.households)).scalar_subquery()
        counts["answered"] = (
            select(func.count()).select_from(Participation).join(Household, Household.id == Participation.household_id)
            .join(Building, Building.id == Household.building_id)
            .join(Campaign, Campaign.id == Participation.campaign_id)
            .where(Campaign.is_open(now), Building.compound_id.in_(compounds))).scalar_subquery()
        latest = (select(func.max(Campaign.closes_at)).join(CampaignCompound, CampaignCompound.campaign_id == Campaign.id)
                  .where(Campaign.is_closed(now), CampaignCompound.compound_id.in_(compounds))).scalar_subquery()
        counts["low"], counts["low_campaign"] = below_target_count_and_first(
            Campaign.closes_at == latest, CampaignCompound.compound_id.in_(compounds))
    return select(*(sub.label(name) for name, sub in counts.items()))


def todos(user) -> list[Todo]:
    """A campaign open for my household; campaigns running (with the live rate); results below 90%."""
    scope = scope_of(user)
    if not scope.compound_ids:
        return []
    homes, staff = scope.household_ids, scope.compounds_with(STAFF_ROLES)
    if not (homes or staff):
        return []
    statement = kept_statement(("surveys.todos", bool(homes), bool(staff)), lambda: _statement(bool(homes), bool(staff)))
    values = {"now": now_utc()}
    if homes:
        values["household_ids"] = list(homes)
    if staff:
        values["staff_compounds"] = list(staff)
    row = run_plain(statement, values).one()
    items: list[Todo] = []
    if getattr(row, "unanswered", 0):
        items.append(Todo(_l("满意度测评待您填写"), row.unanswered, url_for("surveys.index", state="open")))
    if getattr(row, "running", 0):
        rate = round(100 * (row.answered or 0) / row.households) if row.households else 0
        items.append(Todo(_l("进行中的满意度测评（参与率 %(rate)s%%）", rate=rate), row.running,
                          url_for("surveys.index", state="open")))
    if getattr(row, "low", 0):
        items.append(Todo(_l("满意率低于90%的小区，需整改"), row.low,
                          url_for("surveys.results", campaign_id=row.low_campaign), urgent=True))
    return items
