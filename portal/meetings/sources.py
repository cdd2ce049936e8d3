"""Where agenda items come from: a registry other modules plug into.

An agenda item keeps a link to its source as (`source_kind`, `source_id`). Each kind is registered
once, by the module that owns those records, at its `init_app`:

    from portal.meetings.sources import register_agenda_source

    register_agenda_source(
        "survey",                               # kind code stored on the item (≤ 30 chars, a-z0-9_)
        label=_l("满意度测评"),                    # what the agenda calls this kind of source
        describe=lambda source_id: ("2026年第三季度测评：停车不满意率高", "/surveys/12") or None,
        candidates=lambda meeting: [(12, "…"), …],   # optional: what the convener may pick from
        on_resolution_done=lambda source_id, resolution, by, resolve=False: …,  # optional: a resolution about it is done
        on_agenda=lambda source_id, item, by: …,    # optional: it was just put on a meeting's agenda
        describe_many=lambda source_ids: {12: ("…", "/surveys/12")},  # optional: describe in one query
    )

`describe(source_id)` returns (title, url) or None when the record is gone; `describe_many(source_ids)`
(optional, what the agenda of a meeting page uses: one query per kind whatever the number of items) returns
{source_id: (title, url)} for those still there; `candidates(meeting)`
lists (source_id, title) a convener may put on that meeting's agenda (scope is the caller's: only
records of the meeting's community/compound); `on_resolution_done(source_id, resolution, by, resolve=False)` runs
in the same transaction when a resolution of an item from that source is marked done (use the
owning module's services, never its tables; raise RuleError to refuse; `resolve` is the completer's
"this also settles the source" tick); `on_agenda(source_id, item,
by)` likewise when an item from it is put on an agenda.

Putting something on a meeting from another module goes through the services in
`portal.meetings.services`:

- `propose_topic(compound, by=user, title=..., description=..., source_kind=..., source_id=...)` files
  a topic for the compound's next meeting; the convener accepts it onto an agenda (keeping the source)
  or declines it with a reason.
- `add_agenda_item(meeting, by=user, title=..., source_kind=..., source_id=...)` puts it on a given
  meeting directly (the caller must be allowed to edit that meeting's agenda).
- `agenda_entries(source_kind, source_id)` lists (meeting, item) for a source, for its page to show
  "on the agenda of …".

Built-in kinds: "repair" (社事 repair requests, portal.meetings.repair_source), "proposal" (residents'
proposals) and "resolution" (an open resolution of an earlier meeting carried over).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

KIND = re.compile(r"[a-z][a-z0-9_]{0,29}")


@dataclass(frozen=True)
class AgendaSource:
    kind: str
    label: object
    describe: Callable[[int], tuple[str, str | None] | None]
    candidates: Callable | None = None
    on_resolution_done: Callable | None = None
    on_agenda: Callable | None = None
    describe_many: Callable | None = None


_SOURCES: dict[str, AgendaSource] = {}


def register_agenda_source(kind: str, *, label, describe: Callable, candidates: Callable | None = None,
                           on_resolution_done: Callable | None = None, on_agenda: Callable | None = None,
                           describe_many: Callable | None = None) -> AgendaSource:
    """Register (or re-register identically, as each app created does) a kind of agenda source."""
    if not KIND.fullmatch(kind):
        raise ValueError(f"agenda source kind {kind!r}: lower case letters, digits and _, at most 30")
    source = AgendaSource(kind, label, describe, candidates, on_resolution_done, on_agenda, describe_many)
    existing = _SOURCES.get(kind)
    if existing is not None and existing.describe is not describe:
        raise ValueError(f"agenda source {kind!r} is already registered by another module")
    _SOURCES[kind] = source
    return source


def source(kind: str | None) -> AgendaSource | None:
    return _SOURCES.get(kind) if kind else None


def registered() -> dict[str, AgendaSource]:
    return dict(_SOURCES)


def describe(kind: str | None, source_id: int | None) -> tuple[object, str, str | None] | None:
    """(kind label, title, url) of an item's source, or None (free text, or the record is gone)."""
    found = source(kind)
    if found is None or source_id is None:
        return None
    described = found.describe(source_id)
    if described is None:
        return None
    return found.label, described[0], described[1]


def describe_all(pairs) -> dict[tuple[str, int], tuple[object, str, str | None]]:
    """`describe` for many (kind, source_id) at once: {(kind, source_id): (kind label, title, url)} for those
    still there. One query per kind that registered `describe_many`, else one per source."""
    wanted: dict[str, set[int]] = {}
    for kind, source_id in pairs:
        if source(kind) is not None and source_id is not None:
            wanted.setdefault(kind, set()).add(source_id)
    found: dict[tuple[str, int], tuple[object, str, str | None]] = {}
    for kind, ids in wanted.items():
        registered_source = _SOURCES[kind]
        if registered_source.describe_many is not None:
            described = registered_source.describe_many(sorted(ids))
        else:
            described = {source_id: registered_source.describe(source_id) for source_id in sorted(ids)}
        for source_id, words in described.items():
            if words is not None:
                found[(kind, source_id)] = (registered_source.label, words[0], words[1])
    return found
