"""Rules for accounts (people) managed by street administrators, and for where an organisation
attaches in the structure. No `request` in here: every rule is testable without HTTP.

Logs and audit details never hold passwords or full phone numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from types import SimpleNamespace

from flask_babel import LazyString
from sqlalchemy import or_, select

from portal.auth import services as auth_services
from portal.auth.models import User
from portal.auth.passwords import password_problem
from portal.core.audit import audit
from portal.core.clock import today
from portal.core.translations import lazy_gettext as _l
from portal.extensions import db
from portal.orgs.models import Community, Compound, Organisation, OrgKind, Position, Role
from portal.orgs.services import RuleError

# --- who a street administrator manages ------------------------------------------------------------


def open_position_clause(on=None):
    """Positions not yet ended (including ones that start later)."""
    on = on or today()
    return Position.end_date.is_(None) | (Position.end_date >= on)


def people_clause(street_ids):
    """SQL condition: accounts of these streets, or holding a position in one of their organisations."""
    street_ids = list(street_ids)
    holders = (
        select(Position.user_id)
        .join(Organisation, Organisation.id == Position.organisation_id)
        .where(Organisation.street_id.in_(street_ids), open_position_clause())
    )
    # A post in one of our organisations makes an outsider visible only if no other street manages them:
    # an appointment must never hand another street's account (or its administrator) to us.
    return User.street_id.in_(street_ids) | (User.street_id.is_(None) & User.id.in_(holders))


def person_in_scope(street_ids, user_id: int) -> User | None:
    """The account `user_id` if these streets manage it (people_clause), else None."""
    if not street_ids:
        return None
    return db.session.scalar(select(User).where(User.id == user_id, people_clause(street_ids)))


def open_positions_of(user_ids) -> dict[int, list[tuple[Position, Organisation]]]:
    """user id → its open positions with their organisation (one query for a page of people)."""
    grouped: dict[int, list[tuple[Position, Organisation]]] = {}
    if not user_ids:
        return grouped
    rows = db.session.execute(
        select(Position, Organisation)
        .join(Organisation, Organisation.id == Position.organisation_id)
        .where(Position.user_id.in_(list(user_ids)), open_position_clause())
        .order_by(Position.start_date)
    ).all()
    for position, org in rows:
        grouped.setdefault(position.user_id, []).append((position, org))
    return grouped


# --- accounts --------------------------------------------------------------------------------------

DUPLICATE_PHONE = _l("这个手机号已被其他账号使用。")
DUPLICATE_USERNAME = _l("这个用户名已被其他账号使用。")


def require_login_name(phone: str | None, username: str | None) -> None:
    # PersonForm.validate_phone never runs on an empty phone (its Optional() validator stops the
    # chain first), so the rule is enforced here as well.
    if not phone and not username:
        raise RuleError(_l("手机号和用户名至少填写一项，用于登录。"), "phone")


def duplicate_problem(*, phone: str | None, username: str | None, exclude_id: int | None = None) -> RuleError | None:
    """The field error for a phone or username another account already uses, or None."""
    for field, column, value, message in (
        ("phone", User.phone, phone, DUPLICATE_PHONE),
        ("username", User.username, username, DUPLICATE_USERNAME),
    ):
        if not value:
            continue
        query = select(User.id).where(column == value)
        if exclude_id is not None:
            query = query.where(User.id != exclude_id)
        if db.session.scalar(query) is not None:
            return RuleError(message, field)
    return None


def check_new_password(password: str, *, username: str | None = None, phone: str | None = None, user=None) -> None:
    who = user if user is not None else SimpleNamespace(username=username, phone=phone)
    problem = password_problem(password or "", user=who)
    if problem:
        raise RuleError(problem, "password")


def create_person(*, name: str, phone: str | None, username: str | None, is_party_member: bool,
                  password: str, street_id: int, by) -> User:
    """A new account managed by `street_id`'s administrators. The caller commits and, on an
    IntegrityError (a concurrent duplicate), asks `duplicate_problem` again for the field."""
    phone, username = phone or None, username or None
    require_login_name(phone, username)
    check_new_password(password, username=username, phone=phone)
    duplicate = duplicate_problem(phone=phone, username=username)
    if duplicate:
        raise duplicate
    user = auth_services.create_user(name=name, password=password, username=username, phone=phone,
                                     is_party_member=is_party_member)
    user.street_id = street_id
    db.session.flush()
    audit("person.created", user, user=by)
    return user


def update_person(person: User, *, name: str, phone: str | None, username: str | None,
                  is_party_member: bool, by) -> None:
    phone, username = phone or None, username or None
    require_login_name(phone, username)
    duplicate = duplicate_problem(phone=phone, username=username, exclude_id=person.id)
    if duplicate:
        raise duplicate
    changed = sorted(
        key for key, old, new in (
            ("name", person.name, name), ("phone", person.phone, phone), ("username", person.username, username),
            ("is_party_member", person.is_party_member, is_party_member),
        ) if old != new
    )
    person.name, person.phone, person.username, person.is_party_member = name, phone, username, is_party_member
    # Only which fields changed: never the phone number itself.
    audit("person.updated", person, user=by, details={"changed": changed})


def set_person_active(person: User, active: bool, *, by) -> None:
    """Enable or disable an account; disabling ends every session of the person."""
    if person.id == getattr(by, "id", None) and not active:
        raise RuleError(_l("不能停用自己的账号。"))
    auth_services.set_active(person, active, by=by)


def reset_password(person: User, password: str, *, by) -> None:
    """A temporary password set by an administrator; the person's sessions all end."""
    if person.id == getattr(by, "id", None):
        raise RuleError(_l("请在“修改密码”中修改自己的密码。"), "password")
    check_new_password(password, user=person)
    auth_services.change_password(person, password)
    audit("person.password_reset", person, user=by)


# --- where an organisation attaches ------------------------------------------------------------

#: kinds an administrator may create (a street office comes with its street)
CREATABLE_KINDS = tuple(k for k in OrgKind.ALL if k != OrgKind.STREET_OFFICE)

MUST, MAY, NOT = "must", "may", "not"


@dataclass(frozen=True)
class Refusal:
    """A rule's message and the form field it belongs next to."""

    message: LazyString
    field: str

    def error(self) -> RuleError:
        return RuleError(self.message, self.field)


@dataclass(frozen=True)
class Slot:
    """Whether an organisation must, may or must not attach to one level, and the refusal otherwise."""

    need: str = MAY
    refusal: Refusal | None = None


@dataclass(frozen=True)
class ParentRule:
    """What sitting in a parent organisation of one kind means for the compound."""

    #: the organisation lives in the parent's compound; the refusal when another one was chosen
    same_compound: Refusal | None = None
    #: the parent stands in for the compound the placement otherwise requires
    replaces_compound: bool = False


@dataclass(frozen=True)
class Placement:
    """Where an organisation of one kind attaches: community, compound and parent."""

    community: Slot = Slot()
    compound: Slot = Slot()
    #: kinds of organisation it may sit in (parent_id), each with its rule
    parents: dict[str, ParentRule] = dataclass_field(default_factory=dict)
    #: a parent of another kind, of another street, or the organisation itself
    parent_refusal: Refusal | None = None
    #: at most one organisation of this kind per compound
    one_per_compound: Refusal | None = None


STREET_LEVEL = Placement(
    community=Slot(NOT, Refusal(_l("这类组织属于街道，不选社区。"), "community_id")),
    compound=Slot(NOT, Refusal(_l("这类组织属于街道，不选小区；服务的小区以物业服务合同登记。"), "compound_id")),
)
COMMUNITY_LEVEL = Placement(
    community=Slot(MUST, Refusal(_l("请选择所属社区。"), "community_id")),
    compound=Slot(NOT, Refusal(_l("社区党委、居委会属于社区，不属于某个小区。"), "compound_id")),
)

#: organisation kind → where it attaches. Kinds not named otherwise (驻区单位, 志愿服务队) may attach to a
#: community or compound of the street, or to neither.
PLACEMENTS: dict[str, Placement] = {
    OrgKind.STREET_OFFICE: STREET_LEVEL,
    # a property company serves compounds through contracts, not by attaching to one
    OrgKind.PROPERTY_COMPANY: STREET_LEVEL,
    OrgKind.PARTY_COMMITTEE: COMMUNITY_LEVEL,
    OrgKind.RESIDENTS_COMMITTEE: COMMUNITY_LEVEL,
    OrgKind.OWNERS_COMMITTEE: Placement(
        compound=Slot(MUST, Refusal(_l("业委会/物管会必须指定所属小区。"), "compound_id")),
        one_per_compound=Refusal(_l("该小区已有业委会/物管会。"), "compound_id"),
    ),
    # a compound's branch, or the branch inside an owners' committee (its compound) or a property company
    OrgKind.PARTY_BRANCH: Placement(
        compound=Slot(MUST, Refusal(_l("小区党支部必须指定所属小区（物业党支部请选择所在的物业企业）。"), "compound_id")),
        parents={
            OrgKind.OWNERS_COMMITTEE: ParentRule(
                same_compound=Refusal(_l("党支部所在的业委会属于另一个小区。"), "compound_id")),
            OrgKind.PROPERTY_COMPANY: ParentRule(replaces_compound=True),
        },
        parent_refusal=Refusal(_l("请选择本街道的业委会或物业企业。"), "parent_id"),
    ),
    OrgKind.RESIDENT_UNIT: Placement(),
    OrgKind.VOLUNTEER_TEAM: Placement(),
}
#: kinds that may sit inside a party branch's parent organisation
BRANCH_PARENT_KINDS = tuple(PLACEMENTS[OrgKind.PARTY_BRANCH].parents)

UNKNOWN_KIND = Refusal(_l("请选择组织类型。"), "kind")
FOREIGN_COMMUNITY = Refusal(_l("请选择本街道的社区。"), "community_id")
FOREIGN_COMPOUND = Refusal(_l("请选择本街道的小区。"), "compound_id")
COMPOUND_OF_OTHER_COMMUNITY = Refusal(_l("所选小区不属于所选社区。"), "compound_id")
NO_PARENT_HERE = Refusal(_l("只有党支部需要指定所在组织。"), "parent_id")
NO_STREET = Refusal(_l("请选择所属街道。"), "street_id")
PARENT_OF_OTHER_STREET = Refusal(_l("所在组织必须与本组织属于同一街道。"), "parent_id")


@dataclass
class Attachment:
    street_id: int
    community_id: int | None
    compound_id: int | None
    parent_id: int | None


def resolve_attachment(*, kind: str, street_ids, community_id: int | None, compound_id: int | None,
                       parent_id: int | None, default_street_id: int | None,
                       organisation: Organisation | None = None) -> Attachment:
    """Check that an organisation of `kind` attaches where PLACEMENTS says its kind belongs, inside
    the administrator's streets; derive the community from the compound and the street from both.

    The first broken rule is raised as a RuleError: choices outside the streets, then the parent,
    then what the placement refuses, then what it requires."""
    street_ids = set(street_ids)
    placement = PLACEMENTS.get(kind)
    if placement is None:
        raise UNKNOWN_KIND.error()
    community, compound = _chosen_places(street_ids, community_id, compound_id)
    parent = _chosen_parent(placement, street_ids, parent_id, organisation)
    rule = placement.parents.get(parent.kind) if parent is not None else None
    if rule is not None and rule.same_compound is not None:
        if compound is None:
            compound, community = parent.compound, parent.community
        elif compound.id != parent.compound_id:
            raise rule.same_compound.error()
    _check_placement(placement, community_id=community_id, compound_id=compound_id, community=community,
                     compound=compound, parent_replaces_compound=rule is not None and rule.replaces_compound)
    if placement.one_per_compound is not None and _taken(kind, compound, organisation):
        raise placement.one_per_compound.error()
    street_id = _street_of(street_ids, community, parent, organisation, default_street_id)
    if parent is not None and parent.street_id != street_id:
        raise PARENT_OF_OTHER_STREET.error()
    return Attachment(street_id=street_id, community_id=community.id if community else None,
                      compound_id=compound.id if compound else None, parent_id=parent.id if parent else None)


def _chosen_places(street_ids: set[int], community_id, compound_id) -> tuple[Community | None, Compound | None]:
    """The chosen community and compound, both of these streets; the compound's community wins."""
    community = db.session.get(Community, community_id) if community_id else None
    compound = db.session.get(Compound, compound_id) if compound_id else None
    if community_id and (community is None or community.street_id not in street_ids):
        raise FOREIGN_COMMUNITY.error()
    if compound_id and (compound is None or compound.community.street_id not in street_ids):
        raise FOREIGN_COMPOUND.error()
    if compound is not None:
        if community is not None and compound.community_id != community.id:
            raise COMPOUND_OF_OTHER_COMMUNITY.error()
        community = compound.community
    return community, compound


def _chosen_parent(placement: Placement, street_ids: set[int], parent_id,
                   organisation: Organisation | None) -> Organisation | None:
    if not parent_id:
        return None
    if not placement.parents:
        raise NO_PARENT_HERE.error()
    parent = db.session.get(Organisation, parent_id)
    if (parent is None or parent.kind not in placement.parents or parent.street_id not in street_ids
            or (organisation is not None and parent.id == organisation.id)):
        raise placement.parent_refusal.error()
    return parent


def _check_placement(placement: Placement, *, community_id, compound_id, community, compound,
                     parent_replaces_compound: bool) -> None:
    """What the placement refuses (judged on what was chosen), then what it requires (judged on
    what was derived: a compound brings its community, an owners' committee its compound)."""
    for slot, chosen in ((placement.community, community_id), (placement.compound, compound_id)):
        if slot.need == NOT and chosen:
            raise slot.refusal.error()
    for slot, present in ((placement.community, community is not None),
                          (placement.compound, compound is not None or parent_replaces_compound)):
        if slot.need == MUST and not present:
            raise slot.refusal.error()


def _taken(kind: str, compound: Compound, organisation: Organisation | None) -> bool:
    """Another organisation of this kind already attaches to the compound."""
    return db.session.scalar(select(Organisation.id).where(
        Organisation.kind == kind, Organisation.compound_id == compound.id,
        Organisation.id != (organisation.id if organisation is not None else -1))) is not None


def _street_of(street_ids: set[int], community, parent, organisation, default_street_id) -> int:
    """The community's street, else the parent's, else the one it has, else the form's choice."""
    if community is not None:
        return community.street_id
    if parent is not None:
        return parent.street_id
    if organisation is not None and organisation.street_id in street_ids:
        return organisation.street_id
    if default_street_id in street_ids:
        return default_street_id
    raise NO_STREET.error()


def check_kind_change(organisation: Organisation, kind: str) -> None:
    """An organisation may change kind only if every open position still fits the new kind."""
    if kind == organisation.kind:
        return
    roles = set(db.session.scalars(select(Position.role).where(
        Position.organisation_id == organisation.id, open_position_clause())))
    if roles - set(Role.BY_ORG_KIND.get(kind, ())):
        raise RuleError(_l("该组织还有在任人员的职务不属于新类型，请先结束这些任职。"), "kind")


def save_organisation(organisation: Organisation | None, *, kind: str, name: str, attachment: Attachment,
                      contact_phone: str | None, note: str | None, by) -> Organisation:
    if organisation is None:
        organisation = Organisation(kind=kind)
        db.session.add(organisation)
        action = "organisation.created"
    else:
        check_kind_change(organisation, kind)
        action = "organisation.updated"
    organisation.kind = kind
    organisation.name = name
    organisation.street_id = attachment.street_id
    organisation.community_id = attachment.community_id
    organisation.compound_id = attachment.compound_id
    organisation.parent_id = attachment.parent_id
    organisation.contact_phone = contact_phone or None
    organisation.note = note or None
    db.session.flush()
    audit(action, organisation, user=by, details={"kind": kind})
    return organisation


def find_person(identifier: str, street_ids) -> User | None:
    """An active account of these streets by phone or username (for appointments): accounts of
    other streets are not found, so their names do not leak and they cannot be taken over."""
    identifier = (identifier or "").strip()
    if not identifier:
        return None
    return db.session.scalar(
        select(User).where(or_(User.phone == identifier, User.username == identifier), User.active.is_(True),
                           people_clause(street_ids))
    )
