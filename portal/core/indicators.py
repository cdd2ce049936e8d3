"""The shape of the figures a community is judged by: a reporting period, and the figures each module
computes for an area (a community or a whole street) over that period.

Modules register a provider with `core.modules.add_indicators(app, name, provider, order=)`;
`provider(area, period) -> Section | None` computes in SQL (no query per compound) and gives every
figure the link of the list behind it, filtered so that the list's count equals the figure. The
dashboards, the home pages and the monthly report all read the same sections, so a number can never
differ between them.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from flask_babel import gettext as _

from portal.core.clock import local_midnight
from portal.core.params import parse_day

#: a custom period longer than this is refused: the figures are for months and years, not decades
LONGEST_DAYS = 366 * 3


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    CUSTOM = "custom"


@dataclass(frozen=True)
class Period:
    """Local calendar days [first, last], both included; `start`/`end` are the UTC instants around them."""

    kind: PeriodKind
    first: date
    last: date

    @property
    def start(self) -> datetime:
        return local_midnight(self.first)

    @property
    def end(self) -> datetime:
        """Exclusive: local midnight after the last day."""
        return local_midnight(self.last + timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def contains(self, day: date) -> bool:
        return self.first <= day <= self.last

    @property
    def label(self) -> str:
        if self.kind == PeriodKind.MONTH:
            return _("%(year)d年%(month)d月", year=self.first.year, month=self.first.month)
        if self.kind == PeriodKind.QUARTER:
            return _("%(year)d年第%(quarter)d季度", year=self.first.year, quarter=(self.first.month - 1) // 3 + 1)
        if self.kind == PeriodKind.YEAR:
            return _("%(year)d年", year=self.first.year)
        return f"{self.first.isoformat()} – {self.last.isoformat()}"

    def args(self) -> dict[str, str]:
        """The query-string arguments that give this period back (links keep the period)."""
        if self.kind == PeriodKind.MONTH:
            return {"period": "month", "month": f"{self.first:%Y-%m}"}
        if self.kind == PeriodKind.QUARTER:
            return {"period": "quarter", "quarter": f"{self.first.year}-Q{(self.first.month - 1) // 3 + 1}"}
        if self.kind == PeriodKind.YEAR:
            return {"period": "year", "year": str(self.first.year)}
        return {"period": "custom", "from": self.first.isoformat(), "to": self.last.isoformat()}

    def day_args(self) -> dict[str, str]:
        """`from`/`to` as the lists' date filters take them."""
        return {"from": self.first.isoformat(), "to": self.last.isoformat()}

    def previous(self) -> Period:
        if self.kind == PeriodKind.MONTH:
            return month(self.first - timedelta(days=1))
        if self.kind == PeriodKind.QUARTER:
            return quarter(self.first - timedelta(days=1))
        if self.kind == PeriodKind.YEAR:
            return Period(PeriodKind.YEAR, date(self.first.year - 1, 1, 1), date(self.first.year - 1, 12, 31))
        return Period(PeriodKind.CUSTOM, self.first - timedelta(days=self.days), self.first - timedelta(days=1))


def month(day: date) -> Period:
    return Period(PeriodKind.MONTH, day.replace(day=1), day.replace(day=monthrange(day.year, day.month)[1]))


def quarter(day: date) -> Period:
    first_month = (day.month - 1) // 3 * 3 + 1
    last_month = first_month + 2
    return Period(PeriodKind.QUARTER, date(day.year, first_month, 1),
                  date(day.year, last_month, monthrange(day.year, last_month)[1]))


def _year_month(value: str) -> date | None:
    try:
        year, month_number = (int(part) for part in value.split("-"))
        return date(year, month_number, 1) if 2000 <= year <= 2100 else None
    except ValueError:
        return None


def _year_quarter(value: str) -> date | None:
    year, _sep, number = value.upper().partition("-Q")
    if not (year.isdigit() and number in {"1", "2", "3", "4"} and 2000 <= int(year) <= 2100):
        return None
    return date(int(year), (int(number) - 1) * 3 + 1, 1)


def parse_period(args, today: date) -> tuple[Period, str | None]:
    """The period a dashboard URL asks for, and a message when what it asked made no sense (then the
    current month is shown, and the message says why). Never raises: a URL is user input."""
    kind = args.get("period", "month")
    if kind == PeriodKind.MONTH:
        start = _year_month(args.get("month", "")) if args.get("month") else today
        return (month(start), None) if start else (month(today), _("月份格式应为 2026-10"))
    if kind == PeriodKind.QUARTER:
        start = _year_quarter(args.get("quarter", "")) if args.get("quarter") else today
        return (quarter(start), None) if start else (month(today), _("季度格式应为 2026-Q3"))
    if kind == PeriodKind.YEAR:
        year = args.get("year", str(today.year))
        if year.isdigit() and 2000 <= int(year) <= 2100:
            return Period(PeriodKind.YEAR, date(int(year), 1, 1), date(int(year), 12, 31)), None
        return month(today), _("年份格式应为 2026")
    if kind == PeriodKind.CUSTOM:
        first, last = parse_day(args.get("from")), parse_day(args.get("to"))
        if not first or not last:
            return month(today), _("请填写起止日期")
        if last < first:
            return month(today), _("结束日期不能早于开始日期")
        if (last - first).days > LONGEST_DAYS:
            return month(today), _("自定义时段最长三年")
        return Period(PeriodKind.CUSTOM, first, last), None
    return month(today), _("未知的时段类型")


@dataclass(frozen=True)
class Area:
    """What the figures are for: one community, a whole street (all its communities), or a property
    company (the compounds it serves under a contract current on the period's last day)."""

    kind: str  #: "community", "street" or "company"
    id: int
    name: str
    community_ids: tuple[int, ...]

    def args(self) -> dict[str, str]:
        """The lists' filter for this area (`community=`, `street=` or `company=`)."""
        return {self.kind: str(self.id)}


class Unit(StrEnum):
    COUNT = "count"
    PERCENT = "percent"  #: value is 0–100
    HOURS = "hours"
    SCORE = "score"  #: a 1–5 mean


@dataclass(frozen=True)
class Figure:
    """One indicator: `value` None means "no data" (a rate over nothing), never zero."""

    key: str
    label: str
    value: float | int | None
    unit: Unit = Unit.COUNT
    #: the list behind the figure, filtered; its count equals `value` (or the rate's numerator)
    link: str | None = None
    #: for rates: the part and the whole, shown as "12 / 15" and in the report
    part: int | None = None
    whole: int | None = None
    #: a target the figure should reach (90 for satisfaction); below it the figure is marked
    target: float | None = None

    @property
    def below_target(self) -> bool:
        return self.target is not None and self.value is not None and self.value < self.target

    @property
    def display(self) -> str:
        if self.value is None:
            return "—"
        if self.unit == Unit.PERCENT:
            return f"{self.value:.1f}%"
        if self.unit == Unit.HOURS:
            return _("%(hours).1f 小时", hours=self.value)
        if self.unit == Unit.SCORE:
            return f"{self.value:.2f}"
        return f"{self.value:,}"


@dataclass(frozen=True)
class Chart:
    """A breakdown drawn as a chart (server-side SVG, templates/_macros/charts.html) with its numbers as a
    table: "bars" (label, value) per row, or a "line" of values in time order, with an optional target."""

    kind: str  #: "bars" or "line"
    caption: str
    points: list[tuple[str, float | None]]
    target: float | None = None
    unit: str = "%"


@dataclass
class Section:
    """A module's block of figures, with an optional breakdown table (rows of label + values)."""

    key: str
    title: str
    figures: list[Figure]
    #: a breakdown: column headings and rows (label, count, part, share %, link); shown as a table
    columns: list[str] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)
    #: drawn above the table where set; rows whose share is below its target are marked
    chart: Chart | None = None
    #: how a rate moved over the period (a "line", one point a month or a campaign), with its numbers
    trend: Chart | None = None

    def figure(self, key: str) -> Figure:
        return next(f for f in self.figures if f.key == key)


@dataclass
class Sheet:
    """A module's rows for the monthly report: one worksheet, a heading per column."""

    title: str
    columns: list[str]
    rows: list[tuple]


def months_of(period: Period) -> list[tuple[int, int]]:
    """(year, month) of each calendar month the period touches, in order: a trend's points."""
    months, year, month = [], period.first.year, period.first.month
    while (year, month) <= (period.last.year, period.last.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def rate(part: int, whole: int) -> float | None:
    """A percentage with one decimal, or None when there is nothing to divide by."""
    return round(100.0 * part / whole, 1) if whole else None
