"""What the repairs module asks of a person now, for their home page: counted in SQL, one query."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, false, func, select

from portal.core.clock import now_utc
from portal.core.modules import Todo
from portal.extensions import db
from portal.orgs.permissions import scope_of
from portal.repairs.models import RepairRequest, Status
from portal.repairs.permissions import DISPATCH_ROLES, visibility


def todos(user) -> list[Todo]:
    """Requests to dispatch, to accept, in hand, overdue, and to evaluate — each linking to its list."""
    scope = scope_of(user)
    if not scope.compound_ids:
        return []
    now = now_utc()
    mine = RepairRequest.handler_id == user.id
    dispatches = bool(scope.roles & set().union(*DISPATCH_ROLES.values()))

    def count(condition):
        return func.count().filter(condition)

    row = db.session.execute(select(
        count(RepairRequest.status == Status.SUBMITTED) if dispatches else count(false()),
        count(and_(mine, RepairRequest.status == Status.ASSIGNED)),
        count(and_(mine, RepairRequest.status.in_((Status.IN_PROGRESS, Status.ON_HOLD)))),
        count(RepairRequest.is_overdue(now)),
        count(and_(RepairRequest.status == Status.RESOLVED, RepairRequest.requester_id == user.id)),
    ).where(visibility(user, now))).one()
    to_dispatch, to_accept, in_hand, overdue, to_rate = row
    queue = url_for("repairs.queue")
    items = [
        Todo(_l("诉求已超时"), overdue, queue + "?overdue=1", urgent=True),
        Todo(_l("待派单的诉求"), to_dispatch, queue + "?status=submitted"),
        Todo(_l("派给我、待接单"), to_accept, queue + "?status=assigned"),
        Todo(_l("我正在处理"), in_hand, queue + "?status=in_progress"),
        Todo(_l("待我评价"), to_rate, queue + "?status=resolved"),
    ]
    return [item for item in items if item.count]


def repairs_panel(user) -> dict | None:
    """The buttons to the queue and to filing, for everyone with a compound in scope."""
    from portal.core.permissions import can

    if not can(user, "repairs.queue"):
        return None
    return {"may_file": can(user, "repairs.file")}
