"""The monthly report (月报) as a spreadsheet, built in the background.

The request that asks for a report only queues a job (one row) and answers at once; a builder thread
started after the commit claims the job, computes every module's figures and rows (the same
providers as the figures page, so a cell can never differ from the page), writes progress as it goes
and stores the file with the job. The periodic task `dashboard.reports` builds any job whose thread
never ran (the process died, or another instance queued it) and gives up on one that keeps failing.
"""

from __future__ import annotations

import secrets
import threading
from datetime import date, datetime, timedelta
from io import BytesIO

from flask import Flask, current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import or_, select, update

from portal.core.clock import TZ, now_utc, today
from portal.core.indicators import Area, Period, Section, Unit, parse_period
from portal.core.kept_statements import plan_for_values
from portal.core.modules import registry
from portal.core.transaction import commit, on_commit, rollback
from portal.dashboard.models import JobStatus, ReportJob
from portal.extensions import db

#: a running job older than this is taken as lost (its builder died) and built again
LOST_AFTER = timedelta(minutes=10)
#: a job still queued this long after it was asked for is built by the periodic task
WAITING = timedelta(seconds=30)


def queue_report(user, area: Area, period: Period) -> ReportJob:
    """Queue the report of `area` for `period`; its builder starts once the request has committed."""
    job = ReportJob(id=secrets.token_hex(16), user_id=user.id, area_kind=area.kind, area_id=area.id,
                    period=period.args(), status=JobStatus.QUEUED, progress=0)
    db.session.add(job)
    db.session.flush()
    app = current_app._get_current_object()
    on_commit(lambda: start_builder(app, job.id))
    return job


def start_builder(app: Flask, job_id: str) -> None:
    """Build in a thread of this process: the user's request is not held, nor anyone else's. Under
    tests (REPORTS_INLINE) it builds at once, so a test sees the finished file."""
    if app.config.get("REPORTS_INLINE"):
        build(job_id)
        return
    thread = threading.Thread(target=_build_in_context, args=(app, job_id), name=f"report-{job_id[:8]}", daemon=True)
    thread.start()


def _build_in_context(app: Flask, job_id: str) -> None:
    with app.app_context():
        build(job_id)


def claim(job_id: str) -> bool:
    """Take the job: an UPDATE only one builder can win (a lost running job may be taken again)."""
    now = now_utc()
    won = db.session.execute(
        update(ReportJob).where(ReportJob.id == job_id, or_(
            ReportJob.status == JobStatus.QUEUED,
            (ReportJob.status == JobStatus.RUNNING) & (ReportJob.started_at < now - LOST_AFTER)))
        .values(status=JobStatus.RUNNING, started_at=now, progress=0)).rowcount == 1
    commit()
    return won


def build(job_id: str) -> None:
    """Claim and build one job; any failure is recorded on the job (the user sees it), never raised."""
    if not claim(job_id):
        return
    job = db.session.get(ReportJob, job_id)
    try:
        from portal.auth.models import User

        user = db.session.get(User, job.user_id)
        locale = (user.locale if user else None) or current_app.config["BABEL_DEFAULT_LOCALE"]
        # Providers link their figures to lists: URLs need a request context, even here.
        with current_app.test_request_context("/"), force_locale(locale):
            content, filename = workbook(job)
        job.content, job.filename = content, filename
        job.status, job.progress, job.finished_at = JobStatus.DONE, 100, now_utc()
        commit()
    except Exception as error:  # noqa: BLE001 — the job must end, and say why, whatever went wrong
        rollback()
        current_app.logger.exception("report %s failed", job_id)
        job = db.session.get(ReportJob, job_id)
        job.status, job.error, job.finished_at = JobStatus.FAILED, type(error).__name__, now_utc()
        commit()


def area_of(kind: str, area_id: int) -> Area:
    """The job's area, rebuilt without a user (the user was checked when the job was queued)."""
    from portal.orgs.models import Community, Organisation, Street

    if kind == "company":
        return Area("company", area_id, db.session.get(Organisation, area_id).name, ())
    if kind == "street":
        street = db.session.get(Street, area_id)
        ids = tuple(db.session.scalars(select(Community.id).where(Community.street_id == area_id).order_by(Community.id)))
        return Area("street", area_id, street.name, ids)
    community = db.session.get(Community, area_id)
    return Area("community", area_id, community.name, (area_id,))


def _progress(job: ReportJob, done: int, steps: int) -> None:
    job.progress = min(99, round(100 * done / steps))
    commit()


def workbook(job: ReportJob) -> tuple[bytes, str]:
    """The file: a summary sheet of every indicator, then one sheet per module's rows."""
    area = area_of(job.area_kind, job.area_id)
    period, _problem = parse_period(job.period, today())
    indicators, sheets = registry().indicators, registry().sheets
    steps = len(indicators) + len(sheets) + 1
    sections: list[Section] = []
    for done, (_order, _name, provider) in enumerate(indicators, start=1):
        plan_for_values()  # each step is a transaction of its own (its progress is committed)
        if (section := provider(area, period)) is not None:
            sections.append(section)
        _progress(job, done, steps)
    book = Workbook()
    summary = book.active
    summary.title = _("汇总")
    _summary_sheet(summary, area, period, sections)
    for done, (_order, _name, provider) in enumerate(sheets, start=len(indicators) + 1):
        plan_for_values()
        if (sheet := provider(area, period)) is not None:
            _rows_sheet(book.create_sheet(_sheet_title(sheet.title)), sheet.columns, sheet.rows)
        _progress(job, done, steps)
    out = BytesIO()
    book.save(out)
    span = f"{period.first:%Y%m}" if period.kind == "month" else f"{period.first:%Y%m%d}-{period.last:%Y%m%d}"
    filename = f"{area.name}-{span}.xlsx"
    return out.getvalue(), filename


def _sheet_title(title: str) -> str:
    """Excel allows 31 characters and none of []:*?/\\ in a sheet's name."""
    return "".join(ch for ch in title if ch not in "[]:*?/\\")[:31]


FORMATS = {Unit.PERCENT: "0.0%", Unit.HOURS: "0.0", Unit.SCORE: "0.00", Unit.COUNT: "#,##0"}


def _summary_sheet(sheet, area: Area, period: Period, sections: list[Section]) -> None:
    bold = Font(bold=True)
    sheet.append([_("%(area)s %(period)s 月报", area=area.name, period=period.label)])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([_("统计时段"), period.first.isoformat(), period.last.isoformat()])
    sheet.append([_("生成时间"), now_utc().astimezone(TZ).strftime("%Y-%m-%d %H:%M")])
    sheet.append([])
    sheet.append([_("指标"), _("数值"), _("分子"), _("分母"), _("目标"), _("代码")])
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    for section in sections:
        sheet.append([_plain(section.title)])
        sheet.cell(sheet.max_row, 1).font = bold
        for figure in section.figures:
            value = figure.value / 100 if figure.unit == Unit.PERCENT and figure.value is not None else figure.value
            target = figure.target / 100 if figure.target is not None else None
            sheet.append([_plain(figure.label), value, figure.part, figure.whole, target, figure.key])
            row = sheet.max_row
            sheet.cell(row, 2).number_format = FORMATS[figure.unit]
            if target is not None:
                sheet.cell(row, 5).number_format = "0%"
    sheet.column_dimensions["A"].width = 28
    for column in "BCDE":
        sheet.column_dimensions[column].width = 12
    sheet.column_dimensions["F"].width = 34


def _plain(value):
    """Numbers and dates as they are; anything else (a lazily translated label) as its text."""
    return value if value is None or isinstance(value, int | float | date | datetime) else str(value)


def _rows_sheet(sheet, columns: list[str], rows: list[tuple]) -> None:
    sheet.append([_plain(heading) for heading in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_plain(value) for value in row])
    sheet.freeze_panes = "A2"
    for index in range(len(columns)):
        sheet.column_dimensions[chr(ord("A") + index)].width = 16


def rebuild_waiting() -> int:
    """Periodic task: build the jobs no thread took (queued a while ago, or lost while running)."""
    now = now_utc()
    ids = list(db.session.scalars(select(ReportJob.id).where(or_(
        (ReportJob.status == JobStatus.QUEUED) & (ReportJob.created_at < now - WAITING),
        (ReportJob.status == JobStatus.RUNNING) & (ReportJob.started_at < now - LOST_AFTER)))))
    for job_id in ids:
        build(job_id)
    return len(ids)
