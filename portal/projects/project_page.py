"""What the project page shows, read in a few statements whatever the number of milestones, sub-projects,
evaluations, partners, demands or resources: the project with its parent, compounds and residents' rating
in one SELECT (the rating as scalar subqueries), the names it is linked to in one UNION, the timeline with
its people and photos in one.
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import func, literal, select, union_all
from sqlalchemy.orm import joinedload, selectinload

from portal.extensions import db
from portal.projects.models import (
    Demand,
    Evaluation,
    Project,
    ProjectEvent,
    Resource,
    Unit,
    project_demand,
    project_partner,
    project_resource,
)


class Linked(NamedTuple):
    """A partner unit (`name`), demand or resource (`title`) the page names; `name` and `title` are the same."""

    id: int
    name: str

    @property
    def title(self) -> str:
        return self.name


def progress_options():
    """Milestones and sub-projects (with theirs) for `progress.project_progress`: a query per level."""
    return (selectinload(Project.milestones), selectinload(Project.children).selectinload(Project.milestones),
            selectinload(Project.children).selectinload(Project.children))


def rating_columns():
    """(average, count) of a project's residents' evaluations, as scalar subqueries to add to its SELECT."""
    return (select(func.avg(Evaluation.rating)).where(Evaluation.project_id == Project.id).scalar_subquery(),
            select(func.count()).where(Evaluation.project_id == Project.id).scalar_subquery())


def load(project_id: int) -> tuple[Project | None, tuple[float, int] | None]:
    """The project with its parent, compounds, milestones and sub-projects, and (average, count) of its
    evaluations (None when there is none, as `evaluation_summary`)."""
    row = db.session.execute(
        select(Project, *rating_columns()).where(Project.id == project_id)
        .options(joinedload(Project.parent), joinedload(Project.compounds), *progress_options())).unique().first()
    if row is None:
        return None, None
    project, average, count = row
    return project, ((round(float(average), 1), count) if count else None)


def linked(project: Project) -> dict[str, list[Linked]]:
    """partners (by name), demands and resources (by id), in one statement."""
    demand_link, resource_link = project_demand, project_resource
    partners = (select(literal("partners").label("kind"), Unit.id, Unit.name,
                       func.row_number().over(order_by=(Unit.name, Unit.id)).label("position"))
                .join(project_partner, project_partner.c.unit_id == Unit.id)
                .where(project_partner.c.project_id == project.id))
    demands = (select(literal("demands"), Demand.id, Demand.title, func.row_number().over(order_by=Demand.id))
               .join(demand_link, demand_link.c.demand_id == Demand.id).where(demand_link.c.project_id == project.id))
    resources = (select(literal("resources"), Resource.id, Resource.title, func.row_number().over(order_by=Resource.id))
                 .join(resource_link, resource_link.c.resource_id == Resource.id)
                 .where(resource_link.c.project_id == project.id))
    found: dict[str, list[Linked]] = {"partners": [], "demands": [], "resources": []}
    everything = union_all(partners, demands, resources).subquery()
    for kind, item_id, name, _position in db.session.execute(
            select(everything).order_by(everything.c.kind, everything.c.position)):
        found[kind].append(Linked(item_id, name))
    return found


def events(project: Project) -> list[ProjectEvent]:
    """The timeline with who did what and the photos, one statement."""
    return db.session.scalars(select(ProjectEvent).where(ProjectEvent.project_id == project.id)
                              .options(joinedload(ProjectEvent.photos), joinedload(ProjectEvent.actor))
                              .order_by(ProjectEvent.id)).unique().all()
