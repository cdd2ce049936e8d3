"""Household import from a spreadsheet (.xlsx): every row is checked first, and only a file
without a single bad row is imported, in one transaction (nothing half-imported)."""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from sqlalchemy import select

from portal.core.audit import audit
from portal.extensions import db
from portal.orgs.models import Building, Compound, Household

MAX_ROWS = 5000
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


def read_rows(stream):
    """(row number, dict) for each non-empty row, or raise RuleError-like ValueError for an unreadable file."""
    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ValueError(_l("无法读取这个文件，请上传 Excel（.xlsx）文件。")) from exc
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        raise ValueError(_l("表格是空的。"))
    columns = _columns(header)
    missing = [k for k in REQUIRED if k not in columns]
    if missing:
        raise ValueError(_l("第一行须为表头，至少包括“楼栋”和“房号”两列。"))
    for number, values in enumerate(rows, start=2):
        if number - 1 > MAX_ROWS:
            raise ValueError(_l("一次最多导入 %(n)s 行。", n=MAX_ROWS))
        if values is None or all(_text(v) == "" for v in values):
            continue
        yield number, {key: (values[i] if i < len(values) else None) for key, i in columns.items()}
    workbook.close()


def import_households(compound: Compound, stream, *, by=None) -> ImportResult:
    """Validate every row; add all households (and new buildings) only if there is no error."""
    result = ImportResult()
    try:
        parsed = list(read_rows(stream))
    except ValueError as exc:
        result.errors.append(RowError(0, str(exc)))
        return result
    if not parsed:
        result.errors.append(RowError(0, str(_l("表格中没有数据行。"))))
        return result
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
