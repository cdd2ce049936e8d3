"""Mixins and small helpers shared by every module's models."""

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.orm import Mapped, declared_attr, mapped_column


def utcnow() -> datetime:
    """Aware UTC now; stored as UTC and shown in Asia/Shanghai by Flask-Babel."""
    return datetime.now(UTC)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class VersionedMixin:
    """Optimistic locking for records people edit in forms.

    The form carries the version it was loaded with; SQLAlchemy adds `WHERE version = ?` to the
    UPDATE, so of two simultaneous saves exactly one wins and the other gets StaleDataError.
    """

    version: Mapped[int] = mapped_column(nullable=False, default=1, server_default="1")

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.version}
