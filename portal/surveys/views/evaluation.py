"""Dual evaluation (双评价): a property company's satisfaction per compound and over time; a community's
compounds ranked by their latest closed campaign. Below 90% is marked red."""

from flask_login import current_user, login_required

from portal.core.clock import now_utc
from portal.core.permissions import require
from portal.core.rendering import render
from portal.orgs.models import Compound
from portal.orgs.permissions import STAFF_ROLES, get_community_or_404, scope_of
from portal.surveys.models import K_MIN, TARGET, Campaign, CampaignCompound
from portal.surveys.permissions import get_company_or_404
from portal.surveys.results import _names, opening_months, pooled, satisfaction_rows
from portal.surveys.views import bp


@bp.route("/companies/<int:org_id>")
@login_required
def company(org_id):
    org = get_company_or_404(current_user, org_id)
    require(current_user, "surveys.evaluation")
    rows = satisfaction_rows(CampaignCompound.company_id == org.id, Campaign.is_closed(now_utc()))
    if org.id not in scope_of(current_user).company_ids:  # others see only the compounds they are staff of
        staff = scope_of(current_user).compounds_with(STAFF_ROLES)
        rows = [r for r in rows if r.compound_id in staff]
    titles = _names(Campaign, {r.campaign_id for r in rows}, "title")
    compounds = _names(Compound, {r.compound_id for r in rows})
    by_campaign: dict[int, list] = {}
    for r in rows:
        by_campaign.setdefault(r.campaign_id, []).append(r)
    months = opening_months(set(by_campaign))
    over_time = [(titles[cid], months[cid], *pooled(group)) for cid, group in by_campaign.items()]
    table = [(titles[r.campaign_id], compounds[r.compound_id], r.answers, r.satisfaction) for r in rows]
    return render("surveys/company.html", (), org=org, over_time=over_time, table=table, k=K_MIN, target=TARGET)


@bp.route("/communities/<int:community_id>")
@login_required
def community(community_id):
    community = get_community_or_404(current_user, community_id)
    require(current_user, "surveys.evaluation")
    staff = scope_of(current_user).compounds_with(STAFF_ROLES)
    rows = satisfaction_rows(Campaign.community_id == community.id, Campaign.is_closed(now_utc()),
                             CampaignCompound.compound_id.in_(staff))
    latest: dict[int, object] = {}
    for r in rows:  # oldest first: the last one kept is the latest
        latest[r.compound_id] = r
    names = _names(Compound, set(latest))
    titles = _names(Campaign, {r.campaign_id for r in latest.values()}, "title")
    ranking = sorted(((names[cid], titles[r.campaign_id], r.answers, r.satisfaction) for cid, r in latest.items()),
                     key=lambda row: (row[3] is None, -(row[3] or 0), row[0]))
    return render("surveys/community.html", (), community=community, ranking=ranking, k=K_MIN, target=TARGET)
