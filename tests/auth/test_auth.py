"""Login, logout, session death, rate limit, CSRF and password change."""

from portal.auth.models import User
from portal.extensions import db
from portal.orgs.models import Role
from tests.conftest import PASSWORD, csrf_token, login_as, post


def test_login_by_username_and_by_phone(client, world):
    user = world["users"][Role.PARTY_SECRETARY]
    for identifier in (user.username, user.phone):
        c = client.application.test_client()
        token = csrf_token(c)
        response = c.post("/auth/login", data={"login": identifier, "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 303
        assert c.get("/").status_code == 200


def test_wrong_password_says_so_and_keeps_login(client, world):
    user = world["users"][Role.PARTY_SECRETARY]
    token = csrf_token(client)
    response = client.post("/auth/login", data={"login": user.username, "password": "wrong-one!", "csrf_token": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "手机号/用户名或密码不正确" in html
    assert f'value="{user.username}"' in html
    assert "wrong-one!" not in html


def test_empty_login_shows_errors_next_to_fields(client, world):
    token = csrf_token(client)
    html = client.post("/auth/login", data={"login": "", "password": "", "csrf_token": token}).get_data(as_text=True)
    assert 'data-field-error="login"' in html and 'data-field-error="password"' in html


def test_after_logout_the_old_session_cookie_is_dead(client, world):
    user = world["users"][Role.PARTY_SECRETARY]
    login_as(client, user)
    stolen = client.get_cookie("session").value
    assert post(client, "/auth/logout").status_code == 303
    thief = client.application.test_client()
    thief.set_cookie("session", stolen)
    response = thief.get("/compounds")
    assert response.status_code == 302 and "/auth/login" in response.location


def test_disabled_account_loses_its_session(client, world):
    user = world["users"][Role.PARTY_SECRETARY]
    login_as(client, user)
    assert client.get("/compounds").status_code == 200
    from portal.auth.services import set_active

    set_active(db.session.get(User, user.id), False, by=world["users"][Role.STREET_ADMIN])
    db.session.commit()
    assert client.get("/compounds").status_code == 302


def test_login_is_rate_limited_with_a_clear_message(client, world, app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "3 per minute")
    token = csrf_token(client)
    codes = [
        client.post("/auth/login", data={"login": "nobody", "password": "x", "csrf_token": token}).status_code
        for _ in range(4)
    ]
    assert codes[:3] == [200, 200, 200]
    assert codes[3] == 429
    response = client.post("/auth/login", data={"login": "nobody", "password": "x", "csrf_token": token})
    assert "操作过于频繁" in response.get_data(as_text=True)


def test_state_change_without_csrf_token_is_refused_plain_and_htmx(client, world):
    user = world["users"][Role.STREET_ADMIN]
    login_as(client, user)
    plain = client.post("/compounds/new", data={"community_id": world["community"].id, "name": "无令牌小区"})
    assert plain.status_code == 400
    assert "页面已过期" in plain.get_data(as_text=True)
    htmx = client.post("/compounds/new", data={"community_id": world["community"].id, "name": "无令牌小区"},
                       headers={"HX-Request": "true"})
    assert htmx.status_code == 400
    assert htmx.headers["HX-Retarget"] == "#flash"
    assert "<html" not in htmx.get_data(as_text=True)
    from portal.orgs.models import Compound

    assert db.session.query(Compound).filter_by(name="无令牌小区").count() == 0


def test_logout_requires_post(client, world):
    login_as(client, world["users"][Role.RESIDENT])
    assert client.get("/auth/logout").status_code == 405


def test_password_change_needs_fresh_reauth_and_ends_other_sessions(client, world, app):
    user = world["users"][Role.OWNERS_COMMITTEE]
    login_as(client, user)
    other = app.test_client()
    login_as(other, user)
    with client.session_transaction() as s:
        s["_auth_at"] = 0  # logged in long ago
    response = client.get("/auth/password")
    assert response.status_code == 302 and "/auth/reauth" in response.location
    bad = post(client, "/auth/reauth?next=/auth/password", {"password": "not-mine"})
    assert "密码不正确" in bad.get_data(as_text=True)
    assert post(client, "/auth/reauth?next=/auth/password", {"password": PASSWORD}).status_code == 303
    weak = post(client, "/auth/password", {"new_password": "12345678", "confirm": "12345678"})
    assert "太常见" in weak.get_data(as_text=True)
    ok = post(client, "/auth/password", {"new_password": "Fresh-pass-77", "confirm": "Fresh-pass-77"})
    assert ok.status_code == 303
    assert client.get("/compounds").status_code == 200  # this device stays in
    assert other.get("/compounds").status_code == 302  # the other device is out
    fresh = app.test_client()
    login_as(fresh, user, password="Fresh-pass-77")


def test_open_redirect_after_login_is_refused(client, world):
    user = world["users"][Role.RESIDENT]
    token = csrf_token(client)
    response = client.post("/auth/login?next=//evil.example/x", data={"login": user.username, "password": PASSWORD,
                                                                       "csrf_token": token})
    assert response.status_code == 303 and response.location == "/"


def test_language_switch_and_security_headers(client, world):
    login_as(client, world["users"][Role.RESIDENT])
    assert "首页" in client.get("/").get_data(as_text=True)
    post(client, "/auth/language", {"locale": "en", "next": "/"})
    response = client.get("/")
    assert 'lang="en"' in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert db.session.get(User, world["users"][Role.RESIDENT].id).locale == "en"


def test_passwords_are_argon2id(world):
    assert world["users"][Role.RESIDENT].password_hash.startswith("$argon2id$")


def test_idle_timeout_logs_out(client, world):
    login_as(client, world["users"][Role.RESIDENT])
    with client.session_transaction() as s:
        s["_seen"] = s["_seen"] - 3 * 3600
    response = client.get("/")
    assert response.status_code == 302 and "/auth/login" in response.location


def test_last_seen_is_written_at_most_once_a_minute(client, world):
    """Pages opened within a minute of the last write leave the session as it is, so the answer carries
    no new session cookie; after a minute the time is moved on."""
    login_as(client, world["users"][Role.RESIDENT])
    client.get("/")
    response = client.get("/")
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    with client.session_transaction() as s:
        s["_seen"] = s["_seen"] - 61
        seen = s["_seen"]
    response = client.get("/")
    assert "session=" in response.headers.get("Set-Cookie", "")
    with client.session_transaction() as s:
        assert s["_seen"] > seen + 60


def test_the_bells_poll_does_not_keep_an_unattended_tab_logged_in(client, world):
    """Background polls are not activity: the idle clock runs on, and the poll that finds the session
    expired sends the whole page to the login (not a login form inside the bell)."""
    login_as(client, world["users"][Role.RESIDENT])
    with client.session_transaction() as s:
        s["_seen"] = s["_seen"] - 600
        seen = s["_seen"]
    poll = {"HX-Request": "true", "X-Block": "bell", "HX-Current-URL": "http://localhost/repairs/?status=resolved"}
    assert client.get("/notifications/bell", headers=poll).status_code == 200
    with client.session_transaction() as s:
        assert s["_seen"] == seen  # the poll did not count
    client.get("/")
    with client.session_transaction() as s:
        assert s["_seen"] > seen  # a page the person opened does
        s["_seen"] = s["_seen"] - 3 * 3600
    response = client.get("/notifications/bell", headers=poll)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].startswith("/auth/login?next=/repairs/")
    assert client.get("/").status_code == 302


def _attempt(client, login, password):
    return client.post("/auth/login", data={"login": login, "password": password, "csrf_token": csrf_token(client)})


def test_a_stranger_cannot_lock_the_owner_out(app, world, monkeypatch):
    """Only failures count, per address and per name; the owner's known device has its own budget."""
    monkeypatch.setitem(app.config, "LOGIN_NAME_RATE_LIMIT", "5 per hour")
    owner = world["users"][Role.RESIDENT]
    phone = app.test_client()  # the owner's phone: logged in before, so it is a known device
    login_as(phone, owner)
    post(phone, "/auth/logout")
    stranger = app.test_client()
    codes = [_attempt(stranger, owner.username, "wrong-guess").status_code for _ in range(6)]
    assert codes[:5] == [200] * 5 and codes[5] == 429  # the stranger is stopped …
    assert _attempt(phone, owner.username, PASSWORD).status_code == 303  # … the owner is not
    new_device = app.test_client()
    assert _attempt(new_device, owner.username, PASSWORD).status_code == 429  # a new device waits


def test_successful_logins_do_not_count_and_a_known_device_cannot_guess_freely(app, world, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_NAME_RATE_LIMIT", "3 per hour")
    owner = world["users"][Role.RESIDENT]
    client = app.test_client()
    for _ in range(5):
        assert _attempt(client, owner.username, PASSWORD).status_code == 303
        post(client, "/auth/logout")
    codes = [_attempt(client, owner.username, "wrong-guess").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]  # a stolen phone gets the device's own budget, no more


def test_a_forged_device_cookie_is_ignored(app, world, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_NAME_RATE_LIMIT", "2 per hour")
    owner = world["users"][Role.RESIDENT]
    client = app.test_client()
    client.set_cookie("portal_device", "forged.value.here", path="/auth/")
    codes = [_attempt(client, owner.username, "wrong-guess").status_code for _ in range(3)]
    assert codes == [200, 200, 429]



def test_behind_a_proxy_the_clients_own_address_counts(tmp_path):
    """With PROXY_HOPS=1 the address from X-Forwarded-For is the one limited and audited."""
    from portal import create_app
    from portal.config import TestConfig

    class BehindNginx(TestConfig):
        PROXY_HOPS = 1

    app = create_app(BehindNginx)
    seen = []

    @app.route("/_whoami")
    def whoami():
        from flask import request

        seen.append(request.remote_addr)
        return "ok"

    app.test_client().get("/_whoami", headers={"X-Forwarded-For": "203.0.113.7"})
    assert seen == ["203.0.113.7"]
