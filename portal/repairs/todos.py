"""What the repairs module asks of a person now, for their home page: counted in SQL, one query (run with the
other modules' to-dos: core.todo_counts)."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import Date, DateTime, and_, false, func, select

from portal.core.clock import now_utc, today
from portal.core.kept_statements import Someone, param
from portal.core.modules import Todo
from portal.core.todo_counts import Counted
from portal.core.translations import lazy_gettext as _l
from portal.extensions import db
from portal.orgs.permissions import Scope, scope_of
from portal.repairs.models import RepairRequest, Status
from portal.repairs.permissions import dispatches_somewhere, visibility_of, visibility_sets
from portal.repairs.queries import MINE, not_closed

#: the names of the scope's id sets the visibility clause reads, each a branch of it when not empty
SETS = tuple(visibility_sets(Scope()))


def _statement(dispatches: bool, present: tuple[str, ...]):
    """The five counts over what the user sees of open work, for a user who dispatches (or not) and whose
    scope has the id sets named in `present`: every value a parameter (core.kept_statements)."""
    now = param("now", DateTime(timezone=True))
    handler, requester = MINE["handler"](Someone), MINE["requester"](Someone)
    sets = {name: param(name, expanding=True) if name in present else () for name in SETS}

    def count(condition):
        return func.count().filter(condition)

    return select(
        count(RepairRequest.is_overdue(now)).label("overdue"),
        count(RepairRequest.status == Status.SUBMITTED if dispatches else false()).label("to_dispatch"),
        count(and_(handler, RepairRequest.status == Status.ASSIGNED)).label("to_accept"),
        count(and_(handler, RepairRequest.status == Status.IN_PROGRESS)).label("in_hand"),
        count(and_(requester, RepairRequest.status == Status.RESOLVED)).label("to_rate"),
    ).where(visibility_of(Someone.id, now, sets, within=not_closed(), on=param("on", Date)))  # every count is of open work


def counted(user) -> Counted | None:
    """Requests overdue, waiting for dispatch, to accept, in hand and to rate — each a link to the queue
    filtered the same way, so the list's count is the figure. One statement, kept per shape, run with the
    other modules' (core.todo_counts)."""
    scope = scope_of(user)
    if not scope.compound_ids:
        return None
    dispatches = dispatches_somewhere(user)
    sets = {name: list(ids) for name, ids in visibility_sets(scope).items() if ids}
    present = tuple(sets)
    return Counted(("repairs.todos", dispatches, present), lambda: _statement(dispatches, present),
                   {"user_id": user.id, "now": now_utc(), "on": today(), **sets}, _todos)


def _todos(row) -> list[Todo]:
    queue = url_for("repairs.queue")
    items = [
        Todo(_l("诉求已超时"), row["overdue"], f"{queue}?overdue=1", urgent=True),
        Todo(_l("待派单的诉求"), row["to_dispatch"], f"{queue}?status=submitted"),
        Todo(_l("派给我、待接单"), row["to_accept"], f"{queue}?mine=handler&status=assigned"),
        Todo(_l("我正在处理"), row["in_hand"], f"{queue}?mine=handler&status=in_progress"),
        Todo(_l("待我评价"), row["to_rate"], f"{queue}?mine=requester&status=resolved"),
    ]
    return [item for item in items if item.count]


def todos(user) -> list[Todo]:
    """`counted`, run alone."""
    found = counted(user)
    return found.run() if found else []


def repairs_panel(user) -> dict | None:
    """The buttons to the queue and to filing, for everyone with a compound in scope: kept rendered
    (core.kept) under whether the user may file."""
    from flask import current_app

    from portal.core.kept import kept_drawer
    from portal.core.permissions import can

    if not can(user, "repairs.queue"):
        return None
    may_file = can(user, "repairs.file")
    draw = current_app.jinja_env.get_template("repairs/_home_macros.html").module.repairs_section
    return {"html": kept_drawer("repairs.home_section")((may_file,), lambda: draw(may_file))}


def compound_panel(user, compound) -> dict | None:
    """The compound page's requests section, for the staff who read that page: open and overdue now,
    and the last 90 days' closed count and satisfaction (the board's figures, queries.closed_figures).
    One statement: every figure is a filtered count of the compound's open or recently closed requests."""
    from sqlalchemy import or_

    from portal.repairs.queries import recently_closed, satisfaction

    now = now_utc()
    is_open, closed = RepairRequest.status.in_(Status.OPEN), recently_closed(compound.id, now)
    rated = and_(closed, RepairRequest.rating.is_not(None))
    open_count, overdue, closed_count, rated_count, good = db.session.execute(select(
        func.count().filter(is_open), func.count().filter(RepairRequest.is_overdue(now)),
        func.count().filter(closed), func.count().filter(rated), func.count().filter(rated, RepairRequest.rating >= 4),
    ).where(RepairRequest.compound_id == compound.id, or_(is_open, closed))).one()
    return {"compound_id": compound.id, "open": open_count, "overdue": overdue,
            "figures": {"closed": closed_count, "satisfaction": satisfaction(rated_count, good)}}
