"""The board's statements are built once per shape and kept (core.kept_statements: the page's count and
rows, the figures), and the compounds' names are kept under the structure's stamp. The risk is one
compound's board on another's page, so boards of two compounds, with and without a category, are served
in turn by the same process, and each must be exactly the page built with nothing kept."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale

from portal.core import kept_statements as kept
from portal.extensions import db
from portal.repairs import rows
from portal.repairs.models import Status
from tests.conftest import login_as
from tests.repairs.test_board import board_world, uploads  # noqa: F401  (the fixtures)

KEPT = ("portal.kept_html", "portal.board_compounds", "portal.scopes")


def _page(client, url) -> str:
    html = client.get(url).get_data(as_text=True)
    return re.sub(r'(csrf_token" value="|X-CSRFToken": ")[^"]+', r"\1X", html)


def _fresh(app, client, url) -> str:
    kept.forget_kept()
    for name in KEPT:
        app.extensions.pop(name, None)
    return _page(client, url)


def test_boards_of_two_compounds_served_in_turn_are_each_their_own(app, board_world):  # noqa: F811
    w = board_world
    w["public"].compound_id = w["other_compound"].id  # the other compound has a closed request of its own
    db.session.commit()
    street = login_as(app.test_client(), w["street_admin"])
    resident = login_as(app.test_client(), w["resident"])
    here, there = w["compound"].id, w["other_compound"].id
    served = [(street, f"/repairs/board?compound={here}"), (resident, "/repairs/board"),
              (street, f"/repairs/board?compound={there}"), (resident, "/repairs/board?category=sewer"),
              (street, f"/repairs/board?compound={there}&category=elevator"),
              (street, f"/repairs/board?compound={here}&category=elevator")]
    expected = [_fresh(app, client, url) for client, url in served]
    for _ in range(2):
        for (client, url), page in zip(served, expected, strict=True):
            assert _page(client, url) == page, url
    assert f'data-request="{w["public"].id}"' in expected[2] and f'data-request="{w["public"].id}"' not in expected[0]
    assert f'data-request="{w["mine"].id}"' in expected[3] and f'data-request="{w["phoned"].id}"' not in expected[3]
    assert 'data-figure="closed">1<' in expected[2] and 'data-figure="closed">2<' in expected[0]
    assert "暂无记录" in expected[5] and f'data-request="{w["public"].id}"' in expected[4]
    assert any(isinstance(key, tuple) and key[0] == "repairs.board" for key in kept._kept)


def test_a_kept_board_statement_holds_no_value(app, board_world):  # noqa: F811
    kept.forget_kept()
    client = login_as(app.test_client(), board_world["resident"])
    client.get("/repairs/board")
    client.get("/repairs/board?category=sewer")
    board = {key: statement for key, statement in kept._kept.items()
             if key == "repairs.closed_figures" or (isinstance(key, tuple) and key[0] == "repairs.board")}
    assert len(board) == 5  # the figures; count and rows, with and without a category
    for key, statement in board.items():
        binds = statement._generate_cache_key().bindparams
        assert "compound_id" in {b.key for b in binds if isinstance(b, kept._Param)}, key
        for b in binds:
            if isinstance(b, kept._Param):
                assert b.value is None and b.required, (key, b.key)
            else:  # the rules' constants only: the closed state, the rating threshold, the summary's span, the median's 2
                assert b.value in {Status.CLOSED, 4, 2, 1, 0, 60}, (key, b.key, b.value)


def test_a_renamed_compound_is_on_the_next_board(app, board_world):  # noqa: F811
    client = login_as(app.test_client(), board_world["resident"])
    assert "<h2>阳光花园</h2>" in _page(client, "/repairs/board")
    board_world["compound"].name = "朝阳花园"
    db.session.commit()  # moves the structure's stamp
    html = _page(client, "/repairs/board")
    assert "<h2>朝阳花园</h2>" in html and "阳光花园" not in html


CHOICES = [(1, "阳光花园"), (2, "锦绣家园")]
FIGURES = {"closed": 3, "satisfaction": 50, "rated": 2, "median_hours": 30.0}
FILTER_CHANGES = {
    "a compound's name": (([(1, "朝阳花园"), (2, "锦绣家园")], 1, ""), {}),
    "the compounds offered": (([(1, "阳光花园")], 1, ""), {}),
    "the compound shown": ((CHOICES, 2, ""), {}),
    "the category": ((CHOICES, 1, "sewer"), {}),
}
HEAD_CHANGES = {
    "name": {"name": "锦绣家园"},
    "closed": {"closed": 4},
    "satisfaction": {"satisfaction": None},
    "rated": {"rated": 3},
    "median hours": {"median_hours": 72.0},
    "days": {"days": 30},
}


def _draw(app, macro, *args):
    from portal.repairs import labels
    from portal.repairs.models import CATEGORIES

    module = app.jinja_env.get_template("repairs/_board_macros.html").module
    if macro == "board_filters":
        return str(module.board_filters(*args, CATEGORIES, labels))
    return str(module.board_head(*args))


@pytest.mark.parametrize("change", FILTER_CHANGES)
def test_a_changed_value_draws_the_filters_again(app, change):
    with app.test_request_context("/repairs/board"):
        before = str(rows.board_filters(CHOICES, 1, ""))
        assert before == _draw(app, "board_filters", CHOICES, 1, "")
        args, _ = FILTER_CHANGES[change]
        after = str(rows.board_filters(*args))
        assert after == _draw(app, "board_filters", *args) and after != before


@pytest.mark.parametrize("change", HEAD_CHANGES)
def test_a_changed_value_draws_the_head_again(app, change):
    values = {"name": "阳光花园", **FIGURES, "days": 90}
    with app.test_request_context("/repairs/board"):
        before = str(rows.board_head(values["name"], FIGURES, values["days"]))
        changed = values | HEAD_CHANGES[change]
        figures = {key: changed[key] for key in FIGURES}
        after = str(rows.board_head(changed["name"], figures, changed["days"]))
        assert after == _draw(app, "board_head", changed["name"], *figures.values(), changed["days"])
        assert after != before
        with force_locale("en"):
            english = str(rows.board_head(changed["name"], figures, changed["days"]))
        assert english != after and "days" in english
