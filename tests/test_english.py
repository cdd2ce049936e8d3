"""In English, no page of any role shows Chinese apart from names and what people typed."""

from __future__ import annotations

import html as htmlmod
import re

import pytest
from flask import url_for
from sqlalchemy import JSON, String, Text, select

from portal.extensions import db
from portal.orgs.models import Role
from tests.conftest import login_as, post
from tests.test_permissions_matrix import MATRIX, objects

CJK = re.compile(r"[\u3400-\u9fff\uff08\uff09\uff0c\uff1a\uff1b\u3001\u3002]+")
TAGS = re.compile(r"<script.*?</script>|<style.*?</style>|<[^>]+>", re.S)


def _user_text() -> list[str]:
    """Every string stored in the database: names, places, descriptions, notes … (longest first)."""
    found = set()
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
        if not columns:
            continue
        for row in db.session.execute(select(*columns)):
            values = [v for value in row for v in (value if isinstance(value, list) else [value])]  # JSON lists
            found.update(value for value in values if isinstance(value, str) and CJK.search(value))
    # what the portal builds from them: "1号楼 1-101", masked names "王**"
    found.update(value[0] + "**" for value in list(found) if len(value) >= 2)
    return sorted(found, key=len, reverse=True)


@pytest.mark.parametrize("role", [Role.STREET_ADMIN, Role.PROPERTY_MANAGER, Role.PROPERTY_STAFF, Role.RESIDENT])
def test_no_chinese_in_english_pages(app, world, role):
    client = login_as(app.test_client(), world["users"][role])
    post(client, "/auth/language", {"locale": "en", "next": "/"})
    inside = objects(world, True)
    typed = _user_text()
    leaks = {}
    for endpoint, (method, kind, allowed) in MATRIX.items():
        if method != "GET" or role not in allowed or endpoint in ("repairs.photo", "surveys.export_xlsx", "projects.wish_photo",
                                                                  "projects.project_photo"):
            continue
        kwargs = {} if kind is None else {inside[kind][0]: inside[kind][1]}
        with app.test_request_context():
            url = url_for(endpoint, **kwargs)
        response = client.get(url)
        if response.status_code != 200:
            continue
        text = htmlmod.unescape(TAGS.sub(" ", response.get_data(as_text=True)))
        for value in typed:
            text = text.replace(value, " ")
        text = text.replace("中文", " ")  # the language switch names its language in that language
        found = sorted(set(CJK.findall(text)))
        if found:
            leaks[url] = found[:8]
    assert not leaks, leaks
