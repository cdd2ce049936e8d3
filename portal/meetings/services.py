"""Convening, invitations, the agenda, residents' proposals and sign-in; quorum as a pure function.

Nothing here touches `request`: everything is tested without HTTP. A refused change raises
RuleError(message, field) and leaves everything as it was (the request rolls back).
Other modules put topics on meetings through `propose_topic` and `add_agenda_item` (see
portal.meetings.sources for the source registry).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, union

from portal.core.clock import TZ, aware, now_utc, today
from portal.core.errors import RuleError
from portal.core.kept_statements import kept_statement, param
from portal.core.translations import lazy_gettext as _l
from portal.extensions import db
from portal.meetings import sources
from portal.meetings.models import (
    AgendaItem,
    Attendance,
    Invitee,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Party,
    Proposal,
    ProposalStatus,
    SignInHow,
)
from portal.meetings.notices import PROPOSAL_NOW
from portal.meetings.permissions import (
    convener_compounds,
    may_convene_for,
    residents_compounds,
)
from portal.meetings.steps import check
from portal.notifications.services import notify, settle
from portal.orgs.models import Compound, HouseholdMember, Organisation, OrgKind, Position, Role
from portal.orgs.services import current_contracts

MAX_MINUTES = 8 * 60
DEFAULT_REMINDERS = (1440, 60)


def quorate(present_parties) -> bool:
    """The 1 and each of the 3 represented by at least one present person (X does not count)."""
    return set(Party.QUORUM) <= set(present_parties)


# --- small checks ------------------------------------------------------------------------------------

def text(value, message, field: str, limit: int, *, required: bool = True) -> str | None:
    value = (value or "").strip() if isinstance(value, str) else ""
    if not value:
        if required:
            raise RuleError(message, field)
        return None
    if len(value) > limit:
        raise RuleError(_l("不能超过 %(n)s 个字。", n=limit), field)
    return value


def _times(starts_at: datetime | None, ends_at: datetime | None) -> tuple[datetime, datetime]:
    if starts_at is None:
        raise RuleError(_l("请填写开始时间。"), "starts_at")
    if ends_at is None:
        raise RuleError(_l("请填写结束时间。"), "ends_at")
    # stored in UTC (SQLite keeps only the wall-clock time), set to the minute
    starts_at = aware(starts_at).astimezone(UTC).replace(second=0, microsecond=0)
    ends_at = aware(ends_at).astimezone(UTC).replace(second=0, microsecond=0)
    if starts_at <= now_utc():
        raise RuleError(_l("会议时间不能早于现在。"), "starts_at")
    if ends_at <= starts_at:
        raise RuleError(_l("结束时间必须晚于开始时间。"), "ends_at")
    if ends_at - starts_at > timedelta(minutes=MAX_MINUTES):
        raise RuleError(_l("会议时长不能超过 8 小时。"), "ends_at")
    return starts_at, ends_at


def parse_reminders(value) -> str:
    """"1440,60" → the same, checked: whole minutes before the start, up to a week, at most five."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return ",".join(str(m) for m in DEFAULT_REMINDERS)
    parts = [p.strip() for p in str(value).replace("，", ",").split(",") if p.strip()]
    try:
        minutes = sorted({int(p) for p in parts}, reverse=True)
    except ValueError:
        raise RuleError(_l("提醒时间请填写分钟数，用逗号分隔，如 1440,60。"), "reminders") from None
    if not minutes or len(minutes) > 5 or any(m < 1 or m > 7 * 1440 for m in minutes):
        raise RuleError(_l("提醒时间须在 1 分钟到 7 天之间，最多 5 个。"), "reminders")
    return ",".join(str(m) for m in minutes)


def reminder_minutes(meeting: Meeting) -> list[int]:
    return [int(m) for m in (meeting.reminders or "").split(",") if m.strip().isdigit()]


# --- who is proposed -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Candidate:
    user_id: int
    name: str
    organisation_id: int | None
    organisation: str
    title: str
    party: str

    @property
    def key(self) -> str:
        return f"{self.user_id}-{self.organisation_id or 0}"


PARTY_OF_KIND = {OrgKind.PARTY_COMMITTEE: Party.PARTY, OrgKind.PARTY_BRANCH: Party.PARTY,
                 OrgKind.RESIDENTS_COMMITTEE: Party.RESIDENTS, OrgKind.OWNERS_COMMITTEE: Party.OWNERS,
                 OrgKind.PROPERTY_COMPANY: Party.PROPERTY}
#: the posts proposed for each of the 1 and the 3 (a property company sends its manager, not its fitters)
PROPOSED_ROLES = {Party.PARTY: {Role.PARTY_SECRETARY, Role.PARTY_COMMITTEE, Role.BRANCH_MEMBER},
                  Party.RESIDENTS: {Role.COMMUNITY_WORKER, Role.GRID_WORKER},
                  Party.OWNERS: {Role.OWNERS_COMMITTEE}, Party.PROPERTY: {Role.PROPERTY_MANAGER}}


def _compound_ids(community_id: int, compound_id: int | None) -> list[int]:
    if compound_id is not None:
        return [compound_id]
    return list(db.session.scalars(select(Compound.id).where(Compound.community_id == community_id)))


def _people_in(org_ids) -> list[tuple]:
    from portal.auth.models import User

    if not org_ids:
        return []
    return db.session.execute(
        select(User.id, User.name, Organisation.id, Organisation.name, Organisation.kind, Position.title, Position.role)
        .join(Position, Position.user_id == User.id).join(Organisation, Organisation.id == Position.organisation_id)
        .where(Organisation.id.in_(list(org_ids)), Position.is_open(today()), User.active.is_(True))
        .order_by(Organisation.kind, Organisation.name, User.name)).all()


def proposed_invitees(community_id: int, compound_id: int | None, convener_id: int | None = None) -> list[Candidate]:
    """The 1 and the 3 from the structure: the compound's party branch and the community party committee,
    the residents' committee, the owners' committee(s) and the property company(ies) under current contract.

    A cross-appointed person (交叉任职) is proposed once, for one party: the convener for the 1, anyone else
    for the party with the fewest other people proposed (the property manager who also sits on the party
    committee comes for the property company, which has nobody else), the 3 before the 1 on a tie."""
    compounds = _compound_ids(community_id, compound_id)
    companies = {c.company_id for c in current_contracts(compounds).values()}
    orgs = set(db.session.scalars(select(Organisation.id).where(
        ((Organisation.community_id == community_id) & Organisation.compound_id.is_(None)
         & Organisation.kind.in_([OrgKind.PARTY_COMMITTEE, OrgKind.RESIDENTS_COMMITTEE]))
        | (Organisation.compound_id.in_(compounds) & Organisation.kind.in_([OrgKind.PARTY_BRANCH, OrgKind.OWNERS_COMMITTEE]))
        | Organisation.id.in_(companies or [0]))))
    by_user: dict[int, list[Candidate]] = {}
    for user_id, name, org_id, org_name, kind, title, role in _people_in(orgs):
        party = PARTY_OF_KIND[kind]
        if role in PROPOSED_ROLES[party] and all(c.organisation_id != org_id for c in by_user.get(user_id, [])):
            by_user.setdefault(user_id, []).append(Candidate(user_id, name, org_id, org_name, title, party))
    people_per_party: dict[str, int] = {}
    for options in by_user.values():
        for party in {c.party for c in options}:
            people_per_party[party] = people_per_party.get(party, 0) + 1
    order = {p: i for i, p in enumerate((*Party.THREE, Party.PARTY))}

    def preference(candidate: Candidate):
        convener_first = 0 if (candidate.user_id == convener_id and candidate.party == Party.PARTY) else 1
        return convener_first, people_per_party[candidate.party], order[candidate.party]

    chosen = [min(options, key=preference) for options in by_user.values()]
    quorum = {p: i for i, p in enumerate(Party.QUORUM)}
    return sorted(chosen, key=lambda c: (quorum[c.party], c.organisation, c.name))


def x_candidates(user, community_id: int, compound_id: int | None) -> list[Candidate]:
    """X: anyone in the convener's scope for this meeting: post holders of the community's and its
    compounds' organisations, and — for conveners who may see who lives there (community staff) — the
    compound's residents, by name only."""
    compounds = _compound_ids(community_id, compound_id)
    orgs = set(db.session.scalars(select(Organisation.id).where(
        (Organisation.community_id == community_id) & (Organisation.compound_id.is_(None) | Organisation.compound_id.in_(compounds)))))
    companies = {c.company_id for c in current_contracts(compounds).values()}
    result, seen = [], set()
    for user_id, name, org_id, org_name, _kind, title, _role in _people_in(orgs | companies):
        if user_id not in seen:
            seen.add(user_id)
            result.append(Candidate(user_id, name, org_id, org_name, title, Party.OTHER))
    from portal.auth.models import User
    from portal.orgs.models import Building, Household
    from portal.orgs.permissions import PERSONAL_DATA_ROLES, scope_of

    scope = scope_of(user)  # residents are listed only to those who may see who lives there
    personal = [cid for cid in compounds if scope.roles_in(cid) & PERSONAL_DATA_ROLES]
    residents = db.session.execute(
        select(User.id, User.name).join(HouseholdMember, HouseholdMember.user_id == User.id)
        .join(Household, Household.id == HouseholdMember.household_id).join(Building, Building.id == Household.building_id)
        .where(Building.compound_id.in_(personal or [0]), User.active.is_(True)).distinct().order_by(User.name)).all()
    for user_id, name in residents:
        if user_id not in seen:
            seen.add(user_id)
            result.append(Candidate(user_id, name, None, "", str(_l("居民")), Party.OTHER))
    return result


# --- convene / reschedule / cancel ----------------------------------------------------------------------

def _place_of(community_id, compound_id):
    if compound_id is not None:
        compound = db.session.get(Compound, compound_id)
        if compound is None or compound.community_id != community_id:
            raise RuleError(_l("请选择本社区的小区。"), "compound_id")


def convene(*, by, community_id: int, compound_id: int | None, title: str, kind: str, starts_at, ends_at,
            place: str, invite_keys=(), x_ids=(), reminders: str | None = None, series_id: int | None = None) -> Meeting:
    """Schedule a meeting and invite the chosen 1/3 and X; every invitee is notified."""
    _place_of(community_id, compound_id)
    if not may_convene_for(by, community_id, compound_id):
        raise RuleError(_l("您不能为这个小区或社区召集会议。"), "compound_id")
    title = text(title, _l("请填写会议名称。"), "title", 100)
    if kind not in tuple(MeetingKind):
        raise RuleError(_l("请选择会议类型。"), "kind")
    starts_at, ends_at = _times(starts_at, ends_at)
    place = text(place, _l("请填写会议地点。"), "place", 100)
    reminders = parse_reminders(reminders)
    proposed = {c.key: c for c in proposed_invitees(community_id, compound_id, by.id)}
    chosen = []
    for key in invite_keys:
        if key not in proposed:
            raise RuleError(_l("被邀请人不在本次会议的范围内。"), "invite")
        chosen.append(proposed[key])
    extra = {c.user_id: c for c in x_candidates(by, community_id, compound_id)}
    for user_id in x_ids:
        if user_id not in extra:
            raise RuleError(_l("被邀请人不在您的范围内。"), "x_ids")
        chosen.append(extra[user_id])
    if not chosen:
        raise RuleError(_l("请至少邀请一位参会人。"), "invite")
    meeting = Meeting(community_id=community_id, compound_id=compound_id, title=title, kind=kind,
                      starts_at=starts_at, ends_at=ends_at, place=place, convener_id=by.id,
                      sign_in_code=new_code(), reminders=reminders, series_id=series_id)
    db.session.add(meeting)
    db.session.flush()
    invited = set()
    for candidate in chosen:
        if candidate.user_id in invited:
            continue
        invited.add(candidate.user_id)
        db.session.add(Invitee(meeting_id=meeting.id, user_id=candidate.user_id,
                               organisation_id=candidate.organisation_id, party=candidate.party))
    db.session.flush()
    _tell_invitees(meeting, "meetings.invited")
    return meeting


def new_code() -> str:
    """Six digits: short enough to read out in the room; guessing is rate-limited and the code expires."""
    return f"{secrets.randbelow(10**6):06d}"


def link(meeting: Meeting) -> str:
    return f"/meetings/{meeting.id}"


def _about(meeting: Meeting) -> dict:
    return {"title": meeting.title, "when": aware(meeting.starts_at).isoformat(), "place": meeting.place}


def invitee_ids(meeting: Meeting) -> list[int]:
    return list(db.session.scalars(select(Invitee.user_id).where(Invitee.meeting_id == meeting.id)))


def _tell_invitees(meeting: Meeting, key: str, about: dict | None = None) -> None:
    about = about or _about(meeting)
    params = {k: about[k] for k in ("title", "when", "place") if f"%({k})" in _message(key)}
    for user_id in invitee_ids(meeting):
        if user_id != meeting.convener_id or key != "meetings.invited":
            notify(user_id, key, link=link(meeting), **params)


def _message(key: str) -> str:
    from portal.meetings.notices import MESSAGES

    return str(MESSAGES[key])


def reschedule(meeting: Meeting, *, by, starts_at, ends_at, place: str, version: int | None = None) -> None:
    check("reschedule", by, meeting)
    _fresh(meeting, version)
    starts_at, ends_at = _times(starts_at, ends_at)
    meeting.place = text(place, _l("请填写会议地点。"), "place", 100)
    meeting.starts_at, meeting.ends_at = starts_at, ends_at
    meeting.sign_in_code = new_code()
    from portal.meetings.models import ReminderSent

    for sent in db.session.scalars(select(ReminderSent).where(ReminderSent.meeting_id == meeting.id)):
        db.session.delete(sent)  # a new time: the reminders go out again
    _tell_invitees(meeting, "meetings.rescheduled")


def cancel(meeting: Meeting, *, by, reason: str, version: int | None = None) -> None:
    check("cancel", by, meeting)
    _fresh(meeting, version)
    meeting.cancel_reason = text(reason, _l("请说明取消的原因。"), "reason", 200)
    meeting.status = MeetingStatus.CANCELLED
    _tell_invitees(meeting, "meetings.cancelled")


def _fresh(meeting: Meeting, version: int | None) -> None:
    from portal.core.errors import Conflict

    if version is not None and int(version) != meeting.version:
        raise Conflict()


# --- the agenda ------------------------------------------------------------------------------------------

def add_agenda_item(meeting: Meeting, *, by, title: str, description: str | None = None, expected_minutes=15,
                    source_kind: str | None = None, source_id: int | None = None, proposer_id: int | None = None) -> AgendaItem:
    """Put an item on the agenda (last). `source_kind`/`source_id` link it to a registered source."""
    check("agenda", by, meeting)
    title = text(title, _l("请填写议题。"), "title", 100)
    description = text(description, None, "description", 2000, required=False)
    try:
        expected = int(expected_minutes)
    except (TypeError, ValueError):
        raise RuleError(_l("预计时长请填写分钟数。"), "expected_minutes") from None
    if not 1 <= expected <= 240:
        raise RuleError(_l("预计时长须在 1 到 240 分钟之间。"), "expected_minutes")
    if source_kind is not None:
        if sources.source(source_kind) is None or sources.describe(source_kind, source_id) is None:
            raise RuleError(_l("议题来源不存在。"), "source")
        already = db.session.scalar(select(AgendaItem.id).where(
            AgendaItem.meeting_id == meeting.id, AgendaItem.source_kind == source_kind, AgendaItem.source_id == source_id))
        if already:
            raise RuleError(_l("这个事项已在本次会议的议程上。"), "source")
    position = (db.session.scalar(select(func.max(AgendaItem.position)).where(AgendaItem.meeting_id == meeting.id)) or 0) + 1
    item = AgendaItem(meeting_id=meeting.id, position=position, title=title, description=description,
                      proposer_id=proposer_id or by.id, expected_minutes=expected,
                      source_kind=source_kind, source_id=source_id)
    db.session.add(item)
    db.session.flush()
    hook = getattr(sources.source(source_kind), "on_agenda", None)
    if hook is not None:
        hook(source_id, item, by)
    return item


def move_item(meeting: Meeting, item: AgendaItem, *, by, up: bool) -> None:
    check("agenda", by, meeting)
    items = list(meeting.items)
    index = items.index(item)
    other = index - 1 if up else index + 1
    if 0 <= other < len(items):
        items[index].position, items[other].position = items[other].position, items[index].position


def remove_item(meeting: Meeting, item: AgendaItem, *, by) -> None:
    check("agenda", by, meeting)
    proposal = db.session.scalar(select(Proposal).where(Proposal.agenda_item_id == item.id))
    if proposal is not None:
        proposal.agenda_item_id, proposal.status = None, ProposalStatus.OPEN
    db.session.delete(item)


def agenda_entries(source_kind: str, source_id: int) -> list[tuple[Meeting, AgendaItem]]:
    """The meetings (not cancelled) whose agenda has this source: for its page's "on the agenda of …".
    The statement is built once and kept (core.kept_statements): the source is its parameters."""
    return [tuple(row) for row in db.session.execute(kept_statement("meetings.agenda_entries", _agenda_entries_query),
                                                     {"source_kind": source_kind, "source_id": source_id})]


def _agenda_entries_query():
    return (select(Meeting, AgendaItem).join(AgendaItem, AgendaItem.meeting_id == Meeting.id)
            .where(AgendaItem.source_kind == param("source_kind"), AgendaItem.source_id == param("source_id"),
                   Meeting.status == MeetingStatus.SCHEDULED).order_by(Meeting.starts_at))


def agenda_entries_of(source_kind: str, source_ids) -> dict[int, list[tuple[Meeting, AgendaItem]]]:
    """`agenda_entries` for several records of one source at once (one query): source id → (meeting, item)."""
    found: dict[int, list[tuple[Meeting, AgendaItem]]] = {}
    ids = list(source_ids)
    if ids:
        for meeting, item in db.session.execute(
                select(Meeting, AgendaItem).join(AgendaItem, AgendaItem.meeting_id == Meeting.id)
                .where(AgendaItem.source_kind == source_kind, AgendaItem.source_id.in_(ids),
                       Meeting.status == MeetingStatus.SCHEDULED).order_by(Meeting.starts_at)):
            found.setdefault(item.source_id, []).append((meeting, item))
    return found


def open_proposals(source_kind: str, source_ids) -> list[Proposal]:
    """Topics filed from these sources that no convener has answered yet: for the source's page
    ("waiting for the convener") and its own once-only rule. One query."""
    ids = list(source_ids)
    if not ids:
        return []
    return list(db.session.scalars(select(Proposal).where(
        Proposal.source_kind == source_kind, Proposal.source_id.in_(ids), Proposal.status == ProposalStatus.OPEN)
        .order_by(Proposal.id)))


def sources_taken(source_kind: str, source_ids) -> set[int]:
    """Which of these sources already sit on an agenda or wait for a convener as an open topic: for a
    source's once-only rule and the agenda page's candidates. One query."""
    ids = list(source_ids)
    if not ids:
        return set()
    on_agenda = select(AgendaItem.source_id).where(AgendaItem.source_kind == source_kind, AgendaItem.source_id.in_(ids))
    waiting = select(Proposal.source_id).where(Proposal.source_kind == source_kind, Proposal.source_id.in_(ids),
                                               Proposal.status == ProposalStatus.OPEN)
    return set(db.session.scalars(union(on_agenda, waiting)))


# --- residents' (and other modules') proposals -----------------------------------------------------------

def propose_topic(compound: Compound, *, by, title: str, description: str | None = None,
                  source_kind: str | None = None, source_id: int | None = None, check_resident: bool = True) -> Proposal:
    """A topic for the compound's next meeting. Residents propose for their own compound; another module
    passes its record as the source (and `check_resident=False` when staff act). The compound's conveners
    are told."""
    if check_resident and compound.id not in residents_compounds(by):
        raise RuleError(_l("只能为自己居住的小区提出议题。"), "compound_id")
    title = text(title, _l("请填写议题。"), "title", 100)
    description = text(description, None, "description", 2000, required=False)
    if source_kind is not None and sources.describe(source_kind, source_id) is None:
        raise RuleError(_l("议题来源不存在。"), "source")
    proposal = Proposal(compound_id=compound.id, proposer_id=by.id, title=title, description=description,
                        source_kind=source_kind, source_id=source_id)
    db.session.add(proposal)
    db.session.flush()
    for user_id in conveners_of(compound):
        notify(user_id, "meetings.proposal_new", link=f"/meetings/proposals/{proposal.id}", title=title)
    return proposal


def conveners_of(compound: Compound) -> set[int]:
    rows = db.session.scalars(
        select(Position.user_id).join(Organisation, Organisation.id == Position.organisation_id).where(
            Position.is_open(today()),
            ((Position.role.in_([Role.PARTY_SECRETARY, Role.COMMUNITY_WORKER]) & (Organisation.community_id == compound.community_id)
              & Organisation.compound_id.is_(None))
             | ((Position.role == Role.BRANCH_MEMBER) & (Organisation.compound_id == compound.id)))))
    return set(rows)


def accept_proposal(proposal: Proposal, meeting: Meeting, *, by) -> AgendaItem:
    if proposal.compound_id not in convener_compounds(by):
        raise RuleError(_l("您不能答复这个议题。"))
    if proposal.status != ProposalStatus.OPEN:
        raise RuleError(_l("这个议题已经答复过了。"))
    if meeting.compound_id not in (proposal.compound_id, None) or (
            meeting.compound_id is None and meeting.community_id != proposal.compound.community_id):
        raise RuleError(_l("请选择这个小区的会议。"), "meeting_id")
    kind, source_id = (proposal.source_kind, proposal.source_id) if proposal.source_kind else ("proposal", proposal.id)
    settle(f"/meetings/proposals/{proposal.id}", PROPOSAL_NOW)
    item = add_agenda_item(meeting, by=by, title=proposal.title, description=proposal.description,
                           source_kind=kind, source_id=source_id, proposer_id=proposal.proposer_id)
    proposal.status, proposal.agenda_item_id, proposal.answered_by_id = ProposalStatus.ACCEPTED, item.id, by.id
    notify(proposal.proposer_id, "meetings.proposal_accepted", link=f"/meetings/proposals/{proposal.id}", title=proposal.title)
    return item


def decline_proposal(proposal: Proposal, *, by, reason: str) -> None:
    if proposal.compound_id not in convener_compounds(by):
        raise RuleError(_l("您不能答复这个议题。"))
    if proposal.status != ProposalStatus.OPEN:
        raise RuleError(_l("这个议题已经答复过了。"))
    reason = text(reason, _l("请说明暂不列入的理由，居民会看到。"), "reason", 200)
    settle(f"/meetings/proposals/{proposal.id}", PROPOSAL_NOW)
    proposal.status, proposal.reason, proposal.answered_by_id = ProposalStatus.DECLINED, reason, by.id
    notify(proposal.proposer_id, "meetings.proposal_declined", link=f"/meetings/proposals/{proposal.id}",
           title=proposal.title, reason=reason)


# --- sign-in --------------------------------------------------------------------------------------------

WRONG_CODE = _l("签到码不正确。")


def sign_in(meeting: Meeting, *, by, code: str) -> Attendance:
    """A participant signs themselves in with the code shown in the room."""
    from portal.meetings.steps import STEPS, in_sign_in_window

    code = (code or "").strip()
    if not code:
        raise RuleError(_l("请输入签到码。"), "code")
    STEPS["sign_in"].check(by, meeting)
    if not secrets.compare_digest(code, meeting.sign_in_code):
        other = db.session.scalar(select(Meeting.id).where(Meeting.sign_in_code == code, Meeting.id != meeting.id,
                                                           Meeting.status == MeetingStatus.SCHEDULED).limit(1))
        raise RuleError(_l("这是另一次会议的签到码。") if other else WRONG_CODE, "code")
    if not in_sign_in_window(meeting):
        raise RuleError(_l("签到码只在会议期间有效。"), "code")
    return _attend(meeting, by.id, SignInHow.SELF)


def _attend(meeting: Meeting, user_id: int, how: str) -> Attendance:
    invited = db.session.scalar(select(Invitee).where(Invitee.meeting_id == meeting.id, Invitee.user_id == user_id))
    if invited is None:
        raise RuleError(_l("只有受邀的参会人可以签到。"))
    row = Attendance(meeting_id=meeting.id, user_id=user_id, party=invited.party,
                     organisation_id=invited.organisation_id, how=how)
    db.session.add(row)
    return row


def mark_attendance(meeting: Meeting, *, by, present_ids) -> None:
    """The convener ticks who is present: those ticked and not yet signed in are added, those unticked
    are removed (a participant's own sign-in too, if the convener says they are not here)."""
    check("attendance", by, meeting)
    present = {int(i) for i in present_ids}
    invited = set(invitee_ids(meeting))
    if present - invited:
        raise RuleError(_l("只有受邀的参会人可以签到。"), "present")
    rows = {a.user_id: a for a in db.session.scalars(select(Attendance).where(Attendance.meeting_id == meeting.id))}
    for user_id, row in rows.items():
        if user_id not in present:
            db.session.delete(row)
    for user_id in present - set(rows):
        _attend(meeting, user_id, SignInHow.MARKED)


def present_parties(meeting: Meeting) -> set[str]:
    return set(db.session.scalars(select(Attendance.party).where(Attendance.meeting_id == meeting.id).distinct()))


def is_quorate(meeting: Meeting) -> bool:
    return quorate(present_parties(meeting))


def local(value: datetime) -> datetime:
    return aware(value).astimezone(TZ)
