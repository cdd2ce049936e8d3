"""The household import refuses, beside its file field and with nothing saved, an .xlsx that would
unpack or parse into far more than a compound's list of households: a zip bomb, too many parts, too
many rows, an over-long cell, markup openpyxl would build whole — and a file that is no zip at all."""

import io
import random
import tracemalloc
import zipfile

import pytest
from openpyxl import Workbook

from portal.core.audit import AuditLog
from portal.core.errors import RuleError
from portal.extensions import db
from portal.orgs import importer
from portal.orgs.models import Building, Household, Role
from tests.conftest import login_as, post

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
HEADER = ("楼栋", "单元", "房号", "面积", "业主姓名", "联系电话")
TOO_COMPLEX = "解压后过大或结构过于复杂"
SHARED_STRINGS_TYPE = ('<Override PartName="/xl/sharedStrings.xml" '
                       'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')
SHARED_STRINGS_REL = ('<Relationship Id="rIdStrings" Target="sharedStrings.xml" Type='
                      '"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>')


def workbook(rows=(("3号楼", "1", "101", 89.5, "李四", "13800000001"),), header=HEADER) -> bytes:
    wb = Workbook()
    sheet = wb.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    data = io.BytesIO()
    wb.save(data)
    return data.getvalue()


def parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rezip(contents: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", compression) as archive:
        for name, body in contents.items():
            archive.writestr(name, body)
    return data.getvalue()


def with_sheet_rows(extra: str) -> bytes:
    """The standard workbook with `extra` XML appended inside its sheet's <sheetData>."""
    contents = parts(workbook())
    sheet = contents["xl/worksheets/sheet1.xml"].decode()
    contents["xl/worksheets/sheet1.xml"] = sheet.replace("</sheetData>", extra + "</sheetData>").encode()
    return rezip(contents)


def with_shared_strings(contents: dict[str, bytes]) -> dict[str, bytes]:
    """Declare xl/sharedStrings.xml in the content types and the workbook's relationships."""
    contents["[Content_Types].xml"] = contents["[Content_Types].xml"].replace(
        b"</Types>", SHARED_STRINGS_TYPE.encode() + b"</Types>")
    rels = "xl/_rels/workbook.xml.rels"
    contents[rels] = contents[rels].replace(b"</Relationships>", SHARED_STRINGS_REL.encode() + b"</Relationships>")
    return contents


def bomb(unpacked_mb: int = 200) -> bytes:
    """A workbook whose shared strings hold one string of `unpacked_mb` MB, written compressed in
    chunks: a ~200 KB file that unpacks to 200 MB."""
    contents = with_shared_strings(parts(workbook()))
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, body in contents.items():
            archive.writestr(name, body)
        with archive.open("xl/sharedStrings.xml", "w") as part:
            part.write(f'<sst {NS} count="1" uniqueCount="1"><si><t>'.encode())
            chunk = b"A" * (1024 * 1024)
            for _ in range(unpacked_mb):
                part.write(chunk)
            part.write(b"</t></si></sst>")
    return data.getvalue()


@pytest.fixture
def admin(client, world):
    return login_as(client, world["users"][Role.STREET_ADMIN])


def upload(client, world, data: bytes, name: str = "households.xlsx"):
    return post(client, f"/compounds/{world['compound'].id}/import", {"file": (io.BytesIO(data), name)},
                content_type="multipart/form-data")


def assert_refused(response, message: str) -> None:
    html = response.get_data(as_text=True)
    assert response.status_code == 200, response.status_code
    field_error = html.split('data-field-error="file"', 1)
    assert len(field_error) == 2, "the message belongs beside the file field"
    assert message in field_error[1].split("</small>", 1)[0]
    assert 'id="import-errors"' not in html


@pytest.fixture
def unchanged(world):
    """Nothing of a refused import is saved: no household, no building, no audit entry."""
    before = (db.session.query(Household).count(), db.session.query(Building).count())
    yield
    db.session.expire_all()
    assert (db.session.query(Household).count(), db.session.query(Building).count()) == before
    assert db.session.query(AuditLog).filter_by(action="households.imported").count() == 0


def test_a_zip_bomb_is_refused_without_being_unpacked(admin, world, unchanged):
    data = bomb(200)
    assert len(data) < 1024 * 1024  # 200 MB inside
    tracemalloc.start()
    try:
        response = post(admin, f"/compounds/{world['compound'].id}/import",
                        {"file": (io.BytesIO(data), "households.xlsx")}, content_type="multipart/form-data")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert_refused(response, TOO_COMPLEX)
    assert peak < 20 * 1024 * 1024, f"refusing a 200 MB bomb allocated {peak / 1e6:.0f} MB"


def test_a_bomb_below_the_size_limit_is_refused_by_its_ratio(admin, world, unchanged):
    data = bomb(5)  # 5 MB of one letter: under MAX_ENTRY_BYTES, compressed about 1000 to 1
    assert importer.MAX_ENTRY_BYTES > 5 * 1024 * 1024
    assert_refused(upload(admin, world, data), TOO_COMPLEX)


def test_too_many_parts_are_refused(admin, world, unchanged):
    contents = parts(workbook())
    contents.update({f"xl/media/image{i}.png": b"" for i in range(importer.MAX_ENTRIES)})
    assert_refused(upload(admin, world, rezip(contents)), TOO_COMPLEX)


def test_too_many_rows_are_refused(admin, world, unchanged):
    rows = [("9号楼", "1", str(1000 + i)) for i in range(importer.MAX_ROWS + 1)]
    data = workbook(rows, header=("楼栋", "单元", "房号"))
    assert_refused(upload(admin, world, data), f"一次最多导入 {importer.MAX_ROWS} 行")


def test_a_row_numbered_far_down_is_refused_without_reading_every_blank_row_before_it(admin, world, unchanged):
    data = with_sheet_rows('<row r="1000000"><c r="A1000000" t="inlineStr"><is><t>9号楼</t></is></c></row>')
    assert_refused(upload(admin, world, data), f"表格最多 {importer.MAX_SHEET_ROWS} 行")


def test_an_over_long_cell_is_refused(admin, world, unchanged):
    rows = [("3号楼", "1", "101", 80, "李四", ""), ("3号楼", "1", "102", 80, "王" * (importer.MAX_CELL_CHARS + 1), "")]
    assert_refused(upload(admin, world, workbook(rows)), f"第 3 行有单元格超过 {importer.MAX_CELL_CHARS} 个字")


def test_a_file_that_is_no_zip_is_refused(admin, world, unchanged):
    for junk in (b"building,room\n3,101\n", b"PK\x03\x04" + bytes(100), b"PK\x05\x06" + bytes(18), b""):
        assert_refused(upload(admin, world, junk), "无法读取这个文件")


def test_an_upload_larger_than_any_list_is_refused(admin, world, unchanged, monkeypatch):
    data = random.Random(1).randbytes(importer.MAX_UPLOAD_BYTES + 1)
    with pytest.raises(RuleError) as refused:
        importer.read_rows(io.BytesIO(data))
    assert refused.value.field == "file" and "文件太大：最多 5 MB" in str(refused.value.message)
    # Through the page with a lower limit: the test client leaks the temporary file of a larger upload.
    monkeypatch.setattr(importer, "MAX_UPLOAD_BYTES", 100 * 1024)
    assert_refused(upload(admin, world, data[:100 * 1024 + 1]), "文件太大")


def _many_styles() -> bytes:
    draw = random.Random(2)
    contents = parts(workbook())
    many = "".join(f'<xf numFmtId="{draw.randrange(10**6)}"/>' for _ in range(importer.MAX_PART_ELEMENTS + 1))
    contents["xl/styles.xml"] = contents["xl/styles.xml"].replace(b"</cellXfs>", many.encode() + b"</cellXfs>")
    return rezip(contents)


def _wide_row() -> bytes:
    draw = random.Random(3)
    cells = "".join(f"<c><v>{draw.randrange(10**6)}</v></c>" for _ in range(importer.MAX_ROW_ELEMENTS))
    return with_sheet_rows(f'<row r="3">{cells}</row>')


def _huge_tag() -> bytes:
    attributes = " ".join(f'a{i}="{i % 7}"' for i in range(2 * importer.MAX_MARKUP_BYTES // 10))
    return with_sheet_rows(f'<row r="3" {attributes}/>')


def _entities() -> bytes:
    doctype = ('<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a "AAAAAAAAAA"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
               f'<sst {NS}><si><t>&b;</t></si></sst>')
    return rezip({**with_shared_strings(parts(workbook())), "xl/sharedStrings.xml": doctype.encode()})


@pytest.mark.parametrize("build", [_many_styles, _wide_row, _huge_tag, _entities], ids=lambda f: f.__name__[1:])
def test_markup_openpyxl_would_build_whole_is_refused(build):
    """Each is small on disk and compresses only a few times, yet would cost openpyxl hundreds of
    megabytes (styles with huge numbers of entries, a row with huge numbers of cells, one tag with
    huge numbers of attributes) or expand entities: refused by the scan, before openpyxl."""
    data = build()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert all(p.file_size <= importer.MAX_RATIO * p.compress_size for p in archive.infolist())
    with pytest.raises(RuleError) as refused:
        importer.check_archive(io.BytesIO(data))
    assert refused.value.field == "file" and TOO_COMPLEX in str(refused.value.message)


def test_the_scan_refuses_through_the_page(admin, world, unchanged):
    assert_refused(upload(admin, world, _wide_row()), TOO_COMPLEX)


def test_a_part_longer_than_its_declared_size_is_not_read_past_it():
    """The checks trust each part's declared size because zipfile stops there: a part that says it
    is 100 bytes but holds more fails its CRC check, and the file is unreadable."""
    data = bytearray(rezip(parts(workbook()), compression=zipfile.ZIP_STORED))
    name = b"xl/worksheets/sheet1.xml"
    entry = data.rindex(b"PK\x01\x02", 0, data.rindex(name))  # its central directory record
    data[entry + 24:entry + 28] = (100).to_bytes(4, "little")  # uncompressed size
    with pytest.raises(RuleError) as refused:
        importer.read_rows(io.BytesIO(bytes(data)))
    assert refused.value.field == "file" and "无法读取" in str(refused.value.message)


def test_a_list_at_the_limit_imports(admin, world):
    rows = [(f"{20 + i // 100}号楼", str(i % 4 + 1), f"{i % 100 + 1:03d}", 80.5, "王小明", f"139{i:08d}")
            for i in range(importer.MAX_ROWS)]
    data = workbook(rows)
    contents = parts(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert max(info.file_size for info in archive.infolist()) > 1024 * 1024
    response = upload(admin, world, rezip(contents))
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    names = {row[0] for row in rows}
    assert db.session.query(Household).join(Building).filter(
        Building.compound_id == world["compound"].id, Building.name.in_(names)).count() == importer.MAX_ROWS


def test_shared_strings_rich_text_and_numbers_import(admin, world):
    """A sheet as Excel writes it: texts in the shared strings (one with rich-text runs), numbers as numbers."""
    contents = with_shared_strings(parts(workbook(rows=())))
    texts = [*HEADER, "5号楼", "张三"]
    strings = "".join(f"<si><t>{t}</t></si>" for t in texts[:-1])
    strings += '<si><r><rPr><b/><sz val="11"/></rPr><t>张</t></r><r><t>三</t></r></si>'
    contents["xl/sharedStrings.xml"] = f'<sst {NS} count="8" uniqueCount="8">{strings}</sst>'.encode()
    header = "".join(f'<c r="{col}1" t="s"><v>{i}</v></c>' for i, col in enumerate("ABCDEF"))
    row = ('<c r="A2" t="s"><v>6</v></c><c r="B2"><v>2</v></c><c r="C2"><v>301</v></c><c r="D2"><v>95.25</v></c>'
           '<c r="E2" t="s"><v>7</v></c><c r="F2"><v>13900000009</v></c>')
    sheet = (f'<worksheet {NS}><sheetData><row r="1" spans="1:6">{header}</row>'
             f'<row r="2" spans="1:6">{row}</row></sheetData></worksheet>')
    contents["xl/worksheets/sheet1.xml"] = sheet.encode()
    response = upload(admin, world, rezip(contents))
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    household = db.session.query(Household).join(Building).filter(Building.name == "5号楼").one()
    assert (household.unit, household.room, str(household.area_m2)) == ("2", "301", "95.25")
    assert (household.owner_name, household.owner_phone) == ("张三", "13900000009")
