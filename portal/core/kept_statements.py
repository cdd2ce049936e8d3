"""Statements built once per shape and kept, for pages every user opens (the home page's to-dos).

Why: a statement of a dozen scalar subqueries costs more to *build* in Python — constructing its
expression tree, then walking it for the compiled-cache key — than to run. SQLAlchemy keeps a
statement's cache key on the statement object, so a statement kept here and executed again with new
parameters skips both: `db.session.execute(kept_statement(key, build), {"now": …, "ids": [...]})`.

The rule that keeps one user's values out of another's page: `build()` puts no value of a user or a
request into the statement — only `param(...)`s, filled at execution — and `key` names everything that
changes the statement's *shape* (which optional branches it has: the user has homes, staff compounds,
this role …), never a value. (Rendered HTML is kept elsewhere, core.kept, under the values it shows; a
kept statement holds no value at all, so it needs no key of values and never goes stale.)
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from flask import current_app
from sqlalchemy import text
from sqlalchemy.sql.elements import BindParameter

from portal.extensions import db

#: shapes are few (a handful of booleans per module); the bound only guards against a key built wrong
MAX_KEPT = 256

_kept: dict[Hashable, object] = {}


def kept_statement(key: Hashable, build: Callable[[], object]):
    """The statement `build()` gives for this shape, built the first time only (process-wide: a kept
    statement holds no value of anyone, and SQLAlchemy statements are immutable and thread-safe)."""
    statement = _kept.get(key)
    if statement is None:
        if len(_kept) >= MAX_KEPT:
            _kept.pop(next(iter(_kept), None), None)
        statement = _kept[key] = build()
    return statement


def run_plain(statement, params: dict):
    """Execute a statement of plain columns (no ORM entity) on the session's connection, after flushing
    what the session holds as its autoflush would: the rows as the database gives them, without the
    ORM's per-execution set-up (events, compile state, a result that could load entities), which costs
    more than a small indexed query itself. For a page's counts and lists of values; a statement that
    loads objects goes through the session."""
    session = db.session()
    if session.autoflush:
        session.flush()
    return session.connection().execute(statement, params)


def plan_for_values() -> None:
    """Let PostgreSQL plan this transaction's statements for their values where that pays (its own
    "auto": a plan for the values given until a plan made once proves as good).

    The portal asks for plans made once (POSTGRES_PLAN_CACHE_MODE, force_generic_plan): right for pages
    whose statements take ids and "now". Figures over a period are the exception: the best plan for a
    month of a city's history is not the best for a year (a generic plan made the street dashboard's
    period statement 6 -> 23 ms). Planning every statement anew instead cost the dashboards a quarter of
    their throughput, hence "auto" rather than force_custom_plan. Until the transaction ends."""
    session = db.session()
    if session.get_bind().dialect.name == "postgresql" and current_app.config.get("POSTGRES_PLAN_CACHE_MODE"):
        session.execute(text("SET LOCAL plan_cache_mode = auto"))


def forget_kept() -> None:
    """Drop every kept statement (tests that compare a kept statement with a fresh build)."""
    _kept.clear()


class _Param(BindParameter):
    """A bind parameter that counts as given: the models' hybrids take `now`/`on` as `value or now_utc()`,
    and a clause has no truth value of its own, so without this they would refuse it."""

    inherit_cache = True

    def __bool__(self) -> bool:
        return True


def param(name: str, type_=None, *, expanding: bool = False) -> BindParameter:
    """A required parameter of a kept statement, filled at execution (`expanding` for an IN list)."""
    return _Param(name, type_=type_, expanding=expanding, required=True)


class Someone:
    """A stand-in user for the clause builders that read nothing of a user but `user.id` (the repairs
    queue's `MINE`, meetings' `to_confirm_clause`): its id is the parameter `user_id`. Anything else read
    of it fails loudly, so a builder that also reads the scope cannot use it by mistake."""

    __slots__ = ()
    id = param("user_id")
