"""Demo repair requests: about sixty live ones across the demo street, in every state and kind, with
timelines, on top of a year of past, closed ones (portal/repairs/demo_history.py).

Every request is filed and moved on by calling the workflow services as the demo people who would
do it (a resident files, the property manager dispatches, the staff member accepts and resolves …),
so the timelines and notifications are real; only the times are moved back afterwards, spreading
the requests over the last 60 days. The services and the sweep use the real clock, so the times do
too. A fixed seed keeps the result the same from one load to the next.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from io import BytesIO

from PIL import Image, ImageDraw
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal.auth.models import User
from portal.extensions import db
from portal.orgs.models import Building, Community, Compound, Household, HouseholdMember, Role, Street
from portal.orgs.permissions import compute_scope
from portal.repairs import permissions, services
from portal.repairs.models import Kind, RepairRequest, RequestEvent, RequestPhoto, Status
from portal.repairs.photos import save_photos

SEED = 20261
STREET_NAME = "幸福街道"

# (story, how many). Each story is a function below that takes a filed request to its final state.
STORIES = (
    ("submitted", 6), ("department", 2), ("assigned", 4), ("returned", 2), ("in_progress", 5),
    ("transferred", 1), ("on_hold", 3), ("resolved", 4), ("auto_closed", 3), ("closed", 16),
    ("reopened_then_closed", 2), ("reopened", 2), ("escalated", 1), ("overdue", 2), ("overdue_unassigned", 2),
    ("hard", 2), ("community", 3), ("phone_visit", 2),
)
# Stories ending in an evaluation need a requester who can give it: a resident files them.
NEEDS_RESIDENT = {"closed", "reopened_then_closed", "reopened", "escalated", "community"}
# The demo resident (吴丽华) files the first of these, so her login shows one request in each state.
FEATURED = ("resolved", "in_progress", "closed", "reopened", "submitted", "on_hold")
COMPOUND_WEIGHT = {"阳光花园": 8, "锦绣家园": 3, "翠湖苑": 3, "和平里小区": 2, "光明新村": 2, "金色港湾": 1,
                   "丽景华庭": 1, "新华小区": 2, "书香名邸": 1, "滨江壹号": 1}

HOUSEHOLD_CATEGORIES = ("water_power", "water_power", "heating", "sewer", "sewer", "other")
PUBLIC_CATEGORIES = ("elevator", "access", "parking", "charging", "sanitation", "greening", "road", "noise")
COMMUNITY_CATEGORIES = ("parking", "noise", "charging")
DESCRIPTIONS = {
    "water_power": ("厨房水龙头一直滴水，关不紧。", "卫生间插座没电了，跳闸后合不上。", "热水器进水管接口漏水。"),
    "heating": ("暖气片不热，阀门已经打开。", "卧室暖气漏水，地板湿了一片。"),
    "sewer": ("卫生间下水道堵了，水下不去。", "厨房下水反味严重。"),
    "elevator": ("电梯按钮失灵，按了不亮。", "电梯运行时有异响，老人不敢坐。"),
    "access": ("单元门禁刷卡没反应。", "门禁对讲听不到声音。"),
    "parking": ("消防通道经常被私家车占用。", "地库车位被外来车辆占用。"),
    "charging": ("充电桩刷卡后不通电。", "电动车在楼道充电，存在安全隐患。"),
    "sanitation": ("垃圾桶满了两天没人清运。", "楼道里堆满杂物和纸箱。"),
    "greening": ("树枝伸到窗户边，刮风时敲玻璃。", "草坪长期无人修剪。"),
    "road": ("门口人行道砖松动，下雨溅水。", "小区出口路面塌陷一个坑。"),
    "noise": ("楼下底商晚上音响声音太大。", "夜间有装修噪音。"),
    "neighbour": ("楼上漏水到我家天花板，协商不成。",),
    "other": ("楼道灯不亮。", "信报箱锁坏了。"),
}
PLACES = {
    "elevator": ("{b}号楼电梯",), "access": ("{b}号楼单元门", "北门门禁"), "parking": ("地下车库入口", "东侧停车场"),
    "charging": ("南门充电桩", "{b}号楼车棚"), "sanitation": ("{b}号楼垃圾站", "{b}号楼楼道"),
    "greening": ("中心花园", "{b}号楼北侧绿地"), "road": ("东门外人行道", "小区主路"), "noise": ("{b}号楼底商",),
}
RESULTS = ("已更换配件，试用正常。", "已上门维修，问题解决。", "已清理完毕，并加强日常巡查。",
           "已联系相关单位处理完毕。", "已协调双方达成一致，问题解决。")
HOLD_REASONS = ("等待配件到货。", "需要与住户约定入户时间。", "等待厂家技术人员。")
COMMENTS_BAD = ("修完第二天又坏了。", "问题没有彻底解决。")
COMMENTS_GOOD = ("师傅很负责，谢谢！", "处理及时，满意。", None)


class _Demo:
    """The demo street's people, places and scopes, looked up once."""

    def __init__(self, rng: random.Random, now: datetime):
        self.rng, self.now = rng, now
        street = db.session.scalar(select(Street).where(Street.name == STREET_NAME))
        self.users = {u.name: u for u in db.session.scalars(select(User).where(User.street_id == street.id))}
        self.compounds = {c.name: c for c in db.session.scalars(
            select(Compound).join(Community).where(Community.street_id == street.id))}
        self.scopes = {}
        self.residents: dict[int, list[tuple[User, Household]]] = {}
        for member in db.session.scalars(select(HouseholdMember).join(Household).join(Building)
                                         .where(Building.compound_id.in_([c.id for c in self.compounds.values()]))
                                         .order_by(HouseholdMember.id)):
            pair = (member.user, member.household)
            self.residents.setdefault(member.household.building.compound_id, []).append(pair)
        self.households: dict[int, list[Household]] = {}
        for household in db.session.scalars(select(Household).join(Building).order_by(Household.id)
                                            .where(Building.compound_id.in_([c.id for c in self.compounds.values()]))):
            self.households.setdefault(household.building.compound_id, []).append(household)
        self.staff = [u for u in self.users.values() if self.scope(u).roles - {Role.RESIDENT}]

    def scope(self, user):
        if user.id not in self.scopes:
            self.scopes[user.id] = compute_scope(user)
        return self.scopes[user.id]

    def with_roles(self, compound_id: int, roles) -> list[User]:
        return [u for u in self.staff if self.scope(u).roles_in(compound_id) & set(roles)]

    # --- who does what -----------------------------------------------------------------------

    def dispatcher(self, req: RepairRequest) -> User | None:
        """Whoever dispatches at the request's level; community workers before party committee members."""
        roles = permissions.DISPATCH_ROLES[permissions.responsible_level(req)]
        people = self.with_roles(req.compound_id, roles)
        people.sort(key=lambda u: (Role.COMMUNITY_WORKER not in self.scope(u).roles_in(req.compound_id),
                                   u.username is None, u.id))
        return people[0] if people else None

    def handler(self, req: RepairRequest, avoid: int | None = None) -> User | None:
        """A handler the dispatcher may choose: the demo staff member or worker when possible."""
        candidates = [u for u in services.handler_candidates(req) if u.id != avoid]
        if not candidates:
            return None
        favourites = [u for u in candidates if u.username in ("demo_staff", "demo_worker")]
        if favourites and self.rng.random() < 0.7:
            return favourites[0]
        return self.rng.choice(candidates)


# --- the stories ------------------------------------------------------------------------------------------

def _dispatch(demo: _Demo, req, avoid=None) -> User | None:
    handler = demo.handler(req, avoid)
    dispatcher = demo.dispatcher(req)
    if handler is None or dispatcher is None:
        return None
    services.assign(req, by=dispatcher, handler=handler)
    return handler


def _work(demo: _Demo, req, *, hold: bool = False) -> User | None:
    handler = _dispatch(demo, req)
    if handler is None:
        return None
    services.accept(req, by=handler)
    if hold:
        services.hold(req, by=handler, reason=demo.rng.choice(HOLD_REASONS))
    return handler


def _resolve(demo: _Demo, req, *, photo: bool = False) -> User | None:
    handler = _work(demo, req, hold=demo.rng.random() < 0.25)
    if handler is None:
        return None
    if req.status == Status.ON_HOLD:
        services.resume(req, by=handler)
    services.resolve(req, by=handler, note=demo.rng.choice(RESULTS))
    if photo:
        save_photos(req, [_jpeg(demo.rng, "result")], stage="result", by=handler)
    return handler


def _evaluate(demo: _Demo, req, requester, *, satisfied: bool) -> None:
    rng = demo.rng
    if satisfied:
        rating = rng.choice((5, 5, 5, 4, 4, 3))
        services.evaluate(req, by=requester, rating=rating, speed=max(3, rating - rng.randint(0, 1)),
                          attitude=rng.choice((4, 5)), satisfied=True, comment=rng.choice(COMMENTS_GOOD))
    else:
        services.evaluate(req, by=requester, rating=rng.choice((1, 2)), speed=2, attitude=3, satisfied=False,
                          comment=rng.choice(COMMENTS_BAD))


def _story(demo: _Demo, story: str, req, requester) -> None:  # noqa: C901
    rng = demo.rng
    if story == "submitted":
        if rng.random() < 0.5:
            services.triage(req, by=demo.dispatcher(req), kind=req.kind)
    elif story == "department":
        services.triage(req, by=demo.dispatcher(req), kind=Kind.DEPARTMENT, reason="需市政部门维修")
        services.record_department(req, by=demo.dispatcher(req), department="区市政管理处",
                                   reply=rng.choice((None, "已列入本月维修计划。")))
    elif story == "assigned":
        _dispatch(demo, req)
    elif story == "returned":
        handler = _dispatch(demo, req)
        if handler is not None:
            services.return_request(req, by=handler, reason="不属于我负责的楼栋。")
            _dispatch(demo, req, avoid=handler.id)
    elif story in ("in_progress", "overdue"):
        _work(demo, req)
    elif story == "transferred":
        handler = _work(demo, req)
        other = demo.handler(req, avoid=handler.id) if handler else None
        if other is not None:
            services.assign(req, by=demo.dispatcher(req), handler=other, note="换由熟悉该设备的师傅处理。")
    elif story == "on_hold":
        _work(demo, req, hold=True)
    elif story in ("resolved", "auto_closed"):
        _resolve(demo, req, photo=rng.random() < 0.3)
    elif story in ("closed", "community"):
        if story == "community":
            services.triage(req, by=demo.dispatcher(req), kind=Kind.COMMUNITY)
        if _resolve(demo, req, photo=rng.random() < 0.4):
            _evaluate(demo, req, requester, satisfied=True)
    elif story in ("reopened", "reopened_then_closed", "escalated"):
        handler = _resolve(demo, req)
        if handler is None:
            return
        _evaluate(demo, req, requester, satisfied=False)
        if story == "reopened":
            return
        services.accept(req, by=handler)
        services.resolve(req, by=handler, note=rng.choice(RESULTS))
        _evaluate(demo, req, requester, satisfied=story == "reopened_then_closed")
    elif story == "hard":
        services.triage(req, by=demo.dispatcher(req), kind=Kind.HARD, reason="涉及多个部门，需街道协调。")
        _work(demo, req)
    elif story == "phone_visit" and _resolve(demo, req):
        services.return_visit(req, by=demo.dispatcher(req), note="电话回访，居民表示问题已解决。", satisfied=True)


# --- filing ---------------------------------------------------------------------------------------------------

def _file(demo: _Demo, story: str, featured: bool):
    """Pick a compound, a filer and a place for `story`; file it. Returns (request, requester)."""
    rng = demo.rng
    if featured:
        resident = demo.users["吴丽华"]
        compound = demo.compounds["阳光花园"]
        filer = next((u, h) for u, h in demo.residents[compound.id] if u.id == resident.id)
    else:
        names = [n for n in COMPOUND_WEIGHT if n in demo.compounds
                 and (story not in NEEDS_RESIDENT or demo.residents.get(demo.compounds[n].id))]
        compound = demo.compounds[rng.choices(names, weights=[COMPOUND_WEIGHT[n] for n in names])[0]]
        residents = demo.residents.get(compound.id, [])
        on_behalf = story == "phone_visit" or not residents or (story not in NEEDS_RESIDENT and rng.random() < 0.3)
        filer = None if on_behalf else rng.choice(residents)
    if story == "community":
        category = rng.choice(COMMUNITY_CATEGORIES)
    elif story in ("department", "hard"):
        category = "road"
    elif story == "phone_visit" or rng.random() < 0.55:
        category = rng.choice(HOUSEHOLD_CATEGORIES)
    else:
        category = rng.choice(PUBLIC_CATEGORIES)
    public = category in PUBLIC_CATEGORIES
    fields = {"compound": compound, "category": category, "description": rng.choice(DESCRIPTIONS[category]),
              "urgency": "normal" if story in ("reopened", "escalated", "hard", "department")
              else rng.choice(("normal", "normal", "normal", "urgent", "emergency"))}
    if public:
        buildings = len(compound.buildings)
        fields["place"] = rng.choice(PLACES[category]).format(b=rng.randint(1, buildings))
    if filer is not None:
        user, household = filer
        if not public:
            fields["household"] = household
        return services.file_request(by=user, **fields), user
    staff = demo.with_roles(compound.id, permissions.FILE_FOR_OTHERS_ROLES)
    staff.sort(key=lambda u: (Role.GRID_WORKER not in demo.scope(u).roles_in(compound.id), u.id))
    by = staff[0] if rng.random() < 0.6 else rng.choice(staff)
    channel = "patrol" if public and rng.random() < 0.6 else rng.choice(("phone", "phone", "walk_in"))
    if not public:
        household = rng.choice(demo.households[compound.id])
        fields.update(household=household, contact_name=household.owner_name, contact_phone=household.owner_phone)
    return services.file_request(by=by, channel=channel, **fields), None


def _jpeg(rng: random.Random, name: str) -> FileStorage:
    """A small photo-like JPEG (a wall, a pipe, a stain), made in memory."""
    image = Image.new("RGB", (480, 360), tuple(rng.randint(150, 220) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 250, 480, 360), fill=tuple(rng.randint(90, 140) for _ in range(3)))
    y = rng.randint(60, 200)
    draw.rectangle((rng.randint(0, 120), y, rng.randint(300, 480), y + 24), fill=(120, 120, 130))
    x, y = rng.randint(100, 380), rng.randint(80, 280)
    draw.ellipse((x - 40, y - 25, x + 40, y + 25), fill=(110, 90, 60))
    out = BytesIO()
    image.save(out, "JPEG", quality=80)
    out.seek(0)
    return FileStorage(stream=out, filename=f"{name}.jpg", content_type="image/jpeg")


# --- times -------------------------------------------------------------------------------------------------------

def _window(story: str, req: RepairRequest, rng: random.Random, now: datetime) -> tuple[datetime, datetime]:
    """When the request was filed and when its last step happened."""
    sla = timedelta(hours=services.hours_for(req.category, req.urgency))
    day, hour = timedelta(days=1), timedelta(hours=1)
    if story in ("overdue", "overdue_unassigned"):
        start = now - sla * rng.uniform(1.3, 3)
        return start, start + (sla * 0.2)
    if story in ("resolved", "phone_visit"):
        start = now - day * rng.uniform(1.5, 6)
        return start, now - day * rng.uniform(0.2, 1.2)
    if story == "auto_closed":
        start = now - day * rng.uniform(12, 40)
        return start, start + day * rng.uniform(1, 3)
    if story in ("closed", "community", "reopened_then_closed"):
        start = now - day * rng.uniform(3, 60)
        return start, min(start + day * rng.uniform(0.3, 5), now - hour)
    if story in ("reopened", "escalated"):
        start = now - day * rng.uniform(4, 10)
        return start, now - hour * rng.uniform(2, 20)
    # Still open and on time: filed a fraction of its service-level time ago.
    start = now - sla * rng.uniform(0.15, 0.6)
    return start, start + (now - start) * 0.8


def _retime(req: RepairRequest, start: datetime, end: datetime, rng: random.Random) -> None:
    """Spread the request's timeline between `start` and `end` and make its dates agree."""
    events = db.session.scalars(select(RequestEvent).where(RequestEvent.request_id == req.id)
                                .order_by(RequestEvent.id)).all()
    gaps = sorted(rng.random() for _ in range(max(0, len(events) - 2)))
    fractions = [0.0, *gaps, 1.0][:len(events)]
    last: dict[str, datetime] = {}
    for event, fraction in zip(events, fractions, strict=True):
        event.at = start + (end - start) * fraction
        last[event.action] = event.at
    req.created_at = start
    sla = timedelta(hours=services.hours_for(req.category, req.urgency))
    req.due_at = last.get("reopened", start) + sla
    if req.accepted_at:
        req.accepted_at = last["accepted"]
    if req.resolved_at:
        req.resolved_at = last["resolved"]
    if req.evaluated_at:
        req.evaluated_at = last.get("evaluated", last.get("reopened"))
    if req.closed_at:
        req.closed_at = last["evaluated"]
    for photo in db.session.scalars(select(RequestPhoto).where(RequestPhoto.request_id == req.id)):
        photo.created_at = last["resolved"] if photo.stage == "result" else start


def _after_sweep(requests: list[RepairRequest]) -> None:
    """The sweep ran with today's clock: date its entries to when they would have happened."""
    for req in requests:
        if req.overdue_flagged_at is None and req.close_reason != "not_evaluated":
            continue
        when = (req.resolved_at + services.AUTO_CLOSE_AFTER if req.close_reason == "not_evaluated"
                else req.due_at) + timedelta(minutes=10)
        if req.close_reason == "not_evaluated":
            req.closed_at = when
        else:
            req.overdue_flagged_at = when
        for event in db.session.scalars(select(RequestEvent).where(
                RequestEvent.request_id == req.id,
                RequestEvent.action.in_(("overdue", "escalated", "auto_closed")), RequestEvent.actor_id.is_(None))):
            event.at = when


# --- the loader ---------------------------------------------------------------------------------------------------

def load_repairs_demo(today: date | None = None) -> int:
    """File and move on the demo requests, then run the sweep; commits. Returns how many were filed.

    `today` is accepted for symmetry with load_demo; times follow the real clock, as the services do.
    """
    rng = random.Random(SEED)
    now = services.now_utc()
    demo = _Demo(rng, now)
    plan = [story for story, count in STORIES for _ in range(count)]
    rng.shuffle(plan)
    featured = set(FEATURED)
    created: list[RepairRequest] = []
    for index, story in enumerate(plan):
        is_featured = story in featured
        featured.discard(story)
        req, requester = _file(demo, story, is_featured)
        if index % 4 == 0 and requester is not None and req.household_id:
            save_photos(req, [_jpeg(rng, "filing")], stage="filing", by=requester)
        _story(demo, story, req, requester)
        db.session.flush()
        start, end = _window(story, req, rng, now)
        _retime(req, start, end, rng)
        created.append(req)
    db.session.flush()
    services.sweep(now)
    _after_sweep(created)
    from portal.repairs.demo_history import load_history

    past = load_history(demo, now)
    db.session.commit()
    return len(created) + past

