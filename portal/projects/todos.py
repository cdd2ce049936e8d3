"""What the co-construction module asks of a person now, for their home page: counted in SQL, one query."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, false, func, select

from portal.core.modules import Todo
from portal.extensions import db
from portal.orgs.models import Compound
from portal.projects.models import Wish, WishClaim, WishStatus
from portal.projects.permissions import claim_community_ids, is_claimant, staff_compound_ids


def todos(user) -> list[Todo]:
    """Wishes to claim in my community (claimants; the list shows my own compound's first), wishes I hold, wishes to confirm (wishers), wishes nobody
    claimed for 14 days (community staff)."""
    claimant = is_claimant(user)
    staff = staff_compound_ids(user)
    near = Wish.compound_id.in_(select(Compound.id).where(Compound.community_id.in_(claim_community_ids(user))))
    mine = Wish.id.in_(select(WishClaim.wish_id).where(WishClaim.claimer_id == user.id, WishClaim.released_at.is_(None)))

    def count(condition):
        return func.count().filter(condition)

    to_claim, in_hand, to_confirm, raised = db.session.execute(select(
        count(and_(Wish.status == WishStatus.OPEN, near) if claimant else false()),
        count(and_(Wish.status == WishStatus.CLAIMED, mine)),
        count(and_(Wish.status == WishStatus.FULFILLED, Wish.wisher_id == user.id)),
        count(and_(Wish.status == WishStatus.OPEN, Wish.raised_at.is_not(None), Wish.compound_id.in_(staff))
              if staff else false()),
    )).one()
    wishes = url_for("projects.wishes")
    items = _project_todos(user, staff)
    items += [
        Todo(_l("微心愿无人认领，请协调"), raised, f"{wishes}?status=open", urgent=True),
        Todo(_l("附近待认领的微心愿"), to_claim, f"{wishes}?status=open"),
        Todo(_l("我认领的微心愿"), in_hand, f"{wishes}?status=claimed"),
        Todo(_l("微心愿已完成，请确认"), to_confirm, f"{wishes}?status=fulfilled"),
    ]
    return [item for item in items if item.count]


def _project_todos(user, staff_compounds: set[int]) -> list[Todo]:
    """Community staff: milestones late or due within a week; residents and owners' committees: completed
    projects of their compounds they have not evaluated yet. One query each."""
    from datetime import timedelta

    from portal.core.clock import today
    from portal.orgs.models import Role
    from portal.orgs.permissions import scope_of
    from portal.projects.models import Evaluation, Milestone, Project, ProjectStatus, project_compound
    from portal.projects.permissions import register_compound_ids

    scope = scope_of(user)
    items = []
    projects_url = url_for("projects.project_list")
    managed = register_compound_ids(user)
    if managed:
        communities = select(Compound.community_id).where(Compound.id.in_(managed))
        on = today()
        late, due = db.session.execute(select(
            func.count().filter(Milestone.due_date < on), func.count().filter(Milestone.due_date >= on))
            .join(Project, Project.id == Milestone.project_id)
            .where(Project.community_id.in_(communities), Project.status.in_(ProjectStatus.RUNNING),
                   Milestone.done_on.is_(None), Milestone.due_date <= on + timedelta(days=7))).one()
        from portal.projects.lists import matched
        from portal.projects.models import Demand

        unmatched = db.session.scalar(select(func.count(Demand.id)).where(
            Demand.community_id.in_(communities), ~matched()))
        items += [Todo(_l("项目环节已逾期"), late, f"{projects_url}?status=in_progress", urgent=True),
                  Todo(_l("项目环节本周到期"), due, f"{projects_url}?status=in_progress"),
                  Todo(_l("需求未对接"), unmatched or 0, url_for("projects.demands", unmatched="1"))]
    mine = scope.compounds_with({Role.RESIDENT, Role.OWNERS_COMMITTEE})
    if mine:
        evaluated = select(Evaluation.project_id).where(
            (Evaluation.user_id == user.id) | Evaluation.household_id.in_(scope.household_ids or {0}))
        count = db.session.scalar(select(func.count(func.distinct(Project.id))).join(
            project_compound, project_compound.c.project_id == Project.id).where(
            project_compound.c.compound_id.in_(mine), Project.status == ProjectStatus.COMPLETED,
            Project.id.not_in(evaluated)))
        items.append(Todo(_l("共建项目已完成，请评价"), count or 0, f"{projects_url}?status=completed"))
    return items
