"""Spreadsheet import of units and resources: bad rows named one by one, nothing half-imported."""

from __future__ import annotations

from io import BytesIO

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from portal.extensions import db
from portal.projects.models import Resource, Unit
from tests.conftest import login_as, post

HEADER = ["单位名称", "联系人", "联系电话", "报到日期", "资源类型", "资源", "数量", "可用时间"]


@pytest.fixture
def w(co_world):
    return co_world


def _xlsx(rows) -> BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    data = BytesIO()
    book.save(data)
    data.seek(0)
    return data


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_bad_rows_are_named_and_nothing_is_imported(client, w):
    login_as(client, w["worker"])
    units, resources = _count(Unit), _count(Resource)
    data = _xlsx([
        ["区第一人民医院", "", "", "", "志愿者", "护士志愿者", "5人", "周末"],  # known unit: fine
        ["新华书店", "李经理", "12345", "", "场地", "阅览室", "", ""],  # new unit with a bad phone
        ["区第一人民医院", "", "", "", "火箭", "", "", ""],  # unknown kind, no title
    ])
    page = post(client, "/projects/resources/import", {"community_id": w["community"].id, "file": (data, "r.xlsx")},
                content_type="multipart/form-data")
    html = page.get_data(as_text=True)
    assert "第 3 行" in html and "第 4 行" in html and "第 2 行" not in html
    assert "新单位须填写联系人和正确的联系电话" in html and "资源类型须是" in html
    assert (_count(Unit), _count(Resource)) == (units, resources)


def test_a_good_sheet_registers_new_units_and_their_resources(client, w):
    login_as(client, w["worker"])
    data = _xlsx([
        ["新华书店", "李经理", "13912345678", "2026-03-01", "场地", "阅览室", "80平方米", "周末"],
        ["新华书店", "", "", "", "设备物资", "图书", "500册", ""],
        ["区第一人民医院", "", "", "", "专业服务", "义诊", "每月1次", ""],
    ])
    done = post(client, "/projects/resources/import", {"community_id": w["community"].id, "file": (data, "r.xlsx")},
                content_type="multipart/form-data")
    assert done.status_code == 303
    shop = db.session.scalar(select(Unit).where(Unit.name == "新华书店"))
    assert shop.contact_phone == "13912345678" and str(shop.registered_on) == "2026-03-01"
    assert _count(Resource) == 3


def test_a_file_that_is_not_a_spreadsheet_is_refused_beside_the_field(client, w):
    login_as(client, w["worker"])
    page = post(client, "/projects/resources/import", {"community_id": w["community"].id,
                                                       "file": (BytesIO(b"not a zip"), "r.xlsx")},
                content_type="multipart/form-data")
    assert 'data-field-error="file"' in page.get_data(as_text=True)
