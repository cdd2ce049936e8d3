"""Two people act on the same request at once: exactly one wins, the other is told, nothing is lost.

Two sessions need two database connections, which the in-memory SQLite of the other tests cannot give
(StaticPool: one shared connection). So here the `app` fixture is a file SQLite database, or the
PostgreSQL database when TEST_DATABASE_URL names one.
"""

from __future__ import annotations

import re

import pytest
from flask_migrate import upgrade
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from portal import create_app
from portal.config import TestConfig
from portal.extensions import db, limiter
from portal.orgs.models import Role
from portal.repairs import services
from portal.repairs.models import RepairRequest, RequestEvent, Status
from portal.repairs.services import Conflict
from tests.conftest import IsolatedClient, _empty_tables, login_as, make_user, post
from tests.repairs.conftest import inbox, make_request, snapshot, timeline

ON_POSTGRES = (TestConfig.SQLALCHEMY_DATABASE_URI or "").startswith("postgresql")


@pytest.fixture(scope="module")
def _file_app(tmp_path_factory):
    if ON_POSTGRES:
        yield None
        return

    class FileConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path_factory.mktemp('concurrency') / 'portal.sqlite3'}"

    app = create_app(FileConfig)
    app.test_client_class = IsolatedClient
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(request, _file_app):
    """A clean database on which two sessions really are two connections."""
    app = request.getfixturevalue("_migrated_app") if ON_POSTGRES else _file_app
    with app.app_context():
        _empty_tables()
        limiter.reset()
        yield app
        db.session.remove()


@pytest.fixture
def w(repair_world):
    return repair_world


def test_two_sessions_really_are_two_connections(app):
    outer = db.session().connection().connection.dbapi_connection
    with app.app_context():
        inner = db.session().connection().connection.dbapi_connection
        assert inner is not outer
        db.session.rollback()
    db.session.rollback()


def _reload(req_id):
    db.session.expire_all()
    return db.session.get(RepairRequest, req_id)


def _events(req_id):
    return db.session.scalars(select(RequestEvent.action).where(RequestEvent.request_id == req_id)
                              .order_by(RequestEvent.id)).all()


@pytest.mark.parametrize("first_wins", [True, False], ids=["first-commits-first", "second-commits-first"])
def test_two_dispatchers_assign_at_once_one_wins(app, w, first_wins):
    """The manager sends it to one handler while, in another session, to another: one commit wins."""
    req_id = make_request(w).id
    manager = w["manager"]

    mine = db.session.get(RepairRequest, req_id)
    services.assign(mine, by=manager, handler=w["staff"])
    mine_session = db.session()
    with app.app_context():  # a second request, with its own session and connection
        theirs = db.session.get(RepairRequest, req_id)
        assert theirs is not mine and theirs.version == mine.version == 1
        services.assign(theirs, by=manager, handler=w["staff2"])
        theirs_session = db.session()
        winner, loser = (mine_session, theirs_session) if first_wins else (theirs_session, mine_session)
        winner.commit()
        with pytest.raises(StaleDataError):
            loser.commit()
        loser.rollback()

    req = _reload(req_id)
    expected = w["staff"] if first_wins else w["staff2"]
    other = w["staff2"] if first_wins else w["staff"]
    assert (req.status, req.handler_id, req.version) == (Status.ASSIGNED, expected.id, 2)
    assert _events(req_id) == ["filed", "assigned"]  # the loser's timeline entry is gone with it
    assert inbox(expected) == [f"您有一条新派单：{req_id}（水电）1号楼 厨房水管漏水"] and inbox(other) == []


def test_handler_accepts_while_the_manager_transfers(app, w):
    """The handler's accept commits first; the manager's transfer, loaded before, is refused."""
    req = make_request(w)
    services.assign(req, by=w["manager"], handler=w["staff"])
    db.session.commit()
    req_id, loaded_version = req.id, req.version
    db.session.expire_all()

    accepted = db.session.get(RepairRequest, req_id)
    services.accept(accepted, by=w["staff"], version=loaded_version)
    handler_session = db.session()
    with app.app_context():
        transferred = db.session.get(RepairRequest, req_id)
        services.assign(transferred, by=w["manager"], handler=w["staff2"], version=loaded_version)
        handler_session.commit()
        with pytest.raises(StaleDataError):
            db.session.commit()
        db.session.rollback()
        # What the loser's view does next: reload and see the fresh state.
        fresh = db.session.get(RepairRequest, req_id)
        assert (fresh.status, fresh.handler_id) == (Status.IN_PROGRESS, w["staff"].id)

    req = _reload(req_id)
    assert (req.status, req.handler_id, req.version) == (Status.IN_PROGRESS, w["staff"].id, loaded_version + 1)
    assert _events(req_id) == ["filed", "assigned", "accepted"]
    assert inbox(w["staff2"]) == []


def test_a_stale_version_is_refused_before_anything_changes(app, w):
    """A form loaded before someone else's change carries the old version: Conflict, nothing written."""
    req = make_request(w)
    stale_version = req.version
    services.assign(req, by=w["manager"], handler=w["staff"], version=stale_version)
    db.session.commit()
    before = snapshot(req)

    with pytest.raises(Conflict) as conflict:
        services.assign(req, by=w["manager"], handler=w["staff2"], version=stale_version)
    assert "最新状态" in str(conflict.value.message)
    db.session.commit()
    db.session.expire_all()
    assert snapshot(req) == before
    assert timeline(req)[-1][0] == "assigned"
    assert inbox(w["staff2"]) == []


# --- over HTTP: two dispatchers post the same form -------------------------------------------------

def _version_in(html: str, form_id: str) -> str:
    form = re.search(rf'<form[^>]*id="{form_id}".*?</form>', html, re.S)
    assert form, f"no #{form_id} on the page"
    version = re.search(r'name="version"[^>]*value="(\d+)"', form.group(0)) or \
        re.search(r'value="(\d+)"[^>]*name="version"', form.group(0))
    assert version, f"#{form_id} carries no version"
    return version.group(1)


def test_two_dispatchers_post_the_same_assign_form(app, w):
    """Both opened the page at version 1; the first assignment wins (303), the second sees the
    conflict message on the fresh request, and its choice is not applied."""
    manager2 = make_user("副经理", role=Role.PROPERTY_MANAGER, org=w["company"], title="项目经理")
    db.session.commit()
    req_id = make_request(w).id
    path = f"/repairs/{req_id}"
    first, second = login_as(app.test_client(), w["manager"]), login_as(app.test_client(), manager2)
    versions = [_version_in(client.get(path).get_data(as_text=True), "action-assign") for client in (first, second)]
    assert versions == ["1", "1"]

    won = post(first, f"{path}/assign", {"handler_id": w["staff"].id, "version": versions[0]})
    lost = post(second, f"{path}/assign", {"handler_id": w["staff2"].id, "version": versions[1]})

    assert won.status_code == 303 and won.headers["Location"].endswith(path)
    assert lost.status_code == 200
    html = lost.get_data(as_text=True)
    assert "这条诉求刚被其他人处理过，已为您显示最新状态。" in html
    assert re.search(r'data-testid="handler">\s*维修工\s*<', html), "the loser should see who won"
    assert 'data-status="assigned"' in html
    assert _version_in(html, "action-assign") == "2"  # a resubmission now acts on what is shown

    req = _reload(req_id)
    assert (req.handler_id, req.version) == (w["staff"].id, 2)
    assert _events(req_id) == ["filed", "assigned"]
    assert inbox(w["staff2"]) == []
