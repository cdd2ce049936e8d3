"""The demo loader: a realistic street, the edge cases the indicators need, idempotent, and working logins."""

import time
from collections import defaultdict
from datetime import UTC, date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.auth.models import User
from portal.auth.passwords import password_problem, verify_password
from portal.core.clock import TZ
from portal.demo import DEMO_PASSWORD, demo_logins, load_demo
from portal.extensions import db
from portal.orgs.models import (
    Building,
    Community,
    Compound,
    Household,
    HouseholdMember,
    Organisation,
    Position,
    Role,
    ServiceContract,
    Street,
)
from portal.orgs.permissions import compute_scope
from portal.repairs import services as repair_services
from portal.repairs.models import Kind, RepairRequest, RequestEvent, RequestPhoto, Status

TODAY = date(2026, 3, 1)
# The role each demo login exists to show.
LOGIN_ROLES = {
    "demo_street": Role.STREET_ADMIN,
    "demo_secretary": Role.PARTY_SECRETARY,
    "demo_committee": Role.PARTY_COMMITTEE,
    "demo_worker": Role.COMMUNITY_WORKER,
    "demo_grid": Role.GRID_WORKER,
    "demo_owners": Role.OWNERS_COMMITTEE,
    "demo_manager": Role.PROPERTY_MANAGER,
    "demo_staff": Role.PROPERTY_STAFF,
    "demo_resident": Role.RESIDENT,
}
TABLES = (Street, Community, Compound, Building, Household, Organisation, ServiceContract, User, Position,
          HouseholdMember, RepairRequest, RequestEvent, RequestPhoto)


@pytest.fixture(autouse=True)
def uploads(app, tmp_path, monkeypatch) -> Path:
    """The demo's repair photos go to a temporary folder, not the instance folder."""
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))
    return tmp_path / "uploads"


def _utc(value):
    """SQLite hands back naive UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _row_counts() -> dict[str, int]:
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model)) for model in TABLES}


def test_demo_is_a_realistic_street(app):
    result = load_demo(TODAY)

    assert result.created
    assert result.communities == 3
    assert 8 <= result.compounds <= 12
    assert 700 <= result.households <= 900
    assert db.session.scalar(select(func.count(Household.id))) == result.households
    phones = db.session.scalars(select(Household.owner_phone)).all()
    assert all(len(phone) == 11 and phone.startswith("13") for phone in phones)


def test_exactly_one_compound_without_contract_and_one_only_expired(app):
    load_demo(TODAY)
    compounds = db.session.scalars(select(Compound)).all()

    without = [c.name for c in compounds if not c.contracts]
    expired = [c.name for c in compounds if c.contracts and all(k.end_date < TODAY for k in c.contracts)]

    assert len(without) == 1
    assert len(expired) == 1
    current = [c for c in compounds if any(k.is_current(TODAY) for k in c.contracts)]
    assert len(current) == len(compounds) - 2


def test_loading_twice_changes_nothing(app):
    first = load_demo(TODAY)
    counts = _row_counts()

    second = load_demo(TODAY)

    assert second.created is False
    assert _row_counts() == counts
    assert (second.communities, second.compounds, second.households, second.users) == (
        first.communities, first.compounds, first.households, first.users)


def test_every_demo_login_exists_is_active_and_has_its_role(app):
    load_demo()
    logins = demo_logins()
    assert {login for _, login, _ in logins} == set(LOGIN_ROLES)
    assert password_problem(DEMO_PASSWORD) is None

    users = []
    for _label, login, password in logins:
        user = db.session.scalar(select(User).where(User.username == login))
        assert user is not None, login
        assert user.active and user.phone, login
        assert password == DEMO_PASSWORD
        assert LOGIN_ROLES[login] in compute_scope(user).roles, login
        users.append(user)
    assert {user.password_hash for user in users} == {users[0].password_hash}
    assert verify_password(users[0].password_hash, DEMO_PASSWORD)


def test_someone_holds_open_posts_in_two_organisations(app):
    load_demo(TODAY)
    organisations_of = defaultdict(set)
    for position in db.session.scalars(select(Position)):
        if position.is_open(TODAY):
            organisations_of[position.user_id].add(position.organisation_id)

    assert any(len(orgs) >= 2 for orgs in organisations_of.values())
    ended = db.session.scalars(select(Position).where(Position.end_date < TODAY)).all()
    assert ended, "one closed term is kept for history"


def test_repair_requests_in_every_state_and_kind(app, uploads, monkeypatch):
    import portal.repairs.demo as repairs_demo

    timings = []
    original = repairs_demo.load_repairs_demo

    def timed(today=None):
        started = time.perf_counter()
        try:
            return original(today)
        finally:
            timings.append(time.perf_counter() - started)

    monkeypatch.setattr(repairs_demo, "load_repairs_demo", timed)
    load_demo(TODAY)
    assert timings
    print(f"repairs demo loaded in {timings[0]:.2f} s")  # a figure, not a limit: timed tests fail on a busy machine

    requests = db.session.scalars(select(RepairRequest)).all()
    assert 700 <= len(requests) <= 1200, "a year of requests on top of the live ones"
    assert {r.status for r in requests} == set(Status.ALL)
    assert {r.kind for r in requests} == set(Kind.ALL)
    now = repair_services.now_utc()
    assert sum(r.is_overdue(now) for r in requests) >= 3
    assert sum(r.overdue_flagged_at is not None for r in requests) >= 3
    assert any(r.escalation_level > 0 for r in requests)
    assert sum(r.reopen_count > 0 for r in requests) >= 3
    assert any(r.close_reason == "not_evaluated" for r in requests)
    assert sum(r.close_reason == "evaluated" for r in requests) >= 10
    assert {r.channel for r in requests} >= {"online", "phone", "patrol"}
    created = sorted(_utc(r.created_at) for r in requests)
    assert now - timedelta(days=366) < created[0] < now - timedelta(days=350)
    live = [r for r in requests if r.status != Status.CLOSED]
    assert all(_utc(r.created_at) > now - timedelta(days=61) for r in live), "the past is closed"

    photos = db.session.scalars(select(RequestPhoto)).all()
    assert {p.stage for p in photos} == {"filing", "result"}
    assert all((uploads / p.stored_name).is_file() for p in photos)
    for req in requests:
        times = db.session.scalars(select(RequestEvent.at).where(RequestEvent.request_id == req.id)
                                   .order_by(RequestEvent.id)).all()
        assert times and times == sorted(times), req.id
        assert _utc(times[-1]) <= now

    resident = db.session.scalar(select(User).where(User.username == "demo_resident"))
    own = [r for r in requests if r.requester_id == resident.id]
    assert {Status.SUBMITTED, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED} <= {r.status for r in own}


def test_repair_requests_span_a_year_at_a_realistic_monthly_volume(app):
    """15 to 40 a month per community (more in winter and summer), most closed ones rated, some late."""
    load_demo(TODAY)
    rows = db.session.execute(select(Community.name, RepairRequest).join(
        Compound, Compound.community_id == Community.id).join(RepairRequest, RepairRequest.compound_id == Compound.id)).all()
    now = repair_services.now_utc()
    by_month = defaultdict(int)
    for community, req in rows:
        months_back = (now - _utc(req.created_at)).days // 30
        if 1 <= months_back <= 11:  # whole 30-day slices, the partial ends left out
            by_month[community, months_back] += 1
    assert {community for community, _ in by_month} == {"和平社区", "光明社区", "新华社区"}
    assert all(10 <= count <= 60 for count in by_month.values()), by_month
    assert len(by_month) == 3 * 11
    closed = [req for _, req in rows if req.status == Status.CLOSED]
    rated = [req for req in closed if req.rating is not None]
    assert len(rated) > len(closed) / 4
    assert 0.6 < sum(req.rating >= 4 for req in rated) / len(rated) < 0.95
    assert sum(req.overdue_flagged_at is not None for req in closed) > len(closed) / 30
    assert all(_utc(req.closed_at) <= now for req in closed)


def test_the_past_year_is_filed_in_local_working_hours(app):
    """The year's history is filed between 7:00 and 21:00 Shanghai time, read back from the stored UTC:
    a local time stored with its digits as if UTC would land eight hours later (and, late in the local
    evening, after now), whatever the hour this test runs at."""
    load_demo(TODAY)
    now = repair_services.now_utc()
    past = [_utc(at) for at in db.session.scalars(select(RepairRequest.created_at))
            if _utc(at) < now - timedelta(days=70)]  # the live stories are all younger than that
    assert len(past) > 500
    assert all(7 <= at.astimezone(TZ).hour <= 20 for at in past), sorted(at.astimezone(TZ) for at in past if not 7 <= at.astimezone(TZ).hour <= 20)[:5]


def test_project_timelines_read_as_they_happened(app):
    """Each project's steps are in order, none after now, proposed two weeks before its start date and
    started on it (Shanghai days), milestones done on their days — not all on the day the demo was loaded."""
    from portal.projects.models import Project, ProjectEvent

    load_demo()
    now = repair_services.now_utc()
    projects = db.session.scalars(select(Project)).all()
    assert len(projects) >= 7
    days_seen = set()
    for project in projects:
        events = db.session.scalars(select(ProjectEvent).where(ProjectEvent.project_id == project.id)
                                    .order_by(ProjectEvent.id)).all()
        times = [_utc(e.at) for e in events]
        assert times == sorted(times) and times[-1] <= now
        local = {e.action: _utc(e.at).astimezone(TZ).date() for e in events}
        assert local["proposed"] == project.start_date - timedelta(days=14)
        assert local.get("start", project.start_date) == project.start_date
        days_seen |= {t.astimezone(TZ).date() for t in times}
    assert len(days_seen) > 20
