"""Periodic work: reminders before meetings (each offset once) and the follow-up of resolutions."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from portal.core.clock import aware, now_utc
from portal.extensions import db
from portal.meetings.models import Meeting, MeetingStatus, ReminderSent
from portal.meetings.services import _about, invitee_ids, link, reminder_minutes
from portal.notifications.services import notify


def send_reminders(now: datetime | None = None) -> int:
    """Remind invitees `minutes` before each scheduled meeting; the unique (meeting, minutes) row makes
    each reminder go out once even with several instances running this task."""
    now = now or now_utc()
    sent = 0
    upcoming = db.session.scalars(select(Meeting).where(
        Meeting.status == MeetingStatus.SCHEDULED, Meeting.starts_at > now,
        Meeting.starts_at <= now + timedelta(days=7, hours=1)))
    for meeting in upcoming:
        done = set(db.session.scalars(select(ReminderSent.minutes_before).where(ReminderSent.meeting_id == meeting.id)))
        start = aware(meeting.starts_at)
        due = [m for m in reminder_minutes(meeting) if start - timedelta(minutes=m) <= now and m not in done]
        if not due:
            continue
        for minutes in due:  # a late run sends the nearest reminder only, and counts the earlier ones as sent
            db.session.add(ReminderSent(meeting_id=meeting.id, minutes_before=minutes))
        for user_id in invitee_ids(meeting):
            notify(user_id, "meetings.reminder", link=link(meeting), **_about(meeting))
        sent += 1
    return sent


def run() -> dict:
    from portal.meetings.resolutions import follow_up

    return {"reminders": send_reminders(), **follow_up()}
