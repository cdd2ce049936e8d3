"""Who sees which repair requests, who answers for them, and who may act on them.

Every repairs rule is stated here once: the role sets, the visibility clause in SQL (the queues and
the request page share it, so out of the list means 404 on the page), the loaders, and the "who"
predicates the workflow's step table (services.STEPS) is built from.
"""

from __future__ import annotations

from typing import NamedTuple

from flask import abort
from sqlalchemy import Date, and_, or_, select, true

from portal.core.clock import now_utc, today
from portal.core.in_lists import in_ids, one_of
from portal.core.kept_statements import kept_statement, param, run_plain
from portal.core.permissions import rule, unproxied
from portal.extensions import db
from portal.orgs.models import Compound, Organisation, OrgKind, Position, Role, ServiceContract
from portal.orgs.permissions import COMMUNITY_ROLES, PERSONAL_DATA_ROLES, PROPERTY_ROLES, scope_of
from portal.orgs.services import current_company_id
from portal.repairs.models import Kind, Level, RepairRequest, Status

#: who dispatches at each level of responsibility (property company → community → street)
DISPATCH_ROLES = {
    Level.PROPERTY: frozenset({Role.PROPERTY_MANAGER}),
    Level.COMMUNITY: COMMUNITY_ROLES,
    Level.STREET: frozenset({Role.STREET_ADMIN}),
}
#: who may be named handler at each level
HANDLER_ROLES = {
    Level.PROPERTY: (Role.PROPERTY_STAFF, Role.PROPERTY_MANAGER),
    Level.COMMUNITY: (Role.COMMUNITY_WORKER, Role.GRID_WORKER, *sorted(COMMUNITY_ROLES)),
    Level.STREET: (Role.STREET_ADMIN,),
}
DISPATCHER_ROLES = frozenset().union(*DISPATCH_ROLES.values())
#: whoever can be a handler at some level: the only roles that may ever take a handler's step
MAY_HANDLE_ROLES = frozenset().union(*HANDLER_ROLES.values())
#: staff who file on a resident's behalf (phone call, walk-in, patrol)
FILE_FOR_OTHERS_ROLES = frozenset({*PROPERTY_ROLES, *COMMUNITY_ROLES, Role.GRID_WORKER, Role.STREET_ADMIN})
#: community and street staff reclassify; 专事 never sits with the property company
TRIAGE_ROLES = frozenset({*COMMUNITY_ROLES, Role.STREET_ADMIN})
KIND_LEVEL = {Kind.HOUSEHOLD: Level.PROPERTY, Kind.COMMUNITY: Level.COMMUNITY,
              Kind.DEPARTMENT: Level.COMMUNITY, Kind.HARD: Level.STREET}


# --- who answers for a request ------------------------------------------------------------------

def responsible_level(req: RepairRequest, kind: str | None = None) -> int:
    """The kind (or the one it would become) sets the first level, escalation raises it; a compound
    without a property company has its household matters handled by the community."""
    level = max(KIND_LEVEL[kind or req.kind], req.escalation_level)
    if level == Level.PROPERTY and current_company_id(req.compound_id) is None:
        return Level.COMMUNITY
    return level


def people_at_level(req: RepairRequest, level: int, roles):
    """A select of the active users holding an open post with one of `roles` in the body that answers
    for this request at `level`: its property company, its community, or its street."""
    from portal.auth.models import User

    return _people_select((User,), level, roles, answering_body_id(req, level), today())


def answering_body_id(req: RepairRequest, level: int) -> int | None:
    """The id of the body that answers for the request at `level`: its property company's, its
    community's, or its street's."""
    if level == Level.PROPERTY:
        return current_company_id(req.compound_id)
    compound = db.session.get(Compound, req.compound_id)
    return compound.community_id if level == Level.COMMUNITY else compound.community.street_id


def _people_select(columns, level: int, roles, body_id, on):
    """`people_at_level`'s select of `columns`, from values or from parameters (a kept statement)."""
    from portal.auth.models import User

    query = (select(*columns).join(Position, Position.user_id == User.id)
             .join(Organisation, Organisation.id == Position.organisation_id)
             .where(User.active.is_(True), one_of(Position.role, roles), Position.is_open(on)))
    if level == Level.PROPERTY:
        return query.where(Organisation.id == body_id)
    if level == Level.COMMUNITY:
        return query.where(Organisation.community_id == body_id,
                           one_of(Organisation.kind, [OrgKind.RESIDENTS_COMMITTEE, OrgKind.PARTY_COMMITTEE]))
    return query.where(Organisation.street_id == body_id)


def dispatchers(req: RepairRequest):
    """A select of whoever dispatches at the request's current level."""
    level = responsible_level(req)
    return people_at_level(req, level, DISPATCH_ROLES[level])


def handler_candidates(req: RepairRequest) -> list:
    """People the dispatcher may assign at the current level, in one query."""
    from portal.auth.models import User

    level = responsible_level(req)
    return list(db.session.scalars(people_at_level(req, level, HANDLER_ROLES[level]).distinct().order_by(User.name)))


def handler_choices(req: RepairRequest) -> list[tuple]:
    """(person, post title, open orders in hand) for each candidate, so the dispatcher sees who is who and
    who is busy: two queries whatever the number of candidates. A person is a row of `id` and `name`.

    Both statements are built once per level and kept (core.kept_statements): the body, the day and
    the candidates' ids are parameters."""
    level = responsible_level(req)
    rows = run_plain(kept_statement(("repairs.handler_choices", level), lambda: _candidates_query(level)),
                     {"body_id": answering_body_id(req, level), "on": today()})
    titles: dict[int, list[str]] = {}
    people = {}
    for person_id, name, title in rows:
        if person_id not in people:
            people[person_id] = Person(person_id, name)
            titles[person_id] = []
        if title not in titles[person_id]:
            titles[person_id].append(title)
    loads = dict(run_plain(kept_statement("repairs.handler_loads", _loads_query), {"ids": list(people)}).all()) if people else {}
    return [(person, "、".join(titles[pid]), loads.get(pid, 0)) for pid, person in people.items()]


class Person(NamedTuple):
    """A candidate handler as the dispatcher's list shows them."""

    id: int
    name: str


def _candidates_query(level: int):
    from portal.auth.models import User

    return (_people_select((User.id, User.name, Position.title), level, HANDLER_ROLES[level], param("body_id"),
                           param("on", Date))
            .order_by(User.name, Position.title))


def _loads_query():
    from sqlalchemy import func

    return (select(RepairRequest.handler_id, func.count())
            .where(in_ids(RepairRequest.handler_id, param("ids", expanding=True)),
                   one_of(RepairRequest.status, (Status.ASSIGNED, Status.IN_PROGRESS, Status.ON_HOLD)))
            .group_by(RepairRequest.handler_id))


# --- who may act -----------------------------------------------------------------------------------

def roles_here(user, req: RepairRequest) -> set[str]:
    return scope_of(user).roles_in(req.compound_id)


def works_here(user, req: RepairRequest) -> bool:
    """Holds a post in the request's compound (not only lives there): sees the internal terms."""
    return bool(roles_here(user, req) - {Role.RESIDENT})


def may_dispatch(user, req: RepairRequest) -> bool:
    return bool(roles_here(user, req) & DISPATCH_ROLES[responsible_level(req)])


def may_ever_dispatch(user, req: RepairRequest) -> bool:
    """Holds a dispatching role of some level here (else a dispatch step is 403)."""
    return bool(roles_here(user, req) & DISPATCHER_ROLES)


def may_triage(user, req: RepairRequest) -> bool:
    """Community and street staff may (re)classify; the property manager only while the request is
    still the property company's and unconfirmed, so a company cannot pull a community matter back."""
    roles = roles_here(user, req)
    if roles & TRIAGE_ROLES:
        return True
    return (Role.PROPERTY_MANAGER in roles and not req.kind_confirmed
            and responsible_level(req) == Level.PROPERTY)


def may_send_to_department(user, req: RepairRequest) -> bool:
    return bool(roles_here(user, req) & TRIAGE_ROLES)


def is_handler(user, req: RepairRequest) -> bool:
    """The assigned handler, while the compound is still in their scope (posts and contracts end)."""
    return req.handler_id == user.id and req.compound_id in scope_of(user).compound_ids


def may_ever_handle(user, req: RepairRequest) -> bool:
    """The handler, or a role that can be a handler here (else a handler's step is 403)."""
    return req.handler_id == user.id or bool(roles_here(user, req) & MAY_HANDLE_ROLES)


def is_requester(user, req: RepairRequest) -> bool:
    if req.requester_id is not None:
        return req.requester_id == user.id
    return req.household_id is not None and req.household_id in scope_of(user).household_ids


def may_file_for_others(user, compound_id: int) -> bool:
    return bool(scope_of(user).roles_in(compound_id) & FILE_FOR_OTHERS_ROLES)


def lives_in(user, compound_id: int) -> bool:
    return Role.RESIDENT in scope_of(user).roles_in(compound_id)


def dispatches_somewhere(user) -> bool:
    """Holds a dispatching role in some compound (the home page counts requests waiting for dispatch)."""
    return bool(scope_of(user).roles & DISPATCHER_ROLES)


def filing_compound_ids(user) -> set[int]:
    """Compounds where the user files on residents' behalf."""
    return scope_of(user).compounds_with(FILE_FOR_OTHERS_ROLES)


@rule("repairs.queue")
def _has_queue(user, obj=None) -> bool:
    return bool(scope_of(user).compound_ids)


rule("repairs.board")(_has_queue)


@rule("repairs.file")
def _may_file(user, obj=None) -> bool:
    """Residents for their homes; staff for residents of their compounds."""
    scope = scope_of(user)
    return bool(scope.household_ids) or bool(filing_compound_ids(user))


@rule("repairs.service_levels")
def _may_set_service_levels(user, obj=None) -> bool:
    """One deployment serves one city's agreed table: only street administrators change it."""
    return bool(scope_of(user).street_ids)


# --- who sees what ---------------------------------------------------------------------------------

def _without_property_company(on, among):
    """Compounds with no current contract: their household matters fall to the community. Asked of the
    contracts of `among` (the community's compounds) only, not of every contract in the city."""
    served = select(ServiceContract.compound_id).where(ServiceContract.is_current(on or today()),
                                                       in_ids(ServiceContract.compound_id, among))
    return RepairRequest.compound_id.not_in(served)


#: the roles that see every request of their compounds
WHOLE_COMPOUND_ROLES = frozenset({Role.PROPERTY_MANAGER, Role.GRID_WORKER, Role.OWNERS_COMMITTEE})


def visibility_sets(scope) -> dict[str, set[int]]:
    """The scope's id sets `visibility` reads, by name: each an optional branch of the clause when empty
    (the home page's kept statement fills them as parameters of these names: repairs.todos)."""
    return {
        "compound_ids": scope.compound_ids,
        "household_ids": scope.household_ids,
        "whole_ids": scope.compounds_with(WHOLE_COMPOUND_ROLES),
        "community_ids": scope.compounds_with(COMMUNITY_ROLES),
        "street_ids": scope.compounds_with({Role.STREET_ADMIN}),
    }


def visibility(user, now=None, within=None):
    """The WHERE clause: everything `user` may see, per role (DOMAIN.md, Workflow 1); a user with
    several roles sees the union (built by `visibility_of` from the user's scope)."""
    return visibility_of(user.id, now or now_utc(), visibility_sets(scope_of(user)), within)


def visibility_of(user_id, now, sets: dict, within=None, on=None):
    """`visibility` from its values — or from parameters of a kept statement (core.kept_statements): `sets` as
    `visibility_sets` gives them, an empty one leaving its branch out; `on` the day the property
    contracts are current on (default: today).

    Shaped for the indexes: one's own requests (requester_id), OR the scope's compounds (compound_id,
    which the index (compound_id, status, closed_at) leads with) AND the role conditions inside them.
    Every role condition but the requester's lies inside the scope's compounds (a home's requests
    belong to its compound), so the outer `compound_id IN` changes nothing of who sees what.

    `within` (a list's own condition, e.g. not closed) is repeated inside both branches, so SQLite plans
    each branch of the OR on the index that condition opens (the partial index of open work)."""
    mine = RepairRequest.requester_id == user_id
    if within is None:
        within = true()
    if not sets["compound_ids"]:
        return and_(mine, within)
    overdue = RepairRequest.is_overdue(now)
    # The handler, and whoever filed it, follow the request only while its compound stays in their
    # scope (a repairman who left the company, or a company whose contract ended, loses it).
    conditions = [RepairRequest.handler_id == user_id, RepairRequest.filed_by_id == user_id]
    if sets["household_ids"]:
        conditions.append(in_ids(RepairRequest.household_id, sets["household_ids"]))
    if sets["whole_ids"]:
        conditions.append(in_ids(RepairRequest.compound_id, sets["whole_ids"]))
    if sets["community_ids"]:
        conditions.append(and_(in_ids(RepairRequest.compound_id, sets["community_ids"]), or_(
            RepairRequest.kind != Kind.HOUSEHOLD, overdue, RepairRequest.escalation_level >= Level.COMMUNITY,
            _without_property_company(on, sets["community_ids"]),
        )))
    if sets["street_ids"]:
        conditions.append(and_(in_ids(RepairRequest.compound_id, sets["street_ids"]), or_(
            RepairRequest.kind == Kind.HARD, overdue, RepairRequest.escalation_level >= Level.STREET,
        )))
    return or_(and_(mine, within), and_(in_ids(RepairRequest.compound_id, sets["compound_ids"]), within, or_(*conditions)))


def request_visible(user, req: RepairRequest) -> bool:
    return db.session.scalar(select(RepairRequest.id).where(RepairRequest.id == req.id, visibility(user))) is not None


def get_request_or_404(user, request_id: int, *options) -> RepairRequest:
    """The request if `user` may see it, in one query; `options` load what a read-only page shows of it
    alongside (not for a step: a relationship loaded before the step would not follow its new ids)."""
    req = db.session.scalar(select(RepairRequest).where(RepairRequest.id == request_id, visibility(user))
                            .options(*options))
    if req is None:
        abort(404)
    return req


def personal_compound_ids(user) -> set[int]:
    """Compounds where the user's role lets them see residents' names, rooms and phones."""
    return scope_of(user).compounds_with(PERSONAL_DATA_ROLES)


def sees_personal(user, req: RepairRequest, personal_compounds: set[int] | None = None) -> bool:
    """Those who act on the request (the handler, whoever filed it, the requester's household) and the
    personal-data roles of its compound; everyone else sees the room and phone masked."""
    user = unproxied(user)
    if personal_compounds is None:
        personal_compounds = personal_compound_ids(user)
    return _sees_personal(user, scope_of(user), req, personal_compounds)


def personal_ids(user, rows, personal_compounds: set[int]) -> set[int]:
    """The ids of `rows` (requests, or rows of their ids and people) whose personal data the user sees:
    `sees_personal` for a page of a list, the user and their scope read once."""
    user = unproxied(user)
    scope = scope_of(user)
    return {row.id for row in rows if _sees_personal(user, scope, row, personal_compounds)}


def _sees_personal(user, scope, req, personal_compounds: set[int]) -> bool:
    acts_here = req.compound_id in scope.compound_ids
    return ((acts_here and user.id in (req.handler_id, req.filed_by_id)) or req.requester_id == user.id
            or (req.household_id is not None and req.household_id in scope.household_ids)
            or req.compound_id in personal_compounds)


def photo_visible(user, photo) -> bool:
    """Filing photos can show the inside of a home, so they follow the request's visibility; result
    photos of a closed request are on the compound's public board, for everyone in the compound."""
    from portal.repairs.models import PhotoStage, Status

    req = photo.request
    on_board = (photo.stage == PhotoStage.RESULT and req.status == Status.CLOSED
                and req.compound_id in scope_of(user).compound_ids)
    return on_board or request_visible(user, req)
