"""The key pages of issue 11 and the dashboards of issue 13, each for the role that lives on it, the
htmx fragments the queue asks for, and how the ids in their URLs are found on the served site."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tests.benchmarks.measure import HTMX
from tests.ops.browser import Browser

LOGINS = ("demo_manager", "demo_street", "demo_worker", "demo_resident", "demo_secretary")
FRAGMENT = {**HTMX, "X-Block": "results"}  # the queue's paging and search swap its "results" block


@dataclass(frozen=True)
class Page:
    name: str
    login: str
    path: str  #: with {request}, {community}, {street} filled from `discover`
    headers: tuple[tuple[str, str], ...] = ()
    admin: bool = False  #: a queue: compared with Flask-Admin's list of the same table

    def url(self, ids: dict[str, int]) -> str:
        return self.path.format(**ids)


PAGES = (
    Page("queue, manager", "demo_manager", "/repairs/", admin=True),
    Page("queue, street", "demo_street", "/repairs/", admin=True),
    Page("queue, worker", "demo_worker", "/repairs/", admin=True),
    Page("queue p2 (htmx), manager", "demo_manager", "/repairs/?page=2", tuple(FRAGMENT.items())),
    Page("queue p2 (htmx), street", "demo_street", "/repairs/?page=2", tuple(FRAGMENT.items())),
    Page("queue search (htmx), manager", "demo_manager", "/repairs/?q=%E6%B0%B4", tuple(FRAGMENT.items())),
    Page("request page", "demo_manager", "/repairs/{request}"),
    Page("public board", "demo_resident", "/repairs/board"),
    Page("community page", "demo_secretary", "/communities/{community}"),
    Page("street home", "demo_street", "/"),
    Page("communities", "demo_street", "/communities"),
    Page("street dashboard", "demo_street", "/figures/street/{street}"),
    Page("community dashboard", "demo_secretary", "/figures/community/{community}"),
)


def _first(pattern: str, browser: Browser, path: str) -> int:
    response = browser.get(path)
    found = re.search(pattern, response.location + " " + response.text)
    if not found:
        raise RuntimeError(f"{path}: no match for {pattern!r} (status {response.status})")
    return int(found.group(1))


def discover(sessions: dict[str, Browser], earlier: dict | None = None) -> dict[str, int]:
    """The ids the pages need: the newest request in the manager's queue, the secretary's community,
    the street administrator's street. With `earlier` (the demo's ids, at city scale: the city holds
    the demo community), the same request when the manager still opens it, so its page is compared
    with itself and not with a request in another state, which offers other steps and statements."""
    if earlier and sessions["demo_manager"].get(f"/repairs/{earlier['request']}").status == 200:
        request = earlier["request"]
    else:
        request = _first(r'data-request="(\d+)"', sessions["demo_manager"], "/repairs/")
    return {"request": request,
            "community": _first(r"/figures/community/(\d+)", sessions["demo_secretary"], "/figures/"),
            "street": _first(r"/figures/street/(\d+)", sessions["demo_street"], "/figures/")}
