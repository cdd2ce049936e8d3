"""What the meeting page has already loaded, lent to the permission rules and step conditions while the
page decides what to offer, so that each of them asks no query of its own (the page asks a dozen of them).

Only inside `knowing(meeting, ...)`, which the page opens around its checks: services and action routes
never see it, so a step is always checked against the database when it is taken.
"""

from __future__ import annotations

from contextlib import contextmanager

from flask import g, has_app_context

#: `known()` answers this when the page has not lent the fact
UNKNOWN = object()


@contextmanager
def knowing(meeting, **facts):
    """Lend `facts` about `meeting` (invitations: user id → Invitee; latest: MinutesVersion | None;
    signed: user ids signed in) to the rules for the duration of the block."""
    lent = g.setdefault("meeting_facts", {})
    previous = lent.get(meeting.id)
    lent[meeting.id] = facts
    try:
        yield
    finally:
        if previous is None:
            lent.pop(meeting.id, None)
        else:
            lent[meeting.id] = previous


def known(meeting, name: str):
    """The fact the page lent about `meeting`, else UNKNOWN."""
    if not has_app_context() or meeting.id is None:
        return UNKNOWN
    return g.get("meeting_facts", {}).get(meeting.id, {}).get(name, UNKNOWN)
