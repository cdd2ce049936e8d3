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
    """The start of a local day, as an aware datetime in UTC (for "created on or after" filters).

    In UTC because that is how times are stored: SQLite keeps the wall-clock digits of what it is
    given, so a Shanghai-time bound compared with stored UTC times would be eight hours off there
    (PostgreSQL's timestamptz compares instants either way)."""
    return datetime.combine(day, time.min, TZ).astimezone(UTC)


#: the numeric patterns the templates use, as strftime: the same text in every language, so Babel's
#: pattern parsing (about 40 times a list page) is not needed for them
NUMERIC_PATTERNS = {"yyyy-MM-dd HH:mm": "%Y-%m-%d %H:%M", "yyyy-MM-dd HH:mm:ss": "%Y-%m-%d %H:%M:%S",
                    "yyyy-MM-dd": "%Y-%m-%d", "MM-dd HH:mm": "%m-%d %H:%M", "MM-dd": "%m-%d", "HH:mm": "%H:%M"}


def local_numeric(value: datetime, pattern: str) -> str | None:
    """`value` in Shanghai time in one of NUMERIC_PATTERNS, or None for anything else (Babel's turn)."""
    if type(value) is not datetime or pattern not in NUMERIC_PATTERNS:
        return None
    return aware(value).astimezone(TZ).strftime(NUMERIC_PATTERNS[pattern])
