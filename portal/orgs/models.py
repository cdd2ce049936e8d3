"""The five-level structure (street → community → compound → building → household),
organisations, property contracts and positions.

Roles are derived from open positions, so a cross-appointment is simply several open positions.
"""

from datetime import date
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Numeric, String, Text, UniqueConstraint, and_, or_
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.clock import today
from portal.core.models import TimestampMixin, VersionedMixin, enum_check
from portal.extensions import db


class Street(TimestampMixin, db.Model):
    __tablename__ = "street"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    communities = relationship("Community", back_populates="street", order_by="Community.name")


class Community(VersionedMixin, TimestampMixin, db.Model):
    __tablename__ = "community"
    __table_args__ = (UniqueConstraint("street_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("street.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str | None] = mapped_column(String(200))
    street = relationship("Street", back_populates="communities")
    compounds = relationship("Compound", back_populates="community", order_by="Compound.name")


class Compound(VersionedMixin, TimestampMixin, db.Model):
    """A residential compound (小区); often also one grid (网格)."""

    __tablename__ = "compound"
    __table_args__ = (UniqueConstraint("community_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str | None] = mapped_column(String(200))
    grid_name: Mapped[str | None] = mapped_column(String(100))
    community = relationship("Community", back_populates="compounds")
    buildings = relationship("Building", back_populates="compound", order_by="Building.sort_key")
    contracts = relationship("ServiceContract", back_populates="compound", order_by="ServiceContract.start_date.desc()")


class Building(VersionedMixin, TimestampMixin, db.Model):
    """A building (楼栋), the micro-grid (微网格) of 30–50 households."""

    __tablename__ = "building"
    __table_args__ = (UniqueConstraint("compound_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compound.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    #: the name with its numbers zero-padded ("2号楼" → "000002号楼") so that 10号楼 sorts after 2号楼
    sort_key: Mapped[str] = mapped_column(String(60), default="")
    floors: Mapped[int | None]
    compound = relationship("Compound", back_populates="buildings")
    households = relationship("Household", back_populates="building")


class Household(VersionedMixin, TimestampMixin, db.Model):
    """A dwelling (房屋): building, unit, room. Owner name and phone are personal data."""

    __tablename__ = "household"
    __table_args__ = (UniqueConstraint("building_id", "unit", "room"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id"), index=True)
    unit: Mapped[str] = mapped_column(String(20), default="")
    room: Mapped[str] = mapped_column(String(20))
    area_m2: Mapped[float | None] = mapped_column(Numeric(8, 2))
    #: the registered owner (房屋登记), imported with the household list; not an account, and not
    #: necessarily a resident who has signed up (see HouseholdMember). Personal data
    owner_name: Mapped[str | None] = mapped_column(String(64))
    #: see owner_name; shown masked, and in full only on request to those who must act on it
    owner_phone: Mapped[str | None] = mapped_column(String(20))
    building = relationship("Building", back_populates="households")
    members = relationship("HouseholdMember", back_populates="household")

    @property
    def label(self) -> str:
        unit = f"{self.unit}-" if self.unit else ""
        return f"{self.building.name} {unit}{self.room}"


class Relation(StrEnum):
    """How a resident is related to their household."""

    OWNER = "owner"
    FAMILY = "family"
    TENANT = "tenant"


class HouseholdMember(TimestampMixin, db.Model):
    """Links a resident's account to their household (owner, family member or tenant)."""

    __tablename__ = "household_member"
    __table_args__ = (UniqueConstraint("household_id", "user_id"), enum_check("relation", Relation))

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    relation: Mapped[str] = mapped_column(String(20), default=Relation.OWNER)
    household = relationship("Household", back_populates="members")
    user = relationship("User", back_populates="memberships")


class OrgKind(StrEnum):
    """The bodies of the 1+3+X; where each may attach is in people_services.PLACEMENTS."""

    STREET_OFFICE = "street_office"
    PARTY_COMMITTEE = "party_committee"
    PARTY_BRANCH = "party_branch"
    RESIDENTS_COMMITTEE = "residents_committee"
    OWNERS_COMMITTEE = "owners_committee"
    PROPERTY_COMPANY = "property_company"
    RESIDENT_UNIT = "resident_unit"
    VOLUNTEER_TEAM = "volunteer_team"


OrgKind.ALL = tuple(OrgKind)


class Organisation(TimestampMixin, db.Model):
    """Any body in the 1+3+X: attached to its street, and to a community or compound where it belongs.

    A party branch may name the organisation it sits in (parent): that is how party coverage of
    owners' committees and property companies is counted.
    """

    __tablename__ = "organisation"
    __table_args__ = (
        CheckConstraint("compound_id IS NULL OR community_id IS NOT NULL", name="compound_has_community"),
        enum_check("kind", OrgKind),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    name: Mapped[str] = mapped_column(String(120))
    street_id: Mapped[int] = mapped_column(ForeignKey("street.id"), index=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"), index=True)
    compound_id: Mapped[int | None] = mapped_column(ForeignKey("compound.id"), index=True)
    #: only for a party branch: the owners' committee or property company it sits in (not a
    #: hierarchy of organisations); party coverage of those bodies is counted from it
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)

    street = relationship("Street")
    community = relationship("Community")
    compound = relationship("Compound")
    parent = relationship("Organisation", remote_side=[id])
    positions = relationship("Position", back_populates="organisation")


class ContractStatus(StrEnum):
    ACTIVE = "active"
    #: ended by terminate_contract; an active contract past its end date has simply expired
    TERMINATED = "terminated"


ContractStatus.ALL = tuple(ContractStatus)


class ServiceContract(TimestampMixin, db.Model):
    """物业服务合同: a property company serves a compound from start to end.

    It is current when active and today lies within its dates.
    """

    __tablename__ = "service_contract"
    __table_args__ = (
        CheckConstraint("end_date >= start_date", name="dates_in_order"),
        enum_check("status", ContractStatus),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compound.id"), index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=ContractStatus.ACTIVE)
    note: Mapped[str | None] = mapped_column(Text)
    compound = relationship("Compound", back_populates="contracts")
    company = relationship("Organisation")

    @hybrid_method
    def is_current(self, on: date | None = None) -> bool:
        """Active, and `on` (default: the local today) lies within its dates; also a SQL condition."""
        on = on or today()
        return self.status == ContractStatus.ACTIVE and self.start_date <= on <= self.end_date

    @is_current.expression
    def is_current(cls, on: date | None = None):
        on = on or today()
        return and_(cls.status == ContractStatus.ACTIVE, cls.start_date <= on, cls.end_date >= on)


class Role(StrEnum):
    """Role codes a position confers; RESIDENT comes from a household, not a position."""

    STREET_ADMIN = "street_admin"
    PARTY_SECRETARY = "party_secretary"
    PARTY_COMMITTEE = "party_committee"
    COMMUNITY_WORKER = "community_worker"
    GRID_WORKER = "grid_worker"
    BRANCH_MEMBER = "branch_member"
    OWNERS_COMMITTEE = "owners_committee"
    PROPERTY_MANAGER = "property_manager"
    PROPERTY_STAFF = "property_staff"
    MEMBER = "member"
    RESIDENT = "resident"


#: the roles a position in an organisation of each kind may confer
Role.BY_ORG_KIND = {
    OrgKind.STREET_OFFICE: (Role.STREET_ADMIN,),
    OrgKind.PARTY_COMMITTEE: (Role.PARTY_SECRETARY, Role.PARTY_COMMITTEE),
    OrgKind.RESIDENTS_COMMITTEE: (Role.COMMUNITY_WORKER, Role.GRID_WORKER),
    OrgKind.PARTY_BRANCH: (Role.BRANCH_MEMBER,),
    OrgKind.OWNERS_COMMITTEE: (Role.OWNERS_COMMITTEE,),
    OrgKind.PROPERTY_COMPANY: (Role.PROPERTY_MANAGER, Role.PROPERTY_STAFF),
    OrgKind.RESIDENT_UNIT: (Role.MEMBER,),
    OrgKind.VOLUNTEER_TEAM: (Role.MEMBER,),
}


class Position(TimestampMixin, db.Model):
    """A person's post in an organisation (书记, 委员, 项目经理 …) from start to end.

    `role` decides what the post may do; `title` is how people name it. A grid worker's
    `compound_id` narrows their scope to that grid.
    """

    __tablename__ = "position"
    __table_args__ = (
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates_in_order"),
        enum_check("role", Role),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(50))
    #: only for a grid worker: the compound that is their grid (网格), narrowing their scope from
    #: the whole community to it (None: the whole community)
    compound_id: Mapped[int | None] = mapped_column(ForeignKey("compound.id"))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)

    user = relationship("User", back_populates="positions", foreign_keys=[user_id])
    organisation = relationship("Organisation", back_populates="positions")
    compound = relationship("Compound")

    @hybrid_method
    def is_open(self, on: date | None = None) -> bool:
        """Started and not yet ended on `on` (default: the local today); also a SQL condition."""
        on = on or today()
        return self.start_date <= on and (self.end_date is None or self.end_date >= on)

    @is_open.expression
    def is_open(cls, on: date | None = None):
        on = on or today()
        return and_(cls.start_date <= on, or_(cls.end_date.is_(None), cls.end_date >= on))

    @hybrid_method
    def not_ended(self, on: date | None = None) -> bool:
        """Open or still to start (an appointment made today for next month counts)."""
        on = on or today()
        return self.end_date is None or self.end_date >= on

    @not_ended.expression
    def not_ended(cls, on: date | None = None):
        on = on or today()
        return or_(cls.end_date.is_(None), cls.end_date >= on)
