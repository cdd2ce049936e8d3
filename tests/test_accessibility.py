"""Checks a screen reader relies on, over every template and on a real page."""

from __future__ import annotations

import re
from pathlib import Path

from portal.orgs.models import Role
from tests.conftest import login_as, make_contract, make_org

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def test_every_table_column_has_a_header():
    empty = [f"{path.relative_to(TEMPLATES)}: {match.group(0)}"
             for path in TEMPLATES.rglob("*.html")
             for match in re.finditer(r"<th[^>]*>\s*</th>", path.read_text(encoding="utf-8"))]
    assert not empty, empty


def test_an_expired_contract_offers_no_termination(app, world):
    from portal.extensions import db
    from portal.orgs.models import OrgKind

    former = make_org(OrgKind.PROPERTY_COMPANY, street=world["street"], name="旧物业")
    make_contract(world["other_compound"], former, expired=True)
    db.session.commit()
    client = login_as(app.test_client(), world["users"][Role.STREET_ADMIN])
    html = client.get(f"/compounds/{world['other_compound'].id}").get_data(as_text=True)
    assert "已到期" in html and "终止</button>" not in html
    html = client.get(f"/compounds/{world['compound'].id}").get_data(as_text=True)
    assert "终止</button>" in html  # the current one can still be ended
