"""Paging for list pages: counts once (or only up to a cap), loads one page."""

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app, request
from sqlalchemy import Select, func, literal_column, select

from portal.core.kept_statements import kept_statement, param, run_plain
from portal.extensions import db


@dataclass
class Page:
    items: list
    page: int
    per_page: int
    #: rows in the list; with a cap, the rows counted (then `capped` says there are more)
    total: int
    #: the count stopped at its cap: the pager says "more than `total`" and offers the next page
    capped: bool = False

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages or self.capped


def _page_number() -> int:
    try:
        return max(1, int(request.args.get("page", 1)))
    except ValueError:
        return 1


def _page_of(count: Callable[[int | None], int], load: Callable[[int, int], list], cap: int | None) -> Page:
    """The page asked for (?page=N): `count(limit)` counts up to limit + 1 rows (all with None), the page
    number is brought back to the last page, `load(size, offset)` reads it."""
    per_page = current_app.config["PAGE_SIZE"]
    page = _page_number()
    limit = max(cap, page * per_page) if cap is not None else None
    total = count(limit)
    capped = limit is not None and total > limit
    if capped:
        total = limit
    page = min(page, max(1, -(-total // per_page)))
    return Page(items=load(per_page, (page - 1) * per_page), page=page, per_page=per_page, total=total, capped=capped)


def paginate(query: Select, *, scalars: bool = True, cap: int | None = None,
             rows: Callable[[Select], Select] | None = None) -> Page:
    """One page of `query` from ?page=N; a nonsense page number falls back to the nearest page.

    With `cap`, the count stops after `cap` rows (or after the requested page, if deeper), so a list
    over a city's history costs what its first pages cost rather than a scan of every row. `rows` turns
    the page's query (limit and offset applied) into the statement that loads it."""
    def count(limit: int | None) -> int:
        counted = query.order_by(None)
        if limit is not None:
            if not counted._distinct:  # count rows, not the columns a page needs (same rows when not DISTINCT)
                counted = counted.with_only_columns(literal_column("1"), maintain_column_froms=True)
            counted = counted.limit(limit + 1)
        return db.session.scalar(select(func.count()).select_from(counted.subquery())) or 0

    def load(size: int, offset: int) -> list:
        limited = query.limit(size).offset(offset)
        result = db.session.execute(rows(limited) if rows else limited)
        return list(result.scalars() if scalars else result.all())

    return _page_of(count, load, cap)


def paginate_kept(key, query_of: Callable[[], Select], params: dict, *, cap: int,
                  rows: Callable[[Select], Select] = lambda query: query, scalars: bool = True) -> Page:
    """`paginate(query_of(), cap=cap, rows=rows, scalars=scalars)` for a query built once per shape and
    kept (core.kept_statements): `query_of()` puts every value in parameters, which `params` fills; the
    count's bound and the page's size and offset are parameters too. The same page, without building
    the two statements anew on every request. The count, and the page when `scalars=False` (plain
    columns), run on the session's connection (core.kept_statements.run_plain)."""
    def count_statement():
        counted = query_of().order_by(None).with_only_columns(literal_column("1"), maintain_column_froms=True)
        return select(func.count()).select_from(counted.limit(param("count_limit")).subquery())

    def rows_statement():
        return rows(query_of().limit(param("page_size")).offset(param("page_offset")))

    def count(limit: int) -> int:
        return run_plain(kept_statement((*key, "count"), count_statement), {**params, "count_limit": limit + 1}).scalar() or 0

    def load(size: int, offset: int) -> list:
        statement = kept_statement((*key, "rows"), rows_statement)
        page = {**params, "page_size": size, "page_offset": offset}
        return list(db.session.scalars(statement, page)) if scalars else list(run_plain(statement, page))

    return _page_of(count, load, cap)
