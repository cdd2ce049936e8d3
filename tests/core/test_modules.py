"""Modules register themselves: create_app knows only the list of packages, and each package's
init_app brings its menu entries (guarded by rule names), to-dos, indicators, tasks and demo data."""

import pytest

from portal import MODULES
from portal.core.modules import registry
from portal.core.permissions import UnknownRule, can, rule_names


def test_every_registration_names_a_real_endpoint_and_rule(app):
    reg = registry(app)
    assert {entry.endpoint for entry in reg.nav} <= set(app.view_functions)
    assert {entry.rule for entry in reg.nav} <= rule_names()
    assert {"repairs.sweep"} <= {task.name for task in reg.tasks}
    assert [name for _order, name, _provider in reg.indicators][:2] == ["orgs.coverage", "repairs.requests"]
    assert reg.todos and reg.panels and reg.demos


def test_each_module_is_one_line(app):
    for name in MODULES:
        assert callable(__import__(name, fromlist=["init_app"]).init_app)


def test_an_unknown_rule_name_raises(app, world):
    with pytest.raises(UnknownRule):
        can(next(iter(world["users"].values())), "repairs.no_such_rule")


def test_every_step_is_a_rule(app):
    from portal.repairs.services import STEPS

    assert {f"repairs.{name}" for name in STEPS} <= rule_names()
