"""Spreadsheet import of resident units and their resources (资源清单), row by row.

One sheet, one row per resource: 单位名称, 联系人, 联系电话, 报到日期, 资源类型, 资源, 数量, 可用时间. A unit not yet
registered with the community is registered from its first row. Every row is checked before anything is
written: with one bad row nothing is imported, and each bad row is named with what is wrong. The file is
checked and read with the same guards as the household import (portal.orgs.importer.check_archive).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from openpyxl import load_workbook
from sqlalchemy import select

from portal.core.errors import RuleError
from portal.core.translations import lazy_gettext as _l
from portal.extensions import db
from portal.orgs.importer import PHONE_RE, check_archive
from portal.projects.labels import RESOURCE_KIND_LABELS
from portal.projects.models import Resource, Unit

MAX_ROWS = 500
HEADERS = {
    "unit": ("单位名称", "单位", "unit"),
    "contact": ("联系人", "contact"),
    "phone": ("联系电话", "电话", "phone"),
    "registered_on": ("报到日期", "registered on"),
    "kind": ("资源类型", "类型", "kind"),
    "title": ("资源", "资源名称", "resource"),
    "quantity": ("数量", "quantity"),
    "availability": ("可用时间", "availability"),
}
REQUIRED = ("unit", "kind", "title")


@dataclass
class RowError:
    row: int
    message: str


@dataclass
class ImportResult:
    units: int = 0
    resources: int = 0
    errors: list[RowError] = field(default_factory=list)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _kind(value: str) -> str | None:
    wanted = value.strip().lower()
    for code, label in RESOURCE_KIND_LABELS.items():
        if wanted in (code, str(label).lower()):
            return code
    return None


def _day(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(_text(value).replace("/", "-")) if _text(value) else None
    except ValueError:
        return None


def read_rows(stream) -> list[tuple[int, dict]]:
    check_archive(stream)
    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # whatever a damaged file makes openpyxl raise
        raise RuleError(_l("无法读取这个文件，请上传 Excel（.xlsx）文件。"), "file") from exc
    try:
        rows = workbook.worksheets[0].iter_rows(max_col=20, values_only=True)
        header = [_text(c).lower() for c in next(rows, None) or ()]
        columns = {key: header.index(name.lower()) for key, names in HEADERS.items() for name in names
                   if name.lower() in header}
        if any(key not in columns for key in REQUIRED):
            raise RuleError(_l("第一行须为表头，至少包括“单位名称”“资源类型”“资源”三列。"), "file")
        parsed = []
        for number, values in enumerate(rows, start=2):
            if all(_text(v) == "" for v in values):
                continue
            if len(parsed) == MAX_ROWS:
                raise RuleError(_l("一次最多导入 %(n)s 行。", n=MAX_ROWS), "file")
            parsed.append((number, {key: values[i] if i < len(values) else None for key, i in columns.items()}))
        return parsed
    except RuleError:
        raise
    except Exception as exc:
        raise RuleError(_l("无法读取这个文件，请上传 Excel（.xlsx）文件。"), "file") from exc
    finally:
        workbook.close()


def _check(row: dict, known: set[str]) -> tuple[list[str], dict]:
    problems = []
    record = {key: _text(row.get(key)) for key in HEADERS}
    if not record["unit"]:
        problems.append(str(_l("缺少单位名称。")))
    if _kind(record["kind"]) is None:
        problems.append(str(_l("资源类型须是：场地、资金、志愿者、专业服务、设备物资。")))
    if not record["title"]:
        problems.append(str(_l("缺少资源名称。")))
    for key, limit in (("unit", 100), ("title", 100), ("quantity", 50), ("availability", 100), ("contact", 64)):
        if len(record[key]) > limit:
            problems.append(str(_l("“%(value)s…”太长。", value=record[key][:10])))
    if record["unit"] and record["unit"] not in known:  # a new unit: its contact is needed to register it
        if not record["contact"] or not PHONE_RE.match(record["phone"]):
            problems.append(str(_l("新单位须填写联系人和正确的联系电话。")))
        if row.get("registered_on") not in (None, "") and _day(row.get("registered_on")) is None:
            problems.append(str(_l("报到日期格式不对，请写成 2026-03-01。")))
    record["kind"] = _kind(record["kind"])
    record["registered_on"] = _day(row.get("registered_on"))
    return problems, record


def import_resources(community_id: int, stream, *, today: date) -> ImportResult:
    """All rows or none: the bad rows come back with their numbers and what is wrong."""
    result = ImportResult()
    parsed = read_rows(stream)
    if not parsed:
        raise RuleError(_l("表格中没有数据行。"), "file")
    units = {u.name: u for u in db.session.scalars(select(Unit).where(Unit.community_id == community_id))}
    valid = []
    known = set(units)  # grows with each new unit's first good row: its later rows need no contact again
    for number, row in parsed:
        problems, record = _check(row, known)
        if problems:
            result.errors.append(RowError(number, "；".join(problems)))
        else:
            valid.append(record)
            known.add(record["unit"])
    if result.errors:
        return result
    with db.session.begin_nested():
        for record in valid:
            unit = units.get(record["unit"])
            if unit is None:
                unit = Unit(community_id=community_id, name=record["unit"], contact_name=record["contact"],
                            contact_phone=record["phone"], registered_on=record["registered_on"] or today)
                db.session.add(unit)
                units[unit.name] = unit
                result.units += 1
            db.session.add(Resource(unit=unit, kind=record["kind"], title=record["title"],
                                    quantity=record["quantity"] or None, availability=record["availability"] or None))
            result.resources += 1
    return result
