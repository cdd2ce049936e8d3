"""Stamps: a token that changes whenever a set of tables changes, so that what is derived from them
can be kept between requests and still never be stale.

A module declares a stamp and the models that move it (`watch`). Every flush that adds, changes or
deletes one of those models, and every ORM bulk statement on them, writes a new random token in the
same transaction; a rolled-back change leaves the old token, which is still right. A reader reads the
token *before* the data it derives (the user loader reads it with the user, in the same statement),
so a value cached under a token was computed from data at least that new.

`StampedCache` keeps such values in the process, keyed by the token: workers keep their own copies
and agree through the database. Raw SQL that bypasses the ORM does not move a stamp: change watched
tables through the session. Values in the cache are shared between requests and threads: never
mutate one.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from flask import current_app, g, has_request_context
from sqlalchemy import Connection, String, event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.extensions import db

#: the structure people act in (posts, homes, contracts, which compound is where): what each person's
#: scope is derived from; orgs names the models that move it, the user loader reads it with the user
STRUCTURE = "structure"


class Stamp(db.Model):
    """One row per stamp; the row is created by the first change if it is missing (an emptied table)."""

    __tablename__ = "stamp"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    #: random, new at every change of the watched tables (a counter could repeat after a restore)
    token: Mapped[str] = mapped_column(String(32))


_watched: dict[type, set[str]] = {}


def watch(name: str, *models: type) -> None:
    """Move stamp `name` whenever one of `models` is written."""
    for model in models:
        _watched.setdefault(model, set()).add(name)


def token_of(name: str):
    """The stamp's token as a scalar subquery, to read with other columns in one statement."""
    return select(Stamp.token).where(Stamp.name == name).scalar_subquery()


def remember(name: str, token: str | None) -> None:
    """Keep the token read at the start of this request (see `current`)."""
    if has_request_context():
        g.setdefault("_stamps", {})[name] = token


def current(name: str) -> str | None:
    """The token read for this request, or None when it was not read or this request moved it."""
    return g.get("_stamps", {}).get(name) if has_request_context() else None


def bump(connection: Connection, names: set[str]) -> None:
    """Write new tokens for `names` in the connection's transaction (an upsert: one statement each).
    Code that writes watched tables outside the ORM (the city generator) calls it itself."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    for name in sorted(names):
        statement = dialect.insert(Stamp).values(name=name, token=secrets.token_hex(16))
        connection.execute(statement.on_conflict_do_update(index_elements=[Stamp.name],
                                                           set_={"token": statement.excluded.token}))
        if has_request_context():
            g.get("_stamps", {}).pop(name, None)  # what this request derives from now on is computed afresh


@event.listens_for(Session, "before_flush")
def _on_flush(session, _context, _instances) -> None:
    names: set[str] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        moved = _watched.get(type(obj))
        if moved and (obj not in session.dirty or session.is_modified(obj, include_collections=False)):
            names |= moved
    if names:
        bump(session.connection(), names)


@event.listens_for(Session, "do_orm_execute")
def _on_bulk(state) -> None:
    if not (state.is_insert or state.is_update or state.is_delete) or state.bind_mapper is None:
        return
    names = _watched.get(state.bind_mapper.class_)
    if names:
        bump(state.session.connection(), names)


class StampedCache:
    """A bounded, thread-safe map from (key, token) to a value computed at most once per token."""

    def __init__(self, size: int = 512):
        self.size = size
        self._items: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, token: str | None, compute: Callable[[], object],
            fresh: Callable[[object], bool] | None = None):
        """The value kept under (key, token), computed if missing — or if `fresh` says the kept one no
        longer holds (a value that also depends on the time: it is replaced)."""
        if token is None:
            return compute()
        full = (key, token)
        with self._lock:
            if full in self._items and (fresh is None or fresh(self._items[full])):
                self._items.move_to_end(full)
                return self._items[full]
        value = compute()
        with self._lock:
            self._items[full] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def app_cache(name: str, size: int = 512) -> StampedCache:
    """The application's StampedCache called `name` (one per app, so test apps never share values)."""
    cache = current_app.extensions.get(name)
    if cache is None:
        cache = current_app.extensions.setdefault(name, StampedCache(size))
    return cache
