"""Twenty submissions for one household at once, through every channel: exactly one answer is kept.

Run on a file SQLite database, or on PostgreSQL when TEST_DATABASE_URL names one (CI): each thread is
its own session on its own connection, as twenty requests would be.
"""

from __future__ import annotations

import threading

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from portal import create_app
from portal.auth.models import User
from portal.config import TestConfig
from portal.core.errors import RuleError
from portal.extensions import db, limiter
from portal.orgs.models import Household
from portal.surveys import services
from portal.surveys.models import Answer, AnswerItem, Campaign, Channel, Participation
from tests.conftest import IsolatedClient, _empty_tables
from tests.surveys.conftest import launch, values_for

ON_POSTGRES = (TestConfig.SQLALCHEMY_DATABASE_URI or "").startswith("postgresql")


@pytest.fixture(scope="module")
def _file_app(tmp_path_factory):
    if ON_POSTGRES:
        yield None
        return

    class FileConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path_factory.mktemp('surveys') / 'portal.sqlite3'}"
        SQLITE_BUSY_TIMEOUT_SECONDS = 30

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


def test_twenty_concurrent_submissions_for_one_household_keep_one(app, sw):
    campaign = launch(sw)
    home_id, campaign_id, worker_id = sw["household"].id, campaign.id, sw["worker"].id
    codes = [services.issue_code(campaign, sw["household"], by=sw["worker"]) for _ in range(1)]
    db.session.commit()
    channels = [Channel.ONLINE, Channel.CODE, Channel.PAPER, Channel.ONLINE] * 5
    barrier = threading.Barrier(len(channels))
    outcomes: list[str] = []

    def one(channel):
        barrier.wait(timeout=30)  # before touching the database: twenty connections exceed the pool
        with app.app_context():
            try:
                c = db.session.get(Campaign, campaign_id)
                home = db.session.get(Household, home_id)
                values = values_for(c)
                kwargs = {}
                if channel != Channel.ONLINE:
                    kwargs["code"] = services.find_code(codes[0])
                if channel == Channel.PAPER:
                    kwargs["keyed_by"] = db.session.get(User, worker_id)
                services.submit(c, home, values, channel=channel, **kwargs)
                db.session.commit()
                outcomes.append("saved")
            except RuleError:
                db.session.rollback()
                outcomes.append("refused")
            except Exception as error:  # noqa: BLE001 - a lost race at commit is a refusal too
                db.session.rollback()
                outcomes.append(f"refused:{type(error).__name__}:{error}"[:300])
            finally:
                db.session.remove()

    threads = [threading.Thread(target=one, args=(ch,)) for ch in channels]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert outcomes.count("saved") == 1, sorted(set(outcomes))
    assert len(outcomes) == 20 and outcomes.count("refused") == 19, sorted(set(outcomes))
    db.session.expire_all()
    count = db.session.scalar
    assert count(select(func.count()).select_from(Participation).where(Participation.household_id == home_id)) == 1
    assert count(select(func.count()).select_from(Answer).where(Answer.campaign_id == campaign_id)) == 1
    assert count(select(func.count(AnswerItem.answer_id.distinct()))) == 1
