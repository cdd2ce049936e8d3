"""Who sees which micro-wishes, who may post, claim, fulfil and confirm them, and who sees the wisher.

Every co-construction rule is stated here once: the role sets, the visibility clause in SQL (the list
and the wish page share it: out of the list means 404 on the page), the loaders and the "who" predicates
the step table (services.STEPS) is built from.
"""

from __future__ import annotations

from flask import abort, g, has_request_context
from sqlalchemy import and_, false, or_, select, union

from portal.core.permissions import rule
from portal.extensions import db
from portal.orgs.models import Compound, Role
from portal.orgs.permissions import COMMUNITY_ROLES, scope_of
from portal.projects.models import PartyMember, Unit, Wish, WishClaim, WishStatus

#: community staff: post wishes for residents, register units and party members, act for a unit without
#: an account, see the wisher's name, phone and room, and are told of wishes nobody claimed
CO_STAFF_ROLES = frozenset({*COMMUNITY_ROLES, Role.GRID_WORKER, Role.STREET_ADMIN})
#: who manages the registers (units, agreements, party members)
REGISTER_ROLES = frozenset({*COMMUNITY_ROLES, Role.STREET_ADMIN})


# --- who is a claimant -------------------------------------------------------------------------------

def _cached(key: str, user, compute):
    if not has_request_context():
        return compute()
    cache = g.setdefault("_projects_cache", {})
    if (key, user.id) not in cache:
        cache[(key, user.id)] = compute()
    return cache[(key, user.id)]


def party_member_of(user) -> PartyMember | None:
    """The user's own registration as an in-service party member (one per person)."""
    return _cached("pm", user, lambda: db.session.scalar(select(PartyMember).where(PartyMember.user_id == user.id)))


def units_of(user) -> list[Unit]:
    """Units the user is the contact of."""
    return _cached("units", user, lambda: list(db.session.scalars(
        select(Unit).where(Unit.contact_user_id == user.id).order_by(Unit.name))))


def staff_compound_ids(user) -> set[int]:
    return scope_of(user).compounds_with(CO_STAFF_ROLES)


def register_compound_ids(user) -> set[int]:
    return scope_of(user).compounds_with(REGISTER_ROLES)


def claim_community_ids(user) -> set[int]:
    """Communities whose open wishes the user may claim: where their registration or unit is."""
    def compute():
        cache = g.get("_projects_cache", {}) if has_request_context() else {}
        # someone with no compound of their own is asked about both by the menu (is_claimant): read them
        if not scope_of(user).compound_ids or (("units", user.id) in cache and ("pm", user.id) in cache):
            ids = {unit.community_id for unit in units_of(user)}
            member = party_member_of(user)
            if member is not None:
                ids.add(member.compound.community_id)
            return ids
        # otherwise only the communities matter: both in one statement
        return set(db.session.scalars(union(
            select(Unit.community_id).where(Unit.contact_user_id == user.id),
            select(Compound.community_id).join(PartyMember, PartyMember.compound_id == Compound.id)
            .where(PartyMember.user_id == user.id))))

    return _cached("claim_communities", user, compute)


def _community_compounds(community_ids: set[int]) -> set[int]:
    if not community_ids:
        return set()
    return set(db.session.scalars(select(Compound.id).where(Compound.community_id.in_(community_ids))))


def home_community_compound_ids(user) -> set[int]:
    """Compounds of the communities the user lives in: the open wishes residents see (no personal data)."""
    scope = scope_of(user)
    homes = scope.compounds_with({Role.RESIDENT})
    if not homes:
        return set()
    return _cached("home_community", user, lambda: set(db.session.scalars(
        select(Compound.id).where(Compound.community_id.in_(
            select(Compound.community_id).where(Compound.id.in_(homes)))))))


def is_claimant(user) -> bool:
    return party_member_of(user) is not None or bool(units_of(user))


# --- who sees what ------------------------------------------------------------------------------

def _claimed_by(user):
    return Wish.id.in_(select(WishClaim.wish_id).where(WishClaim.claimer_id == user.id))


def visibility(user):
    """The WHERE clause of the wishes `user` may open."""
    scope = scope_of(user)
    conditions = [Wish.wisher_id == user.id, Wish.posted_by_id == user.id, _claimed_by(user)]
    if scope.household_ids:
        conditions.append(Wish.household_id.in_(scope.household_ids))
    staff = staff_compound_ids(user)
    if staff:
        conditions.append(Wish.compound_id.in_(staff))
    claimable = _community_compounds(claim_community_ids(user))
    if claimable:  # claimants also see which wishes others took (so a late claim is told, not 404)
        conditions.append(and_(Wish.status.in_((WishStatus.OPEN, WishStatus.CLAIMED)), Wish.compound_id.in_(claimable)))
    residents = home_community_compound_ids(user)
    if residents:
        conditions.append(and_(Wish.status == WishStatus.OPEN, Wish.compound_id.in_(residents)))
    return or_(*conditions) if conditions else false()


def wish_visible(user, wish: Wish) -> bool:
    return db.session.scalar(select(Wish.id).where(Wish.id == wish.id, visibility(user))) is not None


def get_wish_or_404(user, wish_id: int) -> Wish:
    wish = db.session.get(Wish, wish_id)
    if wish is None or not wish_visible(user, wish):
        abort(404)
    return wish


def live_claim(wish: Wish) -> WishClaim | None:
    return next((c for c in wish.claims if c.released_at is None), None)


def is_live_claimer(user, wish: Wish) -> bool:
    claim = live_claim(wish)
    return claim is not None and claim.claimer_id == user.id


def is_staff_here(user, wish: Wish) -> bool:
    return wish.compound_id in staff_compound_ids(user)


def is_wisher(user, wish: Wish) -> bool:
    if wish.wisher_id is not None:
        return wish.wisher_id == user.id
    return wish.household_id is not None and wish.household_id in scope_of(user).household_ids


def sees_personal(user, wish: Wish) -> bool:
    """The wisher's name, phone and room: the wisher, the live claimer and community staff only."""
    return is_wisher(user, wish) or is_live_claimer(user, wish) or is_staff_here(user, wish)


def claim_options(user, wish: Wish) -> list[tuple[str, object]]:
    """As whom the user may claim this wish: themselves as a party member of its community, a unit of its
    community they are the contact of, or (community staff) a unit of the community with no account."""
    community_id = wish.compound.community_id
    options: list[tuple[str, object]] = []
    member = party_member_of(user)
    if member is not None and member.compound.community_id == community_id:
        options.append(("party_member", member))
    options += [("unit", unit) for unit in units_of(user) if unit.community_id == community_id]
    if is_staff_here(user, wish):
        mine = {unit.id for _kind, unit in options if _kind == "unit"}
        options += [("unit", unit) for unit in db.session.scalars(
            select(Unit).where(Unit.community_id == community_id, Unit.contact_user_id.is_(None)).order_by(Unit.name))
            if unit.id not in mine]
    return options


def may_ever_claim(user, wish: Wish) -> bool:
    return is_claimant(user) or is_staff_here(user, wish)


def may_ever_claimer_step(user, wish: Wish) -> bool:
    """Release and fulfil: claimants and the staff acting for units (others: 403)."""
    return is_live_claimer(user, wish) or may_ever_claim(user, wish)


def may_ever_confirm(user, wish: Wish) -> bool:
    return is_wisher(user, wish) or is_staff_here(user, wish)


def may_confirm(user, wish: Wish) -> bool:
    """The wisher confirms; for a wisher with no account, the staff who talk to them do."""
    if is_wisher(user, wish):
        return True
    return wish.wisher_id is None and is_staff_here(user, wish)


def may_withdraw(user, wish: Wish) -> bool:
    return is_wisher(user, wish) or wish.posted_by_id == user.id or is_staff_here(user, wish)


# --- the rules by name ---------------------------------------------------------------------------

@rule("projects.wishes")
def _sees_wishes(user, obj=None) -> bool:
    scope = scope_of(user)
    return bool(scope.compound_ids) or is_claimant(user)


@rule("projects.wish_post")
def _may_post(user, obj=None) -> bool:
    """Residents for their home; community staff for residents of their compounds."""
    return bool(scope_of(user).household_ids) or bool(staff_compound_ids(user))


@rule("projects.registers")
def _sees_registers(user, obj=None) -> bool:
    return bool(register_compound_ids(user))


@rule("projects.records")
def _sees_records(user, obj=None) -> bool:
    """The monthly service record is public to the community: anyone with a compound there."""
    return bool(scope_of(user).compound_ids) or is_claimant(user)


# --- projects ----------------------------------------------------------------------------------------

def project_community_ids(user) -> set[int]:
    """Communities whose projects the user sees: where they live, work or co-build (public to them)."""
    from portal.orgs.permissions import visible_community_ids

    return visible_community_ids(user) | claim_community_ids(user)


def manages_community(user, community_id: int) -> bool:
    """Community staff (party committee, community workers, street) run the community's projects."""
    registered = register_compound_ids(user)
    communities = scope_of(user).compound_communities
    if all(cid in communities for cid in registered):  # the scope knows each compound's community
        return any(communities[cid] == community_id for cid in registered)
    return bool(_community_compounds({community_id}) & registered)


def sees_projects_of(user, community_id: int) -> bool:
    """`community_id in project_community_ids(user)`, asking about co-building only when the scope says no."""
    from portal.orgs.permissions import visible_community_ids

    return community_id in visible_community_ids(user) or community_id in claim_community_ids(user)


def get_project_or_404(user, project_id: int):
    from portal.projects.models import Project

    project = db.session.get(Project, project_id)
    if project is None or not sees_projects_of(user, project.community_id):
        abort(404)
    return project


def is_project_staff(user, project) -> bool:
    return manages_community(user, project.community_id)


def evaluator_for(user, project) -> tuple[str, int] | None:
    """As whom the user may evaluate `project`: ("household", id) for a home in a compound concerned, else
    ("committee", org id) for an owners' committee member there; None for anyone else."""
    from portal.orgs.models import Building, Household, Organisation, OrgKind, Position

    compound_ids = {c.id for c in project.compounds}
    scope = scope_of(user)
    if scope.household_ids:
        home = db.session.scalar(select(Household.id).join(Building).where(
            Household.id.in_(scope.household_ids), Building.compound_id.in_(compound_ids)).order_by(Household.id))
        if home is not None:
            return ("household", home)
    if scope.compounds_with({Role.OWNERS_COMMITTEE}) & compound_ids:
        from portal.core.clock import today

        org = db.session.scalar(select(Organisation.id).join(Position, Position.organisation_id == Organisation.id).where(
            Position.user_id == user.id, Position.role == Role.OWNERS_COMMITTEE, Position.is_open(today()),
            Organisation.kind == OrgKind.OWNERS_COMMITTEE, Organisation.compound_id.in_(compound_ids)))
        if org is not None:
            return ("committee", org)
    return None


@rule("projects.list")
def _sees_projects(user, obj=None) -> bool:
    """Asked on every page (the menu): the scope answers for nearly everyone, so the claimant's
    registrations are read only for those with no community of their own."""
    from portal.orgs.permissions import visible_community_ids

    return bool(visible_community_ids(user)) or bool(claim_community_ids(user))


@rule("projects.manage")
def _manages_projects(user, obj=None) -> bool:
    return bool(register_compound_ids(user))
