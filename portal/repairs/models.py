"""Repair requests and residents' demands (报修/诉求): the 五单 loop.

A request belongs to a compound, and to a household unless it concerns a public area. Every
change is a RequestEvent (the timeline). `version` makes two simultaneous transitions safe.
"""

from datetime import datetime
from enum import IntEnum, StrEnum

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.clock import aware, now_utc
from portal.core.in_lists import one_of
from portal.core.models import TimestampMixin, VersionedMixin, enum_check, utcnow
from portal.extensions import db


class Status(StrEnum):
    """Where a request stands in the loop; OPEN are the states someone still has to act on."""

    #: 待派单: filed or returned, waiting for a handler
    SUBMITTED = "submitted"
    #: 已派单: handler named, not yet accepted
    ASSIGNED = "assigned"
    #: 处理中: accepted
    IN_PROGRESS = "in_progress"
    #: 挂起: waiting for parts, access …
    ON_HOLD = "on_hold"
    #: 待评价: the handler says done
    RESOLVED = "resolved"
    #: 已关闭
    CLOSED = "closed"


#: the states someone still has to act on: they can run late, and they fill the queues
Status.OPEN = (Status.SUBMITTED, Status.ASSIGNED, Status.IN_PROGRESS, Status.ON_HOLD)
Status.ALL = tuple(Status)


class Kind(StrEnum):
    """个事、社事、专事、难事: who is responsible."""

    #: 个事: the property company
    HOUSEHOLD = "household"
    #: 社事: the community, through consultation (joint meeting)
    COMMUNITY = "community"
    #: 专事: a government department
    DEPARTMENT = "department"
    #: 难事: the street
    HARD = "hard"


Kind.ALL = tuple(Kind)


class Level(IntEnum):
    """Who answers for the request now; overdue requests climb one level."""

    PROPERTY = 0
    COMMUNITY = 1
    STREET = 2


class Category(StrEnum):
    """What the request is about: it suggests the kind, and with the urgency sets the deadline."""

    WATER_POWER = "water_power"
    HEATING = "heating"
    SEWER = "sewer"
    ELEVATOR = "elevator"
    ACCESS = "access"
    PARKING = "parking"
    CHARGING = "charging"
    SANITATION = "sanitation"
    GREENING = "greening"
    ROAD = "road"
    NOISE = "noise"
    NEIGHBOUR = "neighbour"
    OTHER = "other"


class Urgency(StrEnum):
    """With the category, sets the deadline (ServiceLevel)."""

    NORMAL = "normal"
    URGENT = "urgent"
    EMERGENCY = "emergency"


class Channel(StrEnum):
    """How the request reached us; staff file phone, walk-in and patrol requests for residents."""

    ONLINE = "online"
    PHONE = "phone"
    WALK_IN = "walk_in"
    PATROL = "patrol"


class CloseReason(StrEnum):
    #: the requester evaluated the result
    EVALUATED = "evaluated"
    #: nobody evaluated it within 7 days of its resolution, so the sweep closed it
    NOT_EVALUATED = "not_evaluated"


class PhotoStage(StrEnum):
    #: sent with the request
    FILING = "filing"
    #: sent by the handler with the result
    RESULT = "result"


# In declaration order, as the forms and filters list them.
CATEGORIES = tuple(Category)
URGENCIES = tuple(Urgency)
CHANNELS = tuple(Channel)


class RepairRequest(VersionedMixin, TimestampMixin, db.Model):
    __tablename__ = "repair_request"
    __table_args__ = (
        CheckConstraint("rating IS NULL OR (rating BETWEEN 1 AND 5)", name="rating_range"),
        CheckConstraint("escalation_level BETWEEN 0 AND 2", name="level_range"),
        enum_check("status", Status),
        enum_check("kind", Kind),
        enum_check("category", Category),
        enum_check("urgency", Urgency),
        enum_check("channel", Channel),
        enum_check("close_reason", CloseReason),
        # The queues, the board and its figures select by compound and status; the board and the
        # history tab then read the most recently closed first (migration 0011_city_indexes).
        Index("ix_repair_request_compound_status_closed", "compound_id", "status", "closed_at"),
        # The work under way: a city's history is mostly closed, and a partial index is what tells both
        # databases' planners that the open rows are few (queries.not_closed states its condition).
        Index("ix_repair_request_open", "compound_id", "created_at", sqlite_where=text("status != 'closed'"),
              postgresql_where=text("status != 'closed'")),
        # A handler's requests in hand (the "assigned to me" filter, the home to-dos, the dispatcher's
        # view of who is busy).
        Index("ix_repair_request_handler_status", "handler_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compound.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"), index=True)
    #: a public area instead of a household: "3号楼电梯", "北门"
    place: Mapped[str | None] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(20), index=True)
    #: suggested from the category when filed; decides who is responsible
    kind: Mapped[str] = mapped_column(String(20), index=True)
    #: someone who may triage has confirmed or changed the suggested kind; until then the
    #: property manager may still reclassify it
    kind_confirmed: Mapped[bool] = mapped_column(default=False)
    description: Mapped[str] = mapped_column(Text)
    urgency: Mapped[str] = mapped_column(String(20), default=Urgency.NORMAL)
    #: how the request came in: online from the resident, or filed by staff after a phone call, a
    #: visit or a patrol; requests filed by staff are followed up by a return visit (回访)
    channel: Mapped[str] = mapped_column(String(20), default=Channel.ONLINE)
    #: the resident it is for, who may evaluate it (None: filed by staff for nobody with an
    #: account, e.g. a patrol finding or a phone call)
    requester_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    #: who typed it in: the requester themselves, or the staff member filing on their behalf
    filed_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    #: whom to call back, typed in when staff file on someone's behalf; when empty the requester's
    #: own name is shown. Personal data: masked for those who do not handle the request
    contact_name: Mapped[str | None] = mapped_column(String(64))
    #: the call-back number that goes with contact_name (falls back to the requester's phone)
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=Status.SUBMITTED, index=True)
    #: the Level that overdue sweeps and repeated dissatisfaction have raised it to (0: never raised);
    #: the level that answers for it is the higher of this and its kind's (services.responsible_level)
    escalation_level: Mapped[int] = mapped_column(Integer, default=Level.PROPERTY)
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    #: 专事: the government department the request was passed to (free text)
    department: Mapped[str | None] = mapped_column(String(100))
    #: 专事: that department's answer, as the dispatcher recorded it when it came
    department_reply: Mapped[str | None] = mapped_column(Text)
    #: deadline from the service level (category × urgency); set again when reopened
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    #: when the sweep found it past due_at (and escalated it, below the street); cleared with a
    #: fresh deadline, so each deadline is flagged and escalated at most once
    overdue_flagged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    hold_reason: Mapped[str | None] = mapped_column(String(200))
    result_note: Mapped[str | None] = mapped_column(Text)
    #: evaluations with "not satisfied", each reopening it; from the second on, each also
    #: escalates it a level (up to the street)
    reopen_count: Mapped[int] = mapped_column(default=0)
    rating: Mapped[int | None]
    speed_rating: Mapped[int | None]
    attitude_rating: Mapped[int | None]
    satisfied: Mapped[bool | None]
    evaluation_comment: Mapped[str | None] = mapped_column(Text)
    evaluated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: why it closed (CloseReason): evaluated, or closed unevaluated 7 days after it was resolved
    close_reason: Mapped[str | None] = mapped_column(String(20))

    compound = relationship("Compound")
    household = relationship("Household")
    requester = relationship("User", foreign_keys=[requester_id])
    filed_by = relationship("User", foreign_keys=[filed_by_id])
    handler = relationship("User", foreign_keys=[handler_id])
    photos = relationship("RequestPhoto", back_populates="request", order_by="RequestPhoto.id")
    events = relationship("RequestEvent", back_populates="request", order_by="RequestEvent.id")

    @hybrid_method
    def is_overdue(self, now: datetime | None = None) -> bool:
        """Still open after its due time; also a SQL condition (lists sort overdue first)."""
        return overdue(self.status, self.due_at, now or now_utc())

    @is_overdue.expression
    def is_overdue(cls, now: datetime | None = None):
        now = now or now_utc()
        return and_(one_of(cls.status, Status.OPEN), cls.due_at.is_not(None), cls.due_at < now)


def overdue(status: str, due_at: datetime | None, now: datetime) -> bool:
    """`RepairRequest.is_overdue` for values read as a row (the queue loads rows, not requests)."""
    return status in Status.OPEN and due_at is not None and aware(due_at) < now


class RequestPhoto(db.Model):
    """A re-encoded image (EXIF stripped) stored under a generated name."""

    __tablename__ = "request_photo"
    __table_args__ = (enum_check("stage", PhotoStage),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("repair_request.id"), index=True)
    #: sent with the request, or with the handler's result (PhotoStage)
    stage: Mapped[str] = mapped_column(String(20), default=PhotoStage.FILING)
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    width: Mapped[int]
    height: Mapped[int]
    size_bytes: Mapped[int]
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    request = relationship("RepairRequest", back_populates="photos")


class RequestEvent(db.Model):
    """One line of the timeline: who, when, from → to, note."""

    __tablename__ = "request_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("repair_request.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    request = relationship("RepairRequest", back_populates="events")
    actor = relationship("User")


class ServiceLevel(db.Model):
    """Hours to resolve, per category and urgency (a row overrides the built-in default)."""

    __tablename__ = "service_level"
    __table_args__ = (
        UniqueConstraint("category", "urgency"),
        enum_check("category", Category),
        enum_check("urgency", Urgency),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(20))
    urgency: Mapped[str] = mapped_column(String(20))
    hours: Mapped[int]


class ReturnVisit(db.Model):
    """回访: staff call back the requester of a phone-filed request."""

    __tablename__ = "return_visit"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("repair_request.id"), index=True)
    by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    satisfied: Mapped[bool | None]
    note: Mapped[str | None] = mapped_column(Text)
