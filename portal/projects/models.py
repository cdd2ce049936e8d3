"""Co-construction (共建): resident units and in-service party members who report in, micro-wishes they
claim and fulfil, and the service record (一事一记录) their work leaves.

How people relate to accounts: an in-service party member (在职党员) is a resident user with a
PartyMember registration record for the compound where they live; a resident unit (驻区单位) is a
record of its community with an optional contact user, who claims wishes for the unit (community staff
act for a unit without one). A wish's claim is a WishClaim row: at most one live (unreleased) claim per
wish, enforced by a partial unique index, so two people claiming at once cannot both win.
"""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.models import TimestampMixin, VersionedMixin, enum_check, utcnow
from portal.extensions import db


class WishStatus(StrEnum):
    #: 待认领: posted, nobody has it
    OPEN = "open"
    #: 已认领: a party member or unit holds it
    CLAIMED = "claimed"
    #: 已完成: the claimer says it is done, waiting for the wisher's confirmation
    FULFILLED = "fulfilled"
    #: 已确认: the wisher confirmed; recorded in the service record
    CONFIRMED = "confirmed"
    #: 已撤回: the wisher (or the worker who posted it) took it back
    WITHDRAWN = "withdrawn"


WishStatus.ALL = tuple(WishStatus)
#: the states in which a wish still waits for somebody
WishStatus.LIVE = (WishStatus.OPEN, WishStatus.CLAIMED, WishStatus.FULFILLED)


class WishCategory(StrEnum):
    DAILY = "daily"  #: 生活用品
    STUDY = "study"  #: 学习
    HEALTH = "health"  #: 就医陪护
    REPAIR = "repair"  #: 小修小补
    COMPANY = "company"  #: 陪伴关爱
    OTHER = "other"


WISH_CATEGORIES = tuple(WishCategory)


class ClaimantKind(StrEnum):
    PARTY_MEMBER = "party_member"
    UNIT = "unit"


class Unit(TimestampMixin, db.Model):
    """驻区单位: an office, company, school or hospital that reported to a community (双报到)."""

    __tablename__ = "co_unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    #: the day it reported to the community (报到日期)
    registered_on: Mapped[date] = mapped_column(Date)
    contact_name: Mapped[str] = mapped_column(String(64))
    contact_phone: Mapped[str] = mapped_column(String(20))
    #: the account that acts for the unit (claims wishes); None: community staff act for it
    contact_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    #: what it offers the community, in its own words (venue, volunteers …)
    offers: Mapped[str | None] = mapped_column(Text)

    community = relationship("Community")
    contact_user = relationship("User")
    agreements = relationship("Agreement", back_populates="unit", order_by="Agreement.start_date")


class Agreement(TimestampMixin, db.Model):
    """共建协议: a unit and its community agree on what they build together for a period; renewing
    adds the next period as a new row pointing at the one it renews."""

    __tablename__ = "co_agreement"
    __table_args__ = (CheckConstraint("end_date >= start_date", name="period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("co_unit.id"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    content: Mapped[str] = mapped_column(Text)
    #: the agreement this one renews (None: the first)
    renews_id: Mapped[int | None] = mapped_column(ForeignKey("co_agreement.id"))

    unit = relationship("Unit", back_populates="agreements")

    def expired(self, on: date) -> bool:
        return self.end_date < on


class PartyMember(TimestampMixin, db.Model):
    """在职党员到社区报到: a resident user who is a party member registers with the compound where they
    live, naming the unit they work for."""

    __tablename__ = "co_party_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: one registration per person
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), unique=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compound.id"), index=True)
    #: the resident unit they work for, when it reported here too
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("co_unit.id"), index=True)
    #: their employer as they name it (when it is not a unit of this community)
    workplace: Mapped[str | None] = mapped_column(String(100))
    registered_on: Mapped[date] = mapped_column(Date)

    user = relationship("User")
    compound = relationship("Compound")
    unit = relationship("Unit")


class Wish(VersionedMixin, TimestampMixin, db.Model):
    """微心愿: a resident's small wish, posted by them or by a community worker on their behalf."""

    __tablename__ = "co_wish"
    __table_args__ = (enum_check("status", WishStatus), enum_check("category", WishCategory))

    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compound.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"), index=True)
    #: the resident whose wish it is (None: posted by a worker for someone without an account)
    wisher_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    posted_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    #: personal data: shown only to the claimer, community staff and the wisher
    contact_name: Mapped[str | None] = mapped_column(String(64))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(60))
    description: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(20), default=WishCategory.OTHER)
    status: Mapped[str] = mapped_column(String(20), default=WishStatus.OPEN, index=True)
    #: when the sweep raised it to the community for being unclaimed 14 days (once)
    raised_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    fulfil_note: Mapped[str | None] = mapped_column(Text)
    fulfilled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)

    compound = relationship("Compound")
    household = relationship("Household")
    wisher = relationship("User", foreign_keys=[wisher_id])
    posted_by = relationship("User", foreign_keys=[posted_by_id])
    claims = relationship("WishClaim", back_populates="wish", order_by="WishClaim.id")
    photos = relationship("WishPhoto", back_populates="wish", order_by="WishPhoto.id")
    events = relationship("WishEvent", back_populates="wish", order_by="WishEvent.id")


class WishClaim(db.Model):
    """认领: who holds a wish. Released claims stay (the timeline); only one may be live."""

    __tablename__ = "co_wish_claim"
    __table_args__ = (
        enum_check("claimant_kind", ClaimantKind),
        CheckConstraint("(claimant_kind = 'unit') = (unit_id IS NOT NULL)", name="unit_given"),
        # One live claim per wish: the database refuses a second, whoever commits first wins.
        Index("uq_co_wish_claim_live", "wish_id", unique=True,
              sqlite_where=text("released_at IS NULL"), postgresql_where=text("released_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    wish_id: Mapped[int] = mapped_column(ForeignKey("co_wish.id"), index=True)
    #: the person who clicked 认领 (the party member, or the unit's contact / a worker for the unit)
    claimer_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    claimant_kind: Mapped[str] = mapped_column(String(20))
    party_member_id: Mapped[int | None] = mapped_column(ForeignKey("co_party_member.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("co_unit.id"))
    claimed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: set when the claimer gives it back; the wish is open again
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    wish = relationship("Wish", back_populates="claims")
    claimer = relationship("User")
    party_member = relationship("PartyMember")
    unit = relationship("Unit")


class WishPhoto(db.Model):
    """Proof of a fulfilled wish: re-encoded without EXIF, stored under a generated name."""

    __tablename__ = "co_wish_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    wish_id: Mapped[int] = mapped_column(ForeignKey("co_wish.id"), index=True)
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    width: Mapped[int]
    height: Mapped[int]
    size_bytes: Mapped[int]
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    wish = relationship("Wish", back_populates="photos")


class WishEvent(db.Model):
    """One line of a wish's timeline."""

    __tablename__ = "co_wish_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    wish_id: Mapped[int] = mapped_column(ForeignKey("co_wish.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    wish = relationship("Wish", back_populates="events")
    actor = relationship("User")


class ServiceRecord(db.Model):
    """一事一记录: one thing a party member or unit did for the community (a wish fulfilled and confirmed,
    or a project milestone they did),
    listed month by month (一月一公示)."""

    __tablename__ = "co_service_record"
    __table_args__ = (
        enum_check("claimant_kind", ClaimantKind),
        # a wish is recorded once, however often its confirmation is retried
        Index("uq_co_service_record_wish", "wish_id", unique=True,
              sqlite_where=text("wish_id IS NOT NULL"), postgresql_where=text("wish_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    compound_id: Mapped[int | None] = mapped_column(ForeignKey("compound.id"))
    #: the day the work was done (local date): the month it is listed under
    done_on: Mapped[date] = mapped_column(Date, index=True)
    claimant_kind: Mapped[str] = mapped_column(String(20))
    party_member_id: Mapped[int | None] = mapped_column(ForeignKey("co_party_member.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("co_unit.id"), index=True)
    #: what was done, in a few words (no personal data of the wisher)
    summary: Mapped[str] = mapped_column(String(200))
    wish_id: Mapped[int | None] = mapped_column(ForeignKey("co_wish.id"))
    #: or the project milestone whose work it records
    milestone_id: Mapped[int | None] = mapped_column(ForeignKey("co_milestone.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    party_member = relationship("PartyMember")
    unit = relationship("Unit")


# --- projects (共建项目) ------------------------------------------------------------------------------

class ProjectStatus(StrEnum):
    PROPOSED = "proposed"  #: 提出
    APPROVED = "approved"  #: 已立项
    IN_PROGRESS = "in_progress"  #: 实施中
    COMPLETED = "completed"  #: 已完成, open for the residents' evaluation
    EVALUATED = "evaluated"  #: 已评价, closed
    CANCELLED = "cancelled"  #: 已取消


ProjectStatus.ALL = tuple(ProjectStatus)
#: the states in which work is still to be done, so a deadline can pass
ProjectStatus.RUNNING = (ProjectStatus.PROPOSED, ProjectStatus.APPROVED, ProjectStatus.IN_PROGRESS)
ProjectStatus.DONE = (ProjectStatus.COMPLETED, ProjectStatus.EVALUATED)


project_compound = db.Table(
    "co_project_compound", db.metadata,
    db.Column("project_id", ForeignKey("co_project.id"), primary_key=True),
    db.Column("compound_id", ForeignKey("compound.id"), primary_key=True),
)
project_partner = db.Table(
    "co_project_partner", db.metadata,
    db.Column("project_id", ForeignKey("co_project.id"), primary_key=True),
    db.Column("unit_id", ForeignKey("co_unit.id"), primary_key=True),
)


class Project(VersionedMixin, TimestampMixin, db.Model):
    """A co-construction project: content, process steps (milestones), responsible body and deadline
    (明确项目内容、流程环节、责任主体、完成时限). Progress is derived from milestone weights, never typed."""

    __tablename__ = "co_project"
    __table_args__ = (
        enum_check("status", ProjectStatus),
        CheckConstraint("deadline >= start_date", name="period"),
        CheckConstraint("budget IS NULL OR budget >= 0", name="budget_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    #: the project this one is a part of; a parent's progress is its sub-projects'
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("co_project.id"), index=True)
    title: Mapped[str] = mapped_column(String(100))
    content: Mapped[str] = mapped_column(Text)
    #: 责任主体: the body that answers for it, and the person in it
    responsible_body: Mapped[str] = mapped_column(String(100))
    responsible_person: Mapped[str] = mapped_column(String(64))
    start_date: Mapped[date] = mapped_column(Date)
    #: 完成时限
    deadline: Mapped[date] = mapped_column(Date)
    #: yuan, optional
    budget: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(20), default=ProjectStatus.PROPOSED, index=True)
    #: the day it was completed: on time when not after the deadline
    completed_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))

    community = relationship("Community")
    parent = relationship("Project", remote_side=[id], back_populates="children")
    children = relationship("Project", back_populates="parent", order_by="Project.id")
    compounds = relationship("Compound", secondary=project_compound, order_by="Compound.name")
    partners = relationship("Unit", secondary=project_partner, order_by="Unit.name")
    milestones = relationship("Milestone", back_populates="project", order_by="(Milestone.due_date, Milestone.id)")
    events = relationship("ProjectEvent", back_populates="project", order_by="ProjectEvent.id")
    #: 三清单: the demands it takes up and the resources it uses
    demands = relationship("Demand", secondary="co_project_demand", back_populates="projects", order_by="Demand.id")
    resources = relationship("Resource", secondary="co_project_resource", back_populates="projects",
                             order_by="Resource.id")


class Milestone(db.Model):
    """流程环节: a step of a project with its due date and weight in the project's progress."""

    __tablename__ = "co_milestone"
    __table_args__ = (CheckConstraint("weight >= 0", name="weight_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("co_project.id"), index=True)
    title: Mapped[str] = mapped_column(String(100))
    due_date: Mapped[date] = mapped_column(Date)
    #: its share of the project's progress, relative to the other milestones' weights
    weight: Mapped[int] = mapped_column(default=1)
    #: the day it was done (None: not yet)
    done_on: Mapped[date | None] = mapped_column(Date)
    #: the party member or unit who did it, for the service record
    done_by_member_id: Mapped[int | None] = mapped_column(ForeignKey("co_party_member.id"))
    done_by_unit_id: Mapped[int | None] = mapped_column(ForeignKey("co_unit.id"))

    project = relationship("Project", back_populates="milestones")


class ProjectEvent(db.Model):
    """One line of a project's timeline: a status change, a milestone done, an update with its note."""

    __tablename__ = "co_project_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("co_project.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    project = relationship("Project", back_populates="events")
    actor = relationship("User")
    photos = relationship("ProjectPhoto", back_populates="event", order_by="ProjectPhoto.id")


class ProjectPhoto(db.Model):
    """A photo of a project update (re-encoded, EXIF stripped, as for wishes)."""

    __tablename__ = "co_project_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("co_project_event.id"), index=True)
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    width: Mapped[int]
    height: Mapped[int]
    size_bytes: Mapped[int]
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    event = relationship("ProjectEvent", back_populates="photos")


class Evaluation(db.Model):
    """A completion evaluation: one per household of the compounds concerned, and one per owners'
    committee; the database refuses a second."""

    __tablename__ = "co_evaluation"
    __table_args__ = (
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
        CheckConstraint("(household_id IS NULL) <> (committee_id IS NULL)", name="one_evaluator"),
        db.UniqueConstraint("project_id", "household_id", name="uq_co_evaluation_household"),
        db.UniqueConstraint("project_id", "committee_id", name="uq_co_evaluation_committee"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("co_project.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"))
    #: the owners' committee (an organisation) evaluating as a body
    committee_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    rating: Mapped[int]
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# --- the three lists (三清单): demands and resources, matched into projects -------------------------------

class DemandSource(StrEnum):
    RESIDENT = "resident"  #: 居民
    COMPOUND = "compound"  #: 小区
    OWNERS_COMMITTEE = "owners_committee"  #: 业委会
    JOINT_MEETING = "joint_meeting"  #: 联席会议
    SURVEY = "survey"  #: 问卷结果


class DemandCategory(StrEnum):
    ENVIRONMENT = "environment"  #: 环境设施
    ELDERLY = "elderly"  #: 为老服务
    CHILDREN = "children"  #: 儿童青少年
    SAFETY = "safety"  #: 平安建设
    CULTURE = "culture"  #: 文体活动
    HEALTH = "health"  #: 医疗健康
    OTHER = "other"


class ResourceKind(StrEnum):
    VENUE = "venue"  #: 场地
    FUNDS = "funds"  #: 资金
    VOLUNTEERS = "volunteers"  #: 志愿者
    EXPERTISE = "expertise"  #: 专业服务
    EQUIPMENT = "equipment"  #: 设备物资


DEMAND_SOURCES, DEMAND_CATEGORIES, RESOURCE_KINDS = tuple(DemandSource), tuple(DemandCategory), tuple(ResourceKind)

project_demand = db.Table(
    "co_project_demand", db.metadata,
    db.Column("project_id", ForeignKey("co_project.id"), primary_key=True),
    db.Column("demand_id", ForeignKey("co_demand.id"), primary_key=True, index=True),
)
project_resource = db.Table(
    "co_project_resource", db.metadata,
    db.Column("project_id", ForeignKey("co_project.id"), primary_key=True),
    db.Column("resource_id", ForeignKey("co_resource.id"), primary_key=True, index=True),
)


class Demand(TimestampMixin, db.Model):
    """需求清单: a need of residents or a compound, with where it came from."""

    __tablename__ = "co_demand"
    __table_args__ = (enum_check("source", DemandSource), enum_check("category", DemandCategory))

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    #: the compound it concerns (None: the whole community)
    compound_id: Mapped[int | None] = mapped_column(ForeignKey("compound.id"), index=True)
    source: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(20), index=True)
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))

    compound = relationship("Compound")
    projects = relationship("Project", secondary=project_demand, back_populates="demands", order_by="Project.id")


class Resource(TimestampMixin, db.Model):
    """资源清单: what a unit offers — a venue, funds, volunteers, expertise, equipment."""

    __tablename__ = "co_resource"
    __table_args__ = (enum_check("kind", ResourceKind), enum_check("category", DemandCategory))

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("co_unit.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    #: the kind of need it suits best (filters the matching page); None: any
    category: Mapped[str | None] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(100))
    #: how much, in the unit's words: "200平方米", "10人", "5万元"
    quantity: Mapped[str | None] = mapped_column(String(50))
    #: when it is available, in the unit's words: "周末", "2026年全年"
    availability: Mapped[str | None] = mapped_column(String(100))

    unit = relationship("Unit")
    projects = relationship("Project", secondary=project_resource, back_populates="resources", order_by="Project.id")
