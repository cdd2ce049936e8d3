"""Who convenes, who sees a meeting, who represents a party; the visibility clause and loaders.

Conveners (DOMAIN.md, Workflow 2): the community party secretary and community workers, for any
compound of their community or the whole community; a compound's party-branch member (the branch
secretary), for that compound only. Street administrators oversee (read) every meeting of their
street. A meeting is loaded within the user's structural scope (else 404); the rules below then
answer 403 for those in scope who have no part in it.
"""

from __future__ import annotations

from flask import abort
from sqlalchemy import and_, false, or_, select
from sqlalchemy.orm import joinedload

from portal.core.permissions import rule
from portal.extensions import db
from portal.meetings.known import UNKNOWN, known
from portal.meetings.models import AgendaItem, Invitee, Meeting, Party, Proposal, Resolution
from portal.orgs.models import Compound, Role
from portal.orgs.permissions import scope_of, visible_community_ids

#: convene for any compound of their community, or the whole community
COMMUNITY_CONVENERS = frozenset({Role.PARTY_SECRETARY, Role.COMMUNITY_WORKER})
#: convene for their own compound
COMPOUND_CONVENERS = frozenset({Role.BRANCH_MEMBER})
#: read every meeting of their communities
OVERSEERS = frozenset({Role.STREET_ADMIN, Role.PARTY_SECRETARY, Role.PARTY_COMMITTEE, Role.COMMUNITY_WORKER})


def convener_communities(user) -> set[int]:
    """Communities `user` may convene a community-wide meeting for."""
    scope = scope_of(user)
    if not scope.has(*COMMUNITY_CONVENERS):
        return set()
    ids = scope.compounds_with(COMMUNITY_CONVENERS)
    if not ids:
        return set()
    missing = [cid for cid in ids if cid not in scope.compound_communities]
    communities = {scope.compound_communities[cid] for cid in ids if cid in scope.compound_communities}
    if missing:  # the scope reads every compound's community; kept as a safety net
        communities |= set(db.session.scalars(select(Compound.community_id).where(Compound.id.in_(missing))))
    return communities


def convener_compounds(user) -> set[int]:
    scope = scope_of(user)
    return scope.compounds_with(COMMUNITY_CONVENERS | COMPOUND_CONVENERS)


def may_convene_for(user, community_id: int, compound_id: int | None) -> bool:
    if compound_id is None:
        return community_id in convener_communities(user)
    return compound_id in convener_compounds(user)


def manages(user, meeting: Meeting) -> bool:
    """The convener, or anyone who could have convened it, runs it (agenda, sign-in, minutes …)."""
    return meeting.convener_id == user.id or may_convene_for(user, meeting.community_id, meeting.compound_id)


def oversees(user, meeting: Meeting) -> bool:
    scope = scope_of(user)
    return meeting.community_id in scope.community_ids and scope.has(*OVERSEERS)


def invitation(user, meeting: Meeting) -> Invitee | None:
    invitations = known(meeting, "invitations")
    if invitations is not UNKNOWN:
        return invitations.get(user.id)
    return db.session.scalar(select(Invitee).where(Invitee.meeting_id == meeting.id, Invitee.user_id == user.id))


def is_invitee(user, meeting: Meeting) -> bool:
    return invitation(user, meeting) is not None


def represented_party(user, meeting: Meeting) -> str | None:
    """The one of the 3 this user answers the minutes for (their invitation's party), else None."""
    invited = invitation(user, meeting)
    return invited.party if invited is not None and invited.party in Party.THREE else None


@rule("meetings.view")
def may_view(user, meeting: Meeting) -> bool:
    return manages(user, meeting) or oversees(user, meeting) or is_invitee(user, meeting)


@rule("meetings.convene")
def may_convene(user, obj=None) -> bool:
    return bool(convener_compounds(user) or convener_communities(user))


@rule("meetings.index")
def may_list(user, obj=None) -> bool:
    """Everyone with a compound in scope: staff see meetings, residents the disclosures and their proposals."""
    return bool(scope_of(user).compound_ids)


def residents_compounds(user) -> set[int]:
    return scope_of(user).compounds_with({Role.RESIDENT})


@rule("meetings.propose")
def may_propose(user, obj=None) -> bool:
    return bool(residents_compounds(user))


def lives_for(user, meeting: Meeting) -> bool:
    """A resident of the meeting's compound (or, for a community meeting, of one of its compounds)."""
    homes = residents_compounds(user)
    if meeting.compound_id is not None:
        return meeting.compound_id in homes
    return bool(homes) and db.session.scalar(
        select(Compound.id).where(Compound.id.in_(homes), Compound.community_id == meeting.community_id).limit(1)) is not None


@rule("meetings.disclosure")
def may_read_disclosure(user, meeting: Meeting) -> bool:
    return meeting.disclosed_at is not None and (lives_for(user, meeting) or may_view(user, meeting))


def may_follow(user, resolution: Resolution) -> bool:
    return resolution.responsible_id == user.id or manages(user, resolution.meeting)


rule("meetings.resolution_update")(lambda user, res: res.status == "open" and may_follow(user, res))


@rule("meetings.resolution_view")
def may_view_resolution(user, resolution: Resolution) -> bool:
    return resolution.responsible_id == user.id or may_view(user, resolution.meeting)


# --- visibility and loaders ----------------------------------------------------------------------

def visibility(user):
    """The meetings a user's lists show: invited, convened, run or overseen (not the disclosures)."""
    scope = scope_of(user)
    conditions = [Meeting.convener_id == user.id,
                  Meeting.id.in_(select(Invitee.meeting_id).where(Invitee.user_id == user.id))]
    overseen = {cid for cid in scope.community_ids} if scope.has(*OVERSEERS) else set()
    if overseen:
        conditions.append(Meeting.community_id.in_(overseen))
    compounds = convener_compounds(user)
    if compounds:
        conditions.append(Meeting.compound_id.in_(compounds))
    return or_(*conditions)


def disclosed_for_residents(user):
    """Disclosed meetings of the compounds (and communities) a user lives in."""
    homes = residents_compounds(user)
    if not homes:
        return false()
    communities = select(Compound.community_id).where(Compound.id.in_(homes))
    return and_(Meeting.disclosed_at.is_not(None), or_(
        Meeting.compound_id.in_(homes), and_(Meeting.compound_id.is_(None), Meeting.community_id.in_(communities))))


def in_scope(user, meeting: Meeting) -> bool:
    if meeting.compound_id is not None:
        return meeting.compound_id in scope_of(user).compound_ids
    return meeting.community_id in visible_community_ids(user)


def get_meeting_or_404(user, meeting_id: int, *, page: bool = False) -> Meeting:
    """`page`: with what the meeting page shows of it in the same query (its place, convener, agenda)."""
    if page:  # a SELECT, not get(): the eager loads apply also to a meeting already in the session
        meeting = db.session.scalars(select(Meeting).where(Meeting.id == meeting_id).options(
            joinedload(Meeting.community), joinedload(Meeting.compound), joinedload(Meeting.convener),
            joinedload(Meeting.items).joinedload(AgendaItem.proposer))).unique().one_or_none()
    else:
        meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or not in_scope(user, meeting):
        abort(404)
    return meeting


def get_resolution_or_404(user, resolution_id: int) -> Resolution:
    resolution = db.session.get(Resolution, resolution_id)
    if resolution is None or not (resolution.responsible_id == user.id or in_scope(user, resolution.meeting)):
        abort(404)
    return resolution


def get_proposal_or_404(user, proposal_id: int) -> Proposal:
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.compound_id not in scope_of(user).compound_ids:
        abort(404)
    return proposal


@rule("meetings.answer_proposal")
def may_answer_proposal(user, proposal: Proposal) -> bool:
    return proposal.compound_id in convener_compounds(user)


@rule("meetings.follow_up")
def may_see_follow_up(user, obj=None) -> bool:
    scope = scope_of(user)
    return bool(scope.roles - {Role.RESIDENT}) and bool(scope.compound_ids)
