"""The agenda sources this module registers itself: 社事 repair requests (the first source from another
module, through repairs' public services and page hook), residents' proposals, and open resolutions
of earlier meetings carried over."""

from __future__ import annotations

from flask_babel import format_date
from sqlalchemy import select

from portal.core.translations import lazy_gettext as _l
from portal.extensions import db
from portal.meetings.models import Meeting, Proposal, Resolution, ResolutionStatus
from portal.meetings.sources import register_agenda_source
from portal.repairs.labels import CATEGORY_LABELS
from portal.repairs.models import Kind, RepairRequest, Status


def _repair_title(req: RepairRequest) -> str:
    from portal.repairs.services import summary

    return f"#{req.id} {CATEGORY_LABELS[req.category]}：{summary(req.description, 30)}"


def describe_repair(source_id: int):
    req = db.session.get(RepairRequest, source_id)
    return (_repair_title(req), f"/repairs/{req.id}") if req is not None else None


def describe_repairs(source_ids) -> dict[int, tuple[str, str]]:
    return {req.id: (_repair_title(req), f"/repairs/{req.id}")
            for req in db.session.scalars(select(RepairRequest).where(RepairRequest.id.in_(source_ids)))}


def repair_candidates(meeting: Meeting) -> list[tuple[int, str]]:
    """The 社事 of the meeting's compound (or community) still waiting: open, kind community."""
    from portal.orgs.models import Compound

    query = select(RepairRequest).where(RepairRequest.kind == Kind.COMMUNITY, RepairRequest.status.in_(Status.OPEN))
    if meeting.compound_id is not None:
        query = query.where(RepairRequest.compound_id == meeting.compound_id)
    else:
        query = query.where(RepairRequest.compound_id.in_(
            select(Compound.id).where(Compound.community_id == meeting.community_id)))
    return [(req.id, _repair_title(req)) for req in db.session.scalars(query.order_by(RepairRequest.id))]


def _meeting_words(meeting: Meeting) -> str:
    from portal.meetings.services import local

    return f"{meeting.title}（{format_date(local(meeting.starts_at).date(), 'yyyy-MM-dd')}）"


def repair_on_agenda(source_id: int, item, by) -> None:
    from portal.repairs.services import note_from_elsewhere

    req = db.session.get(RepairRequest, source_id)
    note_from_elsewhere(req, by=by, action="agenda", note=_meeting_words(item.meeting))


def repair_resolution_done(source_id: int, resolution: Resolution, by, resolve: bool = False) -> None:
    from portal.repairs.services import note_from_elsewhere

    req = db.session.get(RepairRequest, source_id)
    if req is not None:
        note = f"{_meeting_words(resolution.meeting)} {resolution.what}：{resolution.evidence}"
        note_from_elsewhere(req, by=by, action="outcome", note=note, resolve=resolve)


def repair_links(user, req: RepairRequest) -> list[tuple[str, str | None]]:
    """"On the agenda of …" on the request page; the link only for those who may open the meeting."""
    from flask_babel import gettext as _

    from portal.meetings.permissions import may_view
    from portal.meetings.services import agenda_entries

    return [(_("已列入会议议程：%(meeting)s", meeting=_meeting_words(meeting)),
             f"/meetings/{meeting.id}" if may_view(user, meeting) else None)
            for meeting, _item in agenda_entries("repair", req.id)]


def describe_proposal(source_id: int):
    proposal = db.session.get(Proposal, source_id)
    return (proposal.title, f"/meetings/proposals/{proposal.id}") if proposal is not None else None


def describe_resolution(source_id: int):
    resolution = db.session.get(Resolution, source_id)
    return (resolution.what, f"/meetings/resolutions/{resolution.id}") if resolution is not None else None


def describe_proposals(source_ids) -> dict[int, tuple[str, str]]:
    return {pid: (title, f"/meetings/proposals/{pid}")
            for pid, title in db.session.execute(select(Proposal.id, Proposal.title).where(Proposal.id.in_(source_ids)))}


def describe_resolutions(source_ids) -> dict[int, tuple[str, str]]:
    return {rid: (what, f"/meetings/resolutions/{rid}") for rid, what in db.session.execute(
        select(Resolution.id, Resolution.what).where(Resolution.id.in_(source_ids)))}


def carried_resolution_done(source_id: int, resolution: Resolution, by, resolve: bool = False) -> None:
    """A carried-over resolution settled at a later meeting: the original is done too."""
    original = db.session.get(Resolution, source_id)
    if original is not None and original.status == ResolutionStatus.OPEN:
        original.status, original.done_at, original.evidence = ResolutionStatus.DONE, resolution.done_at, resolution.evidence


def register() -> None:
    from portal.repairs.hooks import add_request_links

    register_agenda_source("repair", label=_l("社事诉求"), describe=describe_repair, candidates=repair_candidates,
                           on_agenda=repair_on_agenda, on_resolution_done=repair_resolution_done,
                           describe_many=describe_repairs)
    register_agenda_source("proposal", label=_l("居民提议"), describe=describe_proposal,
                           describe_many=describe_proposals)
    register_agenda_source("resolution", label=_l("往次会议未办结的决议"), describe=describe_resolution,
                           on_resolution_done=carried_resolution_done, describe_many=describe_resolutions)
    add_request_links(repair_links)
