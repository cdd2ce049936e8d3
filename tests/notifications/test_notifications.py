"""The notification centre: the bell counts unread, reading marks them, nobody reads another's."""

import re

from portal.extensions import db
from portal.notifications.models import Notification
from portal.notifications.services import message_for, notify, unread_count
from portal.orgs.models import Role
from tests.conftest import login_as, post
from tests.notifications.conftest import TEST_MESSAGES


def test_bell_list_and_read(client, world, test_messages):
    user = world["users"][Role.RESIDENT]
    other = world["users"][Role.OWNERS_COMMITTEE]
    notify(user.id, "tests.accepted", link="/my-home")
    notify(user.id, "tests.second")
    theirs = notify(other.id, "tests.theirs")
    db.session.commit()
    login_as(client, user)
    html = client.get("/").get_data(as_text=True)
    assert 'data-testid="unread">2<' in html
    bell = client.get("/notifications/bell?_block=bell", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in bell and 'id="bell"' in bell
    listing = client.get("/notifications/").get_data(as_text=True)
    assert "您的报修已受理" in listing and "别人的通知" not in listing
    first = next(n for n in db.session.query(Notification).filter_by(user_id=user.id) if message_for(n) == "您的报修已受理")
    response = post(client, f"/notifications/{first.id}/read")
    assert response.status_code == 303 and response.location == "/my-home"
    assert unread_count(user) == 1
    assert post(client, f"/notifications/{theirs.id}/read").status_code == 404
    assert post(client, "/notifications/read-all").status_code == 303
    assert unread_count(user) == 0 and unread_count(other) == 1


def test_each_reader_gets_their_own_bell_from_the_kept_statement(app, world, test_messages):
    """The bell's statement is built once per process with the reader as a parameter: readers served one
    after another each see their own count and newest message."""
    from portal.notifications.services import unread_summary

    user, other, third = (world["users"][role] for role in (Role.RESIDENT, Role.OWNERS_COMMITTEE, Role.GRID_WORKER))
    notify(user.id, "tests.accepted", link="/my-home")
    notify(user.id, "tests.second")
    notify(other.id, "tests.theirs")
    db.session.commit()
    for _ in range(2):
        count, newest = unread_summary(user)
        assert count == 2 and newest.user_id == user.id and message_for(newest) != "别人的通知"
        count, newest = unread_summary(other)
        assert count == 1 and message_for(newest) == "别人的通知"
        assert unread_summary(third) == (0, None)


def test_the_kept_bell_follows_its_count_and_its_newest_message(app, world, test_messages):
    """The bell is kept rendered under the count and the newest unread message: reading an older one
    changes only the count, a new one changes the tooltip too, and a fragment's bell is out of band."""
    user = world["users"][Role.RESIDENT]
    older = notify(user.id, "tests.accepted", link="/my-home")
    notify(user.id, "tests.second")
    db.session.commit()
    client = login_as(app.test_client(), user)

    def bell(path="/", **headers):
        html = client.get(path, headers=headers).get_data(as_text=True)
        return re.search(r'<li id="bell".*?</li>', html, re.S).group(0)

    first = bell()
    assert 'data-testid="unread">2<' in first and f'title="{TEST_MESSAGES["tests.second"]}"' in first
    post(client, f"/notifications/{older.id}/read")
    second = bell()
    assert 'data-testid="unread">1<' in second and f'title="{TEST_MESSAGES["tests.second"]}"' in second
    notify(user.id, "tests.accepted", link="/my-home")
    db.session.commit()
    third = bell()
    assert 'data-testid="unread">2<' in third and f'title="{TEST_MESSAGES["tests.accepted"]}"' in third
    assert "hx-swap-oob" not in third
    oob = bell("/notifications/?_block=list", **{"HX-Request": "true"})
    assert 'hx-swap-oob="true"' in oob and 'data-testid="unread">2<' in oob
