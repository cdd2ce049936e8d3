"""A property company's satisfaction over the last twelve months and its rank among its street's
property companies, for the company's figures page (core.modules.add_company_panel).

满意率 pooled as everywhere (results.pooled: overall ratings of 4–5 among valid answers, hidden below
five answers) over the campaign-compounds that named the company at launch and closed in the window;
the trend is one point per survey round (the campaigns opened in the same month). One pass over the
street's campaign-compounds serves every company of the street: five queries whatever their number.
The other companies' figures are shown by name only to the street's administrators; a company's own
manager sees where it stands (rank of how many)."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from portal.core.clock import now_utc, today
from portal.core.indicators import Chart
from portal.core.permissions import can
from portal.extensions import db
from portal.orgs.models import Organisation, OrgKind
from portal.surveys.indicators import closed_between
from portal.surveys.models import TARGET, CampaignCompound
from portal.surveys.results import opening_months, pooled, summary

#: the window the trend and the rank cover
WINDOW = timedelta(days=365)


def street_companies(street_id: int) -> dict[int, str]:
    return dict(db.session.execute(select(Organisation.id, Organisation.name).where(
        Organisation.street_id == street_id, Organisation.kind == OrgKind.PROPERTY_COMPANY)).all())


def ranked(values: dict[int, float | None]) -> dict[int, int | None]:
    """company id → rank, 1 the highest 满意率; tied values share a rank; hidden (k = 5) or none: no rank."""
    known = [v for v in values.values() if v is not None]
    return {cid: None if v is None else 1 + sum(1 for other in known if other > v) for cid, v in values.items()}


def company_panel(user, company) -> dict | None:
    if not can(user, "surveys.evaluation"):
        return None
    now, last = now_utc(), today()
    first = last - WINDOW + timedelta(days=1)
    companies = street_companies(company.street_id)
    result = summary(CampaignCompound.company_id.in_(list(companies)), *closed_between(first, last, now))
    per_company = {cid: pooled([r for r in result.rows if r.company_id == cid]) for cid in companies}
    ranks = ranked({cid: satisfaction for cid, (_answers, satisfaction) in per_company.items()})
    own = [r for r in result.rows if r.company_id == company.id]
    months = opening_months({r.campaign_id for r in own})
    rounds = sorted(set(months.values()))
    points = [(month, pooled([r for r in own if months[r.campaign_id] == month])[1]) for month in rounds]
    whole_street = can(user, "orgs.street_whole", company.street)
    return {
        "company_id": company.id, "first": first, "last": last, "target": TARGET,
        "answers": per_company[company.id][0], "satisfaction": per_company[company.id][1],
        "trend": Chart("line", _("满意率（近 12 个月，按测评轮次）"), points, TARGET) if len(points) >= 2 else None,
        "points": points, "rank": ranks[company.id], "of": len(companies),
        "table": sorted(((companies[cid], ranks[cid], *per_company[cid], cid == company.id) for cid in companies),
                        key=lambda row: (row[1] is None, row[1] or 0, row[0])) if whole_street else None,
    }
