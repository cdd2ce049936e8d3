"""Hours between two stored datetimes, computed by the database: the dashboards' durations (time to
answer, time to resolve) are medians over a city's requests, which should not travel to Python one row
at a time to be subtracted there.

Each dialect subtracts in its own words. SQLite keeps datetimes as text, so `julianday` reads them (to
the millisecond) and the difference is taken in whole milliseconds, which is exact; PostgreSQL
subtracts timestamps into an interval and `EXTRACT(EPOCH ...)` gives its seconds (to the microsecond).
Both give hours as a float, NULL when either end is NULL, as `(end - start).total_seconds() / 3600`
does in Python.
"""

from __future__ import annotations

from sqlalchemy import Float
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class hours_between(FunctionElement):  # noqa: N801 - used as a SQL function: hours_between(start, end)
    """`end - start` in hours (float), for two datetime columns or expressions."""

    type = Float()
    name = "hours_between"
    inherit_cache = True


@compiles(hours_between)
def _hours_between(element, compiler, **kw):
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"(CAST(EXTRACT(EPOCH FROM ({end} - {start})) AS DOUBLE PRECISION) / 3600.0)"


@compiles(hours_between, "sqlite")
def _hours_between_sqlite(element, compiler, **kw):
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"((round(julianday({end}) * 86400000) - round(julianday({start}) * 86400000)) / 3600000.0)"
