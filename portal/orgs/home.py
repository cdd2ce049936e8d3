"""The structure section of a person's home page: their posts, the coverage figures and their compounds."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import Date, func, select

from portal.core import stamps
from portal.core.clock import today
from portal.core.in_lists import in_ids
from portal.core.kept import kept_drawer
from portal.core.kept_statements import kept_statement, param
from portal.extensions import db
from portal.orgs import services
from portal.orgs.models import Community, Compound, Organisation, Position, Role, ServiceContract
from portal.orgs.permissions import STAFF_ROLES, scope_of

SHOWN_COMPOUNDS = 12


def structure_panel(user) -> dict:
    """The section's HTML, kept (core.kept) under every value it shows. Those values — the posts, the
    compounds shown with their community and current company — are all of the structure, so they are
    read once and kept between requests under the structure's stamp (core.stamps), as the scope is: the
    page runs no query for them until a post, a compound, a contract or an organisation changes, or the
    local day turns. The coverage figures come a moment later in their own request
    (views.coverage.home_coverage), so the home page does not pay for them."""
    scope = scope_of(user)
    on = today()
    positions, compounds = stamps.app_cache("portal.home_structure").get(
        (user.id, on), stamps.current(stamps.STRUCTURE), lambda: shown_structure(user, scope, on))
    values = (positions, Role.RESIDENT in scope.roles, bool(scope.roles), has_coverage(scope), compounds,
              len(scope.compound_ids))
    draw = current_app.jinja_env.get_template("orgs/_home_macros.html").module.structure_section
    return {"html": kept_drawer("orgs.home_structure")(values, lambda: draw(*values, services.ROLE_LABELS))}


def shown_structure(user, scope, on) -> tuple[tuple, tuple]:
    """What the section shows of the structure: the user's open posts as (organisation, title), and the
    first SHOWN_COMPOUNDS compounds of a staff scope as (id, name, community, current company or None).
    Plain values, shared between requests (never mutated)."""
    positions = compounds = ()
    if scope.roles & STAFF_ROLES:
        compounds = tuple(tuple(row) for row in db.session.execute(
            kept_statement("orgs.home.compounds", _compounds_statement),
            {"compound_ids": list(scope.compound_ids), "on": on}))
    if scope.roles - {Role.RESIDENT}:  # every open post gives the scope its role: no role, no post to read
        positions = tuple(tuple(row) for row in db.session.execute(
            kept_statement("orgs.home.positions", _positions), {"user_id": user.id, "on": on}))
    return positions, compounds


def _positions():
    """The user's open posts as (organisation's name, title), in the order they were taken: kept
    (core.kept_statements)."""
    return (select(Organisation.name, Position.title).select_from(Position).join(Organisation, Organisation.id == Position.organisation_id)
            .where(Position.user_id == param("user_id"), Position.is_open(param("on", Date))).order_by(Position.id))


def _compounds_statement():
    """The first SHOWN_COMPOUNDS compounds (by community and name) of `compound_ids` as (id, name,
    community's name, current company's name or None), every value a parameter (`compound_ids`, `on`):
    kept. The contract joined is the compound's current one with the highest id (as
    services.current_contracts gives), so a compound stays one row."""
    current = (select(func.max(ServiceContract.id)).where(ServiceContract.compound_id == Compound.id,
                                                           ServiceContract.is_current(param("on", Date)))
               .correlate(Compound).scalar_subquery())
    return (select(Compound.id, Compound.name, Community.name, Organisation.name).select_from(Compound)
            .where(in_ids(Compound.id, param("compound_ids", expanding=True)))
            .join(Community, Community.id == Compound.community_id)
            .outerjoin(ServiceContract, ServiceContract.id == current)
            .outerjoin(Organisation, Organisation.id == ServiceContract.company_id)
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
