"""Opt-in (`PORTAL_QUERY_HEADER=1`): each response carries `X-Queries`, the number of SQL statements
its request ran. A served benchmark (tests/bench.py) cannot count them from outside the process;
off by default, so production pays nothing."""

from flask import Flask, g, has_request_context
from sqlalchemy import event

from portal.extensions import db


def _count(*_args, **_kwargs) -> None:
    if has_request_context():
        g.query_count = g.get("query_count", 0) + 1


def _header(response):
    response.headers["X-Queries"] = str(g.get("query_count", 0))
    return response


def init_app(app: Flask) -> None:
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", _count)
    app.after_request(_header)
