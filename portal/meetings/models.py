"""1+3+X joint meetings (党建联席会议): meetings, invitees, agenda, sign-in, minutes, resolutions.

A meeting belongs to a community and, unless it is community-wide, to one compound. Uniqueness that
matters is a constraint: one invitation and one sign-in per person and meeting, one answer per party
and minutes version, one reminder per meeting and offset. Records two people may change at once
(the meeting, a minutes version, a resolution) carry a version column.
"""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.models import TimestampMixin, VersionedMixin, enum_check, utcnow
from portal.extensions import db


class MeetingKind(StrEnum):
    REGULAR = "regular"
    AD_HOC = "ad_hoc"


class MeetingStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class Party(StrEnum):
    """Whom an invitee represents: the 1 (PARTY), one of the 3, or X (OTHER)."""

    PARTY = "party"
    RESIDENTS = "residents"
    OWNERS = "owners"
    PROPERTY = "property"
    OTHER = "other"


#: the 3 of the 1+3: each confirms the minutes
Party.THREE = (Party.RESIDENTS, Party.OWNERS, Party.PROPERTY)
#: the 1 and the 3: each must be present for a quorum
Party.QUORUM = (Party.PARTY, *Party.THREE)


class SignInHow(StrEnum):
    SELF = "self"  #: with the code shown in the room
    MARKED = "marked"  #: ticked by the convener


class ProposalStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class Answer(StrEnum):
    CONFIRMED = "confirmed"
    CORRECTION = "correction"


class ResolutionStatus(StrEnum):
    OPEN = "open"
    DONE = "done"


class Meeting(VersionedMixin, TimestampMixin, db.Model):
    __tablename__ = "meeting"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        enum_check("kind", MeetingKind),
        enum_check("status", MeetingStatus),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    #: None: a meeting of the whole community
    compound_id: Mapped[int | None] = mapped_column(ForeignKey("compound.id"), index=True)
    title: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20), default=MeetingKind.REGULAR)
    status: Mapped[str] = mapped_column(String(20), default=MeetingStatus.SCHEDULED, index=True)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    place: Mapped[str] = mapped_column(String(100))
    convener_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    #: the short code participants type to sign themselves in, valid only around the meeting's time
    sign_in_code: Mapped[str] = mapped_column(String(12))
    #: minutes before the start at which invitees are reminded, comma-separated ("1440,60")
    reminders: Mapped[str] = mapped_column(String(60), default="1440,60")
    #: monthly series: the meetings of one series share the id of its first meeting
    series_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id"), index=True)
    #: when the minutes' disclosure (公示) was published for the compound's residents
    disclosed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancel_reason: Mapped[str | None] = mapped_column(String(200))

    community = relationship("Community")
    compound = relationship("Compound")
    convener = relationship("User", foreign_keys=[convener_id])
    invitees = relationship("Invitee", back_populates="meeting", order_by="Invitee.id")
    items = relationship("AgendaItem", back_populates="meeting", order_by="AgendaItem.position")


class Invitee(db.Model):
    __tablename__ = "meeting_invitee"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id"), enum_check("party", Party))

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    #: the organisation the person attends for (None: in their own name)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    party: Mapped[str] = mapped_column(String(20))
    meeting = relationship("Meeting", back_populates="invitees")
    user = relationship("User")
    organisation = relationship("Organisation")


class Attendance(db.Model):
    """签到: one row per person and meeting (the constraint makes two sign-ins at once one)."""

    __tablename__ = "meeting_attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id"), enum_check("party", Party),
                      enum_check("how", SignInHow))

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    #: copied from the invitation: the party this attendee is counted for
    party: Mapped[str] = mapped_column(String(20))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    how: Mapped[str] = mapped_column(String(10))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    user = relationship("User")


class AgendaItem(db.Model):
    """议题; `source_kind`/`source_id` link it to where it came from (see portal.meetings.sources)."""

    __tablename__ = "agenda_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=1)
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    proposer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    expected_minutes: Mapped[int] = mapped_column(Integer, default=15)
    #: a registered source kind ("repair", "proposal", "resolution", …) or None for free text
    source_kind: Mapped[str | None] = mapped_column(String(30), index=True)
    source_id: Mapped[int | None] = mapped_column(Integer, index=True)
    #: the minutes of this item (draft; each issued version keeps its own copy)
    discussion: Mapped[str | None] = mapped_column(Text)
    decision: Mapped[str | None] = mapped_column(Text)
    meeting = relationship("Meeting", back_populates="items")
    proposer = relationship("User")


class Proposal(TimestampMixin, db.Model):
    """A topic a resident proposes for their compound's next meeting."""

    __tablename__ = "meeting_proposal"
    __table_args__ = (enum_check("status", ProposalStatus),)

    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compound.id"), index=True)
    proposer_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=ProposalStatus.OPEN, index=True)
    #: why the convener declined it (shown to the resident)
    reason: Mapped[str | None] = mapped_column(String(200))
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    #: where the topic came from when another module proposed it (see portal.meetings.sources)
    source_kind: Mapped[str | None] = mapped_column(String(30))
    source_id: Mapped[int | None] = mapped_column(Integer)
    #: the agenda item it became once accepted
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_item.id"))
    compound = relationship("Compound")
    proposer = relationship("User", foreign_keys=[proposer_id])


class MinutesVersion(VersionedMixin, db.Model):
    """One issued text of the minutes. The three parties answer it; all three confirmed → locked.
    A correction issues the next number; earlier versions stay readable."""

    __tablename__ = "minutes_version"
    __table_args__ = (UniqueConstraint("meeting_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    #: [{"title", "discussion", "decision"}] as issued
    items: Mapped[list] = mapped_column(db.JSON)
    quorate: Mapped[bool]
    note: Mapped[str | None] = mapped_column(Text)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    locked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: answers received: each answer raises it (and so the row's version): two answers at once collide
    answers_count: Mapped[int] = mapped_column(Integer, default=0)
    #: a later version replaced it
    superseded: Mapped[bool] = mapped_column(default=False)
    answers = relationship("Confirmation", back_populates="version", order_by="Confirmation.id")


class Confirmation(db.Model):
    __tablename__ = "minutes_confirmation"
    __table_args__ = (UniqueConstraint("version_id", "party"), enum_check("party", Party),
                      enum_check("answer", Answer))

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("minutes_version.id"), index=True)
    party: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    answer: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(Text)
    #: the secretary's answer to a correction request
    reply: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    version = relationship("MinutesVersion", back_populates="answers")
    user = relationship("User")


class Resolution(VersionedMixin, TimestampMixin, db.Model):
    """决议事项, followed until done (督办)."""

    __tablename__ = "resolution"
    __table_args__ = (enum_check("status", ResolutionStatus),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), index=True)
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_item.id"))
    what: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    responsible_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    deadline: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(20), default=ResolutionStatus.OPEN, index=True)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    evidence: Mapped[str | None] = mapped_column(Text)
    #: the overdue notice went to the responsible person and the convener (once per deadline)
    overdue_notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: after the grace period the community party secretary was told (once)
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    meeting = relationship("Meeting")
    item = relationship("AgendaItem")
    organisation = relationship("Organisation")
    responsible = relationship("User")
    updates = relationship("ResolutionUpdate", order_by="ResolutionUpdate.id")


class ResolutionUpdate(db.Model):
    __tablename__ = "resolution_update"

    id: Mapped[int] = mapped_column(primary_key=True)
    resolution_id: Mapped[int] = mapped_column(ForeignKey("resolution.id"), index=True)
    by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    note: Mapped[str] = mapped_column(Text)
    done: Mapped[bool] = mapped_column(default=False)
    by = relationship("User")


class ReminderSent(db.Model):
    """A reminder that went out: each (meeting, minutes before) once."""

    __tablename__ = "meeting_reminder_sent"
    __table_args__ = (UniqueConstraint("meeting_id", "minutes_before"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), index=True)
    minutes_before: Mapped[int] = mapped_column(Integer)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CalendarFeed(db.Model):
    """The secret of a person's calendar feed URL; revoking replaces it."""

    __tablename__ = "calendar_feed"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), unique=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CycleStage(StrEnum):
    """The monthly service-day cycle: collect by the 15th, classify by the 25th, serve on the 5th,
    evaluate by the 10th, summarise by the 15th."""

    COLLECT = "collect"
    CLASSIFY = "classify"
    SERVE = "serve"
    EVALUATE = "evaluate"
    SUMMARISE = "summarise"


class ServiceDayStage(db.Model):
    """The monthly service-day cycle of a community: a stage of a month marked done."""

    __tablename__ = "service_day_stage"
    __table_args__ = (UniqueConstraint("community_id", "month", "stage"), enum_check("stage", CycleStage))

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    #: the first day of the cycle's month
    month: Mapped[date] = mapped_column(Date)
    stage: Mapped[str] = mapped_column(String(20))
    done_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    done_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
