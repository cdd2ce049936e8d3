"""Household import from a spreadsheet (.xlsx): every row is checked first, and only a file
without a single bad row is imported, in one transaction (nothing half-imported).

An .xlsx is a zip of XML parts, and openpyxl builds some of them whole in memory (shared strings,
styles, the workbook, one row at a time of the sheet) before the first row is read: a 205 KB upload
holding one 200 MB string took a worker from 85 MB to 863 MB, and a 1 MB styles part of empty
`<xf/>` elements costs openpyxl about 120 MB. So an upload is checked before openpyxl opens it — its
size, its zip directory (parts, unpacked sizes, compression ratio), then each part streamed through
expat, counting what openpyxl would build from it — and bounded again while its rows are read.
A file refused for any of these, or unreadable, raises RuleError on the "file" field: nothing is
imported and the message shows beside the file field.
"""

from __future__ import annotations

import logging
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from xml.parsers import expat

from openpyxl import load_workbook
from sqlalchemy import select

from portal.core.audit import audit
from portal.core.errors import RuleError
from portal.core.translations import lazy_gettext as _l
from portal.extensions import db
from portal.orgs.models import Building, Compound, Household

log = logging.getLogger(__name__)

# --- limits --------------------------------------------------------------------------------------
# A real compound has at most a few thousand households. Measured: a 5,000-row, 7-column list saved
# by openpyxl is 0.2 MB on disk in ~10 parts, its sheet 1.8 MB unpacked at a ratio of 9–16; Excel and
# WPS write more XML per cell (spans, styles), allow three times that. Each limit leaves several times
# the room a real list needs; a file at all the limits at once costs openpyxl ~60 MB and ~2 s.
MAX_ROWS = 5000  #: data rows per import: more households than any one compound has
MAX_UPLOAD_BYTES = 5 * 1024 * 1024  #: the file as uploaded: 25× a 5,000-row list, room for a logo or a second sheet
MAX_ENTRIES = 100  #: zip parts: a one-sheet workbook has 10–20
MAX_ENTRY_BYTES = 10 * 1024 * 1024  #: one part unpacked: a 5,000-row, 20-column sheet in Excel's XML is ~4 MB
MAX_TOTAL_BYTES = 20 * 1024 * 1024  #: all parts unpacked
MAX_RATIO = 100  #: unpacked ÷ packed for a part (Apache POI's default); real sheets reach 10–30 …
RATIO_GRACE_BYTES = 100 * 1024  #: … checked above this size, where a small part could not hurt anyway
MAX_SHEET_ROWS = 2 * MAX_ROWS  #: rows in a sheet, blank ones included (row numbers too, when read)
MAX_ROW_ELEMENTS = 1000  #: XML elements inside one row or one shared string (~200 cells): openpyxl builds a row whole
MAX_SHARED_STRINGS = 100_000  #: distinct texts: 5,000 rows × 20 columns, each a different text
MAX_PART_ELEMENTS = 50_000  #: other elements per part (styles, names …): a plain list has a few hundred
MAX_TEXT_CHARS = 32_767  #: text in one element: Excel's own limit for a cell
MAX_MARKUP_BYTES = 1024 * 1024  #: one tag with its attributes, which expat holds whole until it ends
MAX_COLUMNS = 50  #: columns read; the header must name its columns among the first 50
MAX_CELL_CHARS = 1000  #: the longest value stored is 64 characters; room for a remark the import ignores
_CHUNK = 64 * 1024

PHONE_RE = re.compile(r"^1\d{10}$|^0\d{2,3}-?\d{7,8}$")
# Accepted header names for each column, Chinese first.
HEADERS = {
    "building": ("楼栋", "楼号", "building"),
    "unit": ("单元", "unit"),
    "room": ("房号", "室号", "room"),
    "area": ("面积", "面积(m²)", "面积（m²）", "面积(㎡)", "area", "area (m²)", "area m2"),
    "owner_name": ("业主姓名", "姓名", "owner name", "owner"),
    "phone": ("联系电话", "手机号", "电话", "phone"),
}
REQUIRED = ("building", "room")
UNREADABLE = _l("无法读取这个文件，请上传 Excel（.xlsx）文件。")
TOO_COMPLEX = _l("这个文件解压后过大或结构过于复杂，不像是一份房屋清单，未导入。"
                 "请把数据复制到新建的 Excel 表格中，另存为 .xlsx 后重新上传。")


@dataclass
class RowError:
    row: int
    message: str


@dataclass
class ImportResult:
    created: int = 0
    buildings_created: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _columns(header_row) -> dict[str, int]:
    names = [_text(c).lower() for c in header_row]
    found = {}
    for key, options in HEADERS.items():
        for index, name in enumerate(names):
            if name in {o.lower() for o in options}:
                found[key] = index
                break
    return found


def _refuse(message) -> RuleError:
    return RuleError(message, "file")


def _unreadable(exc: Exception) -> RuleError:
    log.info("import refused, file unreadable: %s", type(exc).__name__)  # the type only: no cell values in logs
    return _refuse(UNREADABLE)


def check_archive(stream) -> None:
    """Refuse (RuleError) an upload too large, not a zip, or one whose parts would unpack or parse
    into more than an import needs — before openpyxl reads any of it. Only the zip's directory is
    read, then each part is streamed; Python's zipfile never returns more than a part's declared
    size (a part longer than it says fails its CRC check), so the declared sizes bound the rest."""
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    if size > MAX_UPLOAD_BYTES:
        raise _refuse(_l("文件太大：最多 %(mb)s MB。一个小区的房屋清单通常不到 1 MB，请检查是否选错了文件。",
                         mb=MAX_UPLOAD_BYTES // (1024 * 1024)))
    try:
        with zipfile.ZipFile(stream) as archive:
            parts = archive.infolist()
            if len(parts) > MAX_ENTRIES or sum(p.file_size for p in parts) > MAX_TOTAL_BYTES or any(
                p.file_size > MAX_ENTRY_BYTES
                or (p.file_size > RATIO_GRACE_BYTES and p.file_size > MAX_RATIO * max(p.compress_size, 1))
                for p in parts
            ):
                raise _refuse(TOO_COMPLEX)
            for part in parts:
                _scan(archive, part)
    except RuleError:
        raise
    except Exception as exc:  # not a zip, damaged (zlib, CRC), encrypted, an unknown compression …
        raise _unreadable(exc) from exc
    finally:
        stream.seek(0)


class _PartScan:
    """One part through expat, counting what openpyxl would build from it: rows and shared strings
    (and the elements inside each), every other element, the text of one element, the bytes of one
    tag. No tree is kept; a part that is not XML (an image) stops at its first byte."""

    def __init__(self):
        self.parser = expat.ParserCreate()
        self.parser.StartElementHandler = self.start
        self.parser.EndElementHandler = self.end
        self.parser.CharacterDataHandler = self.text
        self.parser.StartDoctypeDeclHandler = self.doctype  # no xlsx has one; entities could expand
        self.depth = 0
        self.record_depth = 0  # depth of the open <row> or <si>, 0 outside one
        self.counts = {"row": 0, "si": 0, "other": 0, "inside": 0}
        self.chars = 0
        self.quiet = 0  # bytes fed since the parser last reported anything

    def feed(self, chunk: bytes) -> None:
        self.quiet += len(chunk)
        self.parser.Parse(chunk, False)
        if self.quiet > MAX_MARKUP_BYTES:
            raise _refuse(TOO_COMPLEX)

    def _count(self, kind: str, limit: int) -> None:
        self.counts[kind] += 1
        if self.counts[kind] > limit:
            raise _refuse(TOO_COMPLEX)

    def start(self, name, attributes):
        self.quiet = self.chars = 0
        self.depth += 1
        local = name.rpartition(":")[2]
        if self.record_depth:
            self._count("inside", MAX_ROW_ELEMENTS)
        elif local in ("row", "si"):
            self._count(local, MAX_SHEET_ROWS if local == "row" else MAX_SHARED_STRINGS)
            self.record_depth, self.counts["inside"] = self.depth, 0
        else:
            self._count("other", MAX_PART_ELEMENTS)

    def end(self, name):
        self.quiet = self.chars = 0
        if self.depth == self.record_depth:
            self.record_depth = 0
        self.depth -= 1

    def text(self, data):
        self.quiet = 0
        self.chars += len(data)
        if self.chars > MAX_TEXT_CHARS:
            raise _refuse(TOO_COMPLEX)

    def doctype(self, *args):
        raise _refuse(TOO_COMPLEX)


def _scan(archive: zipfile.ZipFile, part: zipfile.ZipInfo) -> None:
    scan = _PartScan()
    with archive.open(part) as source:
        while chunk := source.read(_CHUNK):
            try:
                scan.feed(chunk)
            except expat.ExpatError:
                return  # not XML, or broken here: openpyxl gets no further into it than this


def read_rows(stream) -> list[tuple[int, dict]]:
    """(row number, values by column) for each non-empty row of the first sheet; RuleError (on the
    "file" field) for a file that cannot or may not be read."""
    check_archive(stream)
    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # whatever a damaged or hostile file makes openpyxl raise
        raise _unreadable(exc) from exc
    try:
        return _read_sheet(workbook.worksheets[0])
    except RuleError:
        raise
    except Exception as exc:  # openpyxl reads the sheet as it is iterated
        raise _unreadable(exc) from exc
    finally:
        workbook.close()


def _read_sheet(sheet) -> list[tuple[int, dict]]:
    sheet.reset_dimensions()  # the size the file declares is not trusted: rows are read as they come
    rows = sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
    header = next(rows, None)
    if header is None:
        raise _refuse(_l("表格是空的。"))
    _check_cells(1, header)
    columns = _columns(header)
    if any(k not in columns for k in REQUIRED):
        raise _refuse(_l("第一行须为表头，至少包括“楼栋”和“房号”两列。"))
    parsed = []
    for number, values in enumerate(rows, start=2):
        if number > MAX_SHEET_ROWS:  # a row numbered far down yields every blank row before it
            raise _refuse(_l("表格最多 %(n)s 行（含空行）。请删除多余的行，或分成几个文件导入。", n=MAX_SHEET_ROWS))
        _check_cells(number, values)
        if all(_text(v) == "" for v in values):
            continue
        if len(parsed) == MAX_ROWS:
            raise _refuse(_l("一次最多导入 %(n)s 行。", n=MAX_ROWS))
        parsed.append((number, {key: (values[i] if i < len(values) else None) for key, i in columns.items()}))
    return parsed


def _check_cells(number: int, values) -> None:
    if any(isinstance(v, str) and len(v) > MAX_CELL_CHARS for v in values):
        raise _refuse(_l("第 %(row)s 行有单元格超过 %(n)s 个字，不像是房屋信息。请检查后重新上传。",
                         row=number, n=MAX_CELL_CHARS))


def import_households(compound: Compound, stream, *, by=None) -> ImportResult:
    """Validate every row; add all households (and new buildings) only if there is no error. A file
    that cannot or may not be read raises RuleError (field "file"); bad rows are returned."""
    result = ImportResult()
    parsed = read_rows(stream)
    if not parsed:
        raise _refuse(_l("表格中没有数据行。"))
    buildings = {b.name: b for b in db.session.scalars(select(Building).where(Building.compound_id == compound.id))}
    existing = set(
        db.session.execute(
            select(Building.name, Household.unit, Household.room).join(Building).where(Building.compound_id == compound.id)
        ).all()
    )
    seen: dict[tuple, int] = {}
    valid = []
    for number, row in parsed:
        problems, record = _check_row(row)
        key = (record["building"], record["unit"], record["room"])
        if not problems:
            if key in existing:
                problems.append(str(_l("该房屋已存在。")))
            elif key in seen:
                problems.append(str(_l("与第 %(row)s 行重复。", row=seen[key])))
        seen.setdefault(key, number)
        if problems:
            result.errors.append(RowError(number, "；".join(problems)))
        else:
            valid.append(record)
    if result.errors:
        return result
    with db.session.begin_nested():
        for record in valid:
            building = buildings.get(record["building"])
            if building is None:
                building = Building(compound_id=compound.id, name=record["building"], sort_key=natural_key(record["building"]))
                db.session.add(building)
                buildings[record["building"]] = building
                result.buildings_created += 1
            db.session.add(Household(building=building, unit=record["unit"], room=record["room"], area_m2=record["area"],
                                     owner_name=record["owner_name"] or None, owner_phone=record["phone"] or None))
            result.created += 1
        db.session.flush()
    audit("households.imported", compound, user=by, details={"rows": result.created})
    return result


def _check_row(row: dict) -> tuple[list[str], dict]:
    problems: list[str] = []
    record = {
        "building": _text(row.get("building")),
        "unit": _text(row.get("unit")),
        "room": _text(row.get("room")),
        "owner_name": _text(row.get("owner_name")),
        "phone": re.sub(r"\s", "", _text(row.get("phone"))),
        "area": None,
    }
    if not record["building"]:
        problems.append(str(_l("缺少楼栋。")))
    elif len(record["building"]) > 50:
        problems.append(str(_l("楼栋名称太长。")))
    if not record["room"]:
        problems.append(str(_l("缺少房号。")))
    elif len(record["room"]) > 20:
        problems.append(str(_l("房号太长。")))
    if len(record["unit"]) > 20:
        problems.append(str(_l("单元太长。")))
    if len(record["owner_name"]) > 64:
        problems.append(str(_l("业主姓名太长。")))
    if record["phone"] and not PHONE_RE.match(record["phone"]):
        problems.append(str(_l("联系电话格式不正确。")))
    area = _text(row.get("area"))
    if area:
        try:
            value = Decimal(area)
            if not (0 < value < 100000):
                raise InvalidOperation
            record["area"] = value.quantize(Decimal("0.01"))
        except InvalidOperation:
            problems.append(str(_l("面积须为大于 0 的数字（平方米）。")))
    return problems, record


def natural_key(name: str) -> str:
    """'2号楼' sorts before '10号楼': numbers zero-padded."""
    return re.sub(r"\d+", lambda m: m.group(0).zfill(6), name)[:60]
