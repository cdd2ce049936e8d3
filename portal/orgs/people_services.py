"""Rules for accounts (people) managed by street administrators, and for where an organisation
attaches in the structure. No `request` in here: every rule is testable without HTTP.

Logs and audit details never hold passwords or full phone numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from portal.auth import services as auth_services
from portal.auth.models import User
from portal.auth.passwords import password_problem
from portal.core.audit import audit
from portal.core.clock import today
from portal.extensions import db
from portal.orgs.models import Community, Compound, Organisation, OrgKind, Position, Role
from portal.orgs.permissions import scope_of, visible_community_ids
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


def street_reach(user) -> set[int]:
    """The streets a user works or lives in: administered streets, or those of visible communities."""
    scope = scope_of(user)
    if scope.street_ids:
        return set(scope.street_ids)
    communities = visible_community_ids(user)
    if not communities:
        return set()
    return set(db.session.scalars(select(Community.street_id).where(Community.id.in_(communities)).distinct()))


def person_in_scope(street_ids, user_id: int) -> User | None:
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
#: kinds that may sit inside a party branch's parent organisation
BRANCH_PARENT_KINDS = (OrgKind.OWNERS_COMMITTEE, OrgKind.PROPERTY_COMPANY)


@dataclass
class Attachment:
    street_id: int
    community_id: int | None
    compound_id: int | None
    parent_id: int | None


def resolve_attachment(*, kind: str, street_ids, community_id: int | None, compound_id: int | None,
                       parent_id: int | None, default_street_id: int | None,
                       organisation: Organisation | None = None) -> Attachment:
    """Check that an organisation of `kind` attaches where its kind belongs, inside the
    administrator's streets; derive the community from the compound and the street from both."""
    street_ids = set(street_ids)
    if kind not in OrgKind.ALL:
        raise RuleError(_l("请选择组织类型。"), "kind")
    community = db.session.get(Community, community_id) if community_id else None
    compound = db.session.get(Compound, compound_id) if compound_id else None
    parent = db.session.get(Organisation, parent_id) if parent_id else None
    if community_id and (community is None or community.street_id not in street_ids):
        raise RuleError(_l("请选择本街道的社区。"), "community_id")
    if compound_id and (compound is None or compound.community.street_id not in street_ids):
        raise RuleError(_l("请选择本街道的小区。"), "compound_id")
    if compound is not None:
        if community is not None and compound.community_id != community.id:
            raise RuleError(_l("所选小区不属于所选社区。"), "compound_id")
        community = compound.community

    if parent_id:
        if kind != OrgKind.PARTY_BRANCH:
            raise RuleError(_l("只有党支部需要指定所在组织。"), "parent_id")
        if (parent is None or parent.kind not in BRANCH_PARENT_KINDS or parent.street_id not in street_ids
                or (organisation is not None and parent.id == organisation.id)):
            raise RuleError(_l("请选择本街道的业委会或物业企业。"), "parent_id")

    if kind == OrgKind.OWNERS_COMMITTEE:
        if compound is None:
            raise RuleError(_l("业委会/物管会必须指定所属小区。"), "compound_id")
        existing = db.session.scalar(select(Organisation.id).where(
            Organisation.kind == OrgKind.OWNERS_COMMITTEE, Organisation.compound_id == compound.id,
            Organisation.id != (organisation.id if organisation is not None else -1)))
        if existing is not None:
            raise RuleError(_l("该小区已有业委会/物管会。"), "compound_id")
    elif kind == OrgKind.PARTY_BRANCH:
        if parent is not None and parent.kind == OrgKind.OWNERS_COMMITTEE:
            if compound is None:
                compound, community = parent.compound, parent.community
            elif compound.id != parent.compound_id:
                raise RuleError(_l("党支部所在的业委会属于另一个小区。"), "compound_id")
        if compound is None and (parent is None or parent.kind != OrgKind.PROPERTY_COMPANY):
            raise RuleError(_l("小区党支部必须指定所属小区（物业党支部请选择所在的物业企业）。"), "compound_id")
    elif kind in (OrgKind.PARTY_COMMITTEE, OrgKind.RESIDENTS_COMMITTEE):
        if compound is not None:
            raise RuleError(_l("社区党委、居委会属于社区，不属于某个小区。"), "compound_id")
        if community is None:
            raise RuleError(_l("请选择所属社区。"), "community_id")
    elif kind in (OrgKind.PROPERTY_COMPANY, OrgKind.STREET_OFFICE):
        if community_id:
            raise RuleError(_l("这类组织属于街道，不选社区。"), "community_id")
        if compound_id:
            raise RuleError(_l("这类组织属于街道，不选小区；服务的小区以物业服务合同登记。"), "compound_id")

    if community is not None:
        street_id = community.street_id
    elif parent is not None:
        street_id = parent.street_id
    elif organisation is not None and organisation.street_id in street_ids:
        street_id = organisation.street_id
    elif default_street_id in street_ids:
        street_id = default_street_id
    else:
        raise RuleError(_l("请选择所属街道。"), "street_id")
    if parent is not None and parent.street_id != street_id:
        raise RuleError(_l("所在组织必须与本组织属于同一街道。"), "parent_id")
    return Attachment(street_id=street_id, community_id=community.id if community else None,
                      compound_id=compound.id if compound else None, parent_id=parent.id if parent else None)


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
