"""The structure section of a person's home page: their posts, the coverage figures and their compounds."""

from __future__ import annotations

from sqlalchemy import select

from portal.core.clock import today
from portal.extensions import db
from portal.orgs import services
from portal.orgs.models import Community, Compound, Position, Role
from portal.orgs.permissions import STAFF_ROLES, scope_of

SHOWN_COMPOUNDS = 12


def structure_panel(user) -> dict:
    scope = scope_of(user)
    on = today()
    compounds = []
    if scope.roles & STAFF_ROLES:
        compounds = db.session.scalars(
            select(Compound).where(Compound.id.in_(scope.compound_ids)).join(Community)
            .order_by(Community.name, Compound.name).limit(SHOWN_COMPOUNDS)).all()
    positions = db.session.scalars(select(Position).where(Position.user_id == user.id, Position.is_open(on))).all()
    return {
        "positions": positions,
        "resident": Role.RESIDENT in scope.roles,
        "has_roles": bool(scope.roles),
        "stats": services.coverage(sorted(scope.community_ids), on) if scope.community_ids else None,
        "compounds": compounds,
        "contracts": services.current_contracts([c.id for c in compounds], on),
        "total_compounds": len(scope.compound_ids),
        "role_labels": services.ROLE_LABELS,
    }
