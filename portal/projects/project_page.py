"""What the project page shows, read in a few statements whatever the number of milestones, sub-projects,
evaluations, partners, demands or resources: the project with its parent, compounds and residents' rating
in one SELECT (the rating as scalar subqueries), the names it is linked to in one UNION, the timeline with
its people and photos in one.
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import func, literal, or_, select, union_all
from sqlalchemy.orm import aliased, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from portal.extensions import db
from portal.projects.models import (
    Demand,
    Evaluation,
    Milestone,
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


def load_progress(projects) -> None:
    """Every level of sub-projects of `projects` and the milestones of all of them, set on them for
    `progress.project_progress`: one statement (recursive for the sub-projects) however deep or many."""
    roots = {p.id: p for p in projects}
    if not roots:
        return
    nested = aliased(Project)
    tree = select(Project.id).where(Project.parent_id.in_(list(roots))).cte("subprojects", recursive=True)
    tree = tree.union_all(select(nested.id).where(nested.parent_id == tree.c.id))
    rows = db.session.execute(
        select(Project, Milestone).outerjoin(Milestone, Milestone.project_id == Project.id)
        .where(or_(Project.id.in_(list(roots)), Project.id.in_(select(tree.c.id))))
        .order_by(Project.id, Milestone.due_date, Milestone.id)).all()
    everyone = {**{project.id: project for project, _m in rows}, **roots}
    children: dict[int, list[Project]] = {pid: [] for pid in everyone}
    milestones: dict[int, list[Milestone]] = {pid: [] for pid in everyone}
    for project, milestone in rows:
        if milestone is not None:
            milestones[project.id].append(milestone)
    for project in sorted(everyone.values(), key=lambda p: p.id):  # the children's order (Project.children)
        if project.parent_id in children:  # a child of one of them is one of the sub-projects read
            children[project.parent_id].append(project)
    for pid, project in everyone.items():
        set_committed_value(project, "children", children[pid])
        set_committed_value(project, "milestones", milestones[pid])


def rating_columns():
    """(average, count) of a project's residents' evaluations, as scalar subqueries to add to its SELECT."""
    return (select(func.avg(Evaluation.rating)).where(Evaluation.project_id == Project.id).scalar_subquery(),
            select(func.count()).where(Evaluation.project_id == Project.id).scalar_subquery())


def load(project_id: int) -> tuple[Project | None, tuple[float, int] | None]:
    """The project with its parent, compounds, milestones and sub-projects, and (average, count) of its
    evaluations (None when there is none, as `evaluation_summary`)."""
    row = db.session.execute(
        select(Project, *rating_columns()).where(Project.id == project_id)
        .options(joinedload(Project.parent), joinedload(Project.compounds))).unique().first()
    if row is None:
        return None, None
    project, average, count = row
    load_progress([project])
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
