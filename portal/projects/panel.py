"""The compound page's co-construction section (core.modules.add_compound_panel): the community
projects that name this compound, by status (late ones counted), and its micro-wishes by status. The
projects part for whoever sees the community's projects (permissions.project_community_ids), the
wishes part over the wishes the reader's list shows (permissions.visibility), so each count is the
filtered list's; two queries whatever the number of projects or wishes."""

from __future__ import annotations

from sqlalchemy import case, func, select

from portal.core.clock import today
from portal.core.permissions import can
from portal.extensions import db
from portal.projects import labels
from portal.projects.indicators import overdue_projects
from portal.projects.models import Project, ProjectStatus, Wish, WishStatus, project_compound
from portal.projects.permissions import project_community_ids, visibility

#: the wish states the section counts, in the order a wish passes through them
WISH_STATES = (WishStatus.OPEN, WishStatus.CLAIMED, WishStatus.FULFILLED, WishStatus.CONFIRMED)


def compound_panel(user, compound) -> dict | None:
    projects = _projects(user, compound) if compound.community_id in project_community_ids(user) else None
    wishes = _wishes(user, compound) if can(user, "projects.wishes") else None
    if projects is None and wishes is None:
        return None
    return {"compound_id": compound.id, "projects": projects, "wishes": wishes}


def _projects(user, compound) -> dict:
    rows = db.session.execute(
        select(Project.status, func.count(), func.sum(case((overdue_projects(today()), 1), else_=0)))
        .where(Project.community_id == compound.community_id, Project.id.in_(
            select(project_compound.c.project_id).where(project_compound.c.compound_id == compound.id)))
        .group_by(Project.status)).all()
    counts = {status: (count, late or 0) for status, count, late in rows}
    return {"by_status": [(status, labels.PROJECT_STATUS_LABELS[status], *counts.get(status, (0, 0)))
                          for status in ProjectStatus.ALL],
            "total": sum(count for count, _late in counts.values()),
            "late": sum(late for _count, late in counts.values())}


def _wishes(user, compound) -> dict:
    counts = dict(db.session.execute(
        select(Wish.status, func.count()).where(Wish.compound_id == compound.id, visibility(user))
        .group_by(Wish.status)).all())
    return {"by_status": [(status, labels.WISH_STATUS_LABELS[status], counts.get(status, 0)) for status in WISH_STATES],
            "total": sum(counts.values())}
