"""The meetings list by role: upcoming, past, minutes to confirm; residents see their compound's
disclosures. Filters live in the URL and are applied through htmx."""

from __future__ import annotations

from flask import request
from flask_login import current_user, login_required
from sqlalchemy import exists, func, select

from portal.core.clock import now_utc
from portal.core.paging import paginate
from portal.core.params import parse_id
from portal.core.permissions import can, require
from portal.core.rendering import render
from portal.extensions import db
from portal.meetings.models import Attendance, Meeting, MeetingStatus, MinutesVersion
from portal.meetings.permissions import disclosed_for_residents, visibility
from portal.meetings.services import local
from portal.meetings.todos import to_confirm_clause
from portal.meetings.views import bp
from portal.orgs.models import Community, Compound
from portal.orgs.permissions import scope_of

VIEWS = ("upcoming", "past", "confirm", "disclosed")


def _query(view: str, now):
    if view == "disclosed":
        return select(Meeting).where(disclosed_for_residents(current_user) | (visibility(current_user) & Meeting.disclosed_at.is_not(None))
                                     ).order_by(Meeting.starts_at.desc())
    query = select(Meeting).where(visibility(current_user))
    if view == "upcoming":
        return query.where(Meeting.ends_at >= now, Meeting.status == MeetingStatus.SCHEDULED).order_by(Meeting.starts_at)
    if view == "confirm":
        from portal.meetings.models import Invitee

        awaiting = select(MinutesVersion.meeting_id).join(Invitee, to_confirm_clause(current_user))
        return query.where(Meeting.id.in_(awaiting)).order_by(Meeting.starts_at.desc())
    return query.where(Meeting.ends_at < now).order_by(Meeting.starts_at.desc())


@bp.route("/")
@login_required
def index():
    require(current_user, "meetings.index")
    staff = bool(scope_of(current_user).roles - {"resident"})
    default = "upcoming" if staff else "disclosed"
    view = request.args.get("view") if request.args.get("view") in VIEWS else default
    now = now_utc()
    query = _query(view, now)
    compound = parse_id(request.args.get("compound"))
    if compound:
        query = query.where(Meeting.compound_id == compound)
    page = paginate(query)
    ids = [m.id for m in page.items]
    present = dict(db.session.execute(select(Attendance.meeting_id, func.count(Attendance.party.distinct()))
                                      .where(Attendance.meeting_id.in_(ids or [0])).group_by(Attendance.meeting_id)).all())
    quorate = {mid for mid, in db.session.execute(
        select(Attendance.meeting_id).where(Attendance.meeting_id.in_(ids or [0]), Attendance.party != "other")
        .group_by(Attendance.meeting_id).having(func.count(Attendance.party.distinct()) == 4)).all()}
    locked = {mid for mid, in db.session.execute(select(MinutesVersion.meeting_id).where(
        MinutesVersion.meeting_id.in_(ids or [0]), MinutesVersion.locked_at.is_not(None))).all()}
    places = dict(db.session.execute(select(Compound.id, Compound.name).where(
        Compound.id.in_({m.compound_id for m in page.items if m.compound_id} or {0}))).all())
    communities = dict(db.session.execute(select(Community.id, Community.name).where(
        Community.id.in_({m.community_id for m in page.items} or {0}))).all())
    return render("meetings/index.html", "results", page=page, view=view, staff=staff, now=now, local=local,
                  present=present, quorate=quorate, locked=locked, places=places, communities=communities,
                  compound=compound, may_convene=can(current_user, "meetings.convene"),
                  may_propose=can(current_user, "meetings.propose"), exists=exists)
