"""core.todo_counts: the modules' to-do statements run as one, each part with its own parameters even where
modules chose the same names, kept per combination and never carrying one execution's values into the next."""

from __future__ import annotations

from sqlalchemy import Integer, func, select

from portal.core.in_lists import in_ids
from portal.core.kept_statements import param
from portal.core.todo_counts import Counted, run_together, todos_of
from portal.extensions import db
from portal.orgs.models import Compound
from tests.conftest import make_compound


def _doubled():
    return select((param("n", Integer) * 2).label("x"), (param("m", Integer) + 0).label("m"))


def _compounds():
    return select(func.count().label("x")).select_from(Compound).where(in_ids(Compound.id, param("ids", expanding=True)))


def _part(key, build, values, tag):
    return Counted(key, build, values, lambda row: [(tag, dict(row))])


def test_parts_with_the_same_names_each_get_their_own_values_in_one_statement(app, count_queries):
    ids = [make_compound().id for _ in range(3)]
    db.session.commit()
    for n, chosen in ((1, ids[:1]), (5, ids), (7, [])):  # the same combination again: the kept statement
        parts = [_part("tests.doubled", _doubled, {"n": n, "m": 10}, "a"),
                 _part("tests.compounds", _compounds, {"ids": chosen}, "b"),
                 _part("tests.doubled", _doubled, {"n": n + 1, "m": 20}, "c")]
        count_queries["n"] = 0
        found = run_together(parts)
        assert count_queries["n"] == 1
        assert found == [("a", {"x": 2 * n, "m": 10}), ("b", {"x": len(chosen)}), ("c", {"x": 2 * n + 2, "m": 20})]


def test_a_part_alone_reads_as_it_does_among_others(app):
    part = _part("tests.doubled", _doubled, {"n": 4, "m": 1}, "a")
    assert part.run() == run_together([_part("tests.compounds", _compounds, {"ids": []}, "b"), part])[1:]
    assert run_together([]) == []


def test_providers_may_give_counts_a_list_or_nothing(app, count_queries):
    listed = ["已经数好的一项"]
    providers = [lambda user: _part("tests.doubled", _doubled, {"n": user, "m": 0}, "a"), lambda user: None,
                 lambda user: listed, lambda user: _part("tests.compounds", _compounds, {"ids": []}, "b")]
    count_queries["n"] = 0
    assert todos_of(3, providers) == [("a", {"x": 6, "m": 0}), ("b", {"x": 0}), *listed]
    assert count_queries["n"] == 1
