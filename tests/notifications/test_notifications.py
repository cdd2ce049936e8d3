"""The notification centre: the bell counts unread, reading marks them, nobody reads another's."""

from portal.extensions import db
from portal.notifications.models import Notification
from portal.notifications.services import notify, unread_count
from portal.orgs.models import Role
from tests.conftest import login_as, post


def test_bell_list_and_read(client, world):
    user = world["users"][Role.RESIDENT]
    other = world["users"][Role.OWNERS_COMMITTEE]
    notify(user.id, "您的报修已受理", link="/my-home")
    notify(user.id, "第二条通知")
    theirs = notify(other.id, "别人的通知")
    db.session.commit()
    login_as(client, user)
    html = client.get("/").get_data(as_text=True)
    assert 'data-testid="unread">2<' in html
    bell = client.get("/notifications/bell?_block=bell", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in bell and 'id="bell"' in bell
    listing = client.get("/notifications/").get_data(as_text=True)
    assert "您的报修已受理" in listing and "别人的通知" not in listing
    first = db.session.query(Notification).filter_by(title="您的报修已受理").one()
    response = post(client, f"/notifications/{first.id}/read")
    assert response.status_code == 303 and response.location == "/my-home"
    assert unread_count(user) == 1
    assert post(client, f"/notifications/{theirs.id}/read").status_code == 404
    assert post(client, "/notifications/read-all").status_code == 303
    assert unread_count(user) == 0 and unread_count(other) == 1
