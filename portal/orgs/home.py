"""The structure section of a person's home page: their posts, the coverage figures and their compounds."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload

from portal.core.clock import today
from portal.extensions import db
from portal.orgs import services
from portal.orgs.models import Community, Compound, Position, Role, ServiceContract
from portal.orgs.permissions import STAFF_ROLES, scope_of

SHOWN_COMPOUNDS = 12


def structure_panel(user) -> dict:
    scope = scope_of(user)
    on = today()
    compounds = []
    if scope.roles & STAFF_ROLES:
        compounds = db.session.scalars(
            select(Compound).where(Compound.id.in_(scope.compound_ids)).join(Community)
            .options(contains_eager(Compound.community))  # the table names each compound's community
            .order_by(Community.name, Compound.name).limit(SHOWN_COMPOUNDS)).all()
    positions = db.session.scalars(select(Position).where(Position.user_id == user.id, Position.is_open(on))
                                   .options(joinedload(Position.organisation))).all()  # "my roles" names it
    return {
        "positions": positions,
        "resident": Role.RESIDENT in scope.roles,
        "has_roles": bool(scope.roles),
        "coverage": _coverage(scope, on),
        "compounds": compounds,
        "contracts": services.current_contracts([c.id for c in compounds], on, joinedload(ServiceContract.company)),
        "total_compounds": len(scope.compound_ids),
        "role_labels": services.ROLE_LABELS,
    }


def _coverage(scope, on):
    """The coverage figures of the area the user answers for (their street, else their community), as
    the figures page computes them, each linking to its list; None for those who see no whole area."""
    from portal.core.indicators import Area, month
    from portal.orgs.indicators import coverage_section
    from portal.orgs.models import Street

    if scope.street_ids:
        street = db.session.get(Street, min(scope.street_ids))
        ids = tuple(db.session.scalars(select(Community.id).where(Community.street_id == street.id)))
        area = Area("street", street.id, street.name, ids)
    elif scope.community_ids:
        community = db.session.scalars(select(Community).where(Community.id.in_(scope.community_ids))
                                       .order_by(Community.name).limit(1)).one()
        area = Area("community", community.id, community.name, (community.id,))
    else:
        return None
    return {"area": area, "section": coverage_section(area, month(on), today=on)}
