"""Each module's home-page to-dos as a part of one statement.

Why: every module counts its to-dos in one statement of its own (a row of counts, every value a parameter:
core.kept_statements), and the home page is the page everyone opens first. Run one by one, a person's
home paid a round trip, a statement's set-up in SQLAlchemy and psycopg, and its set-up in the database,
per module. Here the modules' rows are joined into one row: each module's statement becomes a derived
table of one row, its parameters renamed with the part's prefix (`t0_now`, `t1_now` …: modules name theirs
freely), and the whole is kept per combination of the modules' shapes.

A module's provider (core.modules.add_todos) returns a `Counted` — its statement's key and builder, its
values and what turns its row into to-dos — or a list of to-dos it found otherwise, or None.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import select, true
from sqlalchemy.sql import visitors

from portal.core.kept_statements import kept_statement, run_plain


@dataclass(frozen=True)
class Counted:
    """A module's to-do counts, to be run together with the other modules' (`run_together`)."""

    key: Hashable  #: its statement's key in core.kept_statements (the statement's shape)
    build: Callable[[], object]  #: a SELECT of one row of labelled columns, every value a parameter
    values: dict  #: the parameters, by the names the statement gives them
    finish: Callable[[Mapping], list]  #: the to-dos, from the row's values by their labels

    def run(self) -> list:
        """Alone (a module's own `todos(user)`; tests)."""
        return run_together([self])


def todos_of(user, providers: Iterable[Callable]) -> list:
    """The to-dos of every provider for `user`, the counted ones in one statement."""
    counted, todos = [], []
    for provider in providers:
        found = provider(user)
        if isinstance(found, Counted):
            counted.append(found)
        elif found:
            todos.extend(found)
    return run_together(counted) + todos


def run_together(counted: list[Counted]) -> list:
    if not counted:
        return []
    statement = kept_statement(("core.todo_counts", tuple(part.key for part in counted)),
                               lambda: _together([kept_statement(part.key, part.build) for part in counted]))
    values = {f"t{n}_{name}": value for n, part in enumerate(counted) for name, value in part.values.items()}
    row = run_plain(statement, values).one()
    rows: list[dict] = [{} for _ in counted]
    for label, value in row._mapping.items():
        part, _, name = label.partition("_")
        rows[int(part[1:])][name] = value
    return [todo for part, values in zip(counted, rows, strict=True) for todo in part.finish(values)]


def _together(statements: list):
    """One row of every statement's columns (labelled `t<n>_<label>`), each statement a derived table whose
    named parameters carry its prefix."""
    parts = [_prefixed(statement, f"t{n}_").subquery(f"t{n}") for n, statement in enumerate(statements)]
    joined = parts[0]
    for part in parts[1:]:
        joined = joined.join(part, true())  # one row each: no cartesian product to speak of
    return select(*(column.label(f"t{n}_{column.key}") for n, part in enumerate(parts) for column in part.c)
                  ).select_from(joined)


def _prefixed(statement, prefix: str):
    def rename(bind):
        if not bind.unique:  # a named parameter (an anonymous one is a constant of the rules)
            bind.key = bind._identifying_key = bind._orig_key = prefix + bind.key

    return visitors.cloned_traverse(statement, {}, {"bindparam": rename})
