"""The Alembic history builds the schema from empty, and the models match what it builds."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from portal import create_app
from portal.config import TestConfig
from portal.extensions import db


def test_models_match_the_migrated_schema(app):
    """The session database (SQLite, or PostgreSQL under TEST_DATABASE_URL) was built by `upgrade`."""
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], diff


def test_upgrade_and_downgrade_from_empty_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"

    class Fresh(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(Fresh)
    with app.app_context():
        upgrade()
        names = set(db.inspect(db.engine).get_table_names())
        assert {"street", "community", "compound", "building", "household", "organisation", "position",
                "service_contract", "user", "notification", "audit_log"} <= names
        downgrade(revision="base")
        assert set(db.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        db.engine.dispose()


def test_alembic_has_exactly_one_head():
    """Two branches each adding a revision must be chained before they land: `upgrade` needs one head."""
    from pathlib import Path

    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).resolve().parents[2] / "migrations"))
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, heads
