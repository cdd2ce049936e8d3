"""The joint-meeting figures of a community, street or property company for a period, each linking to
the records behind it (meetings.records, meetings.resolution_records) filtered so that its count is the
figure.

Definitions (DOMAIN.md, "Indicators": joint meetings held, quorate share, resolutions done / overdue):
- a meeting is *held* in the period when it is not cancelled and started in the period (and has
  started by now: a meeting later this month is not held yet);
- *quorate*: the 1 and each of the 3 had at least one person signed in (services.quorate; X does not
  count), taken from the sign-ins, whether or not minutes were issued;
- *resolutions* of the period are those of the meetings held in it (a resolution belongs to the period
  of the meeting that decided it, whatever its deadline); *done* is how many of them are done now;
- *overdue* is a state, as repairs' is: every open resolution of the area's held meetings whose
  deadline has passed today, whichever period its meeting was in.

The area: a community's or street's meetings are those of its communities (community-wide ones
included); a company's are the compound meetings of the compounds it serves on the period's last day
(community-wide meetings are not about one company). The records lists are separate from the meetings
list because that list shows only what a person convenes, attends or oversees, narrower than those
who read an area's figures (community-wide grid workers, property managers for their company).
Four queries whatever the size of the area.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import case, func, select, true

from portal.core.clock import TZ, aware, local_midnight, now_utc, today
from portal.core.indicators import Area, Figure, Period, Section, Sheet, Unit, rate
from portal.extensions import db
from portal.meetings.models import Attendance, Meeting, MeetingStatus, Party, Resolution, ResolutionStatus
from portal.orgs.indicators import served_by
from portal.orgs.models import Community, Compound

# --- predicates shared by the figures and the records lists ----------------------------------------


def area_meetings(kind: str, area_id: int, on: date):
    """The meetings of a community, a street, or the compounds a company serves on `on`."""
    if kind == "company":
        return Meeting.compound_id.in_(served_by(area_id, on))
    if kind == "community":
        return Meeting.community_id == area_id
    return Meeting.community_id.in_(select(Community.id).where(Community.street_id == area_id))


def held(now: datetime):
    """Not cancelled and started by now."""
    return (Meeting.status != MeetingStatus.CANCELLED) & (Meeting.starts_at < now)


def started_between(first: date | None, last: date | None) -> list:
    conditions = []
    if first:
        conditions.append(Meeting.starts_at >= local_midnight(first))
    if last:
        conditions.append(Meeting.starts_at < local_midnight(last + timedelta(days=1)))
    return conditions


def quorate_ids():
    """Meetings at which the 1 and each of the 3 signed in, as a subquery."""
    return (select(Attendance.meeting_id).where(Attendance.party.in_(tuple(Party.QUORUM)))
            .group_by(Attendance.meeting_id).having(func.count(Attendance.party.distinct()) == len(Party.QUORUM)))


def overdue(on: date):
    return (Resolution.status == ResolutionStatus.OPEN) & (Resolution.deadline < on)


def _area_args(area: Area, on: date) -> dict[str, str]:
    return {**area.args(), "on": on.isoformat()} if area.kind == "company" else area.args()


# --- the section -----------------------------------------------------------------------------------

def meetings_section(area: Area, period: Period, now: datetime | None = None) -> Section:
    now = now or now_utc()
    on = min(period.last, today())
    in_area = area_meetings(area.kind, area.id, on)
    of_period = (in_area, held(now), *started_between(period.first, period.last))
    quorate = case((Meeting.id.in_(quorate_ids()), 1), else_=0)
    held_meetings = select(func.count().label("n"), func.sum(quorate).label("quorate")).select_from(Meeting) \
        .where(*of_period).subquery()
    done = case((Resolution.status == ResolutionStatus.DONE, 1), else_=0)
    resolved = select(func.count().label("n"), func.sum(done).label("done")).select_from(Resolution) \
        .join(Meeting, Meeting.id == Resolution.meeting_id).where(*of_period).subquery()
    late = select(func.count().label("n")).select_from(Resolution).join(Meeting, Meeting.id == Resolution.meeting_id) \
        .where(in_area, held(now), overdue(today())).subquery()
    meetings, quorate_count, resolutions, done_count, overdue_count = db.session.execute(  # one statement
        select(held_meetings.c.n, held_meetings.c.quorate, resolved.c.n, resolved.c.done, late.c.n)
        .select_from(held_meetings.join(resolved, true()).join(late, true()))).one()
    quorate_count, done_count, overdue_count = quorate_count or 0, done_count or 0, overdue_count or 0
    base = {**_area_args(area, on), **period.day_args()}

    def meetings_link(**filters):
        return url_for("meetings.records", **base, **filters)

    def resolutions_link(**filters):
        return url_for("meetings.resolution_records", **filters)

    return Section("meetings.figures", _("联席会议"), [
        Figure("meetings.held", _("召开联席会议"), meetings, link=meetings_link()),
        Figure("meetings.quorate_share", _("会议到会率（四方到齐）"), rate(quorate_count, meetings), Unit.PERCENT,
               link=meetings_link(quorate="yes"), part=quorate_count, whole=meetings),
        Figure("meetings.resolutions", _("决议事项数"), resolutions, link=resolutions_link(**base)),
        Figure("meetings.resolutions_done", _("决议事项已办结"), done_count,
               link=resolutions_link(**base, status="done")),
        Figure("meetings.resolutions_done_share", _("决议办结率"), rate(done_count, resolutions), Unit.PERCENT,
               link=resolutions_link(**base, status="done"), part=done_count, whole=resolutions),
        Figure("meetings.resolutions_overdue", _("决议事项当前超期"), overdue_count,
               link=resolutions_link(**_area_args(area, on), status="overdue")),
    ])


# --- the records lists: a figure's link read back into the same predicates -------------------------

def record_filters(args, now: datetime, *, resolutions: bool) -> tuple[list, list[tuple[str, str, str]]]:
    """(SQL conditions, chips) of a records list, from the query string of a figure's link."""
    from portal.core.params import parse_day

    conditions, chips = [held(now)], []
    first, last = parse_day(args.get("from")), parse_day(args.get("to"))
    conditions += started_between(first, last)
    if first or last:
        chips.append(("period", "", _("会议日期 %(first)s – %(last)s", first=first or "…", last=last or "…")))
    if not resolutions and args.get("quorate") == "yes":
        conditions.append(Meeting.id.in_(quorate_ids()))
        chips.append(("quorate", "yes", _("四方到齐")))
    if resolutions and args.get("status") == "done":
        conditions.append(Resolution.status == ResolutionStatus.DONE)
        chips.append(("status", "done", _("已办结")))
    if resolutions and args.get("status") == "overdue":
        conditions.append(overdue(today()))
        chips.append(("status", "overdue", _("当前超期")))
    return conditions, chips


def meetings_query(area_condition, conditions):
    """The held meetings with their compound, quorum and resolutions (done, open, overdue): no names."""
    counts = (select(Resolution.meeting_id.label("meeting_id"), func.count().label("total"),
                     func.sum(case((Resolution.status == ResolutionStatus.DONE, 1), else_=0)).label("done"),
                     func.sum(case((overdue(today()), 1), else_=0)).label("overdue"))
              .group_by(Resolution.meeting_id).subquery())
    return (
        select(Meeting.id, Meeting.title, Meeting.starts_at, Community.name.label("community"),
               Compound.name.label("compound"), case((Meeting.id.in_(quorate_ids()), True), else_=False).label("quorate"),
               func.coalesce(counts.c.total, 0).label("resolutions"), func.coalesce(counts.c.done, 0).label("done"),
               func.coalesce(counts.c.overdue, 0).label("overdue"))
        .join(Community, Community.id == Meeting.community_id)
        .outerjoin(Compound, Compound.id == Meeting.compound_id)
        .outerjoin(counts, counts.c.meeting_id == Meeting.id)
        .where(area_condition, *conditions)
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
    )


def resolutions_query(area_condition, conditions):
    """Resolutions with their meeting's date and compound and the responsible body (no person)."""
    from portal.orgs.models import Organisation

    return (
        select(Resolution.id, Resolution.what, Resolution.deadline, Resolution.status, Resolution.done_at,
               Meeting.starts_at, Meeting.title.label("meeting"), Community.name.label("community"),
               Compound.name.label("compound"), Organisation.name.label("organisation"))
        .join(Meeting, Meeting.id == Resolution.meeting_id)
        .join(Community, Community.id == Meeting.community_id)
        .outerjoin(Compound, Compound.id == Meeting.compound_id)
        .join(Organisation, Organisation.id == Resolution.organisation_id)
        .where(area_condition, *conditions)
        .order_by(Meeting.starts_at.desc(), Resolution.id.desc())
    )


def meetings_sheet(area: Area, period: Period) -> Sheet:
    """The meetings held in the period, as the records list shows them."""
    on = min(period.last, today())
    rows = db.session.execute(meetings_query(area_meetings(area.kind, area.id, on),
                                             [held(now_utc()), *started_between(period.first, period.last)])).all()
    yes, no = _("是"), _("否")
    return Sheet(_("联席会议"), [_("日期"), _("社区"), _("小区"), _("会议"), _("四方到齐"), _("决议事项数"), _("已办结"),
                                 _("未办结"), _("其中超期")], [
        (aware(row.starts_at).astimezone(TZ).strftime("%Y-%m-%d %H:%M"), row.community, row.compound or _("全社区"),
         row.title, yes if row.quorate else no, row.resolutions, row.done, row.resolutions - row.done, row.overdue)
        for row in rows
    ])
