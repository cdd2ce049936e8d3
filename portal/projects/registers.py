"""Who co-builds: resident units reporting to a community (双报到) with their agreements (共建协议), and
in-service party members reporting to the compound where they live (在职党员到社区报到).

Community staff keep these registers. A party member is a resident user (found by their phone) with a
PartyMember record; a unit may name a contact user (found by phone), who then claims wishes for it.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from portal.core.clock import today
from portal.core.errors import RuleError
from portal.core.translations import lazy_gettext as _l
from portal.extensions import db
from portal.orgs.models import Compound, Role
from portal.orgs.permissions import scope_of
from portal.projects.models import Agreement, PartyMember, Unit
from portal.projects.permissions import register_compound_ids


def _user_by_phone(phone: str):
    from portal.auth.models import User

    return db.session.scalar(select(User).where(User.phone == phone, User.active.is_(True)))


def _check_community(by, community_id: int) -> None:
    compounds = set(db.session.scalars(select(Compound.id).where(Compound.community_id == community_id)))
    if not compounds & register_compound_ids(by):
        raise RuleError(_l("您不能为这个社区登记。"), "community_id")


def register_unit(*, by, community_id: int, name: str, registered_on: date, contact_name: str,
                  contact_phone: str, offers: str | None = None) -> Unit:
    _check_community(by, community_id)
    if registered_on > today():
        raise RuleError(_l("报到日期不能晚于今天。"), "registered_on")
    exists = db.session.scalar(select(Unit.id).where(Unit.community_id == community_id, Unit.name == name.strip()))
    if exists:
        raise RuleError(_l("这个单位已在本社区报到。"), "name")
    contact = _user_by_phone(contact_phone)
    unit = Unit(community_id=community_id, name=name.strip(), registered_on=registered_on,
                contact_name=contact_name, contact_phone=contact_phone, offers=offers or None,
                contact_user_id=contact.id if contact else None)
    db.session.add(unit)
    db.session.flush()
    return unit


def add_agreement(*, by, unit: Unit, start_date: date, end_date: date, content: str,
                  renews: Agreement | None = None) -> Agreement:
    """A new agreement, or the next period of one (renewal: it starts after the one it renews)."""
    _check_community(by, unit.community_id)
    if end_date < start_date:
        raise RuleError(_l("结束日期不能早于开始日期。"), "end_date")
    if renews is not None and start_date <= renews.start_date:
        raise RuleError(_l("续签的协议应在原协议开始之后开始。"), "start_date")
    agreement = Agreement(unit_id=unit.id, start_date=start_date, end_date=end_date, content=content,
                          renews_id=renews.id if renews else None)
    db.session.add(agreement)
    db.session.flush()
    return agreement


def register_party_member(*, by, phone: str, compound_id: int, registered_on: date, unit_id: int | None = None,
                          workplace: str | None = None) -> PartyMember:
    """The member must have a resident account in that compound: that is where they report."""
    if compound_id not in register_compound_ids(by):
        raise RuleError(_l("您不能为这个小区登记。"), "compound_id")
    user = _user_by_phone(phone)
    if user is None:
        raise RuleError(_l("没有用这个手机号注册的居民账号。"), "phone")
    if Role.RESIDENT not in scope_of(user).roles_in(compound_id):
        raise RuleError(_l("这位居民不住在所选小区，党员应到居住的小区报到。"), "phone")
    if db.session.scalar(select(PartyMember.id).where(PartyMember.user_id == user.id)):
        raise RuleError(_l("这位党员已经报到过了。"), "phone")
    if registered_on > today():
        raise RuleError(_l("报到日期不能晚于今天。"), "registered_on")
    community_id = db.session.get(Compound, compound_id).community_id
    if unit_id:
        unit = db.session.get(Unit, unit_id)
        if unit is None or unit.community_id != community_id:
            raise RuleError(_l("请选择本社区的驻区单位。"), "unit_id")
    if not unit_id and not (workplace or "").strip():
        raise RuleError(_l("请选择或填写工作单位。"), "workplace")
    member = PartyMember(user_id=user.id, compound_id=compound_id, unit_id=unit_id or None,
                         workplace=(workplace or "").strip() or None, registered_on=registered_on)
    db.session.add(member)
    db.session.flush()
    return member


def member_counts(compound_ids: set[int]) -> dict[int, int]:
    """Registered party members per compound, in one query."""
    if not compound_ids:
        return {}
    return dict(db.session.execute(select(PartyMember.compound_id, func.count()).where(
        PartyMember.compound_id.in_(compound_ids)).group_by(PartyMember.compound_id)).all())
