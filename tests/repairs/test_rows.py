"""The queue's kept rows (repairs/rows.py): a row is drawn again whenever anything it shows changes,
and a kept row is exactly the row a fresh drawing gives."""

from __future__ import annotations

import re
from collections import namedtuple
from datetime import timedelta

import pytest
from flask_babel import force_locale

from portal.core.clock import now_utc
from portal.core.kept import KeptHtml, kept_pieces
from portal.extensions import db
from portal.repairs import labels, services
from portal.repairs.models import Kind, Status
from portal.repairs.queries import QUEUE_COLUMNS
from portal.repairs.rows import queue_rows, row_key
from tests.repairs.conftest import make_request

#: a queue row (queries.QUEUE_COLUMNS) as the database gives it
Row = namedtuple("Row", [column.key for column in QUEUE_COLUMNS])


def _row(**changes) -> Row:
    now = now_utc()
    base = Row(id=7, status=Status.ASSIGNED, category="water_power", kind=Kind.HOUSEHOLD, description="厨房水管漏水",
               created_at=now - timedelta(hours=2), due_at=now + timedelta(hours=20), place=None, compound_id=1,
               household_id=3, handler_id=5, filed_by_id=9, requester_id=9, compound_name="阳光花园",
               building_name="1栋", unit="2", room="301", handler_name="王师傅")
    return base._replace(**changes)


def _fresh(app, row, personal, staff_view, now):
    draw = app.jinja_env.get_template("repairs/_queue_macros.html").module.queue_row
    key = row_key(row, personal, staff_view, now, now - timedelta(hours=24))
    return str(draw(row, personal, staff_view, labels, key[1], key[2]))


def _kept(row, personal, staff_view, now):
    return str(queue_rows([row], personal={row.id} if personal else set(), staff_view=staff_view, now=now,
                          new_since=now - timedelta(hours=24))[0])


CHANGES = {
    "id": dict(id=8),
    "status": dict(status=Status.IN_PROGRESS),
    "category": dict(category="parking"),
    "kind": dict(kind=Kind.HARD),
    "description": dict(description="楼道灯不亮"),
    "filed at": dict(created_at=now_utc() - timedelta(days=2)),
    "due at": dict(due_at=now_utc() + timedelta(hours=25)),
    "overdue": dict(due_at=now_utc() - timedelta(minutes=5)),
    "no home": dict(household_id=None, place="北门"),
    "place": dict(household_id=None, place="南门"),
    "compound name": dict(compound_name="改名小区"),
    "building name": dict(building_name="99栋"),
    "unit": dict(unit="7"),
    "room": dict(room="1709"),
    "no handler": dict(handler_id=None, handler_name=None),
    "handler name": dict(handler_name="新名字"),
    "new": dict(status=Status.SUBMITTED),
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_changed_value_draws_the_row_again(app, change):
    now = now_utc()
    before_row, after_row = _row(), _row(**CHANGES[change])
    if change == "place":
        before_row = _row(household_id=None, place="北门")
    with app.test_request_context("/repairs/"):
        before = _kept(before_row, True, True, now)
        assert before == _fresh(app, before_row, True, True, now)
        after = _kept(after_row, True, True, now)
        assert after == _fresh(app, after_row, True, True, now)
        assert after != before


def test_the_queue_draws_what_the_request_holds(app, repair_world):
    """The row drawn from the queue's columns says what the request says: its place, its handler."""
    from tests.conftest import login_as

    w = repair_world
    req = make_request(w)
    services.assign(req, by=w["manager"], handler=w["staff"])
    db.session.commit()
    html = login_as(app.test_client(), w["manager"]).get("/repairs/").get_data(as_text=True)
    row = re.search(rf'<tr data-request="{req.id}">.*?</tr>', html, re.S).group(0)
    home = req.household
    assert f"{req.compound.name} {home.building.name}" in row and w["staff"].name in row


def test_the_reader_the_language_and_the_clock_are_in_the_key(app):
    row = _row(status=Status.SUBMITTED)
    now = now_utc()
    with app.test_request_context("/repairs/"):
        seen = {_kept(row, personal, staff, now) for personal in (True, False) for staff in (True, False)}
        assert len(seen) == 4  # the room masked or not, the kind shown to staff or not
        assert "***" in _kept(row, False, True, now) and "***" not in _kept(row, True, True, now)
        with force_locale("en"):
            english = _kept(row, True, True, now)
        assert english != _kept(row, True, True, now) and english == _fresh_en(app, row, now)
        later = now + timedelta(days=2)  # no longer "new", and overdue
        assert 'data-testid="new"' in _kept(row, True, True, now)
        assert 'data-testid="new"' not in _kept(row, True, True, later)
        assert 'data-testid="overdue"' in _kept(row, True, True, later)


def _fresh_en(app, row, now):
    with force_locale("en"):
        return _fresh(app, row, True, True, now)


def test_the_kept_rows_are_bounded(app, repair_world):
    kept = KeptHtml(size=3)
    for n in range(10):
        assert kept.get(("row", n), lambda n=n: f"<tr>{n}</tr>") == f"<tr>{n}</tr>"
    assert len(kept) == 3 and kept.misses == 10
    assert kept.get(("row", 9), lambda: "redrawn") == "<tr>9</tr>" and kept.hits == 1
    assert kept.get(("row", 0), lambda: "redrawn") == "redrawn"  # the oldest went first


def test_the_queue_reuses_its_rows(app, client, repair_world):
    from tests.conftest import login_as

    w = repair_world
    for _ in range(3):
        make_request(w)
    login_as(client, w["manager"])
    first = client.get("/repairs/").get_data(as_text=True)
    pieces = kept_pieces()
    misses = pieces.misses
    assert client.get("/repairs/").get_data(as_text=True).count("<tr data-request") == first.count("<tr data-request") == 3
    assert pieces.misses == misses and pieces.hits >= 3


def test_a_board_item_is_drawn_again_when_any_of_its_values_changes(app):
    """The board's kept items are keyed by all of the row's columns, its summary and its photos: the
    macro must draw from nothing else, so each changed value gives the freshly drawn item."""
    from datetime import datetime

    from portal.repairs.rows import board_items

    Item = namedtuple("Item", "id category place household_id building created_at closed_at result_note rating "
                              "satisfied close_reason public_text")
    Shot = namedtuple("Shot", "id request_id width height")
    base = Item(7, "water_power", None, 3, "1栋", datetime(2026, 3, 1, 2), datetime(2026, 3, 2, 4), "换了阀门",
                4, True, "evaluated", None)
    changes = [base._replace(id=8), base._replace(category="heating"), base._replace(household_id=None, place="北门"),
               base._replace(building="2栋"), base._replace(created_at=datetime(2026, 2, 1, 2)),
               base._replace(closed_at=datetime(2026, 3, 5, 4)), base._replace(result_note="换了水管"),
               base._replace(rating=2), base._replace(satisfied=False), base._replace(rating=None, satisfied=None),
               base._replace(rating=None, satisfied=None, close_reason="not_evaluated")]
    draw = app.jinja_env.get_template("repairs/_board_macros.html").module.board_item
    with app.test_request_context("/repairs/board"):
        seen = set()
        for item in [base, *changes]:
            kept = str(board_items([item], {}, {})[0])
            assert kept == str(draw(item, None, [], labels))
            seen.add(kept)
        assert len(seen) == 1 + len(changes)
        with_summary = str(board_items([base], {7: "水管漏了"}, {})[0])
        with_photo = str(board_items([base], {}, {7: [Shot(5, 7, 640, 480)]})[0])
        bigger = str(board_items([base], {}, {7: [Shot(5, 7, 320, 480)]})[0])
        assert len({with_summary, with_photo, bigger} | seen) == len(seen) + 3
        assert "水管漏了" in with_summary and 'height="120"' in with_photo and 'height="240"' in bigger
