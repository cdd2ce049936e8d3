"""The monthly report (月报) as a street administrator gets it: the one click (POST), then the file
fetched when the builder thread has finished. Timed from the click to the file in hand."""

from __future__ import annotations

import re
import time
from datetime import date

from tests.ops.browser import Browser

POLL_SECONDS = 0.2
GIVE_UP_SECONDS = 1800
JOB = re.compile(r"/figures/reports/([0-9a-f]+)")


def previous_month(today: date) -> str:
    first = today.replace(day=1)
    return f"{first.year - (first.month == 1)}-{(first.month - 2) % 12 + 1:02d}"


def monthly_report(session: Browser, street_id: int) -> dict:
    """Seconds from the click to the downloaded .xlsx, and its size."""
    session.get(f"/figures/street/{street_id}")  # the page the button sits on: its CSRF token
    started = time.perf_counter()
    answer = session.post(f"/figures/street/{street_id}/report",
                          {"period": "month", "month": previous_month(date.today())})
    found = JOB.search(answer.location)
    if answer.status not in (303, 204) or not found:
        raise RuntimeError(f"report not queued: {answer.status} {answer.location!r}")
    while time.perf_counter() - started < GIVE_UP_SECONDS:
        response = session.get(f"/figures/reports/{found.group(1)}/file")
        if response.status == 200:
            return {"seconds": time.perf_counter() - started,
                    "kb": int(response.headers.get("content-length", 0)) / 1024}
        time.sleep(POLL_SECONDS)
    raise RuntimeError(f"report not built within {GIVE_UP_SECONDS} s")
