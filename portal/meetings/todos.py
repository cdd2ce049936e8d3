"""What the meetings module asks of a person now, for their home page (counted in SQL)."""

from __future__ import annotations

from datetime import timedelta

from flask import url_for
from sqlalchemy import Date, DateTime, and_, exists, func, select

from portal.core.clock import now_utc, today
from portal.core.in_lists import in_ids, one_of
from portal.core.kept_statements import Someone, param
from portal.core.modules import Todo
from portal.core.todo_counts import Counted
from portal.core.translations import lazy_gettext as _l
from portal.meetings.models import (
    Answer,
    Confirmation,
    Invitee,
    Meeting,
    MeetingStatus,
    MinutesVersion,
    Party,
    Proposal,
    ProposalStatus,
    Resolution,
    ResolutionStatus,
)
from portal.meetings.permissions import convener_compounds

SOON = timedelta(days=7)
DUE_SOON = timedelta(days=3)


def to_confirm_clause(user):
    """Versions awaiting an answer from the party this user represents."""
    return and_(
        MinutesVersion.locked_at.is_(None), MinutesVersion.superseded.is_(False),
        Invitee.meeting_id == MinutesVersion.meeting_id, Invitee.user_id == user.id, one_of(Invitee.party, Party.THREE),
        ~exists().where(Confirmation.version_id == MinutesVersion.id, Confirmation.party == Invitee.party,
                        Confirmation.answer == Answer.CONFIRMED))


def _counted(model, *conditions, join=()):
    """count(*) of `model` joined to each (target, on) of `join`, as a scalar subquery."""
    query = select(func.count()).select_from(model)
    for target, on in join:
        query = query.join(target, on)
    return query.where(*conditions).scalar_subquery()


def _statement(proposals: bool):
    """Every count of the to-do list as a scalar subquery of one statement, every value a parameter
    (core.kept_statements): `user_id`, `now`, `soon` (now + SOON), `today`, `due_by` (today + DUE_SOON) and, for
    a convener (`proposals`), `convener_compounds`."""
    now, soon = param("now", DateTime(timezone=True)), param("soon", DateTime(timezone=True))
    on, due_by = param("today", Date), param("due_by", Date)
    open_resolution = (Resolution.responsible_id == Someone.id, Resolution.status == ResolutionStatus.OPEN,
                       Resolution.deadline <= due_by)
    counts = {
        "attend": _counted(Meeting, Invitee.user_id == Someone.id, Meeting.status == MeetingStatus.SCHEDULED,
                           Meeting.ends_at > now, Meeting.starts_at < soon,
                           join=((Invitee, Invitee.meeting_id == Meeting.id),)),
        "confirm": _counted(MinutesVersion, join=((Invitee, to_confirm_clause(Someone)),)),
        "overdue": _counted(Resolution, *open_resolution, Resolution.deadline < on),
        "due": _counted(Resolution, *open_resolution, Resolution.deadline >= on),
        "corrections": _counted(Confirmation, Meeting.convener_id == Someone.id, Confirmation.answer == Answer.CORRECTION,
                                Confirmation.reply.is_(None), MinutesVersion.superseded.is_(False),
                                join=((MinutesVersion, MinutesVersion.id == Confirmation.version_id),
                                      (Meeting, Meeting.id == MinutesVersion.meeting_id))),
    }
    if proposals:
        counts["proposals"] = _counted(Proposal, Proposal.status == ProposalStatus.OPEN,
                                       in_ids(Proposal.compound_id, param("convener_compounds", expanding=True)))
    return select(*(sub.label(name) for name, sub in counts.items()))


def counted(user) -> Counted:
    """The meetings' to-dos, counted in one statement run with the other modules' (core.todo_counts)."""
    compounds = convener_compounds(user)
    now, on = now_utc(), today()
    values = {"user_id": user.id, "now": now, "soon": now + SOON, "today": on, "due_by": on + DUE_SOON}
    if compounds:
        values["convener_compounds"] = list(compounds)
    return Counted(("meetings.todos", bool(compounds)), lambda: _statement(bool(compounds)), values, _todos)


def _todos(row) -> list[Todo]:
    attend, confirm, overdue, due, corrections, proposals = (
        row.get(name) or 0 for name in ("attend", "confirm", "overdue", "due", "corrections", "proposals"))
    def index(view):
        return f"{url_for('meetings.index')}?view={view}"

    lines = (  # each line's link is built only when it has a count
        (overdue, lambda: Todo(_l("决议事项已超期"), overdue, url_for("meetings.follow_up", mine="assigned"), urgent=True)),
        (due, lambda: Todo(_l("决议事项即将到期"), due, url_for("meetings.follow_up", mine="assigned"))),
        (attend, lambda: Todo(_l("待参加的会议"), attend, index("upcoming"))),
        (confirm, lambda: Todo(_l("待确认的会议纪要"), confirm, index("confirm"))),
        (corrections, lambda: Todo(_l("待答复的纪要更正意见"), corrections, index("past"))),
        (proposals, lambda: Todo(_l("待答复的居民议题"), proposals, url_for("meetings.proposals"))),
    )
    return [line() for count, line in lines if count]


def todos(user) -> list[Todo]:
    """`counted`, run alone."""
    return counted(user).run()
