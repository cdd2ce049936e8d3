"""The request figures of a community or street for a period, each linking to the queue filtered so
that its count is the figure.

A period's figures are about the requests *received* in it (created in the period): how many, how many
of them are closed now, how fast they were answered and resolved, how their requesters rated them.
Overdue is a state: the open requests past their deadline now. Two queries whatever the size of the
area or the period: one over the period's requests (read once, as a materialised CTE, through index
ranges: `_index_ranges`) for the counts by kind, category and month and the two medians, all computed
by the database; one for overdue.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import url_for
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import case, func, literal, select, union_all

from portal.core.clock import aware, local_midnight, now_utc, today
from portal.core.hours import hours_between
from portal.core.indicators import Area, Chart, Figure, Period, Section, Sheet, Unit, months_of, rate
from portal.core.median import median_of
from portal.extensions import db
from portal.orgs.indicators import area_compounds_of
from portal.repairs import labels
from portal.repairs.models import RepairRequest, Status
from portal.repairs.queries import not_closed

#: a rating that counts as satisfied (满意): 4 or 5 of 5
SATISFIED = 4


def area_condition(area: Area, on: date):
    """Requests of the area's compounds (for a company: those it serves on `on`)."""
    return RepairRequest.compound_id.in_(area_compounds_of(area, on))


def _area_args(area: Area, on: date) -> dict[str, str]:
    return {**area.args(), "on": on.isoformat()} if area.kind == "company" else area.args()


def received_in(period: Period):
    return (RepairRequest.created_at >= period.start) & (RepairRequest.created_at < period.end)


def _month_of(period: Period):
    """The index in `months_of(period)` of the local month a request was received in, as SQL: the months'
    first local midnights, in UTC as stored, bound the ranges of created_at (portable, no time zone
    arithmetic in the database). Only rows of the period are ever given to it."""
    bounds = [local_midnight(date(year, month, 1)) for year, month in months_of(period)[1:]]
    if not bounds:
        return literal(0)
    return case(*((RepairRequest.created_at < bound, index) for index, bound in enumerate(bounds)),
                else_=len(bounds))


def _index_ranges(period: Period) -> list[tuple]:
    """received_in(period) cut into parts each database can read as ranges of an index, instead of
    every request the area ever had (there is no index on (compound_id, created_at) for all rows):

    - the open ones through the partial index (compound_id, created_at) WHERE status != 'closed';
    - the closed ones through (compound_id, status, closed_at), from the period's start on: a request is
      closed after it was received (services stamp closed_at with the time of closing), so one closed
      before the period began was not received in it;
    - closed ones without closed_at, should any be stored so (hand-made data), by the same index.

    The parts do not overlap and together are every request received in the period."""
    closed = RepairRequest.status == Status.CLOSED
    return [(not_closed(),), (closed, RepairRequest.closed_at >= period.start),
            (closed, RepairRequest.closed_at.is_(None))]


def _period_rows(area: Area, period: Period, on: date):
    """The period's requests with what the figures need of each, read once: MATERIALIZED so that the
    counts and both medians use the same rows (PostgreSQL would anyway for a CTE used three times;
    SQLite is told)."""
    columns = (RepairRequest.kind, RepairRequest.category, _month_of(period).label("month"),
               case((RepairRequest.status == Status.CLOSED, 1), else_=0).label("closed"),
               case((RepairRequest.rating.is_not(None), 1), else_=0).label("rated"),
               case((RepairRequest.rating >= SATISFIED, 1), else_=0).label("happy"),
               hours_between(RepairRequest.created_at, RepairRequest.accepted_at).label("response"),
               hours_between(RepairRequest.created_at, RepairRequest.resolved_at).label("resolution"))
    parts = [select(*columns).where(area_condition(area, on), received_in(period), *part)
             for part in _index_ranges(period)]
    return union_all(*parts).cte("period_requests").prefix_with("MATERIALIZED")


def _one_decimal(hours: float | None) -> float | None:
    return round(hours, 1) if hours is not None else None


def requests_section(area: Area, period: Period, now: datetime | None = None) -> Section:
    now = now or now_utc()
    on = min(period.last, today())
    rows = _period_rows(area, period, on)
    # Grouped by month too (a few hundred rows for a year at most): the trend needs no further query.
    # The medians are the same on every row; no row means no request, and no median.
    breakdown = db.session.execute(
        select(rows.c.kind, rows.c.category, rows.c.month, func.count(), func.sum(rows.c.closed),
               func.sum(rows.c.rated), func.sum(rows.c.happy), median_of(rows.c.response),
               median_of(rows.c.resolution))
        .group_by(rows.c.kind, rows.c.category, rows.c.month)
    ).all()
    received = sum(row[3] for row in breakdown)
    closed_count = sum(row[4] or 0 for row in breakdown)
    rated_count = sum(row[5] or 0 for row in breakdown)
    happy_count = sum(row[6] or 0 for row in breakdown)
    response, resolution = (_one_decimal(breakdown[0][7]), _one_decimal(breakdown[0][8])) if breakdown else (None, None)
    overdue = db.session.scalar(select(func.count()).select_from(RepairRequest).where(
        area_condition(area, on), not_closed(), RepairRequest.is_overdue(now))) or 0  # open work: the partial index

    base = {**_area_args(area, on), **period.day_args()}

    def queue(**filters):
        """The records behind a figure: every request of the area, in words safe for whoever reads the
        area's figures (the queue would show only what the reader must act on)."""
        return url_for("repairs.records", **filters)

    by_kind: dict[str, list[int]] = {}
    by_category: dict[str, list[int]] = {}
    for kind, category, _month, count, closed_n, *_rest in breakdown:
        for key, bucket in ((kind, by_kind), (category, by_category)):
            totals = bucket.setdefault(key, [0, 0])
            totals[0] += count
            totals[1] += closed_n or 0
    rows = [
        (labels.KIND_LABELS.get(kind, kind), count, closed_n, rate(closed_n, count), queue(**base, kind=kind))
        for kind, (count, closed_n) in sorted(by_kind.items(), key=lambda item: -item[1][0])
    ] + [
        (labels.CATEGORY_LABELS.get(category, category), count, closed_n, rate(closed_n, count),
         queue(**base, category=category))
        for category, (count, closed_n) in sorted(by_category.items(), key=lambda item: -item[1][0])
    ]
    return Section("repairs.requests", _("报修与诉求"), [
        Figure("repairs.received", _("受理诉求"), received, link=queue(**base)),
        Figure("repairs.closed", _("已办结"), closed_count, link=queue(**base, status=Status.CLOSED)),
        Figure("repairs.closure_rate", _("办结率"), rate(closed_count, received), Unit.PERCENT,
               link=queue(**base, status=Status.CLOSED), part=closed_count, whole=received),
        Figure("repairs.response_hours", _("响应用时（中位数）"), response, Unit.HOURS),
        Figure("repairs.resolution_hours", _("办结用时（中位数）"), resolution, Unit.HOURS),
        Figure("repairs.overdue", _("当前超时"), overdue, link=queue(**_area_args(area, on), overdue="1")),
        Figure("repairs.satisfaction", _("诉求人满意率"), rate(happy_count, rated_count), Unit.PERCENT,
               link=queue(**base, rated="satisfied"), part=happy_count, whole=rated_count, target=90),
    ], columns=[_("类型 / 类别"), _("受理"), _("办结"), _("办结率")], rows=rows,
        trend=_satisfaction_trend(period, breakdown))


def _satisfaction_trend(period: Period, breakdown) -> Chart | None:
    """诉求人满意率 month by month (by the local month the request was received), from the counts the
    figures were read with: no further query. Only for a period of two months or more."""
    months = months_of(period)
    if len(months) < 2:
        return None
    counts = [[0, 0] for _month in months]
    for _kind, _category, month, _count, _closed, rated_n, happy_n, *_medians in breakdown:
        counts[month][0] += happy_n or 0
        counts[month][1] += rated_n or 0
    points = [(format_date(date(year, month, 1), "MMM"), rate(*counts[index]))
              for index, (year, month) in enumerate(months)]
    return Chart("line", _("诉求人满意率（按受理月份）"), points, 90)


def record_filters(args, now: datetime) -> tuple[list, list[tuple[str, str, str]]]:
    """(SQL conditions, chips) of the records list behind the figures: the same predicates the figures
    count with, read back from a figure's link."""
    from portal.core.clock import local_midnight
    from portal.core.params import parse_day
    from portal.repairs.models import CATEGORIES, Kind

    conditions, chips = [], []
    first, last = parse_day(args.get("from")), parse_day(args.get("to"))
    if first:
        conditions.append(RepairRequest.created_at >= local_midnight(first))
    if last:
        conditions.append(RepairRequest.created_at < local_midnight(last) + timedelta(days=1))
    if first or last:
        chips.append(("period", "", _("受理于 %(first)s – %(last)s", first=first or "…", last=last or "…")))
    if (status := args.get("status")) in Status.ALL:
        conditions.append(RepairRequest.status == status)
        chips.append(("status", status, labels.STATUS_LABELS[status]))
    if (kind := args.get("kind")) in Kind.ALL:
        conditions.append(RepairRequest.kind == kind)
        chips.append(("kind", kind, labels.KIND_LABELS[kind]))
    if (category := args.get("category")) in CATEGORIES:
        conditions.append(RepairRequest.category == category)
        chips.append(("category", category, labels.CATEGORY_LABELS[category]))
    if args.get("overdue") == "1":
        conditions += [not_closed(), RepairRequest.is_overdue(now)]  # open work: the partial index
        chips.append(("overdue", "1", _("当前超时")))
    if args.get("rated") == "satisfied":
        conditions.append(RepairRequest.rating >= SATISFIED)
        chips.append(("rated", "satisfied", _("评价满意")))
    return conditions, chips


def records_query(compounds, conditions):
    """The rows of the records list and of the report's sheet: only columns without personal data."""
    from portal.orgs.models import Compound

    return (
        select(RepairRequest.id, RepairRequest.category, RepairRequest.kind, RepairRequest.status,
               RepairRequest.created_at, RepairRequest.closed_at, RepairRequest.rating, Compound.name.label("compound"))
        .join(Compound, Compound.id == RepairRequest.compound_id)
        .where(RepairRequest.compound_id.in_(compounds), *conditions)
        .order_by(RepairRequest.created_at.desc(), RepairRequest.id.desc())
    )


def records_sheet(area: Area, period: Period) -> Sheet:
    """The requests received in the period, as the records list shows them (no personal data)."""
    from portal.core.clock import TZ

    compounds = area_compounds_of(area, min(period.last, today()))
    rows = db.session.execute(records_query(compounds, [received_in(period)])).all()

    def local(value):
        return aware(value).astimezone(TZ).strftime("%Y-%m-%d %H:%M") if value else ""

    return Sheet(_("报修与诉求"), [_("编号"), _("小区"), _("类别"), _("类型"), _("状态"), _("受理"), _("办结"), _("评价")], [
        (row.id, row.compound, labels.CATEGORY_LABELS.get(row.category, row.category),
         labels.KIND_LABELS.get(row.kind, row.kind), labels.STATUS_LABELS.get(row.status, row.status),
         local(row.created_at), local(row.closed_at), row.rating)
        for row in rows
    ])
