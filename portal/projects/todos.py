"""What the co-construction module asks of a person now, for their home page: every count in one
statement (each a scalar subquery), the claimant's registrations read inside it and the staff's
compounds taken from the scope, so the home page pays one query for this module whatever the role."""

from __future__ import annotations

from datetime import timedelta

from flask import url_for
from sqlalchemy import Date, func, or_, select

from portal.core.clock import today
from portal.core.in_lists import in_ids, one_of
from portal.core.kept_statements import Someone, param
from portal.core.modules import Todo
from portal.core.todo_counts import Counted
from portal.core.translations import lazy_gettext as _l
from portal.orgs.models import Compound, Role
from portal.orgs.permissions import scope_of
from portal.projects.lists import matched
from portal.projects.models import (
    Demand,
    Evaluation,
    Milestone,
    PartyMember,
    Project,
    ProjectStatus,
    Unit,
    Wish,
    WishClaim,
    WishStatus,
    project_compound,
)
from portal.projects.permissions import register_compound_ids, staff_compound_ids


def _counted(model, *conditions):
    return select(func.count()).select_from(model).where(*conditions).scalar_subquery()


def _near():
    """Wishes of the communities where the user may claim (permissions.claim_community_ids, in SQL):
    their units' communities and their party registration's. Empty for those who are no claimant."""
    units = select(Unit.community_id).where(Unit.contact_user_id == Someone.id)
    member = select(Compound.community_id).join(PartyMember, PartyMember.compound_id == Compound.id).where(
        PartyMember.user_id == Someone.id)
    return Wish.compound_id.in_(select(Compound.id).where(
        or_(Compound.community_id.in_(units), Compound.community_id.in_(member))))


def _wish_counts(staff: bool) -> dict:
    """Wishes to claim in my community (claimants), wishes I hold, wishes to confirm (wishers), wishes
    nobody claimed for 14 days (community staff: `staff_compounds`)."""
    mine = Wish.id.in_(select(WishClaim.wish_id).where(WishClaim.claimer_id == Someone.id,
                                                       WishClaim.released_at.is_(None)))
    counts = {
        "to_claim": _counted(Wish, Wish.status == WishStatus.OPEN, _near()),
        "in_hand": _counted(Wish, Wish.status == WishStatus.CLAIMED, mine),
        "to_confirm": _counted(Wish, Wish.status == WishStatus.FULFILLED, Wish.wisher_id == Someone.id),
    }
    if staff:
        counts["raised"] = _counted(Wish, Wish.status == WishStatus.OPEN, Wish.raised_at.is_not(None),
                                    in_ids(Wish.compound_id, param("staff_compounds", expanding=True)))
    return counts


def _project_counts(managed: bool, homes: bool) -> dict:
    """Community staff (`managed`: `register_compounds`): milestones late or due within a week (`today`,
    `week_end`), demands no project took up; residents and owners' committees (`homes`: `home_compounds`,
    `household_ids`): completed projects of their compounds they have not evaluated yet."""
    counts = {}
    if managed:
        communities = select(Compound.community_id).where(in_ids(Compound.id, param("register_compounds", expanding=True)))
        on = param("today", Date)
        open_milestone = (Milestone.project_id.in_(select(Project.id).where(
            Project.community_id.in_(communities), one_of(Project.status, ProjectStatus.RUNNING))),
            Milestone.done_on.is_(None), Milestone.due_date <= param("week_end", Date))
        counts["late"] = _counted(Milestone, *open_milestone, Milestone.due_date < on)
        counts["due"] = _counted(Milestone, *open_milestone, Milestone.due_date >= on)
        counts["unmatched"] = _counted(Demand, Demand.community_id.in_(communities), ~matched())
    if homes:
        evaluated = select(Evaluation.project_id).where(
            (Evaluation.user_id == Someone.id) | in_ids(Evaluation.household_id, param("household_ids", expanding=True)))
        counts["evaluate"] = select(func.count(func.distinct(Project.id))).join(
            project_compound, project_compound.c.project_id == Project.id).where(
            in_ids(project_compound.c.compound_id, param("home_compounds", expanding=True)),
            Project.status == ProjectStatus.COMPLETED, Project.id.not_in(evaluated)).scalar_subquery()
    return counts


def _statement(managed: bool, homes: bool, staff: bool):
    """The to-dos' one statement for this shape, every value a parameter (core.kept_statements)."""
    subqueries = _project_counts(managed, homes) | _wish_counts(staff)
    return select(*(sub.label(name) for name, sub in subqueries.items()))


def counted(user) -> Counted:
    """The projects' and wishes' to-dos, counted in one statement run with the other modules'
    (core.todo_counts)."""
    scope, on = scope_of(user), today()
    managed, staff = register_compound_ids(user), staff_compound_ids(user)
    homes = scope.compounds_with({Role.RESIDENT, Role.OWNERS_COMMITTEE})
    shape = (bool(managed), bool(homes), bool(staff))
    values = {"user_id": user.id}
    if managed:
        values |= {"register_compounds": list(managed), "today": on, "week_end": on + timedelta(days=7)}
    if homes:
        values |= {"home_compounds": list(homes), "household_ids": list(scope.household_ids) or [0]}
    if staff:
        values["staff_compounds"] = list(staff)
    return Counted(("projects.todos", *shape), lambda: _statement(*shape), values, _todos)


def _todos(row) -> list[Todo]:
    counts = {name: value or 0 for name, value in row.items()}
    def wishes(status):
        return f"{url_for('projects.wishes')}?status={status}"

    def projects(status):
        return f"{url_for('projects.project_list')}?status={status}"

    late, due, unmatched, evaluate, raised = (counts.get(name, 0) for name in ("late", "due", "unmatched", "evaluate", "raised"))
    to_claim, in_hand, to_confirm = counts["to_claim"], counts["in_hand"], counts["to_confirm"]
    lines = (  # each line's link is built only when it has a count
        (late, lambda: Todo(_l("项目环节已逾期"), late, projects("in_progress"), urgent=True)),
        (due, lambda: Todo(_l("项目环节本周到期"), due, projects("in_progress"))),
        (unmatched, lambda: Todo(_l("需求未对接"), unmatched, url_for("projects.demands", unmatched="1"))),
        (evaluate, lambda: Todo(_l("共建项目已完成，请评价"), evaluate, projects("completed"))),
        (raised, lambda: Todo(_l("微心愿无人认领，请协调"), raised, wishes("open"), urgent=True)),
        (to_claim, lambda: Todo(_l("附近待认领的微心愿"), to_claim, wishes("open"))),
        (in_hand, lambda: Todo(_l("我认领的微心愿"), in_hand, wishes("claimed"))),
        (to_confirm, lambda: Todo(_l("微心愿已完成，请确认"), to_confirm, wishes("fulfilled"))),
    )
    return [line() for count, line in lines if count]


def todos(user) -> list[Todo]:
    """`counted`, run alone."""
    return counted(user).run()
