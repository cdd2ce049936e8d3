"""The satisfaction figures (满意度) of a community, a street or a property company for a period, and the
drill-down filters of the campaign list behind them.

A period's figures are about the campaigns *closed* in it (their results are final): how many, the
response rate over them, and 满意率 — overall ratings of 4–5 among valid answers — against the 90%
target, per compound and per property company with k = 5 applied. Campaigns running now are a state.
The numbers come from `results.summary` over `results.satisfaction_rows`, the same rows the results and
dual-evaluation pages read, so a figure can never differ from those pages. For a company the figures
are its evaluations: the campaign-compounds that named it (CampaignCompound.company_id) at launch.
A few queries whatever the number of compounds or campaigns.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.core.clock import TZ, aware, local_midnight, now_utc
from portal.core.indicators import Area, Chart, Figure, Period, Section, Sheet, Unit
from portal.core.params import parse_day, parse_id
from portal.extensions import db
from portal.orgs.indicators import compounds_in
from portal.surveys.models import TARGET, Campaign, CampaignCompound
from portal.surveys.results import Summary, _names, opening_months, pooled, summary

# --- predicates shared by the figures and the campaign list -------------------------------------------


def area_condition(area: Area):
    """The campaign-compounds of an area: a community's or street's compounds, or a company's evaluations."""
    if area.kind == "company":
        return CampaignCompound.company_id == area.id
    if area.kind == "street":
        return CampaignCompound.compound_id.in_(compounds_in(street_id=area.id))
    return CampaignCompound.compound_id.in_(compounds_in(area.id))


def closed_between(first: date | None, last: date | None, now: datetime):
    """Campaigns closed (results final) between two local days, both included."""
    conditions = [Campaign.is_closed(now)]
    if first:
        conditions.append(Campaign.closes_at >= local_midnight(first))
    if last:
        conditions.append(Campaign.closes_at < local_midnight(last + timedelta(days=1)))
    return conditions


def campaign_filters(args, now: datetime) -> tuple[list, list[tuple[str, str, str]]]:
    """(conditions on campaign-compounds joined to their campaign, chips) read back from a figure's link:
    the area (community, street, company, compound) and the days the campaigns closed (from/to)."""
    conditions, chips = [], []
    if community_id := parse_id(args.get("community", "")):
        conditions.append(CampaignCompound.compound_id.in_(compounds_in(community_id)))
        chips.append(("community", str(community_id), _("本社区")))
    if street_id := parse_id(args.get("street", "")):
        conditions.append(CampaignCompound.compound_id.in_(compounds_in(street_id=street_id)))
        chips.append(("street", str(street_id), _("本街道")))
    if company_id := parse_id(args.get("company", "")):
        conditions.append(CampaignCompound.company_id == company_id)
        chips.append(("company", str(company_id), _("该物业企业的测评")))
    if compound_id := parse_id(args.get("compound", "")):
        conditions.append(CampaignCompound.compound_id == compound_id)
        chips.append(("compound", str(compound_id), _("该小区")))
    first, last = parse_day(args.get("from")), parse_day(args.get("to"))
    if first or last:
        conditions += closed_between(first, last, now)
    if first:
        chips.append(("from", first.isoformat(), _("结束不早于 %(day)s", day=first.isoformat())))
    if last:
        chips.append(("to", last.isoformat(), _("结束不晚于 %(day)s", day=last.isoformat())))
    return conditions, chips


def matching_campaigns(conditions):
    """Campaign ids with at least one campaign-compound meeting `conditions`, as a subquery."""
    return (select(CampaignCompound.campaign_id).join(Campaign, Campaign.id == CampaignCompound.campaign_id)
            .where(*conditions))


# --- the section ----------------------------------------------------------------------------------------


def _breakdown(result: Summary, link) -> tuple[list[tuple], list[tuple]]:
    """Rows (label, answers, satisfied, 满意率, link) per compound and per company; k = 5 hides the part."""
    compounds = _names_of("compound", {r.compound_id for r in result.rows})
    companies = _names_of("organisation", {r.company_id for r in result.rows if r.company_id})
    rows = []
    for kind, names, key in (("compound", compounds, "compound_id"), ("company", companies, "company_id")):
        for item_id, name in sorted(names.items(), key=lambda item: item[1]):
            part = result.part(**{key: item_id})
            rows.append((name, part.answers, part.satisfied if part.satisfaction is not None else None,
                         part.satisfaction, link(**{kind: item_id})))
    return rows, [(row[0], row[3]) for row in rows[:len(compounds)]]


def _names_of(table: str, ids) -> dict[int, str]:
    from portal.orgs.models import Compound, Organisation

    return _names(Compound if table == "compound" else Organisation, ids)


def surveys_section(area: Area, period: Period, now: datetime | None = None) -> Section:
    now = now or now_utc()
    where = area_condition(area)
    result = summary(where, *closed_between(period.first, period.last, now))
    running = db.session.scalar(select(func.count()).select_from(Campaign).where(
        Campaign.id.in_(matching_campaigns([where, Campaign.is_open(now)])))) or 0
    base = {**area.args(), **period.day_args(), "state": "closed"}

    def campaigns(**filters):
        return url_for("surveys.index", **{**base, **filters})

    rows, points = _breakdown(result, campaigns)
    return Section("surveys.figures", _("满意度测评"), [
        Figure("surveys.closed", _("结束的测评"), result.campaigns, link=campaigns()),
        Figure("surveys.running", _("进行中的测评"), running, link=url_for("surveys.index", **area.args(), state="open")),
        Figure("surveys.response_rate", _("参与率"), result.response_rate, Unit.PERCENT, link=campaigns(),
               part=result.participants, whole=result.households),
        Figure("surveys.satisfaction", _("满意率"), result.satisfaction, Unit.PERCENT, link=campaigns(),
               part=result.satisfied if result.satisfaction is not None else None,
               whole=result.answers if result.satisfaction is not None else None, target=TARGET),
    ], columns=[_("小区 / 物业企业"), _("有效答卷"), _("满意"), _("满意率")], rows=rows,
        chart=Chart("bars", _("各小区满意率"), points, TARGET) if points else None,
        trend=satisfaction_trend(result))


def satisfaction_trend(result: Summary) -> Chart | None:
    """满意率 round by round: the campaigns opened in the same month (one per community in a street) pooled
    over the area's compounds as the figure is, k = 5 applied; one query for the months. Only with two
    rounds or more."""
    months = opening_months({r.campaign_id for r in result.rows})
    rounds = sorted(set(months.values()))
    if len(rounds) < 2:
        return None
    points = [(month, pooled([r for r in result.rows if months[r.campaign_id] == month])[1]) for month in rounds]
    return Chart("line", _("满意率（按测评轮次）"), points, TARGET)


def surveys_sheet(area: Area, period: Period) -> Sheet:
    """Each campaign-compound closed in the period: households, who took part, answers and 满意率 (k = 5:
    hidden below five answers). No personal data: counts only."""
    result = summary(area_condition(area), *closed_between(period.first, period.last, now_utc()))
    titles = _names(Campaign, {r.campaign_id for r in result.rows}, "title")
    closes = dict(db.session.execute(select(Campaign.id, Campaign.closes_at).where(
        Campaign.id.in_({r.campaign_id for r in result.rows}))).all()) if result.rows else {}
    compounds = _names_of("compound", {r.compound_id for r in result.rows})
    companies = _names_of("organisation", {r.company_id for r in result.rows if r.company_id})
    rows = []
    for r in result.rows:
        key = (r.campaign_id, r.compound_id)
        households, took_part = result.households_of.get(key, 0), result.took_part.get(key, 0)
        rows.append((titles[r.campaign_id], aware(closes[r.campaign_id]).astimezone(TZ).strftime("%Y-%m-%d"),
                     compounds[r.compound_id], companies.get(r.company_id, ""), households, took_part,
                     round(100 * took_part / households, 1) if households else None,
                     r.answers, None if r.hidden else r.satisfaction))
    return Sheet(_("满意度测评"), [_("测评"), _("结束日期"), _("小区"), _("物业企业"), _("户数"), _("参与户数"),
                                   _("参与率 %"), _("有效答卷"), _("满意率 %")], rows)
