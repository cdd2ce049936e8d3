"""The notification centre other modules write to."""

from sqlalchemy import func, select, update

from portal.core.models import utcnow
from portal.extensions import db
from portal.notifications.models import Notification


def notify(user_id: int, title: str, body: str | None = None, link: str | None = None) -> Notification:
    """Queue a notification in the current transaction; never include a resident's phone number."""
    note = Notification(user_id=user_id, title=title, body=body, link=link)
    db.session.add(note)
    return note


def unread_count(user) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    ) or 0


def mark_read(user, note_id: int) -> bool:
    result = db.session.execute(
        update(Notification)
        .where(Notification.id == note_id, Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return result.rowcount > 0


def mark_all_read(user) -> int:
    result = db.session.execute(
        update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None)).values(read_at=utcnow())
    )
    return result.rowcount
