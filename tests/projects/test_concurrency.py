"""Two claimants claim one wish at once: exactly one wins, on the database's own rule.

Two sessions need two connections, which the in-memory SQLite of the other tests cannot give, so here
the app is a file SQLite database, or PostgreSQL when TEST_DATABASE_URL names one (as in CI).
"""

from __future__ import annotations

import pytest
from flask_migrate import upgrade
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from portal import create_app
from portal.auth.models import User
from portal.config import TestConfig
from portal.extensions import db, limiter
from portal.projects import services
from portal.projects.models import Wish, WishClaim, WishEvent, WishStatus
from tests.conftest import IsolatedClient, _empty_tables
from tests.projects.conftest import make_wish

ON_POSTGRES = (TestConfig.SQLALCHEMY_DATABASE_URI or "").startswith("postgresql")


@pytest.fixture(scope="module")
def _file_app(tmp_path_factory):
    if ON_POSTGRES:
        yield None
        return

    class FileConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path_factory.mktemp('co-concurrency') / 'portal.sqlite3'}"

    app = create_app(FileConfig)
    app.test_client_class = IsolatedClient
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(request, _file_app):
    app = request.getfixturevalue("_migrated_app") if ON_POSTGRES else _file_app
    with app.app_context():
        _empty_tables()
        limiter.reset()
        yield app
        db.session.remove()


@pytest.mark.parametrize("first_wins", [True, False], ids=["party-member-first", "unit-first"])
def test_two_claims_at_once_exactly_one_wins(app, co_world, first_wins):
    """A party member and a unit's contact both load the open wish and claim it; one commit wins, the
    other is refused by the database (the versioned wish, and behind it the live-claim index)."""
    w = co_world
    wish_id = make_wish(w).id
    contact_id = w["contact"].id
    expected = w["member"] if first_wins else w["contact"]
    expected_id = expected.id

    mine = db.session.get(Wish, wish_id)
    services.claim(mine, by=w["member"])
    mine_session = db.session()
    with app.app_context():  # a second request: its own session and connection
        theirs = db.session.get(Wish, wish_id)
        assert theirs is not mine and theirs.status == WishStatus.OPEN
        # the contact loaded in this session: touching the first session's objects would flush it early
        services.claim(theirs, by=db.session.get(User, contact_id))
        theirs_session = db.session()
        winner, loser = (mine_session, theirs_session) if first_wins else (theirs_session, mine_session)
        winner.commit()
        with pytest.raises((IntegrityError, StaleDataError)):
            loser.commit()
        loser.rollback()

    db.session.expire_all()
    claims = db.session.scalars(select(WishClaim).where(WishClaim.wish_id == wish_id)).all()
    assert [(c.claimer_id, c.released_at) for c in claims] == [(expected_id, None)]
    assert db.session.get(Wish, wish_id).status == WishStatus.CLAIMED
    assert db.session.scalars(select(WishEvent.action).where(WishEvent.wish_id == wish_id)).all() == ["posted", "claimed"]


def test_the_live_claim_index_holds_across_connections(app, co_world):
    """Two raw inserts of a live claim from two connections: the database keeps one."""
    w = co_world
    wish_id = make_wish(w).id
    db.session.add(WishClaim(wish_id=wish_id, claimer_id=w["member"].id, claimant_kind="party_member"))
    db.session.commit()
    with app.app_context():
        db.session.add(WishClaim(wish_id=wish_id, claimer_id=w["contact"].id, claimant_kind="unit",
                                 unit_id=w["unit"].id))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_two_members_of_one_household_evaluate_at_once_one_is_kept(app, co_world):
    """The household's two residents evaluate the completed project at the same moment: the unique
    (project, household) constraint keeps one evaluation."""
    from datetime import timedelta

    from portal.core.clock import today
    from portal.projects import project_services as ps
    from portal.projects.models import Evaluation, Project
    from tests.conftest import make_user

    w = co_world
    family_id = make_user("家人", household=w["household"], street=w["street"]).id
    project = ps.create_project(by=w["worker"], community_id=w["community"].id, title="健身角", content="器材",
                                responsible_body="居委会", responsible_person="陈静", start_date=today(),
                                deadline=today() + timedelta(days=9), compound_ids=[w["compound"].id])
    ps.take_step(project, "approve", by=w["worker"])
    milestone = ps.add_milestone(project, by=w["worker"], title="安装", due_date=today(), weight=1)
    ps.take_step(project, "start", by=w["worker"])
    ps.complete_milestone(milestone, by=w["worker"])
    ps.take_step(project, "complete", by=w["worker"])
    db.session.commit()
    project_id = project.id
    db.session.expire_all()

    mine = db.session.get(Project, project_id)
    ps.evaluate(mine, by=db.session.get(User, w["resident"].id), rating=5)
    mine_session = db.session()
    with app.app_context():
        theirs = db.session.get(Project, project_id)
        ps.evaluate(theirs, by=db.session.get(User, family_id), rating=2)
        mine_session.commit()
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
    db.session.expire_all()
    ratings = db.session.scalars(select(Evaluation.rating).where(Evaluation.project_id == project_id)).all()
    assert ratings == [5]
