"""No request answers 500 for bad input: every form route, as every role, gets junk in every field."""

import pytest
from flask import url_for

from portal.orgs.models import Role
from tests.conftest import login_as, post
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
