"""In-portal notifications that every module writes to through services.notify."""

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.models import utcnow
from portal.extensions import db


class Notification(db.Model):
    """`key` and `params` name a registered message, worded when read (services.message_for);
    `title` is the finished text of rows written before there were keys (migration 0005)."""

    __tablename__ = "notification"
    __table_args__ = (
        CheckConstraint("key IS NOT NULL OR title IS NOT NULL", name="worded"),
        # The bell on every page: a user's unread ones, newest first, without walking their read history
        # (migration 0011_city_indexes).
        Index("ix_notification_user_unread", "user_id", "read_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    key: Mapped[str | None] = mapped_column(String(80))
    params: Mapped[dict | None] = mapped_column(JSON)
    title: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(300))
