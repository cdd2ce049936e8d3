"""Satisfaction surveys (满意度测评): surveys and their questions, campaigns over compounds, household
codes, and — kept apart on purpose — who took part and what was answered.

Anonymity is a property of the schema: `Participation` names the household and never the answer;
`Answer` and `AnswerItem` name the campaign and compound and never the household, carry no time and
have random keys (uuid4). Both are written in one transaction (services.submit).

What remains linkable at the database level, and why it is acceptable:
- Physical row order. SQLite: the three tables are WITHOUT ROWID, stored in the order of their random
  keys, so there is no rowid and no insertion order to read. PostgreSQL appends rows to the heap, so
  while a campaign runs `ctid` follows the order of writing in both tables; the periodic task
  `surveys.reorder` (services.reorder_after_close, hourly) CLUSTERs them by their random keys, which
  rewrites the heap in random order. Until it runs, someone reading ctid as the database owner could pair
  the n-th participation with the n-th answer; that person could equally read the WAL or a backup taken
  in between, which no schema prevents. Backups of the window keep that order.
- Times. Answers have none. A household's `HouseholdCode.used_at` says when it answered by code, which
  the participation implies anyway; paper forms record only the day keyed (`keyed_on`).
- Content. A free text can name its writer; texts (like every breakdown) are shown only from K_MIN
  answers on, and a compound's answers appear in the export only from K_MIN on; below that a compound
  shows only its response rate (who took part is not what they answered).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
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
from portal.core.models import TimestampMixin, VersionedMixin, enum_check, utcnow
from portal.extensions import db

#: 满意率 target the local rules set (红色物业服务满意度达90%以上)
TARGET = 90
#: any breakdown with fewer answers than this is hidden
K_MIN = 5


class QuestionKind(StrEnum):
    RATING = "rating"  #: 1–5
    SINGLE = "single"  #: one option
    MULTIPLE = "multiple"  #: any number of options
    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"


QuestionKind.ALL = tuple(QuestionKind)
QuestionKind.CHOICE = (QuestionKind.SINGLE, QuestionKind.MULTIPLE)
QuestionKind.TEXT = (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT)


class Dimension(StrEnum):
    """The service dimensions of the standard template; a rating question may measure one."""

    SECURITY = "security"  #: 治安防控
    CLEANING = "cleaning"  #: 卫生保洁
    REPAIR = "repair"  #: 设施维修
    ORDER = "order"  #: 秩序与停车
    GREENING = "greening"  #: 绿化
    ATTITUDE = "attitude"  #: 服务态度
    FEES = "fees"  #: 收费公开
    OVERALL = "overall"  #: 总体满意度: decides 满意率


Dimension.ALL = tuple(Dimension)


class Channel(StrEnum):
    ONLINE = "online"  #: a logged-in resident for their household
    CODE = "code"  #: a one-time household code (printed sheet, QR)
    PAPER = "paper"  #: a paper form keyed in by a community worker


Channel.ALL = tuple(Channel)


class Survey(VersionedMixin, TimestampMixin, db.Model):
    """A questionnaire. The portal's standard template has no community; a community copies and edits it."""

    __tablename__ = "survey"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: None for the portal's built-in template, shared by every community (read-only)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"), index=True)
    #: "standard" for the built-in template (unique: created once, on first use), else None
    builtin: Mapped[str | None] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    copied_from_id: Mapped[int | None] = mapped_column(ForeignKey("survey.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    community = relationship("Community")
    questions = relationship("Question", back_populates="survey",
                             order_by="[Question.section_position, Question.position, Question.id]")


class Question(db.Model):
    __tablename__ = "survey_question"
    __table_args__ = (enum_check("kind", QuestionKind), enum_check("dimension", Dimension))

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id"), index=True)
    #: heading the question sits under ("服务评价", "意见建议"); questions are grouped by it
    section: Mapped[str] = mapped_column(String(50), default="")
    #: order of the section in the survey (sections keep the order of their first question)
    section_position: Mapped[int] = mapped_column(Integer, default=0)
    #: order inside the section
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(String(300))
    required: Mapped[bool] = mapped_column(default=True)
    #: what a rating question measures (Dimension); `overall` is the one 满意率 is computed from
    dimension: Mapped[str | None] = mapped_column(String(20))
    #: the options of a choice question, in order (a list of strings); answers refer to them by index
    options: Mapped[list | None] = mapped_column(JSON)
    survey = relationship("Survey", back_populates="questions")


class Campaign(TimestampMixin, db.Model):
    """A survey run over one or more compounds of a community from `opens_at` to `closes_at`."""

    __tablename__ = "survey_campaign"
    __table_args__ = (CheckConstraint("closes_at > opens_at", name="times_in_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    title: Mapped[str] = mapped_column(String(100))
    opens_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: set to the moment of an early close, so "closed" is always `closes_at <= now`
    closes_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    #: when the residents were told that the results are published (set once, after close)
    results_announced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    survey = relationship("Survey")
    community = relationship("Community")
    created_by = relationship("User")
    scopes = relationship("CampaignCompound", back_populates="campaign", order_by="CampaignCompound.id")

    @hybrid_method
    def is_open(self, now: datetime | None = None) -> bool:
        now = now or now_utc()
        return aware(self.opens_at) <= now < aware(self.closes_at)

    @is_open.expression
    def is_open(cls, now: datetime | None = None):
        now = now or now_utc()
        return and_(cls.opens_at <= now, cls.closes_at > now)

    @hybrid_method
    def is_closed(self, now: datetime | None = None) -> bool:
        return aware(self.closes_at) <= (now or now_utc())

    @is_closed.expression
    def is_closed(cls, now: datetime | None = None):
        return cls.closes_at <= (now or now_utc())

    def state(self, now: datetime | None = None) -> str:
        now = now or now_utc()
        if self.is_closed(now):
            return "closed"
        return "open" if self.is_open(now) else "scheduled"


class CampaignCompound(db.Model):
    """A compound a campaign covers, with the company it evaluates and its households at launch."""

    __tablename__ = "survey_campaign_compound"
    __table_args__ = (UniqueConstraint("campaign_id", "compound_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("survey_campaign.id"), index=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compound.id"), index=True)
    #: the property company under the compound's current contract at launch (None: no property service)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    #: households of the compound at launch: the denominator of the response rate
    households: Mapped[int] = mapped_column(Integer, default=0)
    campaign = relationship("Campaign", back_populates="scopes")
    compound = relationship("Compound")
    company = relationship("Organisation")


class HouseholdCode(db.Model):
    """A one-time code for one household in one campaign. Only its SHA-256 is stored: the printed sheet
    is the one place the code exists. Reissuing revokes the live code; submitting uses it up."""

    __tablename__ = "survey_household_code"
    __table_args__ = (
        Index("uq_survey_household_code_live", "campaign_id", "household_id", unique=True,
              sqlite_where=text("used_at IS NULL AND revoked_at IS NULL"),
              postgresql_where=text("used_at IS NULL AND revoked_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("survey_campaign.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    #: sha256 of the normalised code (hex)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


def _random_key() -> str:
    return uuid.uuid4().hex


class Participation(db.Model):
    """That a household took part in a campaign, and how — never what it answered. The unique
    (campaign, household) pair is the one-answer-per-household rule, for every channel at once."""

    __tablename__ = "survey_participation"
    __table_args__ = (
        UniqueConstraint("campaign_id", "household_id"),
        enum_check("channel", Channel),
        CheckConstraint("(channel = 'paper') = (keyed_by_id IS NOT NULL)", name="paper_keyed_by"),
        {"sqlite_with_rowid": False},
    )

    #: random, so the key's order says nothing about who answered when
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=_random_key)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("survey_campaign.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    channel: Mapped[str] = mapped_column(String(10))
    #: the community worker who keyed in a paper form
    keyed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    #: the day (not the time) a paper form was keyed: a finer time would order the answers
    keyed_on: Mapped[date | None] = mapped_column(Date)
    keyed_by = relationship("User")


class Answer(db.Model):
    """One household's answers, without the household: campaign and compound only, no time, random key."""

    __tablename__ = "survey_answer"
    __table_args__ = ({"sqlite_with_rowid": False},)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=_random_key)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("survey_campaign.id"), index=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compound.id"), index=True)
    items = relationship("AnswerItem", back_populates="answer")


class AnswerItem(db.Model):
    """One value of an answer: a rating, a chosen option (one row per option) or a text."""

    __tablename__ = "survey_answer_item"
    __table_args__ = (
        CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="rating_range"),
        {"sqlite_with_rowid": False},
    )

    answer_id: Mapped[str] = mapped_column(ForeignKey("survey_answer.id"), primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("survey_question.id"), primary_key=True, index=True)
    #: the chosen option's index for choice questions, 0 otherwise
    option: Mapped[int] = mapped_column(Integer, primary_key=True, default=0)
    rating: Mapped[int | None]
    text: Mapped[str | None] = mapped_column(Text)
    answer = relationship("Answer", back_populates="items")
