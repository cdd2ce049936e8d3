"""Calendar files with the `icalendar` library: one meeting's invitation (.ics) and a person's feed of
all their meetings at a secret, revocable URL. Times carry the Asia/Shanghai zone."""

from __future__ import annotations

import secrets

from icalendar import Calendar, Event
from sqlalchemy import select

from portal.core.clock import aware
from portal.extensions import db
from portal.meetings.models import CalendarFeed, Invitee, Meeting, MeetingStatus
from portal.meetings.services import local


def _calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", "-//red-property-portal//meetings//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Asia/Shanghai")
    return cal


def _event(meeting: Meeting, base_url: str) -> Event:
    event = Event()
    event.add("uid", f"meeting-{meeting.id}@red-property-portal")
    event.add("summary", meeting.title)
    event.add("dtstart", local(meeting.starts_at))
    event.add("dtend", local(meeting.ends_at))
    event.add("dtstamp", aware(meeting.updated_at or meeting.created_at))
    event.add("location", meeting.place)
    event.add("url", f"{base_url.rstrip('/')}/meetings/{meeting.id}")
    event.add("sequence", meeting.version)
    cancelled = meeting.status == MeetingStatus.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return event


def meeting_ics(meeting: Meeting, base_url: str) -> bytes:
    cal = _calendar(meeting.title)
    cal.add("method", "PUBLISH")
    cal.add_component(_event(meeting, base_url))
    return cal.to_ical()


def feed_ics(user, base_url: str, name: str) -> bytes:
    """Every meeting the user is invited to or convened (cancelled ones stay, marked so)."""
    cal = _calendar(name)
    meetings = db.session.scalars(select(Meeting).where(
        (Meeting.convener_id == user.id) | Meeting.id.in_(select(Invitee.meeting_id).where(Invitee.user_id == user.id)))
        .order_by(Meeting.starts_at))
    for meeting in meetings:
        cal.add_component(_event(meeting, base_url))
    return cal.to_ical()


def feed_token(user, *, create: bool = False) -> str | None:
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))
    if feed is None and create:
        feed = CalendarFeed(user_id=user.id, token=secrets.token_urlsafe(32))
        db.session.add(feed)
        db.session.flush()
    return feed.token if feed else None


def revoke(user) -> str:
    """A new secret: the old URL stops working at once."""
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))
    if feed is None:
        return feed_token(user, create=True)
    feed.token = secrets.token_urlsafe(32)
    return feed.token


def user_for_token(token: str):
    from portal.auth.models import User

    if not token or len(token) > 64:
        return None
    return db.session.scalar(select(User).join(CalendarFeed, CalendarFeed.user_id == User.id)
                             .where(CalendarFeed.token == token, User.active.is_(True)))
