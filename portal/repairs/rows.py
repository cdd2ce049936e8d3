"""The queue's rows, drawn once and kept (core.kept) under every value a row shows.

A manager reloads the same open work all day; the rows' HTML only changes when a request, its
handler, its home or the clock (overdue, "new") does, and each of those is in the key. The macro
`queue_row` in templates/repairs/_queue_macros.html draws a row: a value it starts to show must be
added to `row_key` (tests/repairs/test_rows.py changes each value and expects another row).
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from markupsafe import Markup

from portal.core.clock import aware
from portal.core.kept import kept_drawer
from portal.repairs import labels
from portal.repairs.models import CATEGORIES, RepairRequest, Status


def row_key(req: RepairRequest, personal: bool, staff_view: bool, now: datetime, new_since: datetime) -> tuple:
    """Everything `queue_row` shows of `req` for this reader at `now`."""
    household = req.household
    return (req.id, req.status, req.category, req.kind, req.description, req.created_at, req.due_at, req.place,
            req.compound.name,
            (household.unit, household.room, household.building.name) if household is not None else None,
            req.handler.name if req.handler is not None else None,
            req.is_overdue(now), req.status == Status.SUBMITTED and aware(req.created_at) >= new_since,
            personal, staff_view)


def queue_rows(items, *, personal: set[int], staff_view: bool, now: datetime, new_since: datetime) -> list[Markup]:
    """The rendered rows of a queue page, in order."""
    draw = current_app.jinja_env.get_template("repairs/_queue_macros.html").module.queue_row
    keep = kept_drawer("repairs.queue_row")
    return [keep(row_key(req, req.id in personal, staff_view, now, new_since),
                 lambda req=req: draw(req, req.id in personal, staff_view, labels, now, new_since))
            for req in items]


def board_items(rows, summaries: dict[int, str], photos: dict[int, list]) -> list[Markup]:
    """The rendered items of a board page: closed requests, which rarely change, kept under all the
    row's columns, its summary and its photos (the macro draws from nothing else)."""
    draw = current_app.jinja_env.get_template("repairs/_board_macros.html").module.board_item
    keep = kept_drawer("repairs.board_item")
    items = []
    for row in rows:
        summary, shots = summaries.get(row.id), photos.get(row.id, [])
        key = (tuple(row), summary, tuple((shot.id, shot.width, shot.height) for shot in shots))
        items.append(keep(key, lambda row=row, summary=summary, shots=shots: draw(row, summary, shots, labels)))
    return items


def board_filters(choices, compound_id: int, category: str) -> Markup:
    """The board's filters, kept under the compounds offered (ids and names), the one shown and the
    category chosen (the categories and their labels are constants; the language is in every key)."""
    draw = current_app.jinja_env.get_template("repairs/_board_macros.html").module.board_filters
    key = (tuple(choices), compound_id, category)
    return kept_drawer("repairs.board_filters")(key, lambda: draw(choices, compound_id, category, CATEGORIES, labels))


def board_head(name: str, figures: dict, days: int) -> Markup:
    """The board's head, kept under the compound's name, its figures and the window's length."""
    draw = current_app.jinja_env.get_template("repairs/_board_macros.html").module.board_head
    key = (name, figures["closed"], figures["satisfaction"], figures["rated"], figures["median_hours"], days)
    return kept_drawer("repairs.board_head")(key, lambda: draw(*key))
