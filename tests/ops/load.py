"""Mixed load as the demo roles make it, and the check that every acknowledged write was kept.

N clients, each a `Browser` logged in as a demo account, work for T seconds without pause: residents
file requests (some with a photo), look at their queue and rate what was resolved; the property manager
dispatches; the repairman accepts and resolves (sometimes with a photo); committee members, community
workers and the street read the home page, the queues, the board and request pages. Several clients
share one account, so two dispatchers racing for one request happen all the time.

A write is acknowledged when its POST answers 303 (or HX-Location). Each acknowledgement is noted
with what identifies it — the request id in the redirect, a unique description — and afterwards
`verify` looks for every one of them in the database, and checks that no request, timeline entry or
photo is half there.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

from portal.demo import DEMO_PASSWORD
from tests.ops.browser import Browser, Response

READERS = ("demo_street", "demo_secretary", "demo_committee", "demo_worker", "demo_grid", "demo_owners")
#: one client in ten of each: 4 residents, 2 repairmen, 2 dispatchers, 2 readers
ROLES = ("resident", "staff", "manager", "resident", "reader", "resident", "staff", "manager", "resident", "reader")
HOUSEHOLD_CATEGORIES = ("water_power", "heating", "sewer", "elevator", "access", "sanitation", "greening", "other")
STALE = "刚被其他人处理过"
#: the timeline entries an acknowledged step leaves (a dispatch of an assigned request is a transfer)
EVENTS = {"assigned": ("assigned", "transferred")}
REQUEST_ID = re.compile(r"/repairs/(\d+)$")
QUEUE_IDS = re.compile(r'<tr data-request="(\d+)"')
FORM = re.compile(r'<form[^>]*\bid="action-(\w+)"[^>]*>(.*?)</form>', re.S)
VERSION = re.compile(r'name="version"[^>]*value="(\d*)"')
OPTION = re.compile(r'<option[^>]*value="(\d+)"')
HOME = re.compile(r'name="location"[^>]*value="(h:\d+)"|value="(h:\d+)"[^>]*name="location"')
MAX_REQUESTS_PER_CLIENT = 20_000  # a bound besides the clock


def photo_bytes(seed: int = 0) -> bytes:
    """A small JPEG (what a phone sends, only smaller)."""
    from PIL import Image

    image = Image.new("RGB", (320, 240), ((seed * 37) % 256, 120, 90))
    out = BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


@dataclass
class Ack:
    """An acknowledged write: `action` is the timeline entry it must have left on `request_id`."""

    action: str
    request_id: int
    description: str | None = None
    photos: int = 0
    base: str = ""


@dataclass
class Stats:
    started: float = 0.0
    ended: float = 0.0
    latencies: list[float] = field(default_factory=list)
    by_route: dict[str, list[float]] = field(default_factory=dict)
    statuses: Counter = field(default_factory=Counter)
    server_errors: list[tuple[int, str, str]] = field(default_factory=list)  # (status, method path, base)
    unavailable: list[tuple[float, str]] = field(default_factory=list)  # 503s: (time, path)
    failures: list[tuple[float, str, str]] = field(default_factory=list)  # (time, path, exception)
    acks: list[Ack] = field(default_factory=list)
    odd: Counter = field(default_factory=Counter)  # 4xx other than a refusal: (status, route)
    conflicts: int = 0
    refused: int = 0
    logins: int = 0
    login_seconds: float = 0.0
    login_p50: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, method: str, path: str, response: Response, base: str) -> None:
        with self.lock:
            self.latencies.append(response.seconds)
            route = f"{method} {re.sub(r'[0-9]+', '{id}', path.split('?')[0])}"
            self.by_route.setdefault(route, []).append(response.seconds)
            self.statuses[response.status] += 1
            if response.status == 503:
                self.unavailable.append((time.monotonic(), path))
            elif response.status >= 500:
                self.server_errors.append((response.status, f"{method} {path}", base))
            elif response.status >= 400 and response.status not in (409, 422):
                self.odd[(response.status, route)] += 1

    def fail(self, path: str, error: BaseException) -> None:
        with self.lock:
            self.failures.append((time.monotonic(), path, f"{type(error).__name__}: {error}"))

    @property
    def requests(self) -> int:
        return len(self.latencies)

    @property
    def seconds(self) -> float:
        return max(self.ended - self.started, 1e-9)

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]

    def routes(self) -> str:
        """p50/p95 per route, slowest first."""
        rows = []
        for route, times in self.by_route.items():
            ordered = sorted(times)
            p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
            rows.append((p95, f"  {route:<34} {len(times):>6} {1000 * ordered[len(ordered) // 2]:>8.0f} {1000 * p95:>8.0f}"))
        header = f"  {'route':<34} {'count':>6} {'p50 ms':>8} {'p95 ms':>8}"
        return "\n".join([header, *(line for _p, line in sorted(rows, reverse=True))])

    def acked(self) -> Counter:
        return Counter(a.action for a in self.acks)

    def summary(self, label: str = "") -> str:
        five = sum(n for s, n in self.statuses.items() if s >= 500)
        lines = [
            f"{label}requests {self.requests} in {self.seconds:.1f} s = {self.requests / self.seconds:.1f} req/s; "
            f"p50 {1000 * self.percentile(50):.0f} ms, p95 {1000 * self.percentile(95):.0f} ms, "
            f"p99 {1000 * self.percentile(99):.0f} ms, max {1000 * max(self.latencies, default=0):.0f} ms",
            f"{label}statuses {dict(sorted(self.statuses.items()))}; 5xx {five} (503 {len(self.unavailable)}); "
            f"no answer {len(self.failures)}; refused {self.refused} (of which conflicts {self.conflicts})",
            f"{label}acknowledged writes {len(self.acks)}: {dict(sorted(self.acked().items()))}",
            f"{label}before that, {self.logins} logins in {self.login_seconds:.1f} s (p50 {1000 * self.login_p50:.0f} ms)"
            + (f"; other 4xx {dict(self.odd)}" if self.odd else ""),
        ]
        return "\n".join(lines)


class Client:
    """One simulated person: a role, a browser, a random stream of actions."""

    def __init__(self, run: LoadRun, number: int, base: str):
        self.run, self.number, self.base = run, number, base
        self.role = ROLES[number % len(ROLES)]
        self.login = {"resident": "demo_resident", "staff": "demo_staff", "manager": "demo_manager"}.get(
            self.role) or READERS[number % len(READERS)]
        self.browser = Browser(base, timeout=run.timeout)
        self.rng = random.Random(f"{run.tag}-{number}")
        self.sent = 0
        self.stats = run.login_stats  # the timed phase's figures start after everyone has logged in

    # --- plumbing ---

    def _do(self, method: str, path: str, **kwargs) -> Response | None:
        """One request, recorded; None when it got no answer (connection refused or dropped) or was a 503."""
        self.sent += 1
        try:
            if method == "GET":
                response = self.browser.get(path, headers=kwargs.get("headers"))
            else:
                response = self.browser.post(path, kwargs["fields"], files=kwargs.get("files"))
        except Exception as error:  # noqa: BLE001 - every failure is counted and reported
            self.stats.fail(path, error)
            self.browser.close()
            time.sleep(0.2)
            return None
        self.stats.record(method, path, response, self.base)
        if response.status == 503:
            time.sleep(min(float(response.headers.get("retry-after", "1") or 1), 2.0))
            return None
        return response

    def get(self, path: str, **kwargs) -> Response | None:
        return self._do("GET", path, **kwargs)

    def post(self, path: str, fields: dict, files=None) -> Response | None:
        return self._do("POST", path, fields=fields, files=files)

    def _ack(self, response: Response | None, action: str, request_id: int | None = None, **details) -> bool:
        if response is None:
            return False
        if response.status in (303, 204) and response.location:
            match = REQUEST_ID.search(response.location.split("?")[0])
            rid = int(match.group(1)) if match else request_id
            if rid is None:
                raise AssertionError(f"acknowledged {action} without a request id: {response.location}")
            with self.stats.lock:
                self.stats.acks.append(Ack(action, rid, base=self.base, **details))
            return True
        if response.status < 500:
            with self.stats.lock:
                self.stats.refused += 1
                self.stats.conflicts += STALE in response.text or response.status == 409
        return False

    def _pick(self, path: str) -> int | None:
        page = self.get(path)
        ids = QUEUE_IDS.findall(page.text) if page is not None and page.status == 200 else []
        return int(self.rng.choice(ids)) if ids else None

    def _form(self, request_id: int, step: str) -> tuple[str | None, str] | None:
        """The step's form on the request page: (version, form html), or None if not offered."""
        page = self.get(f"/repairs/{request_id}")
        if page is None or page.status != 200:
            return None
        for name, body in FORM.findall(page.text):
            if name == step:
                version = VERSION.search(body)
                return (version.group(1) if version else None), body
        return None

    # --- the roles ---

    def log_in(self) -> bool:
        for _attempt in range(5):
            try:
                response = self.browser.login(self.login, DEMO_PASSWORD)
            except Exception as error:  # noqa: BLE001
                self.stats.fail("/auth/login", error)
                self.browser.close()
                time.sleep(0.5)
                continue
            self.stats.record("POST", "/auth/login", response, self.base)
            if response.status == 303:
                self.get("/")  # the home page, and a CSRF token of this session
                return True
            time.sleep(0.5)
        return False

    def step(self) -> None:
        getattr(self, f"_{self.role}")()

    def _resident(self) -> None:
        roll = self.rng.random()
        if roll < 0.35:
            self._file()
        elif roll < 0.55:
            self._rate()
        else:
            self._read(("/", "/repairs/", "/repairs/?mine=requester", "/repairs/board", "/my-home"))

    def _file(self) -> None:
        page = self.get("/repairs/new")
        homes = [a or b for a, b in HOME.findall(page.text)] if page is not None and page.status == 200 else []
        if not homes:
            return
        description = f"[{self.run.tag}:{self.number}:{self.sent}] 厨房水管漏水，请尽快上门查看。"
        fields = {"location": homes[0], "category": self.rng.choice(HOUSEHOLD_CATEGORIES),
                  "description": description, "urgency": "normal", "place": ""}
        files = None
        if self.rng.random() < self.run.photo_share:
            files = {"photos": (f"leak-{self.number}.jpg", self.run.photo)}
        response = self.post("/repairs/new", fields, files=files or {"photos": ("", b"")})
        self._ack(response, "filed", description=description, photos=1 if files else 0)

    def _rate(self) -> None:
        rid = self._pick("/repairs/?status=resolved&mine=requester")
        form = rid and self._form(rid, "evaluate")
        if not form:
            return
        satisfied = self.rng.random() < 0.85
        fields = {"version": form[0] or "", "satisfied": "1" if satisfied else "0", "rating": "5" if satisfied else "2",
                  "speed_rating": "4", "attitude_rating": "5", "comment": "" if satisfied else "还是漏水，请再来看看。"}
        self._ack(self.post(f"/repairs/{rid}/evaluate", fields), "evaluated" if satisfied else "reopened", rid)

    def _manager(self) -> None:
        if self.rng.random() < 0.6:
            rid = self._pick("/repairs/?status=submitted")
            form = rid and self._form(rid, "assign")
            if not form:
                return
            handlers = OPTION.findall(form[1])
            if not handlers:
                return
            fields = {"version": form[0] or "", "handler_id": self.rng.choice(handlers), "note": ""}
            self._ack(self.post(f"/repairs/{rid}/assign", fields), "assigned", rid)
        else:
            self._read(("/", "/repairs/", "/repairs/?overdue=1", "/repairs/?status=in_progress"))

    def _staff(self) -> None:
        roll = self.rng.random()
        if roll < 0.4:
            rid = self._pick("/repairs/?status=assigned&mine=handler")
            form = rid and self._form(rid, "accept")
            if form:
                self._ack(self.post(f"/repairs/{rid}/accept", {"version": form[0] or ""}), "accepted", rid)
        elif roll < 0.8:
            rid = self._pick("/repairs/?status=in_progress&mine=handler")
            form = rid and self._form(rid, "resolve")
            if not form:
                return
            files = None
            if self.rng.random() < self.run.photo_share:
                files = {"photos": (f"done-{self.number}.jpg", self.run.photo)}
            fields = {"version": form[0] or "", "note": f"[{self.run.tag}] 已更换阀门，试水正常。"}
            response = self.post(f"/repairs/{rid}/resolve", fields, files=files or {"photos": ("", b"")})
            self._ack(response, "resolved", rid, photos=1 if files else 0)
        else:
            self._read(("/", "/repairs/?mine=handler"))

    def _reader(self) -> None:
        self._read(("/", "/repairs/", "/repairs/board", "/repairs/?status=submitted", "/notifications/"))

    def _read(self, pages: tuple[str, ...]) -> None:
        path = self.rng.choice(pages)
        if path.startswith("/repairs/?") and self.rng.random() < 0.5:  # the filter form, as htmx asks for it
            page = self.get(path, headers={"HX-Request": "true", "X-Block": "results"})
        else:
            page = self.get(path)
        ids = QUEUE_IDS.findall(page.text) if page is not None and page.status == 200 else []
        if ids and self.rng.random() < 0.5:
            self.get(f"/repairs/{self.rng.choice(ids)}")


class LoadRun:
    """`clients` browsers spread over `bases` (one or more instances), working for `seconds`."""

    def __init__(self, bases: list[str], clients: int, seconds: float, *, tag: str = "load",
                 photo_share: float = 0.2, timeout: float = 60):
        self.bases, self.clients, self.seconds = bases, clients, seconds
        self.tag, self.photo_share, self.timeout = tag, photo_share, timeout
        self.photo = photo_bytes()
        self.stats = Stats()
        self.login_stats = Stats()
        self.stop = threading.Event()

    def run(self, during=None) -> Stats:
        """Log everyone in, then work for `seconds`; `during(run)` runs meanwhile in this thread (faults)."""
        people = [Client(self, n, self.bases[n % len(self.bases)]) for n in range(self.clients)]
        started = time.monotonic()
        logged = self._parallel(people, lambda c: c.log_in())
        self.stats.logins = sum(bool(x) for x in logged)
        self.stats.login_seconds = time.monotonic() - started
        self.stats.login_p50 = sorted(self.login_stats.by_route.get("POST /auth/login", [0]))[
            len(self.login_stats.by_route.get("POST /auth/login", [0])) // 2]
        for client in people:
            client.stats = self.stats
        self.deadline = time.monotonic() + self.seconds
        self.stats.started = time.monotonic()
        threads = [threading.Thread(target=self._work, args=(c,), daemon=True) for c in people]
        for thread in threads:
            thread.start()
        try:
            if during is not None:
                during(self)
        finally:
            for thread in threads:
                thread.join(self.seconds + 2 * self.timeout + 30)
            self.stats.ended = time.monotonic()
            for client in people:
                client.browser.close()
        return self.stats

    def _work(self, client: Client) -> None:
        while time.monotonic() < self.deadline and not self.stop.is_set() and client.sent < MAX_REQUESTS_PER_CLIENT:
            try:
                client.step()
            except Exception as error:  # noqa: BLE001 - a bug in the script must not hide the figures
                self.stats.fail(f"script:{client.role}", error)
                time.sleep(0.1)

    @staticmethod
    def _parallel(people, action) -> list:
        results = [None] * len(people)

        def one(i):
            results[i] = action(people[i])

        threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(len(people))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(300)
        return results


# --- afterwards: is every acknowledged write there, and nothing half there? --------------------------

@dataclass
class Verdict:
    acked: int
    found: int
    missing: list[str]
    broken: list[str]  # requests, events or photos half there
    orphan_files: list[str]
    requests: int = 0
    events: int = 0
    photos: int = 0
    files: int = 0

    @property
    def ok(self) -> bool:
        return not (self.missing or self.broken or self.orphan_files)

    def summary(self, label: str = "") -> str:
        return (f"{label}acknowledged writes found {self.found}/{self.acked}; missing {len(self.missing)}; "
                f"half-written {len(self.broken)}; photo files without a row {len(self.orphan_files)} "
                f"(database: {self.requests} requests, {self.events} timeline entries, {self.photos} photos; "
                f"{self.files} files)")


def database_counts(database_url: str, upload_folder: Path) -> dict[str, int]:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            counts = {name: conn.execute(text(f"SELECT count(*) FROM {name}")).scalar_one()
                      for name in ("repair_request", "request_event", "request_photo")}
    finally:
        engine.dispose()
    counts["files"] = len(list(Path(upload_folder).glob("*"))) if Path(upload_folder).exists() else 0
    return counts


def verify(database_url: str, upload_folder: Path, acks: list[Ack], tag: str) -> Verdict:
    """Every acknowledgement in the database; every request of this run filed whole (its row, its
    'filed' entry and its photos, each photo with its file); no photo file without its row."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            described = dict(conn.execute(text(
                "SELECT id, description FROM repair_request WHERE description LIKE :tag"), {"tag": f"[{tag}:%"}).all())
            events: Counter = Counter()
            for rid, action, n in conn.execute(text(
                    "SELECT request_id, action, count(*) FROM request_event GROUP BY request_id, action")).all():
                events[(rid, action)] += n
                for acked, kinds in EVENTS.items():
                    if action in kinds and action != acked:
                        events[(rid, acked)] += n
            photos = conn.execute(text("SELECT request_id, stage, stored_name, size_bytes FROM request_photo")).all()
            totals = {name: conn.execute(text(f"SELECT count(*) FROM {name}")).scalar_one()
                      for name in ("repair_request", "request_event", "request_photo")}
    finally:
        engine.dispose()
    photo_count = Counter((r, s) for r, s, _name, _size in photos)
    stored = {name for _r, _s, name, _size in photos}
    on_disk = {p.name for p in Path(upload_folder).glob("*")} if Path(upload_folder).exists() else set()

    wanted: Counter = Counter((a.request_id, a.action) for a in acks)
    missing = [f"filed #{a.request_id} ({a.description}) not in the database" for a in acks
               if a.action == "filed" and described.get(a.request_id) != a.description]
    missing += [f"{action} #{rid}: acknowledged {n}x, the timeline has {events[(rid, action)]}"
                for (rid, action), n in sorted(wanted.items()) if events[(rid, action)] < n]
    found = sum(min(n, events[key]) for key, n in wanted.items()) - sum(
        1 for a in acks if a.action == "filed" and events[(a.request_id, "filed")]
        and described.get(a.request_id) != a.description)
    wanted_photos: Counter = Counter()
    for a in acks:
        if a.photos:
            wanted_photos[(a.request_id, "filing" if a.action == "filed" else "result")] += a.photos
    missing += [f"photos of #{rid} ({stage}): acknowledged {n}, found {photo_count[(rid, stage)]}"
                for (rid, stage), n in sorted(wanted_photos.items()) if photo_count[(rid, stage)] < n]

    broken = [f"request #{rid} has {events[(rid, 'filed')]} 'filed' entries" for rid in described
              if events[(rid, "filed")] != 1]
    folder = Path(upload_folder)
    broken += [f"photo {name} of #{rid} has no file" for rid, _s, name, _size in photos if name not in on_disk]
    broken += [f"photo {name} of #{rid} is cut short" for rid, _s, name, size in photos
               if name in on_disk and (folder / name).stat().st_size != size]
    orphans = sorted(on_disk - stored)
    return Verdict(acked=len(acks), found=max(found, 0), missing=missing, broken=broken, orphan_files=orphans,
                   requests=totals["repair_request"], events=totals["request_event"], photos=totals["request_photo"],
                   files=len(on_disk))


def report(label: str, stats: Stats, verdict: Verdict | None = None) -> str:
    text = stats.summary(f"[{label}] ")
    if verdict is not None:
        text += "\n" + verdict.summary(f"[{label}] ")
    if stats.server_errors:
        text += f"\n[{label}] first server errors: {stats.server_errors[:5]}"
    if stats.failures:
        text += f"\n[{label}] first failures: {stats.failures[:3]}"
    return text

