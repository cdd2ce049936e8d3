"""Lists and read models of repair requests. Who sees what is decided in permissions.visibility,
so the list and the request page can never disagree: out of the list means 404 on the page."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, literal_column, select
from sqlalchemy.orm import joinedload

from portal.core.clock import now_utc
from portal.core.hours import hours_between
from portal.core.median import median_of
from portal.extensions import db
from portal.orgs.models import Household
from portal.repairs.models import RepairRequest, Status
from portal.repairs.permissions import visibility

#: the queue's default tab: what someone still has to act on or evaluate (everything not closed)
NOT_CLOSED = (*Status.OPEN, Status.RESOLVED)


def not_closed():
    """The condition of the queue's default tab, written as the partial index ix_repair_request_open
    states it (a literal, not a bound parameter), so SQLite and PostgreSQL match it to that index: a
    city's history is mostly closed, and only this index tells the planner the open rows are few."""
    return RepairRequest.status != literal_column("'closed'")


def visible_requests(user, now: datetime | None = None, *, closed: bool = False):
    """select(RepairRequest) of the user's queue; load a page of it through `page_rows`.

    By default the work still under way, overdue first, then unassigned, then newest: a city's history
    is mostly closed requests, so this set stays the size of the work in hand and the partial index
    ix_repair_request_open finds it without reading the history. `closed=True` is the history (已办结),
    most recently closed first, which (compound_id, status, closed_at) serves compound by compound."""
    now = now or now_utc()
    within = RepairRequest.status == Status.CLOSED if closed else not_closed()
    return select(RepairRequest).where(visibility(user, now, within=within)).order_by(*_order(now, closed))


def _order(now: datetime, closed: bool) -> tuple:
    if closed:
        return RepairRequest.closed_at.desc(), RepairRequest.id.desc()
    return (case((RepairRequest.is_overdue(now), 0), else_=1), case((RepairRequest.status == Status.SUBMITTED, 0), else_=1),
            RepairRequest.created_at.desc(), RepairRequest.id.desc())


def page_rows(now: datetime, closed: bool = False):
    """For paginate(rows=…): the page's rows with what each row shows (compound, handler, home), in one
    query that picks the page's ids from repair_request alone first, so the database sorts requests,
    not requests joined to their homes and people."""
    def rows(limited):
        ids = limited.with_only_columns(RepairRequest.id).subquery()
        return (select(RepairRequest).join(ids, ids.c.id == RepairRequest.id)
                .options(joinedload(RepairRequest.compound), joinedload(RepairRequest.handler),
                         joinedload(RepairRequest.household).joinedload(Household.building))
                .order_by(*_order(now, closed)))
    return rows


#: "my" requests, as the queue filter `mine=` and the home page's to-dos both count them
MINE = {
    "handler": lambda user: RepairRequest.handler_id == user.id,
    "requester": lambda user: RepairRequest.requester_id == user.id,
}


FIGURES_DAYS = 90


def recently_closed(compound_id: int, now: datetime):
    """The compound's requests closed in the last FIGURES_DAYS days: what its figures are of."""
    return and_(RepairRequest.compound_id == compound_id, RepairRequest.status == Status.CLOSED,
                RepairRequest.closed_at >= now - timedelta(days=FIGURES_DAYS))


def satisfaction(rated: int, good: int) -> int | None:
    """诉求人满意率: the share rated 4 or 5 among those rated, in whole per cent."""
    return round(100 * good / rated) if rated else None


def closed_figures(compound_id: int, now: datetime) -> dict:
    """The last 90 days: closed count, share rated 4 or 5 among those rated, median time to resolve; one
    statement, the median computed by the database (a busy compound's quarter stays in SQL)."""
    happy = case((RepairRequest.rating >= 4, 1), else_=0)
    closed, rated, good, median_hours = db.session.execute(
        select(func.count(), func.count(RepairRequest.rating), func.sum(happy),
               median_of(hours_between(RepairRequest.created_at, RepairRequest.resolved_at),
                         recently_closed(compound_id, now)))
        .where(recently_closed(compound_id, now))).one()
    return {
        "closed": closed,
        "rated": rated,
        "satisfaction": satisfaction(rated, good or 0),
        "median_hours": median_hours,
    }
