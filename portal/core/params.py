"""Reading ids and numbers from requests: anything that is not a plain, in-range number is None.

`str.isdigit()` accepts "²" and int() has no upper bound, so both turned junk into server errors.
"""

from datetime import date

from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # the largest value of an INTEGER key on PostgreSQL


def parse_id(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value <= MAX_ID else None
    text = (value or "").strip() if isinstance(value, str) else ""
    if not (text.isascii() and text.isdigit() and len(text) <= 10):
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def coerce_id(value):
    """WTForms coerce: an id, or ValueError (the field then says the choice is invalid)."""
    if value is None or value == "":
        return None
    number = parse_id(value)
    if number is None and value not in (0, "0"):
        raise ValueError("not an id")
    return number if number is not None else 0


class IdConverter(IntegerConverter):
    """`<int:...>` in URLs, bounded so a 30-digit id is simply not found (404)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def parse_day(value) -> date | None:
    """An ISO date from a query string (2026-05-03), within sane years; anything else is None."""
    try:
        day = date.fromisoformat((value or "").strip())
    except (TypeError, ValueError):
        return None
    return day if 2000 <= day.year <= 2100 else None
