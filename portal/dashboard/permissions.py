"""Who reads which figures: a community's belong to those who see the whole community (its party
committee, community workers, the street: `orgs.community_whole`); a street's to its administrators
(`orgs.street_whole`); a property company's to its project managers and its street (`orgs.company_whole`). The figures are computed over every compound of the area, so someone who sees
only some compounds would learn through them what those compounds' own pages answer 404 for."""

from __future__ import annotations

from sqlalchemy import select

from portal.core.indicators import Area
from portal.core.permissions import rule
from portal.extensions import db
from portal.orgs.models import Community, Organisation, Street
from portal.orgs.permissions import get_area_or_404, scope_of


@rule("dashboard.figures")
def _read_figures(user, obj=None) -> bool:
    scope = scope_of(user)
    return bool(scope.community_ids or scope.street_ids or _managed_companies(scope))


def _managed_companies(scope) -> set[int]:
    from portal.orgs.models import Role

    return set(scope.company_ids) if Role.PROPERTY_MANAGER in scope.roles else set()


def get_community_area_or_404(user, community_id: int) -> Area:
    community = get_area_or_404(user, community_id, None)
    return Area("community", community.id, community.name, (community.id,))


def get_company_area_or_404(user, company_id: int) -> Area:
    company = get_area_or_404(user, None, None, company_id)
    return Area("company", company.id, company.name, ())


def get_street_area_or_404(user, street_id: int) -> Area:
    street = get_area_or_404(user, None, street_id)
    ids = tuple(db.session.scalars(select(Community.id).where(Community.street_id == street.id).order_by(Community.id)))
    return Area("street", street.id, street.name, ids)


def areas_of(user) -> list[Area]:
    """Every area whose figures the user reads: their streets first, then communities (one query each)."""
    scope = scope_of(user)
    streets = db.session.execute(select(Street.id, Street.name).where(Street.id.in_(scope.street_ids))
                                 .order_by(Street.name)).all()
    communities = db.session.execute(select(Community.id, Community.name).where(
        Community.id.in_(scope.community_ids)).order_by(Community.name)).all()
    companies = db.session.execute(select(Organisation.id, Organisation.name).where(
        Organisation.id.in_(_managed_companies(scope))).order_by(Organisation.name)).all()
    return ([Area("street", sid, name, ()) for sid, name in streets]
            + [Area("community", cid, name, (cid,)) for cid, name in communities]
            + [Area("company", oid, name, ()) for oid, name in companies])


def get_job_or_404(user, job_id: str):
    """A report job is its requester's alone: anyone else, and any unknown id, gets 404."""
    from flask import abort

    from portal.dashboard.models import ReportJob

    job = db.session.get(ReportJob, job_id[:32])
    if job is None or job.user_id != user.id:
        abort(404)
    return job
