"""Accounts. A user's roles are not stored here: they follow from open positions and households."""

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.models import TimestampMixin
from portal.extensions import db


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str | None] = mapped_column(String(64), unique=True)
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(255))
    #: part of the login cookie (see get_id); rotated at logout, password change and disablement,
    #: so every older session dies with it
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token, unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    is_party_member: Mapped[bool] = mapped_column(default=False)
    #: the street whose administrators manage this account (None: a system account from create-admin);
    #: not where the person lives or works, which follows from households and positions
    street_id: Mapped[int | None] = mapped_column(ForeignKey("street.id"), index=True)
    locale: Mapped[str | None] = mapped_column(String(10))
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    positions = relationship("Position", back_populates="user", foreign_keys="Position.user_id")
    memberships = relationship("HouseholdMember", back_populates="user")

    def get_id(self) -> str:
        """Flask-Login stores this in the session; a rotated token logs every old session out."""
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses disabled accounts
        return self.active

    def rotate_session(self) -> None:
        self.session_token = new_session_token()

    def __repr__(self) -> str:
        return f"<User {self.id}>"
