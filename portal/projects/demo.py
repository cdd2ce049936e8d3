"""Demo co-construction: units with agreements (one expired), registered party members, micro-wishes in
every state and a year of service records in the demo street's 和平社区 and 光明社区.

Everything goes through the services as the people who would do it (a resident posts, a party member
claims and fulfils, the resident confirms), so timelines, notifications and records are real; only the
dates are moved back afterwards. A fixed seed keeps the result the same from one load to the next.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select

from portal.auth.models import User
from portal.extensions import db
from portal.orgs.models import Building, Community, Compound, Household, HouseholdMember
from portal.projects import services
from portal.projects.models import Agreement, PartyMember, ServiceRecord, Unit, WishEvent

SEED = 20269
POSTERS = 4  #: the first residents of 和平社区 post the wishes; the others may be party members
UNITS = (
    # (name, community, contact user's name or None, offers, agreements as (start offset days, length days))
    ("区第一人民医院", "和平社区", "曾晓红", "义诊、健康讲座、志愿者", ((-730, 365), (-365, 730))),
    ("区实验小学", "光明社区", "袁志刚", "场地（操场、礼堂）、课后托管志愿者", ((-200, 730),)),
    ("区税务局", "和平社区", None, "政策讲解、志愿者", ((-800, 365),)),  # expired, not renewed
    ("建设银行幸福支行", "和平社区", None, "资金、金融知识讲座", ((-100, 365),)),
)
WISHES = (
    ("想要一台旧电脑给孩子上网课", "study"), ("希望有人陪老伴去医院复查", "health"), ("家里水龙头想换个新的", "repair"),
    ("想学用智能手机挂号", "study"), ("需要一个助行器", "daily"), ("独居老人想有人周末聊聊天", "company"),
    ("孩子想要几本课外书", "study"), ("希望帮忙修一下自行车", "repair"), ("冬天想要一床厚被子", "daily"),
    ("想请人帮忙写一封信", "other"), ("老人想要一副老花镜", "daily"), ("希望有人教孩子英语", "study"),
)
# final state of each demo wish, in order; "confirmed" ones are spread over the last twelve months
STATES = ("open", "open_raised", "claimed", "fulfilled", "withdrawn", *("confirmed",) * 19)


def load_projects_demo(today: date) -> int:
    """Create the demo's units, agreements, party members and wishes; commits. Returns how many wishes."""
    rng = random.Random(SEED)
    communities = {c.name: c for c in db.session.scalars(select(Community).where(Community.name.in_(["和平社区", "光明社区"])))}
    if len(communities) < 2:
        return 0
    users = {u.name: u for u in db.session.scalars(select(User))}
    units = _units(communities, users, today)
    members = _members(communities, units, today)
    residents = _residents(communities["和平社区"].id)[:POSTERS]
    worker = users.get("陈静")
    count = 0
    for index, state in enumerate(STATES):
        resident, household = residents[index % len(residents)]
        title, category = WISHES[index % len(WISHES)]
        wish = services.post_wish(by=resident, compound=household.building.compound, household=household,
                                  title=title, category=category)
        _story(wish, state, resident, members, units, worker, rng)
        db.session.flush()
        _retime(wish, state, index, today, rng)
        count += 1
    db.session.flush()
    services.sweep()
    _projects(communities["和平社区"], units, worker, residents, today)
    db.session.commit()
    return count


PROJECTS = (
    # (title, content, final status, days since start, length in days, milestones done of 3)
    ("非机动车充电棚", "在阳光花园北侧新建充电棚，解决电动车楼道充电隐患。", "evaluated", 330, 90, 3),
    ("老旧小区楼道照明改造", "更换声控灯，老人夜间出行更安全。", "completed", 250, 60, 3),
    ("社区健康驿站", "医院每月义诊，建立老人健康档案。", "in_progress", 60, 120, 1),
    ("儿童托管“四点半课堂”", "学校志愿者课后托管辅导。", "in_progress", 100, 70, 2),  # late: past its deadline
    ("口袋公园", "利用闲置空地建口袋公园。", "approved", 10, 150, 0),
    ("停车位规划", "重新划线增加停车位。", "proposed", 3, 90, 0),
    ("垃圾分类亭", "因选址争议暂缓。", "cancelled", 80, 60, 0),
)


DEMANDS = (
    ("resident", "safety", "电动车楼道充电隐患"), ("owners_committee", "environment", "楼道灯经常不亮"),
    ("joint_meeting", "health", "老人看病不方便"), ("survey", "children", "孩子放学后无人看管"),
    ("compound", "elderly", "独居老人吃饭难"), ("resident", "culture", "缺少广场舞场地"),
)
RESOURCES = (
    ("funds", "safety", "充电棚建设资金", "5万元"), ("volunteers", "environment", "电工志愿者", "6人"),
    ("expertise", "health", "每月义诊", "每月1次"), ("venue", "children", "学校礼堂", "300平方米"),
    ("equipment", None, "二手办公桌椅", "20套"),
)


def _projects(community, units, worker, residents, today) -> None:
    """Projects in every status with milestones (some late), updates and residents' evaluations."""
    from portal.projects import project_services as ps

    if worker is None:
        return
    from portal.projects import lists

    compound_ids = sorted({household.building.compound_id for _user, household in residents})
    partners = [u.id for u in units if u.community_id == community.id]
    demands = [lists.add_demand(by=worker, community_id=community.id, compound_id=compound_ids[i % len(compound_ids)],
                                source=source, category=category, title=title)
               for i, (source, category, title) in enumerate(DEMANDS)]
    ours = [u for u in units if u.community_id == community.id]
    resources = [lists.add_resource(by=worker, unit=ours[i % len(ours)], kind=kind, category=category, title=title,
                                    quantity=quantity, availability="周末")
                 for i, (kind, category, title, quantity) in enumerate(RESOURCES)]
    for index, (title, content, status, since, length, done) in enumerate(PROJECTS):
        start = today - timedelta(days=since)
        project = ps.create_project(by=worker, community_id=community.id, title=title, content=content,
                                    responsible_body="和平社区居委会", responsible_person=worker.name, start_date=start,
                                    deadline=start + timedelta(days=length), compound_ids=compound_ids[:2],
                                    partner_ids=partners[:2], budget=20000 if since > 50 else None)
        milestones = [ps.add_milestone(project, by=worker, title=name, due_date=start + timedelta(days=length * k // 3),
                                       weight=weight)
                      for k, (name, weight) in enumerate((("方案征求意见", 1), ("施工/实施", 3), ("验收", 1)), start=1)]
        if index < 3:  # the first projects were matched from the lists; the rest of both lists stay open
            lists.link_lists(project, [demands[index].id], [resources[index].id])
        _walk(project, status, milestones, done, units, residents, worker, today)
        db.session.flush()
        _date_timeline(project, milestones, today)


def _walk(project, status, milestones, done, units, residents, worker, today) -> None:
    """Take the project through its steps up to `status`, as the people would."""
    from portal.projects import project_services as ps

    if status == "cancelled":
        ps.take_step(project, "cancel", by=worker, reason="选址未达成一致，暂缓实施。")
        return
    if status == "proposed":
        return
    ps.take_step(project, "approve", by=worker)
    if status == "approved":
        return
    ps.take_step(project, "start", by=worker)
    for k, milestone in enumerate(milestones[:done]):
        ps.complete_milestone(milestone, by=worker, done_on=min(milestone.due_date + timedelta(days=k * 3), today),
                              unit=units[0] if k == 1 else None)
    ps.add_update(project, by=worker, note="居民议事会讨论通过实施方案。")
    if status in ("completed", "evaluated"):
        ps.take_step(project, "complete", by=worker)
        project.completed_on = min(project.deadline, today)
        for resident, _household in residents[:3]:
            ps.evaluate(project, by=resident, rating=5 if resident.id % 2 else 4, comment="效果很好。")
    if status == "evaluated":
        ps.take_step(project, "close", by=worker)


#: when each step of a project's timeline happened, from its start date (local day, hour); the rest
#: follow from the milestones and the completion date
BEFORE_START = {"proposed": (-14, 9), "milestone_added": (-14, 10), "approve": (-7, 10), "cancel": (-3, 15),
                "start": (0, 9)}


def _date_timeline(project, milestones, today) -> None:
    """The services wrote every step with today's clock: date each one to when it would have happened
    (never later than an hour ago), in order, so a project that started months ago reads that way."""
    from datetime import UTC, datetime, time

    from portal.core.clock import TZ, now_utc
    from portal.projects.models import ProjectEvent

    def local(day: date, hour: int) -> datetime:  # stored as UTC: SQLite keeps the digits it is given
        return datetime.combine(day, time(hour), TZ).astimezone(UTC)

    completed = project.completed_on or today
    done = iter(m.done_on for m in milestones if m.done_on)
    latest = now_utc() - timedelta(hours=1)
    previous = None
    for event in db.session.scalars(select(ProjectEvent).where(ProjectEvent.project_id == project.id)
                                    .order_by(ProjectEvent.id)):
        if event.action in BEFORE_START:
            days, hour = BEFORE_START[event.action]
            when = local(project.start_date + timedelta(days=days), hour)
        elif event.action == "milestone_done":
            when = local(next(done, completed), 16)
        elif event.action == "complete":
            when = local(completed, 17)
        elif event.action == "evaluated":
            when = local(completed + timedelta(days=3), 20)
        elif event.action == "close":
            when = local(completed + timedelta(days=10), 10)
        else:  # an update: the day after the step before it
            when = (previous or local(project.start_date, 9)) + timedelta(days=1)
        when = min(max(when, previous or when), latest)
        event.at = previous = when
    if previous is not None:
        project.created_at = min(local(project.start_date + timedelta(days=-14), 9), latest)


def _units(communities, users, today):
    units = []
    for name, community, contact, offers, periods in UNITS:
        person = users.get(contact) if contact else None
        unit = Unit(community_id=communities[community].id, name=name, registered_on=today - timedelta(days=900),
                    contact_name=contact or "办公室", contact_phone=person.phone if person else "02388886666",
                    contact_user_id=person.id if person else None, offers=offers)
        db.session.add(unit)
        db.session.flush()
        previous = None
        for start, length in periods:
            agreement = Agreement(unit_id=unit.id, start_date=today + timedelta(days=start),
                                  end_date=today + timedelta(days=start + length), renews_id=previous.id if previous else None,
                                  content=f"{name}与社区共建：{offers}")
            db.session.add(agreement)
            db.session.flush()
            previous = agreement
        units.append(unit)
    return units


def _residents(community_id: int) -> list[tuple[User, Household]]:
    rows = db.session.execute(
        select(User, Household).join(HouseholdMember, HouseholdMember.user_id == User.id)
        .join(Household, Household.id == HouseholdMember.household_id).join(Building)
        .join(Compound, Compound.id == Building.compound_id)
        .where(Compound.community_id == community_id).order_by(HouseholdMember.id)).all()
    return [(user, household) for user, household in rows]


def _members(communities, units, today) -> list[User]:
    """Residents of the two communities (after the first few, who post wishes) register as in-service
    party members: those the demo marks as party members first."""
    members = []
    for community in communities.values():
        people = sorted(_residents(community.id)[POSTERS:], key=lambda pair: (not pair[0].is_party_member, pair[0].id))
        for index, (user, household) in enumerate(people):
            if user.username or db.session.scalar(select(PartyMember.id).where(PartyMember.user_id == user.id)):
                continue
            unit = next((u for u in units if u.community_id == community.id and index % 2), None)
            db.session.add(PartyMember(user_id=user.id, compound_id=household.building.compound_id,
                                       unit_id=unit.id if unit else None, workplace=None if unit else "区教育局",
                                       registered_on=today - timedelta(days=30 + index * 7)))
            db.session.flush()
            if community.name == "和平社区":
                members.append(user)
    return members


def _story(wish, state, resident, members, units, worker, rng) -> None:
    if state in ("open", "open_raised"):
        return
    if state == "withdrawn":
        services.withdraw(wish, by=resident)
        return
    by_unit = rng.random() < 0.3 and worker is not None
    claimer = worker if by_unit else rng.choice(members)
    bare = next((u for u in units if u.contact_user_id is None and u.community_id == wish.compound.community_id), None)
    if by_unit and bare is not None:
        services.claim(wish, by=claimer, as_kind="unit", as_id=bare.id)
    else:
        claimer = rng.choice(members)
        services.claim(wish, by=claimer)
    if state == "claimed":
        return
    services.fulfil(wish, by=claimer, note=rng.choice(("已送到居民家中。", "已陪同完成。", "已上门帮忙处理好。")))
    if state == "confirmed":
        services.confirm(wish, by=resident)


def _retime(wish, state, index, today, rng) -> None:
    """Spread the wishes back in time: confirmed ones over a year, the raised one over 14 days ago."""
    from portal.core.clock import now_utc

    days = {"open": 2, "open_raised": 20, "claimed": 5, "fulfilled": 3, "withdrawn": 10}.get(state, 2 + (index - 5) * 19)
    start = now_utc() - timedelta(days=days)
    wish.created_at = start
    for event in db.session.scalars(select(WishEvent).where(WishEvent.wish_id == wish.id).order_by(WishEvent.id)):
        event.at = start + timedelta(hours=rng.randint(1, 30))
        start = event.at
    if wish.fulfilled_at:
        wish.fulfilled_at = start
    if wish.confirmed_at:
        wish.confirmed_at = start
        record = db.session.scalar(select(ServiceRecord).where(ServiceRecord.wish_id == wish.id))
        record.done_on = start.date()
