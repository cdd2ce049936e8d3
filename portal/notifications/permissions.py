"""A notification is its reader's alone: anyone else's is 404."""

from flask import abort
from sqlalchemy import select

from portal.extensions import db
from portal.notifications.models import Notification


def visibility(user):
    return Notification.user_id == user.id


def get_notification_or_404(user, note_id: int) -> Notification:
    note = db.session.scalar(select(Notification).where(Notification.id == note_id, visibility(user)))
    if note is None:
        abort(404)
    return note
