"""A database that is busy (SQLite's lock wait ran out) or away (PostgreSQL restarting) answers 503 with
Retry-After, keeps nothing of the request and renders without asking the database again; any other
database error is still a 500."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest
from flask_login import current_user
from sqlalchemy.exc import OperationalError

from portal.core import transaction
from portal.core.errors import database_unavailable
from portal.extensions import db
from portal.orgs.models import Role
from tests.conftest import login_as

LOCKED = OperationalError("UPDATE user SET name=?", {}, sqlite3.OperationalError("database is locked"))
GONE = OperationalError("SELECT 1", {}, psycopg.OperationalError("terminating connection due to administrator command"))
BUG = OperationalError("SELECT x FROM nowhere", {}, sqlite3.OperationalError("no such table: nowhere"))


def test_which_errors_mean_unavailable():
    assert database_unavailable(LOCKED) and database_unavailable(GONE)
    assert not database_unavailable(BUG) and not database_unavailable(ValueError("locked"))


@pytest.fixture
def resident(client, world):
    user = world["users"][Role.RESIDENT]
    login_as(client, user)
    return user


def _failing_home(app, monkeypatch, error, counter=None):
    """The home page writes, then the database fails; from then on count the statements sent."""

    def home():
        current_user.name = "改了一半"
        db.session.flush()
        if counter is not None:
            counter["n"] = 0
        raise error

    monkeypatch.setitem(app.view_functions, "dashboard.home", home)


@pytest.mark.parametrize("error", [LOCKED, GONE], ids=["sqlite-locked", "postgres-gone"])
def test_busy_or_gone_is_a_503_with_retry_after_and_nothing_kept(app, client, resident, monkeypatch, count_queries,
                                                                 error):
    name = resident.name
    _failing_home(app, monkeypatch, error, count_queries)
    response = client.get("/")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "2" and response.headers["Cache-Control"] == "no-store"
    assert "系统暂时繁忙" in response.get_data(as_text=True)
    assert count_queries["n"] == 0  # the error page asked the database nothing (not even who is logged in)
    db.session.expire_all()
    assert resident.name == name


def test_for_htmx_the_message_goes_to_the_flash_area(app, client, resident, monkeypatch):
    _failing_home(app, monkeypatch, GONE)
    response = client.get("/", headers={"HX-Request": "true"})
    assert response.status_code == 503 and response.headers["HX-Retarget"] == "#flash"
    assert "系统暂时繁忙" in response.get_data(as_text=True)


def test_another_database_error_is_still_a_500(app, client, resident, monkeypatch):
    _failing_home(app, monkeypatch, BUG)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)  # as in production: the 500 page
    response = client.get("/")
    assert response.status_code == 500 and "Retry-After" not in response.headers


def test_a_commit_that_finds_the_database_busy_is_a_503(app, client, resident, monkeypatch):
    name = resident.name

    def home():
        current_user.name = "改了一半"
        return "ok"

    def commit():
        raise LOCKED

    monkeypatch.setitem(app.view_functions, "dashboard.home", home)
    monkeypatch.setattr(transaction, "commit", commit)
    response = client.get("/")
    assert response.status_code == 503 and response.headers["Retry-After"] == "2"
    assert "Content-Security-Policy" in response.headers  # the replaced response has its headers too
    monkeypatch.undo()
    db.session.expire_all()
    assert resident.name == name


def test_nothing_is_read_again_after_the_commit(client, resident, count_queries):
    """The commit is the request's last step: the other hooks (security headers ask whether the user is
    logged in; htmx extras) ran before it, so nothing is read once it is done — a read there would cost a
    query per request, and fail as a 500 if the database went away just after the commit."""
    from sqlalchemy import event

    session = db.session()

    def committed(_session):
        count_queries["n"] = 0

    event.listen(session, "after_commit", committed)
    try:
        count_queries["n"] = -1
        assert client.get("/").status_code == 200
    finally:
        event.remove(session, "after_commit", committed)
    assert count_queries["n"] == 0


def test_a_session_whose_connection_died_is_let_go_at_teardown(app, monkeypatch):
    """Closing a session whose connection the database dropped raises; the request has answered by
    then, so the teardown lets the session go instead of turning the answer into an error."""
    session = db.session()

    def close():
        raise GONE

    monkeypatch.setattr(session, "close", close)
    transaction._release(None)  # does not raise
    monkeypatch.undo()
    assert db.session() is not session  # a new session (and connection) for what comes next


def test_a_fragment_whose_bell_finds_the_database_gone_is_a_503_and_no_error_is_logged(
        app, client, world, monkeypatch, caplog):
    """The bell is appended to a fragment after the view (an after_request hook), where no error handler
    sees an exception: the database going away at that moment answers the same 503 as in a view, and is
    logged as a warning, not as an unhandled exception (seen under load while PostgreSQL restarted)."""
    import portal.notifications
    from portal.notifications import services

    login_as(client, world["users"][Role.PROPERTY_MANAGER])

    def gone(_user):
        raise GONE

    monkeypatch.setattr(services, "unread_summary", gone)
    # as after a request that changed notifications: the bell read with the user is counted again in the hook
    monkeypatch.setattr(portal.notifications, "has_request_context", lambda: False)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)  # as in production
    caplog.set_level("WARNING")
    response = client.get("/repairs/?_block=results", headers={"HX-Request": "true"})
    assert response.status_code == 503 and response.headers["Retry-After"] == "2"
    assert response.headers["HX-Retarget"] == "#flash" and "Content-Security-Policy" in response.headers
    assert "系统暂时繁忙" in response.get_data(as_text=True)
    assert [r.levelname for r in caplog.records if r.name == app.logger.name] == ["WARNING"]


def test_an_outage_in_any_step_after_the_view_is_a_503_not_a_logged_bug(app, client, resident, monkeypatch, caplog):
    """Whatever step after the view meets the outage (a hook added later, say), the answer is the 503 and
    the log has a warning, not "Exception on …" (which operators alert on)."""

    raised = []

    def hook(response):
        if not raised:  # once: the 503 page passes through the hooks too
            raised.append(True)
            raise GONE
        return response

    monkeypatch.setitem(app.after_request_funcs, None, [*app.after_request_funcs.get(None, []), hook])
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    caplog.set_level("WARNING")
    response = client.get("/")
    assert response.status_code == 503 and response.headers["Retry-After"] == "2"
    logged = [r for r in caplog.records if r.name == app.logger.name]
    assert [r.levelname for r in logged] == ["WARNING"] and "Exception on" not in caplog.text
