"""Street administrators set the hours to resolve per category and urgency; new requests follow them."""

from portal.extensions import db
from portal.orgs.models import Role
from portal.repairs import services
from portal.repairs.models import ServiceLevel
from tests.conftest import login_as, post


def test_admin_sets_hours_and_new_requests_follow(client, world):
    login_as(client, world["users"][Role.STREET_ADMIN])
    page = client.get("/repairs/service-levels").get_data(as_text=True)
    assert 'name="elevator-emergency"' in page
    response = post(client, "/repairs/service-levels", {"elevator-emergency": "2", "water_power-normal": "72"})
    assert response.status_code == 303
    rows = {(r.category, r.urgency): r.hours for r in db.session.query(ServiceLevel)}
    assert rows == {("elevator", "emergency"): 2}, "a value equal to the default is not stored"
    assert services.hours_for("elevator", "emergency") == 2
    post(client, "/repairs/service-levels", {"elevator-emergency": ""})
    assert db.session.query(ServiceLevel).count() == 0


def test_bad_hours_are_shown_beside_the_field_and_nothing_saved(client, world):
    login_as(client, world["users"][Role.STREET_ADMIN])
    response = post(client, "/repairs/service-levels", {"elevator-emergency": "abc", "sewer-urgent": "5"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'data-field-error="elevator-emergency"' in html and 'value="abc"' in html and 'value="5"' in html
    assert db.session.query(ServiceLevel).count() == 0


def test_only_street_administrators(client, world):
    login_as(client, world["users"][Role.PROPERTY_MANAGER])
    assert client.get("/repairs/service-levels").status_code == 403
    assert post(client, "/repairs/service-levels", {"elevator-emergency": "1"}).status_code == 403
