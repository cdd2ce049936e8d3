"""The coverage indicators (覆盖率) of a community or street, and the filters of the compound and
organisation lists behind them. A figure and its list use the same SQL predicate, so the list's count is
the figure by construction; a few queries whatever the number of compounds.

Coverage is a state, not a flow: it is taken on the period's last day (today while the period runs).
"""

from __future__ import annotations

from datetime import date

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import case, func, select

from portal.core.clock import today as clock_today
from portal.core.indicators import Area, Figure, Period, Section, Sheet, Unit, rate
from portal.extensions import db
from portal.orgs.models import (
    Building,
    Community,
    Compound,
    Household,
    Organisation,
    OrgKind,
    ServiceContract,
)


def as_of(period: Period, today: date) -> date:
    return min(period.last, today)


# --- predicates shared by the figures and the lists -----------------------------------------------

def compounds_in(community_id: int | None = None, street_id: int | None = None):
    """Compound ids of a community or of a street, as a subquery."""
    query = select(Compound.id)
    if community_id:
        query = query.where(Compound.community_id == community_id)
    if street_id:
        query = query.join(Community).where(Community.street_id == street_id)
    return query


def served_by(company_id: int, on: date):
    """Compound ids a property company serves under a contract current on `on`, as a subquery."""
    return select(ServiceContract.compound_id).where(ServiceContract.company_id == company_id,
                                                     ServiceContract.is_current(on))


def area_compounds_of(area: Area, on: date):
    """The compounds of an area, as a subquery: a community's, a street's, or those a company serves."""
    if area.kind == "company":
        return served_by(area.id, on)
    return compounds_in(area.id) if area.kind == "community" else compounds_in(street_id=area.id)


def with_property(on: date):
    """Compounds served under a contract current on `on` (物业服务覆盖)."""
    return Compound.id.in_(select(ServiceContract.compound_id).where(ServiceContract.is_current(on)))


def with_owners_committee():
    return Compound.id.in_(select(Organisation.compound_id).where(Organisation.kind == OrgKind.OWNERS_COMMITTEE))


def with_party_branch():
    """Organisations in which a party branch sits (its parent): party coverage."""
    return Organisation.id.in_(select(Organisation.parent_id).where(
        Organisation.kind == OrgKind.PARTY_BRANCH, Organisation.parent_id.is_not(None)).scalar_subquery())


def committees_in(compound_ids):
    return (Organisation.kind == OrgKind.OWNERS_COMMITTEE) & Organisation.compound_id.in_(compound_ids)


def companies_serving(compound_ids, on: date):
    """The property companies serving these compounds on `on` (not every one that ever did)."""
    return (Organisation.kind == OrgKind.PROPERTY_COMPANY) & Organisation.id.in_(
        select(ServiceContract.company_id).where(ServiceContract.compound_id.in_(compound_ids),
                                                 ServiceContract.is_current(on)))


def cross_appointed_committee_ids(community_ids, on: date) -> set[int]:
    """Owners' committees with at least one member who also holds a post in another body of the area."""
    from portal.orgs.services import cross_appointments

    return {org_id for person in cross_appointments(list(community_ids), on) for org_id in person.organisation_ids}


# --- the section ----------------------------------------------------------------------------------

def _counted(query):
    """`query`'s row count as a scalar subquery, to count several lists in one statement."""
    return select(func.count()).select_from(query.subquery()).scalar_subquery()


def coverage_section(area: Area, period: Period, today: date | None = None) -> Section | None:
    if area.kind == "company":
        return None  # a company's compounds are all served by it: coverage says nothing there
    on = as_of(period, today or clock_today())
    where = area.args()
    area_compounds = area_compounds_of(area, on)
    # Every count in one statement (the lists' own predicates, each as a scalar subquery).
    compounds, served, with_committee, committees_party, companies, companies_party, households = db.session.execute(
        select(
            _counted(select(Compound.id).where(Compound.id.in_(area_compounds))),
            _counted(select(Compound.id).where(Compound.id.in_(area_compounds), with_property(on))),
            _counted(select(Compound.id).where(Compound.id.in_(area_compounds), with_owners_committee())),
            _counted(select(Organisation.id).where(committees_in(area_compounds), with_party_branch())),
            _counted(select(Organisation.id).where(companies_serving(area_compounds, on))),
            _counted(select(Organisation.id).where(companies_serving(area_compounds, on), with_party_branch())),
            select(func.count(Household.id)).join(Building).where(Building.compound_id.in_(area_compounds))
            .scalar_subquery(),
        )).one()
    committee_ids = set(db.session.scalars(select(Organisation.id).where(committees_in(area_compounds))))
    cross = len(committee_ids & cross_appointed_committee_ids(area.community_ids, on))
    on_arg = {"on": on.isoformat()}

    def compounds_link(**filters):
        return url_for("orgs.compounds", **where, **filters)

    def organisations_link(kind, **filters):
        return url_for("orgs.organisations", kind=kind, **where, **filters)

    return Section("orgs.coverage", _("组织覆盖"), [
        Figure("orgs.compounds", _("小区数"), compounds, link=compounds_link()),
        Figure("orgs.households", _("户数"), households),
        Figure("orgs.property_coverage", _("物业服务覆盖率"), rate(served, compounds), Unit.PERCENT,
               link=compounds_link(property="yes", **on_arg), part=served, whole=compounds),
        Figure("orgs.owners_committee_coverage", _("业委会(物管会)组建率"), rate(with_committee, compounds), Unit.PERCENT,
               link=compounds_link(committee="yes"), part=with_committee, whole=compounds),
        Figure("orgs.owners_party_coverage", _("业委会党组织覆盖率"), rate(committees_party, len(committee_ids)),
               Unit.PERCENT, link=organisations_link(OrgKind.OWNERS_COMMITTEE, party="yes"),
               part=committees_party, whole=len(committee_ids)),
        Figure("orgs.company_party_coverage", _("物业企业党组织覆盖率"), rate(companies_party, companies), Unit.PERCENT,
               link=organisations_link(OrgKind.PROPERTY_COMPANY, party="yes", serving="yes", **on_arg),
               part=companies_party, whole=companies),
        Figure("orgs.cross_coverage", _("交叉任职覆盖率"), rate(cross, len(committee_ids)), Unit.PERCENT,
               link=organisations_link(OrgKind.OWNERS_COMMITTEE, cross="yes", **on_arg),
               part=cross, whole=len(committee_ids)),
    ])


# --- the lists' side: parse a figure's link back into the same predicates ---------------------------

def _on(args, today: date) -> date:
    from portal.core.params import parse_day

    return parse_day(args.get("on")) or today


def area_compounds(args, today: date | None = None):
    """The compounds a list is narrowed to by `community=`, `street=` or `company=` (with `on=`), None
    for no narrowing."""
    from portal.core.params import parse_id

    if company_id := parse_id(args.get("company", "")):
        return served_by(company_id, _on(args, today or clock_today()))
    community_id, street_id = parse_id(args.get("community", "")), parse_id(args.get("street", ""))
    if not community_id and not street_id:
        return None
    return compounds_in(community_id, street_id)


def compound_filters(args, today: date) -> tuple[list, list[tuple[str, str, str]]]:
    """(SQL conditions, chips) of the compound list's drill-down filters."""
    conditions, chips = [], []
    if (street := args.get("street", "")).isdigit():
        conditions.append(Compound.id.in_(compounds_in(street_id=int(street))))
        chips.append(("street", street, _("本街道")))
    on = _on(args, today)
    if args.get("property") in {"yes", "no"}:
        served = with_property(on)
        conditions.append(served if args["property"] == "yes" else ~served)
        chips += [("property", args["property"], _("有物业服务") if args["property"] == "yes" else _("无物业服务")),
                  ("on", on.isoformat(), _("截至 %(day)s", day=on.isoformat()))]
    if args.get("committee") in {"yes", "no"}:
        formed = with_owners_committee()
        conditions.append(formed if args["committee"] == "yes" else ~formed)
        chips.append(("committee", args["committee"], _("已组建业委会") if args["committee"] == "yes" else _("未组建业委会")))
    return conditions, chips


def organisation_filters(args, today: date) -> tuple[list, list[tuple[str, str, str]]]:
    """(SQL conditions, chips) of the organisation list's drill-down filters: the area, party coverage,
    companies serving the area, committees with a cross-appointed member."""
    conditions, chips = [], []
    on = _on(args, today)
    compounds = area_compounds(args)
    if compounds is not None:
        if args.get("serving") == "yes":
            conditions.append(companies_serving(compounds, on))
            chips.append(("serving", "yes", _("服务本区域的物业企业")))
        else:
            community_ids = select(Compound.community_id).where(Compound.id.in_(compounds))
            conditions.append(Organisation.compound_id.in_(compounds) | Organisation.community_id.in_(community_ids))
        for name in ("community", "street"):
            if args.get(name, "").isdigit():
                chips.append((name, args[name], _("本社区") if name == "community" else _("本街道")))
    if args.get("party") == "yes":
        conditions.append(with_party_branch())
        chips.append(("party", "yes", _("有党组织")))
    if args.get("cross") == "yes" and compounds is not None:
        community_ids = set(db.session.scalars(select(Compound.community_id).where(Compound.id.in_(compounds)).distinct()))
        conditions.append(Organisation.id.in_(cross_appointed_committee_ids(community_ids, on) or {0}))
        chips.append(("cross", "yes", _("有交叉任职")))
    if chips and any(name in {"serving", "cross"} for name, _v, _l in chips):
        chips.append(("on", on.isoformat(), _("截至 %(day)s", day=on.isoformat())))
    return conditions, chips


def compounds_sheet(area: Area, period: Period, today: date | None = None) -> Sheet:
    """Each compound of the area on the period's last day: its bodies, as the coverage counts them
    (four queries whatever the number of compounds)."""
    on = as_of(period, today or clock_today())
    area_compounds = area_compounds_of(area, on)
    compounds = db.session.execute(
        select(Compound.id, Compound.name, Community.name).join(Community)
        .where(Compound.id.in_(area_compounds)).order_by(Community.name, Compound.name)).all()
    contracts = {row.compound_id: row for row in db.session.execute(
        select(ServiceContract.compound_id, Organisation.name, ServiceContract.end_date)
        .join(Organisation, Organisation.id == ServiceContract.company_id)
        .where(ServiceContract.compound_id.in_(area_compounds), ServiceContract.is_current(on)))}
    households = dict(db.session.execute(
        select(Building.compound_id, func.count(Household.id)).join(Household)
        .where(Building.compound_id.in_(area_compounds)).group_by(Building.compound_id)).all())
    committees = dict(db.session.execute(
        select(Organisation.compound_id, func.max(case((with_party_branch(), 1), else_=0)))
        .where(committees_in(area_compounds)).group_by(Organisation.compound_id)).all())
    yes, no = _("是"), _("否")
    return Sheet(_("小区与组织"), [_("小区"), _("社区"), _("户数"), _("物业企业"), _("合同到期"), _("业委会/物管会"),
                                   _("业委会党组织")], [
        (name, community, households.get(cid, 0),
         contracts[cid].name if cid in contracts else "", contracts[cid].end_date.isoformat() if cid in contracts else "",
         yes if cid in committees else no, yes if committees.get(cid) else no)
        for cid, name, community in compounds
    ])
