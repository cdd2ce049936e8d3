"""The structure section of a person's home page: their posts, the coverage figures and their compounds."""

from __future__ import annotations

from sqlalchemy import Date, func, select
from sqlalchemy.orm import contains_eager, joinedload

from portal.core.clock import today
from portal.core.kept_statements import kept_statement, param
from portal.extensions import db
from portal.orgs import services
from portal.orgs.models import Community, Compound, Position, Role, ServiceContract
from portal.orgs.permissions import STAFF_ROLES, scope_of

SHOWN_COMPOUNDS = 12


def structure_panel(user) -> dict:
    """Two queries: the compounds shown with each one's current contract and company, and the posts.
    The coverage figures come a moment later in their own request (views.coverage.home_coverage), so
    the home page does not pay for them."""
    scope = scope_of(user)
    on = today()
    compounds, contracts = [], {}
    if scope.roles & STAFF_ROLES:
        compounds, contracts = _compounds_with_contracts(scope.compound_ids, on)
    positions = []
    if scope.roles - {Role.RESIDENT}:  # every open post gives the scope its role: no role, no post to read
        positions = db.session.scalars(kept_statement("orgs.home.positions", _positions),
                                       {"user_id": user.id, "on": on}).all()
    return {
        "positions": positions,
        "resident": Role.RESIDENT in scope.roles,
        "has_roles": bool(scope.roles),
        "coverage": has_coverage(scope),
        "compounds": compounds,
        "contracts": contracts,
        "total_compounds": len(scope.compound_ids),
        "role_labels": services.ROLE_LABELS,
    }


def _positions():
    """The user's open posts with their organisations ("my roles" names them): kept (core.kept_statements)."""
    return (select(Position).where(Position.user_id == param("user_id"), Position.is_open(param("on", Date)))
            .options(joinedload(Position.organisation)))


def _compounds_with_contracts(compound_ids, on):
    """The first SHOWN_COMPOUNDS compounds (by community and name) with their community, and compound id →
    current contract with its company (as services.current_contracts gives), in one statement: the
    contract joined is the compound's current one with the highest id, so a compound stays one row."""
    rows = db.session.execute(kept_statement("orgs.home.compounds", _compounds_statement),
                              {"compound_ids": list(compound_ids), "on": on}).all()
    return [compound for compound, _contract in rows], {
        compound.id: contract for compound, contract in rows if contract is not None}


def _compounds_statement():
    """_compounds_with_contracts's statement, every value a parameter (`compound_ids`, `on`): kept."""
    current = (select(func.max(ServiceContract.id)).where(ServiceContract.compound_id == Compound.id,
                                                           ServiceContract.is_current(param("on", Date)))
               .correlate(Compound).scalar_subquery())
    return (select(Compound, ServiceContract).where(Compound.id.in_(param("compound_ids", expanding=True))).join(Community)
            .outerjoin(ServiceContract, ServiceContract.id == current)
            .options(contains_eager(Compound.community),  # the table names each compound's community
                     joinedload(ServiceContract.company))  # and each contract's company
            .order_by(Community.name, Compound.name).limit(SHOWN_COMPOUNDS))


def has_coverage(scope) -> bool:
    """Whether the user answers for a whole area (a street, else a community): `_coverage` has figures."""
    return bool(scope.street_ids or scope.community_ids)


def coverage(scope, on):
    """The coverage figures of the area the user answers for (their street, else their community), as
    the figures page computes them, each linking to its list; None for those who see no whole area."""
    from portal.core.indicators import Area, month
    from portal.orgs.indicators import coverage_section
    from portal.orgs.models import Street

    if scope.street_ids:
        rows = db.session.execute(select(Street.id, Street.name, Community.id).outerjoin(
            Community, Community.street_id == Street.id).where(Street.id == min(scope.street_ids))).all()
        street_id, name = rows[0][:2]
        area = Area("street", street_id, name, tuple(row[2] for row in rows if row[2] is not None))
    elif scope.community_ids:
        community = db.session.scalars(select(Community).where(Community.id.in_(scope.community_ids))
                                       .order_by(Community.name).limit(1)).one()
        area = Area("community", community.id, community.name, (community.id,))
    else:
        return None
    return {"area": area, "section": coverage_section(area, month(on), today=on)}
