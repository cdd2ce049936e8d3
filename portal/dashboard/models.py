"""A monthly report being built: the request that asks for it only queues it, a background worker
builds it, the page follows its progress and hands over the file. The file lives in the database so
any instance can serve it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.models import enum_check, utcnow
from portal.extensions import db


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class AreaKind(StrEnum):
    COMMUNITY = "community"
    STREET = "street"
    COMPANY = "company"


class ReportJob(db.Model):
    __tablename__ = "report_job"
    __table_args__ = (enum_check("status", JobStatus), enum_check("area_kind", AreaKind))

    #: random, not a sequence: the job's page and file are addressed by it
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    area_kind: Mapped[str] = mapped_column(String(16))
    area_id: Mapped[int] = mapped_column(Integer)
    #: the period as its query-string arguments (core.indicators.Period.args)
    period: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.QUEUED)
    #: 0–100, written by the builder after each part
    progress: Mapped[int] = mapped_column(Integer, default=0)
    filename: Mapped[str | None] = mapped_column(String(200))
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: when a builder claimed it: a running job older than the builder's limit is taken again
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
