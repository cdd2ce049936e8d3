"""The compound page's co-construction section (core.modules.add_compound_panel): the community
projects that name this compound, by status (late ones counted), and its micro-wishes by status. The
projects part for whoever sees the community's projects (permissions.project_community_ids), the
wishes part over the wishes the reader's list shows (permissions.visibility), so each count is the
filtered list's; one statement whatever the number of projects or wishes."""

from __future__ import annotations

from sqlalchemy import and_, case, func, literal_column, or_, select, true, union_all

from portal.core.clock import today
from portal.core.permissions import can
from portal.extensions import db
from portal.orgs.models import Compound, Role
from portal.orgs.permissions import scope_of, visible_community_ids
from portal.projects import labels
from portal.projects.indicators import overdue_projects
from portal.projects.models import (
    PartyMember,
    Project,
    ProjectStatus,
    Unit,
    Wish,
    WishClaim,
    WishStatus,
    project_compound,
)
from portal.projects.permissions import project_community_ids, staff_compound_ids, visibility

#: the wish states the section counts, in the order a wish passes through them
WISH_STATES = (WishStatus.OPEN, WishStatus.CLAIMED, WishStatus.FULFILLED, WishStatus.CONFIRMED)


def compound_panel(user, compound) -> dict | None:
    """One statement: the projects' and the wishes' counts by status, as the two branches of a union."""
    shows_projects = (compound.community_id in visible_community_ids(user)  # known from the scope: no query
                      or compound.community_id in project_community_ids(user))
    shows_wishes = can(user, "projects.wishes")
    parts = []
    if shows_projects:
        parts.append(select(literal_column("0").label("part"), Project.status, func.count(),
                            func.sum(case((overdue_projects(today()), 1), else_=0)))
                     .where(Project.community_id == compound.community_id, Project.id.in_(
                         select(project_compound.c.project_id).where(project_compound.c.compound_id == compound.id)))
                     .group_by(Project.status))
    if shows_wishes:
        parts.append(select(literal_column("1").label("part"), Wish.status, func.count(), literal_column("0"))
                     .where(Wish.compound_id == compound.id, seen_here(user, compound)).group_by(Wish.status))
    if not parts:
        return None
    rows = db.session.execute(parts[0] if len(parts) == 1 else union_all(*parts)).all()
    return {"compound_id": compound.id,
            "projects": _projects([row[1:] for row in rows if row[0] == 0]) if shows_projects else None,
            "wishes": _wishes([row[1:3] for row in rows if row[0] == 1]) if shows_wishes else None}


def seen_here(user, compound):
    """permissions.visibility(user) for the wishes of this one compound, with nothing read beforehand:
    visibility reads who the user claims for (units, party registration) and the compounds of their home
    communities with queries of its own, for every compound at once; here the claims are EXISTS clauses
    of the same statement and the homes' communities come from the scope. Its staff see all its wishes."""
    scope = scope_of(user)
    homes = scope.compounds_with({Role.RESIDENT})
    if any(home not in scope.compound_communities for home in homes):
        return visibility(user)  # a scope without its communities (never, as scope_of reads them): the rule
    if compound.id in staff_compound_ids(user):
        return true()
    conditions = [Wish.wisher_id == user.id, Wish.posted_by_id == user.id,
                  Wish.id.in_(select(WishClaim.wish_id).where(WishClaim.claimer_id == user.id))]
    if scope.household_ids:
        conditions.append(Wish.household_id.in_(scope.household_ids))
    unit_here = select(Unit.id).where(Unit.contact_user_id == user.id, Unit.community_id == compound.community_id)
    member_here = (select(PartyMember.id).join(Compound, Compound.id == PartyMember.compound_id)
                   .where(PartyMember.user_id == user.id, Compound.community_id == compound.community_id))
    conditions.append(and_(Wish.status.in_((WishStatus.OPEN, WishStatus.CLAIMED)),
                           or_(unit_here.exists(), member_here.exists())))
    if compound.community_id in {scope.compound_communities[home] for home in homes}:
        conditions.append(Wish.status == WishStatus.OPEN)
    return or_(*conditions)


def _projects(rows) -> dict:
    counts = {status: (count, late or 0) for status, count, late in rows}
    return {"by_status": [(status, labels.PROJECT_STATUS_LABELS[status], *counts.get(status, (0, 0)))
                          for status in ProjectStatus.ALL],
            "total": sum(count for count, _late in counts.values()),
            "late": sum(late for _count, late in counts.values())}


def _wishes(rows) -> dict:
    counts = dict(rows)
    return {"by_status": [(status, labels.WISH_STATUS_LABELS[status], counts.get(status, 0)) for status in WISH_STATES],
            "total": sum(counts.values())}
