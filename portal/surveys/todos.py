"""What the surveys module asks of a person now, for their home page: every count in one statement
(each a scalar subquery; the compounds come from the scope).

The compounds below 90% in the latest closed campaign are the one figure that aggregates answers; it is
kept per set of compounds (`closed_below_target`). A closed campaign's answers are final (an answer needs
an open campaign), so the figure changes only when a campaign, its compounds or its questions change —
the `RESULTS` stamp, read with the counts — or when another campaign closes, which the kept figure knows
the time of.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from flask import url_for
from sqlalchemy import DateTime, exists, func, select

from portal.core import stamps
from portal.core.clock import aware, now_utc
from portal.core.in_lists import in_ids
from portal.core.kept_statements import kept_statement, param, run_plain
from portal.core.modules import Todo
from portal.core.todo_counts import Counted
from portal.core.translations import lazy_gettext as _l
from portal.orgs.models import Building, Household
from portal.orgs.permissions import STAFF_ROLES, scope_of
from portal.surveys.models import Campaign, CampaignCompound, Participation, Question
from portal.surveys.results import below_target_count_and_first

#: moves when campaigns, the compounds they cover or their questions change; not with answers (see above)
RESULTS = "surveys.results"
stamps.watch(RESULTS, Campaign, CampaignCompound, Question)
#: an answer checked while its campaign was open may commit a moment after it closed: a closing is taken
#: as settled this long after it
SETTLE = timedelta(minutes=1)


def _statement(homes: bool, staff: bool):
    """A campaign open for my household (`homes`: `household_ids`); campaigns running on my staff
    compounds (`staff`: `staff_compounds`), their households and answers (the live rate), and the
    RESULTS stamp's token. Every value a parameter (core.kept_statements)."""
    now = param("now", DateTime(timezone=True))
    counts = {}
    if homes:
        counts["unanswered"] = (
            select(func.count(Campaign.id.distinct())).join(CampaignCompound, CampaignCompound.campaign_id == Campaign.id)
            .join(Building, Building.compound_id == CampaignCompound.compound_id)
            .join(Household, Household.building_id == Building.id)
            .where(Campaign.is_open(now), in_ids(Household.id, param("household_ids", expanding=True)),
                   ~exists().where(Participation.campaign_id == Campaign.id,
                                   Participation.household_id == Household.id))).scalar_subquery()
    if staff:
        compounds = param("staff_compounds", expanding=True)
        running = (select(CampaignCompound).join(Campaign, Campaign.id == CampaignCompound.campaign_id)
                   .where(Campaign.is_open(now), in_ids(CampaignCompound.compound_id, compounds)))
        counts["running"] = running.with_only_columns(func.count(CampaignCompound.campaign_id.distinct())).scalar_subquery()
        counts["households"] = running.with_only_columns(func.sum(CampaignCompound.households)).scalar_subquery()
        counts["answered"] = (
            select(func.count()).select_from(Participation).join(Household, Household.id == Participation.household_id)
            .join(Building, Building.id == Household.building_id)
            .join(Campaign, Campaign.id == Participation.campaign_id)
            .where(Campaign.is_open(now), in_ids(Building.compound_id, compounds))).scalar_subquery()
        counts["results_token"] = stamps.token_of(RESULTS)
    return select(*(sub.label(name) for name, sub in counts.items()))


def _below_target_statement():
    """The compounds of the latest closed campaign (on `staff_compounds`) below 90%, the first of them,
    and the next closing among those compounds' campaigns that has not settled by `now`."""
    now, compounds = param("now", DateTime(timezone=True)), param("staff_compounds", expanding=True)
    on_compounds = (select(Campaign.closes_at).join(CampaignCompound, CampaignCompound.campaign_id == Campaign.id)
                    .where(in_ids(CampaignCompound.compound_id, compounds)))
    latest = on_compounds.with_only_columns(func.max(Campaign.closes_at)).where(Campaign.is_closed(now)).scalar_subquery()
    low, first = below_target_count_and_first(Campaign.closes_at == latest, in_ids(CampaignCompound.compound_id, compounds))
    unsettled = param("unsettled", DateTime(timezone=True))
    next_closing = (on_compounds.with_only_columns(func.min(Campaign.closes_at))
                    .where(Campaign.closes_at > unsettled).scalar_subquery())
    return select(low.label("low"), first.label("campaign"), next_closing.label("next_closing"))


class BelowTarget(NamedTuple):
    low: int
    campaign: int | None
    #: until when the figure holds: a later campaign's closing, settled (None: no campaign to close)
    until: datetime | None


def closed_below_target(compounds, now: datetime, token: str | None) -> BelowTarget:
    """How many of `compounds` are below 90% in their latest closed campaign, and that campaign; kept
    under the RESULTS token read before it until the next closing among their campaigns has settled."""
    def compute() -> BelowTarget:
        statement = kept_statement("surveys.below_target", _below_target_statement)
        row = run_plain(statement, {"now": now, "staff_compounds": list(compounds), "unsettled": now - SETTLE}).one()
        until = aware(row.next_closing)
        return BelowTarget(row.low or 0, row.campaign, None if until is None else until + SETTLE)

    cache = stamps.app_cache("surveys.below_target", size=4096)
    return cache.get(tuple(sorted(compounds)), token, compute,
                     fresh=lambda kept: kept.until is None or now < kept.until)


def counted(user) -> Counted | None:
    """A campaign open for my household; campaigns running (with the live rate); results below 90%: one
    statement run with the other modules' (core.todo_counts), then the kept "below 90%" figure."""
    scope = scope_of(user)
    if not scope.compound_ids:
        return None
    homes, staff = scope.household_ids, scope.compounds_with(STAFF_ROLES)
    if not (homes or staff):
        return None
    now = now_utc()
    values = {"now": now}
    if homes:
        values["household_ids"] = list(homes)
    if staff:
        values["staff_compounds"] = list(staff)
    return Counted(("surveys.todos", bool(homes), bool(staff)), lambda: _statement(bool(homes), bool(staff)), values,
                   lambda row: _todos(row, staff, now))


def _todos(row, staff, now) -> list[Todo]:
    items: list[Todo] = []
    if row.get("unanswered"):
        items.append(Todo(_l("满意度测评待您填写"), row["unanswered"], url_for("surveys.index", state="open")))
    if row.get("running"):
        households = row["households"]
        rate = round(100 * (row["answered"] or 0) / households) if households else 0
        items.append(Todo(_l("进行中的满意度测评（参与率 %(rate)s%%）", rate=rate), row["running"],
                          url_for("surveys.index", state="open")))
    if staff:
        low = closed_below_target(staff, now, row["results_token"])
        if low.low:
            items.append(Todo(_l("满意率低于90%的小区，需整改"), low.low,
                              url_for("surveys.results", campaign_id=low.campaign), urgent=True))
    return items


def todos(user) -> list[Todo]:
    """`counted`, run alone."""
    found = counted(user)
    return found.run() if found else []
