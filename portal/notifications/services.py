"""The notification centre other modules write to.

`notify` stores a registered message key and its parameters; `message_for` words a notification when
it is shown, in the reader's language. Notifications go to staff and residents alike and are kept,
so residents' personal data (a phone number) never goes into one.
"""

from __future__ import annotations

import json
import logging
import math
import re
from typing import NamedTuple

from flask import g, has_request_context
from sqlalchemy import func, literal_column, select, update

from portal.core.kept_statements import Someone, kept_statement, run_plain
from portal.core.models import utcnow
from portal.core.transaction import on_commit
from portal.core.translations import lazy_gettext as _l
from portal.extensions import db
from portal.notifications import registry
from portal.notifications.channels import deliver
from portal.notifications.models import Notification

log = logging.getLogger(__name__)

# What is shown for a notification whose module (and so its text) is gone and that has no stored title.
GENERIC = _l("您有一条通知。")
# A mainland mobile number, with or without +86 and separators, not part of a longer number.
MOBILE = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d){8}(?!\d)")
PLACEHOLDER = re.compile(r"%\((\w+)\)")


class UnknownMessage(LookupError):
    """notify() was given a key no module registered: a programming error, not a user's."""


def notify(user_id: int, key: str, *, link: str | None = None, **params) -> Notification:
    """Queue a notification in the current transaction: `key` from a module's catalogue, `params`
    the values for its placeholders (JSON scalars, never a phone number)."""
    message = registry.lookup(key)
    if message is None:
        raise UnknownMessage(f"no notification message is registered under {key!r}")
    params = _checked_params(key, params)
    _check_placeholders(key, str(message), params)
    note = Notification(user_id=user_id, key=key, params=params, link=link)
    db.session.add(note)
    _written()
    on_commit(lambda: deliver(note))  # outside the portal only once the change is saved
    return note


def _checked_params(key: str, params: dict) -> dict:
    for name, value in params.items():
        if value is not None and not isinstance(value, str | int | float):  # bool is an int
            raise TypeError(f"notification {key!r}: parameter {name!r} must be a string, number, boolean or None, "
                            f"not {type(value).__name__}")
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"notification {key!r}: parameter {name!r} is not a finite number")
        if not isinstance(value, bool) and value is not None and MOBILE.search(str(value)):
            raise ValueError(f"notification {key!r}: parameter {name!r} looks like a mobile number; "
                             "residents' personal data never goes into a notification")
    return json.loads(json.dumps(params))  # exactly what the JSON column will give back (str subclasses → str)


def _check_placeholders(key: str, text: str, params: dict) -> None:
    """Refuse now what would otherwise fail later, when someone opens the notification."""
    wanted = set(PLACEHOLDER.findall(text))
    if wanted != set(params):
        raise ValueError(f"notification {key!r} takes parameters {sorted(wanted)}, was given {sorted(params)}")
    _ = text % params  # a value of the wrong type for its conversion (e.g. %(n)d) raises here


def message_for(note: Notification) -> str:
    """The notification's text in the current locale. Never raises: a key no longer registered (its module
    removed) or a text that no longer fits its parameters falls back to the stored title or a generic text."""
    if note.key:
        message = registry.lookup(note.key)
        if message is None:
            log.warning("notification %s: no message registered under %r", note.id, note.key)
        else:
            try:
                return str(message) % registry.formatted(note.key, note.params or {})
            except (KeyError, ValueError, TypeError):
                log.warning("notification %s: message %r does not fit its parameters", note.id, note.key)
    return note.title or str(GENERIC)


#: the bell counts unread notifications up to this many and then shows "99+": a user who never reads
#: them must not make every page count their whole history
UNREAD_CAP = 100


def _unread(user):
    return (select(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
            .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(UNREAD_CAP))


def unread_count(user) -> int:
    """How many are unread, up to UNREAD_CAP (the index (user_id, read_at, created_at) finds them)."""
    return db.session.scalar(select(func.count()).select_from(_unread(user).subquery())) or 0


class Unread(NamedTuple):
    """The newest unread notification as the bell words it (what `message_for` reads), with the count."""

    id: int
    user_id: int
    key: str | None
    params: dict | None
    title: str | None
    unread: int


def unread_summary(user):
    """How many are unread (up to UNREAD_CAP) and the newest of them as a row of what `message_for`
    reads, in one query. Pages read both with the user instead (`bell_columns`); this is for a request
    that changed them."""
    statement = kept_statement("notifications.unread_summary", _unread_summary_statement)
    row = run_plain(statement, {"user_id": user.id}).first()
    return (row.unread, row) if row else (0, None)


def _unread_summary_statement():
    """The newest unread notification's worded fields with the capped count beside it, for any user
    (core.kept_statements: built once per process, the user a parameter; every page shows the bell)."""
    unread = _unread(Someone)
    return (unread.with_only_columns(Notification.id, Notification.user_id, Notification.key, Notification.params,
                                     Notification.title)
            .limit(1).add_columns(_counted(unread).scalar_subquery().label("unread")))


def _counted(unread):
    return select(func.count()).select_from(
        unread.with_only_columns(literal_column("1"), maintain_column_froms=True).subquery())


#: the bell's columns in the statement that loads the user, by label (auth.read_with_user)
BELL_FIELDS = ("id", "key", "params", "title")


def bell_columns() -> list:
    """`unread_summary` as columns of the statement that loads the signed-in user (auth.read_with_user),
    the user the parameter `user_id`: the capped count, and each field of the newest unread one read
    through the index (user_id, read_at, created_at)."""
    unread = _unread(Someone)
    newest = unread.limit(1)
    return [_counted(unread).scalar_subquery().label("bell_unread"),
            *(newest.with_only_columns(getattr(Notification, name)).scalar_subquery().label(f"bell_{name}")
              for name in BELL_FIELDS)]


def summary_from(row, user_id: int):
    """(count, newest) as `unread_summary` gives them, from the bell's columns of a row (`bell_columns`)."""
    if row.bell_id is None:
        return 0, None
    return row.bell_unread, Unread(row.bell_id, user_id, row.bell_key, row.bell_params, row.bell_title, row.bell_unread)


def _written() -> None:
    """The signed-in person's bell was read with them at the start of the request: after a change to any
    notification, it is counted again when next shown (notifications.init_app's bell part)."""
    if has_request_context():
        g.pop("_unread_summary", None)
        g.pop("_unread", None)


def mark_read(user, note_id: int) -> bool:
    result = db.session.execute(
        update(Notification)
        .where(Notification.id == note_id, Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    _written()
    return result.rowcount > 0


def mark_all_read(user) -> int:
    result = db.session.execute(
        update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None)).values(read_at=utcnow())
    )
    _written()
    return result.rowcount


def settle(link: str, keys, user_id: int | None = None) -> int:
    """Mark as read the unread notifications about `link` with one of `keys` (of `user_id`, or anyone's):
    a "please dispatch" that someone has acted on is no longer a to-do, so badges do not only grow.

    The rows are loaded and marked in the session, written with the rest of the change at its flush:
    no UPDATE runs early, so two people acting at once still meet at the optimistic lock of the record
    itself. Call it before changing that record (the SELECT would otherwise flush it)."""
    query = select(Notification).where(Notification.link == link, Notification.key.in_(list(keys)),
                                       Notification.read_at.is_(None))
    if user_id is not None:
        query = query.where(Notification.user_id == user_id)
    notes = db.session.scalars(query).all()
    for note in notes:
        note.read_at = utcnow()
    if notes:
        _written()
    return len(notes)
