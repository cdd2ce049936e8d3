"""The three lists (三清单): demands (需求清单) and resources (资源清单), matched into projects (项目清单).

A demand is matched once a live project takes it up; a resource is used once a live project uses it
(a cancelled project frees both). The matching page puts unmatched demands beside unused resources.
"""

from __future__ import annotations

from sqlalchemy import exists, select

from portal.core.errors import RuleError
from portal.core.translations import lazy_gettext as _l
from portal.extensions import db
from portal.orgs.models import Compound
from portal.projects.models import (
    DEMAND_CATEGORIES,
    DEMAND_SOURCES,
    RESOURCE_KINDS,
    Demand,
    Project,
    ProjectStatus,
    Resource,
    Unit,
    project_demand,
    project_resource,
)
from portal.projects.permissions import manages_community


def _text(value, length: int, field: str, required=None):
    value = (value or "").strip() or None
    if value is None and required is not None:
        raise RuleError(required, field)
    if value is not None and len(value) > length:
        raise RuleError(_l("不能超过 %(n)s 个字。", n=length), field)
    return value


def add_demand(*, by, community_id: int, compound_id: int | None, source: str, category: str, title: str,
               description: str | None = None) -> Demand:
    if not manages_community(by, community_id):
        raise RuleError(_l("您不能为这个社区登记。"), "community_id")
    if compound_id:
        compound = db.session.get(Compound, compound_id)
        if compound is None or compound.community_id != community_id:
            raise RuleError(_l("请选择本社区的小区。"), "compound_id")
    if source not in DEMAND_SOURCES:
        raise RuleError(_l("请选择需求来源。"), "source")
    if category not in DEMAND_CATEGORIES:
        raise RuleError(_l("请选择类别。"), "category")
    demand = Demand(community_id=community_id, compound_id=compound_id or None, source=source, category=category,
                    title=_text(title, 100, "title", _l("请写下需求。")),
                    description=_text(description, 1000, "description"), created_by_id=by.id)
    db.session.add(demand)
    db.session.flush()
    return demand


def add_resource(*, by, unit: Unit | None, kind: str, title: str, category: str | None = None,
                 quantity: str | None = None, availability: str | None = None) -> Resource:
    if unit is None:
        raise RuleError(_l("请选择驻区单位。"), "unit_id")
    if not manages_community(by, unit.community_id):
        raise RuleError(_l("您不能为这个单位登记。"), "unit_id")
    if kind not in RESOURCE_KINDS:
        raise RuleError(_l("请选择资源类型。"), "kind")
    if category and category not in DEMAND_CATEGORIES:
        raise RuleError(_l("请选择类别。"), "category")
    resource = Resource(unit_id=unit.id, kind=kind, category=category or None,
                        title=_text(title, 100, "title", _l("请写下资源名称。")),
                        quantity=_text(quantity, 50, "quantity"), availability=_text(availability, 100, "availability"))
    db.session.add(resource)
    db.session.flush()
    return resource


def _live(table, column):
    """There is a live (not cancelled) project linked through `table`."""
    return exists().where(getattr(table.c, column) == (Demand.id if column == "demand_id" else Resource.id),
                          table.c.project_id == Project.id, Project.status != ProjectStatus.CANCELLED)


def matched():
    return _live(project_demand, "demand_id")


def used():
    return _live(project_resource, "resource_id")


def unmatched_demands(community_ids, *, category: str = "", compound_id: int | None = None):
    query = select(Demand).where(Demand.community_id.in_(community_ids), ~matched())
    if category:
        query = query.where(Demand.category == category)
    if compound_id:
        query = query.where(Demand.compound_id == compound_id)
    return query.order_by(Demand.created_at, Demand.id)


def unused_resources(community_ids, *, category: str = ""):
    query = select(Resource).join(Unit).where(Unit.community_id.in_(community_ids), ~used())
    if category:
        query = query.where((Resource.category == category) | Resource.category.is_(None))
    return query.order_by(Resource.kind, Resource.id)


def link_lists(project: Project, demand_ids, resource_ids) -> None:
    """A project made from demands and resources of its own community (checked here, not trusted)."""
    demands = list(db.session.scalars(select(Demand).where(Demand.id.in_(list(demand_ids))))) if demand_ids else []
    resources = list(db.session.scalars(select(Resource).where(Resource.id.in_(list(resource_ids))))) if resource_ids else []
    if any(d.community_id != project.community_id for d in demands):
        raise RuleError(_l("需求须是本社区的需求。"), "demand_ids")
    if any(r.unit.community_id != project.community_id for r in resources):
        raise RuleError(_l("资源须是本社区驻区单位的资源。"), "resource_ids")
    project.demands, project.resources = demands, resources
