"""The compound page (/compounds/<id>) costs a fixed number of statements for every role that reads it —
the two every page costs (the user, the bell), the compound with its community, its buildings with their
households, its bodies with its contracts, the cross appointments, and one statement per module section —
however many requests, meetings, campaigns, projects, wishes, buildings, organisations and people the
compound has. And the wishes section's condition, written for one compound so that it reads nothing
beforehand, opens exactly the wishes the wish list's visibility does."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import count

import pytest
from sqlalchemy import func, select

from portal.core.clock import now_utc
from portal.extensions import db
from portal.orgs.models import Building, Household, OrgKind, Position, Role
from portal.projects.models import (
    ClaimantKind,
    PartyMember,
    Project,
    ProjectStatus,
    Wish,
    WishClaim,
    WishStatus,
)
from portal.projects.panel import seen_here
from portal.projects.permissions import visibility
from portal.repairs.models import RepairRequest, Status
from tests.conftest import (
    login_as,
    make_community,
    make_compound,
    make_contract,
    make_org,
    make_user,
    queries_for,
)
from tests.meetings.conftest import mworld  # noqa: F401  (the meetings world: parties to sign in)
from tests.meetings.test_figures import ALL, _meeting, _resolution
from tests.projects.conftest import co_world  # noqa: F401  (claimants: a party member, a unit's contact)
from tests.surveys.test_figures import run_campaign

#: the statements the compound page may cost (23 before the sections were folded into one statement each)
LIMIT = 10
#: everyone who reads the compound page (structure.view)
READERS = (Role.STREET_ADMIN, Role.PARTY_SECRETARY, Role.COMMUNITY_WORKER, Role.GRID_WORKER,
           Role.OWNERS_COMMITTEE, Role.PROPERTY_MANAGER)

_seq = count(1)


def _ago(days: float) -> datetime:
    return now_utc() - timedelta(days=days)


def _fill(w, n: int) -> None:
    """n more of everything the page and its sections show, for the compound 阳光花园."""
    compound, users = w["compound"], w["users"]
    secretary, worker = users[Role.PARTY_SECRETARY], users[Role.COMMUNITY_WORKER]
    for _ in range(n):
        i = next(_seq)
        building = Building(compound_id=compound.id, name=f"{10 + i}号楼", sort_key=f"{10 + i:04d}", floors=6)
        db.session.add(building)
        db.session.flush()
        db.session.add_all([Household(building_id=building.id, unit="1", room=f"{r}01") for r in range(1, 4)])
        branch = make_org(OrgKind.PARTY_BRANCH, compound=compound, name=f"加测支部{i}")
        owners = make_org(OrgKind.OWNERS_COMMITTEE, compound=compound, name=f"加测业委会{i}")
        make_user(f"兼职者{i}", role=Role.BRANCH_MEMBER, org=branch, title="委员")
        both = make_user(f"交叉任职{i}", role=Role.OWNERS_COMMITTEE, org=owners, title="主任")
        db.session.add(Position(user_id=both.id, organisation_id=branch.id, title="书记", role=Role.BRANCH_MEMBER,
                                start_date=date(2020, 1, 1)))
        make_contract(compound, make_org(OrgKind.PROPERTY_COMPANY, street=w["street"], name=f"旧物业{i}"), expired=True)
        for status, rating, days in ((Status.SUBMITTED, None, 1), (Status.CLOSED, 5, 10), (Status.CLOSED, 2, 20)):
            db.session.add(RepairRequest(
                compound_id=compound.id, place="1号楼", category="other", kind="household", description="测试",
                filed_by_id=users[Role.RESIDENT].id, status=status, rating=rating,
                created_at=_ago(days + 1).astimezone(UTC), resolved_at=_ago(days).astimezone(UTC) if rating else None,
                closed_at=_ago(days).astimezone(UTC) if rating else None, due_at=_ago(days).astimezone(UTC)))
        meeting = _meeting(w, compound, _ago(5 + i), parties=ALL)
        _resolution(w, meeting, deadline=date(2020, 1, 1))
        _meeting(w, compound, _ago(-5 - i))
        run_campaign(secretary, [compound], {compound.id: [5, 4, 3]}, opens=_ago(90 + i), closes=_ago(61 + i))
        project = Project(community_id=w["community"].id, title=f"项目{i}", content="内容", responsible_body="社区",
                          responsible_person="陈静", start_date=date(2019, 1, 1), deadline=date(2099, 1, 1),
                          status=ProjectStatus.IN_PROGRESS, created_by_id=secretary.id)
        project.compounds = [compound]
        db.session.add(project)
        db.session.add_all([Wish(compound_id=compound.id, posted_by_id=worker.id, title="心愿", status=status)
                            for status in (WishStatus.OPEN, WishStatus.CLAIMED)])
    db.session.commit()


@pytest.fixture
def page(mworld):  # noqa: F811
    run_campaign(mworld["secretary"], [mworld["compound"]], {mworld["compound"].id: [5, 5]},
                 opens=_ago(20), closes=_ago(-20))  # one running: the section's first card
    _fill(mworld, 1)
    return mworld


@pytest.mark.parametrize("role", READERS)
def test_the_compound_page_costs_at_most_limit_statements_however_full(page, client, count_queries, role):
    url = f"/compounds/{page['compound'].id}"
    login_as(client, page["users"][role])
    few = queries_for(client, url, count_queries)
    assert few <= LIMIT, (role, few)
    _fill(page, 3)
    assert queries_for(client, url, count_queries) == few, role


def test_the_compounds_list_costs_seven_statements_whatever_the_communities(page, client, count_queries):
    """The rows name their community (loaded with them), their households and committee (one statement
    for the page): more communities, compounds and committees cost nothing more."""
    login_as(client, page["users"][Role.STREET_ADMIN])
    few = queries_for(client, "/compounds", count_queries)
    assert few <= 7
    for i in range(3):
        compound = make_compound(make_community(page["street"], f"加测社区{i}"), f"加测小区{i}", households=2)
        make_org(OrgKind.OWNERS_COMMITTEE, compound=compound, name=f"加测业委会{i}")
    db.session.commit()
    assert queries_for(client, "/compounds", count_queries) == few


def test_the_wishes_condition_for_one_compound_is_the_wish_lists(co_world, app):  # noqa: F811
    """Every user (staff of each kind, a resident, a party member, a unit's contact, a neighbour, someone
    of another street) over every compound: the same wishes, status by status."""
    w = co_world
    compounds = (w["compound"], w["other_compound"], w["far_compound"])
    wishes = [Wish(compound_id=compound.id, posted_by_id=w["worker"].id, title="心愿", status=status,
                   household_id=w["household"].id if compound is w["compound"] else None)
              for compound in compounds for status in WishStatus.ALL]
    wishes.append(Wish(compound_id=w["other_compound"].id, posted_by_id=w["neighbour"].id, title="邻居的",
                       status=WishStatus.FULFILLED))
    db.session.add_all(wishes)
    db.session.flush()
    member = db.session.scalar(select(PartyMember).where(PartyMember.user_id == w["member"].id))
    db.session.add(WishClaim(wish_id=wishes[-2].id, claimer_id=w["member"].id, claimant_kind=ClaimantKind.PARTY_MEMBER,
                             party_member_id=member.id))
    db.session.commit()
    people = [*w["users"].values(), w["member"], w["contact"], w["neighbour"], w["far_member"]]

    def by_status(compound, condition):
        return dict(db.session.execute(select(Wish.status, func.count()).where(
            Wish.compound_id == compound.id, condition).group_by(Wish.status)).all())

    for user in people:
        for compound in compounds:
            with app.test_request_context():
                assert by_status(compound, seen_here(user, compound)) == by_status(compound, visibility(user)), (
                    user.name, compound.name)
