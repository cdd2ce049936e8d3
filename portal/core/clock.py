"""The one home for time: "now" is an aware UTC datetime, "today" is the local day in Asia/Shanghai.

Stored datetimes are UTC; SQLite hands them back naive, so `aware()` puts the zone back before any
comparison. Dates people type or read ("created on 3 May", "contract ends 30 June") are local days.
"""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")


def now_utc() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    """The local calendar day (a contract ending "today" is still current until local midnight)."""
    return datetime.now(TZ).date()


def aware(value: datetime | None) -> datetime | None:
    """A stored datetime with its UTC zone back (SQLite returns naive UTC)."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def local_midnight(day: date) -> datetime:
    """The start of a local day, as an aware datetime (for "created on or after" filters)."""
    return datetime.combine(day, time.min, TZ)
