"""The compound page's joint-meetings section (core.modules.add_compound_panel): the next meeting, the
last ones held with their quorum, and the resolutions still open. Only the meetings the reader's own
lists show (permissions.visibility), so every number here is a list's count; one statement whatever the
number of meetings."""

from __future__ import annotations

from sqlalchemy import case, false, func, literal_column, select, true, union_all

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
    """One statement: the resolutions' counts (always one row) joined to the next meeting and the last
    RECENT held (each branch of the union limited and ordered on its own), so there is a row even for a
    compound without meetings."""
    if not can(user, "meetings.index"):
        return None
    now, on = now_utc(), today()
    here = (Meeting.compound_id == compound.id, visibility(user))
    columns = (Meeting.id, Meeting.title, Meeting.starts_at, Meeting.place)
    upcoming = (select(literal_column("0").label("part"), *columns, false().label("quorate"))
                .where(*here, Meeting.status == MeetingStatus.SCHEDULED, Meeting.ends_at >= now)
                .order_by(Meeting.starts_at, Meeting.id).limit(1))
    recent = (select(literal_column("1").label("part"), *columns,
                     case((Meeting.id.in_(quorate_ids()), True), else_=False).label("quorate"))
              .where(*here, held(now), Meeting.ends_at < now)
              .order_by(Meeting.starts_at.desc(), Meeting.id.desc()).limit(RECENT))
    meetings = union_all(upcoming.subquery().select(), recent.subquery().select()).subquery()
    resolutions = (select(func.count().label("open"), func.sum(case((Resolution.deadline < on, 1), else_=0)).label("overdue"))
                   .select_from(Resolution).join(Meeting, Meeting.id == Resolution.meeting_id)
                   .where(Meeting.compound_id == compound.id, resolutions_visible(user),
                          Resolution.status == ResolutionStatus.OPEN).subquery())
    rows = db.session.execute(
        select(resolutions.c.open, resolutions.c.overdue, meetings)
        .select_from(resolutions).outerjoin(meetings, true())
        .order_by(meetings.c.part, meetings.c.starts_at.desc(), meetings.c.id.desc())).all()
    found = [row for row in rows if row.id is not None]
    return {"compound_id": compound.id,
            "upcoming": next((row for row in found if row.part == 0), None),
            "recent": [row for row in found if row.part == 1],
            "open_resolutions": rows[0].open, "overdue_resolutions": rows[0].overdue or 0,
            "may_follow_up": can(user, "meetings.follow_up")}
