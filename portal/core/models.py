"""Mixins and small helpers shared by every module's models."""

import enum
from datetime import UTC, datetime

from sqlalchemy import CheckConstraint, DateTime
from sqlalchemy.orm import Mapped, declared_attr, mapped_column


def utcnow() -> datetime:
    """Aware UTC now; stored as UTC and shown in Asia/Shanghai by Flask-Babel."""
    return datetime.now(UTC)


def enum_check(column_name: str, enum_cls: type[enum.StrEnum], *, name: str | None = None) -> CheckConstraint:
    """A CHECK that `column_name` holds one of the enum's values (NULL passes, as SQL has it).

    Codes are stored as plain strings, so the database itself refuses a code the enum does not
    know. The constraint is named `<column>_enum` by default (ck_<table>_<column>_enum through
    the naming convention). Alembic's autogenerate does not compare CHECK constraints: a new
    member needs a migration that replaces the constraint; tests/core/test_enums.py notices a
    member the database does not accept. `info` records column and enum for those tests.
    """
    values = ", ".join(_sql_string(member.value) for member in enum_cls)
    return CheckConstraint(f"{column_name} IN ({values})", name=name or f"{column_name}_enum",
                           info={"column": column_name, "enum": enum_cls})


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class VersionedMixin:
    """Optimistic locking for records people edit in forms.

    The form carries the version it was loaded with; SQLAlchemy adds `WHERE version = ?` to the
    UPDATE, so of two simultaneous saves exactly one wins and the other gets StaleDataError.
    """

    #: how many times the row was saved; the form sends it back so a stale save is refused
    version: Mapped[int] = mapped_column(nullable=False, default=1, server_default="1")

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.version}
