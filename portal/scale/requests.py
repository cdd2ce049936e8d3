"""A year of repair requests across the city, with their timelines, photos rows and notifications.

Requests are spread over the last 12 months in filing order (ids grow with time) and over compounds
by their number of households. Each one's story is decided by its age: nearly all older ones are
closed (rated by the resident, or closed unrated by the sweep after 7 days), while the newest are
still waiting for dispatch, assigned, in progress or on hold; open ones past their deadline were
flagged and escalated as the sweep does, so running the sweep afterwards finds nothing to do.
Who files, dispatches and handles follows the permission rules: residents for their own homes or
public areas of their compound, grid workers and property staff on patrol or after a phone call, the
compound's current property company at the property level, the community's committees at the
community level, the street's administrators for 难事.

Rows are written in chunks through `Bulk`; everything the stories need is read from the database once
(the demo's compounds and people included), so the demo street's requests follow the same rules.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import force_locale
from sqlalchemy import Connection, select

from portal.auth.models import User
from portal.notifications.models import Notification
from portal.orgs.models import (
    Building,
    Community,
    Compound,
    Household,
    HouseholdMember,
    Organisation,
    OrgKind,
    Position,
    Relation,
    Role,
    ServiceContract,
)
from portal.orgs.permissions import COMMUNITY_ROLES
from portal.repairs.demo import COMMENTS_BAD, COMMENTS_GOOD, DESCRIPTIONS, HOLD_REASONS, PLACES, RESULTS
from portal.repairs.labels import KIND_LABELS
from portal.repairs.models import Kind, Level, RepairRequest, RequestEvent, RequestPhoto, Status
from portal.repairs.services import DEFAULT_HOURS, SUGGESTED_KIND, summary
from portal.scale.bulk import Bulk
from portal.scale.names import Names

#: what a city's requests are about (shares in %); the category suggests the kind (个事/社事/专事)
CATEGORY_SHARES = {"water_power": 20, "heating": 6, "sewer": 12, "elevator": 8, "access": 6, "parking": 8,
                   "charging": 4, "sanitation": 8, "greening": 4, "road": 4, "noise": 5, "neighbour": 4, "other": 11}
#: categories about a home (the rest are about a public area: a place instead of a household)
AT_HOME = {"water_power", "heating", "sewer", "neighbour", "other"}
URGENCY_SHARES = {"normal": 75, "urgent": 20, "emergency": 5}
#: mean hours of work from acceptance to resolution, by urgency
WORK_HOURS = {"emergency": 1.2, "urgent": 6, "normal": 18}
KIND_LEVEL = {Kind.HOUSEHOLD: Level.PROPERTY, Kind.COMMUNITY: Level.COMMUNITY, Kind.DEPARTMENT: Level.COMMUNITY,
              Kind.HARD: Level.STREET}
DEPARTMENTS = ("区市政管理处", "区住建局", "区城管局", "供电公司营业所", "自来水公司客服中心")
DEPARTMENT_REPLIES = (None, "已列入本月维修计划。", "已派人现场查看，下周施工。")
RETURN_REASONS = ("不属于我负责的楼栋。", "需要电工资质，请改派。")
RESIDENT_FILES_AT_HOME = 0.85  # a home request comes from a resident with an account (else by phone)
RESIDENT_FILES_PUBLIC = 0.7  # a public-area request comes from a resident (else a patrol)
EVALUATES = 0.92  # residents who rate a resolved request (the others are closed by the sweep)
HOUR, DAY = timedelta(hours=1), timedelta(days=1)
AUTO_CLOSE = 7 * DAY + timedelta(minutes=10)
SWEPT = timedelta(minutes=10)  # the sweep notices a deadline passed within minutes
COMMIT_EVERY = 50_000


@dataclass
class Place:
    """A compound as the stories see it: where it sits and who answers for it."""

    community_id: int
    street_id: int
    company: int | None = None
    households: list[int] = field(default_factory=list)
    buildings: int = 1
    residents: list[tuple[int, int]] = field(default_factory=list)  # (user, household)
    grid_workers: list[int] = field(default_factory=list)


@dataclass
class Pools:
    """Who does what, read once from the database after the city and its people are written."""

    places: dict[int, Place]
    building_of: dict[int, str]  # household → its building's name
    company_managers: dict[int, list[int]]
    company_staff: dict[int, list[int]]
    community_dispatchers: dict[int, list[int]]
    community_handlers: dict[int, list[int]]
    street_admins: dict[int, list[int]]

    @classmethod
    def load(cls, conn: Connection, today) -> Pools:
        places = {cid: Place(community_id=community, street_id=street) for cid, community, street in conn.execute(
            select(Compound.id, Compound.community_id, Community.street_id).join(Community))}
        for compound_id, company in conn.execute(select(ServiceContract.compound_id, ServiceContract.company_id)
                                                 .where(ServiceContract.is_current(today))
                                                 .order_by(ServiceContract.id)):
            places[compound_id].company = places[compound_id].company or company
        building_of: dict[int, str] = {}
        buildings: dict[int, set[str]] = {}
        for household, compound_id, building in conn.execute(
                select(Household.id, Building.compound_id, Building.name).join(Building).order_by(Household.id)):
            places[compound_id].households.append(household)
            building_of[household] = building
            buildings.setdefault(compound_id, set()).add(building)
        for compound_id, names in buildings.items():
            places[compound_id].buildings = len(names)
        for user_id, household, compound_id in conn.execute(
                select(HouseholdMember.user_id, HouseholdMember.household_id, Building.compound_id)
                .join(Household, Household.id == HouseholdMember.household_id).join(Building)
                .join(User, User.id == HouseholdMember.user_id)
                .where(HouseholdMember.relation == Relation.OWNER, User.active.is_(True))
                .order_by(HouseholdMember.id)):
            places[compound_id].residents.append((user_id, household))
        pools = cls(places, building_of, {}, {}, {}, {}, {})
        pools._posts(conn, today)
        return pools

    def _posts(self, conn: Connection, today) -> None:
        rows = conn.execute(
            select(Position.user_id, Position.role, Position.compound_id, Organisation.id, Organisation.kind,
                   Organisation.community_id, Organisation.street_id)
            .join(Organisation, Organisation.id == Position.organisation_id)
            .join(User, User.id == Position.user_id)
            .where(Position.is_open(today), User.active.is_(True)).order_by(Position.id))
        for user_id, role, grid, org, kind, community, street in rows:
            if role == Role.PROPERTY_MANAGER:
                _append(self.company_managers, org, user_id)
            elif role == Role.PROPERTY_STAFF:
                _append(self.company_staff, org, user_id)
            elif role == Role.STREET_ADMIN:
                _append(self.street_admins, street, user_id)
            elif kind in (OrgKind.RESIDENTS_COMMITTEE, OrgKind.PARTY_COMMITTEE) and community:
                if role in COMMUNITY_ROLES:
                    # community workers dispatch first (as the demo has it), party committee members after
                    dispatchers = self.community_dispatchers.setdefault(community, [])
                    if user_id not in dispatchers:
                        dispatchers.insert(0, user_id) if role == Role.COMMUNITY_WORKER else dispatchers.append(user_id)
                if role in (Role.COMMUNITY_WORKER, Role.GRID_WORKER):
                    _append(self.community_handlers, community, user_id)
                if role == Role.GRID_WORKER and grid in self.places:
                    self.places[grid].grid_workers.append(user_id)


def _append(pool: dict[int, list[int]], key: int, user_id: int) -> None:
    people = pool.setdefault(key, [])
    if user_id not in people:
        people.append(user_id)


@dataclass
class Story:
    """One request being written: its row, its timeline so far, and what it has told whom."""

    row: dict
    events: list[tuple] = field(default_factory=list)  # (at, actor, action, from, to, note)
    notes: list[dict] = field(default_factory=list)
    photos: list[dict] = field(default_factory=list)

    def event(self, at: datetime, actor: int | None, action: str, before: str | None, after: str | None,
              note: str | None = None) -> None:
        self.events.append((at, actor, action, before, after, note))


class Requests:
    def __init__(self, bulk: Bulk, pools: Pools, rng: random.Random, names: Names, now: datetime):
        self.bulk, self.pools, self.rng, self.names, self.now = bulk, pools, rng, names, now
        self.categories, self.category_weights = list(CATEGORY_SHARES), list(CATEGORY_SHARES.values())
        self.urgencies, self.urgency_weights = list(URGENCY_SHARES), list(URGENCY_SHARES.values())
        with force_locale("zh_CN"):  # timeline notes are in the portal's default language
            self.kind_labels = {kind: str(label) for kind, label in KIND_LABELS.items()}
        self.counts: dict[str, int] = {}

    # --- who answers ------------------------------------------------------------------------------------

    def level(self, place: Place, kind: str, escalation: int = 0) -> int:
        level = max(KIND_LEVEL[kind], escalation)
        return Level.COMMUNITY if level == Level.PROPERTY and place.company is None else level

    def dispatcher(self, place: Place, level: int) -> int | None:
        if level == Level.PROPERTY:
            people = self.pools.company_managers.get(place.company)
        elif level == Level.COMMUNITY:
            people = self.pools.community_dispatchers.get(place.community_id)
        else:
            people = self.pools.street_admins.get(place.street_id)
        return people[0] if people else None

    def handler(self, place: Place, level: int) -> int | None:
        if level == Level.PROPERTY:
            people = (self.pools.company_staff.get(place.company)
                      or self.pools.company_managers.get(place.company))
        elif level == Level.COMMUNITY:
            people = self.pools.community_handlers.get(place.community_id)
        else:
            people = self.pools.street_admins.get(place.street_id)
        return self.rng.choice(people) if people else None

    # --- the year ------------------------------------------------------------------------------------------

    def write(self, total: int, commit) -> None:
        """`total` requests over the last 365 days; `commit` ends a transaction every COMMIT_EVERY requests."""
        if total <= 0:
            return
        rng, now = self.rng, self.now
        compounds = [cid for cid, place in self.pools.places.items() if place.households]
        weights = [len(self.pools.places[cid].households) for cid in compounds]
        where = rng.choices(compounds, weights=weights, k=total)
        ages = sorted((rng.random() for _ in range(total)), reverse=True)
        span = 365 * DAY - timedelta(minutes=30)
        for number, (compound_id, age) in enumerate(zip(where, ages, strict=True), start=1):
            self.one(compound_id, now - timedelta(minutes=30) - span * age)
            if number % COMMIT_EVERY == 0:
                commit()

    def one(self, compound_id: int, created: datetime) -> None:
        rng, place = self.rng, self.pools.places[compound_id]
        category = rng.choices(self.categories, self.category_weights)[0]
        urgency = rng.choices(self.urgencies, self.urgency_weights)[0]
        request_id = self.bulk.new_id(RepairRequest.__table__)
        story = Story(row={
            "id": request_id, "compound_id": compound_id, "household_id": None, "place": None,
            "category": category, "kind": SUGGESTED_KIND[category], "kind_confirmed": False,
            "description": rng.choice(DESCRIPTIONS[category]), "urgency": urgency, "channel": "online",
            "requester_id": None, "filed_by_id": None, "contact_name": None, "contact_phone": None,
            "status": Status.SUBMITTED, "escalation_level": 0, "handler_id": None, "department": None,
            "department_reply": None, "due_at": created + DEFAULT_HOURS[urgency] * HOUR, "overdue_flagged_at": None,
            "accepted_at": None, "resolved_at": None, "closed_at": None, "hold_reason": None, "result_note": None,
            "reopen_count": 0, "rating": None, "speed_rating": None, "attitude_rating": None, "satisfied": None,
            "evaluation_comment": None, "evaluated_at": None, "close_reason": None, "version": 1,
            "created_at": created, "updated_at": created})
        if not self._file(story, place, created):
            self.bulk._next[RepairRequest.__tablename__] -= 1  # nobody could file here: no request
            return
        self._live(story, place, created)
        self._write(story)

    # --- filing ---------------------------------------------------------------------------------------------

    def _file(self, story: Story, place: Place, at: datetime) -> bool:
        rng, row = self.rng, story.row
        at_home = row["category"] in AT_HOME
        resident = place.residents and rng.random() < (RESIDENT_FILES_AT_HOME if at_home else RESIDENT_FILES_PUBLIC)
        if resident:
            user_id, household = rng.choice(place.residents)
            row.update(requester_id=user_id, filed_by_id=user_id, household_id=household if at_home else None)
        else:
            staff = place.grid_workers or self.pools.company_staff.get(place.company) or \
                self.pools.community_handlers.get(place.community_id)
            if not staff:
                return False
            row.update(filed_by_id=rng.choice(staff), channel=rng.choice(("phone", "phone", "walk_in"))
                       if at_home else "patrol")
            if at_home:
                row.update(household_id=rng.choice(place.households), contact_name=self.names.person(),
                           contact_phone=self.names.owner_phone())
        if row["household_id"] is None:
            row["place"] = rng.choice(PLACES.get(row["category"], ("小区主路",))).format(
                b=rng.randint(1, place.buildings))
            if row["channel"] in ("phone", "walk_in"):
                row["channel"] = "patrol"
        where = self.pools.building_of[row["household_id"]] if row["household_id"] else row["place"]
        row["_summary"] = summary(f"{where} {row['description']}")
        story.event(at, row["filed_by_id"], "filed", None, Status.SUBMITTED)
        if rng.random() < 0.12 and row["requester_id"]:
            self._photo(story, "filing", row["filed_by_id"], at)
        return True

    # --- the rest of its life ---------------------------------------------------------------------------------

    def _live(self, story: Story, place: Place, created: datetime) -> None:
        rng, row, now = self.rng, story.row, self.now
        age = (now - created) / DAY
        still_open = rng.random() < 0.9 * math.exp(-age / 6) + 0.05 * math.exp(-age / 60)
        budget = (now - created) * (0.97 if still_open else 0.9)
        kind, t = self._triage(story, place, created, budget)
        level = self.level(place, kind)
        dispatcher = self.dispatcher(place, level)
        t += min(budget * 0.05, HOUR * rng.expovariate(1 / 2.0))
        self._note(story, dispatcher, "repairs.filed", created, summary=True)
        if still_open:
            stop = rng.choices((Status.SUBMITTED, Status.ASSIGNED, Status.IN_PROGRESS, Status.ON_HOLD),
                               (40, 30, 30, 0) if age < 0.2 else (15, 15, 45, 25))[0]
            if stop == Status.SUBMITTED or dispatcher is None:
                return self._overdue(story, place, level, dispatcher)
        handler = self.handler(place, level)
        if dispatcher is None or handler is None:
            return self._overdue(story, place, level, dispatcher)
        if rng.random() < 0.03:  # returned once, then dispatched again
            self._assign(story, dispatcher, handler, t)
            t += min(budget * 0.05, HOUR * rng.expovariate(1))
            story.event(t, handler, "returned", Status.ASSIGNED, Status.SUBMITTED, rng.choice(RETURN_REASONS))
            self._settle(story, "repairs.assigned", t)
            row.update(status=Status.SUBMITTED, handler_id=None)
            handler = self.handler(place, level)
            t += min(budget * 0.05, HOUR * rng.expovariate(1))
        self._assign(story, dispatcher, handler, t)
        if still_open and stop == Status.ASSIGNED:
            return self._overdue(story, place, level, dispatcher)
        t += min(budget * 0.1, HOUR * rng.expovariate(1 / 1.5))
        self._accept(story, handler, t)
        held = rng.random() < (1.0 if still_open and stop == Status.ON_HOLD else 0.12)
        work = HOUR * rng.lognormvariate(math.log(WORK_HOURS[row["urgency"]]), 0.7)
        if held:
            work += DAY * rng.uniform(0.5, 4)
        factor = max(0.0, min(1.0, (created + budget - t) / work))
        if held:
            t += work * factor * 0.3
            row["hold_reason"] = rng.choice(HOLD_REASONS)
            story.event(t, handler, "held", Status.IN_PROGRESS, Status.ON_HOLD, row["hold_reason"])
            if still_open and stop == Status.ON_HOLD:
                row["status"] = Status.ON_HOLD
                return self._overdue(story, place, level, dispatcher)
            t += work * factor * 0.5
            row["hold_reason"] = None
            story.event(t, handler, "resumed", Status.ON_HOLD, Status.IN_PROGRESS)
            t += work * factor * 0.2
        else:
            t += work * factor
        if still_open:
            return self._overdue(story, place, level, dispatcher)
        self._resolve(story, handler, t)
        self._overdue(story, place, level, dispatcher)
        self._close(story, place, level, handler, t)

    def _triage(self, story: Story, place: Place, at: datetime, budget: timedelta) -> tuple[str, datetime]:
        """Confirmed by a community worker in 25% of requests; a few change kind (to 社事, 难事).
        Returns the kind and when triage was done."""
        rng, row = self.rng, story.row
        kind = row["kind"]
        triager = (self.pools.community_dispatchers.get(place.community_id) or [None])[0]
        if rng.random() >= 0.25 or triager is None:
            return kind, at
        new = kind
        if kind == Kind.COMMUNITY and rng.random() < 0.12:
            new = Kind.HARD
        elif kind == Kind.HOUSEHOLD and rng.random() < 0.04:
            new = Kind.COMMUNITY
        label = self.kind_labels[new] if new == kind else f"{self.kind_labels[kind]} → {self.kind_labels[new]}"
        reason = "" if new == kind else ("：涉及多个部门，需街道协调。" if new == Kind.HARD else "：需社区协商解决。")
        row.update(kind=new, kind_confirmed=True)
        at += min(budget * 0.02, timedelta(minutes=rng.randint(5, 60)))
        story.event(at, triager, "triaged", Status.SUBMITTED, Status.SUBMITTED, label + reason)
        if new == Kind.DEPARTMENT:
            department = rng.choice(DEPARTMENTS)
            reply = rng.choice(DEPARTMENT_REPLIES)
            row.update(department=department, department_reply=reply)
            at += min(budget * 0.02, timedelta(minutes=rng.randint(5, 60)))
            story.event(at, triager, "department", Status.SUBMITTED, Status.SUBMITTED,
                        department + (f"：{reply}" if reply else ""))
        return new, at

    def _assign(self, story: Story, dispatcher: int, handler: int, at: datetime) -> None:
        row = story.row
        before = row["status"]
        row.update(status=Status.ASSIGNED, handler_id=handler)
        story.event(at, dispatcher, "assigned" if before == Status.SUBMITTED else "transferred", before,
                    Status.ASSIGNED)
        for note in story.notes:  # "please dispatch" is settled by dispatching
            if note["key"] == "repairs.filed" and note["read_at"] is None:
                note["read_at"] = at
        self._note(story, handler, "repairs.assigned", at, summary=True)

    def _accept(self, story: Story, handler: int, at: datetime) -> None:
        story.row.update(status=Status.IN_PROGRESS, accepted_at=at)
        story.event(at, handler, "accepted", Status.ASSIGNED, Status.IN_PROGRESS)
        for note in story.notes:
            if note["key"] == "repairs.assigned" and note["read_at"] is None:
                note["read_at"] = at

    def _resolve(self, story: Story, handler: int, at: datetime) -> None:
        row = story.row
        row.update(status=Status.RESOLVED, resolved_at=at, result_note=self.rng.choice(RESULTS))
        story.event(at, handler, "resolved", Status.IN_PROGRESS, Status.RESOLVED, row["result_note"])
        if self.rng.random() < 0.25:
            self._photo(story, "result", handler, at)
        if row["requester_id"]:
            self._note(story, row["requester_id"], "repairs.resolved", at)

    def _close(self, story: Story, place: Place, level: int, handler: int, resolved: datetime) -> None:
        """Rated (sometimes not satisfied at first, reopened and done again), or closed unrated by the sweep."""
        rng, row, now = self.rng, story.row, self.now
        requester = row["requester_id"]
        rates = requester and rng.random() < EVALUATES
        rated = resolved + min((now - resolved) * 0.9, DAY * rng.expovariate(1.2)) if rates else None
        if rates and rng.random() < 0.05 and rated < now - 6 * DAY:
            rated = self._reopen(story, place, level, handler, rated)
        if rates:
            self._rate(story, rated)
        elif resolved + AUTO_CLOSE < now:
            if row["channel"] in ("phone", "walk_in") and rng.random() < 0.7:
                visit = resolved + HOUR * rng.uniform(2, 48)
                story.event(visit, row["filed_by_id"], "return_visit", Status.RESOLVED, Status.RESOLVED,
                            "电话回访，居民表示问题已解决。")
            row.update(status=Status.CLOSED, closed_at=resolved + AUTO_CLOSE, close_reason="not_evaluated")
            story.event(row["closed_at"], None, "auto_closed", Status.RESOLVED, Status.CLOSED)
            for note in story.notes:
                if note["key"] == "repairs.resolved" and rng.random() < 0.7:
                    note["read_at"] = resolved + HOUR * rng.uniform(1, 100)

    def _reopen(self, story: Story, place: Place, level: int, handler: int, at: datetime) -> datetime:
        """Not satisfied: the same handler again; a second time (one in five) one level up."""
        rng, row = self.rng, story.row
        level = self.level(place, row["kind"], row["escalation_level"])
        twice = rng.random() < 0.2
        for round_ in range(2 if twice else 1):
            comment = rng.choice(COMMENTS_BAD)
            row.update(reopen_count=row["reopen_count"] + 1, resolved_at=None, evaluation_comment=comment,
                       evaluated_at=at, due_at=at + DEFAULT_HOURS[row["urgency"]] * HOUR, overdue_flagged_at=None)
            self._settle(story, "repairs.resolved", at)
            if round_ == 1 and level < Level.STREET:
                level = row["escalation_level"] = level + 1
                story.event(at, row["requester_id"], "reopened", Status.RESOLVED, Status.SUBMITTED, comment)
                story.event(at, None, "escalated", Status.SUBMITTED, Status.SUBMITTED)
                dispatcher, new = self.dispatcher(place, level), self.handler(place, level)
                if dispatcher is None or new is None:
                    break
                handler = new
                row["status"] = Status.SUBMITTED
                at += HOUR * rng.uniform(0.5, 4)
                self._assign(story, dispatcher, handler, at)
            else:
                row["status"] = Status.ASSIGNED
                story.event(at, row["requester_id"], "reopened", Status.RESOLVED, Status.ASSIGNED, comment)
                self._note(story, handler, "repairs.reopened", at, summary=True)
            at += HOUR * rng.uniform(0.5, 4)
            self._accept(story, handler, at)
            at += HOUR * rng.uniform(2, 24)
            self._resolve(story, handler, at)
            at += HOUR * rng.uniform(1, 24)
        return min(at, self.now - HOUR)

    def _rate(self, story: Story, at: datetime) -> None:
        rng, row = self.rng, story.row
        rating = rng.choices((5, 4, 3, 2), (58, 27, 11, 4))[0]  # satisfied closes it; not satisfied reopens
        comment = rng.choice(COMMENTS_GOOD) if rating >= 4 else None
        row.update(status=Status.CLOSED, rating=rating, speed_rating=max(1, rating - rng.randint(0, 1)),
                   attitude_rating=max(1, min(5, rating + rng.randint(-1, 1))), satisfied=True,
                   evaluation_comment=comment, evaluated_at=at, closed_at=at, close_reason="evaluated")
        story.event(at, row["requester_id"], "evaluated", Status.RESOLVED, Status.CLOSED, comment)
        self._settle(story, "repairs.resolved", at)

    def _overdue(self, story: Story, place: Place, level: int, dispatcher: int | None) -> None:
        """What the sweep did when the deadline passed while it was open: flagged, one level up, told."""
        row = story.row
        due = row["due_at"]
        if due >= self.now or (row["resolved_at"] and row["resolved_at"] <= due):
            return
        before = next((after for at, _a, _c, _b, after, _n in reversed(story.events) if at <= due), Status.SUBMITTED)
        if before not in Status.OPEN:
            return
        at = min(due + SWEPT, self.now - timedelta(seconds=1))  # the sweep has run since
        row["overdue_flagged_at"] = at
        story.event(at, None, "overdue", before, before)
        if level < Level.STREET:
            row["escalation_level"] = level = level + 1
            story.event(at, None, "escalated", before, before)
        told = self.dispatcher(place, level)
        if told:
            note = self._note(story, told, "repairs.overdue", at, summary=True)
            if row["resolved_at"]:
                note["read_at"] = row["resolved_at"]

    # --- rows --------------------------------------------------------------------------------------------

    def _note(self, story: Story, user_id: int | None, key: str, at: datetime, *, summary: bool = False) -> dict:
        row = story.row
        params = {"no": row["id"], "category": row["category"]}
        if summary:
            params["summary"] = row["_summary"]
        note = {"user_id": user_id, "created_at": at, "read_at": None, "key": key, "params": params,
                "title": None, "body": None, "link": f"/repairs/{row['id']}"}
        if user_id is not None:
            story.notes.append(note)
        return note

    def _settle(self, story: Story, key: str, at: datetime) -> None:
        for note in story.notes:
            if note["key"] == key and note["read_at"] is None:
                note["read_at"] = at

    def _photo(self, story: Story, stage: str, by: int, at: datetime) -> None:
        photo_id = self.bulk.new_id(RequestPhoto.__table__)
        story.photos.append({
            "id": photo_id, "request_id": story.row["id"], "stage": stage, "stored_name": f"city-{photo_id}.jpg",
            "width": 480, "height": 360, "size_bytes": self.rng.randint(18_000, 60_000), "uploaded_by_id": by,
            "created_at": at})

    def _write(self, story: Story) -> None:
        row = story.row
        del row["_summary"]
        story.events.sort(key=lambda event: event[0])  # the sweep's entries fall between the others
        row["updated_at"] = story.events[-1][0]
        row["version"] = len(story.events)
        self.bulk.add(RepairRequest.__table__, row)
        for at, actor, action, before, after, note in story.events:
            self.bulk.add(RequestEvent.__table__, {
                "id": self.bulk.new_id(RequestEvent.__table__), "request_id": row["id"], "at": at,
                "actor_id": actor, "action": action, "from_status": before, "to_status": after, "note": note})
        self.bulk.add_all(RequestPhoto.__table__, story.photos)
        for note in story.notes:
            note["id"] = self.bulk.new_id(Notification.__table__)
            if note["read_at"] is None and note["created_at"] < self.now - 30 * DAY and self.rng.random() < 0.9:
                note["read_at"] = note["created_at"] + HOUR * self.rng.uniform(1, 72)  # opened in the bell
            self.bulk.add(Notification.__table__, note)
