"""Demo joint meetings: a year of them across the demo street.

阳光花园 runs a monthly regular series convened by the community party secretary (李秀兰): eleven held
meetings and the next one scheduled, open resolutions carried from one to the next until done, items
from 社事 requests and from residents' proposals, locked minutes (one corrected into a second version),
two meetings without quorum, resolutions done, open and overdue, disclosures for the residents. 光明社区
and 新华社区 hold a few ad hoc meetings. Everything goes through the services as the people who would
act; only the times are moved back afterwards (the services refuse a meeting in the past).
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select

from portal.auth.models import User
from portal.core.clock import now_utc
from portal.extensions import db
from portal.meetings import minutes, resolutions, series, services
from portal.meetings.models import AgendaItem, Invitee, Meeting, Party, Resolution
from portal.orgs.models import Community, Compound

SEED = 20262
TOPICS = (("电动车楼道充电整治", "楼道充电存在火灾隐患，讨论集中充电点选址。", "在2号楼北侧增设集中充电棚，物业负责施工。"),
          ("小区停车秩序", "消防通道被占，讨论划线和巡查。", "消防通道施划禁停线，物业每日巡查。"),
          ("垃圾分类督导", "分类投放点设置与督导员排班。", "增设两个投放点，志愿者轮值督导。"),
          ("老旧管网改造", "雨季积水，讨论申报改造资金。", "由社区向街道申报，业委会征集业主意见。"),
          ("加装电梯意见征集", "3号楼居民提出加装电梯。", "业委会组织3号楼业主协商，社区协助政策解读。"),
          ("物业服务费收支公示", "业主希望了解公共收益使用情况。", "物业每季度公示公共收益收支，业委会审核。"),
          ("夏季防汛准备", "地库排水泵检修与沙袋储备。", "物业月底前完成排水泵检修。"),
          ("广场舞噪音协调", "晚间音响扰民。", "限定活动时间至晚上八点半，音量由志愿者提醒。"))


def _user(username_or_name: str) -> User:
    return db.session.scalar(select(User).where((User.username == username_or_name) | (User.name == username_or_name)))


def _compound(name: str) -> Compound:
    return db.session.scalar(select(Compound).where(Compound.name == name))


def _shift(meeting: Meeting, start) -> None:
    length = meeting.ends_at - meeting.starts_at
    meeting.starts_at, meeting.ends_at = start, start + length


def _convene(convener: User, compound: Compound, title: str, start, *, kind="regular", series_id=None) -> Meeting:
    soon = now_utc() + timedelta(days=1)
    keys = [c.key for c in services.proposed_invitees(compound.community_id, compound.id, convener.id)]
    meeting = services.convene(by=convener, community_id=compound.community_id, compound_id=compound.id, title=title,
                               kind=kind, starts_at=soon, ends_at=soon + timedelta(hours=2), place="社区党群服务中心",
                               invite_keys=keys, series_id=series_id)
    _shift(meeting, start.replace(second=0, microsecond=0))
    db.session.flush()
    return meeting


def _hold(meeting: Meeting, convener: User, rng: random.Random, *, quorate=True, correction=False) -> None:
    """Attendance, minutes issued and confirmed (locked), resolutions, disclosure."""
    invitees = db.session.scalars(select(Invitee).where(Invitee.meeting_id == meeting.id)).all()
    present = [i.user_id for i in invitees if quorate or i.party != Party.PROPERTY]
    services.mark_attendance(meeting, by=convener, present_ids=present)
    db.session.flush()
    items = list(meeting.items)
    entries = {}
    for item in items:
        topic = next((t for t in TOPICS if t[0] == item.title), None)
        decision = topic[2] if topic else "继续督办，下次会议通报进展。"
        entries[item.id] = (topic[1] if topic else "通报办理进展。", decision)
    minutes.write_minutes(meeting, by=convener, entries=entries)
    minutes.issue(meeting, by=convener)
    reps = {}
    for invitee in invitees:
        reps.setdefault(invitee.party, invitee.user_id)
    if correction:
        asked = minutes.answer(meeting, by=db.session.get(User, reps[Party.PROPERTY]), confirmed=False,
                               comment="完成时间应为月底前，请更正。")
        db.session.flush()
        minutes.reply(meeting, asked, by=convener, text_="已核实，按月底前更正。")
        first = items[0]
        minutes.write_minutes(meeting, by=convener, entries={first.id: (entries[first.id][0], entries[first.id][1] + "（月底前完成）")})
        minutes.issue(meeting, by=convener, note="更正完成时间")
    for party in Party.THREE:
        if party in reps:
            minutes.answer(meeting, by=db.session.get(User, reps[party]), confirmed=True)
            db.session.flush()
    meeting.disclosed_at = meeting.ends_at


def _resolve_items(meeting: Meeting, convener: User, rng: random.Random, *, done: bool) -> list[Resolution]:
    choices = resolutions.responsible_choices(meeting)
    property_key = next((f"{o}-{u}" for o, u, label in choices if "物业" in label), None)
    other_key = next((f"{o}-{u}" for o, u, label in choices if "业主委员会" in label), property_key)
    made = []
    meeting_day = services.local(meeting.starts_at).date()
    for index, item in enumerate(meeting.items):
        if item.source_kind == "resolution":
            continue
        key = property_key if index % 2 == 0 else other_key
        if key is None:
            continue
        resolution = resolutions.add_resolution(meeting, by=convener, what=f"落实：{item.title}", responsible_key=key,
                                                deadline=meeting_day + timedelta(days=rng.choice((14, 21, 30))), item_id=item.id)
        made.append(resolution)
    db.session.flush()
    if done:
        for resolution in made:
            resolutions.complete(resolution, by=resolution.responsible, evidence="已按决议完成，现场照片已存档。",
                                 resolve_source=True)
    return made


def _series(rng: random.Random) -> int:
    secretary = _user("demo_secretary")
    resident = _user("demo_resident")
    sunshine = _compound("阳光花园")
    from portal.repairs import services as repairs

    parking = repairs.file_request(by=resident, compound=sunshine, category="parking", place="北门消防通道",
                                   description="消防通道经常被私家车占用，救护车进不来。")
    charging = repairs.file_request(by=resident, compound=sunshine, category="charging", place="5号楼楼道",
                                    description="电动车在楼道充电，存在安全隐患。")
    db.session.flush()
    now = now_utc()
    first_id = None
    count = 0
    for months_ago in range(11, 0, -1):
        start = (now - timedelta(days=30 * months_ago)).replace(hour=11, minute=0)  # 19:00 in Shanghai
        meeting = _convene(secretary, sunshine, f"阳光花园{services.local(start).month}月党建联席会议", start,
                           series_id=first_id)
        first_id = first_id or meeting.id
        series.carry_open(meeting, by=secretary)
        topic = TOPICS[months_ago % len(TOPICS)]
        if months_ago == 9:
            services.add_agenda_item(meeting, by=secretary, title=TOPICS[1][0], source_kind="repair", source_id=parking.id)
        else:
            services.add_agenda_item(meeting, by=secretary, title=topic[0], description=topic[1])
        if months_ago == 6:
            proposal = services.propose_topic(sunshine, by=resident, title=TOPICS[4][0], description="3号楼老人多，上下楼困难。")
            services.accept_proposal(proposal, meeting, by=secretary)
        db.session.flush()
        _hold(meeting, secretary, rng, quorate=months_ago not in (7, 3), correction=months_ago == 8)
        # the last three months' resolutions stay open (two of them overdue by now)
        _resolve_items(meeting, secretary, rng, done=months_ago > 3)
        db.session.flush()
        count += 1
    # the next occurrence, scheduled, with what is still open carried onto its agenda
    upcoming = _convene(secretary, sunshine, "阳光花园下月党建联席会议", (now + timedelta(days=12)).replace(hour=11, minute=0),
                        series_id=first_id)
    series.carry_open(upcoming, by=secretary)
    services.add_agenda_item(upcoming, by=secretary, title="电动车楼道充电", source_kind="repair", source_id=charging.id)
    open_proposal = services.propose_topic(sunshine, by=resident, title="增设快递柜", description="快递堆在门岗，经常丢件。")
    declined = services.propose_topic(sunshine, by=resident, title="更换小区大门", description="大门太旧。")
    services.decline_proposal(declined, by=secretary, reason="大门今年已检修，暂不更换，纳入明年维修计划。")
    del open_proposal
    return count + 1


def _ad_hoc(rng: random.Random) -> int:
    held = 0
    for convener_name, compound_name, months_ago, quorate in (("郑国华", "光明新村", 8, True), ("郑国华", "金色港湾", 4, False),
                                                              ("高志明", "新华小区", 10, True), ("高志明", "书香名邸", 2, True)):
        convener, compound = _user(convener_name), _compound(compound_name)
        start = (now_utc() - timedelta(days=30 * months_ago + 3)).replace(hour=7, minute=0)
        meeting = _convene(convener, compound, f"{compound_name}专题协商会", start, kind="ad_hoc")
        topic = TOPICS[(months_ago + 2) % len(TOPICS)]
        services.add_agenda_item(meeting, by=convener, title=topic[0], description=topic[1])
        db.session.flush()
        _hold(meeting, convener, rng, quorate=quorate)
        _resolve_items(meeting, convener, rng, done=months_ago > 3)
        held += 1
    return held


def _service_days() -> None:
    secretary = _user("demo_secretary")
    community = db.session.scalar(select(Community).where(Community.name == "和平社区"))
    month = series.this_month()
    previous = (month - timedelta(days=1)).replace(day=1)
    for stage in series.STAGES:
        series.mark_stage(community.id, previous, stage, by=secretary)
    series.mark_stage(community.id, month, "collect", by=secretary)


def _history_read() -> None:
    """The notices of the past year's meetings are history, read long ago; what is still to do (the next
    meeting, an open proposal, overdue resolutions) stays unread."""
    from sqlalchemy import update

    from portal.notifications.models import Notification

    upcoming = db.session.scalar(select(Meeting.id).where(Meeting.starts_at > now_utc()).order_by(Meeting.starts_at.desc()).limit(1))
    keep = [f"/meetings/{upcoming}"] if upcoming else []
    db.session.execute(update(Notification).where(Notification.key.like("meetings.%"), Notification.read_at.is_(None),
                                                  Notification.key.not_in(["meetings.proposal_new"]),
                                                  Notification.link.not_in(keep or [""]))
                       .values(read_at=now_utc()))


def load_meetings_demo(today: date | None = None) -> int:
    """Hold the demo meetings and commit; returns how many meetings there are."""
    rng = random.Random(SEED)
    total = _series(rng) + _ad_hoc(rng)
    _service_days()
    db.session.flush()
    for resolution in db.session.scalars(select(Resolution)):  # created "now": dated from their meeting instead
        resolution.created_at = resolution.meeting.ends_at
    _history_read()
    db.session.commit()
    assert db.session.scalar(select(AgendaItem.id).limit(1)) is not None
    return total
