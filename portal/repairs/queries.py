"""Lists and read models of repair requests. Who sees what is decided in permissions.visibility,
so the list and the request page can never disagree: out of the list means 404 on the page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Date, DateTime, and_, case, func, literal_column, select

from portal.auth.models import User
from portal.core.clock import local_midnight, today
from portal.core.hours import hours_between
from portal.core.kept_statements import Someone, kept_statement, param
from portal.core.median import median_of
from portal.core.paging import paginate_kept
from portal.extensions import db
from portal.orgs.models import Building, Compound, Household
from portal.orgs.permissions import Scope
from portal.repairs.models import RepairRequest, Status
from portal.repairs.permissions import visibility_of, visibility_sets

#: the queue's default tab: what someone still has to act on or evaluate (everything not closed)
NOT_CLOSED = (*Status.OPEN, Status.RESOLVED)


def not_closed():
    """The condition of the queue's default tab, written as the partial index ix_repair_request_open
    states it (a literal, not a bound parameter), so SQLite and PostgreSQL match it to that index: a
    city's history is mostly closed, and only this index tells the planner the open rows are few."""
    return RepairRequest.status != literal_column("'closed'")


def _order(now: datetime, closed: bool) -> tuple:
    if closed:
        return RepairRequest.closed_at.desc(), RepairRequest.id.desc()
    return (case((RepairRequest.is_overdue(now), 0), else_=1), case((RepairRequest.status == Status.SUBMITTED, 0), else_=1),
            RepairRequest.created_at.desc(), RepairRequest.id.desc())


#: what a queue row shows (repairs/rows.py, _queue_macros.html `queue_row`) and what `sees_personal` reads
QUEUE_COLUMNS = (RepairRequest.id, RepairRequest.status, RepairRequest.category, RepairRequest.kind,
                 RepairRequest.description, RepairRequest.created_at, RepairRequest.due_at, RepairRequest.place,
                 RepairRequest.compound_id, RepairRequest.household_id, RepairRequest.handler_id,
                 RepairRequest.filed_by_id, RepairRequest.requester_id, Compound.name.label("compound_name"),
                 Building.name.label("building_name"), Household.unit, Household.room, User.name.label("handler_name"))


def page_rows(now: datetime, closed: bool = False):
    """For paginate(rows=…): the page's rows as plain values (QUEUE_COLUMNS: the request's with its
    compound's, home's and handler's names), in one query that picks the page's ids from repair_request
    alone first, so the database sorts requests, not requests joined to their homes and people. Plain
    rows, not requests: a list shows values, and loading 20 requests as objects cost more than the rest
    of the page."""
    def rows(limited):
        ids = limited.with_only_columns(RepairRequest.id).subquery()
        return (select(*QUEUE_COLUMNS).join(ids, ids.c.id == RepairRequest.id)
                .join(Compound, Compound.id == RepairRequest.compound_id)
                .outerjoin(Household, Household.id == RepairRequest.household_id)
                .outerjoin(Building, Building.id == Household.building_id)
                .outerjoin(User, User.id == RepairRequest.handler_id)
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
    statement, the median computed by the database (a busy compound's quarter stays in SQL). The
    statement is built once and kept (core.kept_statements): the compound and the day the window opens
    are parameters."""
    closed, rated, good, median_hours = db.session.execute(
        kept_statement("repairs.closed_figures", _closed_figures_statement),
        {"compound_id": compound_id, "since": now - timedelta(days=FIGURES_DAYS)}).one()
    return {
        "closed": closed,
        "rated": rated,
        "satisfaction": satisfaction(rated, good or 0),
        "median_hours": median_hours,
    }


def _closed_figures_statement():
    """closed_figures's statement: recently_closed with the compound (`compound_id`) and the window's
    start (`since`) as parameters."""
    recent = and_(RepairRequest.compound_id == param("compound_id"), RepairRequest.status == Status.CLOSED,
                  RepairRequest.closed_at >= param("since"))
    happy = case((RepairRequest.rating >= 4, 1), else_=0)
    return (select(func.count(), func.count(RepairRequest.rating), func.sum(happy),
                   median_of(hours_between(RepairRequest.created_at, RepairRequest.resolved_at), recent))
            .where(recent))


#: the queue's filters that compare a column with the value asked for (each a parameter when present)
_EQUAL_FILTERS = {"status": RepairRequest.status, "kind": RepairRequest.kind, "category": RepairRequest.category,
                  "compound": RepairRequest.compound_id}


def _like(text: str) -> str:
    """`text` for a LIKE … ESCAPE '/' parameter: what `contains(autoescape=True)` does to a literal."""
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_")


def queue_page(user, scope, now: datetime, *, closed: bool, filters: dict, q: str, personal: set[int], cap: int):
    """One page of the user's queue: what `visibility` lets them see, with the queue's filters and search.

    By default the work still under way, overdue first, then unassigned, then newest: a city's history
    is mostly closed requests, so this set stays the size of the work in hand and the partial index
    ix_repair_request_open finds it without reading the history. `closed=True` is the history (已办结),
    most recently closed first, which (compound_id, status, closed_at) serves compound by compound.

    The statements are built once per shape and kept (core.kept_statements): the shape is which id sets
    the scope has, which filters and which search are on; every value — the user, the time, the ids,
    the filter values, the search text — is a parameter."""
    sets = {name: list(ids) for name, ids in visibility_sets(scope).items() if ids}
    shape = _QueueShape(closed=closed, sets=tuple(sets), equal=tuple(name for name in _EQUAL_FILTERS if filters.get(name)),
                        ranges=tuple(name for name in ("from", "to") if filters.get(name)),
                        overdue=bool(filters.get("overdue")) and not closed, mine=filters.get("mine") or "",
                        searched=bool(q), by_name=bool(q) and bool(personal))
    return paginate_kept(("repairs.queue", shape), lambda: _queue_query(shape),
                         _queue_params(shape, user, now, sets, filters, q, personal), cap=cap,
                         rows=page_rows(param("now", DateTime(timezone=True)), closed), scalars=False)


@dataclass(frozen=True)
class _QueueShape:
    """What changes the queue's statement (never a value)."""

    closed: bool
    sets: tuple[str, ...]
    equal: tuple[str, ...]
    ranges: tuple[str, ...]
    overdue: bool
    mine: str
    searched: bool
    by_name: bool


def _queue_query(shape: _QueueShape):
    at = param("now", DateTime(timezone=True))
    within = RepairRequest.status == Status.CLOSED if shape.closed else not_closed()
    sets = {name: param(name, expanding=True) if name in shape.sets else () for name in visibility_sets(Scope())}
    query = (select(RepairRequest).where(visibility_of(Someone.id, at, sets, within, on=param("on", Date)))
             .order_by(*_order(at, shape.closed)))
    for name in shape.equal:
        query = query.where(_EQUAL_FILTERS[name] == param(f"f_{name}"))
    if "from" in shape.ranges:
        query = query.where(RepairRequest.created_at >= param("f_from", DateTime(timezone=True)))
    if "to" in shape.ranges:
        query = query.where(RepairRequest.created_at < param("f_to", DateTime(timezone=True)))
    if shape.overdue:
        query = query.where(RepairRequest.is_overdue(at))
    if shape.mine:
        query = query.where(MINE[shape.mine](Someone))
    if shape.searched:
        text = param("q")
        match = RepairRequest.description.contains(text, escape="/") | RepairRequest.place.contains(text, escape="/")
        if shape.by_name:  # a name only finds requests whose names this user may see
            match = match | (RepairRequest.contact_name.contains(text, escape="/")
                             & RepairRequest.compound_id.in_(param("personal_ids", expanding=True)))
        query = query.where(match)
    return query


def _queue_params(shape: _QueueShape, user, now, sets: dict, filters: dict, q: str, personal: set[int]) -> dict:
    params = {"user_id": user.id, "now": now, "on": today(), **sets}
    params.update({f"f_{name}": filters[name] for name in shape.equal})
    if "from" in shape.ranges:
        params["f_from"] = local_midnight(filters["from"])
    if "to" in shape.ranges:
        params["f_to"] = local_midnight(filters["to"] + timedelta(days=1))
    if shape.searched:
        params["q"] = _like(q)
    if shape.by_name:
        params["personal_ids"] = sorted(personal)
    return params
