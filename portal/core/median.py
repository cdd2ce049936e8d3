"""The median of a column in SQL, as `statistics.median` gives it (the middle value, or the mean of the
two middle values for an even count; NULLs left out; NULL when there is nothing), so that a figure's
median costs one aggregate and not every row of a city's period read into Python.

Portable to SQLite and PostgreSQL: neither has the same median aggregate (PostgreSQL's
`percentile_cont` has no SQLite twin), but both number rows in order with window functions. Each value
gets its position in order and the count; the middle rows are those with n <= 2 * position <= n + 2
(position (n + 1) / 2 for an odd n; n / 2 and n / 2 + 1 for an even one), and their average is the
median.
"""

from __future__ import annotations

from sqlalchemy import Float, func, select
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import ScalarSelect


def median_of(expression: ColumnElement, *where) -> ScalarSelect:
    """A scalar subquery: the median of `expression` over the rows of its table meeting `where`.

    Uncorrelated, so either database computes it once where it is used (a column of a grouped
    statement, a value in a select list). Give it a materialised CTE's column to reuse rows another
    part of the same statement already read."""
    ranked = (
        select(expression.label("value"),
               func.row_number().over(order_by=expression).label("position"),
               func.count().over().label("n"))
        .where(expression.is_not(None), *where)
        .subquery("ranked")
    )
    middle = (ranked.c.n <= 2 * ranked.c.position) & (2 * ranked.c.position <= ranked.c.n + 2)
    return select(func.avg(ranked.c.value, type_=Float)).where(middle).scalar_subquery()
