"""The queue's rows, drawn once and kept (core.kept) under every value a row shows.

A manager reloads the same open work all day; the rows' HTML only changes when a request, its
handler, its home or the clock (overdue, "new") does, and each of those is in the key. The macro
`queue_row` in templates/repairs/_queue_macros.html draws a row from the row's columns
(queries.QUEUE_COLUMNS, all of them in the key) and the flags `row_key` adds: a value it starts to
show must be a column or a flag there (tests/repairs/test_rows.py changes each value and expects
another row).
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from markupsafe import Markup

from portal.core.clock import aware
from portal.core.kept import kept_drawer
from portal.repairs import labels
from portal.repairs.models import CATEGORIES, Status, overdue


def row_key(row, personal: bool, staff_view: bool, now: datetime, new_since: datetime) -> tuple:
    """Everything `queue_row` shows of `row` (queries.QUEUE_COLUMNS) for this reader at `now`."""
    return (tuple(row), overdue(row.status, row.due_at, now),
            row.status == Status.SUBMITTED and aware(row.created_at) >= new_since, personal, staff_view)


def queue_rows(items, *, personal: set[int], staff_view: bool, now: datetime, new_since: datetime) -> list[Markup]:
    """The rendered rows of a queue page, in order (`items`: rows of queries.QUEUE_COLUMNS)."""
    draw = current_app.jinja_env.get_template("repairs/_queue_macros.html").module.queue_row
    keep = kept_drawer("repairs.queue_row")
    rows = []
    for row in items:
        key = row_key(row, row.id in personal, staff_view, now, new_since)
        rows.append(keep(key, lambda row=row, key=key: draw(row, key[3], staff_view, labels, key[1], key[2])))
    return rows


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
