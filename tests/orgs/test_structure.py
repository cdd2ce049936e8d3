"""Managing the structure: communities, compounds, buildings, households, contracts, import."""

import io
from datetime import date, timedelta

from openpyxl import Workbook
from PIL import Image

from portal.core.audit import AuditLog
from portal.extensions import db
from portal.orgs import services
from portal.orgs.models import Building, Compound, Household, Role, ServiceContract
from portal.orgs.permissions import compute_scope
from tests.conftest import login_as, make_org, post


def xlsx(rows, header=("楼栋", "单元", "房号", "面积", "业主姓名", "联系电话")) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    return data


def test_street_admin_creates_compound_and_building(client, world):
    login_as(client, world["users"][Role.STREET_ADMIN])
    response = post(client, "/compounds/new", {"community_id": world["community"].id, "name": "新建小区", "address": "和平路1号"})
    assert response.status_code == 303
    compound = db.session.query(Compound).filter_by(name="新建小区").one()
    assert post(client, f"/compounds/{compound.id}/buildings/new", {"name": "10号楼", "floors": "18"}).status_code == 303
    assert post(client, f"/compounds/{compound.id}/buildings/new", {"name": "2号楼"}).status_code == 303
    html = client.get(f"/compounds/{compound.id}").get_data(as_text=True)
    assert html.index("2号楼") < html.index("10号楼"), "buildings sort naturally"


def test_invalid_compound_keeps_input_and_shows_error_next_to_field(client, world):
    login_as(client, world["users"][Role.STREET_ADMIN])
    response = post(client, "/compounds/new", {"community_id": world["community"].id, "name": "", "address": "留着的地址"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-field-error="name"' in html and "留着的地址" in html
    htmx = post(client, "/compounds/new", {"community_id": world["community"].id, "name": ""}, htmx=True, block="form")
    assert htmx.status_code == 422 and "<html" not in htmx.get_data(as_text=True)
    assert 'id="compound-form"' in htmx.get_data(as_text=True)


def test_duplicate_compound_name_is_a_field_error_not_a_500(client, world):
    login_as(client, world["users"][Role.STREET_ADMIN])
    response = post(client, "/compounds/new", {"community_id": world["community"].id, "name": "阳光花园"})
    assert response.status_code == 200 and "该社区已有同名小区" in response.get_data(as_text=True)


def test_admin_cannot_put_a_compound_into_another_streets_community(client, world):
    login_as(client, world["users"][Role.STREET_ADMIN])
    response = post(client, "/compounds/new", {"community_id": world["far_community"].id, "name": "越界小区"})
    assert response.status_code == 200 and 'data-field-error="community_id"' in response.get_data(as_text=True)
    assert db.session.query(Compound).filter_by(name="越界小区").count() == 0


def test_htmx_search_returns_the_results_block(client, world):
    login_as(client, world["users"][Role.STREET_ADMIN])
    response = client.get("/compounds?q=锦绣&_block=results", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert "<html" not in html and 'id="results"' in html
    assert "锦绣家园" in html and "阳光花园" not in html
    assert "HX-Request" in response.headers["Vary"]
    assert "<html" in client.get("/compounds?q=锦绣&_block=results").get_data(as_text=True)


def test_lists_page(client, world, app, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    login_as(client, world["users"][Role.STREET_ADMIN])
    compound = world["compound"]
    first = client.get(f"/compounds/{compound.id}/households").get_data(as_text=True)
    assert "第 1 / 3 页，共 6 条" in first
    assert "第 3 / 3 页" in client.get(f"/compounds/{compound.id}/households?page=99").get_data(as_text=True)
    assert client.get(f"/compounds/{compound.id}/households?page=abc").status_code == 200


def test_phone_is_masked_for_owners_committee_and_revealed_with_audit_for_worker(client, world, app):
    household = world["household"]
    phone = household.owner_phone
    committee = app.test_client()
    login_as(committee, world["users"][Role.OWNERS_COMMITTEE])
    html = committee.get(f"/compounds/{world['compound'].id}/households").get_data(as_text=True)
    assert phone not in html and f"{phone[:3]}****{phone[-4:]}" in html
    assert "王小明" not in html
    assert committee.get(f"/households/{household.id}/phone").status_code == 403

    login_as(client, world["users"][Role.GRID_WORKER])
    html = client.get(f"/compounds/{world['compound'].id}/households").get_data(as_text=True)
    assert phone not in html, "even those who may see it get it masked until they ask"
    shown = client.get(f"/households/{household.id}/phone?_block=phone", headers={"HX-Request": "true"})
    assert phone in shown.get_data(as_text=True)
    entry = db.session.query(AuditLog).filter_by(action="household.phone_viewed").one()
    assert entry.target_id == household.id and entry.user_id == world["users"][Role.GRID_WORKER].id
    assert phone not in str(entry.details)


def test_import_with_bad_rows_reports_each_and_imports_nothing(client, world):
    compound = world["compound"]
    before = db.session.query(Household).count()
    login_as(client, world["users"][Role.STREET_ADMIN])
    data = xlsx([
        ("3号楼", "1", "101", 89.5, "李四", "13800000001"),
        ("3号楼", "1", "", 70, "王五", "13800000002"),          # row 3: no room
        ("3号楼", "1", "102", "大", "赵六", "12345"),           # row 4: bad area and phone
        ("3号楼", "1", "101", 60, "钱七", ""),                  # row 5: duplicate of row 2
        ("1号楼", "1", "101", 60, "孙八", ""),                  # row 6: already exists
    ])
    response = post(client, f"/compounds/{compound.id}/import", {"file": (data, "households.xlsx")},
                    content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for row in (3, 4, 5, 6):
        assert f'data-row="{row}"' in html
    assert 'data-row="2"' not in html
    assert "缺少房号" in html and "面积须为大于 0 的数字" in html and "联系电话格式不正确" in html
    assert "与第 2 行重复" in html and "该房屋已存在" in html
    assert db.session.query(Household).count() == before
    assert db.session.query(Building).filter_by(name="3号楼").count() == 0


def test_good_import_creates_households_and_buildings(client, world):
    compound = world["compound"]
    login_as(client, world["users"][Role.STREET_ADMIN])
    data = xlsx([("3号楼", "1", "101", 89.5, "李四", "13800000001"), ("3号楼", "2", "201", None, None, None)])
    response = post(client, f"/compounds/{compound.id}/import", {"file": (data, "households.xlsx")},
                    content_type="multipart/form-data")
    assert response.status_code == 303
    building = db.session.query(Building).filter_by(compound_id=compound.id, name="3号楼").one()
    assert db.session.query(Household).filter_by(building_id=building.id).count() == 2
    log = db.session.query(AuditLog).filter_by(action="households.imported").one()
    assert "13800000001" not in str(log.details)


def test_import_refuses_a_file_that_is_not_a_spreadsheet(client, world):
    login_as(client, world["users"][Role.STREET_ADMIN])
    image = io.BytesIO()
    Image.new("RGB", (4, 4)).save(image, "PNG")
    image.seek(0)
    response = post(client, f"/compounds/{world['compound'].id}/import", {"file": (image, "fake.xlsx")},
                    content_type="multipart/form-data")
    assert response.status_code == 200 and "无法读取这个文件" in response.get_data(as_text=True)
    wrong = post(client, f"/compounds/{world['compound'].id}/import", {"file": (io.BytesIO(b"a,b"), "list.csv")},
                 content_type="multipart/form-data")
    assert 'data-field-error="file"' in wrong.get_data(as_text=True)


def test_contract_rules(world):
    compound, company = world["compound"], world["company"]
    today = date.today()
    try:
        services.record_contract(compound=compound, company=company, start=today, end=today + timedelta(days=30))
        raise AssertionError("overlapping contract accepted")
    except services.RuleError as error:
        assert error.field == "start_date"
    other = world["other_compound"]
    contract = services.record_contract(compound=other, company=company, start=today, end=today + timedelta(days=365))
    db.session.commit()
    manager = world["users"][Role.PROPERTY_MANAGER]
    assert other.id in compute_scope(manager).compound_ids
    services.terminate_contract(contract, on=today)
    db.session.commit()
    assert contract.status == "terminated"
    assert db.session.get(ServiceContract, contract.id).end_date == today


def test_property_manager_scope_follows_current_contracts(world):
    manager = world["users"][Role.PROPERTY_MANAGER]
    scope = compute_scope(manager)
    assert scope.compound_ids == {world["compound"].id}
    contract = db.session.query(ServiceContract).filter_by(compound_id=world["compound"].id).one()
    contract.end_date = date.today() - timedelta(days=1)
    contract.start_date = date.today() - timedelta(days=400)
    db.session.commit()
    assert compute_scope(manager).compound_ids == set()


def test_cross_appointments_and_coverage(world):
    from portal.orgs.models import OrgKind

    worker = world["users"][Role.COMMUNITY_WORKER]
    services.appoint(user=worker, organisation=world["owners"], role=Role.OWNERS_COMMITTEE, title="委员",
                     start=date.today() - timedelta(days=1))
    make_org(OrgKind.PARTY_BRANCH, compound=world["compound"], name="业委会党支部", parent=world["owners"])
    db.session.commit()
    cross = services.cross_appointments([world["community"].id], date.today())
    assert [p.name for p in cross] == [worker.name]
    stats = services.coverage([world["community"].id], date.today())
    assert stats.compounds == 2 and stats.with_property == 1 and stats.property_rate == 50.0
    assert stats.owners_committee_rate == 50.0 and stats.owners_party_rate == 100.0
    assert stats.cross_rate == 100.0


def test_appointment_must_fit_the_organisation(world):
    try:
        services.appoint(user=world["users"][Role.RESIDENT], organisation=world["company"], role=Role.PARTY_SECRETARY,
                         title="书记", start=date.today())
        raise AssertionError("a property company got a party secretary")
    except services.RuleError as error:
        assert error.field == "role"


def test_second_of_two_simultaneous_edits_gets_conflict_and_fresh_record(client, world, app):
    compound = world["compound"]
    admin = world["users"][Role.STREET_ADMIN]
    login_as(client, admin)
    other = app.test_client()
    login_as(other, admin)
    import re

    def version_in(html):
        return re.search(r'name="row_version" type="hidden" value="(\d+)"', html).group(1)

    mine = version_in(client.get(f"/compounds/{compound.id}/edit").get_data(as_text=True))
    theirs = version_in(other.get(f"/compounds/{compound.id}/edit").get_data(as_text=True))
    base = {"community_id": world["community"].id}
    assert post(other, f"/compounds/{compound.id}/edit", {**base, "name": "对方改的名", "row_version": theirs}).status_code == 303
    response = post(client, f"/compounds/{compound.id}/edit", {**base, "name": "我改的名", "row_version": mine})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "这条记录刚被其他人修改过" in html
    assert 'value="对方改的名"' in html
    db.session.expire_all()
    assert db.session.get(Compound, compound.id).name == "对方改的名"


def test_stale_flush_is_refused_by_the_version_column(world):
    from sqlalchemy import update
    from sqlalchemy.orm.exc import StaleDataError

    compound = world["compound"]
    db.session.execute(update(Compound).where(Compound.id == compound.id).values(version=Compound.version + 1),
                       execution_options={"synchronize_session": False})
    compound.name = "悄悄覆盖"
    try:
        db.session.flush()
        raise AssertionError("a stale write went through")
    except StaleDataError:
        db.session.rollback()


def test_property_party_coverage_counts_the_companies_serving_now(world):
    """A company whose contract ended (with or without a party branch) no longer counts for 物业企业党组织覆盖率."""
    from portal.orgs.models import OrgKind
    from tests.conftest import make_contract

    former = make_org(OrgKind.PROPERTY_COMPANY, street=world["street"], name="旧物业")
    make_contract(world["other_compound"], former, expired=True)
    make_org(OrgKind.PARTY_BRANCH, street=world["street"], name="旧物业党支部", parent=former)
    db.session.commit()
    stats = services.coverage([world["community"].id], date.today())
    assert (stats.property_companies, stats.property_companies_with_party) == (1, 0)
    make_org(OrgKind.PARTY_BRANCH, street=world["street"], name="安居物业党支部", parent=world["company"])
    db.session.commit()
    assert services.coverage([world["community"].id], date.today()).property_party_rate == 100.0


def test_my_home_gives_the_contacts_a_resident_needs(app, world):
    """The property company, the owners' committee and the residents' committee, each with a number to call."""
    world["company"].contact_phone = "0571-88880000"
    world["owners"].contact_phone = "0571-88881111"
    world["residents_committee"].contact_phone = "0571-88882222"
    db.session.commit()
    html = login_as(app.test_client(), world["users"][Role.RESIDENT]).get("/my-home").get_data(as_text=True)
    for name, phone in (("安居物业", "0571-88880000"), ("阳光花园业委会", "0571-88881111"),
                        ("和平社区居委会", "0571-88882222")):
        assert name in html and f'href="tel:{phone}"' in html
