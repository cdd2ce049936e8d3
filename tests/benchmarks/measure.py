"""Bursts: a few concurrent keep-alive clients asking one URL as fast as they can for S seconds.
Each client is a tests/ops `Browser` carrying the cookies of a logged-in session, so the portal
sees the role's real page; hello and Flask-Admin get the same clients without cookies."""

from __future__ import annotations

import gzip
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from tests.ops.browser import Browser

CLIENTS = 4
HTMX = {"HX-Request": "true"}


@dataclass
class Burst:
    """What one burst saw: each answer's seconds, the wall time, and the last answer's facts."""

    latencies: list[float] = field(default_factory=list)
    wall: float = 0.0
    errors: list[str] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    raw_bytes: int = 0
    gzip_bytes: int = 0

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.wall if self.wall else 0.0


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of `values`; 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))  # ceil(n·p/100), at least the first
    return ordered[int(min(rank, len(ordered))) - 1]


def clone(browser: Browser) -> Browser:
    """Another connection with the same session (cookies), as a second tab would have."""
    twin = Browser(browser.base, timeout=browser.timeout)
    twin.cookies = dict(browser.cookies)
    twin.csrf = browser.csrf
    return twin


def burst(session: Browser, path: str, seconds: float, headers: dict | None = None,
          clients: int = CLIENTS) -> Burst:
    """`clients` clones of `session` GET `path` without pause for `seconds`; errors are kept, not raised."""
    result = Burst()
    lock = threading.Lock()
    twins = [clone(session) for _ in range(clients)]
    deadline = time.perf_counter() + seconds

    def work(client: Browser) -> None:
        while time.perf_counter() < deadline:
            try:
                response = client.get(path, headers=headers)
            except Exception as error:  # noqa: BLE001 — counted and printed, the burst goes on
                with lock:
                    result.errors.append(f"{type(error).__name__}: {error}")
                continue
            with lock:
                if response.status != 200:
                    result.errors.append(f"{response.status} {path}")
                    continue
                result.latencies.append(response.seconds)
                if "x-queries" in response.headers:
                    result.queries.append(int(response.headers["x-queries"]))
                if not result.raw_bytes:
                    body = response.text.encode()
                    result.raw_bytes, result.gzip_bytes = len(body), len(gzip.compress(body))

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(work, twins))
    result.wall = time.perf_counter() - started
    for twin in twins:
        twin.close()
    return result


def merge(bursts: list[Burst]) -> Burst:
    """The rounds of one page as one sample: latencies pooled, throughput over the summed wall time."""
    total = Burst()
    for one in bursts:
        total.latencies += one.latencies
        total.wall += one.wall
        total.errors += one.errors
        total.queries += one.queries
        total.raw_bytes = total.raw_bytes or one.raw_bytes
        total.gzip_bytes = total.gzip_bytes or one.gzip_bytes
    return total
