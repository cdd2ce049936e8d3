"""Lists of the co-construction module, aggregated in SQL and paged."""

from __future__ import annotations

from sqlalchemy import case, select
from sqlalchemy.orm import joinedload, selectinload

from portal.projects.models import PartyMember, Wish, WishClaim, WishStatus
from portal.projects.permissions import party_member_of, visibility


def visible_wishes(user):
    """The user's wishes, open ones of their own compound first (a party member sees near wishes first)."""
    member = party_member_of(user)
    near = case((Wish.compound_id == member.compound_id, 0), else_=1) if member else case((Wish.id.is_(None), 0), else_=1)
    return (select(Wish).where(visibility(user))
            .options(joinedload(Wish.compound), selectinload(Wish.claims).joinedload(WishClaim.unit),
                     selectinload(Wish.claims).joinedload(WishClaim.party_member).joinedload(PartyMember.user))
            .order_by(case((Wish.status == WishStatus.OPEN, 0), else_=1), near, Wish.created_at.desc(), Wish.id.desc()))
