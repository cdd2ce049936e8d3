"""Accounts managed by street administrators, and the audit log."""

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.auth.models import User
from portal.auth.passwords import verify_password
from portal.core.audit import AuditLog
from portal.core.clock import today
from portal.core.masking import mask_phone
from portal.extensions import db
from portal.orgs import people_services
from portal.orgs.models import OrgKind, Position, Role
from tests.conftest import PASSWORD, login_as, make_org, make_user, post

NEW_PASSWORD = "Hong-se-wuye-88"


@pytest.fixture
def far_person(world):
    far_org = make_org(OrgKind.RESIDENTS_COMMITTEE, community=world["far_community"])
    user = make_user("远方社工", role=Role.COMMUNITY_WORKER, org=far_org)
    db.session.commit()
    return user


@pytest.fixture
def admin(client, world):
    login_as(client, world["users"][Role.STREET_ADMIN])
    return client


def person_data(**changes):
    data = {"name": "李新", "phone": "13812345678", "username": "lixin", "password": NEW_PASSWORD}
    data.update(changes)
    return data


def users_named(name) -> int:
    return db.session.scalar(select(func.count(User.id)).where(User.name == name))


# --- who may manage accounts -------------------------------------------------------------------

@pytest.mark.parametrize("role", [Role.PARTY_SECRETARY, Role.COMMUNITY_WORKER, Role.PROPERTY_MANAGER, Role.RESIDENT])
def test_only_street_admins(client, world, role):
    login_as(client, world["users"][role])
    target = world["users"][Role.RESIDENT].id
    for path in ("/people", "/people/new", "/audit"):
        assert client.get(path).status_code == 403, path
    # An account of their own street is as unknown to them as any other id (no enumeration).
    assert client.get(f"/people/{target}/edit").status_code == 404
    for path in (f"/people/{target}/disable", f"/people/{target}/enable", f"/people/{target}/password"):
        assert post(client, path, {"password": NEW_PASSWORD}).status_code == 404, path
    assert world["users"][Role.RESIDENT].active


@pytest.mark.parametrize("role", [Role.PARTY_SECRETARY, Role.COMMUNITY_WORKER, Role.GRID_WORKER,
                                  Role.OWNERS_COMMITTEE, Role.PROPERTY_MANAGER, Role.PROPERTY_STAFF, Role.RESIDENT])
def test_account_ids_cannot_be_enumerated(client, world, far_person, role):
    """Non-administrators get the same answer for their own account, a colleague's, a neighbour's,
    another street's and an id nobody has."""
    me = world["users"][role]
    login_as(client, me)
    ids = [me.id, *(u.id for u in world["users"].values()), far_person.id, 999999]
    for user_id in ids:
        assert client.get(f"/people/{user_id}/edit").status_code == 404, user_id
        for action in ("disable", "enable", "password"):
            response = post(client, f"/people/{user_id}/{action}", {"password": NEW_PASSWORD})
            assert response.status_code == 404, (user_id, action)
    db.session.expire_all()
    assert all(u.active for u in world["users"].values())


@pytest.mark.parametrize("role", [Role.PARTY_SECRETARY, Role.RESIDENT])
def test_non_admin_out_of_street_person_is_404(client, world, far_person, role):
    login_as(client, world["users"][role])
    assert client.get(f"/people/{far_person.id}/edit").status_code == 404
    assert post(client, f"/people/{far_person.id}/disable").status_code == 404


def test_out_of_street_person_is_404(admin, world, far_person):
    for path in (f"/people/{far_person.id}/edit", "/people/999999/edit"):
        assert admin.get(path).status_code == 404
    for path in (f"/people/{far_person.id}/disable", f"/people/{far_person.id}/enable",
                 f"/people/{far_person.id}/password"):
        assert post(admin, path, {"password": NEW_PASSWORD}).status_code == 404, path
    db.session.refresh(far_person)
    assert far_person.active


# --- list ----------------------------------------------------------------------------------------

def test_list_masks_phones_and_shows_roles(admin, world, far_person):
    html = admin.get("/people").get_data(as_text=True)
    secretary = world["users"][Role.PARTY_SECRETARY]
    assert "党委书记" in html and "社区党委书记" in html  # name and role label
    assert mask_phone(secretary.phone) in html and secretary.phone not in html
    assert "居民" in html  # an account of the street without any position
    assert "远方社工" not in html


def test_list_includes_position_holders_from_elsewhere(admin, world):
    outsider = make_user("外聘经理")  # no street of its own
    db.session.add(Position(user_id=outsider.id, organisation_id=world["company"].id, role=Role.PROPERTY_MANAGER,
                            title="项目经理", start_date=today()))
    db.session.commit()
    assert "外聘经理" in admin.get("/people").get_data(as_text=True)
    assert admin.get(f"/people/{outsider.id}/edit").status_code == 200


def test_htmx_search_returns_fragment(admin, world):
    response = admin.get("/people?q=书记&_block=results", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html and 'id="results"' in html
    assert "党委书记" in html and "维修工" not in html


def test_search_by_phone_and_bad_input(admin, world):
    staff = world["users"][Role.PROPERTY_STAFF]
    html = admin.get(f"/people?q={staff.phone}").get_data(as_text=True)
    assert "维修工" in html and "党委书记" not in html
    for query in ("?page=x", "?status=weird", "?q=%25", "?status=disabled&page=0"):
        assert admin.get("/people" + query).status_code == 200


# --- create ------------------------------------------------------------------------------------

def test_create_person(admin, world):
    response = post(admin, "/people/new", person_data(is_party_member="y"))
    assert response.status_code == 303
    user = db.session.scalar(select(User).where(User.username == "lixin"))
    assert user.street_id == world["street"].id and user.is_party_member and user.active
    assert verify_password(user.password_hash, NEW_PASSWORD)
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "person.created"))
    assert entry.target_id == user.id and "13812345678" not in str(entry.details)


@pytest.mark.parametrize("changes, field", [
    ({"phone": "duplicate"}, "phone"),
    ({"username": "duplicate"}, "username"),
    ({"password": "12345678"}, "password"),
    ({"password": "short"}, "password"),
    ({"phone": "", "username": ""}, "phone"),
    ({"phone": "12345"}, "phone"),
    ({"name": ""}, "name"),
])
def test_create_person_errors(admin, world, changes, field):
    existing = world["users"][Role.PROPERTY_STAFF]
    changes = {k: (existing.phone if k == "phone" else existing.username) if v == "duplicate" else v
               for k, v in changes.items()}
    before = db.session.scalar(select(func.count(User.id)))
    response = post(admin, "/people/new", person_data(**changes))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'data-field-error="{field}"' in html
    assert 'value="李新"' in html or field == "name"  # what was typed stays
    assert db.session.scalar(select(func.count(User.id))) == before


def test_create_duplicate_via_htmx_is_422(admin, world):
    existing = world["users"][Role.PROPERTY_STAFF]
    response = post(admin, "/people/new", person_data(phone=existing.phone), htmx=True, block="form")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<html" not in html and 'data-field-error="phone"' in html and "已被其他账号使用" in html


def test_create_duplicate_caught_by_the_database(admin, world, monkeypatch):
    """A concurrent insert slips past the check: the unique constraint still gives the field error."""
    existing = world["users"][Role.PROPERTY_STAFF]
    real = people_services.duplicate_problem
    calls = []

    def first_check_misses(**kwargs):
        calls.append(kwargs)
        return None if len(calls) == 1 else real(**kwargs)

    monkeypatch.setattr(people_services, "duplicate_problem", first_check_misses)
    response = post(admin, "/people/new", person_data(phone=existing.phone))
    assert response.status_code == 200
    assert 'data-field-error="phone"' in response.get_data(as_text=True)
    assert users_named("李新") == 0
    assert len(calls) == 2


def test_create_person_raises_integrity_error_without_check(app, world):
    """The database constraint really exists (the view's fallback relies on it)."""
    existing = world["users"][Role.PROPERTY_STAFF]
    db.session.add(User(name="x", phone=existing.phone, password_hash="x"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


# --- edit ----------------------------------------------------------------------------------------

def test_edit_shows_full_phone_and_audits_the_view(admin, world):
    resident = world["users"][Role.RESIDENT]
    html = admin.get(f"/people/{resident.id}/edit").get_data(as_text=True)
    assert resident.phone in html
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "person.phone_viewed"))
    assert entry.target_id == resident.id and entry.user_id == world["users"][Role.STREET_ADMIN].id
    assert resident.phone not in str(entry.details)


def test_edit_person(admin, world):
    resident = world["users"][Role.RESIDENT]
    response = post(admin, f"/people/{resident.id}/edit", {"name": "居民甲", "phone": "13900001111",
                                                           "username": resident.username})
    assert response.status_code == 303
    db.session.refresh(resident)
    assert resident.name == "居民甲" and resident.phone == "13900001111"
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "person.updated"))
    assert "13900001111" not in str(entry.details)


def test_edit_duplicate_phone(admin, world):
    resident = world["users"][Role.RESIDENT]
    other = world["users"][Role.PROPERTY_STAFF]
    response = post(admin, f"/people/{resident.id}/edit", {"name": resident.name, "phone": other.phone,
                                                           "username": resident.username}, htmx=True)
    assert response.status_code == 422
    assert 'data-field-error="phone"' in response.get_data(as_text=True)
    db.session.refresh(resident)
    assert resident.phone != other.phone


# --- disable, enable, password ---------------------------------------------------------------

def test_disabling_kills_existing_session(app, admin, world):
    staff = world["users"][Role.PROPERTY_STAFF]
    theirs = app.test_client()
    login_as(theirs, staff)
    assert theirs.get("/repairs/").status_code == 200
    response = post(admin, f"/people/{staff.id}/disable")
    assert response.status_code == 303
    db.session.refresh(staff)
    assert not staff.active
    after = theirs.get("/repairs/")
    assert after.status_code == 302 and "/auth/login" in after.headers["Location"]
    # enabling again does not revive the old session, but allows a new login
    assert post(admin, f"/people/{staff.id}/enable").status_code == 303
    assert theirs.get("/repairs/").status_code == 302
    login_as(theirs, staff)
    assert theirs.get("/repairs/").status_code == 200


def test_cannot_disable_yourself(admin, world):
    me = world["users"][Role.STREET_ADMIN]
    response = post(admin, f"/people/{me.id}/disable")
    assert response.status_code == 303
    db.session.refresh(me)
    assert me.active
    assert "不能停用自己的账号" in admin.get("/people").get_data(as_text=True)


def test_disable_via_boosted_form_redirects(admin, world):
    staff = world["users"][Role.PROPERTY_STAFF]
    response = post(admin, f"/people/{staff.id}/disable", htmx=True)
    assert response.status_code == 303 and response.location == "/people"


def test_reset_password_ends_sessions(app, admin, world):
    staff = world["users"][Role.PROPERTY_STAFF]
    theirs = app.test_client()
    login_as(theirs, staff)
    response = post(admin, f"/people/{staff.id}/password", {"password": NEW_PASSWORD})
    assert response.status_code == 303
    assert theirs.get("/organisations").status_code == 302
    login_as(theirs, staff, password=NEW_PASSWORD)
    actions = set(db.session.scalars(select(AuditLog.action)))
    assert "person.password_reset" in actions


def test_reset_password_rules(admin, world):
    staff = world["users"][Role.PROPERTY_STAFF]
    response = post(admin, f"/people/{staff.id}/password", {"password": "11111111"}, htmx=True,
                    block="password_form")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "<html" not in html and 'data-field-error="password"' in html
    response = post(admin, f"/people/{staff.id}/password", {"password": staff.phone})
    assert response.status_code == 200 and 'data-field-error="password"' in response.get_data(as_text=True)
    db.session.refresh(staff)
    assert verify_password(staff.password_hash, PASSWORD)


# --- audit log -----------------------------------------------------------------------------------

def test_audit_log(admin, world, far_person):
    staff = world["users"][Role.PROPERTY_STAFF]
    post(admin, f"/people/{staff.id}/disable")
    far_client = admin.application.test_client()
    login_as(far_client, far_person)  # a login entry by someone outside the street
    html = admin.get("/audit").get_data(as_text=True)
    assert "account.disabled" in html and "街道管理员" in html
    assert "远方社工" not in html
    fragment = admin.get("/audit?q=account.&_block=results", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and 'id="results"' in fragment
    assert "account.disabled" in fragment and ">login<" not in fragment
    assert admin.get("/audit?page=zz&q=%25").status_code == 200


def test_the_audit_log_reads_in_words_and_filters_by_person_action_record_and_date(app, world):
    from datetime import timedelta

    from portal.core.clock import today

    admin = world["users"][Role.STREET_ADMIN]
    client = login_as(app.test_client(), admin)
    client.get(f"/people/{world['users'][Role.OWNERS_COMMITTEE].id}/edit")  # looks at a full phone: audited
    html = client.get("/audit").get_data(as_text=True)
    assert "查看账号完整手机号" in html and "登录" in html and "<code>" not in html
    assert 'data-action="person.phone_viewed"' in html
    only = client.get("/audit?action=person.phone_viewed").get_data(as_text=True)
    assert 'data-action="person.phone_viewed"' in only and 'data-action="login"' not in only
    by_name = client.get(f"/audit?q={admin.name}&target=User").get_data(as_text=True)
    assert 'data-action="login"' in by_name
    nobody = client.get("/audit?q=没有这个人").get_data(as_text=True)
    assert 'data-action=' not in nobody
    tomorrow = (today() + timedelta(days=1)).isoformat()
    assert 'data-action=' not in client.get(f"/audit?from={tomorrow}").get_data(as_text=True)
    assert 'data-action=' in client.get(f"/audit?to={tomorrow}&action=nonsense").get_data(as_text=True)
