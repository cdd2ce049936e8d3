"""Audit log: who did what to which record, and who looked at a resident's full phone number.

Callers pass a short action code and the target; details never hold passwords or full phone numbers.
"""

from datetime import datetime

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import JSON, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.models import utcnow
from portal.extensions import db


class AuditLog(db.Model):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(64))
    target_id: Mapped[int | None]
    ip: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict | None] = mapped_column(JSON)


#: action code -> label, target type -> label: each module registers the words for its own entries
ACTION_LABELS: dict[str, object] = {}
TARGET_LABELS: dict[str, object] = {}


def register_audit_labels(actions: dict, targets: dict | None = None) -> None:
    """How a module's audit entries read for a street administrator ("修改了账号", not `person.updated`)."""
    ACTION_LABELS.update(actions)
    TARGET_LABELS.update(targets or {})


def audit(action: str, target=None, *, user=None, details: dict | None = None) -> AuditLog:
    """Add an audit entry to the current transaction (committed with the change it records)."""
    if user is None and has_request_context() and current_user.is_authenticated:
        user = current_user
    entry = AuditLog(
        user_id=getattr(user, "id", None),
        action=action,
        target_type=type(target).__name__ if target is not None else "-",
        target_id=getattr(target, "id", None),
        ip=request.remote_addr if has_request_context() else None,
        details=details,
    )
    db.session.add(entry)
    return entry
