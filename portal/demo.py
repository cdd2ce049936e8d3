"""Demo data for a fresh install: one street, three communities, ten compounds, ~800 households, every kind
of organisation and one login per role (`demo_logins`), so that every screen has something to show.

Names and phone numbers come from a fixed seed and every date is relative to `today`, so contracts and
positions are current whenever the demo is loaded; loading it a second time changes nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

from flask_babel import LazyString
from sqlalchemy import func, select

from portal.auth.models import User
from portal.auth.passwords import hash_password
from portal.core.clock import today as local_today
from portal.core.modules import registry
from portal.core.translations import lazy_gettext as _l
from portal.extensions import db
from portal.orgs.importer import natural_key
from portal.orgs.models import (
    Building,
    Community,
    Compound,
    ContractStatus,
    Household,
    HouseholdMember,
    Organisation,
    OrgKind,
    Position,
    Role,
    ServiceContract,
    Street,
)

DEMO_PASSWORD = "Demo-2026!hongwu"
STREET_NAME = "幸福街道"
SEED = 2026


# --- what the demo community looks like ---------------------------------------------------------

class CompoundSpec(NamedTuple):
    name: str
    buildings: int
    floors: int
    rooms_per_floor: int  # in each of the units "1" and "2"


COMMUNITIES: dict[str, tuple[CompoundSpec, ...]] = {
    "和平社区": (CompoundSpec("阳光花园", 6, 6, 1), CompoundSpec("锦绣家园", 8, 6, 1),
             CompoundSpec("翠湖苑", 4, 11, 1), CompoundSpec("和平里小区", 5, 5, 2)),
    "光明社区": (CompoundSpec("光明新村", 10, 5, 1), CompoundSpec("金色港湾", 4, 9, 1),
             CompoundSpec("丽景华庭", 5, 7, 1)),
    "新华社区": (CompoundSpec("新华小区", 7, 6, 1), CompoundSpec("书香名邸", 4, 8, 1),
             CompoundSpec("滨江壹号", 4, 7, 1)),
}
ROADS = {"和平社区": "和平路", "光明社区": "光明大道", "新华社区": "新华街"}

ANJU, HONGDA, WANJIA = "安居物业服务有限公司", "宏达物业管理有限公司", "万家物业服务有限公司"
COMPANIES = {ANJU: "400-820-6688", HONGDA: "400-658-3399", WANJIA: "400-117-5858"}  # name → service hotline
# Company → the community its party branch reports to (万家 has none: coverage below 100% is the point).
COMPANY_BRANCHES = {ANJU: ("安居物业党支部", "和平社区"), HONGDA: ("宏达物业党支部", "光明社区")}


class ContractSpec(NamedTuple):
    compound: str
    company: str
    began: float  # years before today
    ends: float  # years after today; negative when already over
    status: str = ContractStatus.ACTIVE


# 和平里小区 is an old compound without property service (无物业老旧小区); 丽景华庭's contract has run out.
CONTRACTS = (
    ContractSpec("阳光花园", ANJU, 2, 1),
    ContractSpec("锦绣家园", ANJU, 1, 2),
    ContractSpec("翠湖苑", ANJU, 3, 0.5),
    ContractSpec("金色港湾", ANJU, 1.5, 1.5),
    ContractSpec("光明新村", ANJU, 5, -1.5, ContractStatus.TERMINATED),
    ContractSpec("光明新村", HONGDA, 1.5, 1.5),
    ContractSpec("丽景华庭", HONGDA, 3, -0.25),
    ContractSpec("新华小区", HONGDA, 2, 1),
    ContractSpec("书香名邸", WANJIA, 1, 2),
    ContractSpec("滨江壹号", WANJIA, 0.5, 2.5),
)

# 丽景华庭 and 滨江壹号 have not elected one yet; 和平里小区 has a 物管会 instead of an owners' committee.
OWNERS_COMMITTEES = ("阳光花园", "锦绣家园", "翠湖苑", "光明新村", "金色港湾", "新华小区", "书香名邸")
MANAGEMENT_COMMITTEES = ("和平里小区",)
COMPOUND_BRANCHES = ("锦绣家园", "和平里小区", "光明新村", "新华小区")  # 小区党支部
OWNERS_COMMITTEE_BRANCHES = ("阳光花园", "翠湖苑")  # 业委会党支部
PARTNERS = (  # 驻区单位 and volunteer teams: (kind, name, community)
    (OrgKind.RESIDENT_UNIT, "区第一人民医院", "和平社区"),
    (OrgKind.RESIDENT_UNIT, "区实验小学", "光明社区"),
    (OrgKind.VOLUNTEER_TEAM, "和平社区红马甲志愿服务队", "和平社区"),
)


class Post(NamedTuple):
    org: str  # organisation name
    role: str
    title: str
    grid: str | None = None  # compound name, for grid workers
    ended: bool = False  # a past term, kept for history


class Person(NamedTuple):
    name: str
    username: str | None
    posts: tuple[Post, ...] = ()
    home: str | None = None  # compound where they own a household
    family_of: str | None = None  # lives in this person's household
    party: bool = False


PEOPLE = (
    # One login per role; several of them hold more than one post (交叉任职).
    Person("周建国", "demo_street", (Post("幸福街道办事处", Role.STREET_ADMIN, "党建办主任"),), party=True),
    Person("李秀兰", "demo_secretary", (Post("和平社区党委", Role.PARTY_SECRETARY, "书记"),
                                     Post("和平社区居民委员会", Role.COMMUNITY_WORKER, "主任")), party=True),
    Person("王志强", "demo_committee", (Post("和平社区党委", Role.PARTY_COMMITTEE, "委员"),
                                     Post("阳光花园业主委员会", Role.OWNERS_COMMITTEE, "委员")),
           home="阳光花园", party=True),
    Person("陈静", "demo_worker", (Post("和平社区居民委员会", Role.COMMUNITY_WORKER, "社区工作者"),)),
    Person("刘洋", "demo_grid", (Post("和平社区居民委员会", Role.GRID_WORKER, "网格员", grid="锦绣家园"),)),
    Person("张桂芳", "demo_owners", (Post("阳光花园业主委员会", Role.OWNERS_COMMITTEE, "业委会主任"),
                                  Post("阳光花园业委会党支部", Role.BRANCH_MEMBER, "书记")),
           home="阳光花园", party=True),
    Person("赵明", "demo_manager", (Post(ANJU, Role.PROPERTY_MANAGER, "项目经理"),
                                 Post("和平社区党委", Role.PARTY_COMMITTEE, "兼职委员"),
                                 Post("安居物业党支部", Role.BRANCH_MEMBER, "书记")), party=True),
    Person("孙伟", "demo_staff", (Post(ANJU, Role.PROPERTY_STAFF, "维修工"),)),
    Person("吴丽华", "demo_resident", home="阳光花园"),
    # 和平社区
    Person("郑海涛", None, family_of="吴丽华"),
    Person("马红梅", None, (Post("和平社区党委", Role.PARTY_COMMITTEE, "副书记"),), party=True),
    Person("黄文斌", None, (Post("和平社区党委", Role.PARTY_COMMITTEE, "委员"),
                         Post("和平里小区物业管理委员会", Role.OWNERS_COMMITTEE, "主任")), party=True),
    Person("徐磊", None, (Post("和平社区居民委员会", Role.GRID_WORKER, "网格员", grid="阳光花园"),)),
    Person("何婷", None, (Post("和平社区居民委员会", Role.GRID_WORKER, "网格员", grid="翠湖苑"),
                        Post("和平社区红马甲志愿服务队", Role.MEMBER, "副队长")), party=True),
    Person("郭永刚", None, (Post("锦绣家园业主委员会", Role.OWNERS_COMMITTEE, "业委会主任"),
                         Post("锦绣家园党支部", Role.BRANCH_MEMBER, "书记")), home="锦绣家园", party=True),
    Person("林淑珍", None, (Post("翠湖苑业主委员会", Role.OWNERS_COMMITTEE, "业委会主任"),
                         Post("翠湖苑业委会党支部", Role.BRANCH_MEMBER, "书记")), home="翠湖苑", party=True),
    Person("宋立新", None, (Post("翠湖苑业主委员会", Role.OWNERS_COMMITTEE, "副主任"),), home="翠湖苑"),
    Person("杨雪", None, (Post(ANJU, Role.PROPERTY_STAFF, "客服"),)),
    Person("韩冬", None, (Post(ANJU, Role.PROPERTY_STAFF, "保洁主管"),)),
    Person("潘玉兰", None, (Post("和平社区红马甲志愿服务队", Role.MEMBER, "队长"),),
           home="和平里小区", party=True),
    Person("曾晓红", None, (Post("区第一人民医院", Role.MEMBER, "双报到联络人"),), party=True),
    Person("田大勇", None, home="锦绣家园", party=True),
    Person("董佩玲", None, home="翠湖苑"),
    # The previous chair of 阳光花园's owners' committee: a closed term, for history.
    Person("钱永福", None, (Post("阳光花园业主委员会", Role.OWNERS_COMMITTEE, "业委会主任", ended=True),),
           home="阳光花园"),
    # 光明社区
    Person("郑国华", None, (Post("光明社区党委", Role.PARTY_SECRETARY, "书记"),), party=True),
    Person("何丽娟", None, (Post("光明社区党委", Role.PARTY_COMMITTEE, "委员"),
                         Post("光明新村业主委员会", Role.OWNERS_COMMITTEE, "委员")),
           home="光明新村", party=True),
    Person("罗晓燕", None, (Post("光明社区居民委员会", Role.COMMUNITY_WORKER, "主任"),), party=True),
    Person("梁超", None, (Post("光明社区居民委员会", Role.GRID_WORKER, "网格员", grid="光明新村"),)),
    Person("谢振华", None, (Post("光明新村业主委员会", Role.OWNERS_COMMITTEE, "业委会主任"),),
           home="光明新村"),
    Person("唐敏", None, (Post("金色港湾业主委员会", Role.OWNERS_COMMITTEE, "业委会主任"),), home="金色港湾"),
    Person("许卫东", None, (Post(HONGDA, Role.PROPERTY_MANAGER, "项目经理"),
                         Post("宏达物业党支部", Role.BRANCH_MEMBER, "书记")), party=True),
    Person("冯建军", None, (Post(HONGDA, Role.PROPERTY_STAFF, "维修工"),)),
    Person("袁志刚", None, (Post("区实验小学", Role.MEMBER, "联络员"),), party=True),
    # 新华社区
    Person("高志明", None, (Post("新华社区党委", Role.PARTY_SECRETARY, "书记"),
                         Post("新华社区居民委员会", Role.COMMUNITY_WORKER, "主任")), party=True),
    Person("林芳", None, (Post("新华社区居民委员会", Role.COMMUNITY_WORKER, "社区工作者"),)),
    Person("曹宇", None, (Post("新华社区居民委员会", Role.GRID_WORKER, "网格员", grid="新华小区"),)),
    Person("邓秀梅", None, (Post("新华小区业主委员会", Role.OWNERS_COMMITTEE, "业委会主任"),
                         Post("新华小区党支部", Role.BRANCH_MEMBER, "书记")), home="新华小区", party=True),
    Person("彭涛", None, (Post("书香名邸业主委员会", Role.OWNERS_COMMITTEE, "业委会主任"),), home="书香名邸"),
    Person("蒋磊", None, (Post(WANJIA, Role.PROPERTY_MANAGER, "项目经理"),)),
)

LOGINS = (
    (_l("街道管理员"), "demo_street"),
    (_l("社区党委书记"), "demo_secretary"),
    (_l("社区党委委员"), "demo_committee"),
    (_l("社区工作者"), "demo_worker"),
    (_l("网格员"), "demo_grid"),
    (_l("业委会委员"), "demo_owners"),
    (_l("物业项目经理"), "demo_manager"),
    (_l("物业维修工"), "demo_staff"),
    (_l("居民"), "demo_resident"),
)

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
            "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴孔汤")
GIVEN = ("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华慧建国志红平辉刚桂兰"
         "玉春海波宁霞文斌晨雪琳浩宇鹏飞欣怡佳俊德福荣凤梅")


@dataclass
class DemoResult:
    """What the demo street holds; `created` is False when it was already there and left alone."""

    created: bool
    communities: int = 0
    compounds: int = 0
    households: int = 0
    users: int = 0


def demo_logins() -> list[tuple[LazyString, str, str]]:
    """(role label, login, password) for each demo role, as the CLI prints them."""
    return [(label, username, DEMO_PASSWORD) for label, username in LOGINS]


def load_demo(today: date | None = None) -> DemoResult:
    """Create the demo street and commit; if it is already there, leave it alone and say so."""
    existing = db.session.scalar(select(Street).where(Street.name == STREET_NAME))
    if existing is not None:
        return _summary(existing, created=False)
    today = today or local_today()
    rng = random.Random(SEED)
    phones = _PhoneBook(rng, taken=set(db.session.scalars(select(User.phone).where(User.phone.is_not(None)))))
    street = Street(name=STREET_NAME)
    compounds, homes = _structure(street, rng, phones)
    db.session.add(street)
    db.session.flush()  # users carry street_id, and there is no relationship to set it by
    orgs = _organisations(street, compounds)
    db.session.add_all(orgs.values())
    db.session.add_all(_contracts(orgs, compounds, today))
    db.session.add_all(_people(street, orgs, compounds, homes, today, rng, phones))
    db.session.commit()
    for _order, load_module_demo in sorted(registry().demos, key=lambda item: item[0]):
        load_module_demo(today)  # only with a new street, so a second load still changes nothing
    return _summary(street, created=True)


def _summary(street: Street, *, created: bool) -> DemoResult:
    scalar = db.session.scalar
    compound_ids = select(Compound.id).join(Community).where(Community.street_id == street.id)
    return DemoResult(
        created=created,
        communities=scalar(select(func.count(Community.id)).where(Community.street_id == street.id)),
        compounds=scalar(select(func.count()).select_from(compound_ids.subquery())),
        households=scalar(select(func.count(Household.id)).join(Building)
                          .where(Building.compound_id.in_(compound_ids))),
        users=scalar(select(func.count(User.id)).where(User.street_id == street.id)),
    )


# --- generated names and numbers ------------------------------------------------------------------

class _PhoneBook:
    """Unique 11-digit mobile numbers (13x…), skipping those existing accounts already use."""

    def __init__(self, rng: random.Random, taken: set[str]):
        self.rng = rng
        self.taken = set(taken)

    def new(self) -> str:
        while True:
            number = f"13{self.rng.randrange(10**9):09d}"
            if number not in self.taken:
                self.taken.add(number)
                return number


def _chinese_name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def _years(today: date, years: float) -> date:
    return today + timedelta(days=round(365.25 * years))


# --- structure: communities, compounds, buildings, households -----------------------------------

def _structure(street: Street, rng: random.Random, phones: _PhoneBook):
    """Build the five levels under `street`; returns compounds and households by compound name."""
    compounds: dict[str, Compound] = {}
    homes: dict[str, list[Household]] = {}
    for community_name, specs in COMMUNITIES.items():
        road = ROADS[community_name]
        community = Community(street=street, name=community_name, address=f"{road}{rng.randint(1, 99)}号")
        for grid, spec in enumerate(specs, start=1):
            address = f"{road}{rng.randint(100, 999)}号"
            compound = Compound(community=community, name=spec.name, address=address,
                                grid_name=f"{community_name}第{grid}网格")
            compounds[spec.name] = compound
            homes[spec.name] = [household for number in range(1, spec.buildings + 1)
                                for household in _building(compound, number, spec, rng, phones)]
    return compounds, homes


def _building(compound: Compound, number: int, spec: CompoundSpec, rng: random.Random, phones: _PhoneBook):
    name = f"{number}号楼"
    building = Building(compound=compound, name=name, sort_key=natural_key(name), floors=spec.floors)
    rooms = [(unit, f"{floor}{room:02d}") for unit in ("1", "2")
             for floor in range(1, spec.floors + 1) for room in range(1, spec.rooms_per_floor + 1)]
    return [
        Household(building=building, unit=unit, room=room, area_m2=Decimal(rng.randint(550, 1450)) / 10,
                  owner_name=_chinese_name(rng), owner_phone=phones.new())
        for unit, room in rooms
    ]


# --- organisations and contracts ----------------------------------------------------------------

def _organisations(street: Street, compounds: dict[str, Compound]) -> dict[str, Organisation]:
    """Every organisation of the 1+3+X, by name (the names are unique within the demo)."""
    communities = {c.community.name: c.community for c in compounds.values()}
    orgs: dict[str, Organisation] = {}

    def add(kind, name, community=None, compound=None, parent=None):
        community = compound.community if compound is not None else community
        orgs[name] = Organisation(kind=kind, name=name, street=street, community=community, compound=compound,
                                  parent=parent)
        return orgs[name]

    add(OrgKind.STREET_OFFICE, f"{STREET_NAME}办事处")
    for number, (name, community) in enumerate(communities.items(), start=1):
        add(OrgKind.PARTY_COMMITTEE, f"{name}党委", community)
        add(OrgKind.RESIDENTS_COMMITTEE, f"{name}居民委员会", community).contact_phone = f"0571-8765430{number}"
    for name, hotline in COMPANIES.items():
        add(OrgKind.PROPERTY_COMPANY, name).contact_phone = hotline
    for company, (branch, community) in COMPANY_BRANCHES.items():
        add(OrgKind.PARTY_BRANCH, branch, communities[community], parent=orgs[company])
    for number, name in enumerate(OWNERS_COMMITTEES, start=1):
        add(OrgKind.OWNERS_COMMITTEE, f"{name}业主委员会", compound=compounds[name]).contact_phone = f"0571-876551{number:02d}"
    for name in MANAGEMENT_COMMITTEES:
        add(OrgKind.OWNERS_COMMITTEE, f"{name}物业管理委员会", compound=compounds[name])
    for name in OWNERS_COMMITTEE_BRANCHES:
        owners = orgs[f"{name}业主委员会"]
        add(OrgKind.PARTY_BRANCH, f"{name}业委会党支部", compound=compounds[name], parent=owners)
    for name in COMPOUND_BRANCHES:
        party = orgs[f"{compounds[name].community.name}党委"]
        add(OrgKind.PARTY_BRANCH, f"{name}党支部", compound=compounds[name], parent=party)
    for kind, name, community in PARTNERS:
        add(kind, name, communities[community])
    return orgs


def _contracts(orgs: dict[str, Organisation], compounds: dict[str, Compound],
               today: date) -> list[ServiceContract]:
    return [
        ServiceContract(compound=compounds[spec.compound], company=orgs[spec.company], status=spec.status,
                        start_date=_years(today, -spec.began), end_date=_years(today, spec.ends))
        for spec in CONTRACTS
    ]


# --- people: accounts, positions, households ------------------------------------------------------

def _people(street: Street, orgs: dict[str, Organisation], compounds: dict[str, Compound],
            homes: dict[str, list[Household]], today: date, rng: random.Random, phones: _PhoneBook) -> list:
    """Accounts for PEOPLE with their posts and homes; they share one hash (argon2 is slow on purpose)."""
    password_hash = hash_password(DEMO_PASSWORD)
    households: dict[str, Household] = {}
    created: list = []
    for person in PEOPLE:
        user = User(name=person.name, username=person.username, phone=phones.new(),
                    password_hash=password_hash, is_party_member=person.party, street_id=street.id)
        created.append(user)
        created.extend(_appoint(user, post, orgs, compounds, today, rng) for post in person.posts)
        if person.home:
            household = homes[person.home].pop(rng.randrange(len(homes[person.home])))
            household.owner_name, household.owner_phone = user.name, user.phone
            households[person.name] = household
            created.append(HouseholdMember(household=household, user=user, relation="owner"))
        elif person.family_of:
            household = households[person.family_of]
            created.append(HouseholdMember(household=household, user=user, relation="family"))
    return created


def _appoint(user: User, post: Post, orgs: dict[str, Organisation], compounds: dict[str, Compound],
             today: date, rng: random.Random) -> Position:
    """Open posts began in the last one to two years; an ended one closed before any of them began."""
    organisation = orgs[post.org]
    if post.role not in Role.BY_ORG_KIND[organisation.kind]:
        raise ValueError(f"{post.role} is not a post in a {organisation.kind}")
    if post.ended:
        start, end = _years(today, -7), _years(today, -2.5)
    else:
        start, end = today - timedelta(days=rng.randint(400, 800)), None
    return Position(user=user, organisation=organisation, role=post.role, title=post.title,
                    compound=compounds[post.grid] if post.grid else None, start_date=start, end_date=end)
