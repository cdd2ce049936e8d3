"""Monthly series and the monthly service-day cycle (DOMAIN.md, Workflow 2).

Each occurrence of a series is its own meeting (same place, invitees and time of day, one month on);
the open resolutions of the series are put on the next occurrence's agenda until they are done.
The service-day cycle of a month: collect opinions by the 15th, classify by the 25th, serve on the
5th of the next month, evaluate by the 10th, summarise by the 15th; each stage is due or done.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from portal.core.clock import TZ, today
from portal.core.errors import RuleError
from portal.core.translations import lazy_gettext as _l
from portal.extensions import db
from portal.meetings.models import AgendaItem, CycleStage, Invitee, Meeting, MeetingKind, ServiceDayStage
from portal.meetings.permissions import convener_communities, manages
from portal.meetings.services import add_agenda_item, convene, local, proposed_invitees


def add_month(value: datetime) -> datetime:
    year, month = (value.year + 1, 1) if value.month == 12 else (value.year, value.month + 1)
    day = min(value.day, calendar.monthrange(year, month)[1])
    return value.replace(year=year, month=month, day=day)


def series_of(meeting: Meeting) -> int:
    return meeting.series_id or meeting.id


def next_occurrence(meeting: Meeting, *, by) -> Meeting:
    """The same regular meeting one month on, with the same invitees, and the series' open resolutions
    carried onto its agenda."""
    if not manages(by, meeting):
        raise RuleError(_l("您不能对这次会议进行这个操作。"))
    if meeting.kind != MeetingKind.REGULAR:
        raise RuleError(_l("只有例会可以按月重复。"))
    series = series_of(meeting)
    later = db.session.scalar(select(Meeting.id).where(
        (Meeting.series_id == series) | (Meeting.id == series), Meeting.starts_at > meeting.starts_at).limit(1))
    if later:
        raise RuleError(_l("这个系列的下一次会议已经安排。"))
    start, end = local(meeting.starts_at), local(meeting.ends_at)
    proposed = {c.key for c in proposed_invitees(meeting.community_id, meeting.compound_id, by.id)}
    invited = db.session.execute(select(Invitee.user_id, Invitee.organisation_id, Invitee.party)
                                 .where(Invitee.meeting_id == meeting.id)).all()
    keys = [f"{u}-{o or 0}" for u, o, _p in invited if f"{u}-{o or 0}" in proposed]
    others = [u for u, o, _p in invited if f"{u}-{o or 0}" not in proposed]
    following = convene(by=by, community_id=meeting.community_id, compound_id=meeting.compound_id,
                        title=meeting.title, kind=meeting.kind, starts_at=add_month(start), ends_at=add_month(end),
                        place=meeting.place, invite_keys=keys, x_ids=others, reminders=meeting.reminders,
                        series_id=series)
    carry_open(following, by=by)
    return following


def carry_open(meeting: Meeting, *, by) -> int:
    """Put each open resolution of earlier meetings of the series on this meeting's agenda (once)."""
    from portal.meetings.resolutions import open_resolutions_of_series

    if meeting.series_id is None:
        return 0
    already = set(db.session.scalars(select(AgendaItem.source_id).where(
        AgendaItem.meeting_id == meeting.id, AgendaItem.source_kind == "resolution")))
    carried = 0
    for resolution in open_resolutions_of_series(meeting.series_id, meeting.starts_at):
        if resolution.id in already:
            continue
        add_agenda_item(meeting, by=by, title=str(_l("督办：%(what)s", what=resolution.what)),
                        description=None, expected_minutes=10, source_kind="resolution", source_id=resolution.id)
        carried += 1
    return carried


# --- the service-day cycle ---------------------------------------------------------------------------------

STAGES = tuple(CycleStage)
STAGE_LABELS = {"collect": _l("收集意见"), "classify": _l("分类梳理"), "serve": _l("集中服务"),
                "evaluate": _l("评价反馈"), "summarise": _l("总结公示")}


@dataclass(frozen=True)
class Stage:
    code: str
    due: date
    done_at: datetime | None

    @property
    def label(self):
        return STAGE_LABELS[self.code]

    @property
    def state(self) -> str:
        if self.done_at is not None:
            return "done"
        return "overdue" if self.due < today() else "due"


def stage_dates(month: date) -> dict[str, date]:
    nxt = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return {"collect": month.replace(day=15), "classify": month.replace(day=25), "serve": nxt.replace(day=5),
            "evaluate": nxt.replace(day=10), "summarise": nxt.replace(day=15)}


def cycle(community_id: int, month: date) -> list[Stage]:
    month = month.replace(day=1)
    done = dict(db.session.execute(select(ServiceDayStage.stage, ServiceDayStage.done_at).where(
        ServiceDayStage.community_id == community_id, ServiceDayStage.month == month)).all())
    return [Stage(code, due, done.get(code)) for code, due in stage_dates(month).items()]


def mark_stage(community_id: int, month: date, stage: str, *, by) -> ServiceDayStage:
    if community_id not in convener_communities(by):
        raise RuleError(_l("只有社区党委书记或社区工作者可以登记服务日进度。"))
    if stage not in STAGES:
        raise RuleError(_l("请选择环节。"), "stage")
    month = month.replace(day=1)
    exists = db.session.scalar(select(ServiceDayStage.id).where(
        ServiceDayStage.community_id == community_id, ServiceDayStage.month == month, ServiceDayStage.stage == stage))
    if exists:
        raise RuleError(_l("这个环节已经登记完成。"), "stage")
    row = ServiceDayStage(community_id=community_id, month=month, stage=stage, done_by_id=by.id)
    db.session.add(row)
    return row


def this_month() -> date:
    return datetime.now(TZ).date().replace(day=1)
