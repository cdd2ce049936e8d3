"""The bell's figures are read in the statement that loads the signed-in person (auth.read_with_user): a
page and a fragment run no statement of their own for the bell, and a change to notifications during
the request has the bell counted again before it is shown."""

from flask_login import login_user
from sqlalchemy import event

from portal.auth.services import load_user_from_session_id
from portal.extensions import db
from portal.notifications import _unread_summary
from portal.notifications.services import mark_all_read, message_for, notify, settle
from portal.orgs.models import Role
from tests.conftest import login_as

HX = {"HX-Request": "true"}


def _statements(client, path, headers=None) -> tuple[str, list[str]]:
    ran = []

    def keep(conn, cursor, statement, *args):
        ran.append(statement)

    client.get(path, headers=headers)  # the person's scope is kept from the first request on
    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        html = client.get(path, headers=headers).get_data(as_text=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    return html, ran


def test_a_page_and_a_fragment_read_the_bell_with_the_user(client, world, test_messages):
    user = world["users"][Role.RESIDENT]
    notify(user.id, "tests.accepted", link="/my-home")
    notify(user.id, "tests.second")
    db.session.commit()
    login_as(client, user)
    for path, headers in (("/", None), ("/notifications/bell?_block=bell", HX),
                          ("/repairs/board", {**HX, "X-Block": "board"})):
        html, ran = _statements(client, path, headers)
        assert 'data-testid="unread">2<' in html, path
        on_notifications = [s for s in ran if "FROM notification" in s]
        assert len(on_notifications) == 1 and "AS bell_unread" in on_notifications[0], (path, on_notifications)


def test_a_change_in_the_request_has_the_bell_counted_again(app, world, test_messages, count_queries):
    user, other = world["users"][Role.RESIDENT], world["users"][Role.OWNERS_COMMITTEE]
    notify(user.id, "tests.accepted", link="/my-home")
    db.session.commit()
    with app.test_request_context():
        login_user(load_user_from_session_id(user.get_id()))
        count_queries["n"] = 0
        count, newest = _unread_summary()
        assert count == 1 and message_for(newest) == "您的报修已受理" and count_queries["n"] == 0
        notify(user.id, "tests.second")
        assert _unread_summary()[0] == 2 and count_queries["n"] > 0
        assert settle("/my-home", ["tests.accepted"], user.id) == 1
        assert _unread_summary()[0] == 1
        mark_all_read(user)
        assert _unread_summary() == (0, None)
        notify(other.id, "tests.theirs")  # someone else's: this reader's bell stays as it is
        assert _unread_summary() == (0, None)
        db.session.rollback()
