"""Demo surveys: four quarterly campaigns in 和平社区 and 光明社区 over the last year, a few hundred
answers each by all three channels, and one campaign open now.

阳光花园 stays under 90%; 和平里小区 (no property company) gets fewer than 5 answers, so its results are
hidden; 安居物业's satisfaction climbs over the year. Answers go through services.submit as the real
channels do (resident, code, paper); only the campaigns' times are set in the past afterwards.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from portal.auth.models import User
from portal.core.clock import TZ
from portal.extensions import db
from portal.orgs.models import (
    Building,
    Community,
    Household,
    HouseholdMember,
    Organisation,
    OrgKind,
    Position,
    Role,
)
from portal.surveys import services
from portal.surveys.models import Campaign, Channel, Dimension, QuestionKind

SEED = 20263
#: compound → chance (per quarter, oldest first) that an overall rating is 4 or 5
SATISFACTION = {
    "阳光花园": (0.72, 0.74, 0.78, 0.80),
    "锦绣家园": (0.84, 0.89, 0.93, 0.96),
    "翠湖苑": (0.86, 0.90, 0.94, 0.97),
    "和平里小区": (0.6, 0.6, 0.6, 0.6),
    "光明新村": (0.90, 0.91, 0.92, 0.92),
    "金色港湾": (0.93, 0.94, 0.93, 0.95),
}
#: share of households that answer (和平里小区: almost none)
TURNOUT = {"和平里小区": 0.03}
COMMUNITIES = {"和平社区": "demo_secretary", "光明社区": None}
COMMENTS = ("希望增加夜间巡逻。", "垃圾清运及时，点赞。", "地库灯光太暗。", "维修师傅很耐心。", "停车位太紧张。",
            "绿化修剪可以再勤一些。", "收费公示看得懂了。")


def load_surveys_demo(today: date):
    if db.session.scalar(select(Campaign.id).limit(1)) is not None:
        return None
    from flask import current_app

    from portal.core.transaction import commit

    with current_app.test_request_context():  # each person's scope is computed once, as in a request
        _load(today)
        commit()
    return None


def _load(today: date) -> None:
    rng = random.Random(SEED)
    template = services.standard_template()
    db.session.flush()
    for community_name, launcher_name in COMMUNITIES.items():
        community = db.session.scalar(select(Community).where(Community.name == community_name))
        if community is None:
            continue
        launcher = _launcher(community, launcher_name)
        worker = _holder(community, OrgKind.RESIDENTS_COMMITTEE, Role.COMMUNITY_WORKER)
        compounds = [c for c in community.compounds if c.name in SATISFACTION]
        for quarter in range(4):
            _quarter(template, community, compounds, launcher, worker, today, quarter, rng)
        if community_name == "和平社区":
            _open_campaign(template, compounds, launcher, worker, today, rng)
    db.session.flush()


def _launcher(community, username):
    if username:
        return db.session.scalar(select(User).where(User.username == username))
    return _holder(community, OrgKind.PARTY_COMMITTEE, Role.PARTY_SECRETARY)


def _holder(community, kind, role):
    """The first person holding `role` in the community's body of `kind`."""
    return db.session.scalar(select(User).join(Position, Position.user_id == User.id)
                             .join(Organisation, Organisation.id == Position.organisation_id)
                             .where(Organisation.community_id == community.id, Organisation.kind == kind,
                                    Position.role == role, Position.end_date.is_(None)).order_by(Position.id).limit(1))


def _quarter(template, community, compounds, launcher, worker, today, quarter, rng):
    """A campaign that ran in the quarter `4 - quarter` quarters ago, answered, then moved into the past."""
    start = datetime.combine(today - timedelta(days=91 * (4 - quarter)), time(9), TZ)
    year_q = f"{start.year}年第{(start.month - 1) // 3 + 1}季度"
    now = datetime.now(TZ)
    campaign = services.launch_campaign(by=launcher, survey=template, compound_ids=[c.id for c in compounds],
                                        title=f"{community.name}{year_q}物业服务满意度测评", opens_at=now - timedelta(hours=1),
                                        closes_at=now + timedelta(days=1))
    for compound in compounds:
        _answer(campaign, compound, SATISFACTION[compound.name][quarter], worker, rng)
    campaign.opens_at, campaign.closes_at = start.astimezone(UTC), (start + timedelta(days=21)).astimezone(UTC)
    campaign.results_announced_at = campaign.closes_at  # long past: no fresh notices for old results


def _open_campaign(template, compounds, launcher, worker, today, rng):
    now = datetime.now(TZ)
    campaign = services.launch_campaign(by=launcher, survey=template, compound_ids=[c.id for c in compounds],
                                        title=f"{compounds[0].community.name}本季度物业服务满意度测评",
                                        opens_at=now - timedelta(days=3), closes_at=now + timedelta(days=18))
    for compound in compounds:
        if compound.name == "阳光花园":
            continue  # the demo resident's household can still answer
        _answer(campaign, compound, SATISFACTION[compound.name][3], worker, rng,
                turnout=min(0.2, TURNOUT.get(compound.name, 1)))


def _answer(campaign, compound, good, worker, rng, turnout=None):
    questions = campaign.survey.questions
    households = db.session.scalars(select(Household).join(Building).where(Building.compound_id == compound.id)
                                    .order_by(Household.id)).all()
    members = set(db.session.scalars(select(HouseholdMember.household_id).where(
        HouseholdMember.household_id.in_([h.id for h in households]))))
    share = turnout if turnout is not None else TURNOUT.get(compound.name, rng.uniform(0.65, 0.9))
    for household in households:
        if household.id in members and compound.name == "阳光花园" and turnout is not None:
            continue
        if rng.random() > share:
            continue
        values = _values(questions, good, rng)
        channel = rng.choice((Channel.ONLINE, Channel.CODE, Channel.CODE, Channel.PAPER))
        if channel == Channel.ONLINE:
            services.submit(campaign, household, values, channel=Channel.ONLINE)
        else:
            code = services.issue_code(campaign, household, by=worker)
            row = services.find_code(code)
            services.submit(campaign, household, values, channel=channel, code=row,
                            keyed_by=worker if channel == Channel.PAPER else None)


def _values(questions, good, rng):
    satisfied = rng.random() < good
    values = {}
    for q in questions:
        if q.kind == QuestionKind.RATING:
            base = rng.choice((4, 5, 5)) if satisfied else rng.choice((2, 3, 3))
            if q.dimension != Dimension.OVERALL:
                base = max(1, min(5, base + rng.choice((-1, 0, 0, 0, 1))))
            values[q.id] = base
        elif q.kind == QuestionKind.MULTIPLE and rng.random() < 0.5:
            values[q.id] = sorted(rng.sample(range(len(q.options)), 2))
        elif q.kind in QuestionKind.TEXT and rng.random() < 0.15:
            values[q.id] = rng.choice(COMMENTS)
    return values

