"""`IN` lists written so a statement's text never changes with its values, and nothing is rewritten at each
execution: `in_ids` for a scope's ids, `one_of` for a fixed set of constants (a model's states).

Why `in_ids`: a scope's id lists (a street administrator's compounds, a resident's homes) sit in the statements
every key page runs. Written as `IN`, each id is a parameter of its own: SQLAlchemy rewrites the SQL for
the list's length at every execution, the statement's text changes with the length (so PostgreSQL
prepares one statement per length and per user), and past 50 parameters psycopg stops keeping its
conversion of the statement. One array parameter keeps one text for every user. SQLite, which has no
arrays, keeps `IN`: its plans and figures are unchanged.

The element carries both forms, each built at construction from the same column and values, and each
dialect renders one: so every bound value is part of the statement (the compiled cache matches it on the
next execution), and nothing is built while compiling.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ARRAY, Integer, any_, bindparam, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import sqltypes
from sqlalchemy.sql.elements import BindParameter, ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

from portal.core.kept_statements import param

#: the ids' array type on PostgreSQL (every id column of the portal is an integer)
IDS = ARRAY(Integer)


class IdIn(ColumnElement[bool]):
    """`column IN ids`: `ids` a collection of ids, or a kept statement's `param(name, expanding=True)`
    (then executed with `{name: [ids]}` as before)."""

    __visit_name__ = "id_in"
    inherit_cache = True
    _traverse_internals = [("as_in", InternalTraversal.dp_clauseelement),
                           ("as_any", InternalTraversal.dp_clauseelement)]
    _is_implicitly_boolean = True
    type = sqltypes.BOOLEANTYPE

    def __init__(self, column, ids: Iterable[int] | BindParameter):
        if isinstance(ids, BindParameter):
            array = param(ids.key, IDS)
        else:
            ids = sorted(ids)
            array = bindparam(getattr(column, "key", None) or "ids", ids, type_=IDS, unique=True)
        self.as_in = column.in_(ids)
        self.as_any = column == any_(array)

    @property
    def _from_objects(self):
        return self.as_in._from_objects

    def self_group(self, against=None):
        return self  # both forms are comparisons: they need no parentheses inside AND, OR or NOT


def in_ids(column, ids: Iterable[int] | BindParameter) -> IdIn:
    """`column IN ids`, one array parameter on PostgreSQL (see the module's docstring)."""
    return IdIn(column, ids)


@compiles(IdIn)
def _as_in(element: IdIn, compiler, **kw) -> str:
    return compiler.process(element.as_in, **kw)


@compiles(IdIn, "postgresql")
def _as_any(element: IdIn, compiler, **kw) -> str:
    return compiler.process(element.as_any, **kw)


def one_of(column, constants: Iterable) -> ColumnElement[bool]:
    """`column IN ('a', 'b')` with the constants written into the SQL (a model's states, never a user's
    input): a plain `in_` binds them as a list SQLAlchemy expands at every execution, and a planner that
    sees the values can match them to a partial index."""
    written = []
    for value in constants:
        value = getattr(value, "value", value)
        if not (isinstance(value, int) or (isinstance(value, str) and value.isidentifier())):
            raise ValueError(f"not a constant to write into SQL: {value!r}")
        written.append(literal_column(repr(value) if isinstance(value, str) else str(value)))
    return column.in_(written)
