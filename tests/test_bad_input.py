"""No request answers 500 for bad input: every form route, as every role, gets junk in every field."""

import pytest
from flask import url_for

from portal.orgs.models import Role
from tests.conftest import csrf_token, login_as, post
from tests.test_permissions_matrix import MATRIX, objects

JUNK = {
    "name": "名" * 500, "address": "\x00<script>", "community_id": "abc", "compound_id": "-1", "building_id": "9e99",
    "household_id": "x", "unit": "单" * 50, "room": "", "area_m2": "NaN", "owner_phone": "1" * 40, "floors": "1e9",
    "kind": "nonsense", "parent_id": "0.5", "contact_phone": "☎" * 30, "role": "god", "title": "", "person": "' OR 1=1 --",
    "start_date": "2026-02-30", "end_date": "yesterday", "phone": "+", "username": "a b", "password": "x",
    "handler_id": "abc", "version": "abc", "rating": "11", "speed_rating": "-3", "attitude_rating": "",
    "satisfied": "maybe", "comment": "评" * 5000, "reason": "理" * 5000, "note": "备" * 5000, "department": "部" * 500,
    "category": "🙂", "urgency": "now", "channel": "pigeon", "description": "", "place": "地" * 500,
    "location": "h:999999", "where": "moon", "relation": "cousin", "locale": "xx", "q": "%", "page": "-1",
    "elevator-emergency": "99999999999999999999", "new_password": "a", "confirm": "b", "status": "zzz",
}


@pytest.mark.parametrize("role", [Role.STREET_ADMIN, Role.PROPERTY_MANAGER, Role.PROPERTY_STAFF, Role.RESIDENT])
def test_junk_posts_never_answer_500(app, world, role):
    client = app.test_client()
    login_as(client, world["users"][role])
    inside = objects(world, True)
    failures = []
    for endpoint in [r.endpoint for r in app.url_map.iter_rules()]:
        rule_methods = {m for r in app.url_map.iter_rules(endpoint) for m in r.methods}
        if "POST" not in rule_methods or endpoint not in MATRIX:
            continue
        kind = MATRIX[endpoint][1]
        kwargs = {} if kind is None else {inside[kind][0]: inside[kind][1]}
        with app.test_request_context():
            url = url_for(endpoint, **kwargs)
        for htmx in (False, True):
            response = post(client, url, JUNK, htmx=htmx, block="form" if htmx else None)
            if response.status_code >= 500:
                failures.append((endpoint, htmx, response.status_code))
    for path in ("/compounds?page=abc&community=x", "/repairs/?from=2026-13-45&to=x&overdue=2&compound=a",
                 "/repairs/board?compound=abc&category=%F0", "/organisations?kind=%00", "/people?q=%25&status=z"):
        if client.get(path).status_code >= 500:
            failures.append((path, False, 500))
    assert not failures, failures


JUNK_BLOCKS = ["content", "phone", "password_form", "buildings", "../base", "x" * 300, "form"]


@pytest.mark.parametrize("role", [Role.STREET_ADMIN, Role.RESIDENT])
def test_junk_blocks_never_answer_500(app, world, role):
    """Every page, asked for blocks it does not allow (or that need context it lacks), answers 400 or a fragment."""
    client = login_as(app.test_client(), world["users"][role])
    inside = objects(world, True)
    failures = []
    for endpoint, (method, kind, _allowed) in MATRIX.items():
        if method != "GET" or endpoint not in app.view_functions:
            continue
        kwargs = {} if kind is None else {inside[kind][0]: inside[kind][1]}
        with app.test_request_context():
            url = url_for(endpoint, **kwargs)
        for block in JUNK_BLOCKS:
            response = client.get(url, headers={"HX-Request": "true", "X-Block": block})
            if response.status_code >= 500:
                failures.append((endpoint, block, response.status_code))
    assert not failures, failures


# Bodies Flask-WTF would have turned into form data (request.get_json()): none is an object of strings.
JSON_BODIES = ["[1,2,3]", '"x"', "1", "null", "true", "{not json", "", '{"name": ["a", "b"], "note": {"x": 1}}',
               '{"login": "admin", "password": "x"}']
EXPIRED = "页面已过期"  # the CSRF refusal's message


def _post_urls(app, world):
    """Every POST route: matrix routes on an object in the users' scope, the rest (the caller's own
    login, password, notifications) with 1 for any id."""
    inside = objects(world, True)
    urls = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods:
            continue
        kind = MATRIX.get(rule.endpoint, (None, None))[1]
        kwargs = {name: 1 for name in rule.arguments}
        if kind is not None:
            kwargs = {inside[kind][0]: inside[kind][1]}
        with app.test_request_context():
            urls.append((rule.endpoint, url_for(rule.endpoint, **kwargs)))
    return urls


@pytest.mark.parametrize("role", [None, Role.STREET_ADMIN, Role.RESIDENT])
def test_json_bodies_are_refused_as_bad_requests(app, world, role):
    """A body sent as JSON (an array, a string, a number, null, an object, or no JSON at all) answers
    400 on every POST route, anonymous or logged in, never 500; without a token CSRF still refuses first."""
    client = app.test_client()
    if role is not None:
        login_as(client, world["users"][role])
    urls = _post_urls(app, world)
    assert any(endpoint == "auth.login" for endpoint, _url in urls) and len(urls) > 30
    token = csrf_token(client, "/auth/login" if role is None else "/")
    failures = []
    for endpoint, url in urls:
        for body in JSON_BODIES:
            for htmx in (False, True):
                headers = {"X-CSRFToken": token, **({"HX-Request": "true"} if htmx else {})}
                response = client.post(url, data=body, content_type="application/json", headers=headers)
                if response.status_code != 400 or EXPIRED in response.get_data(as_text=True):
                    failures.append((endpoint, body, htmx, response.status_code))
        vendor = client.post(url, data="[1]", content_type="application/vnd.api+json", headers={"X-CSRFToken": token})
        if vendor.status_code != 400:
            failures.append((endpoint, "+json", False, vendor.status_code))
        unsigned = client.post(url, data="[1]", content_type="application/json")
        if unsigned.status_code != 400 or EXPIRED not in unsigned.get_data(as_text=True):
            failures.append((endpoint, "no token", False, unsigned.status_code))
    assert not failures, failures
    if role is not None:  # still logged in: the refused logout did nothing
        assert client.get("/").status_code == 200


def test_a_file_posted_in_a_text_field_is_ignored_not_a_500(app, world):
    """Only file fields receive files: a crafted multipart login or form answers like a missing value."""
    from io import BytesIO

    from tests.conftest import csrf_token

    client = app.test_client()
    token = csrf_token(client)
    response = client.post("/auth/login", data={"csrf_token": token, "login": (BytesIO(b"x"), "a.txt"),
                                                "password": (BytesIO(b"y"), "b.txt")},
                           content_type="multipart/form-data")
    assert response.status_code == 200 and "请输入手机号或用户名" in response.get_data(as_text=True)
    login_as(client, world["users"][Role.STREET_ADMIN])
    response = client.post("/people/new", data={"csrf_token": csrf_token(client, "/people/new"),
                                                "name": (BytesIO(b"x"), "n.txt"), "phone": "13900000001",
                                                "password": "Good-pass-2026"},
                           content_type="multipart/form-data")
    assert response.status_code == 200 and 'data-field-error="name"' in response.get_data(as_text=True)
