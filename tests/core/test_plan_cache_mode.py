"""PostgreSQL plans the portal's prepared statements once (plan_cache_mode, portal.config): a page's kept
statements are planned at their first runs, not at every run."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from portal import _engine_options
from portal.config import Config
from portal.extensions import db


def _options(uri, **settings):
    return _engine_options({**{k: getattr(Config, k) for k in dir(Config) if k.isupper()},
                            "SQLALCHEMY_DATABASE_URI": uri, **settings})


def test_postgres_connections_ask_for_generic_plans_and_sqlite_is_untouched():
    options = _options("postgresql+psycopg:///portal")
    assert options["connect_args"]["options"] == "-c plan_cache_mode=force_generic_plan"
    assert options["pool_pre_ping"] is True
    assert "options" not in _options("sqlite:////tmp/portal.db")["connect_args"]


def test_the_setting_joins_other_server_options_and_can_be_left_to_the_server():
    given = {"pool_pre_ping": True, "connect_args": {"options": "-c statement_timeout=5000"}}
    options = _options("postgresql+psycopg:///portal", SQLALCHEMY_ENGINE_OPTIONS=given)
    assert options["connect_args"]["options"] == "-c statement_timeout=5000 -c plan_cache_mode=force_generic_plan"
    assert given["connect_args"]["options"] == "-c statement_timeout=5000"  # the configured dict is not changed
    assert "connect_args" not in _options("postgresql+psycopg:///portal", POSTGRES_PLAN_CACHE_MODE="")


def test_the_database_in_use_has_it(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no plan cache (the PostgreSQL leg checks the server)")
    assert db.session.scalar(text("SHOW plan_cache_mode")) == "force_generic_plan"


def test_figures_over_a_period_are_planned_for_their_values_until_the_transaction_ends(app, count_queries):
    from portal.core.kept_statements import plan_for_values
    from portal.core.transaction import rollback

    with app.test_request_context():
        count_queries["n"] = 0
        plan_for_values()
        if db.engine.dialect.name != "postgresql":
            assert count_queries["n"] == 0  # SQLite: nothing to ask
            return
        assert db.session.scalar(text("SHOW plan_cache_mode")) == "auto"
        rollback()
        assert db.session.scalar(text("SHOW plan_cache_mode")) == "force_generic_plan"
