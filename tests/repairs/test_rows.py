"""The queue's kept rows (repairs/rows.py): a row is drawn again whenever anything it shows changes,
and a kept row is exactly the row a fresh drawing gives."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import force_locale

from portal.core.clock import now_utc
from portal.core.kept import KeptHtml, kept_pieces
from portal.extensions import db
from portal.repairs import labels, services
from portal.repairs.models import Kind, Status
from portal.repairs.rows import queue_rows
from tests.repairs.conftest import make_request


def _fresh(app, req, personal, staff_view, now):
    draw = app.jinja_env.get_template("repairs/_queue_macros.html").module.queue_row
    return str(draw(req, personal, staff_view, labels, now, now - timedelta(hours=24)))


def _kept(req, personal, staff_view, now):
    return str(queue_rows([req], personal={req.id} if personal else set(), staff_view=staff_view, now=now,
                          new_since=now - timedelta(hours=24))[0])


CHANGES = {
    "status": lambda req, w: setattr(req, "status", Status.IN_PROGRESS),
    "category": lambda req, w: setattr(req, "category", "parking"),
    "kind": lambda req, w: setattr(req, "kind", Kind.HARD),
    "description": lambda req, w: setattr(req, "description", "楼道灯不亮"),
    "filed at": lambda req, w: setattr(req, "created_at", req.created_at - timedelta(days=2)),
    "due at": lambda req, w: setattr(req, "due_at", req.due_at + timedelta(hours=5)),
    "overdue": lambda req, w: setattr(req, "due_at", now_utc() - timedelta(minutes=5)),
    "compound name": lambda req, w: setattr(req.compound, "name", "改名小区"),
    "building name": lambda req, w: setattr(req.household.building, "name", "99栋"),
    "unit": lambda req, w: setattr(req.household, "unit", "7"),
    "room": lambda req, w: setattr(req.household, "room", "1709"),
    "handler": lambda req, w: setattr(req, "handler", w["staff"]),
    "handler name": lambda req, w: setattr(req.handler, "name", "新名字"),
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_changed_value_draws_the_row_again(app, repair_world, change):
    w = repair_world
    req = make_request(w)
    services.assign(req, by=w["manager"], handler=w["manager"])
    db.session.commit()
    now = now_utc()
    with app.test_request_context("/repairs/"):
        before = _kept(req, True, True, now)
        assert before == _fresh(app, req, True, True, now)
        CHANGES[change](req, w)  # in memory only: nothing else notices
        after = _kept(req, True, True, now)
        assert after == _fresh(app, req, True, True, now)
        assert after != before
    db.session.rollback()


def test_the_reader_the_language_and_the_clock_are_in_the_key(app, repair_world):
    w = repair_world
    req = make_request(w)
    now = now_utc()
    with app.test_request_context("/repairs/"):
        seen = {_kept(req, personal, staff, now) for personal in (True, False) for staff in (True, False)}
        assert len(seen) == 4  # the room masked or not, the kind shown to staff or not
        assert "***" in _kept(req, False, True, now) and "***" not in _kept(req, True, True, now)
        with force_locale("en"):
            english = _kept(req, True, True, now)
        assert english != _kept(req, True, True, now) and english == _fresh_en(app, req, now)
        later = now + timedelta(days=2)  # no longer "new"
        assert 'data-testid="new"' in _kept(req, True, True, now)
        assert 'data-testid="new"' not in _kept(req, True, True, later)


def _fresh_en(app, req, now):
    with force_locale("en"):
        return _fresh(app, req, True, True, now)


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
    from collections import namedtuple
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
