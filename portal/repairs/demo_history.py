"""A year of past repair requests for the demo street, so that the figures' trends and the monthly
report have something to show: 15 to 40 requests a month per community, more in the heating season
and the rainy summer, nearly all closed, most of them rated by the resident who filed them.

The live stories in portal/repairs/demo.py go through the workflow services one step at a time
(about 17 ms a request). A year at that pace would take the demo past ten seconds, so the past is
written here in bulk instead: each request gets exactly the columns and the timeline the services
would have left — filed, assigned, accepted, resolved, then evaluated (reopened once when the first
rating was poor), or a phone return visit and the sweep's automatic close — with the same people
the services would have chosen (the compound's dispatcher and handlers, its residents or the staff
who file for others). No notices are sent: they would all be a year old.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from portal.core.clock import TZ
from portal.extensions import db
from portal.orgs.models import Role
from portal.repairs import permissions, services
from portal.repairs.models import CloseReason, Kind, RepairRequest, RequestEvent, ReturnVisit, Status

SEED = 20262
#: requests a month per community before the season's factor
MONTHLY = {"和平社区": 30, "光明社区": 22, "新华社区": 18}
#: the season's factor by calendar month: heating in winter, pipes and drains in the rainy summer,
#: a quiet Spring Festival
SEASON = {1: 1.25, 2: 0.8, 3: 0.9, 4: 0.95, 5: 1.0, 6: 1.2, 7: 1.4, 8: 1.3, 9: 1.0, 10: 0.9, 11: 1.15, 12: 1.3}
WINTER, SUMMER = {11, 12, 1, 2, 3}, {6, 7, 8}
HOUSEHOLD = ("water_power", "water_power", "sewer", "sewer", "other", "neighbour")
PUBLIC = ("elevator", "access", "parking", "charging", "sanitation", "greening", "road", "noise")
#: the live stories fill the last two months too; the past adds less there
LIVE_DAYS, LIVE_SHARE = 61, 0.75
#: a year ago: this share is resolved late and rated satisfied; both improve towards now
LATE = (0.16, 0.06)
HAPPY = (0.78, 0.93)


class _People:
    """Who files, dispatches and handles in each compound, looked up once per compound."""

    def __init__(self, demo):
        self.demo = demo
        self.cache: dict[int, tuple] = {}

    def of(self, compound):
        if compound.id not in self.cache:
            probe = RepairRequest(compound_id=compound.id, kind=Kind.HOUSEHOLD, escalation_level=0)
            dispatcher = self.demo.dispatcher(probe)
            handlers = permissions.handler_candidates(probe)
            staff = self.demo.with_roles(compound.id, permissions.FILE_FOR_OTHERS_ROLES)
            staff.sort(key=lambda u: (Role.GRID_WORKER not in self.demo.scope(u).roles_in(compound.id), u.id))
            level = permissions.responsible_level(probe)
            self.cache[compound.id] = (dispatcher, handlers, staff, level)
        return self.cache[compound.id]


def _months(now: datetime):
    """(first instant, end instant, calendar month) of the twelve months up to now, local time, clipped
    to the year before `now` and to three days ago (so that what was filed is closed by now)."""
    local = now.astimezone(TZ)
    first = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    start_limit, end_limit = now - timedelta(days=365), now - timedelta(days=3)
    months = []
    for back in range(12, -1, -1):
        year, month = first.year, first.month - back
        while month < 1:
            year, month = year - 1, month + 12
        begin = datetime(year, month, 1, tzinfo=TZ)
        end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=TZ)
        begin, end = max(begin, start_limit), min(end, end_limit)
        if begin < end:
            months.append((begin, end, month))
    return months


def _category(rng: random.Random, month: int) -> str:
    if month in WINTER and rng.random() < 0.3:
        return "heating"
    if month in SUMMER and rng.random() < 0.2:
        return rng.choice(("sewer", "water_power"))
    return rng.choice(HOUSEHOLD) if rng.random() < 0.55 else rng.choice(PUBLIC)


class _History:
    def __init__(self, demo, now: datetime):
        from portal.repairs.demo import COMMENTS_BAD, COMMENTS_GOOD, DESCRIPTIONS, PLACES, RESULTS

        self.demo, self.now, self.rng = demo, now, random.Random(SEED)
        self.words = (DESCRIPTIONS, PLACES, RESULTS, COMMENTS_GOOD, COMMENTS_BAD)
        self.people = _People(demo)
        self.hours: dict[tuple[str, str], int] = {}
        self.requests: list[dict] = []
        self.events: list[list[tuple]] = []  # per request: (at, actor id, action, from, to, note)
        self.visits: list[tuple[int, dict]] = []  # (index of the request, return visit)

    def sla(self, category: str, urgency: str) -> timedelta:
        if (category, urgency) not in self.hours:
            self.hours[category, urgency] = services.hours_for(category, urgency)
        return timedelta(hours=self.hours[category, urgency])

    def community_compounds(self) -> dict[str, list]:
        by_community: dict[str, list] = {}
        for compound in self.demo.compounds.values():
            if self.demo.households.get(compound.id):
                by_community.setdefault(compound.community.name, []).append(compound)
        return by_community

    def run(self) -> None:
        rng = self.rng
        year_ago = self.now - timedelta(days=365)
        for community, compounds in sorted(self.community_compounds().items()):
            weights = [len(self.demo.households[c.id]) for c in compounds]
            for begin, end, month in _months(self.now):
                share = (end - begin) / timedelta(days=30.4)
                live = LIVE_SHARE if community == "和平社区" and end > self.now - timedelta(days=LIVE_DAYS) else 1
                count = round(MONTHLY.get(community, 15) * SEASON[month] * share * live * rng.uniform(0.85, 1.15))
                for _ in range(count):
                    created = (begin + (end - begin) * rng.random()).astimezone(TZ)
                    created = created.replace(hour=rng.randint(7, 20), minute=rng.randint(0, 59))  # office hours
                    if not begin <= created < end:
                        continue
                    created = created.astimezone(UTC)  # stored as UTC: SQLite keeps the digits it is given
                    progress = (created - year_ago) / timedelta(days=365)
                    compound = rng.choices(compounds, weights=weights)[0]
                    self.one(compound, created, month, progress)

    def one(self, compound, created: datetime, month: int, progress: float) -> None:  # noqa: C901
        rng = self.rng
        descriptions, places, results, good, bad = self.words
        dispatcher, handlers, staff, level = self.people.of(compound)
        if dispatcher is None or not handlers or not staff:
            return
        category = _category(rng, month)
        public = category in PUBLIC
        urgency = rng.choice(("normal", "normal", "normal", "normal", "urgent", "emergency"))
        residents = self.demo.residents.get(compound.id, [])
        online = residents and rng.random() < 0.6
        row = {"compound_id": compound.id, "category": category, "kind": Kind.HOUSEHOLD, "kind_confirmed": False,
               "description": rng.choice(descriptions[category]), "urgency": urgency, "household_id": None,
               "place": None, "contact_name": None, "contact_phone": None, "requester_id": None,
               "escalation_level": 0, "reopen_count": 0, "version": 1}
        if public:
            row["place"] = rng.choice(places.get(category, ("小区公共区域",))).format(
                b=rng.randint(1, max(1, len(compound.buildings))))
        if online:
            user, household = rng.choice(residents)
            row.update(channel="online", requester_id=user.id, filed_by_id=user.id,
                       household_id=None if public else household.id)
        else:
            by = staff[0] if rng.random() < 0.6 else rng.choice(staff)
            row.update(filed_by_id=by.id, channel="patrol" if public and rng.random() < 0.6
                       else rng.choice(("phone", "phone", "walk_in")))
            if not public:
                household = rng.choice(self.demo.households[compound.id])
                row.update(household_id=household.id, contact_name=household.owner_name,
                           contact_phone=household.owner_phone)
        handler = handlers[0] if rng.random() < 0.5 else rng.choice(handlers)
        sla = self.sla(category, urgency)
        late = rng.random() < LATE[0] + (LATE[1] - LATE[0]) * progress
        assigned = created + sla * rng.uniform(0.02, 0.1)
        accepted = assigned + sla * rng.uniform(0.02, 0.15)
        resolved = created + sla * (rng.uniform(1.1, 2.2) if late else rng.uniform(0.3, 0.95))
        events = [(created, row["filed_by_id"], "filed", None, Status.SUBMITTED, None),
                  (assigned, dispatcher.id, "assigned", Status.SUBMITTED, Status.ASSIGNED, None),
                  (accepted, handler.id, "accepted", Status.ASSIGNED, Status.IN_PROGRESS, None)]
        row.update(handler_id=handler.id, due_at=created + sla, accepted_at=accepted, created_at=created)
        if late:
            flagged = created + sla + timedelta(minutes=10)
            row.update(overdue_flagged_at=flagged, escalation_level=min(2, level + 1))
            events += [(flagged, None, "overdue", Status.IN_PROGRESS, Status.IN_PROGRESS, None),
                       (flagged, None, "escalated", Status.IN_PROGRESS, Status.IN_PROGRESS, None)]
        note = rng.choice(results)
        events.append((resolved, handler.id, "resolved", Status.IN_PROGRESS, Status.RESOLVED, note))
        row.update(result_note=note, resolved_at=resolved, status=Status.CLOSED)
        happy = rng.random() < HAPPY[0] + (HAPPY[1] - HAPPY[0]) * progress - (0.25 if late else 0)
        if row["requester_id"] and rng.random() < 0.85:
            evaluated = resolved + timedelta(hours=rng.uniform(2, 60))
            if not happy and rng.random() < 0.5:  # not satisfied: reopened to the same handler, resolved again
                comment = rng.choice(bad)
                again = evaluated + timedelta(hours=rng.uniform(1, 6))
                resolved = again + sla * rng.uniform(0.2, 0.8)
                events += [(evaluated, row["requester_id"], "reopened", Status.RESOLVED, Status.ASSIGNED, comment),
                           (again, handler.id, "accepted", Status.ASSIGNED, Status.IN_PROGRESS, None),
                           (resolved, handler.id, "resolved", Status.IN_PROGRESS, Status.RESOLVED, note)]
                row.update(reopen_count=1, resolved_at=resolved, due_at=evaluated + sla)
                evaluated = resolved + timedelta(hours=rng.uniform(2, 48))
            rating = rng.choice((4, 5, 5, 5)) if happy else rng.choice((2, 3, 3))
            comment = rng.choice(good) if happy else None
            events.append((evaluated, row["requester_id"], "evaluated", Status.RESOLVED, Status.CLOSED, comment))
            row.update(rating=rating, speed_rating=max(1, min(5, rating + rng.choice((-1, 0, 0)))),
                       attitude_rating=rng.choice((4, 5)) if happy else 3, satisfied=True,
                       evaluation_comment=comment, evaluated_at=evaluated, closed_at=evaluated,
                       close_reason=CloseReason.EVALUATED)
        else:
            if row["channel"] in ("phone", "walk_in") and rng.random() < 0.6:
                visited = resolved + timedelta(hours=rng.uniform(4, 72))
                said = "电话回访，居民表示问题已解决。" if happy else "电话回访，居民表示效果一般。"
                events.append((visited, dispatcher.id, "return_visit", Status.RESOLVED, Status.RESOLVED, said))
                self.visits.append((len(self.requests), {"by_id": dispatcher.id, "at": visited,
                                                         "satisfied": happy, "note": said}))
            closed = resolved + services.AUTO_CLOSE_AFTER + timedelta(minutes=10)
            events.append((closed, None, "auto_closed", Status.RESOLVED, Status.CLOSED, None))
            row.update(closed_at=closed, close_reason=CloseReason.NOT_EVALUATED)
        if row["closed_at"] > self.now - timedelta(hours=1):
            if self.visits and self.visits[-1][0] == len(self.requests):
                self.visits.pop()
            return  # it would not be closed yet: the live stories show what is open now
        row["updated_at"] = row["closed_at"]
        self.requests.append(row)
        self.events.append(sorted(events, key=lambda e: e[0]))

    def write(self) -> int:
        """Three bulk inserts: the requests (their ids back in order), their timelines, the return visits."""
        columns = set().union(*self.requests) if self.requests else set()
        rows = [{column: row.get(column) for column in columns} for row in self.requests]
        ids = list(db.session.scalars(insert(RepairRequest).returning(RepairRequest.id, sort_by_parameter_order=True),
                                      rows)) if rows else []
        events = [{"request_id": request_id, "at": at, "actor_id": actor, "action": action, "from_status": before,
                   "to_status": after, "note": note}
                  for request_id, timeline in zip(ids, self.events, strict=True)
                  for at, actor, action, before, after, note in timeline]
        if events:
            db.session.execute(insert(RequestEvent), events)
        visits = [{"request_id": ids[index], **visit} for index, visit in self.visits]
        if visits:
            db.session.execute(insert(ReturnVisit), visits)
        return len(ids)


def load_history(demo, now: datetime) -> int:
    """Write a year of closed requests for the demo street; returns how many."""
    history = _History(demo, now)
    history.run()
    return history.write()

