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


def community_figures(community_id: int) -> dict:
    """The community's co-construction indicators (DOMAIN.md, "Indicators"), computed, never typed in:
    projects by status, the share of finished projects finished on time, micro-wishes claimed and fulfilled."""
    from sqlalchemy import func

    from portal.extensions import db
    from portal.orgs.models import Compound
    from portal.projects.models import Project, ProjectStatus

    by_status = dict(db.session.execute(select(Project.status, func.count()).where(
        Project.community_id == community_id).group_by(Project.status)).all())
    on_time, finished = db.session.execute(select(
        func.count().filter(Project.completed_on <= Project.deadline), func.count()).where(
        Project.community_id == community_id, Project.completed_on.is_not(None),
        Project.status != ProjectStatus.CANCELLED)).one()
    compounds = select(Compound.id).where(Compound.community_id == community_id)
    claimed, fulfilled = db.session.execute(select(
        func.count().filter(Wish.status.in_((WishStatus.CLAIMED, WishStatus.FULFILLED, WishStatus.CONFIRMED))),
        func.count().filter(Wish.status == WishStatus.CONFIRMED)).where(Wish.compound_id.in_(compounds))).one()
    return {
        "projects_by_status": {status: by_status.get(status, 0) for status in ProjectStatus.ALL},
        "projects_finished": finished,
        "projects_on_time": on_time,
        "on_time_share": round(100 * on_time / finished) if finished else None,
        "wishes_claimed": claimed,
        "wishes_fulfilled": fulfilled,
    }
