"""The co-construction figures of a community or street for a period (DOMAIN.md, "Indicators": projects
by status, on-time share; micro-wishes claimed / fulfilled), each linking to the records behind it
(projects.project_records, projects.wish_records) filtered so that its count is the figure.

Definitions:
- projects by status, running and overdue are states, taken now: a project's status has no history
  to read back; *overdue* is a project still to be done (proposed, approved, in progress) whose
  deadline has passed today;
- *completed* in the period: completed or evaluated, with its completion day in the period; *on
  time* among them: completed on or before its deadline (the on-time share is over those);
- micro-wishes *posted* in the period (created in it), *claimed* in it (at least one claim made in it,
  even if released later, counted once per wish), *fulfilled* in it (the wisher confirmed it in it).

A project belongs to its community; a wish to its compound. A company area gets no section: projects
and wishes are the community's and its party members' work, not a property company's. The records
lists exist because the projects and wishes lists show what a person may act on, narrower than those
who read the area's figures; they carry no residents' data (no wish text, no names). Three queries.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import case, func, select, true

from portal.core.clock import aware, local_midnight, today
from portal.core.indicators import Area, Figure, Period, Section, Sheet, rate
from portal.core.indicators import Unit as FigureUnit
from portal.extensions import db
from portal.orgs.indicators import compounds_in, served_by
from portal.orgs.models import Community, Compound
from portal.projects import labels
from portal.projects.models import Project, ProjectStatus, Wish, WishClaim, WishStatus, project_compound

# --- predicates shared by the figures and the records lists ----------------------------------------


def area_projects(kind: str, area_id: int, on: date):
    if kind == "company":
        return Project.id.in_(select(project_compound.c.project_id).where(
            project_compound.c.compound_id.in_(served_by(area_id, on))))
    if kind == "community":
        return Project.community_id == area_id
    return Project.community_id.in_(select(Community.id).where(Community.street_id == area_id))


def area_wishes(kind: str, area_id: int, on: date):
    if kind == "company":
        return Wish.compound_id.in_(served_by(area_id, on))
    compounds = compounds_in(area_id) if kind == "community" else compounds_in(street_id=area_id)
    return Wish.compound_id.in_(compounds)


def overdue_projects(on: date):
    return Project.status.in_(ProjectStatus.RUNNING) & (Project.deadline < on)


def completed_between(first: date | None, last: date | None) -> list:
    conditions = [Project.status.in_(ProjectStatus.DONE)]
    if first:
        conditions.append(Project.completed_on >= first)
    if last:
        conditions.append(Project.completed_on <= last)
    return conditions


def on_time():
    return Project.completed_on <= Project.deadline


def _between(column, first: date | None, last: date | None) -> list:
    conditions = []
    if first:
        conditions.append(column >= local_midnight(first))
    if last:
        conditions.append(column < local_midnight(last + timedelta(days=1)))
    return conditions


def claimed_between(first: date | None, last: date | None):
    """Wishes with a claim made between the days, as a condition on Wish."""
    return Wish.id.in_(select(WishClaim.wish_id).where(*_between(WishClaim.claimed_at, first, last)))


def _all(conditions):
    from sqlalchemy import and_, true

    return and_(true(), *conditions)


# --- the section -----------------------------------------------------------------------------------

def projects_section(area: Area, period: Period) -> Section | None:
    if area.kind == "company":
        return None
    on = today()
    in_area = area_projects(area.kind, area.id, on)
    late = case((overdue_projects(on), 1), else_=0)
    by_status = {status: (count, late_n or 0) for status, count, late_n in db.session.execute(
        select(Project.status, func.count(), func.sum(late)).where(in_area).group_by(Project.status)).all()}
    first, last = period.first, period.last

    def counted(condition):
        return func.sum(case((condition, 1), else_=0))

    finished = select(func.count().label("n"), counted(on_time()).label("in_time")) \
        .where(in_area, *completed_between(first, last)).subquery()
    wishes = select(counted(_all(_between(Wish.created_at, first, last))).label("posted"),
                    counted(claimed_between(first, last)).label("claimed"),
                    counted(_all([Wish.status == WishStatus.CONFIRMED, *_between(Wish.confirmed_at, first, last)]))
                    .label("fulfilled")).where(area_wishes(area.kind, area.id, on)).subquery()
    completed, in_time, posted, claimed, fulfilled = db.session.execute(  # one statement for both
        select(finished.c.n, finished.c.in_time, wishes.c.posted, wishes.c.claimed, wishes.c.fulfilled)
        .select_from(finished.join(wishes, true()))).one()
    in_time = in_time or 0
    total = sum(count for count, _late in by_status.values())
    running = sum(by_status.get(status, (0, 0))[0] for status in ProjectStatus.RUNNING)
    overdue = sum(late_n for _count, late_n in by_status.values())
    where, days = area.args(), period.day_args()

    def projects_link(**filters):
        return url_for("projects.project_records", **where, **filters)

    def wishes_link(event):
        return url_for("projects.wish_records", **where, **days, event=event)

    rows = [(labels.PROJECT_STATUS_LABELS[status], by_status.get(status, (0, 0))[0], by_status.get(status, (0, 0))[1],
             rate(by_status.get(status, (0, 0))[0], total), projects_link(status=status))
            for status in ProjectStatus.ALL]
    return Section("projects.figures", _("共建项目与微心愿"), [
        Figure("projects.running", _("在办共建项目"), running, link=projects_link(status="running")),
        Figure("projects.overdue", _("当前逾期项目"), overdue, link=projects_link(status="overdue")),
        Figure("projects.completed", _("完成共建项目"), completed, link=projects_link(**days)),
        Figure("projects.on_time_share", _("项目按时完成率"), rate(in_time, completed), FigureUnit.PERCENT,
               link=projects_link(**days, on_time="yes"), part=in_time, whole=completed),
        Figure("projects.wishes_posted", _("发布微心愿"), posted or 0, link=wishes_link("posted")),
        Figure("projects.wishes_claimed", _("认领微心愿"), claimed or 0, link=wishes_link("claimed")),
        Figure("projects.wishes_fulfilled", _("实现微心愿（居民确认）"), fulfilled or 0, link=wishes_link("confirmed")),
    ], columns=[_("项目状态"), _("项目数"), _("其中逾期"), _("占比")], rows=rows)


# --- the records lists ------------------------------------------------------------------------------

def project_filters(args, on: date) -> tuple[list, list[tuple[str, str, str]]]:
    """(SQL conditions, chips) of the projects records list, read back from a figure's link."""
    from portal.core.params import parse_day

    conditions, chips = [], []
    status = args.get("status")
    if status in ProjectStatus.ALL:
        conditions.append(Project.status == status)
        chips.append(("status", status, labels.PROJECT_STATUS_LABELS[status]))
    elif status == "running":
        conditions.append(Project.status.in_(ProjectStatus.RUNNING))
        chips.append(("status", status, _("在办")))
    elif status == "overdue":
        conditions.append(overdue_projects(on))
        chips.append(("status", status, _("当前逾期")))
    first, last = parse_day(args.get("from")), parse_day(args.get("to"))
    if first or last:
        conditions += completed_between(first, last)
        chips.append(("period", "", _("完成于 %(first)s – %(last)s", first=first or "…", last=last or "…")))
    if args.get("on_time") == "yes":
        conditions += [Project.status.in_(ProjectStatus.DONE), on_time()]
        chips.append(("on_time", "yes", _("按时完成")))
    return conditions, chips


EVENTS = {"posted": Wish.created_at, "confirmed": Wish.confirmed_at}


def wish_filters(args) -> tuple[list, list[tuple[str, str, str]]]:
    """(SQL conditions, chips) of the wishes records list: posted, claimed or confirmed between days."""
    from portal.core.params import parse_day

    first, last = parse_day(args.get("from")), parse_day(args.get("to"))
    event = args.get("event")
    conditions, chips = [], []
    if event == "claimed":
        conditions.append(claimed_between(first, last))
    elif event in EVENTS:
        conditions += _between(EVENTS[event], first, last)
        if event == "confirmed":
            conditions.append(Wish.status == WishStatus.CONFIRMED)
    else:
        return conditions, chips
    names = {"posted": _("发布于"), "claimed": _("认领于"), "confirmed": _("居民确认于")}
    chips.append(("event", event, f"{names[event]} {first or '…'} – {last or '…'}"))
    return conditions, chips


def projects_query(condition, conditions):
    """Projects with their community, status and dates (no responsible person's name)."""
    return (select(Project.id, Project.title, Project.status, Project.start_date, Project.deadline,
                   Project.completed_on, Community.name.label("community"))
            .join(Community, Community.id == Project.community_id)
            .where(condition, *conditions).order_by(Project.deadline.desc(), Project.id.desc()))


def wishes_query(condition, conditions):
    """Wishes by compound, category, status and dates: never their text, wisher or contact."""
    return (select(Wish.id, Wish.category, Wish.status, Wish.created_at, Wish.confirmed_at,
                   Compound.name.label("compound"))
            .join(Compound, Compound.id == Wish.compound_id)
            .where(condition, *conditions).order_by(Wish.created_at.desc(), Wish.id.desc()))


def timing(row, on: date) -> str:
    if row.completed_on is not None and row.status in ProjectStatus.DONE:
        return "on_time" if row.completed_on <= row.deadline else "late"
    if row.status in ProjectStatus.RUNNING and row.deadline < on:
        return "overdue"
    return "pending"


def projects_sheet(area: Area, period: Period) -> Sheet | None:
    """The area's projects still running or completed in the period, with their timing."""
    if area.kind == "company":
        return None
    from sqlalchemy import or_

    on = today()
    rows = db.session.execute(projects_query(area_projects(area.kind, area.id, on), [or_(
        Project.status.in_(ProjectStatus.RUNNING), _all(completed_between(period.first, period.last)))])).all()
    return Sheet(_("共建项目"), [_("编号"), _("社区"), _("项目"), _("状态"), _("开始"), _("完成时限"), _("完成日期"),
                                 _("时效")], [
        (row.id, row.community, row.title, str(labels.PROJECT_STATUS_LABELS[row.status]), row.start_date.isoformat(),
         row.deadline.isoformat(), row.completed_on.isoformat() if row.completed_on else "",
         str(labels.TIMING_LABELS[timing(row, on)]))
        for row in rows
    ])


def local_day(value: datetime | None) -> str:
    from portal.core.clock import TZ

    return aware(value).astimezone(TZ).strftime("%Y-%m-%d") if value else "—"
