"""Resolutions (决议事项) and follow-up (督办): what, who (organisation and person), by when; updates
with notes; done with evidence. Overdue ones are notified to the responsible person and the
convener, then escalated to the community party secretary after a grace period (the periodic task
`meetings.follow_up`). A resolution from a sourced agenda item tells its source when done.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from portal.core.clock import now_utc, today
from portal.core.errors import Conflict, RuleError
from portal.core.translations import lazy_gettext as _l
from portal.extensions import db
from portal.meetings import sources
from portal.meetings.models import AgendaItem, Meeting, Resolution, ResolutionStatus, ResolutionUpdate
from portal.meetings.permissions import may_follow
from portal.meetings.steps import check
from portal.notifications.services import notify
from portal.orgs.models import Organisation, OrgKind, Position, Role

#: after the deadline plus this, the community party secretary is told
GRACE = timedelta(days=3)


def link(resolution: Resolution) -> str:
    return f"/meetings/resolutions/{resolution.id}"


def responsible_choices(meeting: Meeting) -> list[tuple[int, int, str]]:
    """(organisation id, user id, "organisation · person (post)") for everyone invited with an organisation."""
    from portal.auth.models import User
    from portal.meetings.models import Invitee

    rows = db.session.execute(
        select(Organisation.id, User.id, Organisation.name, User.name)
        .join(Invitee, Invitee.organisation_id == Organisation.id).join(User, User.id == Invitee.user_id)
        .where(Invitee.meeting_id == meeting.id).order_by(Organisation.name, User.name)).all()
    return [(org_id, user_id, f"{org_name} · {name}") for org_id, user_id, org_name, name in rows]


def add_resolution(meeting: Meeting, *, by, what: str, responsible_key: str | None, deadline: date | None,
                   item_id: int | None = None) -> Resolution:
    check("resolutions", by, meeting)
    from portal.meetings.services import text

    what = text(what, _l("请填写决议事项。"), "what", 200)
    choices = {f"{o}-{u}": (o, u) for o, u, _label in responsible_choices(meeting)}
    if responsible_key not in choices:
        raise RuleError(_l("请选择负责单位和负责人（须为参会单位的人员）。"), "responsible")
    if deadline is None:
        raise RuleError(_l("请填写完成期限。"), "deadline")
    meeting_day = _local_day(meeting.starts_at)
    if deadline < meeting_day:
        raise RuleError(_l("完成期限不能早于会议日期。"), "deadline")
    item = None
    if item_id:
        item = db.session.get(AgendaItem, item_id)
        if item is None or item.meeting_id != meeting.id:
            raise RuleError(_l("议题不属于这次会议。"), "item_id")
    org_id, user_id = choices[responsible_key]
    resolution = Resolution(meeting_id=meeting.id, agenda_item_id=item.id if item else None, what=what,
                            organisation_id=org_id, responsible_id=user_id, deadline=deadline)
    db.session.add(resolution)
    db.session.flush()
    notify(user_id, "meetings.resolution_assigned", link=link(resolution), what=what, deadline=deadline.isoformat())
    return resolution


def _local_day(value: datetime) -> date:
    from portal.meetings.services import local

    return local(value).date()


def _open(resolution: Resolution, by, version: int | None) -> None:
    if not may_follow(by, resolution):
        raise RuleError(_l("只有负责人或会议召集方可以更新这项决议。"))
    if version is not None and int(version) != resolution.version:
        raise Conflict()
    if resolution.status != ResolutionStatus.OPEN:
        raise RuleError(_l("这项决议已经办结。"))


def add_update(resolution: Resolution, *, by, note: str, version: int | None = None) -> ResolutionUpdate:
    from portal.meetings.services import text

    _open(resolution, by, version)
    note = text(note, _l("请填写进展情况。"), "note", 1000)
    update = ResolutionUpdate(resolution_id=resolution.id, by_id=by.id, note=note)
    db.session.add(update)
    resolution.updated_at = now_utc()
    return update


def complete(resolution: Resolution, *, by, evidence: str, resolve_source: bool = False,
             version: int | None = None) -> None:
    """Done, with evidence. A resolution from a sourced item tells its source (a repair request's
    timeline gets the outcome and, with `resolve_source`, the request is resolved)."""
    from portal.meetings.services import text

    _open(resolution, by, version)
    evidence = text(evidence, _l("请填写办结情况（做了什么、结果如何）。"), "evidence", 2000)
    resolution.status, resolution.done_at, resolution.evidence = ResolutionStatus.DONE, now_utc(), evidence
    db.session.add(ResolutionUpdate(resolution_id=resolution.id, by_id=by.id, note=evidence, done=True))
    item = resolution.item
    found = sources.source(item.source_kind) if item is not None else None
    if found is not None and found.on_resolution_done is not None:
        found.on_resolution_done(item.source_id, resolution, by, resolve=resolve_source)
    meeting = resolution.meeting
    if meeting.convener_id != by.id:
        notify(meeting.convener_id, "meetings.resolution_done", link=link(resolution), what=resolution.what)


def is_overdue(resolution: Resolution, on: date | None = None) -> bool:
    return resolution.status == ResolutionStatus.OPEN and resolution.deadline < (on or today())


def party_secretaries(community_id: int) -> set[int]:
    return set(db.session.scalars(select(Position.user_id).join(Organisation, Organisation.id == Position.organisation_id)
                                  .where(Organisation.community_id == community_id, Organisation.kind == OrgKind.PARTY_COMMITTEE,
                                         Position.role == Role.PARTY_SECRETARY, Position.is_open(today()))))


def follow_up(on: date | None = None) -> dict[str, int]:
    """Periodic: tell of overdue resolutions once, and escalate once after the grace period."""
    on = on or today()
    now = now_utc()
    overdue = db.session.execute(select(Resolution, Meeting).join(Meeting, Meeting.id == Resolution.meeting_id).where(
        Resolution.status == ResolutionStatus.OPEN, Resolution.deadline < on)).all()
    told = escalated = 0
    for resolution, meeting in overdue:
        params = {"what": resolution.what, "deadline": resolution.deadline.isoformat()}
        if resolution.overdue_notified_at is None:
            resolution.overdue_notified_at = now
            for user_id in {resolution.responsible_id, meeting.convener_id}:
                notify(user_id, "meetings.resolution_overdue", link=link(resolution), **params)
            told += 1
        if resolution.escalated_at is None and resolution.deadline + GRACE < on:
            resolution.escalated_at = now
            for user_id in party_secretaries(meeting.community_id):
                notify(user_id, "meetings.resolution_escalated", link=link(resolution), **params)
            escalated += 1
    return {"overdue": told, "escalated": escalated}


def open_resolutions_of_series(series_id: int, before: datetime) -> list[Resolution]:
    return list(db.session.scalars(select(Resolution).join(Meeting, Meeting.id == Resolution.meeting_id).where(
        Resolution.status == ResolutionStatus.OPEN,
        (Meeting.series_id == series_id) | (Meeting.id == series_id), Meeting.starts_at < before)
        .order_by(Resolution.deadline)))
