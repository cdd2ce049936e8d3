"""core.kept_statements.run_plain runs a kept statement of plain values on the session's connection:
the same row the ORM's execution gives, and what the session holds unflushed is counted, as the ORM's
autoflush would have it."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.core.kept_statements import kept_statement, param, run_plain
from portal.extensions import db
from portal.orgs.models import Community
from tests.conftest import make_street


def _statement():
    return select(func.count().label("communities"), func.count().filter(Community.name == param("name")).label("named"))


def test_the_row_is_the_orms_and_counts_what_is_not_flushed_yet(app):
    street = make_street()
    db.session.commit()
    statement = kept_statement("tests.run_plain", _statement)
    assert tuple(run_plain(statement, {"name": "新社区"}).one()) == tuple(db.session.execute(statement, {"name": "新社区"}).one())
    before = run_plain(statement, {"name": "新社区"}).one()
    db.session.add(Community(street_id=street.id, name="新社区"))  # pending: not flushed
    after = run_plain(statement, {"name": "新社区"}).one()
    assert (after.communities, after.named) == (before.communities + 1, 1)
    db.session.rollback()
