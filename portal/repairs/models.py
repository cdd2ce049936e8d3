"""Repair requests and residents' demands (报修/诉求): the 五单 loop.

A request belongs to a compound, and to a household unless it concerns a public area. Every
change is a RequestEvent (the timeline). `version` makes two simultaneous transitions safe.
"""

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, and_
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.clock import aware, now_utc
from portal.core.models import TimestampMixin, VersionedMixin, utcnow
from portal.extensions import db


class Status:
    SUBMITTED = "submitted"      # 待派单 (filed or returned, waiting for a handler)
    ASSIGNED = "assigned"        # 已派单 (handler named, not yet accepted)
    IN_PROGRESS = "in_progress"  # 处理中 (accepted)
    ON_HOLD = "on_hold"          # 挂起 (waiting for parts, access …)
    RESOLVED = "resolved"        # 待评价 (handler says done)
    CLOSED = "closed"            # 已关闭
    OPEN = (SUBMITTED, ASSIGNED, IN_PROGRESS, ON_HOLD)
    ALL = (SUBMITTED, ASSIGNED, IN_PROGRESS, ON_HOLD, RESOLVED, CLOSED)


class Kind:
    """个事、社事、专事、难事: who is responsible."""

    HOUSEHOLD = "household"    # 个事: the property company
    COMMUNITY = "community"    # 社事: the community, through consultation (joint meeting)
    DEPARTMENT = "department"  # 专事: a government department
    HARD = "hard"              # 难事: the street
    ALL = (HOUSEHOLD, COMMUNITY, DEPARTMENT, HARD)


class Level:
    """Who answers for the request now; overdue requests climb one level."""

    PROPERTY = 0
    COMMUNITY = 1
    STREET = 2


CATEGORIES = ("water_power", "heating", "sewer", "elevator", "access", "parking", "charging", "sanitation",
              "greening", "road", "noise", "neighbour", "other")
URGENCIES = ("normal", "urgent", "emergency")
CHANNELS = ("online", "phone", "walk_in", "patrol")


class RepairRequest(VersionedMixin, TimestampMixin, db.Model):
    __tablename__ = "repair_request"
    __table_args__ = (
        CheckConstraint("rating IS NULL OR (rating BETWEEN 1 AND 5)", name="rating_range"),
        CheckConstraint("escalation_level BETWEEN 0 AND 2", name="level_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compound.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"), index=True)
    place: Mapped[str | None] = mapped_column(String(100))  # a public area: "3号楼电梯", "北门"
    category: Mapped[str] = mapped_column(String(20), index=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    kind_confirmed: Mapped[bool] = mapped_column(default=False)
    description: Mapped[str] = mapped_column(Text)
    urgency: Mapped[str] = mapped_column(String(20), default="normal")
    channel: Mapped[str] = mapped_column(String(20), default="online")
    requester_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    filed_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    contact_name: Mapped[str | None] = mapped_column(String(64))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=Status.SUBMITTED, index=True)
    escalation_level: Mapped[int] = mapped_column(Integer, default=Level.PROPERTY)
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    department: Mapped[str | None] = mapped_column(String(100))
    department_reply: Mapped[str | None] = mapped_column(Text)
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    overdue_flagged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    hold_reason: Mapped[str | None] = mapped_column(String(200))
    result_note: Mapped[str | None] = mapped_column(Text)
    reopen_count: Mapped[int] = mapped_column(default=0)
    rating: Mapped[int | None]
    speed_rating: Mapped[int | None]
    attitude_rating: Mapped[int | None]
    satisfied: Mapped[bool | None]
    evaluation_comment: Mapped[str | None] = mapped_column(Text)
    evaluated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    close_reason: Mapped[str | None] = mapped_column(String(20))  # evaluated / not_evaluated

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
        now = now or now_utc()
        return self.status in Status.OPEN and self.due_at is not None and aware(self.due_at) < now

    @is_overdue.expression
    def is_overdue(cls, now: datetime | None = None):
        now = now or now_utc()
        return and_(cls.status.in_(Status.OPEN), cls.due_at.is_not(None), cls.due_at < now)


class RequestPhoto(db.Model):
    """A re-encoded image (EXIF stripped) stored under a generated name."""

    __tablename__ = "request_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("repair_request.id"), index=True)
    stage: Mapped[str] = mapped_column(String(20), default="filing")  # filing / result
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
    __table_args__ = (UniqueConstraint("category", "urgency"),)

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
