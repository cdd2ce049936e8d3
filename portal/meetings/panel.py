"""The compound page's joint-meetings section (core.modules.add_compound_panel): the next meeting, the
last ones held with their quorum, and the resolutions still open. Only the meetings the reader's own
lists show (permissions.visibility), so every number here is a list's count; three queries whatever the
number of meetings."""

from __future__ import annotations

from sqlalchemy import case, func, select

from portal.core.clock import now_utc, today
from portal.core.permissions import can
from portal.extensions import db
from portal.meetings.indicators import held, quorate_ids
from portal.meetings.models import Meeting, MeetingStatus, Resolution, ResolutionStatus
from portal.meetings.permissions import visibility

#: how many past meetings the section lists
RECENT = 3


def resolutions_visible(user):
    """The resolutions the follow-up list shows a user: of meetings they see, or theirs to carry out."""
    return visibility(user) | (Resolution.responsible_id == user.id)


def compound_panel(user, compound) -> dict | None:
    if not can(user, "meetings.index"):
        return None
    now, on = now_utc(), today()
    here = (Meeting.compound_id == compound.id, visibility(user))
    upcoming = db.session.execute(
        select(Meeting.id, Meeting.title, Meeting.starts_at, Meeting.place)
        .where(*here, Meeting.status == MeetingStatus.SCHEDULED, Meeting.ends_at >= now)
        .order_by(Meeting.starts_at, Meeting.id).limit(1)).first()
    recent = db.session.execute(
        select(Meeting.id, Meeting.title, Meeting.starts_at,
               case((Meeting.id.in_(quorate_ids()), True), else_=False).label("quorate"))
        .where(*here, held(now), Meeting.ends_at < now)
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc()).limit(RECENT)).all()
    open_count, overdue = db.session.execute(
        select(func.count(), func.sum(case((Resolution.deadline < on, 1), else_=0)))
        .select_from(Resolution).join(Meeting, Meeting.id == Resolution.meeting_id)
        .where(Meeting.compound_id == compound.id, resolutions_visible(user),
               Resolution.status == ResolutionStatus.OPEN)).one()
    return {"compound_id": compound.id, "upcoming": upcoming, "recent": recent,
            "open_resolutions": open_count, "overdue_resolutions": overdue or 0,
            "may_follow_up": can(user, "meetings.follow_up")}
